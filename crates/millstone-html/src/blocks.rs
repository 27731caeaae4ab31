//! Blocks and their DOM evidence: the page cut into lines of text (paragraph, heading, list item,
//! table row, pre, …) with inline whitespace collapsed, and for each block a fixed vector of
//! features ([`FEATURES`]) that the block classifier reads.
//!
//! Everything is computed in passes over the flat node array (forward for inherited evidence,
//! backward for subtree sums), so the cost is linear in the number of nodes.
//!
//! Not for: deciding which blocks are content (that is [`crate::model`] and [`crate::extract`]).

use std::collections::HashMap;

use crate::dom::{Dom, Role, NONE};
use crate::tags::Tag;

/// Groups of `class`/`id` words (and tags, roles) that say what a part of a page is.
/// A word matches a stem when it equals it or, for stems of 4+ letters, starts with it.
const GROUPS: &[(&str, &[&str])] = &[
    (
        "nav",
        &[
            "nav",
            "navbar",
            "navigation",
            "menu",
            "breadcrumb",
            "pagination",
            "pager",
            "skip",
            "toc",
            "tabs",
        ],
    ),
    (
        "header",
        &[
            "header", "masthead", "topbar", "top", "head", "branding", "logo", "site",
        ],
    ),
    (
        "footer",
        &["footer", "foot", "copyright", "bottom", "legal", "colophon"],
    ),
    (
        "sidebar",
        &[
            "sidebar",
            "side",
            "aside",
            "widget",
            "rail",
            "secondary",
            "complementary",
            "col",
        ],
    ),
    (
        "comment",
        &[
            "comment",
            "reply",
            "replies",
            "respond",
            "discussion",
            "disqus",
            "feedback",
        ],
    ),
    (
        "share",
        &[
            "share",
            "sharing",
            "social",
            "facebook",
            "twitter",
            "addthis",
            "sharethis",
            "print",
            "follow",
        ],
    ),
    (
        "related",
        &[
            "related",
            "recommend",
            "more",
            "popular",
            "trending",
            "also",
            "suggest",
            "next",
            "prev",
            "recirc",
            "latest",
            "recent",
        ],
    ),
    (
        "popup",
        &[
            "cookie",
            "consent",
            "gdpr",
            "privacy",
            "newsletter",
            "subscribe",
            "signup",
            "modal",
            "popup",
            "overlay",
            "banner",
            "notice",
            "alert",
            "login",
            "register",
        ],
    ),
    (
        "ad",
        &[
            "ad",
            "ads",
            "advert",
            "advertisement",
            "sponsor",
            "promo",
            "dfp",
            "gpt",
            "adsense",
            "outbrain",
            "taboola",
        ],
    ),
    (
        "content",
        &[
            "article", "content", "main", "post", "entry", "body", "text", "story", "blog",
            "prose", "page", "single", "richtext", "wysiwyg",
        ],
    ),
    (
        "product",
        &[
            "product",
            "description",
            "price",
            "detail",
            "spec",
            "review",
            "rating",
            "feature",
            "summary",
        ],
    ),
    (
        "forum",
        &[
            "thread",
            "message",
            "forum",
            "topic",
            "question",
            "answer",
            "postbody",
            "bbcode",
            "quote",
            "signature",
        ],
    ),
    (
        "meta",
        &[
            "meta",
            "byline",
            "author",
            "date",
            "time",
            "tags",
            "tag",
            "category",
            "categories",
            "caption",
            "info",
            "label",
            "badge",
            "avatar",
            "user",
            "profile",
        ],
    ),
    ("title", &["title", "headline", "heading", "name", "h1"]),
    (
        "item",
        &[
            "card",
            "item",
            "tile",
            "teaser",
            "grid",
            "list",
            "result",
            "listing",
            "collection",
            "excerpt",
            "thumb",
            "preview",
        ],
    ),
    (
        "hidden",
        &[
            "hidden",
            "hide",
            "sronly",
            "sr",
            "visually",
            "screen",
            "offscreen",
            "invisible",
            "collapse",
            "dropdown",
            "mobile",
        ],
    ),
    (
        "button",
        &[
            "btn", "button", "cta", "action", "toggle", "icon", "link", "links",
        ],
    ),
];
const N_GROUPS: usize = 17;

/// Extra inherited bits after the class/id groups.
const BIT_NAV_TAG: usize = N_GROUPS;
const BIT_HEADER_TAG: usize = N_GROUPS + 1;
const BIT_FOOTER_TAG: usize = N_GROUPS + 2;
const BIT_ASIDE_TAG: usize = N_GROUPS + 3;
const BIT_FORM_TAG: usize = N_GROUPS + 4;
const BIT_ARTICLE_TAG: usize = N_GROUPS + 5;
const BIT_MAIN_TAG: usize = N_GROUPS + 6;
const BIT_ROLE_FURNITURE: usize = N_GROUPS + 7;
const BIT_ROLE_MAIN: usize = N_GROUPS + 8;
const BIT_ITEMPROP_BODY: usize = N_GROUPS + 9;
const BIT_LIST: usize = N_GROUPS + 10;
const BIT_TABLE: usize = N_GROUPS + 11;
const BIT_BLOCKQUOTE: usize = N_GROUPS + 12;
const BIT_FIGURE: usize = N_GROUPS + 13;
const BIT_LINK: usize = N_GROUPS + 14;
const BIT_PRE: usize = N_GROUPS + 15;
const BIT_NOSCRIPT: usize = N_GROUPS + 16;
const N_BITS: usize = N_GROUPS + 17;

/// Names of the inherited bits, in order.
fn bit_name(bit: usize) -> String {
    if bit < N_GROUPS {
        return GROUPS[bit].0.to_owned();
    }
    [
        "tag_nav",
        "tag_header",
        "tag_footer",
        "tag_aside",
        "tag_form",
        "tag_article",
        "tag_main",
        "role_furniture",
        "role_main",
        "itemprop_body",
        "in_list",
        "in_table",
        "in_blockquote",
        "in_figure",
        "in_link",
        "in_pre",
        "in_noscript",
    ][bit - N_GROUPS]
        .to_owned()
}

/// Numeric features before the bit features, in order.
const NUMERIC: &[&str] = &[
    "log_chars",
    "log_words",
    "link_density",
    "ends_terminal",
    "ends_colon",
    "punct_frac",
    "digit_frac",
    "upper_frac",
    "commas_per_word",
    "mean_word_len",
    "heading_level",
    "owner_p",
    "owner_li",
    "owner_row",
    "owner_div",
    "owner_dd",
    "owner_other",
    "position",
    "char_position",
    "depth",
    "anc1_share",
    "anc1_link_density",
    "anc1_blocks",
    "anc2_share",
    "anc2_link_density",
    "anc2_good_share",
    "anc3_share",
    "anc3_good_share",
    "anc4_share",
    "anc4_good_share",
    "in_best",
    "best_share",
    "best_depth_gap",
    "sibling_repeat",
    "prev_log_chars",
    "prev_link_density",
    "next_log_chars",
    "next_link_density",
    "page_log_chars",
    "page_link_density",
    "page_blocks",
    "ld_article",
    "ld_product",
    "ld_forum",
    "ld_list",
    "og_article",
    "og_product",
    "title_overlap",
    "h1_before",
    "dup_count",
    "dup_first",
    "lex_furniture",
    "lex_consent",
    "copyright",
    "links_per_word",
];

/// Phrases of page furniture (lowercase substrings).
const LEX_FURNITURE: &[&str] = &[
    "sign in",
    "log in",
    "login",
    "sign up",
    "register",
    "subscribe",
    "newsletter",
    "follow us",
    "share",
    "add to cart",
    "add to bag",
    "add to wishlist",
    "skip to",
    "menu",
    "back to top",
    "read more",
    "see all",
    "view all",
    "show more",
    "load more",
    "contact us",
    "about us",
    "all rights reserved",
    "terms of",
    "javascript",
    "your browser",
    "sitemap",
    "search",
];
/// Phrases of cookie and consent banners.
const LEX_CONSENT: &[&str] = &[
    "cookie",
    "consent",
    "privacy",
    "gdpr",
    "personal data",
    "third-party",
    "third party",
    "accept all",
    "reject all",
    "decline",
    "preferences",
    "tracking",
    "partners",
];

/// Feature names, in the order of [`Block::features`]: numeric, then `near.*` (own element or its
/// two nearest ancestors) and `anc.*` (any ancestor) bits.
pub fn feature_names() -> Vec<String> {
    let mut names: Vec<String> = NUMERIC.iter().map(|s| (*s).to_owned()).collect();
    for prefix in ["near", "anc"] {
        for bit in 0..N_BITS {
            names.push(format!("{prefix}.{}", bit_name(bit)));
        }
    }
    names
}

/// Number of features per block.
pub fn n_features() -> usize {
    NUMERIC.len() + 2 * N_BITS
}

/// Lazily built list of feature names, the model's contract.
pub static FEATURES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(feature_names);

/// One line of text with its evidence.
#[derive(Clone, Debug)]
pub struct Block {
    /// The text, inline whitespace collapsed.
    pub text: String,
    /// The block element the text belongs to (the nearest block-level ancestor).
    pub owner: u32,
    /// Characters of the text inside links.
    pub link_chars: u32,
    /// Characters of the text.
    pub chars: u32,
    /// Links (`<a>` elements) starting in the block.
    pub anchors: u32,
    /// The block's tag (the owner's).
    pub tag: Tag,
    /// Whether the block is in a table row (for the `tables` option).
    pub in_table: bool,
    /// Whether the block is inside something a page calls comments.
    pub in_comments: bool,
    /// The owner's parent and grandparent ([`NONE`] above the top).
    pub containers: [u32; 2],
    /// Features, see [`FEATURES`].
    pub features: Vec<f32>,
}

/// Elements whose content is never text to extract.
fn is_dropped(tag: Tag) -> bool {
    matches!(
        tag,
        Tag::SCRIPT
            | Tag::STYLE
            | Tag::HEAD
            | Tag::SVG
            | Tag::MATH
            | Tag::SELECT
            | Tag::TEMPLATE
            | Tag::BUTTON
            | Tag::IFRAME
            | Tag::OBJECT
            | Tag::CANVAS
            | Tag::DATALIST
            | Tag::AUDIO
            | Tag::VIDEO
            | Tag::MAP
            | Tag::TITLE
            | Tag::DIALOG
    )
}

/// Inline elements that join text without a space.
fn is_inline(tag: Tag) -> bool {
    matches!(
        tag,
        Tag::A
            | Tag::B
            | Tag::I
            | Tag::EM
            | Tag::STRONG
            | Tag::SPAN
            | Tag::FONT
            | Tag::U
            | Tag::S
            | Tag::SUB
            | Tag::SUP
            | Tag::SMALL
            | Tag::MARK
            | Tag::ABBR
            | Tag::CODE
            | Tag::KBD
            | Tag::VAR
            | Tag::SAMP
            | Tag::TT
            | Tag::Q
            | Tag::CITE
            | Tag::DEL
            | Tag::INS
            | Tag::STRIKE
            | Tag::TIME
            | Tag::TEXT
    )
}

/// Stems by exact word, and stems of 4+ letters (matched as prefixes), each with its group bits.
type StemMap = HashMap<&'static str, u64>;
static STEMS: std::sync::LazyLock<(StemMap, StemMap)> = std::sync::LazyLock::new(|| {
    let (mut exact, mut prefix) = (HashMap::new(), HashMap::new());
    for (g, (_, stems)) in GROUPS.iter().enumerate() {
        for s in *stems {
            *exact.entry(*s).or_insert(0) |= 1 << g;
            if s.len() >= 4 {
                *prefix.entry(*s).or_insert(0) |= 1 << g;
            }
        }
    }
    (exact, prefix)
});

/// The longest stem, so prefix look-ups stop there.
const MAX_STEM: usize = 13;

fn group_bits(attrs: &str) -> u64 {
    let (exact, prefix) = &*STEMS;
    let mut bits = 0u64;
    for word in attrs.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        bits |= exact.get(word).copied().unwrap_or(0);
        for len in 4..word.len().min(MAX_STEM + 1) {
            bits |= prefix.get(&word[..len]).copied().unwrap_or(0);
        }
    }
    bits
}

fn own_bits<'a>(dom: &'a Dom, i: usize, memo: &mut HashMap<&'a str, u64>) -> u64 {
    let n = &dom.nodes[i];
    let attrs = dom.attrs_of(i);
    let mut bits = if attrs.is_empty() {
        0
    } else {
        *memo.entry(attrs).or_insert_with(|| group_bits(attrs))
    };
    let mut set = |b: usize| bits |= 1 << b;
    match n.tag {
        Tag::NAV => set(BIT_NAV_TAG),
        Tag::HEADER => set(BIT_HEADER_TAG),
        Tag::FOOTER => set(BIT_FOOTER_TAG),
        Tag::ASIDE => set(BIT_ASIDE_TAG),
        Tag::FORM => set(BIT_FORM_TAG),
        Tag::ARTICLE => set(BIT_ARTICLE_TAG),
        Tag::MAIN => set(BIT_MAIN_TAG),
        Tag::LI | Tag::UL | Tag::OL | Tag::DL | Tag::DD | Tag::DT => set(BIT_LIST),
        Tag::TABLE | Tag::TR | Tag::TD | Tag::TH => set(BIT_TABLE),
        Tag::BLOCKQUOTE => set(BIT_BLOCKQUOTE),
        Tag::FIGURE | Tag::FIGCAPTION => set(BIT_FIGURE),
        Tag::A => set(BIT_LINK),
        Tag::PRE => set(BIT_PRE),
        Tag::NOSCRIPT => set(BIT_NOSCRIPT),
        _ => {}
    }
    match n.role {
        Role::Furniture => set(BIT_ROLE_FURNITURE),
        Role::Main => set(BIT_ROLE_MAIN),
        Role::None => {}
    }
    if n.itemprop_body {
        set(BIT_ITEMPROP_BODY);
    }
    bits
}

/// Appends `text` to `out`, collapsing whitespace; `space` carries a pending separator.
fn push_collapsed(out: &mut String, text: &str, space: &mut bool) -> u32 {
    let mut added = 0u32;
    for c in text.chars() {
        if c.is_whitespace() || c == '\u{200B}' {
            *space = true;
        } else {
            if *space && !out.is_empty() {
                out.push(' ');
            }
            *space = false;
            out.push(c);
            added += 1;
        }
    }
    added
}

/// Page-level hints from metadata: JSON-LD `@type`s and `og:type`.
#[derive(Default, Clone, Copy)]
pub struct PageHints {
    ld_article: bool,
    ld_product: bool,
    ld_forum: bool,
    ld_list: bool,
    og_article: bool,
    og_product: bool,
}

impl PageHints {
    /// Reads the hints from a parsed page.
    pub fn of(dom: &Dom) -> Self {
        let mut h = PageHints::default();
        for ld in &dom.json_ld {
            let has = |t: &str| ld.contains(&format!("\"{t}\"")) || ld.contains(&format!("\"{t} "));
            h.ld_article |= has("Article") || has("NewsArticle") || has("BlogPosting");
            h.ld_product |= has("Product") || has("Offer");
            h.ld_forum |= has("DiscussionForumPosting") || has("QAPage") || has("Question");
            h.ld_list |= has("ItemList") || has("CollectionPage") || has("SearchResultsPage");
        }
        for m in &dom.metas {
            if m.key == "og:type" {
                let v = m.content.to_ascii_lowercase();
                h.og_article |= v.contains("article");
                h.og_product |= v.contains("product");
            }
        }
        h
    }
}

/// The block being gathered.
#[derive(Default)]
struct Pending {
    text: String,
    links: u32,
    chars: u32,
    anchors: u32,
}

impl Pending {
    /// Ends the block (if it has text) as a block of `owner`.
    fn flush(&mut self, dom: &Dom, raw: &mut Vec<Block>, owner: u32) {
        if self.chars > 0 {
            let tag = if owner == NONE {
                Tag::BODY
            } else {
                dom.nodes[owner as usize].tag
            };
            raw.push(Block {
                text: std::mem::take(&mut self.text),
                owner,
                link_chars: self.links,
                chars: self.chars,
                anchors: self.anchors,
                tag,
                in_table: false,
                in_comments: false,
                containers: [NONE; 2],
                features: Vec::new(),
            });
        }
        *self = Pending {
            text: std::mem::take(&mut self.text),
            ..Pending::default()
        };
        self.text.clear();
    }
}

/// Cuts the page into blocks and computes their features.
pub fn blocks(dom: &Dom) -> Vec<Block> {
    let n = dom.nodes.len();
    // Forward pass: dropped subtrees and inherited bits (parents come before children).
    let mut dropped = vec![false; n];
    let mut near = vec![0u64; n];
    let mut anc = vec![0u64; n];
    let mut own = vec![0u64; n];
    let mut memo = HashMap::new();
    for i in 0..n {
        let node = &dom.nodes[i];
        let p = node.parent;
        let (pd, pnear_own, pp_own, panc) = if p == NONE {
            (false, 0, 0, 0)
        } else {
            let pi = p as usize;
            let gp = dom.nodes[pi].parent;
            (
                dropped[pi],
                own[pi],
                if gp == NONE { 0 } else { own[gp as usize] },
                anc[pi],
            )
        };
        if node.tag == Tag::TEXT {
            dropped[i] = pd;
            continue;
        }
        dropped[i] = pd || node.hidden || is_dropped(node.tag);
        own[i] = own_bits(dom, i, &mut memo);
        near[i] = own[i] | pnear_own | pp_own;
        anc[i] = panc | own[i];
    }
    // Backward pass: subtree text and link characters.
    let mut chars = vec![0u32; n];
    let mut links = vec![0u32; n];
    for i in (0..n).rev() {
        let node = &dom.nodes[i];
        if dropped[i] {
            continue;
        }
        if node.tag == Tag::TEXT {
            chars[i] = dom
                .text_of(i)
                .chars()
                .filter(|c| !c.is_whitespace())
                .count() as u32;
        } else if node.tag == Tag::A {
            links[i] = chars[i];
        }
        if node.parent != NONE {
            let p = node.parent as usize;
            chars[p] += chars[i];
            links[p] += links[i];
        }
    }
    // Sibling repetition: how many siblings share an element's tag and class.
    let mut signature: HashMap<(u32, u8, &str), u32> = HashMap::new();
    for (i, node) in dom.nodes.iter().enumerate() {
        if node.tag != Tag::TEXT && !dropped[i] && node.parent != NONE {
            *signature
                .entry((node.parent, node.tag.0, dom.attrs_of(i)))
                .or_default() += 1;
        }
    }
    let repeat_of = |i: usize| -> u32 {
        let node = &dom.nodes[i];
        signature
            .get(&(node.parent, node.tag.0, dom.attrs_of(i)))
            .copied()
            .unwrap_or(0)
    };

    // Block segmentation.
    let mut raw: Vec<Block> = Vec::new();
    let mut open_blocks: Vec<(u32, u32)> = Vec::new(); // (element, end)
    let mut link_end = 0u32;
    let mut pending = Pending::default();
    let mut space = false;
    let mut cur_owner = NONE;
    let mut i = 0;
    while i < n {
        while let Some(&(_, end)) = open_blocks.last() {
            if end as usize > i {
                break;
            }
            open_blocks.pop();
            pending.flush(dom, &mut raw, cur_owner);
            cur_owner = open_blocks.last().map_or(NONE, |b| b.0);
        }
        let node = &dom.nodes[i];
        if dropped[i] {
            i = node.end.max(i as u32 + 1) as usize;
            space = true;
            continue;
        }
        if node.tag == Tag::TEXT {
            let added = push_collapsed(&mut pending.text, dom.text_of(i), &mut space);
            pending.chars += added;
            if (i as u32) < link_end {
                pending.links += added;
            }
        } else if node.tag == Tag::TD || node.tag == Tag::TH {
            space = true;
        } else if node.tag.is_block() {
            pending.flush(dom, &mut raw, cur_owner);
            space = false;
            if node.end as usize > i + 1 {
                open_blocks.push((i as u32, node.end));
                cur_owner = i as u32;
            }
        } else {
            if node.tag == Tag::A {
                link_end = link_end.max(node.end);
                pending.anchors += 1;
            }
            if !is_inline(node.tag) {
                space = true;
            }
        }
        i += 1;
    }
    pending.flush(dom, &mut raw, cur_owner);
    // Identical texts on the page: how often, and whether this is the first.
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for b in &raw {
        *seen.entry(b.text.as_str()).or_default() += 1;
    }
    let mut firsts: HashMap<&str, bool> = HashMap::new();
    let dups: Vec<(u32, bool)> = raw
        .iter()
        .map(|b| {
            let first = firsts.insert(b.text.as_str(), true).is_none();
            (seen[b.text.as_str()], first)
        })
        .collect();

    // Readability-style best container: the element with the most "good" text (blocks of
    // 80+ characters with little link text) minus a share of its other text.
    let mut good = vec![0u32; n];
    for b in &raw {
        if b.chars >= 80 && (b.link_chars as f32) < 0.25 * b.chars as f32 && b.owner != NONE {
            good[b.owner as usize] += b.chars;
        }
    }
    for i in (0..n).rev() {
        let p = dom.nodes[i].parent;
        if p != NONE && good[i] > 0 {
            good[p as usize] += good[i];
        }
    }
    let page_chars: u32 = raw.iter().map(|b| b.chars).sum();
    let page_links: u32 = raw.iter().map(|b| b.link_chars).sum();
    let page_good: u32 = raw
        .iter()
        .filter(|b| b.chars >= 80 && (b.link_chars as f32) < 0.25 * b.chars as f32)
        .map(|b| b.chars)
        .sum();
    let mut best = NONE;
    let mut best_score = f32::MIN;
    for i in 0..n {
        if good[i] == 0 {
            continue;
        }
        let score = good[i] as f32
            - 0.5 * (chars[i] - good[i].min(chars[i])) as f32
            - 2.0 * links[i] as f32;
        // Prefer deeper elements on ties (later index with equal score).
        if score >= best_score {
            best_score = score;
            best = i as u32;
        }
    }
    let mut blocks_in = vec![0u32; n];
    for b in &raw {
        let mut p = b.owner;
        let mut k = 0;
        while p != NONE && k < 2 {
            blocks_in[p as usize] += 1;
            p = dom.nodes[p as usize].parent;
            k += 1;
        }
    }

    let hints = PageHints::of(dom);
    let title_words: Vec<String> = dom
        .title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .take(32)
        .map(str::to_lowercase)
        .collect();
    let total_blocks = raw.len().max(1) as f32;
    let page_chars_f = page_chars.max(1) as f32;
    let mut before = 0u32;
    let mut h1_seen = false;
    let ld = |x: f32| (1.0 + x).ln();
    let lens: Vec<(f32, f32)> = raw
        .iter()
        .map(|b| {
            (
                ld(b.chars as f32),
                b.link_chars as f32 / b.chars.max(1) as f32,
            )
        })
        .collect();
    for (k, b) in raw.iter_mut().enumerate() {
        let text = &b.text;
        let words = text.split_whitespace().count().max(1) as f32;
        let bchars = b.chars.max(1) as f32;
        let last = text.chars().last().unwrap_or(' ');
        let (mut punct, mut digit, mut upper, mut commas) = (0u32, 0u32, 0u32, 0u32);
        for c in text.chars() {
            if c.is_ascii_punctuation() {
                punct += 1;
                if c == ',' {
                    commas += 1;
                }
            } else if c.is_numeric() {
                digit += 1;
            } else if c.is_uppercase() {
                upper += 1;
            }
        }
        let owner = b.owner;
        let otag = b.tag;
        let mut ancestors = [NONE; 4];
        let mut p = owner;
        for a in &mut ancestors {
            if p == NONE {
                break;
            }
            let parent = dom.nodes[p as usize].parent;
            *a = parent;
            p = parent;
        }
        let share = |a: u32| {
            if a == NONE {
                1.0
            } else {
                chars[a as usize] as f32 / page_chars_f
            }
        };
        let ldens = |a: u32| {
            if a == NONE {
                page_links as f32 / page_chars_f
            } else {
                links[a as usize] as f32 / chars[a as usize].max(1) as f32
            }
        };
        let gshare = |a: u32| {
            if a == NONE {
                page_good as f32 / page_chars_f
            } else {
                good[a as usize] as f32 / chars[a as usize].max(1) as f32
            }
        };
        let in_best = best != NONE
            && owner != NONE
            && (owner >= best && owner < dom.nodes[best as usize].end);
        let best_depth_gap = if best == NONE || owner == NONE {
            0.0
        } else {
            dom.nodes[owner as usize].depth as f32 - dom.nodes[best as usize].depth as f32
        };
        let mut repeat = 0u32;
        let mut p = owner;
        for _ in 0..4 {
            if p == NONE {
                break;
            }
            repeat = repeat.max(repeat_of(p as usize));
            p = dom.nodes[p as usize].parent;
        }
        let lower = text.to_lowercase();
        let lex = |list: &[&str]| list.iter().filter(|p| lower.contains(*p)).count() as f32;
        let overlap = if title_words.is_empty() {
            0.0
        } else {
            title_words
                .iter()
                .filter(|w| lower.contains(w.as_str()))
                .count() as f32
                / title_words.len() as f32
        };
        let (prev, next) = (
            if k > 0 { lens[k - 1] } else { (0.0, 0.0) },
            lens.get(k + 1).copied().unwrap_or((0.0, 0.0)),
        );
        let near_bits = if owner == NONE {
            0
        } else {
            near[owner as usize]
        };
        let anc_bits = if owner == NONE {
            0
        } else {
            anc[owner as usize]
        };
        let flag = |x: bool| if x { 1.0 } else { 0.0 };
        let mut f = Vec::with_capacity(n_features());
        f.extend_from_slice(&[
            ld(bchars),
            ld(words),
            b.link_chars as f32 / bchars,
            flag(matches!(
                last,
                '.' | '!' | '?' | '"' | '\'' | '”' | '。' | ')'
            )),
            flag(last == ':'),
            punct as f32 / bchars,
            digit as f32 / bchars,
            upper as f32 / bchars,
            commas as f32 / words,
            bchars / words,
            otag.heading_level() as f32,
            flag(otag == Tag::P),
            flag(otag == Tag::LI),
            flag(matches!(
                otag,
                Tag::TR | Tag::TABLE | Tag::TBODY | Tag::THEAD | Tag::TFOOT
            )),
            flag(otag == Tag::DIV),
            flag(matches!(otag, Tag::DD | Tag::DT)),
            flag(
                !matches!(
                    otag,
                    Tag::P | Tag::LI | Tag::DIV | Tag::DD | Tag::DT | Tag::TR
                ) && otag.heading_level() == 0,
            ),
            k as f32 / total_blocks,
            before as f32 / page_chars_f,
            if owner == NONE {
                0.0
            } else {
                dom.nodes[owner as usize].depth as f32
            },
            share(ancestors[0]),
            ldens(ancestors[0]),
            if ancestors[0] == NONE {
                total_blocks
            } else {
                blocks_in[ancestors[0] as usize] as f32
            },
            share(ancestors[1]),
            ldens(ancestors[1]),
            gshare(ancestors[1]),
            share(ancestors[2]),
            gshare(ancestors[2]),
            share(ancestors[3]),
            gshare(ancestors[3]),
            flag(in_best),
            if best == NONE {
                0.0
            } else {
                chars[best as usize] as f32 / page_chars_f
            },
            best_depth_gap,
            ld(repeat as f32),
            prev.0,
            prev.1,
            next.0,
            next.1,
            ld(page_chars as f32),
            page_links as f32 / page_chars_f,
            ld(total_blocks),
            flag(hints.ld_article),
            flag(hints.ld_product),
            flag(hints.ld_forum),
            flag(hints.ld_list),
            flag(hints.og_article),
            flag(hints.og_product),
            overlap,
            flag(h1_seen),
            ld(dups[k].0 as f32 - 1.0),
            flag(dups[k].1),
            lex(LEX_FURNITURE),
            lex(LEX_CONSENT),
            flag(text.contains('©') || lower.contains("copyright")),
            b.anchors as f32 / words,
        ]);
        for bits in [near_bits, anc_bits] {
            for bit in 0..N_BITS {
                f.push(flag(bits & (1 << bit) != 0));
            }
        }
        debug_assert_eq!(f.len(), n_features());
        b.features = f;
        b.in_table = anc_bits & (1 << BIT_TABLE) != 0;
        b.in_comments = anc_bits & (1 << 4) != 0;
        b.containers = [ancestors[0], ancestors[1]];
        before += b.chars;
        if otag == Tag::H1 {
            h1_seen = true;
        }
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dom::parse;

    #[test]
    fn one_block_per_paragraph_heading_item_and_row() {
        let dom = parse(
            "<h1>Title</h1><p>First   para\n with <b>bold</b><a href=x>link</a>.</p>\
             <ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table>\
             <pre>code</pre><script>var x</script><div>tail<br>line</div>",
        );
        let texts: Vec<String> = blocks(&dom).into_iter().map(|b| b.text).collect();
        assert_eq!(
            texts,
            vec![
                "Title",
                "First para with boldlink.",
                "one",
                "two",
                "a b",
                "code",
                "tail",
                "line"
            ]
        );
    }

    #[test]
    fn features_have_the_declared_length_and_link_density() {
        let dom =
            parse("<nav class='main-menu'><a>Home</a> <a>About</a></nav><p>Plain text here.</p>");
        let bs = blocks(&dom);
        assert_eq!(bs.len(), 2);
        for b in &bs {
            assert_eq!(b.features.len(), FEATURES.len());
        }
        let ld = FEATURES.iter().position(|f| f == "link_density").unwrap();
        assert_eq!(bs[0].features[ld], 1.0);
        assert_eq!(bs[1].features[ld], 0.0);
        let nav = FEATURES.iter().position(|f| f == "anc.tag_nav").unwrap();
        assert_eq!((bs[0].features[nav], bs[1].features[nav]), (1.0, 0.0));
        let menu = FEATURES.iter().position(|f| f == "near.nav").unwrap();
        assert_eq!(bs[0].features[menu], 1.0);
    }
}

//! A tolerant HTML parser into a flat arena: nodes in document order, each knowing its parent,
//! depth and the end of its subtree, so every walk is a loop over a slice (no recursion).
//!
//! `<noscript>` content is parsed as HTML, as a browser without scripting shows it (forum
//! software such as Discourse serves its posts there).
//!
//! The tree building follows the parts of HTML's algorithm that shape text blocks: void
//! elements, raw-text elements (`script`, `style`, `title`, …), implied end tags (`p`, `li`,
//! `dd`/`dt`, `tr`, `td`/`th`, `option`, headings) and end tags that close whatever is open above
//! their element. It does not build a spec-exact tree (no adoption agency, no foster parenting).
//!
//! Limits, so hostile input costs time and memory linear in its size:
//! - nesting deeper than [`MAX_DEPTH`] is flattened: deeper elements become children of the
//!   element at that depth, so 100,000 nested `<div>`s are one level 512 with 99,489 siblings;
//! - implied-end searches look at most [`SCOPE_SEARCH`] open elements up;
//! - only the attributes the extractor reads are kept (`class`, `id`, `role`, `itemprop`,
//!   `hidden`, `aria-hidden`, `style` display/visibility, `lang`, `datetime`, `content`, `name`,
//!   `property`, `type`), and of each at most [`MAX_ATTR`] bytes.
//!
//! Not for: serialising HTML back, scripting, or CSS beyond inline `display:none`.

use crate::entities::decode_into;
use crate::tags::{lookup, Tag};

/// Open elements deeper than this are flattened into siblings.
pub const MAX_DEPTH: usize = 512;
/// How many open elements an implied-end-tag search looks through.
pub const SCOPE_SEARCH: usize = 64;
/// Bytes of one attribute value kept.
pub const MAX_ATTR: usize = 512;

/// No node (the root's parent).
pub const NONE: u32 = u32::MAX;

/// One element or text node.
#[derive(Clone, Debug)]
pub struct Node {
    /// The element's tag, or [`Tag::TEXT`].
    pub tag: Tag,
    /// The parent node's index, [`NONE`] for top-level nodes.
    pub parent: u32,
    /// One past the index of the subtree's last node.
    pub end: u32,
    /// Nesting depth (top level = 0).
    pub depth: u16,
    /// Text nodes: decoded text in [`Dom::text`]. Elements: lowercased `class` and `id`
    /// values, space-separated, in [`Dom::attrs`].
    pub span: (u32, u32),
    /// `hidden`, `aria-hidden="true"` or an inline `display:none` / `visibility:hidden`.
    pub hidden: bool,
    /// `role` attribute, interned (see [`Role`]).
    pub role: Role,
    /// `itemprop` names the element's own content as an article body or a text.
    pub itemprop_body: bool,
}

/// `role` values the extractor reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Role {
    /// No role, or one not listed here.
    #[default]
    None,
    /// `main` or `article`.
    Main,
    /// `navigation`, `menu`, `menubar`, `banner`, `contentinfo`, `search`, `complementary`,
    /// `dialog`, `alert`, `toolbar`, `tablist`.
    Furniture,
}

/// A `<meta>` element's `name`/`property`/`itemprop` and `content`.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    /// Lowercased `name`, `property` or `itemprop`.
    pub key: String,
    /// The `content` value, references decoded.
    pub content: String,
}

/// A parsed page.
#[derive(Debug, Default)]
pub struct Dom {
    /// Nodes in document order; a node's subtree is `index + 1 .. node.end`.
    pub nodes: Vec<Node>,
    /// Text of text nodes.
    pub text: String,
    /// `class` and `id` tokens of elements.
    pub attrs: String,
    /// `<title>` text.
    pub title: String,
    /// `<meta>` name/content pairs, in order.
    pub metas: Vec<Meta>,
    /// `lang` of `<html>`.
    pub lang: String,
    /// `datetime` of the first `<time>` element.
    pub time: String,
    /// Text of `<script type="application/ld+json">` elements.
    pub json_ld: Vec<String>,
}

impl Dom {
    /// The text of text node `i`.
    pub fn text_of(&self, i: usize) -> &str {
        let (a, b) = self.nodes[i].span;
        &self.text[a as usize..b as usize]
    }

    /// The `class` and `id` tokens of element `i`.
    pub fn attrs_of(&self, i: usize) -> &str {
        let (a, b) = self.nodes[i].span;
        &self.attrs[a as usize..b as usize]
    }
}

/// Attributes of one start tag that the parser keeps.
#[derive(Default)]
struct Attrs {
    class_id: String,
    hidden: bool,
    role: Role,
    itemprop_body: bool,
    lang: String,
    datetime: String,
    content: String,
    key: String,
    ld_json: bool,
}

/// Parses `html` into a [`Dom`]. Never fails: anything unparseable is text.
pub fn parse(html: &str) -> Dom {
    let mut builder = Builder {
        dom: Dom::default(),
        stack: Vec::new(),
        open: [0; 256],
    };
    builder.run(html);
    builder.dom
}

struct Builder {
    dom: Dom,
    /// Indices of open elements.
    stack: Vec<u32>,
    /// How many elements of each tag are open.
    open: [u32; 256],
}

fn ascii_lower_into(src: &[u8], buf: &mut [u8; 16]) -> Option<usize> {
    if src.len() > buf.len() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(src) {
        *d = s.to_ascii_lowercase();
    }
    Some(src.len())
}

fn tag_of(name: &[u8]) -> Tag {
    let mut buf = [0u8; 16];
    match ascii_lower_into(name, &mut buf) {
        Some(n) => lookup(&buf[..n]),
        None => Tag::OTHER,
    }
}

fn is_name_byte(b: u8) -> bool {
    !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>')
}

/// Finds `</name` (ASCII case-insensitive) followed by a non-name byte, from `from`.
fn find_end_tag(bytes: &[u8], from: usize, name: &str) -> Option<usize> {
    let name = name.as_bytes();
    let mut at = from;
    while let Some(rel) = memchr::memmem::find(&bytes[at..], b"</") {
        let pos = at + rel;
        let after = pos + 2;
        if bytes.len() >= after + name.len()
            && bytes[after..after + name.len()].eq_ignore_ascii_case(name)
            && bytes
                .get(after + name.len())
                .is_none_or(|b| !is_name_byte(*b) || *b == b'/')
        {
            return Some(pos);
        }
        at = after;
    }
    None
}

impl Builder {
    fn run(&mut self, html: &str) {
        let bytes = html.as_bytes();
        let mut pos = 0;
        let mut text_start = 0;
        while let Some(rel) = memchr::memchr(b'<', &bytes[pos..]) {
            let lt = pos + rel;
            let next = bytes.get(lt + 1).copied().unwrap_or(0);
            if next == b'!' || next == b'?' {
                self.text(&html[text_start..lt]);
                pos = if bytes[lt + 1..].starts_with(b"!--") {
                    memchr::memmem::find(&bytes[lt + 4..], b"-->")
                        .map_or(bytes.len(), |e| lt + 4 + e + 3)
                } else {
                    memchr::memchr(b'>', &bytes[lt..]).map_or(bytes.len(), |e| lt + e + 1)
                };
                text_start = pos;
            } else if next == b'/' && bytes.get(lt + 2).is_some_and(u8::is_ascii_alphabetic) {
                self.text(&html[text_start..lt]);
                let name_end = lt
                    + 2
                    + bytes[lt + 2..]
                        .iter()
                        .take_while(|b| is_name_byte(**b))
                        .count();
                self.end_tag(tag_of(&bytes[lt + 2..name_end]), &bytes[lt + 2..name_end]);
                pos = memchr::memchr(b'>', &bytes[name_end..])
                    .map_or(bytes.len(), |e| name_end + e + 1);
                text_start = pos;
            } else if next.is_ascii_alphabetic() {
                self.text(&html[text_start..lt]);
                let name_end = lt
                    + 1
                    + bytes[lt + 1..]
                        .iter()
                        .take_while(|b| is_name_byte(**b))
                        .count();
                let tag = tag_of(&bytes[lt + 1..name_end]);
                let (attrs, tag_end, self_closing) = parse_attrs(html, name_end, tag);
                pos = tag_end;
                text_start = pos;
                if tag.is_raw_text() && !self_closing {
                    let name = std::str::from_utf8(&bytes[lt + 1..name_end]).unwrap_or("");
                    let close = if tag == Tag::PLAINTEXT {
                        None
                    } else {
                        find_end_tag(bytes, pos, name)
                    };
                    let body_end = close.unwrap_or(bytes.len());
                    self.raw_text(tag, &attrs, &html[pos..body_end]);
                    pos = close.map_or(bytes.len(), |c| {
                        memchr::memchr(b'>', &bytes[c..]).map_or(bytes.len(), |e| c + e + 1)
                    });
                    text_start = pos;
                } else {
                    self.start_tag(tag, attrs, self_closing);
                }
            } else {
                // A lone `<` is text.
                pos = lt + 1;
            }
        }
        self.text(&html[text_start..]);
        while let Some(top) = self.stack.pop() {
            self.close(top);
        }
    }

    fn text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        let start = self.dom.text.len();
        decode_into(raw, &mut self.dom.text);
        let end = self.dom.text.len();
        self.push_node(Tag::TEXT, (start as u32, end as u32), Attrs::default());
    }

    fn raw_text(&mut self, tag: Tag, attrs: &Attrs, body: &str) {
        match tag {
            Tag::TITLE if self.dom.title.is_empty() => {
                decode_into(body.trim(), &mut self.dom.title)
            }
            Tag::SCRIPT if attrs.ld_json && self.dom.json_ld.len() < 16 => {
                self.dom.json_ld.push(body.chars().take(200_000).collect());
            }
            _ => {}
        }
    }

    fn push_node(&mut self, tag: Tag, span: (u32, u32), attrs: Attrs) -> u32 {
        let index = self.dom.nodes.len() as u32;
        let (parent, depth) = match self.stack.last() {
            Some(&p) => (p, self.dom.nodes[p as usize].depth.saturating_add(1)),
            None => (NONE, 0),
        };
        let span = if tag == Tag::TEXT {
            span
        } else {
            let start = self.dom.attrs.len() as u32;
            self.dom.attrs.push_str(&attrs.class_id);
            (start, self.dom.attrs.len() as u32)
        };
        self.dom.nodes.push(Node {
            tag,
            parent,
            end: index + 1,
            depth,
            span,
            hidden: attrs.hidden,
            role: attrs.role,
            itemprop_body: attrs.itemprop_body,
        });
        index
    }

    fn close(&mut self, node: u32) {
        let end = self.dom.nodes.len() as u32;
        let n = &mut self.dom.nodes[node as usize];
        n.end = end;
        self.open[n.tag.0 as usize] = self.open[n.tag.0 as usize].saturating_sub(1);
    }

    /// Pops open elements down to and including the one at stack position `at`.
    fn pop_to(&mut self, at: usize) {
        while self.stack.len() > at {
            let top = self.stack.pop().expect("stack longer than at");
            self.close(top);
        }
    }

    /// Stack position of the nearest open `tag`, searching at most [`SCOPE_SEARCH`] elements and
    /// stopping at a scope boundary or at one of `stop`.
    fn in_scope(&self, tag: Tag, stop: &[Tag]) -> Option<usize> {
        if self.open[tag.0 as usize] == 0 {
            return None;
        }
        for (k, &i) in self.stack.iter().enumerate().rev().take(SCOPE_SEARCH) {
            let t = self.dom.nodes[i as usize].tag;
            if t == tag {
                return Some(k);
            }
            if t.is_scope_boundary() || stop.contains(&t) {
                return None;
            }
        }
        None
    }

    fn close_implied(&mut self, tag: Tag, stop: &[Tag]) {
        if let Some(at) = self.in_scope(tag, stop) {
            self.pop_to(at);
        }
    }

    fn start_tag(&mut self, tag: Tag, attrs: Attrs, self_closing: bool) {
        if tag.closes_p() {
            self.close_implied(Tag::P, &[]);
        }
        match tag {
            Tag::LI => self.close_implied(Tag::LI, &[Tag::UL, Tag::OL, Tag::MENU]),
            Tag::DD | Tag::DT => {
                self.close_implied(Tag::DD, &[Tag::DL]);
                self.close_implied(Tag::DT, &[Tag::DL]);
            }
            Tag::TR => {
                self.close_implied(Tag::TD, &[Tag::TR]);
                self.close_implied(Tag::TH, &[Tag::TR]);
                self.close_implied(Tag::TR, &[Tag::TBODY, Tag::THEAD, Tag::TFOOT]);
            }
            Tag::TD | Tag::TH => {
                self.close_implied(Tag::TD, &[Tag::TR]);
                self.close_implied(Tag::TH, &[Tag::TR]);
            }
            Tag::TBODY | Tag::THEAD | Tag::TFOOT => {
                for t in [
                    Tag::TD,
                    Tag::TH,
                    Tag::TR,
                    Tag::TBODY,
                    Tag::THEAD,
                    Tag::TFOOT,
                ] {
                    self.close_implied(t, &[]);
                }
            }
            Tag::OPTION => self.close_implied(Tag::OPTION, &[Tag::SELECT]),
            Tag::A => self.close_implied(Tag::A, &[]),
            _ if tag.heading_level() > 0 => {
                if let Some(&top) = self.stack.last() {
                    if self.dom.nodes[top as usize].tag.heading_level() > 0 {
                        self.pop_to(self.stack.len() - 1);
                    }
                }
            }
            _ => {}
        }
        if tag == Tag::HTML && self.dom.lang.is_empty() {
            self.dom.lang.clone_from(&attrs.lang);
        }
        if tag == Tag::META && !attrs.key.is_empty() && self.dom.metas.len() < 256 {
            self.dom.metas.push(Meta {
                key: attrs.key.clone(),
                content: attrs.content.clone(),
            });
        }
        if tag == Tag::TIME && self.dom.time.is_empty() {
            self.dom.time.clone_from(&attrs.datetime);
        }
        let leaf =
            tag.is_void() || (self_closing && tag == Tag::OTHER) || self.stack.len() >= MAX_DEPTH;
        let node = self.push_node(tag, (0, 0), attrs);
        if leaf {
            return;
        }
        self.open[tag.0 as usize] += 1;
        self.stack.push(node);
    }

    fn end_tag(&mut self, tag: Tag, name: &[u8]) {
        match tag {
            Tag::BR => {
                self.start_tag(Tag::BR, Attrs::default(), false);
                return;
            }
            Tag::BODY | Tag::HTML => return,
            _ => {}
        }
        if tag == Tag::OTHER {
            // Uninterned names are not kept: close the nearest open uninterned element only if
            // it is close by.
            let _ = name;
            if let Some(k) = self.in_scope(Tag::OTHER, &[]) {
                self.pop_to(k);
            }
            return;
        }
        if self.open[tag.0 as usize] == 0 {
            return;
        }
        if let Some(k) = self
            .stack
            .iter()
            .rposition(|&i| self.dom.nodes[i as usize].tag == tag)
        {
            self.pop_to(k);
        }
    }
}

/// Parses a start tag's attributes from `at` (just after the name) to its `>`.
/// Returns the kept attributes, the position after `>`, and whether the tag ended in `/>`.
fn parse_attrs(html: &str, mut at: usize, tag: Tag) -> (Attrs, usize, bool) {
    let bytes = html.as_bytes();
    let mut attrs = Attrs::default();
    let mut self_closing = false;
    let mut is_ld_type = false;
    loop {
        while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            at += 1;
        }
        let Some(&b) = bytes.get(at) else {
            return (attrs, bytes.len(), self_closing);
        };
        if b == b'>' {
            attrs.ld_json = is_ld_type;
            return (attrs, at + 1, self_closing);
        }
        if b == b'/' {
            self_closing = bytes.get(at + 1) == Some(&b'>');
            at += 1;
            continue;
        }
        let name_start = at;
        while at < bytes.len()
            && !matches!(
                bytes[at],
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>' | b'='
            )
        {
            at += 1;
        }
        let name = &bytes[name_start..at];
        if name.is_empty() {
            // A stray `=`: skip it.
            at += 1;
            continue;
        }
        self_closing = false;
        while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
            at += 1;
        }
        let mut value: &str = "";
        if bytes.get(at) == Some(&b'=') {
            at += 1;
            while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
                at += 1;
            }
            match bytes.get(at) {
                Some(&q @ (b'"' | b'\'')) => {
                    let end =
                        memchr::memchr(q, &bytes[at + 1..]).map_or(bytes.len(), |e| at + 1 + e);
                    value = &html[at + 1..end];
                    at = (end + 1).min(bytes.len());
                }
                _ => {
                    let start = at;
                    while at < bytes.len()
                        && !matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>')
                    {
                        at += 1;
                    }
                    value = &html[start..at];
                }
            }
        }
        keep_attr(&mut attrs, name, value, tag, &mut is_ld_type);
    }
}

fn clip(value: &str) -> &str {
    if value.len() <= MAX_ATTR {
        return value;
    }
    let mut end = MAX_ATTR;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

fn keep_attr(attrs: &mut Attrs, name: &[u8], value: &str, tag: Tag, is_ld_type: &mut bool) {
    let value = clip(value);
    let lower = |v: &str| v.trim().to_ascii_lowercase();
    match name.len() {
        2 if name.eq_ignore_ascii_case(b"id") => {
            if !attrs.class_id.is_empty() {
                attrs.class_id.push(' ');
            }
            attrs.class_id.push_str(&lower(value));
        }
        5 if name.eq_ignore_ascii_case(b"class") => {
            if !attrs.class_id.is_empty() {
                attrs.class_id.push(' ');
            }
            attrs.class_id.push_str(&lower(value));
        }
        4 if name.eq_ignore_ascii_case(b"role") => {
            attrs.role = match lower(value).as_str() {
                "main" | "article" => Role::Main,
                "navigation" | "menu" | "menubar" | "banner" | "contentinfo" | "search"
                | "complementary" | "dialog" | "alertdialog" | "alert" | "toolbar" | "tablist" => {
                    Role::Furniture
                }
                _ => Role::None,
            };
        }
        6 if name.eq_ignore_ascii_case(b"hidden") => attrs.hidden = true,
        11 if name.eq_ignore_ascii_case(b"aria-hidden") => {
            attrs.hidden |= value.trim().eq_ignore_ascii_case("true");
        }
        5 if name.eq_ignore_ascii_case(b"style") => {
            let style: String = value
                .bytes()
                .filter(|b| !b.is_ascii_whitespace())
                .map(|b| b.to_ascii_lowercase() as char)
                .collect();
            attrs.hidden |= style.contains("display:none") || style.contains("visibility:hidden");
        }
        8 if name.eq_ignore_ascii_case(b"itemprop") => {
            let v = lower(value);
            attrs.itemprop_body = v
                .split_whitespace()
                .any(|t| t == "articlebody" || t == "reviewbody");
            if tag == Tag::META {
                attrs.key = v;
            }
        }
        4 if name.eq_ignore_ascii_case(b"lang") => attrs.lang = lower(value),
        8 if name.eq_ignore_ascii_case(b"datetime") => attrs.datetime = value.trim().to_owned(),
        7 if name.eq_ignore_ascii_case(b"content") && tag == Tag::META => {
            attrs.content.clear();
            decode_into(value.trim(), &mut attrs.content);
        }
        4 if name.eq_ignore_ascii_case(b"name") && tag == Tag::META => attrs.key = lower(value),
        8 if name.eq_ignore_ascii_case(b"property") && tag == Tag::META => attrs.key = lower(value),
        4 if name.eq_ignore_ascii_case(b"type") && tag == Tag::SCRIPT => {
            *is_ld_type = value.trim().eq_ignore_ascii_case("application/ld+json");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline(dom: &Dom) -> String {
        let mut out = String::new();
        for (i, n) in dom.nodes.iter().enumerate() {
            out.push_str(&"  ".repeat(n.depth as usize));
            if n.tag == Tag::TEXT {
                out.push_str(&format!("{:?}\n", dom.text_of(i)));
            } else {
                out.push_str(&format!("{} [{}]\n", n.tag.name(), dom.attrs_of(i)));
            }
        }
        out
    }

    #[test]
    fn implied_end_tags_shape_the_tree() {
        let dom = parse("<ul><li>one<li>two</ul><p>a<p>b<div id=X>c</div>");
        assert_eq!(
            outline(&dom),
            "ul []\n  li []\n    \"one\"\n  li []\n    \"two\"\np []\n  \"a\"\np []\n  \"b\"\ndiv [x]\n  \"c\"\n"
        );
    }

    #[test]
    fn raw_text_comments_and_metadata() {
        let html = "<html lang=en><head><title>T &amp; U</title><meta name=author content='Ann'>\
                    <script>if (a<b) { x = '</p>' }</script><style>p{}</style></head>\
                    <body><!-- <p>gone</p> --><p class='a  B'>x<br>y</p><script type=\"application/ld+json\">{}</script>";
        let dom = parse(html);
        assert_eq!(dom.title, "T & U");
        assert_eq!(dom.lang, "en");
        assert_eq!(dom.metas[0].key, "author");
        assert_eq!(dom.metas[0].content, "Ann");
        assert_eq!(dom.json_ld, vec!["{}".to_owned()]);
        let texts: Vec<&str> = (0..dom.nodes.len())
            .filter(|&i| dom.nodes[i].tag == Tag::TEXT)
            .map(|i| dom.text_of(i))
            .collect();
        assert_eq!(texts, vec!["x", "y"]);
    }

    #[test]
    fn subtree_ends_and_parents_agree() {
        let dom = parse("<div><p>a<b>b</b></p><table><tr><td>c<td>d</table></div>e");
        for (i, n) in dom.nodes.iter().enumerate() {
            for j in i + 1..n.end as usize {
                let mut p = dom.nodes[j].parent;
                while p != NONE && p as usize != i {
                    p = dom.nodes[p as usize].parent;
                }
                assert_eq!(
                    p as usize, i,
                    "node {j} inside {i}'s range but not a descendant"
                );
            }
        }
        assert_eq!(dom.nodes[0].end as usize, dom.nodes.len() - 1);
    }

    #[test]
    fn hidden_and_roles() {
        let dom = parse("<div hidden>a</div><nav role=navigation style='DISPLAY: none'>b</nav><p aria-hidden=true>c</p><main role=main>d</main>");
        let elements: Vec<&Node> = dom.nodes.iter().filter(|n| n.tag != Tag::TEXT).collect();
        assert!(
            elements[0].hidden && elements[1].hidden && elements[2].hidden && !elements[3].hidden
        );
        assert_eq!(elements[1].role, Role::Furniture);
        assert_eq!(elements[3].role, Role::Main);
    }

    #[test]
    fn deep_nesting_is_flattened_at_max_depth() {
        let html = "<div>".repeat(100_000) + "x" + &"</div>".repeat(100_000);
        let dom = parse(&html);
        assert_eq!(dom.nodes.len(), 100_001);
        assert!(dom.nodes.iter().all(|n| (n.depth as usize) <= MAX_DEPTH));
    }

    #[test]
    fn broken_tags_and_unterminated_constructs_are_text_or_skipped() {
        for html in [
            "<",
            "<p",
            "<p class='x",
            "<!--",
            "<script>x",
            "</",
            "</p",
            "a < b > c",
            "<a href=x>y</a",
        ] {
            let dom = parse(html);
            assert!(
                dom.nodes.iter().all(|n| n.end as usize <= dom.nodes.len()),
                "{html}"
            );
        }
        let dom = parse("a < b");
        assert_eq!(dom.text, "a < b");
    }
}

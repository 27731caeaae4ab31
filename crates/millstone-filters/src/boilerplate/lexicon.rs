//! Word lists the boilerplate stage looks lines up in: page-furniture cue phrases and a few
//! languages' function words (features for the model), and the labels of related-story links
//! and of lines that close an article (for the stage's rules).
//!
//! The cue phrases and function words are evidence for the model, not a blacklist: a cue phrase
//! in a line raises the chance that it is furniture, but a paragraph that mentions "subscribers"
//! in passing stays when the rest of its evidence says article. The labels match a whole line's
//! head or the whole line only, and decide. The lists are short on purpose; they were written for
//! this project from common page layouts, in lower case.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

/// Phrases that mark page furniture: calls to action, navigation, legal and social boilerplate.
const CUES: &[&str] = &[
    "subscribe",
    "newsletter",
    "donate",
    "donation",
    "cookie",
    "share this",
    "share on",
    "related",
    "popular",
    "all rights reserved",
    "copyright",
    "©",
    "privacy",
    "terms of",
    "sign up",
    "sign in",
    "log in",
    "login",
    "register",
    "follow us",
    "click here",
    "advertisement",
    "sponsored",
    "comments",
    "reply",
    "menu",
    "skip to",
    "search",
    "previous",
    "next post",
    "tags",
    "categories",
    "posted in",
    "filed under",
    "contact us",
    "about us",
    "home",
    "trending",
    "most read",
    "latest",
    "you may also like",
    "more like this",
    "recommended",
    "support our",
    "our journalism",
    "add to cart",
    "free shipping",
    "breadcrumb",
];

/// Phrases that end a teaser: the line is a cut-off summary linking elsewhere.
const MORE: &[&str] = &[
    "read more",
    "continue reading",
    "learn more",
    "see more",
    "view all",
    "show more",
    "see all",
    "read the full",
    "full story",
];

/// Bits of [`Cues`]' filter over a line's 4-byte windows (8 KiB, stays in L1; with 56 phrases
/// a window that starts no phrase passes it about once in a thousand).
const WINDOW_BITS: u32 = 16;

/// A window of 4 bytes as a number, every byte ORed with `0x20`: bytes that are equal but for
/// ASCII case fold to the same value (other bytes may fold together too, which only lets a
/// window through the filter to be checked).
fn fold4(window: [u8; 4]) -> u32 {
    u32::from_le_bytes(window) | 0x2020_2020
}

/// The filter bit of a folded window (the top bits of a multiply).
fn window_bit(key: u32) -> usize {
    (key.wrapping_mul(0x9e37_79b1) >> (32 - WINDOW_BITS)) as usize
}

/// The cue and teaser phrases, found case-insensitively for ASCII letters.
///
/// Every phrase of 4 bytes or more starts with one of a few dozen 4-byte windows, so a line's
/// windows go through a bit set of those windows' hashes and only the few that pass are compared
/// with the phrases: a handful of independent instructions a byte, where an automaton's walk
/// (one dependent table load a byte) cost more. The shorter phrases (`©`) have no ASCII letter
/// and are searched as they are.
pub(crate) struct Cues {
    /// Bit `window_bit(fold4(first four bytes))` set for every phrase of ≥ 4 bytes.
    filter: Box<[u64]>,
    /// Phrases of ≥ 4 bytes: (folded first four bytes, phrase, id); id < `CUES.len()` is a cue,
    /// the rest teaser phrases.
    long: Vec<(u32, &'static [u8], usize)>,
    /// Phrases shorter than 4 bytes (no ASCII letters in them) and their ids.
    short: Vec<(memchr::memmem::Finder<'static>, usize)>,
}

/// What [`Cues::scan`] found in a line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CueHits {
    /// Distinct furniture cue phrases present.
    pub cues: u32,
    /// A "read more"-style phrase is present.
    pub more: bool,
}

impl Cues {
    pub(crate) fn global() -> &'static Cues {
        static CUES_FILTER: OnceLock<Cues> = OnceLock::new();
        CUES_FILTER.get_or_init(|| {
            assert!(CUES.len() + MORE.len() <= 128, "ids are bits of a u128");
            let mut cues = Cues {
                filter: vec![0u64; 1 << (WINDOW_BITS - 6)].into_boxed_slice(),
                long: Vec::new(),
                short: Vec::new(),
            };
            for (id, phrase) in CUES.iter().chain(MORE).enumerate() {
                let bytes = phrase.as_bytes();
                match bytes.first_chunk::<4>() {
                    Some(&head) => {
                        let key = fold4(head);
                        let bit = window_bit(key);
                        cues.filter[bit / 64] |= 1 << (bit % 64);
                        cues.long.push((key, bytes, id));
                    }
                    None => {
                        assert!(!bytes.iter().any(u8::is_ascii_alphabetic), "{phrase}");
                        cues.short.push((memchr::memmem::Finder::new(bytes), id));
                    }
                }
            }
            cues
        })
    }

    /// Scan one line (case-insensitive for ASCII letters, which all cue phrases are): which
    /// phrases occur anywhere in it, overlapping or not.
    pub(crate) fn scan(&self, line: &str) -> CueHits {
        let bytes = line.as_bytes();
        // Bit `id` set for each phrase found.
        let mut seen: u128 = 0;
        for (finder, id) in &self.short {
            if finder.find(bytes).is_some() {
                seen |= 1 << id;
            }
        }
        for (at, window) in bytes.windows(4).enumerate() {
            let key = fold4(window.try_into().expect("a window of 4"));
            let bit = window_bit(key);
            if self.filter[bit / 64] >> (bit % 64) & 1 == 0 {
                continue;
            }
            let rest = &bytes[at..];
            for &(k, phrase, id) in &self.long {
                if k == key
                    && rest
                        .get(..phrase.len())
                        .is_some_and(|r| r.eq_ignore_ascii_case(phrase))
                {
                    seen |= 1 << id;
                }
            }
        }
        let cue_ids = (1u128 << CUES.len()) - 1;
        CueHits {
            cues: (seen & cue_ids).count_ones(),
            more: seen & !cue_ids != 0,
        }
    }
}

/// Labels that introduce a link to another story when they open a line followed by a colon (or
/// a dash or bar) and the linked title: "Related article: …", "READ MORE: …", "See also: …".
const RELATED_LABELS: &[&str] = &[
    "related",
    "related article",
    "related articles",
    "related story",
    "related stories",
    "related post",
    "related posts",
    "related content",
    "related reading",
    "related news",
    "related link",
    "related links",
    "read also",
    "also read",
    "read more",
    "read next",
    "see also",
    "also see",
    "more on this",
    "more on this story",
    "recommended",
    "recommended reading",
    "further reading",
    "you may also like",
    "you might also like",
    "don't miss",
    "must read",
];

/// Whether `line` (trimmed) is a related-story link: one of [`RELATED_LABELS`] (any case, inner
/// spaces collapsed), then `:`, `：`, `|`, or a spaced dash, then the linked text.
pub(crate) fn related_link(line: &str) -> bool {
    if !line.as_bytes().first().is_some_and(|&b| may_start_label(b)) {
        return false;
    }
    let Some((label, rest)) = split_label(line) else {
        return false;
    };
    if rest.trim().is_empty() || label.len() > 24 {
        return false;
    }
    let mut words = [0u8; 24];
    let mut n = 0;
    for word in label.split_ascii_whitespace() {
        if n > 0 {
            words[n] = b' ';
            n += 1;
        }
        for &b in word.as_bytes() {
            words[n] = b.to_ascii_lowercase();
            n += 1;
        }
    }
    let label = &words[..n];
    RELATED_LABELS.iter().any(|l| l.as_bytes() == label)
}

/// Whether a related-story label can start with byte `b`: every label is ASCII and starts with
/// one of these letters (checked by a test), so most lines stop here.
fn may_start_label(b: u8) -> bool {
    matches!(
        b.to_ascii_lowercase(),
        b'r' | b'a' | b's' | b'm' | b'f' | b'y' | b'd'
    )
}

/// The part before the first label separator, and the part after it.
fn split_label(line: &str) -> Option<(&str, &str)> {
    // Only the first 26 bytes can hold a label and its separator.
    let head = &line.as_bytes()[..line.len().min(26)];
    for (i, &b) in head.iter().enumerate() {
        match b {
            b':' | b'|' => return Some((&line[..i], &line[i + 1..])),
            // `：` (full-width colon) is EF BC 9A.
            0xEF if line.as_bytes()[i..].starts_with("：".as_bytes()) => {
                return Some((&line[..i], &line[i + "：".len()..]));
            }
            // A dash counts only with spaces around it ("Related – Title"): "Must-read" does not.
            b'-' | 0xE2 if i > 0 && head[i - 1] == b' ' => {
                let dash = ["-", "–", "—"]
                    .into_iter()
                    .find(|d| line[i..].starts_with(d))?;
                let rest = &line[i + dash.len()..];
                return rest.starts_with(' ').then(|| (&line[..i], rest));
            }
            _ => {}
        }
    }
    None
}

/// Lines that close an article when they stand alone: what comes after them on a page is the
/// comments, the author's blurb, share buttons and lists of other stories. Compared after
/// [`closer_key`] (lower case, letters only, single spaces). Sorted, for a binary search.
///
/// Picked from the lines that follow the last content line of the tune split's articles. Left
/// out because they also open in-article blocks there: "subscribe", "read more",
/// "leave a comment", "related", "further reading"; and because on tune pages of all types the
/// cut after them removed fewer than 3 boilerplate lines per content line: "add a comment" (under
/// each post of a Q&A thread), "comment", "recommended", "most popular", "read next".
const CLOSERS: &[&str] = &[
    "about",
    "about the author",
    "article tags",
    "author",
    "categories",
    "comments",
    "connect with us",
    "discussion about this post",
    "explore more",
    "follow us",
    "join the discussion",
    "keep reading",
    "latest news",
    "latest posts",
    "leave a reply",
    "more articles",
    "more from",
    "more like this",
    "more stories",
    "newsletter",
    "next article",
    "next post",
    "popular posts",
    "popular posts from this blog",
    "post a comment",
    "post navigation",
    "previous article",
    "previous post",
    "recent posts",
    "recommended articles",
    "recommended for you",
    "related articles",
    "related content",
    "related news",
    "related posts",
    "related reading",
    "related stories",
    "related topics",
    "share",
    "share article",
    "share this",
    "share this article",
    "share this post",
    "sign up for our newsletter",
    "similar posts",
    "tags",
    "trending",
    "up next",
    "written by",
    "you may also like",
    "you may be interested in",
    "you might also like",
];

/// Longest key [`closer_key`] builds; longer lines are no closers.
const CLOSER_KEY_BYTES: usize = 32;

/// `line` lower-cased with everything but ASCII letters turned into single spaces and trimmed
/// ("3 Comments", "Related Articles ›" and "SHARE:" give "comments", "related articles",
/// "share"), in `key`; `None` when the result is empty or longer than `key`.
fn closer_key<'k>(line: &str, key: &'k mut [u8; CLOSER_KEY_BYTES]) -> Option<&'k [u8]> {
    let mut n = 0;
    let mut space = false;
    for &b in line.as_bytes() {
        if b.is_ascii_alphabetic() {
            if space && n > 0 {
                *key.get_mut(n)? = b' ';
                n += 1;
            }
            *key.get_mut(n)? = b.to_ascii_lowercase();
            n += 1;
            space = false;
        } else {
            space = true;
        }
    }
    (n > 0).then_some(&key[..n])
}

/// Whether `line` alone closes an article: "Related posts", "About the author", "12 Comments",
/// "Share this:" (see [`CLOSERS`]), or the same in another language ([`CLOSERS_OTHER`]).
pub(crate) fn article_closer(line: &str) -> bool {
    let mut key = [0u8; CLOSER_KEY_BYTES];
    closer_key(line, &mut key)
        .is_some_and(|k| CLOSERS.binary_search_by(|c| c.as_bytes().cmp(k)).is_ok())
        || article_closer_other(line)
}

/// The same kinds of closing label in the languages the web uses most after English (es, de,
/// fr, pt, it, ru, ja, zh, nl, pl, tr): compared after [`label_key`] (lower case, letters only,
/// single spaces), so "12 Comentarios" and "Kommentare:" match "comentarios" and "kommentare".
/// Written for this project from common page layouts; only labels that, standing alone, head
/// what follows an article (related and popular stories, comments, the author's box, sharing).
const CLOSERS_OTHER: &[&str] = &[
    // es
    "artículos relacionados",
    "noticias relacionadas",
    "entradas relacionadas",
    "lo más leído",
    "lo más visto",
    "más leídas",
    "más leídos",
    "comentarios",
    "deja un comentario",
    "deja una respuesta",
    "compartir",
    "comparte",
    "te puede interesar",
    "también te puede interesar",
    "te recomendamos",
    "sobre el autor",
    "acerca del autor",
    "etiquetas",
    "entradas recientes",
    "últimas noticias",
    // de
    "ähnliche artikel",
    "verwandte artikel",
    "weitere artikel",
    "das könnte sie auch interessieren",
    "das könnte dich auch interessieren",
    "meistgelesen",
    "meistgelesene artikel",
    "am meisten gelesen",
    "mehr zum thema",
    "kommentare",
    "kommentar schreiben",
    "teilen",
    "artikel teilen",
    "über den autor",
    "über die autorin",
    "schlagworte",
    "neueste beiträge",
    "ähnliche beiträge",
    // fr
    "articles similaires",
    "articles connexes",
    "à lire aussi",
    "a lire aussi",
    "lire aussi",
    "les plus lus",
    "sur le même sujet",
    "dans la même rubrique",
    "vous aimerez aussi",
    "commentaires",
    "laisser un commentaire",
    "partager",
    "partager cet article",
    "à propos de l auteur",
    "articles récents",
    // pt
    "artigos relacionados",
    "notícias relacionadas",
    "posts relacionados",
    "mais lidas",
    "mais lidos",
    "comentários",
    "deixe um comentário",
    "compartilhe",
    "compartilhar",
    "partilhar",
    "leia também",
    "veja também",
    "sobre o autor",
    "você também pode gostar",
    // it
    "articoli correlati",
    "notizie correlate",
    "più letti",
    "i più letti",
    "commenti",
    "lascia un commento",
    "condividi",
    "leggi anche",
    "potrebbe interessarti",
    "ti potrebbe interessare",
    "sull autore",
    "articoli recenti",
    // ru
    "похожие статьи",
    "похожие записи",
    "читайте также",
    "самое читаемое",
    "популярное",
    "популярные статьи",
    "комментарии",
    "поделиться",
    "об авторе",
    "новости по теме",
    "другие новости",
    // ja
    "関連記事",
    "人気記事",
    "おすすめ記事",
    "コメント",
    "この記事をシェアする",
    "シェアする",
    // zh
    "相关文章",
    "相關文章",
    "相关阅读",
    "相關閱讀",
    "热门文章",
    "熱門文章",
    "推荐阅读",
    "推薦閱讀",
    "评论",
    "評論",
    "分享",
    // nl
    "gerelateerde artikelen",
    "meest gelezen",
    "reacties",
    "delen",
    // pl
    "podobne artykuły",
    "najczęściej czytane",
    "komentarze",
    "udostępnij",
    // tr
    "ilgili haberler",
    "en çok okunanlar",
    "yorumlar",
    "paylaş",
];

/// Longest key [`label_key`] builds, in bytes (Cyrillic and CJK letters take 2–3 bytes each).
const LABEL_KEY_BYTES: usize = 72;

/// `line` lower-cased (any script) with every run of characters that are not letters turned
/// into one space and trimmed, in `key`; `false` when it is empty or longer than
/// [`LABEL_KEY_BYTES`].
fn label_key(line: &str, key: &mut String) -> bool {
    key.clear();
    let mut space = false;
    for ch in line.chars() {
        if ch.is_alphabetic() {
            if space && !key.is_empty() {
                key.push(' ');
            }
            key.extend(ch.to_lowercase());
            space = false;
            if key.len() > LABEL_KEY_BYTES {
                return false;
            }
        } else {
            space = true;
        }
    }
    !key.is_empty()
}

/// Whether `line` alone closes an article in another language than English (see
/// [`CLOSERS_OTHER`]).
fn article_closer_other(line: &str) -> bool {
    static SET: OnceLock<rustc_hash::FxHashSet<String>> = OnceLock::new();
    let set = SET.get_or_init(|| {
        let mut key = String::new();
        CLOSERS_OTHER
            .iter()
            .map(|c| {
                assert!(label_key(c, &mut key), "{c}");
                key.clone()
            })
            .collect()
    });
    let mut key = String::new();
    label_key(line, &mut key) && set.contains(&key)
}

/// Calls to action: asking the reader to donate, subscribe, sign up for a newsletter or become
/// a member, in the languages of [`CLOSERS_OTHER`] and English. Matched anywhere in a line,
/// ASCII letters in any case (and non-ASCII phrases as written or with a capital first letter).
/// A stem ("пожертвова", "subscri") catches the forms of a verb.
const CALLS_TO_ACTION: &[&str] = &[
    // en
    "donate",
    "make a donation",
    "subscribe",
    "subscription",
    "newsletter",
    "sign up",
    "support our",
    "support us",
    "support independent",
    "become a member",
    "become a patron",
    "join now",
    "free trial",
    // es
    "dona ahora",
    "haz una donación",
    "donar",
    "donativo",
    "suscríbete",
    "suscribirse",
    "suscripción",
    "boletín",
    "hazte socio",
    "apóyanos",
    // de
    "jetzt spenden",
    "spenden sie",
    "abonnieren",
    "abonniere",
    "jetzt anmelden",
    "unterstützen sie",
    // fr
    "faire un don",
    "faites un don",
    "abonnez-vous",
    "s'abonner",
    "infolettre",
    "inscrivez-vous",
    "soutenez",
    // pt
    "doe agora",
    "faça uma doação",
    "assine",
    "inscreva-se",
    "apoie",
    // it
    "dona ora",
    "fai una donazione",
    "abbonati",
    "iscriviti",
    "sostienici",
    // ru
    "пожертвова",
    "подпишитесь",
    "подписаться",
    "подписка",
    "рассылк",
    "поддержите",
    // ja
    "寄付",
    "購読",
    "メルマガ",
    "ニュースレター",
    // zh
    "捐款",
    "捐赠",
    "订阅",
    "訂閱",
    // nl
    "doneer",
    "abonneer",
    "nieuwsbrief",
    "steun ons",
];

/// Whether `line` holds a call to action ([`CALLS_TO_ACTION`]).
pub(crate) fn call_to_action(line: &str) -> bool {
    static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        let mut phrases: Vec<String> = Vec::new();
        for p in CALLS_TO_ACTION {
            phrases.push((*p).to_owned());
            let mut chars = p.chars();
            if let Some(first) = chars.next().filter(|c| !c.is_ascii()) {
                phrases.push(first.to_uppercase().chain(chars).collect());
            }
        }
        aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(&phrases)
            .expect("call-to-action phrases")
    })
    .is_match(line)
}

/// Languages with a function-word list, in bit order.
pub const LANGUAGES: [&str; 7] = ["en", "de", "fr", "es", "it", "pt", "nl"];

const STOP_WORDS: [&[&str]; 7] = [
    // en
    &[
        "the", "a", "an", "and", "or", "of", "to", "in", "on", "for", "with", "is", "are", "was",
        "were", "be", "been", "it", "that", "this", "as", "at", "by", "from", "not", "but", "have",
        "has", "had", "they", "we", "you", "he", "she", "his", "her", "their", "our", "your", "i",
        "its", "which", "who", "what", "when", "where", "will", "would", "can", "could", "should",
        "there", "than", "then", "so", "if", "do", "does", "did", "about", "into", "also", "all",
        "some", "more", "these", "those", "them", "my", "me", "been", "how", "just",
    ],
    // de
    &[
        "der", "die", "das", "und", "oder", "ist", "sind", "war", "nicht", "ein", "eine", "einen",
        "dem", "den", "des", "mit", "auf", "für", "von", "zu", "im", "in", "es", "sich", "auch",
        "als", "an", "aus", "bei", "nach", "wie", "wir", "sie", "er", "ich", "dass", "wird",
        "werden", "hat", "haben", "noch", "nur", "aber", "so", "um", "wenn", "kann", "über",
    ],
    // fr
    &[
        "le", "la", "les", "un", "une", "des", "du", "de", "et", "ou", "est", "sont", "dans",
        "pour", "par", "sur", "avec", "que", "qui", "ne", "pas", "il", "elle", "ils", "nous",
        "vous", "au", "aux", "ce", "cette", "se", "sa", "son", "ses", "plus", "mais", "comme",
        "été", "être", "a", "leur", "en", "y", "on", "tout",
    ],
    // es
    &[
        "el", "la", "los", "las", "un", "una", "y", "o", "de", "del", "en", "es", "son", "que",
        "por", "para", "con", "no", "se", "su", "sus", "al", "lo", "como", "más", "pero", "fue",
        "ha", "han", "este", "esta", "le", "les", "ya", "muy", "también", "sobre", "entre",
        "cuando", "sin", "hay", "ser",
    ],
    // it
    &[
        "il", "lo", "la", "i", "gli", "le", "un", "una", "e", "o", "di", "del", "della", "dei",
        "in", "è", "sono", "che", "per", "con", "non", "si", "da", "al", "alla", "nel", "nella",
        "come", "più", "ma", "anche", "questo", "questa", "suo", "sua", "ha", "hanno", "essere",
        "tra", "su",
    ],
    // pt
    &[
        "o", "a", "os", "as", "um", "uma", "e", "ou", "de", "do", "da", "dos", "das", "em", "no",
        "na", "é", "são", "que", "por", "para", "com", "não", "se", "seu", "sua", "ao", "como",
        "mais", "mas", "foi", "tem", "também", "pelo", "pela", "este", "esta", "entre", "quando",
        "muito", "já", "ser",
    ],
    // nl
    &[
        "de", "het", "een", "en", "of", "van", "in", "op", "is", "zijn", "was", "niet", "met",
        "voor", "aan", "te", "dat", "die", "dit", "er", "ook", "als", "bij", "naar", "om", "uit",
        "wordt", "worden", "heeft", "hebben", "maar", "wij", "we", "ze", "hij", "ik", "je", "u",
        "nog", "wel", "kan",
    ],
];

/// Function word → bit set of the languages whose list has it.
pub(crate) fn stop_words() -> &'static FxHashMap<&'static str, u8> {
    static MAP: OnceLock<FxHashMap<&'static str, u8>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = FxHashMap::default();
        for (bit, words) in STOP_WORDS.iter().enumerate() {
            for w in *words {
                *map.entry(*w).or_insert(0) |= 1 << bit;
            }
        }
        map
    })
}

/// Words longer than this many bytes *before* trimming their punctuation are not looked up (part
/// of how the trained `stop_word_frac` feature is defined: `"the…………"` does not count).
pub(crate) const MAX_STOP_WORD_BYTES: usize = 16;

/// The longest function word in any list, in bytes: a trimmed word fits one `u64`.
const LONGEST_STOP_WORD: usize = 8;

/// Slots of [`StopWords`]' table (a power of two, about three times the number of words, so that
/// the two-choice insertion settles at once).
const STOP_WORD_SLOTS: usize = 1024;

/// The function words of every language as a two-choice (cuckoo) table keyed by the word's bytes
/// packed into a `u64`: the hot path of the line scan (every word of every line is looked up).
/// Every word sits in one of the two slots its key hashes to, so a lookup reads both slots and
/// combines them without a branch: whether a word of running text is a function word is close
/// to a coin toss, and a probing loop's branches mispredicted on it.
pub(crate) struct StopWords {
    slots: Box<[StopSlot; STOP_WORD_SLOTS]>,
}

/// A packed word, its length (0 marks an empty slot; the length tells `"the"` from `"the\0"`,
/// which pack to the same number) and its language bits.
#[derive(Debug, Clone, Copy, Default)]
struct StopSlot {
    key: u64,
    len: u8,
    bits: u8,
}

/// `word`'s bytes (at most 8) as a little-endian number, zero-padded.
fn pack(word: &[u8]) -> u64 {
    word.iter()
        .rev()
        .fold(0u64, |key, &b| key << 8 | u64::from(b))
}

/// [`pack`] of the first `len` bytes (1..=8) of `window`, without a loop over them.
pub(crate) fn pack_window(window: [u8; 8], len: usize) -> u64 {
    debug_assert!((1..=8).contains(&len));
    u64::from_le_bytes(window) & (u64::MAX >> (64 - 8 * len))
}

/// The two slots a packed word may sit in (the top bits of two multiplies).
fn slots_of(key: u64) -> [usize; 2] {
    const BITS: u32 = STOP_WORD_SLOTS.trailing_zeros();
    [
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS)) as usize,
        (key.wrapping_mul(0xc2b2_ae3d_27d4_eb4f) >> (64 - BITS)) as usize,
    ]
}

impl StopWords {
    pub(crate) fn global() -> &'static StopWords {
        static TABLE: OnceLock<StopWords> = OnceLock::new();
        TABLE.get_or_init(|| {
            let mut slots = Box::new([StopSlot::default(); STOP_WORD_SLOTS]);
            // Sorted, so that the table does not depend on the map's order.
            let mut words: Vec<_> = stop_words().iter().collect();
            words.sort();
            'words: for (w, &bits) in words {
                let w = w.as_bytes();
                assert!(!w.is_empty() && w.len() <= LONGEST_STOP_WORD, "{w:?}");
                let mut item = StopSlot {
                    key: pack(w),
                    len: w.len() as u8,
                    bits,
                };
                let [a, b] = slots_of(item.key);
                let mut at = if slots[a].len == 0 { a } else { b };
                // Cuckoo insertion: take the slot; whatever sat there moves to its other slot.
                for _ in 0..STOP_WORD_SLOTS {
                    std::mem::swap(&mut slots[at], &mut item);
                    if item.len == 0 {
                        continue 'words;
                    }
                    let [a, b] = slots_of(item.key);
                    at = if at == a { b } else { a };
                }
                panic!("the function-word table cannot place {w:?}");
            }
            StopWords { slots }
        })
    }

    /// The language bits of `word` (0 if it is no language's function word). The line scan
    /// calls [`StopWords::bits_of_packed`]; this is its reference.
    #[cfg(test)]
    pub(crate) fn bits(&self, word: &[u8]) -> u8 {
        if word.is_empty() || word.len() > LONGEST_STOP_WORD {
            return 0;
        }
        self.bits_of_packed(pack(word), word.len())
    }

    /// [`StopWords::bits`] of a word of `len` bytes (1..=8) given [`pack`]ed: both slots read,
    /// no branch.
    pub(crate) fn bits_of_packed(&self, key: u64, len: usize) -> u8 {
        let hit = |slot: usize| {
            let s = self.slots[slot];
            // `&`, not `&&`: no branch on the key's comparison.
            let same = (s.key == key) & (usize::from(s.len) == len);
            s.bits & 0u8.wrapping_sub(u8::from(same))
        };
        let [a, b] = slots_of(key);
        hit(a) | hit(b)
    }
}

/// The bit of a language code in [`stop_words`], if it has a list.
pub(crate) fn language_bit(code: &str) -> Option<u8> {
    LANGUAGES.iter().position(|l| *l == code).map(|i| 1 << i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cue_scan_counts_distinct_phrases_case_insensitively() {
        let c = Cues::global();
        let h = c.scan("SUBSCRIBE to our Newsletter — subscribe now");
        assert_eq!(h.cues, 2);
        assert!(!h.more);
        assert!(c.scan("The storm cut power … Read More").more);
        assert_eq!(c.scan("The council met on Tuesday."), CueHits::default());
    }

    /// What [`Cues::scan`] replaced: an Aho-Corasick automaton over all phrases, every
    /// overlapping match reported, distinct cue phrases counted.
    fn automaton_scan(line: &str) -> CueHits {
        use aho_corasick::{AhoCorasickBuilder, MatchKind};
        static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
        let ac = AC.get_or_init(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(CUES.iter().chain(MORE))
                .unwrap()
        });
        let mut seen: u128 = 0;
        let mut hits = CueHits::default();
        for m in ac.find_overlapping_iter(line) {
            let id = m.pattern().as_usize();
            if id < CUES.len() {
                if seen & (1 << id) == 0 {
                    seen |= 1 << id;
                    hits.cues += 1;
                }
            } else {
                hits.more = true;
            }
        }
        hits
    }

    #[test]
    fn window_filter_scan_equals_the_automaton() {
        let c = Cues::global();
        let mut lines: Vec<String> = [
            "",
            "hom",
            "home",
            "HOME",
            "HoMe page",
            "©",
            "© 2024",
            "Copyright © 2024 All Rights Reserved",
            "sign insign up",
            "Related posts: read more … see all",
            "Tags: news, latest, trending; most read — follow us on the menu",
            "homes of the subscribers",
            "Click hereclick here",
            "\u{1F600}subscribe\u{e9}",
            "sub\u{e9}scribe",
            "SHARE THIS\tshare  on",
            "reply",
            "terms of service and privacy",
            "cookie@cookie`",
            "The council met on Tuesday.",
        ]
        .map(String::from)
        .to_vec();
        // Random lines over an alphabet of cue letters, both cases, spaces and a few others,
        // with phrases dropped in: overlapping and adjacent matches, phrases cut at line ends.
        let alphabet: Vec<char> = "aehilmnoprstuy AEHIMNORST©é,.:@`[{".chars().collect();
        let phrases: Vec<&str> = CUES.iter().chain(MORE).copied().collect();
        let mut next = crate::test_rng::below(0x9e37_79b9_7f4a_7c15);
        for _ in 0..5000 {
            let mut line = String::new();
            for _ in 0..next(40) {
                if next(8) == 0 {
                    let p = phrases[next(phrases.len())];
                    let cut = if next(4) == 0 { next(p.len()) } else { p.len() };
                    let p = p.get(..cut).unwrap_or(p);
                    if next(2) == 0 {
                        line.push_str(&p.to_ascii_uppercase());
                    } else {
                        line.push_str(p);
                    }
                } else {
                    line.push(alphabet[next(alphabet.len())]);
                }
            }
            lines.push(line);
        }
        for line in &lines {
            assert_eq!(c.scan(line), automaton_scan(line), "{line:?}");
        }
    }

    #[test]
    fn every_related_label_passes_the_first_byte_check() {
        for label in RELATED_LABELS {
            assert!(may_start_label(label.as_bytes()[0]), "{label}");
            assert!(
                may_start_label(label.to_ascii_uppercase().as_bytes()[0]),
                "{label}"
            );
        }
    }

    #[test]
    fn related_link_takes_any_text_without_panicking() {
        // Labels, separators (ASCII and multi-byte, where byte offsets matter) and other
        // multi-byte characters mixed at random; a line is a link only if it starts with a label.
        let pieces = [
            "related",
            "Read more",
            "see also",
            " ",
            ":",
            "：",
            "|",
            "-",
            "–",
            "—",
            "’",
            "…",
            "é",
            "\u{1F600}",
            "x",
            "Title",
        ];
        let mut next = crate::test_rng::below(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let line = crate::test_rng::random_text(&mut next, &pieces, 12, "");
            if related_link(&line) {
                let lower = line.to_lowercase();
                assert!(
                    RELATED_LABELS.iter().any(|l| lower.starts_with(l)),
                    "{line:?}"
                );
            }
        }
    }

    #[test]
    fn closers_stand_alone_in_any_case_with_counts_and_punctuation() {
        for yes in [
            "Related Posts",
            "3 Comments",
            "Share this:",
            "ABOUT THE AUTHOR",
            "About the author ›",
            "  You may also like…",
            "Leave a Reply",
            "Tags:",
        ] {
            assert!(article_closer(yes), "{yes}");
        }
        for no in [
            "",
            "…",
            "Share your thoughts below",
            "Comments on the plan were mixed.",
            "Tagsy",
            "Subscribe",
            "Read more",
            "Related",
            "Über uns",
            "related posts related posts related posts",
        ] {
            assert!(!article_closer(no), "{no}");
        }
    }

    #[test]
    fn closers_are_sorted_lowercase_letters_and_fit_the_key() {
        assert!(CLOSERS.windows(2).all(|w| w[0] < w[1]));
        for c in CLOSERS {
            assert!(c.len() <= CLOSER_KEY_BYTES, "{c}");
            assert!(
                c.bytes().all(|b| b.is_ascii_lowercase() || b == b' '),
                "{c}"
            );
            assert!(article_closer(c), "{c}");
        }
    }

    #[test]
    fn related_links_need_a_label_a_separator_and_a_title() {
        for yes in [
            "Related article: Storm Boris brings record rainfall to the region",
            "READ MORE: 23 unique and budget-friendly employee benefit ideas",
            "Also  read : How the council spends its budget",
            "See also | The 1997 floods",
            "Related – Ten years after the dam broke",
            "Related：台风过后",
        ] {
            assert!(related_link(yes), "{yes}");
        }
        for no in [
            "Related articles",
            "Related:",
            "Relatedly, the council said: no",
            "Read more about the floods: the full timeline",
            "Must-read: nothing",
            "Rescue efforts stretched to the limit",
            "A note: the figures were revised on Monday.",
            "Recommended–daily intake",
            "",
        ] {
            assert!(!related_link(no), "{no}");
        }
    }

    #[test]
    fn packed_lookup_agrees_with_the_word_map() {
        let table = StopWords::global();
        for (w, bits) in stop_words() {
            assert_eq!(table.bits(w.as_bytes()), *bits, "{w}");
        }
        for w in [
            "",
            "thee",
            "th",
            "zzz",
            "überhauptnichtdabei",
            "the\0",
            "\0",
            "\0\0\0",
            "tambiénx",
            "también",
            "The",
        ] {
            assert_eq!(
                table.bits(w.as_bytes()),
                stop_words().get(w).copied().unwrap_or(0),
                "{w:?}"
            );
        }
        // Packing is the zero-padded little-endian number of the bytes, however it is done.
        assert_eq!(pack(b"the"), u64::from_le_bytes(*b"the\0\0\0\0\0"));
        for len in 1..=8 {
            let window = *b"abcdefgh";
            assert_eq!(pack_window(window, len), pack(&window[..len]), "{len}");
        }
    }

    #[test]
    fn stop_words_know_their_languages() {
        let m = stop_words();
        assert_eq!(m["the"], language_bit("en").unwrap());
        // "de" is Dutch, French, Spanish, Portuguese and Italian-ish ("di" there): several bits.
        assert!(m["de"].count_ones() >= 3);
        assert_eq!(language_bit("xx"), None);
    }
}

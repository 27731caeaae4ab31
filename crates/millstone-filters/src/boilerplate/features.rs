//! Turning a document's lines into the numbers the boilerplate model scores.
//!
//! A "line" here is a `\n`-separated line with surrounding whitespace trimmed; blank lines are
//! not lines for the model (they are kept as they are). Three kinds of evidence:
//! - the line itself ([`Base`]): length, words, how it ends, letters/digits, capitalised words,
//!   function-word density in the document's language, sentence marks, commas, cue phrases,
//!   separators (`|`, `›`, `»` …), years, "By …", "Read more";
//! - the document around it: repeats of the line elsewhere in the document, whether it belongs
//!   to a repeated block of lines, position, neighbours' evidence (±1, ±2), window averages over
//!   ±1/3/8/20 lines of "is a real sentence line", length and terminal punctuation, where the
//!   document's sentence lines start and end;
//! - in the second pass ([`context_features`]): the first model's scores of the neighbours, the
//!   jusText-style smoothing (a short line between good paragraphs is content, a sentence in a
//!   run of furniture is furniture), learned rather than hand-set.
//!
//! The feature order is the model's contract: `tools/boilerplate/train.py` trains on exactly
//! these vectors (dumped by the `boilerplate_features` example), so a change here needs a
//! retrained model. Not here: cross-document line counts (`corpus.rs`) and decisions (`mod.rs`).

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::corpus::{line_hash, single_spaced_ascii_hash, single_spaced_hash};
use super::lexicon::{
    call_to_action, language_bit, pack_window, related_link, Cues, StopWords, LANGUAGES,
    MAX_STOP_WORD_BYTES,
};

/// Bytes a packed word holds (no function word is longer).
const MAX_PACKED: usize = 8;

/// Per-line features computed from the line alone.
pub(crate) const N_BASE: usize = 18;
/// Features of the first model.
pub(crate) const N_FEATURES: usize = N_BASE * 3 + 4 + 2 + 1 + 12 + 4 + 3;
/// Extra features of the second model: the first model's scores around the line.
pub(crate) const N_CONTEXT: usize = 6;
/// Values per row of `Scratch::features`: the first model's features, then room for the
/// context features, which [`context_features`] fills in place once the first model has
/// scored; the second model then reads the same rows whole (no copy into a wider buffer).
pub(crate) const ROW: usize = N_FEATURES + N_CONTEXT;
/// Window radii for the smoothed first-model scores.
const SCORE_WINDOWS: [usize; 5] = [1, 2, 4, 8, 16];
/// Window radii for the smoothed line evidence.
const LINE_WINDOWS: [usize; 4] = [1, 3, 8, 20];

/// Names of the first model's features, in order (written into the model file by training, and
/// checked when the model is loaded).
pub fn feature_names() -> Vec<String> {
    const BASE: [&str; N_BASE] = [
        "chars",
        "log_chars",
        "words",
        "log_words",
        "ends_terminal",
        "ends_colon",
        "ends_ellipsis",
        "alpha_frac",
        "digit_frac",
        "capitalised_frac",
        "stop_word_frac",
        "sentence_marks",
        "commas_per_word",
        "cue_phrases",
        "separator",
        "year",
        "starts_by",
        "read_more",
    ];
    let mut names: Vec<String> = BASE.iter().map(|s| s.to_string()).collect();
    for side in ["prev", "next"] {
        names.extend(BASE.iter().map(|s| format!("{side}.{s}")));
    }
    for side in ["prev2", "next2"] {
        names.push(format!("{side}.log_words"));
        names.push(format!("{side}.ends_terminal"));
    }
    names.extend(["repeats_in_doc", "in_repeated_block", "position"].map(String::from));
    for k in LINE_WINDOWS {
        for f in ["good", "log_words", "ends_terminal"] {
            names.push(format!("window{k}.{f}"));
        }
    }
    names.extend(
        [
            "in_good_region",
            "distance_to_good",
            "after_first_good",
            "before_last_good",
            "doc_lines",
            "doc_good_frac",
            "doc_log_lines",
        ]
        .map(String::from),
    );
    debug_assert_eq!(names.len(), N_FEATURES);
    names
}

/// Names of the second model's extra features.
pub fn context_feature_names() -> Vec<String> {
    let mut names: Vec<String> = SCORE_WINDOWS
        .iter()
        .map(|k| format!("score_window{k}"))
        .collect();
    names.push("score".into());
    names
}

/// What one non-blank line is, for the model and for naming a removal's reason.
#[derive(Debug, Clone, Default)]
pub(crate) struct Line {
    /// 0-based index among the document's `\n`-lines (blank ones included).
    pub index: usize,
    /// Byte range of the untrimmed `\n`-line in the text (without its `\n`): the stage rebuilds
    /// the kept text from these without splitting the text again.
    pub raw: std::ops::Range<usize>,
    /// Hash of the line lower-cased with whitespace collapsed.
    pub hash: u64,
    pub words: u32,
    pub terminal: bool,
    pub ellipsis: bool,
    pub read_more: bool,
    pub cues: u32,
    pub separator: bool,
    /// Breadcrumb separators (`›`, `»`, `|`, `>`, `·`) in the line: not a model feature, used by
    /// the stage's rules.
    pub crumbs: u32,
    /// Starts like a byline or dateline ("By …", "Published …", "Updated …", "Posted …").
    pub byline: bool,
    /// A related-story link ("Related article: …", "READ MORE: …"): not a model feature, used by
    /// the stage's rules.
    pub related: bool,
    /// Function words of each language in [`LANGUAGES`].
    stop_counts: [u16; LANGUAGES.len()],
    pub base: [f64; N_BASE],
    /// Other lines of the document with the same hash.
    pub repeats: u32,
    /// Part of a run of ≥ 2 lines that occurs twice in the document.
    pub in_repeated_block: bool,
    /// Asks the reader to donate, subscribe or sign up (`lexicon::call_to_action`; looked for
    /// in lines of at most [`CTA_MAX_WORDS`] words): not a model feature, used by the rules.
    pub cta: bool,
    /// The line's content words in `Scratch::topic_words` (see [`TOPIC_STEM_BYTES`]): not a
    /// model feature, used by the stage's topical coherence rule.
    pub topic: std::ops::Range<u32>,
}

impl Line {
    /// A real sentence line: ≥ 10 words and terminal punctuation.
    pub fn good(&self) -> bool {
        self.words >= 10 && self.terminal
    }

    /// A short line without sentence punctuation: a link, menu item, or heading.
    pub fn title_like(&self) -> bool {
        self.words <= 10 && !self.terminal
    }
}

/// Reusable buffers (one per worker thread): nothing here grows with the corpus, only with the
/// largest document seen.
#[derive(Default)]
pub(crate) struct Scratch {
    pub lines: Vec<Line>,
    pub features: Vec<f64>,
    lower: String,
    hash_counts: FxHashMap<u64, u32>,
    pair_counts: FxHashMap<(u64, u64), u32>,
    /// Running sums of the three windowed line values ([`line_features`]).
    prefix: [Vec<f64>; 3],
    /// Positions of the sentence lines ([`Line::good`]).
    good: Vec<usize>,
    /// Every line's content words, one after the other ([`Line::topic`]).
    pub topic_words: Vec<u64>,
}

/// Longest line (in words) looked at for a call to action: a plea is a paragraph at most.
pub(crate) const CTA_MAX_WORDS: u32 = 60;

/// A content word is a word of at least this many bytes (letters and digits, after trimming
/// punctuation) that is no function word of any language in [`LANGUAGES`].
pub(crate) const TOPIC_MIN_BYTES: usize = 5;
/// Content words are compared by their first bytes, a crude stem ("arrested", "arrests" →
/// "arrest"), packed into a number.
pub(crate) const TOPIC_STEM_BYTES: usize = 6;

fn is_terminal(c: char) -> bool {
    matches!(
        c,
        '.' | '?' | '!' | '"' | '\'' | '”' | '’' | '。' | '！' | '？'
    )
}

/// Character counts of one line.
#[derive(Default)]
struct Counts {
    chars: u32,
    alpha: u32,
    digit: u32,
    /// `.`, `!`, `?` (and CJK full stops) followed by whitespace or the line end.
    marks: u32,
    commas: u32,
    words: u32,
    /// Words starting with an upper-case letter.
    capitalised: u32,
    /// Any of `| › » · • > / « ‹`.
    separators: u32,
    /// Breadcrumb separators only: `| › » · >`.
    crumbs: u32,
    /// Its only whitespace is single ASCII spaces between words: the line with each character
    /// lower-cased is its normal form.
    single_spaced: bool,
}

/// Rust's `char::is_whitespace` restricted to ASCII (includes vertical tab, unlike
/// `u8::is_ascii_whitespace`), so both paths split words the same way.
fn ascii_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// The fast path for ASCII lines (most of them); gives exactly what [`count_chars`] gives.
///
/// Every count is a sum over positions of a test on the byte and its two neighbours (a word
/// starts where a non-space follows a space, a sentence mark counts when a space or the line end
/// follows), with the line's ends treated as spaces; written that way, without a running
/// "in a word" state, the middle positions' loop has no branches and is vectorised, where a
/// byte-by-byte loop mispredicted at every word boundary.
fn count_ascii(bytes: &[u8]) -> Counts {
    let mut c = Counts {
        chars: bytes.len() as u32,
        single_spaced: true,
        ..Default::default()
    };
    // Whitespace that is not a single space after a non-space (a leading space, a run, a tab …).
    let mut bad_spaces = 0u32;
    let mut edges = ChunkSums::default();
    match bytes {
        [] => {}
        [only] => edges.add(b' ', *only, b' '),
        [first, .., last] => {
            let n = bytes.len();
            edges.add(b' ', *first, bytes[1]);
            edges.add(bytes[n - 2], *last, b' ');
            // The middle positions in chunks of at most 255, counted in bytes: 16 positions to
            // a vector instead of 4 with 32-bit counts.
            let mut k = 1;
            while k < n - 1 {
                let end = (k + 255).min(n - 1);
                let mut chunk = ChunkSums::default();
                for ((&p, &b), &nx) in bytes[k - 1..end - 1]
                    .iter()
                    .zip(&bytes[k..end])
                    .zip(&bytes[k + 1..end + 1])
                {
                    chunk.add(p, b, nx);
                }
                chunk.add_to(&mut c, &mut bad_spaces);
                k = end;
            }
        }
    }
    edges.add_to(&mut c, &mut bad_spaces);
    c.single_spaced = bad_spaces == 0 && bytes.last() != Some(&b' ');
    c
}

/// [`count_ascii`]'s per-position sums over at most 255 positions.
#[derive(Default)]
struct ChunkSums {
    alpha: u8,
    digit: u8,
    marks: u8,
    commas: u8,
    words: u8,
    capitalised: u8,
    separators: u8,
    crumbs: u8,
    bad_spaces: u8,
}

impl ChunkSums {
    /// Adds these sums to the line's counts.
    fn add_to(&self, c: &mut Counts, bad_spaces: &mut u32) {
        c.alpha += u32::from(self.alpha);
        c.digit += u32::from(self.digit);
        c.marks += u32::from(self.marks);
        c.commas += u32::from(self.commas);
        c.words += u32::from(self.words);
        c.capitalised += u32::from(self.capitalised);
        c.separators += u32::from(self.separators);
        c.crumbs += u32::from(self.crumbs);
        *bad_spaces += u32::from(self.bad_spaces);
    }

    /// Count byte `b`, with `p` before it and `nx` after it (a space past either end of the line).
    #[inline(always)]
    fn add(&mut self, p: u8, b: u8, nx: u8) {
        let space = ascii_space(b);
        let lower = b | 0x20;
        let upper = b.is_ascii_uppercase();
        let word_start = !space & ascii_space(p);
        self.alpha += u8::from(lower.is_ascii_lowercase());
        self.digit += u8::from(b.is_ascii_digit());
        self.commas += u8::from(b == b',');
        self.marks += u8::from(matches!(b, b'.' | b'!' | b'?') & ascii_space(nx));
        let crumb = (b == b'|') | (b == b'>');
        self.crumbs += u8::from(crumb);
        self.separators += u8::from(crumb | (b == b'/'));
        self.words += u8::from(word_start);
        self.capitalised += u8::from(word_start & upper);
        self.bad_spaces += u8::from(space & ((b != b' ') | ascii_space(p)));
    }
}

fn count_chars(line: &str) -> Counts {
    let mut c = Counts {
        single_spaced: !line.ends_with(' '),
        ..Default::default()
    };
    let mut in_word = false;
    let mut it = line.chars().peekable();
    while let Some(ch) = it.next() {
        c.chars += 1;
        if ch.is_whitespace() {
            // Not a single space after a word: a leading space, a run, a tab, a no-break space …
            c.single_spaced &= ch == ' ' && in_word;
            in_word = false;
            continue;
        }
        if !in_word {
            c.words += 1;
            c.capitalised += u32::from(ch.is_uppercase());
            in_word = true;
        }
        if ch.is_alphabetic() {
            c.alpha += 1;
        } else if ch.is_ascii_digit() {
            c.digit += 1;
        } else if ch == ',' {
            c.commas += 1;
        } else if matches!(ch, '.' | '!' | '?' | '。' | '！' | '？') {
            c.marks += u32::from(it.peek().is_none_or(|n| n.is_whitespace()));
        } else if matches!(ch, '|' | '›' | '»' | '·' | '>') {
            c.separators += 1;
            c.crumbs += 1;
        } else if matches!(ch, '•' | '/' | '«' | '‹') {
            c.separators += 1;
        }
    }
    c
}

/// Fill `scratch.lines` with `text`'s non-blank lines and their line-level evidence.
/// `language` picks the function-word list; `None` guesses it from the document.
pub(crate) fn scan_lines(text: &str, language: Option<&str>, scratch: &mut Scratch) {
    let cues = Cues::global();
    let stop_words = StopWords::global();
    scratch.lines.clear();
    scratch.topic_words.clear();
    // `text.split('\n')` with each line's byte range (memchr finds the newlines a vector at a
    // time).
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    let mut start = 0;
    for (index, end) in ends.enumerate() {
        let raw = start..end;
        start = end + 1;
        let line = text[raw.clone()].trim();
        if line.is_empty() {
            continue;
        }
        let mut l = Line {
            index,
            raw,
            ..Default::default()
        };
        let ascii = line.is_ascii();
        let c = if ascii {
            count_ascii(line.as_bytes())
        } else {
            count_chars(line)
        };
        l.separator = c.separators > 0;
        l.crumbs = c.crumbs;
        let (chars, alpha, digit, marks, commas, words, capitalised) = (
            c.chars,
            c.alpha,
            c.digit,
            c.marks,
            c.commas,
            c.words,
            c.capitalised,
        );
        l.hash = match (c.single_spaced, ascii) {
            (true, true) => single_spaced_ascii_hash(line, &mut scratch.lower),
            (true, false) => single_spaced_hash(line, &mut scratch.lower),
            (false, _) => line_hash(line, &mut scratch.lower),
        };
        let first_topic = scratch.topic_words.len() as u32;
        l.stop_counts = count_stop_words(&mut scratch.lower, stop_words, &mut scratch.topic_words);
        l.topic = first_topic..scratch.topic_words.len() as u32;
        l.words = words;
        let last = line.chars().next_back().unwrap_or(' ');
        l.terminal = is_terminal(last) && !line.ends_with("...");
        l.ellipsis = last == '…' || line.ends_with("...");
        let hits = cues.scan(line);
        l.cues = hits.cues;
        l.read_more = hits.more;
        let starts_with = |p: &str| {
            line.as_bytes()
                .get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes()))
        };
        let starts_by = starts_with("by ");
        l.byline = starts_by
            || [
                "published",
                "updated",
                "posted",
                "written by",
                "last updated",
            ]
            .iter()
            .any(|p| starts_with(p));
        l.related = related_link(line);
        l.cta = words <= CTA_MAX_WORDS && call_to_action(line);
        let (c, w) = (f64::from(chars), f64::from(words.max(1)));
        l.base = [
            c,
            ln_1p_count(chars),
            f64::from(words),
            ln_1p_count(words),
            b(l.terminal),
            b(last == ':' || last == '：'),
            b(l.ellipsis),
            f64::from(alpha) / c,
            f64::from(digit) / c,
            f64::from(capitalised) / w,
            0.0, // function-word density: needs the document's language, filled below
            f64::from(marks),
            f64::from(commas) / w,
            f64::from(l.cues),
            b(l.separator),
            b(has_year(line)),
            b(starts_by),
            b(l.read_more),
        ];
        scratch.lines.push(l);
    }
    // Function-word density in the document's language (given, or the list with most hits).
    let lang = language
        .and_then(language_bit)
        .map(|bit| bit.trailing_zeros() as usize)
        .unwrap_or_else(|| {
            let mut totals = [0u32; LANGUAGES.len()];
            for l in &scratch.lines {
                for (t, n) in totals.iter_mut().zip(l.stop_counts) {
                    *t += u32::from(n);
                }
            }
            // First maximum: English wins ties, including the no-hits case.
            let mut best = 0;
            for (i, t) in totals.iter().enumerate() {
                if *t > totals[best] {
                    best = i;
                }
            }
            best
        });
    for l in &mut scratch.lines {
        l.base[10] = f64::from(l.stop_counts[lang]) / f64::from(l.words.max(1));
    }
    mark_repeats(scratch);
}

/// Counts below this get `ln_1p` from [`ln_1p_count`]'s table (8 KiB: words per line always,
/// characters per line mostly).
const LN_1P_TABLE: usize = 1024;

/// `f64::from(n).ln_1p()`, bit for bit: from a table filled by that same call for small counts
/// (two per line: `log_chars` and `log_words`), where `log1p` cost more than the table lookup.
fn ln_1p_count(n: u32) -> f64 {
    static TABLE: OnceLock<Box<[f64; LN_1P_TABLE]>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = Box::new([0.0; LN_1P_TABLE]);
        for (i, v) in t.iter_mut().enumerate() {
            *v = (i as f64).ln_1p();
        }
        t
    });
    match table.get(n as usize) {
        Some(&v) => v,
        None => f64::from(n).ln_1p(),
    }
}

fn b(v: bool) -> f64 {
    if v {
        1.0
    } else {
        0.0
    }
}

/// Function words of each language in [`LANGUAGES`] among the words of `normal`, a line's
/// normal form (lower-cased, words separated by single spaces); the stems of its content words
/// are appended to `topic`. Leaves eight NUL bytes appended to `normal` (padding, so that any
/// word's first eight bytes can be read as one number by [`pack_window`] whatever its length).
fn count_stop_words(
    normal: &mut String,
    stop_words: &StopWords,
    topic: &mut Vec<u64>,
) -> [u16; LANGUAGES.len()] {
    let mut counts = [0u16; LANGUAGES.len()];
    let normal_len = normal.len();
    normal.push_str("\0\0\0\0\0\0\0\0");
    let padded = normal.as_bytes();
    for_each_space_separated(&padded[..normal_len], |word| {
        let piece = &padded[word.clone()];
        // Long words are not looked up (see `MAX_STOP_WORD_BYTES`).
        if piece.len() > MAX_STOP_WORD_BYTES {
            return;
        }
        let bare = trim_non_alphanumeric(piece);
        // Looked up whatever its length, and the answer dropped when it cannot be a function
        // word (empty, or longer than any): no branch on it.
        let len = bare.len();
        let fits = (1..=MAX_PACKED).contains(&len);
        let start = word.start + (bare.as_ptr() as usize - piece.as_ptr() as usize);
        let window = padded[start..start + 8].try_into().expect("padded");
        let key = pack_window(window, len.clamp(1, MAX_PACKED));
        let bits = stop_words.bits_of_packed(key, len) & 0u8.wrapping_sub(u8::from(fits));
        for (i, n) in counts.iter_mut().enumerate() {
            *n += u16::from(bits & (1 << i) != 0);
        }
        // A content word: long enough, no function word, not a number.
        if len >= TOPIC_MIN_BYTES && bits == 0 && !bare[0].is_ascii_digit() {
            topic.push(pack_window(window, len.min(TOPIC_STEM_BYTES)));
        }
    });
    counts
}

/// Calls `f` with the range of each piece of `bytes` between single spaces, in order: what
/// `bytes.split(|&b| b == b' ')` yields, empty pieces included.
///
/// The spaces of each 64 bytes are found at once as a bit mask (a loop without branches, which
/// is vectorised) and the pieces cut at its set bits, where `split` tested and branched on
/// every byte and mispredicted at every word's end.
fn for_each_space_separated(bytes: &[u8], mut f: impl FnMut(std::ops::Range<usize>)) {
    let mut start = 0;
    let mut base = 0;
    loop {
        let chunk = &bytes[base..(base + 64).min(bytes.len())];
        // The last chunk (shorter than 64, maybe empty) gets a space just past the end, so that
        // the last piece is cut in the same loop: `f` has one call site and is inlined.
        let last = chunk.len() < 64;
        let mut spaces = match chunk.try_into() {
            Ok(full) => space_mask_64(full),
            Err(_) => space_mask(chunk) | 1 << chunk.len(),
        };
        while spaces != 0 {
            let at = base + spaces.trailing_zeros() as usize;
            f(start..at);
            start = at + 1;
            spaces &= spaces - 1;
        }
        if last {
            return;
        }
        base += 64;
    }
}

/// [`space_mask`] of a full chunk (its length known, so the loop is vectorised whole).
fn space_mask_64(chunk: &[u8; 64]) -> u64 {
    space_mask(chunk)
}

/// Bit `i` set where `chunk[i]` (at most 64 bytes) is a space.
fn space_mask(chunk: &[u8]) -> u64 {
    debug_assert!(chunk.len() <= 64);
    let mut mask = 0u64;
    for (i, &b) in chunk.iter().enumerate() {
        mask |= u64::from(b == b' ') << i;
    }
    mask
}

/// `word` without leading and trailing characters that are not letters or digits (as
/// `str::trim_matches(|c| !c.is_alphanumeric())`): ASCII edges byte by byte, the rare non-ASCII
/// edge by characters. `word` is UTF-8 (a piece of a string cut at ASCII spaces).
fn trim_non_alphanumeric(word: &[u8]) -> &[u8] {
    let cut = |b: &u8| b.is_ascii() && !b.is_ascii_alphanumeric();
    let mut w = word;
    while let [first, rest @ ..] = w {
        if !cut(first) {
            break;
        }
        w = rest;
    }
    while let [rest @ .., last] = w {
        if !cut(last) {
            break;
        }
        w = rest;
    }
    match (w.first(), w.last()) {
        (Some(f), Some(l)) if !f.is_ascii() || !l.is_ascii() => std::str::from_utf8(w)
            .expect("cut at ASCII bytes, so still UTF-8")
            .trim_matches(|c: char| !c.is_alphanumeric())
            .as_bytes(),
        _ => w,
    }
}

/// A standalone 4-digit number starting 19 or 20.
fn has_year(line: &str) -> bool {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let s = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - s == 4 && (bytes[s..s + 2] == *b"19" || bytes[s..s + 2] == *b"20") {
                return true;
            }
        } else {
            i += 1;
        }
    }
    false
}

/// Count each line's repeats and find runs of lines that occur twice (teaser lists printed under
/// two headings): a line is in a repeated block when it and a neighbour repeat as a pair.
fn mark_repeats(scratch: &mut Scratch) {
    let Scratch {
        lines,
        hash_counts,
        pair_counts,
        ..
    } = scratch;
    hash_counts.clear();
    pair_counts.clear();
    for l in lines.iter() {
        *hash_counts.entry(l.hash).or_default() += 1;
    }
    for w in lines.windows(2) {
        *pair_counts.entry((w[0].hash, w[1].hash)).or_default() += 1;
    }
    for i in 0..lines.len() {
        lines[i].repeats = hash_counts[&lines[i].hash] - 1;
        let pair_repeats = |a: usize| pair_counts[&(lines[a].hash, lines[a + 1].hash)] > 1;
        let in_block = (i + 1 < lines.len() && pair_repeats(i)) || (i > 0 && pair_repeats(i - 1));
        lines[i].in_repeated_block = in_block;
    }
}

/// `prefix` set to the running sums of `value(0..n)`: `prefix[i]` is the sum of the first `i`
/// values, added in order.
fn prefix_sums(n: usize, value: impl Fn(usize) -> f64, prefix: &mut Vec<f64>) {
    prefix.clear();
    prefix.push(0.0);
    let mut acc = 0.0;
    for i in 0..n {
        acc += value(i);
        prefix.push(acc);
    }
}

/// The mean of the values over ±k around `i` (clipped at the ends), from their [`prefix_sums`].
fn window_mean(prefix: &[f64], i: usize, k: usize) -> f64 {
    let n = prefix.len() - 1;
    let lo = i.saturating_sub(k);
    let hi = (i + k + 1).min(n);
    (prefix[hi] - prefix[lo]) / (hi - lo) as f64
}

/// Build the first model's feature rows into `scratch.features` (row-major, [`ROW`] values per
/// line: [`N_FEATURES`] features, then zeros where the context features go), from the lines
/// [`scan_lines`] found.
///
/// Every row is written in one pass, window means included (from running sums computed once per
/// value): the rows of a long page outgrow L1, and a pass per window and value, each writing one
/// column of every row, cost more than the arithmetic.
pub(crate) fn line_features(scratch: &mut Scratch) {
    let Scratch {
        lines,
        features,
        prefix,
        good,
        ..
    } = scratch;
    let n = lines.len();
    features.clear();
    features.resize(n * ROW, 0.0);
    good.clear();
    good.extend((0..n).filter(|&i| lines[i].good()));
    let doc = [
        n as f64,
        good.len() as f64 / n.max(1) as f64,
        (n as f64).ln_1p(),
    ];
    // Running sums of the windowed values, one after another: "good", log_words, ends_terminal.
    let sums = prefix;
    prefix_sums(n, |i| b(lines[i].good()), &mut sums[0]);
    prefix_sums(n, |i| lines[i].base[3], &mut sums[1]);
    prefix_sums(n, |i| lines[i].base[4], &mut sums[2]);
    let win_at = 3 * N_BASE + 4 + 3;
    let region_at = win_at + 12;
    let (first, last) = match (good.first(), good.last()) {
        (Some(&f), Some(&l)) => (Some(f), Some(l)),
        _ => (None, None),
    };
    let mut next_good = 0usize; // index into `good` of the first good line at or after i
    for i in 0..n {
        let row = &mut features[i * ROW..i * ROW + N_FEATURES];
        let l = &lines[i];
        row[..N_BASE].copy_from_slice(&l.base);
        if i > 0 {
            row[N_BASE..2 * N_BASE].copy_from_slice(&lines[i - 1].base);
        }
        if i + 1 < n {
            row[2 * N_BASE..3 * N_BASE].copy_from_slice(&lines[i + 1].base);
        }
        let mut at = 3 * N_BASE;
        for j in [i.checked_sub(2), Some(i + 2).filter(|&j| j < n)] {
            if let Some(j) = j {
                row[at] = lines[j].base[3];
                row[at + 1] = lines[j].base[4];
            }
            at += 2;
        }
        row[at] = f64::from(l.repeats);
        row[at + 1] = b(l.in_repeated_block);
        row[at + 2] = i as f64 / (n.max(2) - 1) as f64;
        for (w, &k) in LINE_WINDOWS.iter().enumerate() {
            for (f, sums) in sums.iter().enumerate() {
                row[win_at + w * 3 + f] = window_mean(sums, i, k);
            }
        }
        while next_good < good.len() && good[next_good] < i {
            next_good += 1;
        }
        let (in_region, dist, after, before) = match (first, last) {
            (Some(f), Some(l)) => {
                let after_d = good.get(next_good).map(|&g| g - i);
                let before_d = next_good.checked_sub(1).map(|p| i - good[p]);
                let d = after_d
                    .into_iter()
                    .chain(before_d)
                    .min()
                    .unwrap_or(50)
                    .min(50);
                (
                    b(i >= f && i <= l),
                    d as f64,
                    i as f64 - f as f64,
                    l as f64 - i as f64,
                )
            }
            _ => (0.0, 50.0, -50.0, -50.0),
        };
        row[region_at] = in_region;
        row[region_at + 1] = dist;
        row[region_at + 2] = after;
        row[region_at + 3] = before;
        row[region_at + 4..region_at + 7].copy_from_slice(&doc);
    }
}

/// The second model's extra features of every line, given the first model's `scores`: written
/// into the last [`N_CONTEXT`] values of each row of `rows` (row-major, [`ROW`] per line), one
/// row after another.
pub(crate) fn context_features(scores: &[f64], prefix: &mut Vec<f64>, rows: &mut [f64]) {
    prefix_sums(scores.len(), |i| scores[i], prefix);
    for (i, row) in rows.chunks_exact_mut(ROW).enumerate() {
        let context = &mut row[N_FEATURES..];
        for (w, &k) in SCORE_WINDOWS.iter().enumerate() {
            context[w] = window_mean(prefix, i, k);
        }
        context[SCORE_WINDOWS.len()] = scores[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_trim_equals_the_char_trim() {
        for w in [
            "",
            "the",
            "the,",
            "(the)",
            "...",
            "“the”",
            "«le»",
            "über,",
            ",über",
            "a—",
            "—",
            "x\u{a0}",
            "'s",
            "e.g.",
            "1990.",
            "–2–",
        ] {
            let want = w.trim_matches(|c: char| !c.is_alphanumeric());
            assert_eq!(
                trim_non_alphanumeric(w.as_bytes()),
                want.as_bytes(),
                "{w:?}"
            );
        }
    }

    fn scan(text: &str) -> Scratch {
        let mut s = Scratch::default();
        scan_lines(text, None, &mut s);
        line_features(&mut s);
        s
    }

    /// The byte-by-byte count [`count_ascii`] replaced.
    fn count_ascii_reference(bytes: &[u8]) -> Counts {
        let mut c = Counts {
            chars: bytes.len() as u32,
            single_spaced: bytes.last() != Some(&b' '),
            ..Default::default()
        };
        let mut in_word = false;
        for (k, &b) in bytes.iter().enumerate() {
            if ascii_space(b) {
                // Not a single space after a word: a leading space, a run, a tab, a CR …
                c.single_spaced &= b == b' ' && in_word;
                in_word = false;
                continue;
            }
            if !in_word {
                c.words += 1;
                c.capitalised += u32::from(b.is_ascii_uppercase());
                in_word = true;
            }
            match b {
                b'a'..=b'z' | b'A'..=b'Z' => c.alpha += 1,
                b'0'..=b'9' => c.digit += 1,
                b',' => c.commas += 1,
                b'.' | b'!' | b'?' => {
                    c.marks += u32::from(bytes.get(k + 1).is_none_or(|&n| ascii_space(n)));
                }
                b'|' | b'>' => {
                    c.separators += 1;
                    c.crumbs += 1;
                }
                b'/' => c.separators += 1,
                _ => {}
            }
        }
        c
    }

    #[test]
    fn branchless_ascii_count_equals_the_byte_loop() {
        let mut lines: Vec<Vec<u8>> = ["", " ", "a", "A", ".", "a.", "a. b", "A  b", "x\t", "|>/"]
            .map(|l| l.as_bytes().to_vec())
            .to_vec();
        let alphabet = b"aZ09 ,.!?|>/\t\x0b\r\n-'@[`{";
        let mut next = crate::test_rng::below(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            // Mostly short lines; some past the 255-byte chunks of the count.
            let long = next(4) == 0;
            let len = next(if long { 800 } else { 40 });
            lines.push((0..len).map(|_| alphabet[next(alphabet.len())]).collect());
        }
        for line in &lines {
            let (got, want) = (count_ascii(line), count_ascii_reference(line));
            let fields = |c: &Counts| {
                (
                    c.chars,
                    c.alpha,
                    c.digit,
                    c.marks,
                    c.commas,
                    c.words,
                    c.capitalised,
                    c.separators,
                    c.crumbs,
                    c.single_spaced,
                )
            };
            assert_eq!(
                fields(&got),
                fields(&want),
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn stop_word_counts_equal_the_word_by_word_lookup() {
        let stop_words = StopWords::global();
        let words = [
            "the",
            "der",
            "de",
            "la",
            "a",
            "é",
            "été",
            "también",
            "und",
            "(the)",
            "the,",
            "thee",
            "th",
            "",
            "“the”",
            "«le»",
            "über",
            "über,",
            "1990.",
            "extraordinarily",
            "the…………",
            "x\u{a0}",
            "e.g.",
            "zzzzzzzz",
            "aaaaaaaaa",
            "\0",
            "the\0",
        ];
        let mut next = crate::test_rng::below(0x2545_f491_4f6c_dd1d);
        let mut normal = String::new();
        for _ in 0..5000 {
            let line = crate::test_rng::random_text(&mut next, &words, 30, " ");
            // What the scan did before: split, skip long words, trim, look up, count the bits.
            let mut want = [0u16; LANGUAGES.len()];
            for word in line.as_bytes().split(|&b| b == b' ') {
                if word.len() > MAX_STOP_WORD_BYTES {
                    continue;
                }
                let bits = stop_words.bits(trim_non_alphanumeric(word));
                for (i, n) in want.iter_mut().enumerate() {
                    *n += u16::from(bits >> i & 1);
                }
            }
            normal.clear();
            normal.push_str(&line);
            assert_eq!(
                count_stop_words(&mut normal, stop_words, &mut Vec::new()),
                want,
                "{line:?}"
            );
        }
    }

    /// The window means as they were computed before rows were written in one pass: a prefix
    /// buffer per window and value, one column at a time.
    fn window_means_reference(
        n: usize,
        value: impl Fn(usize) -> f64,
        k: usize,
        mut out: impl FnMut(usize, f64),
    ) {
        let mut prefix = vec![0.0];
        let mut acc = 0.0;
        for i in 0..n {
            acc += value(i);
            prefix.push(acc);
        }
        for i in 0..n {
            let lo = i.saturating_sub(k);
            let hi = (i + k + 1).min(n);
            out(i, (prefix[hi] - prefix[lo]) / (hi - lo) as f64);
        }
    }

    #[test]
    fn one_pass_window_means_equal_the_column_passes() {
        let good = "This line is a real sentence with more than ten words in it.";
        let shapes = [
            good,
            "Menu",
            "Short heading",
            "Ends with a mark.",
            "Read more …",
        ];
        let mut next = crate::test_rng::below(0x2545_f491_4f6c_dd1d);
        let mut prefix = Vec::new();
        for _ in 0..200 {
            let mut s = scan(&crate::test_rng::random_text(&mut next, &shapes, 60, "\n"));
            let n = s.lines.len();
            let win_at = 3 * N_BASE + 4 + 3;
            for (w, &k) in LINE_WINDOWS.iter().enumerate() {
                let lines = &s.lines;
                let values: [&dyn Fn(usize) -> f64; 3] =
                    [&|i| b(lines[i].good()), &|i| lines[i].base[3], &|i| {
                        lines[i].base[4]
                    }];
                for (f, value) in values.iter().enumerate() {
                    window_means_reference(n, value, k, |i, v| {
                        let got = s.features[i * ROW + win_at + w * 3 + f];
                        assert_eq!(got.to_bits(), v.to_bits(), "line {i} window {k} value {f}");
                    });
                }
            }
            let scores: Vec<f64> = (0..n).map(|_| next(1000) as f64 / 997.0).collect();
            context_features(&scores, &mut prefix, &mut s.features);
            for (w, &k) in SCORE_WINDOWS.iter().enumerate() {
                window_means_reference(
                    n,
                    |i| scores[i],
                    k,
                    |i, v| {
                        let got = s.features[i * ROW + N_FEATURES + w];
                        assert_eq!(got.to_bits(), v.to_bits(), "line {i} score window {k}");
                    },
                );
            }
            for (i, &score) in scores.iter().enumerate() {
                assert_eq!(s.features[i * ROW + ROW - 1], score);
            }
        }
    }

    #[test]
    fn space_pieces_equal_split() {
        let mut texts: Vec<Vec<u8>> = ["", " ", "  ", "a", "a b", " a", "a ", "ab  cd"]
            .map(|t| t.as_bytes().to_vec())
            .to_vec();
        let mut next = crate::test_rng::below(0x9e37_79b9_7f4a_7c15);
        // Whole chunks, ending in a space or not.
        texts.extend([
            vec![b'x'; 64],
            vec![b' '; 128],
            [vec![b'x'; 63], vec![b' ']].concat(),
        ]);
        // Lengths around the 64-byte chunks, spaces dense and sparse.
        for _ in 0..3000 {
            let len = next(200);
            let every = 1 + next(12);
            texts.push(
                (0..len)
                    .map(|_| if next(every) == 0 { b' ' } else { b'x' })
                    .collect(),
            );
        }
        for t in &texts {
            let mut got = Vec::new();
            for_each_space_separated(t, |w| got.push(t[w].to_vec()));
            let want: Vec<Vec<u8>> = t.split(|&b| b == b' ').map(<[u8]>::to_vec).collect();
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(t));
        }
    }

    #[test]
    fn ln_1p_table_equals_ln_1p() {
        for n in (0..LN_1P_TABLE as u32 + 10).chain([5000, 123_456, u32::MAX]) {
            let want = f64::from(n).ln_1p();
            assert_eq!(ln_1p_count(n).to_bits(), want.to_bits(), "{n}");
        }
    }

    #[test]
    fn names_match_the_row_width() {
        assert_eq!(feature_names().len(), N_FEATURES);
        assert_eq!(context_feature_names().len(), N_CONTEXT);
    }

    #[test]
    fn blank_lines_are_skipped_but_indices_kept() {
        let s = scan("Title\n\n  \nA real sentence with enough words to count as one line here.\n");
        let idx: Vec<_> = s.lines.iter().map(|l| l.index).collect();
        assert_eq!(idx, [0, 3]);
        assert!(s.lines[1].good());
        assert!(s.lines[0].title_like());
    }

    #[test]
    fn repeated_teaser_block_is_marked_in_both_copies() {
        let text = "Latest articles\nStorm hits coast\nCouncil votes on budget\nArticle text.\n\
                    More like this\nStorm hits coast\nCouncil votes on budget\nOne-off line";
        let s = scan(text);
        let marked: Vec<_> = s
            .lines
            .iter()
            .filter(|l| l.in_repeated_block)
            .map(|l| l.index)
            .collect();
        assert_eq!(marked, [1, 2, 5, 6]);
        assert_eq!(s.lines[1].repeats, 1);
        assert_eq!(s.lines[0].repeats, 0);
    }

    #[test]
    fn single_spaced_flag_and_its_hash_shortcut() {
        let mut lower = String::new();
        for (line, single) in [
            ("Read More", true),
            ("A sentence, with 3 WORDS.", true),
            ("x", true),
            ("", true),
            ("Read  More", false),
            ("Read\tMore", false),
            ("Read More\r", false),
            ("Read\x0bMore", false),
            (" Read", false),
            ("Read ", false),
        ] {
            assert_eq!(
                count_ascii(line.as_bytes()).single_spaced,
                single,
                "{line:?}"
            );
            if single {
                let want = line_hash(line, &mut lower);
                assert_eq!(single_spaced_ascii_hash(line, &mut lower), want, "{line:?}");
            }
        }
        for (line, single) in [
            ("“Read” More", true),
            ("Straße – DIE ÜBER", true),
            ("İstanbul K", true),
            ("é", true),
            ("“Read”  More", false),
            ("“Read”\u{a0}More", false),
            ("“Read”\u{2009}More", false),
            ("“Read”\tMore", false),
            (" “Read”", false),
            ("“Read” ", false),
        ] {
            assert_eq!(count_chars(line).single_spaced, single, "{line:?}");
            if single {
                let want = line_hash(line, &mut lower);
                assert_eq!(single_spaced_hash(line, &mut lower), want, "{line:?}");
            }
        }
    }

    #[test]
    fn single_spaced_hash_equals_line_hash_on_random_lines() {
        // Characters whose lower case is longer, ASCII, or themselves; words joined by single
        // spaces, as the scan's flag requires.
        let alphabet: Vec<char> = "aZ9.,“”’–—éÉßẞİKΣςΣÜü中\u{301}".chars().collect();
        let mut next = crate::test_rng::below(0x9e37_79b9_7f4a_7c15);
        let (mut lower, mut want_buf) = (String::new(), String::new());
        for _ in 0..5000 {
            let words: Vec<String> = (0..1 + next(8))
                .map(|_| {
                    (0..1 + next(6))
                        .map(|_| alphabet[next(alphabet.len())])
                        .collect()
                })
                .collect();
            let line = words.join(" ");
            assert!(
                count_chars(&line).single_spaced || line.is_ascii(),
                "{line:?}"
            );
            let want = line_hash(&line, &mut want_buf);
            assert_eq!(single_spaced_hash(&line, &mut lower), want, "{line:?}");
        }
    }

    #[test]
    fn hash_ignores_case_and_spacing() {
        let s = scan("Read  More\nread more");
        assert_eq!(s.lines[0].hash, s.lines[1].hash);
    }

    #[test]
    fn line_evidence() {
        let s = scan("Home › News › World\nBy Jane Doe\nThe minister said the plan would cost …\nSubscribe to our newsletter\nPublished in 2024");
        let l = &s.lines;
        assert!(l[0].separator);
        assert_eq!(l[1].base[16], 1.0);
        assert!(l[2].ellipsis && !l[2].terminal);
        assert_eq!(l[3].cues, 2);
        assert_eq!(l[4].base[15], 1.0);
    }

    #[test]
    fn stop_word_density_follows_the_document_language() {
        let mut s = Scratch::default();
        scan_lines("Der Hund und die Katze sind im Garten.", None, &mut s);
        let de = s.lines[0].base[10];
        scan_lines("Der Hund und die Katze sind im Garten.", Some("en"), &mut s);
        let en = s.lines[0].base[10];
        assert!(de > 0.5, "{de}");
        assert!(en < de, "{en} {de}");
    }

    #[test]
    fn region_features_locate_the_sentence_lines() {
        let good = "This line is a real sentence with more than ten words in it.";
        let text = format!("Menu\n{good}\nShort heading\n{good}\nFooter");
        let s = scan(&text);
        let region = 3 * N_BASE + 4 + 3 + 12;
        let f = |i: usize, c: usize| s.features[i * ROW + region + c];
        assert_eq!(f(0, 0), 0.0);
        assert_eq!(f(2, 0), 1.0);
        assert_eq!(f(2, 1), 1.0);
        assert_eq!(f(4, 0), 0.0);
        assert_eq!(f(4, 3), -1.0);
    }
}

//! `tokens`: count each document's BPE tokens with a real LLM vocabulary, for token budgets.
//!
//! Writes `millstone.tokens` (an integer; the name is the `field` option) on every document and
//! adds the counts to the stage's `tokens` counter in `stats.json`, so a run reports how many
//! tokens went through. It never drops or rewrites a document. Put it last in a pipeline to count
//! what is kept: the counter holds every document that reached this stage.
//!
//! Options:
//! - `encoding`: `"o200k_base"` (default: the vocabulary of OpenAI's current models, GPT-4o and
//!   later, with better coverage of non-English text), `"cl100k_base"` (GPT-4 / GPT-3.5, the
//!   one many published token budgets were counted with) or `"gpt2"` (GPT-2's 50,257-token
//!   vocabulary, tiktoken's `gpt2` / `r50k_base`: what FineWeb's token counts were made with,
//!   datatrove's `TokensCounter("gpt2")`; the `fineweb` preset uses it).
//! - `field`: the attribute name, default `"tokens"` (e.g. `"tokens_cl100k"` to count with both
//!   encodings in one run).
//!
//! The count is exactly tiktoken's `encode_ordinary(text).len()`: text that looks like a special
//! token (`<|endoftext|>`) is counted as ordinary text. The vocabularies are the ones `tiktoken-rs`
//! ships inside its crate (MIT licence, kept with the crate; the files are OpenAI's, published
//! with `tiktoken` under MIT), compiled into the binary: nothing is downloaded. They are loaded
//! once per process per encoding (about 0.2 s). GPT-2 counts are checked against Python
//! `tiktoken`'s `gpt2` encoding on real pages by `tests/tokens.rs`, from a fixture that
//! `tools/tokens-parity/regenerate.sh` records. datatrove counts with HuggingFace `tokenizers`'
//! `gpt2` tokenizer, which has the same vocabulary, merges and split pattern. Counting does not run tiktoken's
//! regex: `split.rs` cuts the same pieces by hand and `bpe.rs` counts each piece's tokens (one
//! hash lookup for the common case of a piece that is a token), 3–5× faster than tiktoken-rs
//! (`benches/tokens.rs`, figures in `bench/README.md`). Tests compare every count with
//! `tiktoken-rs` itself on real pages, the UDHR in ~390 languages and edge cases
//! (`tests/tokens.rs`, and the pieces themselves with tiktoken's regex in the unit tests).
//!
//! Memory: a run with this stage peaked 33 MB higher with o200k_base (14 MB with cl100k_base)
//! than without it (`bench/README.md`). Merging a long piece that is not a token holds arrays and
//! a heap of about 37 bytes per byte of the piece while it runs (a 1 MB run of `=`: ~37 MB).
//!
//! Not for: token ids (only counts are computed), other tokenizers (SentencePiece, Llama's), or
//! filtering by length (a later stage can read `millstone.tokens`).

mod bpe;
mod split;

use std::cell::RefCell;
use std::sync::OnceLock;

use millstone_core::options::{OptionSpec as Opt, OptionType as T};
use millstone_core::{Document, Stage, StageOptions, StageStats, Value, Verdict};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::registry::StageConfig;
use crate::ConfigError;
use bpe::Vocabulary;
use split::{Classes, Pattern, Splitter};

pub const NAME: &str = "tokens";
pub const SUMMARY: &str =
    "count each document's BPE tokens (tiktoken o200k_base, cl100k_base or gpt2) into millstone.tokens and the stats";

/// A vocabulary and split pattern of OpenAI's `tiktoken`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// GPT-4o and later (~200k tokens).
    #[default]
    O200kBase,
    /// GPT-4, GPT-3.5 (~100k tokens).
    Cl100kBase,
    /// GPT-2 (50,257 tokens; tiktoken's `gpt2`, the same ranks as `r50k_base`).
    Gpt2,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::O200kBase => "o200k_base",
            Encoding::Cl100kBase => "cl100k_base",
            Encoding::Gpt2 => "gpt2",
        }
    }

    fn pattern(self) -> Pattern {
        match self {
            Encoding::O200kBase => Pattern::O200k,
            Encoding::Cl100kBase => Pattern::Cl100k,
            Encoding::Gpt2 => Pattern::Gpt2,
        }
    }
}

/// A tokenizer could not be set up.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenizerError {
    #[error("loading the {encoding} vocabulary from tiktoken-rs: {message}")]
    Vocabulary {
        encoding: &'static str,
        message: String,
    },
    #[error("Unicode class `{class}` from regex-syntax: {message}")]
    Unicode { class: String, message: String },
}

/// The Unicode classes of the split patterns, built once.
fn classes() -> Result<&'static Classes, TokenizerError> {
    static CLASSES: OnceLock<Result<Classes, TokenizerError>> = OnceLock::new();
    CLASSES
        .get_or_init(Classes::new)
        .as_ref()
        .map_err(Clone::clone)
}

/// Counts tokens of one encoding. Get one with [`Tokenizer::get`].
pub struct Tokenizer {
    encoding: Encoding,
    vocabulary: Vocabulary,
    classes: &'static Classes,
}

impl Tokenizer {
    /// The tokenizer of `encoding`, loaded on first use and then shared.
    pub fn get(encoding: Encoding) -> Result<&'static Tokenizer, TokenizerError> {
        static O200K: OnceLock<Result<Tokenizer, TokenizerError>> = OnceLock::new();
        static CL100K: OnceLock<Result<Tokenizer, TokenizerError>> = OnceLock::new();
        static GPT2: OnceLock<Result<Tokenizer, TokenizerError>> = OnceLock::new();
        let cell = match encoding {
            Encoding::O200kBase => &O200K,
            Encoding::Cl100kBase => &CL100K,
            Encoding::Gpt2 => &GPT2,
        };
        cell.get_or_init(|| Tokenizer::load(encoding))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn load(encoding: Encoding) -> Result<Tokenizer, TokenizerError> {
        let err = |message: String| TokenizerError::Vocabulary {
            encoding: encoding.name(),
            message,
        };
        let core = match encoding {
            Encoding::O200kBase => tiktoken_rs::o200k_base(),
            Encoding::Cl100kBase => tiktoken_rs::cl100k_base(),
            Encoding::Gpt2 => tiktoken_rs::r50k_base(),
        }
        .map_err(|e| err(format!("{e:#}")))?;
        // tiktoken-rs does not expose its rank table; read it back rank by rank. Ordinary ranks
        // are 0, 1, 2, … without gaps; special tokens come after them and are left out.
        let special: Vec<u32> = core
            .special_tokens()
            .into_iter()
            .flat_map(|s| core.encode_with_special_tokens(s))
            .collect();
        let mut ranks = Vec::new();
        for rank in 0u32.. {
            if special.contains(&rank) {
                break;
            }
            match core.decode_bytes(&[rank]) {
                Ok(bytes) => ranks.push((bytes, rank)),
                Err(_) => break,
            }
        }
        if ranks.len() < 50_000 {
            return Err(err(format!("only {} ranks", ranks.len())));
        }
        Ok(Tokenizer {
            encoding,
            vocabulary: Vocabulary::new(ranks),
            classes: classes()?,
        })
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Ordinary tokens in the vocabulary.
    pub fn vocabulary_size(&self) -> usize {
        self.vocabulary.len()
    }

    /// `tiktoken`'s `encode_ordinary(text).len()`.
    pub fn count(&self, text: &str) -> usize {
        let mut tokens = 0;
        MERGED.with(|cache| {
            let mut cache = cache.borrow_mut();
            let cache = &mut cache[self.encoding as usize];
            Splitter::new(text, self.classes).for_each(self.encoding.pattern(), |piece| {
                tokens += self.count_piece(piece, cache);
            });
        });
        tokens
    }

    #[inline]
    fn count_piece(&self, piece: &[u8], cache: &mut FxHashMap<Box<[u8]>, u32>) -> usize {
        if self.vocabulary.contains(piece) {
            return 1;
        }
        if piece.len() > CACHED_PIECE_MAX {
            return self.vocabulary.merge_count(piece);
        }
        if let Some(&n) = cache.get(piece) {
            return n as usize;
        }
        let n = self.vocabulary.merge_count(piece);
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(piece.into(), n as u32);
        n
    }

    /// The pieces `tiktoken`'s split regex cuts `text` into (for tests).
    #[cfg(test)]
    fn pieces<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let mut out = Vec::new();
        let mut at = 0;
        Splitter::new(text, self.classes).for_each(self.encoding.pattern(), |p| {
            out.push(&text[at..at + p.len()]);
            at += p.len();
        });
        out
    }
}

/// Pieces longer than this are merged every time (they are rarely repeated).
const CACHED_PIECE_MAX: usize = 64;
/// Entries per thread and encoding before the cache starts over.
const CACHE_ENTRIES: usize = 1 << 16;

thread_local! {
    /// Per thread and encoding: token counts of pieces that are not one token.
    static MERGED: RefCell<[FxHashMap<Box<[u8]>, u32>; 3]> = RefCell::default();
}

/// Options.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub encoding: Encoding,
    /// Attribute name under `millstone`.
    pub field: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            encoding: Encoding::default(),
            field: NAME.to_owned(),
        }
    }
}

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new(
            "encoding",
            T::Choice(&["o200k_base", "cl100k_base", "gpt2"]),
            "the tiktoken vocabulary counted with (gpt2: FineWeb's)",
        ),
        Opt::new(
            "field",
            T::String,
            "the attribute under millstone that holds the count",
        ),
    ];
}

impl StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
        if self.field.is_empty() {
            return Err(ConfigError::invalid(NAME, "`field` must not be empty"));
        }
        if self.field == "drop" {
            return Err(ConfigError::invalid(
                NAME,
                "`field` = \"drop\" would clash with the drop record of dropped documents",
            ));
        }
        let tokenizer = Tokenizer::get(self.encoding).map_err(|e| ConfigError::invalid(NAME, e))?;
        Ok(Box::new(Tokens {
            tokenizer,
            field: self.field,
        }))
    }
}

pub struct Tokens {
    tokenizer: &'static Tokenizer,
    field: String,
}

impl Stage for Tokens {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        let n = self.tokenizer.count(doc.text());
        doc.attributes.insert(self.field.clone(), Value::from(n));
        stats.count("tokens", n as u64);
        Verdict::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENCODINGS: [Encoding; 3] = [Encoding::O200kBase, Encoding::Cl100kBase, Encoding::Gpt2];

    fn oracle(encoding: Encoding) -> tiktoken_rs::CoreBPE {
        match encoding {
            Encoding::O200kBase => tiktoken_rs::o200k_base(),
            Encoding::Cl100kBase => tiktoken_rs::cl100k_base(),
            Encoding::Gpt2 => tiktoken_rs::r50k_base(),
        }
        .unwrap()
    }

    /// The split regexes as tiktoken-rs compiles them, to compare pieces (not just counts).
    fn oracle_pattern(encoding: Encoding) -> fancy_regex::Regex {
        let pattern = match encoding {
            Encoding::O200kBase => tiktoken_rs::O200K_BASE_PAT_STR,
            Encoding::Cl100kBase => {
                r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"
            }
            // tiktoken's r50k_pat_str, as tiktoken-rs compiles r50k_base.
            Encoding::Gpt2 => {
                r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"
            }
        };
        fancy_regex::Regex::new(pattern).unwrap()
    }

    const EDGE_CASES: &[&str] = &[
        "",
        " ",
        "  ",
        "\n",
        "\r\n",
        "a\r\nb\r\n\r\n  c \r\n",
        "   leading and trailing   ",
        "tabs\t\tand\u{b}vertical\u{c}feeds\u{85}next\u{2028}line\u{2029}para",
        "x \n\n  y  ",
        "x\n  ",
        "1234567890 12 1,234,567.89 ١٢٣٤٥ ½²³ 一二三",
        "don't won't I'M WE'LL they're you've she'd 'tis 'S 'Ll ſ'ſ it'ſ",
        "HTMLParser iPhone McDonald's ǅungla ǈ ǋ",
        "emoji 😀👍🏽👨‍👩‍👧 flags 🇫🇷🇯🇵 and ✨sparkles✨",
        "中文文本，没有空格。日本語のテキスト、カタカナ。한국어 텍스트입니다.",
        "e\u{301}te\u{301} cafe\u{301} \u{301}\u{301}AB a\u{308}\u{301}\u{302} \u{20dd}",
        "ไม่มีช่องว่าง ภาษาไทย हिन्दी में लिखा गया পাঠ",
        "Ελληνικά Русский текст עברית العربية",
        "<|endoftext|> is ordinary text <|fim_prefix|>",
        "http://example.com/a/b?c=d&e=f#g //comment /* block */ ==> !== ...\r\n//",
        "\u{feff}BOM \u{200b}zero\u{200d}width \u{00ad}soft",
        "a\u{0}b\u{1}c\u{7f}",
        "\u{10ffff}\u{e000}\u{fffd}",
    ];

    fn check(encoding: Encoding, text: &str) {
        let tok = Tokenizer::get(encoding).unwrap();
        let want: Vec<&str> = oracle_pattern(encoding)
            .find_iter(text)
            .map(|m| m.unwrap().as_str())
            .collect();
        assert_eq!(tok.pieces(text), want, "{encoding:?} pieces of {text:?}");
        assert_eq!(
            tok.count(text),
            oracle(encoding).encode_ordinary(text).len(),
            "{encoding:?} count of {text:?}"
        );
    }

    #[test]
    fn edge_cases_match_tiktoken() {
        for encoding in ENCODINGS {
            for text in EDGE_CASES {
                check(encoding, text);
            }
        }
    }

    #[test]
    fn long_pieces_match_tiktoken() {
        let long_word = "Donaudampfschifffahrtsgesellschaftskapitän".repeat(50);
        let texts = [
            "=".repeat(5000),
            "a".repeat(3000),
            format!("{long_word} {long_word}"),
            " ".repeat(1000) + "x",
            "\n".repeat(500),
            "9".repeat(1000),
            "😀".repeat(300),
            "ab".repeat(2000),
            // One megabyte-long piece each: merged with the heap, not quadratically.
            "=".repeat(1 << 20),
            "xyzzy".repeat(1 << 18),
        ];
        for encoding in ENCODINGS {
            for text in &texts {
                check(encoding, text);
            }
        }
    }

    /// Random strings over characters chosen to hit every branch of the split patterns.
    #[test]
    fn random_mixtures_match_tiktoken() {
        const ALPHABET: &[&str] = &[
            "a", "Z", "é", "É", "ǅ", "ß", "ʰ", "中", "ก", "\u{301}", "\u{903}", "\u{20dd}", "1",
            "٣", "½", "Ⅻ", " ", "  ", "\t", "\n", "\r", "\r\n", "\u{a0}", "\u{2028}", "\u{85}",
            "'", "’", "s", "S", "ſ", "t", "l", "L", "r", "e", "v", "d", "m", "!", ".", "/", "(",
            "😀", "\u{200d}", "#", "_", "-", "x",
        ];
        let mut next = crate::test_rng::below(0x9e37_79b9_7f4a_7c15);
        let encodings = ENCODINGS;
        let oracles = encodings.map(oracle);
        let patterns = encodings.map(oracle_pattern);
        for _ in 0..3000 {
            let len = next(24);
            let text: String = (0..len).map(|_| ALPHABET[next(ALPHABET.len())]).collect();
            for (k, &encoding) in encodings.iter().enumerate() {
                let tok = Tokenizer::get(encoding).unwrap();
                let want: Vec<&str> = patterns[k]
                    .find_iter(&text)
                    .map(|m| m.unwrap().as_str())
                    .collect();
                assert_eq!(tok.pieces(&text), want, "{encoding:?} pieces of {text:?}");
                assert_eq!(
                    tok.count(&text),
                    oracles[k].encode_ordinary(&text).len(),
                    "{encoding:?} count of {text:?}"
                );
            }
        }
    }

    #[test]
    fn vocabularies_are_complete() {
        let o200k = Tokenizer::get(Encoding::O200kBase).unwrap();
        assert_eq!(o200k.vocabulary_size(), 199_998);
        let cl100k = Tokenizer::get(Encoding::Cl100kBase).unwrap();
        assert_eq!(cl100k.vocabulary_size(), 100_256);
        let gpt2 = Tokenizer::get(Encoding::Gpt2).unwrap();
        assert_eq!(gpt2.vocabulary_size(), 50_256);
    }

    #[test]
    fn stage_writes_the_count_and_totals() {
        let stage = Config::default().build().unwrap();
        let mut stats = StageStats::default();
        let mut doc = Document::new("a", "Hello world");
        assert_eq!(stage.process(&mut doc, &mut stats), Verdict::Keep);
        assert_eq!(doc.attributes["tokens"], Value::from(2));
        let mut doc = Document::new("b", "");
        assert_eq!(stage.process(&mut doc, &mut stats), Verdict::Keep);
        assert_eq!(doc.attributes["tokens"], Value::from(0));
        assert_eq!(stats.counters["tokens"], 2);
    }

    #[test]
    fn options_from_toml() {
        let table: toml::Table =
            toml::from_str("encoding = \"cl100k_base\"\nfield = \"tokens_cl100k\"").unwrap();
        let stage = crate::build_stage(NAME, &table).unwrap();
        let mut doc = Document::new("a", "Hello world");
        stage.process(&mut doc, &mut StageStats::default());
        assert_eq!(doc.attributes["tokens_cl100k"], Value::from(2));

        for (options, needle) in [
            ("encoding = \"gpt3\"", "o200k_base"),
            ("field = \"\"", "field"),
            ("field = \"drop\"", "drop"),
            ("fields = \"x\"", "fields"),
        ] {
            let table: toml::Table = toml::from_str(options).unwrap();
            let err = crate::build_stage(NAME, &table).err().unwrap().to_string();
            assert!(err.contains(needle) && err.contains(NAME), "{err}");
        }
    }
}

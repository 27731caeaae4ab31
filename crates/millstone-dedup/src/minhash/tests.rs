use std::collections::HashSet;

use millstone_text::EnglishTokenizer;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use super::*;

fn sign(signer: &Signer, text: &str) -> Option<Vec<u64>> {
    let mut scratch = SignScratch::default();
    let mut out = vec![1, 2, 3];
    let ok = signer.signature(text, &mut scratch, &mut out);
    assert_eq!(ok, !out.is_empty());
    ok.then_some(out)
}

fn shingle_set(signer: &Signer, text: &str) -> HashSet<u64> {
    let mut scratch = SignScratch::default();
    let mut out = Vec::new();
    signer.shingles(text, &mut scratch, &mut out);
    out.into_iter().collect()
}

fn word(kind: ShingleKind, n_grams: usize) -> Signer {
    Signer::new(&MinHashParams {
        shingle: kind,
        n_grams,
        ..MinHashParams::default()
    })
}

#[test]
fn defaults_are_datatrove_minhash_config() {
    let p = MinHashParams::default();
    assert_eq!(
        (p.shingle, p.n_grams, p.bands, p.rows, p.seed),
        (ShingleKind::Word, 5, 14, 8, 1)
    );
    let s = Signer::new(&p);
    let (a, b) = s.constants();
    assert_eq!((a.len(), b.len()), (112, 112));
    // numpy: RandomState(1).randint(1, 2**61 - 1, size=112, dtype=np.uint64)[:2]
    assert_eq!(
        &a[..2],
        [775_169_054_918_279_404, 1_758_426_461_858_698_313]
    );
    assert!(a.iter().all(|&x| (1..P).contains(&x)) && b.iter().all(|&x| x < P));
}

#[test]
fn params_serde_and_validation() {
    let p: MinHashParams = toml::from_str("shingle = \"char\"\nn_grams = 3").expect("toml");
    assert_eq!(p.shingle, ShingleKind::Char);
    assert_eq!((p.n_grams, p.bands, p.rows, p.seed), (3, 14, 8, 1));
    let json = serde_json::to_string(&MinHashParams::default()).expect("json");
    assert!(json.contains("\"shingle\":\"word\""), "{json}");

    let bad = [
        (
            MinHashParams {
                n_grams: 0,
                ..MinHashParams::default()
            },
            ParamsError::ZeroNGrams,
        ),
        (
            MinHashParams {
                rows: 0,
                ..MinHashParams::default()
            },
            ParamsError::ZeroBands { bands: 14, rows: 0 },
        ),
        (
            MinHashParams {
                bands: usize::MAX,
                rows: 2,
                ..MinHashParams::default()
            },
            ParamsError::TooManyHashes {
                bands: usize::MAX,
                rows: 2,
            },
        ),
        (
            MinHashParams {
                seed: 1 << 32,
                ..MinHashParams::default()
            },
            ParamsError::SeedOutOfRange(1 << 32),
        ),
    ];
    for (p, err) in bad {
        assert_eq!(p.validate(), Err(err.clone()));
        assert_eq!(Signer::try_new(&p).err(), Some(err));
        // `new` does not panic; the signer signs nothing.
        let s = Signer::new(&p);
        assert_eq!(sign(&s, "one two three four five six seven"), None);
        assert_eq!(s.constants().0.len(), 0);
    }
    assert!(Signer::try_new(&MinHashParams {
        seed: u64::from(u32::MAX),
        ..MinHashParams::default()
    })
    .is_ok());
}

#[test]
fn too_few_units_give_no_signature() {
    let s = Signer::new(&MinHashParams::default());
    for text in [
        "",
        "   ",
        "!!! ... ???",
        "one two three four",
        "1,2,3,4,5,6",
    ] {
        assert_eq!(sign(&s, text), None, "{text:?}");
    }
    // Numbers collapse to single tokens "0": five of them are enough.
    assert!(sign(&s, "1 2 3 4 5").is_some());
    let c = word(ShingleKind::Char, 5);
    assert_eq!(sign(&c, "abcd"), None);
    assert_eq!(sign(&c, "ÀÉÎÕ!"), None);
    assert!(sign(&c, "abcde").is_some());
}

#[test]
fn word_shingles_join_tokens_with_single_spaces() {
    // spaCy splits "cannot" and "0mm" inside one chunk; removed marks leave a double space.
    let texts = [
        "I cannot go there with 5mm of rain today",
        "a \u{301} b c d e f",
        "plain words only here and there again",
        "dont im gonna x y z",
    ];
    let tok = EnglishTokenizer::global();
    for text in texts {
        let mut simplified = String::new();
        simplify_text(text, &mut simplified);
        let words = tok.words(&simplified);
        for n in 1..=4 {
            let want: Vec<u64> = words
                .windows(n)
                .map(|w| xxh64(w.join(" ").as_bytes(), 0))
                .collect();
            let mut toks = Vec::new();
            tok.words_into(&simplified, &mut toks);
            let (mut join, mut got) = (Vec::new(), Vec::new());
            word_shingles(&simplified, &toks, n, &mut join, &mut got);
            assert_eq!(got, want, "{text:?} n={n}");
        }
    }
}

#[test]
fn char_shingles_are_code_point_windows() {
    for text in ["hello world", "çà et là", "中文字符", "ab"] {
        let chars: Vec<char> = text.chars().collect();
        let want: Vec<u64> = chars
            .windows(3)
            .map(|w| xxh64(w.iter().collect::<String>().as_bytes(), 0))
            .collect();
        let (mut bounds, mut got) = (Vec::new(), Vec::new());
        char_shingles(text, 3, &mut bounds, &mut got);
        assert_eq!(got, want, "{text:?}");
    }
}

#[test]
fn kernels_give_identical_signatures() {
    let text = "The quick brown fox jumps over the lazy dog; the quick brown fox naps. ".repeat(20);
    for kind in [ShingleKind::Word, ShingleKind::Char] {
        let base = word(kind, 5);
        let portable = sign(&base.clone().with_kernel(Kernel::Portable), &text);
        let best = sign(&base.with_kernel(Kernel::detect()), &text);
        assert!(portable.is_some());
        assert_eq!(portable, best);
    }
}

#[test]
fn band_hashes_and_estimated_jaccard() {
    let sig: Vec<u64> = (0..112).collect();
    let mut bands = vec![9];
    band_hashes(&sig, 8, &mut bands);
    assert_eq!(bands.len(), 14);
    let mut bytes = Vec::new();
    for v in &sig[8..16] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(bands[1], xxh64(&bytes, 0));
    band_hashes(&sig, 0, &mut bands);
    assert!(bands.is_empty());
    band_hashes(&sig[..10], 8, &mut bands);
    assert_eq!(bands.len(), 1);

    let mut other = sig.clone();
    other[..28].iter_mut().for_each(|v| *v += 1000);
    assert_eq!(estimated_jaccard(&sig, &sig), 1.0);
    assert_eq!(estimated_jaccard(&sig, &other), 0.75);
    assert_eq!(estimated_jaccard(&sig, &sig[..56]), 0.5);
    assert_eq!(estimated_jaccard(&[], &[]), 0.0);
}

fn fixed(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Deterministic: the Jaccard property is statistical, so a run must not be a lottery.
        rng_seed: RngSeed::Fixed(0x6d69_6e68_6173_6821),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Words drawn from a small vocabulary, so two texts share shingles.
fn words(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-h]{1,3}", len)
}

/// Text pieces covering what simplify_text and the tokenizer treat specially. Marks only follow
/// letters, so simplify_text is idempotent on the texts built from them (see
/// `normalize::tests::idempotence_and_its_exceptions` for the exceptions).
const UNITS: &[&str] = &[
    "the",
    "The",
    "CAT",
    "café",
    "Ça",
    "naïve",
    "ΟΔΟΣ",
    "Σ",
    "über",
    "1,000",
    "3.14",
    "42",
    "don't",
    "cannot",
    "e-mail",
    "U.S.A.",
    "中文",
    "日本語",
    "كَتَبَ",
    "नमस्ते",
    "😀",
    "👍🏽",
    "a",
    "I",
    "—",
    "“quoted”",
    "!!",
    "...",
    "0mm",
    "£5",
    "x@y.com",
    "한국어",
    "İ",
];
const SEPS: &[&str] = &[" ", "  ", "\n", "\t", ", ", ". ", "\r\n", "\u{a0}", ""];

fn mixed_text() -> impl Strategy<Value = String> {
    prop::collection::vec((0..UNITS.len(), 0..SEPS.len()), 0..40).prop_map(|v| {
        v.into_iter()
            .map(|(u, s)| format!("{}{}", UNITS[u], SEPS[s]))
            .collect()
    })
}

proptest! {
    #![proptest_config(fixed(200))]

    /// |estimate - J| <= 4 * sqrt(J (1 - J) / 112) + 1/112, J = exact Jaccard of the shingle sets
    /// (4 standard errors of the 112-sample estimator, plus one position for discreteness).
    #[test]
    fn estimated_jaccard_tracks_exact_jaccard(
        base in words(30..120),
        edits in prop::collection::vec((any::<prop::sample::Index>(), "[a-h]{1,3}"), 0..40),
    ) {
        let signer = Signer::new(&MinHashParams { n_grams: 2, ..MinHashParams::default() });
        let mut other = base.clone();
        for (at, w) in edits {
            let i = at.index(other.len());
            other[i] = w;
        }
        let (ta, tb) = (base.join(" "), other.join(" "));
        let (sa, sb) = (shingle_set(&signer, &ta), shingle_set(&signer, &tb));
        let j = sa.intersection(&sb).count() as f64 / sa.union(&sb).count() as f64;
        let (Some(ga), Some(gb)) = (sign(&signer, &ta), sign(&signer, &tb)) else {
            panic!("texts of 30+ words must be signed");
        };
        let est = estimated_jaccard(&ga, &gb);
        let tol = 4.0 * (j * (1.0 - j) / 112.0).sqrt() + 1.0 / 112.0;
        prop_assert!((est - j).abs() <= tol, "J = {j:.3}, estimate = {est:.3}, tolerance {tol:.3}");
    }

    /// Repeating shingles (in any order) does not change the signature.
    #[test]
    fn signature_ignores_shingle_duplication(
        shingles in prop::collection::vec(any::<u64>(), 1..200),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..200),
    ) {
        let signer = Signer::new(&MinHashParams::default());
        let mut more = shingles.clone();
        more.extend(picks.iter().map(|p| shingles[p.index(shingles.len())]));
        more.reverse();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        prop_assert!(signer.signature_of_shingles(&shingles, &mut a));
        prop_assert!(signer.signature_of_shingles(&more, &mut b));
        prop_assert_eq!(a, b);
    }

    /// A text and its simplified form have the same signature (word and char shingles), on texts
    /// where simplification is idempotent.
    #[test]
    fn signature_of_simplified_text_is_the_same(text in mixed_text()) {
        let mut once = String::new();
        simplify_text(&text, &mut once);
        let mut twice = String::new();
        simplify_text(&once, &mut twice);
        prop_assert_eq!(&once, &twice);
        for kind in [ShingleKind::Word, ShingleKind::Char] {
            let signer = word(kind, 3);
            prop_assert_eq!(sign(&signer, &text), sign(&signer, &once), "{:?}", kind);
        }
    }

    /// Arbitrary input never panics, and signing is deterministic.
    #[test]
    fn any_text_is_safe(text in any::<String>()) {
        for kind in [ShingleKind::Word, ShingleKind::Char] {
            let signer = word(kind, 2);
            prop_assert_eq!(sign(&signer, &text), sign(&signer, &text));
        }
    }
}

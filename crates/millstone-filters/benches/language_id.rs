//! Language-ID candidates compared on accuracy and speed: millstone's fastText inference with the
//! embedded `lid.176.ftz`, `whatlang` 0.18 and `whichlang` 0.1 (16 languages).
//!
//! `cargo bench -p millstone-filters --bench language_id [-- --shared PATH]` (default
//! `../shared`). Prints markdown tables (the figures in `bench/README.md` come from here):
//! 1. accuracy per candidate on UDHR paragraphs, 1–2-sentence snippets and 50-character cuts, for
//!    the 30 most common web languages (32 UDHR files: Chinese and Portuguese have two each);
//! 2. the same per language;
//! 3. speed on one core (MB/s of UTF-8 text and documents/s, per second of the thread's CPU time,
//!    so that other work on a shared machine does not count) on the paragraphs and on the
//!    `webpages-dev` pages (`--speed-only`: just lid.176's speed);
//! 4. on `webpages-dev` (no labels): how often the candidates agree with lid.176, and lid.176's
//!    language distribution.
//!
//! How the UDHR texts are cut (`udhr2/<code>.txt`): the first line (the title) is skipped; a
//! paragraph is any other line that has at least 25 characters after trimming and is not all
//! capitals (this drops the headings: "Artikel 1", "Préambule", "第一条", "PRZETO ZGROMADZENIE
//! OGÓLNE", and titles that some files have on their second line). Snippets: each paragraph is split into
//! sentences after `.` `!` `?` `;` `؟` `।` followed by a blank, or after `。` `！` `？`; a sentence
//! shorter than 60 characters is joined with the next one (so a snippet is 1–2 sentences); snippets
//! under 15 characters are dropped. Cuts: the first 50 characters of each snippet.
//!
//! A prediction is right when its code equals the expected lid.176 code (whatlang's and
//! whichlang's ISO 639-3 codes are mapped to lid.176's codes; Norwegian Bokmål is `no`).

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use millstone_filters::language::fasttext::{FastText, Prediction, Scratch};
use millstone_filters::language::{close_pairs, embedded_model};

/// UDHR file → lid.176 code, for the 30 most common web languages.
const TOP30: &[(&str, &str)] = &[
    ("eng", "en"),
    ("rus", "ru"),
    ("deu", "de"),
    ("jpn", "ja"),
    ("spa", "es"),
    ("fra", "fr"),
    ("cmn_hans", "zh"),
    ("cmn_hant", "zh"),
    ("por_BR", "pt"),
    ("por_PT", "pt"),
    ("ita", "it"),
    ("pol", "pl"),
    ("nld", "nl"),
    ("tur", "tr"),
    ("vie", "vi"),
    ("ind", "id"),
    ("ces", "cs"),
    ("kor", "ko"),
    ("ukr", "uk"),
    ("hun", "hu"),
    ("swe", "sv"),
    ("arb", "ar"),
    ("pes_1", "fa"),
    ("ron", "ro"),
    ("ell_monotonic", "el"),
    ("dan", "da"),
    ("fin", "fi"),
    ("heb", "he"),
    ("tha", "th"),
    ("slk", "sk"),
    ("nob", "no"),
    ("bul", "bg"),
];

/// ISO 639-3 (whatlang, whichlang) → lid.176's code, where they differ.
fn to_lid_code(iso3: &str) -> &str {
    match iso3 {
        "eng" => "en",
        "rus" => "ru",
        "deu" => "de",
        "jpn" => "ja",
        "spa" => "es",
        "fra" => "fr",
        "cmn" => "zh",
        "por" => "pt",
        "ita" => "it",
        "pol" => "pl",
        "nld" => "nl",
        "tur" => "tr",
        "vie" => "vi",
        "ind" => "id",
        "ces" => "cs",
        "kor" => "ko",
        "ukr" => "uk",
        "hun" => "hu",
        "swe" => "sv",
        "ara" => "ar",
        "pes" => "fa",
        "ron" => "ro",
        "ell" => "el",
        "dan" => "da",
        "fin" => "fi",
        "heb" => "he",
        "tha" => "th",
        "slk" => "sk",
        "nob" => "no",
        "bul" => "bg",
        "hin" => "hi",
        "epo" => "eo",
        "ben" => "bn",
        "kat" => "ka",
        "yid" => "yi",
        "amh" => "am",
        "jav" => "jv",
        "bel" => "be",
        "mar" => "mr",
        "kan" => "kn",
        "slv" => "sl",
        "hrv" => "hr",
        "srp" => "sr",
        "mkd" => "mk",
        "lit" => "lt",
        "lav" => "lv",
        "est" => "et",
        "tam" => "ta",
        "urd" => "ur",
        "guj" => "gu",
        "uzb" => "uz",
        "pan" => "pa",
        "aze" => "az",
        "tel" => "te",
        "mal" => "ml",
        "ori" => "or",
        "mya" => "my",
        "nep" => "ne",
        "sin" => "si",
        "khm" => "km",
        "tuk" => "tk",
        "afr" => "af",
        "lat" => "la",
        "cat" => "ca",
        "tgl" => "tl",
        "hye" => "hy",
        "cym" => "cy",
        other => other,
    }
}

const WHICHLANG_CODES: &[&str] = &[
    "ar", "zh", "de", "en", "fr", "hi", "it", "ja", "ko", "nl", "pt", "ru", "es", "sv", "tr", "vi",
];

trait Candidate {
    fn name(&self) -> &'static str;
    /// The predicted lid.176-style code (empty: no answer).
    fn detect(&mut self, text: &str) -> String;
}

struct Lid176 {
    model: std::sync::Arc<FastText>,
    scratch: Scratch,
    out: Vec<Prediction>,
}

impl Lid176 {
    fn top(&mut self, text: &str) -> Option<(String, f32)> {
        self.model
            .predict_into(text, &mut self.scratch, &mut self.out);
        self.out.first().map(|p| {
            let l = &self.model.labels()[p.label as usize];
            (l.trim_start_matches("__label__").to_owned(), p.prob)
        })
    }
}

impl Candidate for Lid176 {
    fn name(&self) -> &'static str {
        "millstone fastText + lid.176.ftz"
    }
    fn detect(&mut self, text: &str) -> String {
        self.top(text).map(|t| t.0).unwrap_or_default()
    }
}

/// lid.176 with the `language` stage's default second opinion for close pairs
/// (`millstone_filters::language::close_pairs`).
struct Lid176Letters(Lid176);

impl Candidate for Lid176Letters {
    fn name(&self) -> &'static str {
        "millstone fastText + lid.176.ftz + close pairs (stage default)"
    }
    fn detect(&mut self, text: &str) -> String {
        let lid = &mut self.0;
        lid.model.predict_into(text, &mut lid.scratch, &mut lid.out);
        let labels = lid.model.labels();
        close_pairs::apply(
            text,
            |l| labels[l as usize].trim_start_matches("__label__"),
            &mut lid.out,
        );
        lid.out
            .first()
            .map(|p| {
                labels[p.label as usize]
                    .trim_start_matches("__label__")
                    .to_owned()
            })
            .unwrap_or_default()
    }
}

struct Whatlang;
impl Candidate for Whatlang {
    fn name(&self) -> &'static str {
        "whatlang 0.18"
    }
    fn detect(&mut self, text: &str) -> String {
        whatlang::detect_lang(text)
            .map(|l| to_lid_code(l.code()).to_owned())
            .unwrap_or_default()
    }
}

struct Whichlang;
impl Candidate for Whichlang {
    fn name(&self) -> &'static str {
        "whichlang 0.1 (16 languages)"
    }
    fn detect(&mut self, text: &str) -> String {
        to_lid_code(whichlang::detect_language(text).three_letter_code()).to_owned()
    }
}

struct Sample {
    file: &'static str,
    code: &'static str,
    paragraphs: Vec<String>,
    snippets: Vec<String>,
    cuts: Vec<String>,
}

fn paragraphs(text: &str) -> Vec<String> {
    // All capitals (cased letters, none lower-case): a heading such as "PRZETO ZGROMADZENIE OGÓLNE".
    let all_caps =
        |l: &str| l.chars().any(char::is_uppercase) && !l.chars().any(char::is_lowercase);
    text.split('\n')
        .skip(1)
        .map(str::trim)
        .filter(|l| l.chars().count() >= 25 && !all_caps(l))
        .map(str::to_owned)
        .collect()
}

fn sentences(paragraph: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = paragraph.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        let next_blank = chars.peek().is_none_or(|&(_, n)| n.is_whitespace());
        let boundary = matches!(c, '。' | '！' | '？')
            || (matches!(c, '.' | '!' | '?' | ';' | '؟' | '।') && next_blank);
        if boundary {
            let s = paragraph[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let rest = paragraph[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

fn snippets(paragraph: &str) -> Vec<String> {
    let sents = sentences(paragraph);
    let mut out = Vec::new();
    let mut i = 0;
    while i < sents.len() {
        let mut s = sents[i].to_owned();
        if s.chars().count() < 60 && i + 1 < sents.len() {
            s.push(' ');
            s.push_str(sents[i + 1]);
            i += 1;
        }
        i += 1;
        if s.chars().count() >= 15 {
            out.push(s);
        }
    }
    out
}

fn load_udhr(shared: &str) -> Vec<Sample> {
    TOP30
        .iter()
        .map(|&(file, code)| {
            let path = format!("{shared}/data/udhr2/{file}.txt");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let paragraphs = paragraphs(&text);
            let snippets: Vec<String> = paragraphs.iter().flat_map(|p| snippets(p)).collect();
            let cuts = snippets
                .iter()
                .map(|s| s.chars().take(50).collect())
                .collect();
            Sample {
                file,
                code,
                paragraphs,
                snippets,
                cuts,
            }
        })
        .collect()
}

/// Right answers per language and cut: (right, total).
type Scores = BTreeMap<(&'static str, usize), (usize, usize)>;

fn score(c: &mut dyn Candidate, samples: &[Sample]) -> Scores {
    let mut s = Scores::new();
    for sample in samples {
        for (cut, texts) in [&sample.paragraphs, &sample.snippets, &sample.cuts]
            .into_iter()
            .enumerate()
        {
            let e = s.entry((sample.code, cut)).or_default();
            for t in texts {
                e.0 += (c.detect(t) == sample.code) as usize;
                e.1 += 1;
            }
        }
    }
    s
}

fn pct(right: usize, total: usize) -> String {
    if total == 0 {
        "—".into()
    } else {
        format!("{:.1}", 100.0 * right as f64 / total as f64)
    }
}

fn total(s: &Scores, cut: usize, only: Option<&[&str]>) -> (usize, usize) {
    s.iter()
        .filter(|((code, c), _)| *c == cut && only.is_none_or(|o| o.contains(code)))
        .fold((0, 0), |a, (_, v)| (a.0 + v.0, a.1 + v.1))
}

/// MB/s and documents/s of `c` over `texts` per second of this thread's CPU time (wall time if
/// that is not available), over at least ~1 s of work.
fn speed(c: &mut dyn Candidate, texts: &[String]) -> (f64, f64) {
    let bytes: usize = texts.iter().map(String::len).sum();
    for t in texts.iter().take(50) {
        std::hint::black_box(c.detect(t));
    }
    let mut rounds = 0;
    let start = Instant::now();
    let cpu_start = common::thread_cpu_secs();
    while rounds == 0 || start.elapsed().as_secs_f64() < 1.0 {
        for t in texts {
            std::hint::black_box(c.detect(t));
        }
        rounds += 1;
    }
    let secs = match (cpu_start, common::thread_cpu_secs()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => start.elapsed().as_secs_f64(),
    };
    (
        (bytes * rounds) as f64 / secs / 1e6,
        (texts.len() * rounds) as f64 / secs,
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared").to_owned();
    let mut speed_only = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--shared" => shared = args.next().expect("--shared PATH"),
            "--speed-only" => speed_only = true,
            _ => {}
        }
    }
    if !std::path::Path::new(&shared).join("data/udhr2").is_dir() {
        eprintln!("language_id bench: {shared}/data/udhr2 not found, skipping");
        return;
    }
    let t = Instant::now();
    let model = embedded_model().expect("embedded model");
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let samples = load_udhr(&shared);
    let pages: Vec<String> = common::load_pages(
        "language_id",
        &format!("{shared}/data/webpages-dev.jsonl.zst"),
    )
    .unwrap_or_default()
    .iter()
    .map(|d| d.text().to_owned())
    .collect();

    let mut lid = Lid176 {
        model,
        scratch: Scratch::default(),
        out: Vec::new(),
    };
    let mut candidates: Vec<Box<dyn Candidate>> = vec![
        Box::new(Lid176 {
            model: lid.model.clone(),
            scratch: Scratch::default(),
            out: Vec::new(),
        }),
        Box::new(Whatlang),
        Box::new(Whichlang),
        Box::new(Lid176Letters(Lid176 {
            model: lid.model.clone(),
            scratch: Scratch::default(),
            out: Vec::new(),
        })),
    ];

    let n = |f: fn(&Sample) -> &Vec<String>| samples.iter().map(|s| f(s).len()).sum::<usize>();
    let mean = |f: fn(&Sample) -> &Vec<String>| {
        let texts: Vec<&String> = samples.iter().flat_map(f).collect();
        texts.iter().map(|t| t.chars().count()).sum::<usize>() as f64 / texts.len() as f64
    };
    println!(
        "UDHR, 30 languages ({} files): {} paragraphs (mean {:.0} chars), {} snippets (mean {:.0} chars), {} 50-char cuts\n",
        samples.len(),
        n(|s| &s.paragraphs),
        mean(|s| &s.paragraphs),
        n(|s| &s.snippets),
        mean(|s| &s.snippets),
        n(|s| &s.cuts),
    );

    let para_texts: Vec<String> = samples
        .iter()
        .flat_map(|s| s.paragraphs.iter().cloned())
        .collect();
    if speed_only {
        // Only the fastText figures (quick check while tuning the inference).
        let (pm, pd) = speed(candidates[0].as_mut(), &para_texts);
        let (wm, wd) = speed(candidates[0].as_mut(), &pages);
        println!("lid.176: paragraphs {pm:.1} MB/s ({pd:.0}/s), pages {wm:.1} MB/s ({wd:.0}/s)");
        println!("{}", lid.model.summary());
        return;
    }
    let scores: Vec<Scores> = candidates
        .iter_mut()
        .map(|c| score(c.as_mut(), &samples))
        .collect();
    println!("| candidate | paragraphs % | snippets % | 50-char cuts % | same, on its 16 languages (par. / snip. / cuts) | MB/s paragraphs | MB/s pages | pages/s |");
    println!("|---|---|---|---|---|---|---|---|");
    for (c, s) in candidates.iter_mut().zip(&scores) {
        let (pm, _) = speed(c.as_mut(), &para_texts);
        let (wm, wd) = speed(c.as_mut(), &pages);
        let on16 = (0..3)
            .map(|cut| {
                let (r, t) = total(s, cut, Some(WHICHLANG_CODES));
                pct(r, t)
            })
            .collect::<Vec<_>>()
            .join(" / ");
        let all: Vec<String> = (0..3)
            .map(|cut| {
                let (r, t) = total(s, cut, None);
                pct(r, t)
            })
            .collect();
        println!(
            "| {} | {} | {} | {} | {on16} | {pm:.1} | {wm:.1} | {wd:.0} |",
            c.name(),
            all[0],
            all[1],
            all[2]
        );
    }
    println!(
        "\n(lid.176.ftz parsed in {load_ms:.1} ms: {})\n",
        lid.model.summary()
    );

    println!("Per language (paragraphs / snippets / 50-char cuts, % right):\n");
    print!("| lang | UDHR files | paragraphs | snippets |");
    for c in &candidates {
        print!(" {} |", c.name());
    }
    println!();
    println!("|---|---|---|---|{}", "---|".repeat(candidates.len()));
    let mut codes: Vec<&str> = TOP30.iter().map(|t| t.1).collect();
    codes.dedup();
    for code in codes {
        let files: Vec<&str> = samples
            .iter()
            .filter(|s| s.code == code)
            .map(|s| s.file)
            .collect();
        let np = scores[0][&(code, 0)].1;
        let ns = scores[0][&(code, 1)].1;
        print!("| {code} | {} | {np} | {ns} |", files.join(", "));
        for (i, s) in scores.iter().enumerate() {
            if i == 2 && !WHICHLANG_CODES.contains(&code) {
                print!(" not supported |");
                continue;
            }
            let cells: Vec<String> = (0..3)
                .map(|cut| {
                    let (r, t) = s[&(code, cut)];
                    pct(r, t)
                })
                .collect();
            print!(" {} |", cells.join(" / "));
        }
        println!();
    }

    // What lid.176 says instead, where it is wrong on paragraphs or snippets.
    let mut staged = Lid176Letters(Lid176 {
        model: lid.model.clone(),
        scratch: Scratch::default(),
        out: Vec::new(),
    });
    for (title, c) in [
        ("lid.176's", &mut lid as &mut dyn Candidate),
        ("lid.176 + close pairs'", &mut staged as &mut dyn Candidate),
    ] {
        println!("\n{title} wrong answers on paragraphs + snippets (code: count):\n");
        for sample in &samples {
            let mut wrong: BTreeMap<String, usize> = BTreeMap::new();
            for t in sample.paragraphs.iter().chain(&sample.snippets) {
                let got = c.detect(t);
                if got != sample.code {
                    *wrong.entry(got).or_default() += 1;
                }
            }
            if !wrong.is_empty() {
                let list: Vec<String> = wrong.iter().map(|(c, n)| format!("{c}: {n}")).collect();
                println!("- {} ({}): {}", sample.file, sample.code, list.join(", "));
            }
        }
    }

    // webpages-dev: no labels; agreement with lid.176 and its distribution.
    let mut dist: BTreeMap<String, usize> = BTreeMap::new();
    let mut confident = 0;
    let mut agree_what = 0;
    let mut agree_which = (0, 0);
    let mut disagree_examples = Vec::new();
    for page in &pages {
        let (code, p) = lid.top(page).unwrap_or_default();
        confident += (p > 0.65) as usize;
        let w = candidates[1].detect(page);
        if w == code {
            agree_what += 1;
        } else if disagree_examples.len() < 8 {
            disagree_examples.push(format!("lid {code} {p:.2} / whatlang {w}"));
        }
        if WHICHLANG_CODES.contains(&code.as_str()) {
            agree_which.1 += 1;
            agree_which.0 += (candidates[2].detect(page) == code) as usize;
        }
        *dist.entry(code).or_default() += 1;
    }
    let mut dist: Vec<(String, usize)> = dist.into_iter().collect();
    dist.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    println!("\nwebpages-dev: {} pages", pages.len());
    println!(
        "- lid.176 best score > 0.65: {confident} ({}%)",
        pct(confident, pages.len())
    );
    println!(
        "- whatlang agrees with lid.176: {agree_what} ({}%); e.g. {}",
        pct(agree_what, pages.len()),
        disagree_examples.join("; ")
    );
    println!(
        "- whichlang agrees with lid.176 on pages lid.176 puts in whichlang's 16 languages: {} of {} ({}%)",
        agree_which.0,
        agree_which.1,
        pct(agree_which.0, agree_which.1)
    );
    let top: Vec<String> = dist
        .iter()
        .take(15)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    println!(
        "- lid.176 languages ({} distinct): {}",
        dist.len(),
        top.join(", ")
    );
}

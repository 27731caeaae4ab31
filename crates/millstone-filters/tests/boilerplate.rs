//! The `boilerplate` stage on news pages like the one the issue describes (fixture
//! `tests/fixtures/boilerplate/news-page.txt`): breadcrumb glued to the title, a dateline, the
//! outlet's name, the article with a sub-heading, "Related article" lines, a donate button and
//! plea, a list of unrelated headlines, "Popular posts", "Latest articles" teasers cut off with
//! "…" and "More like this" with the same teasers again, a copyright line.

use millstone_core::{Document, StageStats, Value, Verdict};

const PAGE: &str = include_str!("fixtures/boilerplate/news-page.txt");
/// The article: three paragraphs, the sub-heading "What happens next", two paragraphs.
const ARTICLE: std::ops::RangeInclusive<u64> = 3..=8;

/// Removed line indices, their reasons and the kept text of `PAGE` under `options`.
fn removed(options: &str) -> (Vec<u64>, Vec<String>, String) {
    run_page(PAGE, options)
}

fn run_page(page: &str, options: &str) -> (Vec<u64>, Vec<String>, String) {
    let stage =
        millstone_filters::build_stage("boilerplate", &toml::from_str(options).unwrap()).unwrap();
    let mut doc = Document::new("news", page.trim_end());
    assert_eq!(
        stage.process(&mut doc, &mut StageStats::default()),
        Verdict::Keep
    );
    let Some(Value::Array(items)) = doc.attributes.get("removed_lines") else {
        panic!("no removed_lines")
    };
    let lines = items.iter().map(|v| v["line"].as_u64().unwrap()).collect();
    let reasons = items
        .iter()
        .map(|v| v["reason"].as_str().unwrap().to_owned())
        .collect();
    (lines, reasons, doc.text().to_owned())
}

/// Every line of `PAGE` but the article's.
fn furniture() -> Vec<u64> {
    let total = PAGE.trim_end().split('\n').count() as u64;
    (0..total).filter(|i| !ARTICLE.contains(i)).collect()
}

#[test]
fn rules_at_full_strength_keep_exactly_the_article() {
    let (lines, reasons, text) = removed("cross_document = false\nrule_max_score = 1.0");
    assert_eq!(lines, furniture(), "{reasons:?}");
    assert!(text.contains("What happens next\nForecasters expect"));
    for reason in [
        "breadcrumb",
        "byline",
        "link_list",
        "list_run",
        "call_to_action",
        "repeated_block",
        "cue_phrase",
    ] {
        assert!(
            reasons.iter().any(|r| r == reason),
            "{reason} missing: {reasons:?}"
        );
    }
}

#[test]
fn defaults_keep_exactly_the_article() {
    // The model alone rates this short page's headlines like its sub-heading; the rules decide
    // after the article span, so the defaults remove the same lines as the rules at full
    // strength: everything but the article.
    let (lines, reasons, text) = removed("cross_document = false");
    assert_eq!(lines, furniture(), "{reasons:?}");
    assert!(text.contains("What happens next\nForecasters expect"));
    // Both copies of the teaser block (lines 24–26 and 28–30), and the related links.
    for i in [24, 25, 26, 28, 29, 30] {
        assert_eq!(
            reasons[lines.iter().position(|&l| l == i).unwrap()],
            "repeated_block"
        );
    }
    for i in [9, 10] {
        assert_eq!(
            reasons[lines.iter().position(|&l| l == i).unwrap()],
            "related_link"
        );
    }
}

/// A longer page of the same kind (`fixtures/boilerplate/news-page-long.txt`): a 12-item menu
/// before the breadcrumb, two bylines, a related link right above a sub-heading and another
/// before the article's short last sentence, a "Support our journalism" block, 20 headlines,
/// "Most read", teasers twice and an 8-link footer.
#[test]
fn a_longer_page_keeps_its_sub_headings_and_last_short_sentence() {
    let page = include_str!("fixtures/boilerplate/news-page-long.txt").trim_end();
    let (_, _, text) = run_page(page, "cross_document = false");
    let all: Vec<&str> = page.split('\n').collect();
    let article = [15, 16, 17, 19, 20, 21, 22, 23, 24, 25, 27];
    // The menu's first item, "Home", is the one furniture line left: before the article the
    // model keeps its veto over link lists (tables of contents sit there too), and it rates a
    // page's first line like a title.
    let kept: Vec<&str> = std::iter::once(0).chain(article).map(|i| all[i]).collect();
    assert_eq!(text, kept.join("\n"));
}

//! The report of a small hand-made output folder: the rendered body as a snapshot, the samples
//! the browser gets, and hostile document text that must stay text.

use std::fs;
use std::path::Path;

use millstone_report::{collect, render, render_body, Options};
use serde_json::{json, Value};

const HOSTILE: &str =
    "<script>window.__pwned=1</script></textarea><img src=x onerror=\"window.__pwned=2\"><!--";

fn write_lines(path: &Path, lines: &[Value]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    fs::write(path, text).unwrap();
}

/// A run of 6 documents: 2 kept (one rewritten by boilerplate), 3 dropped (two quality reasons
/// with measured values, one duplicate), 1 rejected; one cluster of 2.
fn fixture(dir: &Path) {
    fs::write(
        dir.join("stats.json"),
        json!({
            "documents": {"read": 6, "kept": 2, "dropped": 3, "rejected": 1},
            "bytes": {"read": 600, "kept": 200, "dropped": 300},
            "words": {"kept": 40, "kept_documents_counted": 2},
            "dropped_by": {"dedup/duplicate": 1, "gopher_quality/gopher_below_alpha_threshold": 1, "gopher_quality/gopher_short_doc": 1},
            "stages": [
                {"name": "boilerplate", "seen": 5, "kept": 5, "dropped": 0, "dropped_by_reason": {}, "counters": {"removed.link_list": 2, "removed.footer": 1}},
                {"name": "gopher_quality", "seen": 5, "kept": 3, "dropped": 2, "dropped_by_reason": {"gopher_short_doc": 1, "gopher_below_alpha_threshold": 1}},
                {"name": "dedup", "seen": 3, "kept": 2, "dropped": 1, "dropped_by_reason": {"duplicate": 1}}
            ],
            "rejected_by": {"invalid_json": 1},
            "skipped": {"request": 4, "status_404": 1}
        })
        .to_string(),
    )
    .unwrap();
    write_lines(
        &dir.join("kept/part-00000.jsonl"),
        &[
            json!({"id": "a", "url": "https://example.org/a", "text": "The council met on Monday to vote on the old bridge and decided to close it.\nIt reopens in May.",
                   "millstone": {"words": 22, "language": "en", "language_score": 0.93,
                                 "removed_lines": [{"line": 0, "reason": "link_list", "text": "Home | News | Sport"},
                                                   {"line": 3, "reason": "footer"}]}}),
            json!({"id": "b", "url": "javascript:alert(1)", "text": format!("A kept page that quotes {HOSTILE} in its text."),
                   "millstone": {"words": 18, "language": "en", "language_score": 0.71}}),
        ],
    );
    write_lines(
        &dir.join("dropped/part-00000.jsonl"),
        &[
            json!({"id": "c", "text": "Too short.", "millstone": {"drop": {"stage": "gopher_quality", "reason": "gopher_short_doc", "value": 2, "threshold": 50}, "language": "en", "language_score": 0.5}}),
            json!({"id": HOSTILE, "text": HOSTILE, "millstone": {"drop": {"stage": "gopher_quality", "reason": "gopher_below_alpha_threshold", "value": 0.31, "threshold": 0.8}, "language": "de", "language_score": 0.2}}),
            json!({"id": "e", "text": "The council met on Monday to vote on the old bridge and decided to close it. Sport next.",
                   "millstone": {"drop": {"stage": "dedup", "reason": "duplicate"}, "duplicate_of": "a", "similarity": 0.82, "cluster": 0}}),
        ],
    );
    write_lines(
        &dir.join("rejected/part-00000.jsonl"),
        &[
            json!({"file": "in.jsonl", "record": 4, "offset": 120, "kind": "invalid_json", "error": "expected value at line 1 column 1", "excerpt": HOSTILE}),
        ],
    );
    write_lines(
        &dir.join("clusters.jsonl"),
        &[json!({"cluster": 0, "size": 2, "representative": "a", "members": []})],
    );
}

#[test]
fn body_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    let mut c = collect(tmp.path(), &Options::default()).unwrap();
    c.title = "fixture".into();
    insta::assert_snapshot!(render_body(&c));
}

#[test]
fn samples_hold_reasons_values_lines_and_pairs() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    let c = collect(tmp.path(), &Options::default()).unwrap();
    let groups: Vec<(&str, &str, &str, u64)> = c
        .samples
        .groups
        .iter()
        .map(|g| (g.kind, g.stage.as_str(), g.reason.as_str(), g.total))
        .collect();
    assert_eq!(
        groups,
        [
            (
                "dropped",
                "gopher_quality",
                "gopher_below_alpha_threshold",
                1
            ),
            ("dropped", "gopher_quality", "gopher_short_doc", 1),
            ("duplicate", "dedup", "duplicate", 1),
            ("rejected", "reader", "invalid_json", 1),
            ("rewritten", "boilerplate", "lines removed", 1),
        ]
    );
    let short = &c.samples.groups[1].items[0];
    assert_eq!(short.drop["value"], json!(2));
    assert_eq!(short.drop["threshold"], json!(50));
    let dup = &c.samples.groups[2].items[0];
    assert_eq!(dup.survivor.as_deref(), Some("a"));
    let shared: String = dup
        .segments
        .iter()
        .filter(|s| s.1)
        .map(|s| s.0.as_str())
        .collect();
    assert!(shared.contains("council met on Monday"), "{shared}");
    assert!(!shared.contains("Sport next"));
    let rewritten = &c.samples.groups[4].items[0];
    let removed: Vec<_> = rewritten
        .lines
        .iter()
        .filter_map(|l| l.removed.as_deref())
        .collect();
    assert_eq!(removed, ["link_list", "footer"]);
    assert_eq!(c.removed_lines["link_list"], (1, 20));
    assert_eq!(c.cluster_sizes.get(&2), Some(&1));
    assert_eq!(
        c.drop_values["gopher_quality/gopher_short_doc"].thresholds,
        ["50"]
    );
}

#[test]
fn hostile_text_never_becomes_markup() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    let html = render(&collect(tmp.path(), &Options::default()).unwrap());
    // The only script elements are the report's own two.
    assert_eq!(html.matches("<script").count(), 2, "{html}");
    assert_eq!(html.matches("</script>").count(), 2);
    assert!(!html.contains("<img"));
    assert!(!html.contains("</textarea>"));
    assert!(!html.contains("onerror=\""));
    assert!(!html.contains("<!--"));
    // The samples are still all there, escaped.
    assert!(html.contains("\\u003cscript\\u003ewindow.__pwned=1"));
}

#[test]
fn a_folder_without_stats_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = collect(tmp.path(), &Options::default()).unwrap_err();
    assert!(err.to_string().contains("stats.json"), "{err}");
    fs::write(tmp.path().join("stats.json"), "[1, 2]").unwrap();
    let err = collect(tmp.path(), &Options::default()).unwrap_err();
    assert!(
        err.to_string().contains("not a millstone stats file"),
        "{err}"
    );
}

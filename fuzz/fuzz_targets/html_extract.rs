//! Arbitrary bytes (as lossy UTF-8) through the HTML parser and `html_extract`'s extractor.
//!
//! Asserts: no panic; the arena is well formed (parents before children, subtrees nested, depth
//! within the documented limit); output lines are non-empty, trimmed, with collapsed spaces; the
//! `precision` output's lines are a subsequence of the `balanced` one's, and those of `recall`'s.
#![no_main]

use libfuzzer_sys::fuzz_target;
use millstone_html::dom::{parse, MAX_DEPTH, NONE};
use millstone_html::{extract, Favor, Format, Options};

fn is_subsequence(small: &str, big: &str) -> bool {
    let mut lines = big.lines();
    small.lines().all(|l| lines.any(|m| m == l))
}

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let dom = parse(&html);
    for (i, n) in dom.nodes.iter().enumerate() {
        assert!((n.end as usize) > i && (n.end as usize) <= dom.nodes.len());
        assert!(n.depth as usize <= MAX_DEPTH);
        if n.parent != NONE {
            let p = &dom.nodes[n.parent as usize];
            assert!((n.parent as usize) < i && n.end <= p.end && n.depth == p.depth + 1);
        }
    }
    let mut outs = Vec::new();
    for favor in [Favor::Precision, Favor::Balanced, Favor::Recall] {
        let options = Options { favor, ..Options::default() };
        let got = extract(&html, &options);
        for line in got.text.lines() {
            assert!(!line.is_empty() && line.trim() == line && !line.contains("  "), "{line:?}");
        }
        assert!(got.kept_blocks <= got.blocks);
        assert!((0.0..=1.0).contains(&got.confidence));
        outs.push(got.text);
    }
    assert!(is_subsequence(&outs[0], &outs[1]) && is_subsequence(&outs[1], &outs[2]));
    let md = Options { format: Format::Markdown, comments: false, tables: false, ..Options::default() };
    let _ = extract(&html, &md);
});

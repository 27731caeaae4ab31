//! Hostile HTML: each case must finish without panic or stack overflow, in time and memory
//! linear in its size (the documented limits in `millstone_html::dom`), and give sane output.

use millstone_html::dom::{parse, MAX_DEPTH};
use millstone_html::{extract, Options};

fn run(html: &str) -> millstone_html::Extracted {
    extract(html, &Options::default())
}

#[test]
fn hundred_thousand_nested_elements() {
    for tag in ["div", "span", "b", "li", "table", "p", "x-custom"] {
        let html =
            format!("<{tag}>").repeat(100_000) + "deep text" + &format!("</{tag}>").repeat(100_000);
        let dom = parse(&html);
        assert!(
            dom.nodes.iter().all(|n| n.depth as usize <= MAX_DEPTH),
            "{tag}"
        );
        let _ = run(&html);
    }
    // Unclosed, interleaved and mis-nested.
    let html = "<div><span><p><li><td>".repeat(30_000);
    let _ = run(&html);
}

#[test]
fn fifty_megabyte_page_of_only_script() {
    let html = format!(
        "<html><head><script>{}</script></head><body></body></html>",
        "var x = 1 < 2;\n".repeat((50 << 20) / 15 + 1)
    );
    assert!(html.len() >= 50 << 20);
    let got = run(&html);
    assert_eq!(got.text, "");
    // An unterminated script swallows the rest of the page.
    let got = run(&format!(
        "<p>before</p><script>{}",
        "<p>x</p>".repeat(100_000)
    ));
    assert!(
        !got.text.contains('x'),
        "{}",
        &got.text[..got.text.len().min(100)]
    );
}

#[test]
fn large_page_of_paragraphs() {
    let paras: String = (0..100_000)
        .map(|i| format!("<p>Sentence {i} is one of many in a very long page, and it ends with a period.</p>\n"))
        .collect();
    let html = format!("<html><body><article>{paras}</article></body></html>");
    let got = run(&html);
    assert!(got.text.lines().count() > 1000);
}

#[test]
fn broken_tags_and_huge_attributes() {
    let huge = "a".repeat(10 << 20);
    let cases = [
        format!("<div class=\"{huge}\">text in a div with a huge class</div>"),
        format!("<div class='{huge}"),
        format!("<p title={huge}>x</p>"),
        format!("<{huge}>text</{huge}>"),
        "<<<<>>>></></><!><!--<!-- --><? ?><p <p <p>".repeat(100_000),
        "&#99999999999;&#x;&amp&lt;&".repeat(100_000),
        "<a href='x'>".repeat(100_000),
        "</div>".repeat(200_000),
        "<tr><td>".repeat(100_000),
        "\u{0}\u{FFFD}\u{202E}<p>\u{0}</p>".repeat(10_000),
    ];
    for html in &cases {
        let got = run(html);
        assert!(got.text.lines().all(|l| !l.is_empty()));
    }
}

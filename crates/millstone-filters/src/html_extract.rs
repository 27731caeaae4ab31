//! `html_extract`: HTML in `text` → the page's main text, one line per block (paragraph,
//! heading, list item, table row, pre), with navigation, menus, headers and footers, sidebars,
//! ads, cookie banners, share bars and "related" lists left out. The extractor is
//! [`millstone_html`]: a tolerant parser into a flat arena and a block classifier (gradient-boosted
//! trees over DOM features) trained on the tune split of WCXB dev.
//!
//! Options, in trafilatura's words where it has one:
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `favor` | `"balanced"` | `"precision"` (FineWeb ran trafilatura with `favour_precision`), `"balanced"` or `"recall"`: the block probability threshold |
//! | `tables` | `true` | keep text inside tables |
//! | `comments` | `true` | keep text inside elements a page marks as comments |
//! | `format` | `"text"` | `"text"` or `"markdown"` (`#` headings, `- ` list items, fenced pre blocks) |
//! | `keep_html` | none | an output field to keep the raw HTML in (the HTML is not written otherwise) |
//! | `max_html_bytes` | 50 MiB | longer pages are cut to this many bytes before parsing (counted as `truncated`) |
//!
//! Attributes: `title`, `author`, `date`, `lang` (what the page declares; absent when empty) and
//! `extract_confidence` (the kept blocks' mean content probability, weighted by characters).
//!
//! Drops: `no_main_content` when no block is kept.
//!
//! Hostile HTML costs time and memory linear in its size (see [`millstone_html::dom`] for the
//! limits: nesting flattened below 512 levels, attribute values cut at 512 bytes).
//!
//! Not for: decoding bytes to text (the readers do, with the page's charset) or pages that are
//! not HTML (a plain-text page becomes one block, classified like any other).

use millstone_core::options::{OptionSpec as Opt, OptionType as T, Range};
use millstone_core::{Document, Stage, StageOptions, StageStats, Value, Verdict};
use millstone_html::{extract, Favor, Format, Options};
use serde::{Deserialize, Serialize};

use crate::registry::StageConfig;
use crate::ConfigError;

pub const NAME: &str = "html_extract";
pub const SUMMARY: &str =
    "replace HTML with its main text (one line per block) and the page's title, author, date, language";
const REASON: &str = "no_main_content";

/// Options; see the module docs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub favor: Favor,
    pub tables: bool,
    pub comments: bool,
    pub format: Format,
    pub keep_html: Option<String>,
    pub max_html_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        let o = Options::default();
        Config {
            favor: o.favor,
            tables: o.tables,
            comments: o.comments,
            format: o.format,
            keep_html: None,
            max_html_bytes: 50 << 20,
        }
    }
}

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new(
            "favor",
            T::Choice(&["precision", "balanced", "recall"]),
            "which side of the precision/recall trade-off to favour (trafilatura's favor_*)",
        ),
        Opt::new("tables", T::Bool, "keep the rows of content tables"),
        Opt::new(
            "comments",
            T::Bool,
            "keep comment threads under the main content",
        ),
        Opt::new(
            "format",
            T::Choice(&["text", "markdown"]),
            "text: one line per block; markdown: headings, list items and code marked",
        ),
        Opt::new(
            "keep_html",
            T::String,
            "copy the raw HTML into this field of the output record (not kept by default)",
        ),
        Opt::new(
            "max_html_bytes",
            T::Integer,
            "longer pages are cut to this many bytes before parsing (counted as truncated)",
        )
        .range(Range::at_least(1.0)),
    ];
}

impl StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
        if self.max_html_bytes == 0 {
            return Err(ConfigError::invalid(
                NAME,
                "max_html_bytes must be at least 1",
            ));
        }
        if self.keep_html.as_deref() == Some("") {
            return Err(ConfigError::invalid(
                NAME,
                "keep_html is an empty field name",
            ));
        }
        Ok(Box::new(HtmlExtract {
            options: Options {
                favor: self.favor,
                tables: self.tables,
                comments: self.comments,
                format: self.format,
            },
            keep_html: self.keep_html,
            max_html_bytes: self.max_html_bytes,
        }))
    }
}

/// The built stage.
pub struct HtmlExtract {
    options: Options,
    keep_html: Option<String>,
    max_html_bytes: usize,
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl Stage for HtmlExtract {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        let html = doc.take_text();
        if html.len() > self.max_html_bytes {
            stats.count("truncated", 1);
        }
        let got = extract(clip(&html, self.max_html_bytes), &self.options);
        for (key, value) in [
            ("title", &got.title),
            ("author", &got.author),
            ("date", &got.date),
            ("lang", &got.lang),
        ] {
            if !value.is_empty() {
                doc.attributes
                    .insert(key.into(), Value::from(value.as_str()));
            }
        }
        doc.attributes.insert(
            "extract_confidence".into(),
            Value::from((f64::from(got.confidence) * 1e4).round() / 1e4),
        );
        stats.count("blocks", got.blocks as u64);
        stats.count("blocks_kept", got.kept_blocks as u64);
        if let Some(field) = &self.keep_html {
            doc.fields.insert(field.clone(), Value::from(html));
        }
        let empty = got.text.is_empty();
        doc.set_text(got.text);
        if empty {
            Verdict::drop(REASON)
        } else {
            Verdict::Keep
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build_stage;

    fn stage(options: &str) -> Box<dyn Stage> {
        build_stage(NAME, &toml::from_str(options).unwrap()).unwrap()
    }

    const PAGE: &str = "<html lang=en><head><title>Bread at home</title>\
        <meta name=author content='A. Baker'><meta property=article:published_time content=2024-03-01>\
        </head><body><nav><ul><li><a href=/>Home</a></li><li><a href=/recipes>Recipes</a></li>\
        <li><a href=/about>About us</a></li></ul></nav><article><h1>Bread at home</h1>\
        <p>Baking bread at home takes flour, water, salt and yeast, and a little patience while \
        the dough rises on the counter for a few hours.</p><p>Knead the dough for ten minutes, \
        until it is smooth and springs back when pressed with a finger, then leave it covered.</p>\
        <table><tr><td>Flour</td><td>500 g</td></tr><tr><td>Water</td><td>350 g</td></tr></table>\
        </article><footer><p>Copyright 2024 Bakery. All rights reserved.</p></footer></body></html>";

    #[test]
    fn extracts_main_text_and_metadata() {
        let mut doc = Document::new("d", PAGE);
        let mut stats = StageStats::default();
        assert_eq!(stage("").process(&mut doc, &mut stats), Verdict::Keep);
        let text = doc.text();
        assert!(text.contains("Baking bread at home takes flour"), "{text}");
        assert!(text.contains("Knead the dough"), "{text}");
        assert!(!text.contains("About us"), "{text}");
        assert!(!text.contains("All rights reserved"), "{text}");
        assert_eq!(doc.attributes["title"], "Bread at home");
        assert_eq!(doc.attributes["author"], "A. Baker");
        assert_eq!(doc.attributes["date"], "2024-03-01");
        assert_eq!(doc.attributes["lang"], "en");
        let confidence = doc.attributes["extract_confidence"].as_f64().unwrap();
        assert!(confidence > 0.5 && confidence <= 1.0, "{confidence}");
        assert!(stats.counters["blocks_kept"] >= 2);
        assert!(!doc.fields.contains_key("html"));
    }

    #[test]
    fn tables_off_markdown_and_kept_html() {
        let mut doc = Document::new("d", PAGE);
        let s = stage("tables = false\nformat = \"markdown\"\nkeep_html = \"html\"");
        assert_eq!(
            s.process(&mut doc, &mut StageStats::default()),
            Verdict::Keep
        );
        assert!(!doc.text().contains("500 g"), "{}", doc.text());
        assert!(doc.text().contains("Knead the dough"));
        assert_eq!(doc.fields["html"], PAGE);
    }

    #[test]
    fn page_without_main_text_is_dropped() {
        for html in [
            "",
            "<script>var a = 1;</script>",
            "<html><head><title>x</title></head></html>",
        ] {
            let mut doc = Document::new("d", html);
            let verdict = stage("").process(&mut doc, &mut StageStats::default());
            assert_eq!(verdict, Verdict::drop(REASON), "{html:?}");
            assert_eq!(doc.text(), "");
        }
    }

    #[test]
    fn long_pages_are_cut_and_counted() {
        let mut doc = Document::new("d", PAGE.repeat(3));
        let mut stats = StageStats::default();
        let s = stage(&format!("max_html_bytes = {}", PAGE.len() + 7));
        assert_eq!(s.process(&mut doc, &mut stats), Verdict::Keep);
        assert_eq!(stats.counters["truncated"], 1);
    }

    #[test]
    fn bad_options_are_configuration_errors() {
        for bad in [
            "favor = \"fast\"",
            "max_html_bytes = 0",
            "keep_html = \"\"",
            "tabels = true",
        ] {
            let table: toml::Table = toml::from_str(bad).unwrap();
            assert!(build_stage(NAME, &table).is_err(), "{bad}");
        }
    }
}

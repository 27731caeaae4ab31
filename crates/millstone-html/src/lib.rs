//! millstone's HTML main-content extraction: HTML in, the page's main text out, one line per
//! block (paragraph, heading, list item, table row, pre), with the page's title, author, date and
//! language.
//!
//! - [`dom`]: a tolerant parser into a flat arena (no recursion anywhere; documented limits for
//!   hostile input).
//! - [`blocks`]: the page cut into blocks, each with DOM evidence (tag path, class/id words, link
//!   density, position, sibling repetition, container statistics).
//! - [`model`]: the embedded block classifier, gradient-boosted trees trained on the tune split of
//!   WCXB dev (`tools/html_extract/train.py`).
//! - [`extract`]: the entry point, with [`Options`] in trafilatura's vocabulary.
//!
//! Not for: fetching, charset decoding (the caller passes UTF-8 text) or rendering.
//!
//! ```
//! use millstone_html::{extract, Options};
//! let html = "<html><head><title>A page</title></head><body><nav><a href=/>Home</a></nav>\
//!             <article><h1>A page</h1><p>The first paragraph of the article says something \
//!             useful at some length, as articles do.</p></article></body></html>";
//! let out = extract(html, &Options::default());
//! assert!(out.text.contains("The first paragraph"));
//! assert!(!out.text.contains("Home"));
//! assert_eq!(out.title, "A page");
//! ```

pub mod blocks;
pub mod dom;
mod entities;
pub mod meta;
pub mod model;
pub mod tags;

use blocks::Block;
use tags::Tag;

/// Which side of the precision/recall trade-off to favour (trafilatura's `favor_precision` /
/// `favor_recall`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Favor {
    /// Keep only blocks the model is surer about.
    Precision,
    /// The threshold tuned for word F1.
    #[default]
    Balanced,
    /// Keep blocks the model is less sure about.
    Recall,
}

/// Output text format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One line per block.
    #[default]
    Text,
    /// Headings as `#`, list items as `- `, pre blocks fenced.
    Markdown,
}

/// Extraction options.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Precision/recall trade-off.
    pub favor: Favor,
    /// Keep blocks inside tables.
    pub tables: bool,
    /// Keep blocks inside elements a page marks as comments.
    pub comments: bool,
    /// Output format.
    pub format: Format,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            favor: Favor::Balanced,
            tables: true,
            comments: true,
            format: Format::Text,
        }
    }
}

/// What [`extract`] found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extracted {
    /// The main text, one line per block; empty when the page has none.
    pub text: String,
    /// Page title.
    pub title: String,
    /// Author, if the page names one.
    pub author: String,
    /// Publication date as the page writes it.
    pub date: String,
    /// Language the page declares.
    pub lang: String,
    /// Mean content probability of the kept blocks, weighted by characters (0 when none kept).
    pub confidence: f32,
    /// Blocks on the page and blocks kept.
    pub blocks: usize,
    /// Blocks kept.
    pub kept_blocks: usize,
}

/// Content probability of each block.
pub fn score(blocks: &[Block]) -> Vec<f32> {
    model::predict(blocks)
}

/// Extracts the main content of `html`.
pub fn extract(html: &str, options: &Options) -> Extracted {
    let dom = dom::parse(html);
    let blocks = blocks::blocks(&dom);
    let probs = score(&blocks);
    let threshold = model::threshold(options.favor);
    let mut text = String::new();
    let mut kept = 0;
    let (mut weighted, mut weight) = (0f32, 0f32);
    for (b, &p) in blocks.iter().zip(&probs) {
        if p < threshold || (!options.tables && b.in_table) || (!options.comments && b.in_comments)
        {
            continue;
        }
        kept += 1;
        weighted += p * b.chars as f32;
        weight += b.chars as f32;
        if !text.is_empty() {
            text.push('\n');
        }
        if options.format == Format::Markdown {
            let level = b.tag.heading_level();
            if level > 0 {
                text.push_str(&"#".repeat(level as usize));
                text.push(' ');
            } else if b.tag == Tag::LI {
                text.push_str("- ");
            } else if b.tag == Tag::PRE {
                text.push_str("```\n");
                text.push_str(&b.text);
                text.push_str("\n```");
                continue;
            }
        }
        text.push_str(&b.text);
    }
    let m = meta::metadata(&dom);
    Extracted {
        text,
        title: m.title,
        author: m.author,
        date: m.date,
        lang: m.lang,
        confidence: if weight > 0.0 { weighted / weight } else { 0.0 },
        blocks: blocks.len(),
        kept_blocks: kept,
    }
}

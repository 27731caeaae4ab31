//! Interned HTML tag names: the tags the parser and the extractor treat specially get a fixed
//! small number; every other name is [`Tag::OTHER`] (its name is not kept).
//!
//! Not for: validating HTML or knowing every element; unknown tags are ordinary containers.

/// A tag name as a small number. [`Tag::TEXT`] marks text nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub u8);

macro_rules! tags {
    ($($konst:ident = $name:literal),* $(,)?) => {
        impl Tag {
            /// A text node (not an element).
            pub const TEXT: Tag = Tag(0);
            /// An element whose name is not in the table.
            pub const OTHER: Tag = Tag(1);
            tags!(@consts 2u8; $($konst),*);
        }
        /// Names of the interned tags, indexed by `Tag.0` (0 and 1: text and other).
        pub static NAMES: &[&str] = &["#text", "#other", $($name),*];
        /// The tag for a lowercase ASCII name (binary search in a sorted table).
        pub fn lookup(lower: &[u8]) -> Tag {
            static SORTED: std::sync::LazyLock<Vec<(&'static [u8], Tag)>> =
                std::sync::LazyLock::new(|| {
                    let mut v = vec![$(($name.as_bytes(), Tag::$konst)),*];
                    v.sort_unstable();
                    v
                });
            SORTED
                .binary_search_by(|(n, _)| (*n).cmp(lower))
                .map_or(Tag::OTHER, |k| SORTED[k].1)
        }
    };
    (@consts $n:expr; $first:ident $(, $rest:ident)*) => {
        #[allow(missing_docs)]
        pub const $first: Tag = Tag($n);
        tags!(@consts $n + 1; $($rest),*);
    };
    (@consts $n:expr;) => {};
}

tags! {
    A = "a", ABBR = "abbr", ADDRESS = "address", APPLET = "applet", AREA = "area",
    ARTICLE = "article", ASIDE = "aside", AUDIO = "audio", B = "b", BASE = "base", BR = "br",
    BLOCKQUOTE = "blockquote", BODY = "body", BUTTON = "button", CANVAS = "canvas",
    CAPTION = "caption", CENTER = "center", CITE = "cite", CODE = "code", COL = "col",
    COLGROUP = "colgroup", DATALIST = "datalist", DD = "dd", DEL = "del", DETAILS = "details",
    DIALOG = "dialog", DIV = "div", DL = "dl", DT = "dt", EM = "em", EMBED = "embed",
    FIELDSET = "fieldset", FIGCAPTION = "figcaption", FIGURE = "figure", FONT = "font",
    FOOTER = "footer", FORM = "form", FRAME = "frame", FRAMESET = "frameset", H1 = "h1",
    H2 = "h2", H3 = "h3", H4 = "h4", H5 = "h5", H6 = "h6", HEAD = "head", HEADER = "header",
    HGROUP = "hgroup", HR = "hr", HTML = "html", I = "i", IFRAME = "iframe", IMG = "img",
    INPUT = "input", INS = "ins", KBD = "kbd", KEYGEN = "keygen", LABEL = "label",
    LEGEND = "legend", LI = "li", LINK = "link", MAIN = "main", MAP = "map", MARK = "mark",
    MARQUEE = "marquee", MATH = "math", MENU = "menu", META = "meta", NAV = "nav",
    NOEMBED = "noembed", NOFRAMES = "noframes", NOSCRIPT = "noscript", OBJECT = "object",
    OL = "ol", OPTGROUP = "optgroup", OPTION = "option", OUTPUT = "output", P = "p",
    PARAM = "param", PICTURE = "picture", PLAINTEXT = "plaintext", PRE = "pre",
    PROGRESS = "progress", Q = "q", S = "s", SAMP = "samp", SCRIPT = "script",
    SECTION = "section", SELECT = "select", SMALL = "small", SOURCE = "source", SPAN = "span",
    STRIKE = "strike", STRONG = "strong", STYLE = "style", SUB = "sub", SUMMARY = "summary",
    SUP = "sup", SVG = "svg", TABLE = "table", TBODY = "tbody", TD = "td",
    TEMPLATE = "template", TEXTAREA = "textarea", TFOOT = "tfoot", TH = "th", THEAD = "thead",
    TIME = "time", TITLE = "title", TR = "tr", TRACK = "track", TT = "tt", U = "u", UL = "ul",
    VAR = "var", VIDEO = "video", WBR = "wbr", XMP = "xmp",
}

impl Tag {
    /// The tag's name (`#other` for uninterned names, `#text` for text).
    pub fn name(self) -> &'static str {
        NAMES.get(self.0 as usize).copied().unwrap_or("#other")
    }

    /// Elements that never have children.
    pub fn is_void(self) -> bool {
        matches!(
            self,
            Tag::AREA
                | Tag::BASE
                | Tag::BR
                | Tag::COL
                | Tag::EMBED
                | Tag::HR
                | Tag::IMG
                | Tag::INPUT
                | Tag::KEYGEN
                | Tag::LINK
                | Tag::META
                | Tag::PARAM
                | Tag::SOURCE
                | Tag::TRACK
                | Tag::WBR
        )
    }

    /// Elements whose content is raw text up to their own end tag.
    pub fn is_raw_text(self) -> bool {
        matches!(
            self,
            Tag::SCRIPT
                | Tag::STYLE
                | Tag::TEXTAREA
                | Tag::TITLE
                | Tag::XMP
                | Tag::IFRAME
                | Tag::NOEMBED
                | Tag::NOFRAMES
                | Tag::PLAINTEXT
        )
    }

    /// Start tags that close an open `<p>` (HTML's "close a p element" list).
    pub fn closes_p(self) -> bool {
        matches!(
            self,
            Tag::ADDRESS
                | Tag::ARTICLE
                | Tag::ASIDE
                | Tag::BLOCKQUOTE
                | Tag::CENTER
                | Tag::DETAILS
                | Tag::DIALOG
                | Tag::DIV
                | Tag::DL
                | Tag::FIELDSET
                | Tag::FIGCAPTION
                | Tag::FIGURE
                | Tag::FOOTER
                | Tag::FORM
                | Tag::H1
                | Tag::H2
                | Tag::H3
                | Tag::H4
                | Tag::H5
                | Tag::H6
                | Tag::HEADER
                | Tag::HGROUP
                | Tag::HR
                | Tag::MAIN
                | Tag::MENU
                | Tag::NAV
                | Tag::OL
                | Tag::P
                | Tag::PRE
                | Tag::SECTION
                | Tag::TABLE
                | Tag::UL
                | Tag::LI
                | Tag::DD
                | Tag::DT
        )
    }

    /// Elements that bound the search for an element to close implicitly.
    pub fn is_scope_boundary(self) -> bool {
        matches!(
            self,
            Tag::TABLE
                | Tag::TD
                | Tag::TH
                | Tag::CAPTION
                | Tag::HTML
                | Tag::BUTTON
                | Tag::APPLET
                | Tag::MARQUEE
                | Tag::OBJECT
                | Tag::TEMPLATE
        )
    }

    /// `h1` … `h6` as 1 … 6, anything else 0.
    pub fn heading_level(self) -> u8 {
        match self {
            Tag::H1 => 1,
            Tag::H2 => 2,
            Tag::H3 => 3,
            Tag::H4 => 4,
            Tag::H5 => 5,
            Tag::H6 => 6,
            _ => 0,
        }
    }

    /// Elements that start a new line of text (a block) in the extractor's output.
    pub fn is_block(self) -> bool {
        self.heading_level() > 0
            || matches!(
                self,
                Tag::P
                    | Tag::DIV
                    | Tag::LI
                    | Tag::TR
                    | Tag::TD
                    | Tag::TH
                    | Tag::PRE
                    | Tag::BLOCKQUOTE
                    | Tag::DD
                    | Tag::DT
                    | Tag::DL
                    | Tag::UL
                    | Tag::OL
                    | Tag::TABLE
                    | Tag::CAPTION
                    | Tag::FIGCAPTION
                    | Tag::FIGURE
                    | Tag::SECTION
                    | Tag::ARTICLE
                    | Tag::ASIDE
                    | Tag::HEADER
                    | Tag::FOOTER
                    | Tag::NAV
                    | Tag::MAIN
                    | Tag::ADDRESS
                    | Tag::CENTER
                    | Tag::DETAILS
                    | Tag::SUMMARY
                    | Tag::FORM
                    | Tag::FIELDSET
                    | Tag::LEGEND
                    | Tag::HR
                    | Tag::BR
                    | Tag::BODY
                    | Tag::MENU
                    | Tag::DIALOG
                    | Tag::HGROUP
                    | Tag::OPTION
                    | Tag::TBODY
                    | Tag::THEAD
                    | Tag::TFOOT
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_looks_up_to_its_own_tag() {
        for (i, name) in NAMES.iter().enumerate().skip(2) {
            assert_eq!(lookup(name.as_bytes()), Tag(i as u8), "{name}");
            assert_eq!(Tag(i as u8).name(), *name);
        }
        assert_eq!(lookup(b"custom-element"), Tag::OTHER);
    }
}

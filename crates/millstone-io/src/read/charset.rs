//! Decoding a web page's bytes to UTF-8: the byte-order mark, then the charset the HTTP header
//! declares, then a `<meta>` declaration in the first 1024 bytes, then detection (chardetng) —
//! decoding with encoding_rs (WHATWG labels and decoders, as browsers do).
//!
//! For: HTML and text bodies of WARC/ARC records and HTML files. Not for: JSONL or text files,
//! which are UTF-8 by contract ([`super::Utf8Policy`]).

use encoding_rs::{Encoding, UTF_8};

/// How many bytes of a page the `<meta>` prescan looks at (the HTML standard's figure).
const META_PRESCAN: usize = 1024;

/// A decoded body: the text, the encoding used, and whether any byte was malformed in it
/// (replaced by U+FFFD).
pub(crate) struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    pub replaced: bool,
}

/// Decode `body`. `declared` is the charset parameter of the HTTP (or WARC) `Content-Type`;
/// `html` turns on the `<meta>` prescan.
pub(crate) fn decode(body: &[u8], declared: Option<&str>, html: bool) -> Decoded {
    if let Some((enc, bom)) = Encoding::for_bom(body) {
        return run(enc, &body[bom..]);
    }
    let declared = declared
        .and_then(|l| Encoding::for_label(l.trim().as_bytes()))
        .or_else(|| html.then(|| meta_charset(body)).flatten())
        // A page cannot declare itself UTF-16 in ASCII bytes: the standard reads that as UTF-8.
        .map(|e| {
            if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE {
                UTF_8
            } else {
                e
            }
        });
    if let Some(enc) = declared {
        return run(enc, body);
    }
    // Valid UTF-8 is UTF-8: the common case, without running the detector.
    if let Ok(s) = std::str::from_utf8(body) {
        return Decoded {
            text: s.to_owned(),
            encoding: UTF_8,
            replaced: false,
        };
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(body, true);
    run(detector.guess(None, true), body)
}

fn run(enc: &'static Encoding, bytes: &[u8]) -> Decoded {
    let (text, replaced) = enc.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: enc,
        replaced,
    }
}

/// The charset a `<meta charset=…>` or `<meta http-equiv content="…; charset=…">` tag in the
/// first [`META_PRESCAN`] bytes declares, if it names an encoding.
fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(META_PRESCAN)];
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'<', &head[at..]) {
        let tag_start = at + i;
        let rest = &head[tag_start + 1..];
        at = tag_start + 1;
        if rest.len() < 5 || !rest[..4].eq_ignore_ascii_case(b"meta") {
            continue;
        }
        let end = memchr::memchr(b'>', rest).unwrap_or(rest.len());
        let tag = &rest[4..end];
        if let Some(label) = charset_in(tag) {
            if let Some(enc) = Encoding::for_label(label) {
                return Some(enc);
            }
        }
    }
    None
}

/// The value after `charset` `=` in a tag's bytes (quotes and spaces around it dropped).
fn charset_in(tag: &[u8]) -> Option<&[u8]> {
    let pos = tag
        .windows(7)
        .position(|w| w.eq_ignore_ascii_case(b"charset"))?;
    let mut rest = &tag[pos + 7..];
    rest = trim_start(rest);
    rest = rest.strip_prefix(b"=")?;
    rest = trim_start(rest);
    while let [b'"' | b'\'', tail @ ..] = rest {
        rest = tail;
    }
    let len = rest
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b"-_.:".contains(&b)))
        .unwrap_or(rest.len());
    (len > 0).then(|| &rest[..len])
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// The `charset` parameter of a `Content-Type` value (`text/html; charset="utf-8"`).
pub(crate) fn content_type_charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_bom_header_meta_detection() {
        // BOM beats a contradicting header.
        let d = decode(b"\xEF\xBB\xBFcaf\xC3\xA9", Some("iso-8859-1"), true);
        assert_eq!((d.text.as_str(), d.encoding.name()), ("café", "UTF-8"));
        // Header beats meta.
        let page = b"<meta charset=\"utf-8\">caf\xE9";
        let d = decode(page, Some("windows-1252"), true);
        assert_eq!(d.encoding.name(), "windows-1252");
        assert!(d.text.ends_with("café"));
        // Meta when there is no header; http-equiv form too.
        let d = decode(
            b"<head><META http-equiv=Content-Type content='text/html; charset=koi8-r'>\xE1",
            None,
            true,
        );
        assert_eq!(d.encoding.name(), "KOI8-R");
        // Valid UTF-8 without declarations.
        let d = decode("naïve".as_bytes(), None, true);
        assert_eq!((d.encoding.name(), d.replaced), ("UTF-8", false));
        // Detection: Latin-1 bytes of German text.
        let d = decode(
            b"Die Stra\xDFe f\xFChrt \xFCber die Br\xFCcke, sch\xF6n und gr\xFCn.",
            None,
            true,
        );
        assert_eq!(d.encoding.name(), "windows-1252");
        assert!(d.text.contains("Straße führt über"));
        // A declared label that names no encoding is ignored.
        let d = decode(b"plain", Some("no-such-charset"), false);
        assert_eq!(d.encoding.name(), "UTF-8");
        // UTF-16 in a meta tag means UTF-8.
        let d = decode(b"<meta charset=utf-16>x", None, true);
        assert_eq!(d.encoding.name(), "UTF-8");
    }

    #[test]
    fn content_type_parameter() {
        assert_eq!(
            content_type_charset("text/html; Charset=\"ISO-8859-1\""),
            Some("ISO-8859-1")
        );
        assert_eq!(content_type_charset("text/html"), None);
    }
}

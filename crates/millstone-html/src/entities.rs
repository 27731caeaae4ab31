//! Character references in text and attribute values: numeric (`&#233;`, `&#xE9;`) and the
//! named references that matter for words and punctuation (Latin-1, quotes, dashes, spaces).
//!
//! Not for: the full HTML5 table of 2,231 names; an unknown name is left as written.

/// Latin-1 names for U+00A0 … U+00FF, in code point order.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// Other named references, with their characters.
const OTHER: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("ndash", '\u{2013}'),
    ("mdash", '\u{2014}'),
    ("lsquo", '\u{2018}'),
    ("rsquo", '\u{2019}'),
    ("sbquo", '\u{201A}'),
    ("ldquo", '\u{201C}'),
    ("rdquo", '\u{201D}'),
    ("bdquo", '\u{201E}'),
    ("bull", '\u{2022}'),
    ("hellip", '\u{2026}'),
    ("prime", '\u{2032}'),
    ("trade", '\u{2122}'),
    ("euro", '\u{20AC}'),
    ("larr", '\u{2190}'),
    ("rarr", '\u{2192}'),
    ("uarr", '\u{2191}'),
    ("darr", '\u{2193}'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("zwnj", '\u{200C}'),
    ("zwj", '\u{200D}'),
    ("lrm", '\u{200E}'),
    ("rlm", '\u{200F}'),
    ("OElig", '\u{0152}'),
    ("oelig", '\u{0153}'),
    ("Scaron", '\u{0160}'),
    ("scaron", '\u{0161}'),
    ("Yuml", '\u{0178}'),
    ("fnof", '\u{0192}'),
    ("circ", '\u{02C6}'),
    ("tilde", '\u{02DC}'),
    ("dagger", '\u{2020}'),
    ("Dagger", '\u{2021}'),
    ("permil", '\u{2030}'),
    ("lsaquo", '\u{2039}'),
    ("rsaquo", '\u{203A}'),
    ("minus", '\u{2212}'),
    ("star", '\u{2606}'),
    ("check", '\u{2713}'),
    ("hearts", '\u{2665}'),
    ("NewLine", '\n'),
    ("Tab", '\t'),
];

/// The character a reference name (without `&` and `;`) stands for.
fn named(name: &str) -> Option<char> {
    if let Some(i) = LATIN1.iter().position(|n| *n == name) {
        return char::from_u32(0xA0 + i as u32);
    }
    OTHER.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// A numeric reference's character, with HTML's replacements for NUL, surrogates and
/// out-of-range values.
fn numeric(digits: &str, hex: bool) -> char {
    let value = u32::from_str_radix(digits, if hex { 16 } else { 10 }).unwrap_or(0x110000);
    match value {
        0 => '\u{FFFD}',
        // Windows-1252's C1 range, as browsers read it.
        0x80 => '\u{20AC}',
        0x91 => '\u{2018}',
        0x92 => '\u{2019}',
        0x93 => '\u{201C}',
        0x94 => '\u{201D}',
        0x96 => '\u{2013}',
        0x97 => '\u{2014}',
        v => char::from_u32(v).unwrap_or('\u{FFFD}'),
    }
}

/// Appends `raw` to `out` with character references replaced.
pub fn decode_into(raw: &str, out: &mut String) {
    let bytes = raw.as_bytes();
    let mut last = 0;
    let mut search = 0;
    while let Some(rel) = memchr::memchr(b'&', &bytes[search..]) {
        let amp = search + rel;
        search = amp + 1;
        let rest = &bytes[amp + 1..];
        let (ch, len) = if rest.first() == Some(&b'#') {
            let hex = matches!(rest.get(1), Some(b'x' | b'X'));
            let start = if hex { 2 } else { 1 };
            let digits = rest[start..]
                .iter()
                .take(8)
                .take_while(|b| {
                    if hex {
                        b.is_ascii_hexdigit()
                    } else {
                        b.is_ascii_digit()
                    }
                })
                .count();
            if digits == 0 {
                continue;
            }
            let end = start + digits;
            let text = &raw[amp + 1 + start..amp + 1 + end];
            let semi = usize::from(rest.get(end) == Some(&b';'));
            (numeric(text, hex), end + semi)
        } else {
            let name_len = rest
                .iter()
                .take(10)
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            if name_len == 0 {
                continue;
            }
            let name = &raw[amp + 1..amp + 1 + name_len];
            match named(name) {
                Some(c) => {
                    let semi = usize::from(rest.get(name_len) == Some(&b';'));
                    (c, name_len + semi)
                }
                None => continue,
            }
        };
        out.push_str(&raw[last..amp]);
        out.push(ch);
        last = amp + 1 + len;
        search = last;
    }
    out.push_str(&raw[last..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str) -> String {
        let mut out = String::new();
        decode_into(s, &mut out);
        out
    }

    #[test]
    fn named_numeric_and_unknown_references() {
        assert_eq!(decode("caf&eacute; &amp; cr&#232;me"), "café & crème");
        assert_eq!(decode("&#x41;&#66;&#X43"), "ABC");
        assert_eq!(
            decode("&nbsp;&mdash;&unknown; & &#;"),
            "\u{a0}\u{2014}&unknown; & &#;"
        );
        assert_eq!(
            decode("&#0;&#xD800;&#99999999;&#150;"),
            "\u{FFFD}\u{FFFD}\u{FFFD}\u{2013}"
        );
        assert_eq!(decode("ends with &"), "ends with &");
    }

    #[test]
    fn latin1_table_is_in_code_point_order() {
        assert_eq!(named("nbsp"), Some('\u{a0}'));
        assert_eq!(named("copy"), Some('©'));
        assert_eq!(named("Eacute"), Some('É'));
        assert_eq!(named("szlig"), Some('ß'));
        assert_eq!(named("yuml"), Some('ÿ'));
    }
}

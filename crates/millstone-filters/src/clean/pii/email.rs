//! E-mail addresses: found from each `@`, expanding left over the local part and right over the
//! domain, then validated.
//!
//! What counts (close to datatrove's regex, with three changes for web text):
//! - local part: ASCII letters, digits and `. _ + -`, starting with a letter or digit, no `..`,
//!   not ending in `.`, at most 64 bytes. RFC 5322 also allows ``! # $ % & ' * / = ? ^ ` { | } ~``,
//!   which in crawled text are nearly always the punctuation *around* an address
//!   (`?to=ann@…`, `'ann@…'`), so they end the local part instead of belonging to it;
//! - domain: at least two dot-separated labels of ASCII letters, digits and `-` (no label
//!   starting or ending with `-`, at most 63 bytes each, 253 in all), the last one a top-level
//!   domain of the Public Suffix List (`psl` crate). This rejects `logo@2x.png`, `pkg@1.2.3` and
//!   `user@localhost`, which datatrove's regex takes for addresses;
//! - no word boundary is needed before the local part: an address glued to CJK text
//!   (`请联系zhang@example.cn`) is found; datatrove's `\b` (Unicode-aware in Python) misses it.
//!
//! Not found: internationalised addresses (`info@müller.de`, Cyrillic local parts), address
//! literals (`user@[192.0.2.1]`) and obfuscated forms (`ann [at] example [dot] com`).

use std::ops::Range;

/// Bytes of a local part.
fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-')
}

/// Bytes of a domain.
fn is_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// Append the byte ranges of the e-mail addresses in `text`, in order, to `out`.
pub(super) fn find(text: &str, out: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    // Nothing before `floor` can belong to the next address (it ended an earlier one).
    let mut floor = 0;
    for at in memchr::memchr_iter(b'@', bytes) {
        if at < floor {
            continue;
        }
        if let Some(range) = address_at(bytes, at, floor) {
            floor = range.end;
            out.push(range);
        }
    }
}

/// The address around the `@` at `at`, if it is one.
fn address_at(b: &[u8], at: usize, floor: usize) -> Option<Range<usize>> {
    let mut start = at;
    while start > floor && is_local(b[start - 1]) {
        start -= 1;
    }
    // `see...ann@` or `a..b@`: the address starts after the last run of dots.
    if let Some(p) = b[start..at].windows(2).rposition(|w| w == b"..") {
        start += p + 2;
    }
    while start < at && !b[start].is_ascii_alphanumeric() {
        start += 1;
    }
    if start == at || at - start > 64 || b[at - 1] == b'.' {
        return None;
    }
    let mut end = at + 1;
    while end < b.len() && is_domain(b[end]) {
        end += 1;
    }
    // A sentence's full stop or a dash after the address is not part of it.
    while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
        end -= 1;
    }
    valid_domain(&b[at + 1..end]).then_some(start..end)
}

fn valid_domain(domain: &[u8]) -> bool {
    if domain.len() > 253 {
        return false;
    }
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in domain.split(|&c| c == b'.') {
        if label.is_empty()
            || label.len() > 63
            || label[0] == b'-'
            || label[label.len() - 1] == b'-'
        {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && known_tld(last)
}

/// Is `label` a top-level domain of the Public Suffix List?
fn known_tld(label: &[u8]) -> bool {
    let punycode = label.len() > 4 && label[..4].eq_ignore_ascii_case(b"xn--");
    if label.len() < 2 || !(punycode || label.iter().all(u8::is_ascii_alphabetic)) {
        return false;
    }
    let mut lower = [0u8; 63];
    let lower = &mut lower[..label.len()];
    lower.copy_from_slice(label);
    lower.make_ascii_lowercase();
    psl::suffix(lower).is_some_and(|s| s.is_known())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emails(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find(text, &mut out);
        out.into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn plain_addresses() {
        assert_eq!(
            emails("Write to ann.lee+news@example.com or bob_k@mail.example.co.uk."),
            ["ann.lee+news@example.com", "bob_k@mail.example.co.uk"]
        );
        assert_eq!(emails("<jo@example.org>"), ["jo@example.org"]);
        assert_eq!(
            emails("mailto:jo@example.org?subject=x"),
            ["jo@example.org"]
        );
    }

    #[test]
    fn punctuation_around_is_not_part_of_it() {
        assert_eq!(emails("'ann@example.com'"), ["ann@example.com"]);
        assert_eq!(emails("?to=ann@example.com&x=1"), ["ann@example.com"]);
        assert_eq!(emails("see...ann@example.com"), ["ann@example.com"]);
        assert_eq!(emails("(ann@example.com)-"), ["ann@example.com"]);
    }

    #[test]
    fn glued_to_other_scripts() {
        assert_eq!(emails("请联系zhang@example.cn。"), ["zhang@example.cn"]);
        assert_eq!(emails("почта:ivan@example.ru"), ["ivan@example.ru"]);
    }

    #[test]
    fn not_addresses() {
        for text in [
            "logo@2x.png",
            "npm i left-pad@1.3.0",
            "user@localhost",
            "@example.com",
            "ann@",
            "a@b",
            "ann.@example.com",
            "ann@-example.com",
            "ann@example..com",
            "@@@",
            "follow @example on X",
            "info@müller.de",
        ] {
            assert!(emails(text).is_empty(), "{text}: {:?}", emails(text));
        }
    }

    #[test]
    fn many_at_signs_stay_linear() {
        let text = "a".repeat(10_000) + &"@".repeat(10_000) + &".b".repeat(10_000);
        assert!(emails(&text).is_empty());
    }
}

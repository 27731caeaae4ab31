//! IP addresses: IPv4 in dotted-quad form and IPv6 in full, compressed and IPv4-embedded forms,
//! and whether an address is public.
//!
//! IPv4: four decimal octets `0`–`255` without leading zeros (`192.168.001.1` is not read as an
//! address, as in Python's `ipaddress`), not inside a longer dotted number (`1.2.3.4.5`, the
//! `234.5.6.78` in `1234.5.6.78` that datatrove's regex takes), not glued to letters
//! (`v1.2.3.4`, `1.2.3.4b`, `openresty/1.9.7.1`, `sdk-2.2.0.4`), not right after a word saying
//! it is a version number or numbers a part of a document (`Version 20.0.1.4`, `Build 10.0.0.1`,
//! `§ 10.2.3.4`, `Article 12.3.4.1`, `Fig. 3.10.2.1`), and
//! not with three one-digit octets first (`4.1.1.1`, `5.3.6.61`: section and version numbers in
//! real pages; this also leaves the public resolvers `1.1.1.1` and `8.8.8.8` alone, which are
//! nobody's address). Other four-part version numbers are indistinguishable from addresses and
//! are found.
//!
//! IPv6: a run of hex digits, `:` and `.` that `std::net::Ipv6Addr` parses, not glued to letters
//! or digits on either side, with at least three groups written, or `::` and a decimal digit
//! (`::1`, `fe80::1`). So times (`12:30:45`), MAC addresses (six groups, which do not parse),
//! C++ paths (`std::vector`) and `Home :: News` are not addresses; `a::b` or `dead::beef` parse
//! but are refused for having neither three groups nor a digit.
//!
//! Public: see [`is_public_v4`] and [`is_public_v6`].

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

/// Words that, just before a dotted quad, say it is a version number or the number of a part of
/// a document.
#[rustfmt::skip]
const NOT_AN_ADDRESS_BEFORE: &[&str] = &[
    "version", "versión", "versão", "versione", "versie", "ver", "v", "release", "build",
    "firmware", "rev", "revision", "update", "patch", "section", "chapter", "kapitel", "abschnitt",
    "article", "art", "artikel", "clause", "paragraph", "item", "step", "rule", "note",
    "appendix", "annex", "anhang", "fig", "figure", "abb", "table", "tab", "tabelle", "§",
    "версия", "バージョン", "版本",
];

/// The IPv4 address whose first digit is at `at` (the caller checked that the byte before is not
/// a digit): its end and value.
pub(super) fn v4_at(text: &str, at: usize) -> Option<(usize, Ipv4Addr)> {
    let b = text.as_bytes();
    if at > 0 && (b[at - 1].is_ascii_alphanumeric() || matches!(b[at - 1], b'_' | b'.')) {
        return None;
    }
    // `openresty/1.9.7.1`, `sdk-2.2.0.4`: a product's version.
    if at > 1 && matches!(b[at - 1], b'/' | b'-') && b[at - 2].is_ascii_alphanumeric() {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut i = at;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut value: u32 = 0;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 3 {
            value = value * 10 + u32::from(b[i] - b'0');
            i += 1;
        }
        let len = i - start;
        if len == 0 || value > 255 || (len > 1 && b[start] == b'0') {
            return None;
        }
        *octet = value as u8;
    }
    match b.get(i) {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => return None,
        Some(b'.') if b.get(i + 1).is_some_and(u8::is_ascii_digit) => return None,
        _ => {}
    }
    // `4.1.1.1 /var`, `Lucee 5.3.6.61`: three one-digit octets first are a section or version
    // number far more often than an address (and `1.1.1.1`, `8.8.8.8` are public resolvers,
    // nobody's address).
    if octets[..3].iter().all(|&o| o < 10) || version_word_before(text, at) {
        return None;
    }
    Some((i, Ipv4Addr::from(octets)))
}

/// Is the word just before `at` (skipping spaces and one `:`) one of [`NOT_AN_ADDRESS_BEFORE`]?
fn version_word_before(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end_matches([' ', '\u{a0}', '\t']);
    let before = before.strip_suffix(':').unwrap_or(before);
    let before = before.trim_end_matches([' ', '\u{a0}', '\t', '.']);
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic() || *c == '§')
        .take(25)
        .last()
        .map_or(before.len(), |(i, _)| i);
    let word = &before[word_start..];
    !word.is_empty()
        && word.len() <= 24
        && NOT_AN_ADDRESS_BEFORE
            .iter()
            .any(|w| w.chars().eq(word.chars().flat_map(char::to_lowercase)))
}

/// Bytes an IPv6 run is made of.
fn is_v6_byte(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

/// Append the IPv6 addresses of `text` (ranges and values), in order, to `out`.
pub(super) fn find_v6(text: &str, out: &mut Vec<(Range<usize>, Ipv6Addr)>) {
    let b = text.as_bytes();
    let mut floor = 0;
    for colon in memchr::memchr_iter(b':', b) {
        if colon < floor {
            continue;
        }
        let mut start = colon;
        while start > 0 && is_v6_byte(b[start - 1]) {
            start -= 1;
        }
        let mut end = colon + 1;
        while end < b.len() && is_v6_byte(b[end]) {
            end += 1;
        }
        floor = end;
        if let Some(found) = v6_in(b, start, end) {
            out.push(found);
        }
    }
}

/// The address in the run `b[start..end]` of hex digits, `:` and `.`, if there is one.
fn v6_in(b: &[u8], mut start: usize, mut end: usize) -> Option<(Range<usize>, Ipv6Addr)> {
    let glued = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    if start > 0 && glued(b[start - 1]) {
        // `IPv6:2001:db8::1`: the run starts inside a word; the address may follow its first `:`.
        let colon = start + b[start..end].iter().position(|&c| c == b':')?;
        start = colon + 1;
        if b.get(start) == Some(&b':') {
            return None;
        }
    }
    if end < b.len() && glued(b[end]) {
        return None;
    }
    while start < end && b[start] == b'.' {
        start += 1;
    }
    while end > start && b[end - 1] == b'.' {
        end -= 1;
    }
    // `… 2001:db8::1: next`: a trailing single colon is punctuation; `2001:db8::` keeps its `::`.
    if end > start + 1 && b[end - 1] == b':' && b[end - 2] != b':' {
        end -= 1;
    }
    let run = std::str::from_utf8(&b[start..end]).ok()?;
    let addr: Ipv6Addr = run.parse().ok()?;
    let groups = run.split(':').filter(|g| !g.is_empty()).count();
    let digit = run.bytes().any(|c| c.is_ascii_digit());
    (groups >= 3 || (run.contains("::") && groups >= 1 && digit)).then_some((start..end, addr))
}

/// Globally reachable IPv4 (IANA special-purpose registry): not "this network" `0/8`, private
/// (`10/8`, `172.16/12`, `192.168/16`), shared `100.64/10`, loopback `127/8`, link-local
/// `169.254/16`, protocol assignments `192.0.0/24` (but `.9` and `.10`, which are global),
/// documentation (`192.0.2/24`, `198.51.100/24`, `203.0.113/24`), benchmarking `198.18/15`,
/// multicast `224/4`, reserved `240/4` or broadcast. This is Python's `is_global` except for
/// multicast, which Python calls global (so datatrove replaces `224.0.0.1`): a multicast group
/// is a protocol constant, not anyone's address.
pub fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, d] = ip.octets();
    let not = a == 0
        || a == 10
        || (a == 100 && (64..128).contains(&b))
        || a == 127
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0 && d != 9 && d != 10)
        || (a == 192 && b == 0 && c == 2)
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224;
    !not
}

/// Globally reachable IPv6: inside the global unicast block `2000::/3`, and not documentation
/// (`2001:db8::/32`, `3fff::/20`) or IETF protocol assignments (`2001::/23`, with the registry's
/// global exceptions). IPv4-mapped (`::ffff:a.b.c.d`) addresses are judged as IPv4. Everything
/// else — loopback, unspecified, unique-local `fc00::/7`, link-local `fe80::/10`, multicast,
/// and unassigned space — is not public. Python's `is_global` calls unassigned space (e.g.
/// `a::b`) global; it is no one's address.
pub fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    if s[0] & 0xe000 != 0x2000 {
        return false;
    }
    let documentation = (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] == 0x3fff && s[1] < 0x1000);
    if documentation {
        return false;
    }
    if s[0] == 0x2001 && s[1] < 0x0200 {
        // 2001::/23: global only for 2001:1::1, 2001:1::2, 2001:3::/32, 2001:4:112::/48 and
        // 2001:20::/28.
        let exact = |last: u16| s[1] == 1 && s[2..7] == [0; 5] && s[7] == last;
        return exact(1)
            || exact(2)
            || s[1] == 3
            || (s[1] == 4 && s[2] == 0x112)
            || (0x20..0x30).contains(&s[1]);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(text: &str) -> Option<&str> {
        let at = text.find(|c: char| c.is_ascii_digit())?;
        v4_at(text, at).map(|(end, _)| &text[at..end])
    }

    fn v6(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find_v6(text, &mut out);
        out.into_iter().map(|(r, _)| &text[r]).collect()
    }

    #[test]
    fn dotted_quads() {
        assert_eq!(v4("server 93.184.216.34."), Some("93.184.216.34"));
        assert_eq!(v4("(203.0.113.9:8080)"), Some("203.0.113.9"));
        assert_eq!(v4("http://198.51.100.7/x"), Some("198.51.100.7"));
        assert_eq!(v4("10.0.0.0/8"), Some("10.0.0.0"));
    }

    #[test]
    fn not_dotted_quads() {
        for text in [
            "1.2.3.4.5",
            "x 1234.5.6.78",
            "v1.2.3.4",
            "1.2.3.4b",
            "192.168.001.1",
            "256.1.1.1",
            "1.2.3",
            "12.03.2024",
            "Version 20.0.1.4",
            "build: 10.0.0.1",
            "Версия 12.2.3.4",
            "§ 10.1.2.3",
            "Article 12.3.4.1",
            "Fig. 3.10.2.1",
            "openresty/11.9.7.1",
            "sdk-12.2.0.4",
            "4.1.1.1 /var",
            "Lucee 5.3.6.61",
            "8.8.8.8",
        ] {
            assert_eq!(v4(text), None, "{text}");
        }
    }

    #[test]
    fn ipv6_forms() {
        assert_eq!(
            v6("DNS 2001:4860:4860::8888, or [2606:4700:4700::1111]:53."),
            ["2001:4860:4860::8888", "2606:4700:4700::1111"]
        );
        assert_eq!(
            v6("full 2001:0db8:0000:0000:0000:ff00:0042:8329 form"),
            ["2001:0db8:0000:0000:0000:ff00:0042:8329"]
        );
        assert_eq!(v6("loopback ::1 and fe80::1"), ["::1", "fe80::1"]);
        assert_eq!(v6("mapped ::ffff:192.0.2.1."), ["::ffff:192.0.2.1"]);
        assert_eq!(v6("IPv6:2001:db8::1"), ["2001:db8::1"]);
        assert_eq!(v6("prefix 2001:db8::/32"), ["2001:db8::"]);
        assert_eq!(v6("at 2001:db8::1: done"), ["2001:db8::1"]);
    }

    #[test]
    fn not_ipv6() {
        for text in [
            "12:30:45",
            "at 12:30",
            "00:1A:2B:3C:4D:5E",
            "std::vector",
            "a::b",
            "dead::beef",
            "Home :: News",
            "::",
            "prefix::1",
            "2001:db8::1g",
            "Psalm 23:4",
            ":::::::::::",
        ] {
            assert!(v6(text).is_empty(), "{text}: {:?}", v6(text));
        }
    }

    #[test]
    fn public_ranges() {
        let p4 = |s: &str| is_public_v4(s.parse().unwrap());
        assert!(p4("8.8.8.8") && p4("1.1.1.1") && p4("192.0.0.9"));
        for s in [
            "10.1.2.3",
            "172.20.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.1",
            "198.18.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!p4(s), "{s}");
        }
        let p6 = |s: &str| is_public_v6(s.parse().unwrap());
        assert!(p6("2001:4860:4860::8888") && p6("2a00:1450::1") && p6("2001:20::1"));
        for s in [
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "2001:db8::1",
            "3fff::1",
            "2001::1",
            "ff02::1",
            "a::b",
            "::ffff:10.0.0.1",
        ] {
            assert!(!p6(s), "{s}");
        }
        assert!(p6("::ffff:8.8.8.8"));
    }
}

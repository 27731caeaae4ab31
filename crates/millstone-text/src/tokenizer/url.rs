//! spaCy's `url_match`, decided exactly with the `regex` crate.
//!
//! spaCy's URL pattern is `^ scheme? auth? (IP | domain) port? path? $`, where the IP alternative
//! starts with three negative look-aheads that exclude private ranges (`10.*`, `127.*`,
//! `169.254.*`, `192.168.*`, `172.16–31.*`). The `regex` crate has no look-around, so the
//! generator splits the pattern: a string matches if the domain form matches, or if the IP form
//! matches with a host start `q` such that the text before `q` is a valid scheme/auth, the text
//! from `q` is a valid IP + port/path, and none of the excluded prefixes matches at `q`. That is
//! the look-ahead's meaning, with no backtracking engine and no catastrophic cases.
//! (fancy-regex was rejected: an extra dependency, and its backtrack limit could turn a
//! pathological token into an error where Python just answers slowly.)

use regex::{Regex, RegexBuilder};

use crate::generated::spacy_en::{
    URL_DOMAIN_FULL, URL_IP_BEFORE_HOST, URL_IP_EXCLUDES, URL_IP_FROM_HOST, URL_IP_FULL,
};

pub(crate) struct UrlMatcher {
    domain_full: Regex,
    ip_full: Regex,
    ip_before_host: Regex,
    ip_from_host: Regex,
    ip_excludes: Vec<Regex>,
}

fn build(pattern: &str) -> Regex {
    // The patterns repeat large Unicode classes up to 63 times; allow the compiled size.
    RegexBuilder::new(pattern)
        .size_limit(256 << 20)
        .dfa_size_limit(16 << 20)
        .build()
        .unwrap_or_else(|e| panic!("generated URL pattern does not compile: {e}"))
}

impl UrlMatcher {
    pub(crate) fn new() -> Self {
        Self {
            domain_full: build(URL_DOMAIN_FULL),
            ip_full: build(URL_IP_FULL),
            ip_before_host: build(URL_IP_BEFORE_HOST),
            ip_from_host: build(URL_IP_FROM_HOST),
            ip_excludes: URL_IP_EXCLUDES.iter().map(|p| build(p)).collect(),
        }
    }

    /// `url_match(s) is not None`. `s` never contains whitespace (it is part of a chunk).
    pub(crate) fn is_match(&self, s: &str) -> bool {
        // Both host forms contain a literal '.', checked by the generator.
        if memchr::memchr(b'.', s.as_bytes()).is_none() {
            return false;
        }
        if self.domain_full.is_match(s) {
            return true;
        }
        if !self.ip_full.is_match(s) {
            return false;
        }
        // Rare: only an IP-form host can match. Find a host start that the look-aheads allow.
        s.char_indices().map(|(i, _)| i).any(|q| {
            let host = &s[q..];
            self.ip_from_host.is_match(host)
                && !self.ip_excludes.iter().any(|e| e.is_match(host))
                && self.ip_before_host.is_match(&s[..q])
        })
    }
}

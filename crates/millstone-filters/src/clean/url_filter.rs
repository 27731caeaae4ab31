//! `url_filter`: drop documents by where they come from — a blocked domain or URL, or banned
//! words in the URL — as datatrove's `URLFilter` does, with its reason names.
//!
//! The URL is read from the input field `url_field` (default `url`; a dotted path such as
//! `metadata.url` reaches into nested objects). A document without one (field missing, not a
//! string, or blank) passes and is counted under `no_url`; a missing field is also counted by
//! name, which the run reports as a warning. Checks, in
//! datatrove's order; the first that fires drops the document with its reason:
//!
//! | reason | fires when |
//! |---|---|
//! | `domain` | the host's registered domain (the label before its public suffix: `www.shop.example.co.uk` → `example.co.uk`) is in the domain list; for a host without a public suffix (an IP address, `localhost`), the host itself |
//! | `subdomain` | the host, or a parent of it below the registered domain (`a.b.example.com` → `b.example.com`), is in the domain list |
//! | `url` | the URL, without its scheme and with its host lower-cased and one trailing `/` dropped, equals an entry of the URL list normalised the same way (so `http://Example.com/a/` matches `example.com/a`) |
//! | `hard_blacklisted` | a word of the URL (runs of ASCII letters and digits) is a banned word |
//! | `soft_blacklisted` | at least `soft_word_threshold` different soft-banned words are words of the URL |
//! | `blacklisted_subword` | a banned sub-word occurs anywhere in the URL with everything but ASCII letters and digits removed |
//!
//! Lists: `block_domains_file`, `block_urls_file`, `banned_words_file`, `banned_subwords_file`,
//! `soft_banned_words_file` (paths relative to the working directory), plus inline `extra_domains`,
//! `extra_urls`, `extra_banned_words`, `extra_banned_subwords`, `extra_soft_banned_words`, plus,
//! with `use_default_lists` (datatrove's `use_integrated_lists`), the small built-in lists below.
//! A list file has one entry a line; blank lines and lines starting with `#` are skipped and
//! entries are trimmed. A file that cannot be read (or is not UTF-8) is a configuration error
//! naming it. Domains and URLs are lower-cased; words and sub-words keep only ASCII letters and
//! digits, lower-cased (datatrove's `normalize`).
//!
//! The built-in lists were written for millstone and are small on purpose: two dozen adult sites'
//! domains and a few unambiguous adult words. They are a default, not a blocklist; datatrove
//! bundles the UT1 blacklists (millions of domains), which can be used here through
//! `block_domains_file` / `block_urls_file` (one list, or the concatenation of several).
//!
//! Differences from datatrove 0.10.1:
//! - URL words are lower-cased before matching: datatrove compares the raw words with its
//!   lower-cased lists, so `PORN` or `Porn` in a URL never matches there.
//! - Hosts are lower-cased, and parents of the host count as `subdomain`; datatrove compares the
//!   host exactly as written, only whole (`WWW.Example.com` never matches, nor does
//!   `www.bad.blogspot.com` for a listed `bad.blogspot.com`).
//! - Hosts without a public suffix (IP addresses) can be blocked by listing them; tldextract
//!   gives them no registered domain, so datatrove never blocks them by domain.
//! - URL entries are compared without scheme; datatrove compares the whole URL string, so the
//!   scheme-less entries of the UT1 lists never match there.
//! - A document without a URL passes (datatrove fails on it).
//! - Registered domains use the ICANN section of the Public Suffix List, as tldextract does by
//!   default, from the list compiled into the `psl` crate (2.1.247 in `Cargo.lock`; the crate's
//!   version is bumped with each list update). tldextract may fetch a newer list at run time.
//!
//! Not for: judging a page by its text (the quality stages), or malware/phishing lists (supply
//! them as files).

use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;
use millstone_core::options::{OptionSpec as Opt, OptionType as T, Range};
use millstone_core::{Document, Stage, StageOptions, StageStats, Value, Verdict};
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use crate::registry::StageConfig;
use crate::ConfigError;

pub const NAME: &str = "url_filter";
pub const SUMMARY: &str =
    "drop documents whose URL is on a domain or URL block list or holds banned words (datatrove URLFilter)";

/// Adult sites; blocked with their sub-domains.
const DEFAULT_DOMAINS: &[&str] = &[
    "pornhub.com",
    "xvideos.com",
    "xnxx.com",
    "xhamster.com",
    "redtube.com",
    "youporn.com",
    "tube8.com",
    "spankbang.com",
    "eporner.com",
    "beeg.com",
    "tnaflix.com",
    "motherless.com",
    "porn.com",
    "brazzers.com",
    "chaturbate.com",
    "stripchat.com",
    "bongacams.com",
    "livejasmin.com",
    "cam4.com",
    "camsoda.com",
    "onlyfans.com",
    "nhentai.net",
    "e-hentai.org",
    "rule34.xxx",
];

/// Words that are enough on their own.
#[rustfmt::skip]
const DEFAULT_BANNED_WORDS: &[&str] = &[
    "porn", "porno", "pornhub", "pornstar", "pornstars", "xvideos", "xnxx", "xhamster", "hentai",
    "nsfw", "milf", "milfs", "camgirl", "camgirls", "sexcam", "sexcams", "gangbang", "blowjob",
    "blowjobs", "cumshot", "creampie", "bukkake", "handjob",
];

/// Words that take `soft_word_threshold` of them (each is innocent on its own somewhere).
#[rustfmt::skip]
const DEFAULT_SOFT_BANNED_WORDS: &[&str] = &[
    "sex", "sexy", "xxx", "nude", "nudes", "naked", "erotic", "erotica", "escort", "escorts",
    "fetish", "horny", "busty", "boobs", "tits", "pussy", "cock", "dick", "fuck", "fucking", "slut",
    "sluts", "webcam", "cams", "stripper", "hookup", "hookups", "babes",
];

/// Strings that betray an adult URL wherever they occur, even glued to other words.
#[rustfmt::skip]
const DEFAULT_BANNED_SUBWORDS: &[&str] = &[
    "pornhub", "xvideos", "xnxx", "xhamster", "redtube", "youporn", "porntube", "pornstar",
    "freeporn", "sexcam", "livesex", "camgirl", "gangbang", "blowjob", "cumshot", "creampie",
    "bukkake",
];

/// Options; see the module docs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub url_field: String,
    pub use_default_lists: bool,
    pub block_domains_file: Option<PathBuf>,
    pub block_urls_file: Option<PathBuf>,
    pub banned_words_file: Option<PathBuf>,
    pub banned_subwords_file: Option<PathBuf>,
    pub soft_banned_words_file: Option<PathBuf>,
    pub soft_word_threshold: usize,
    pub extra_domains: Vec<String>,
    pub extra_urls: Vec<String>,
    pub extra_banned_words: Vec<String>,
    pub extra_banned_subwords: Vec<String>,
    pub extra_soft_banned_words: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            url_field: "url".into(),
            use_default_lists: true,
            block_domains_file: None,
            block_urls_file: None,
            banned_words_file: None,
            banned_subwords_file: None,
            soft_banned_words_file: None,
            soft_word_threshold: 2,
            extra_domains: Vec::new(),
            extra_urls: Vec::new(),
            extra_banned_words: Vec::new(),
            extra_banned_subwords: Vec::new(),
            extra_soft_banned_words: Vec::new(),
        }
    }
}

/// A list file that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {option} `{}`: {source}", path.display())]
pub struct ListError {
    option: &'static str,
    path: PathBuf,
    source: std::io::Error,
}

/// Entries of a list file: trimmed, without blank lines and `#` comments.
fn read_list(option: &'static str, path: &Path) -> Result<Vec<String>, ListError> {
    let text = std::fs::read_to_string(path).map_err(|source| ListError {
        option,
        path: path.to_owned(),
        source,
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

/// One list: the built-in entries (when enabled), the file's and the inline ones, normalised.
fn gather(
    option: &'static str,
    defaults: &[&str],
    use_defaults: bool,
    file: Option<&Path>,
    extra: &[String],
    normalise: fn(&str) -> String,
) -> Result<FxHashSet<String>, ConfigError> {
    let mut out = FxHashSet::default();
    if use_defaults {
        out.extend(defaults.iter().map(|e| normalise(e)));
    }
    if let Some(path) = file {
        let entries = read_list(option, path).map_err(|e| ConfigError::invalid(NAME, e))?;
        out.extend(entries.iter().map(|e| normalise(e)));
    }
    out.extend(extra.iter().map(|e| normalise(e.trim())));
    out.remove("");
    Ok(out)
}

/// datatrove's `normalize`: ASCII letters and digits only, lower-cased.
fn normalise_word(word: &str) -> String {
    word.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn normalise_domain(domain: &str) -> String {
    domain.trim().trim_end_matches('.').to_lowercase()
}

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new(
            "url_field",
            T::String,
            "the input field holding the URL, a dotted path reaches nested objects \
             (metadata.url); a document without one passes, counted as no_url",
        ),
        Opt::new(
            "use_default_lists",
            T::Bool,
            "add the small built-in lists (datatrove's use_integrated_lists)",
        ),
        Opt::new(
            "block_domains_file",
            T::Path,
            "blocked domains, one a line (reasons domain, subdomain)",
        ),
        Opt::new(
            "block_urls_file",
            T::Path,
            "blocked URLs, one a line (reason url)",
        ),
        Opt::new(
            "banned_words_file",
            T::Path,
            "a URL word from this list drops (hard_blacklisted)",
        ),
        Opt::new(
            "banned_subwords_file",
            T::Path,
            "a sub-word anywhere in the URL drops (blacklisted_subword)",
        ),
        Opt::new(
            "soft_banned_words_file",
            T::Path,
            "soft_word_threshold of these words drop (soft_blacklisted)",
        ),
        Opt::new(
            "soft_word_threshold",
            T::Integer,
            "how many different soft-banned words drop a URL",
        )
        .range(Range::at_least(1.0)),
        Opt::new("extra_domains", T::StringList, "blocked domains, inline"),
        Opt::new("extra_urls", T::StringList, "blocked URLs, inline"),
        Opt::new(
            "extra_banned_words",
            T::StringList,
            "banned URL words, inline",
        ),
        Opt::new(
            "extra_banned_subwords",
            T::StringList,
            "banned URL sub-words, inline",
        ),
        Opt::new(
            "extra_soft_banned_words",
            T::StringList,
            "soft-banned URL words, inline",
        ),
    ];
}

impl StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
        if self.soft_word_threshold == 0 {
            return Err(ConfigError::invalid(
                NAME,
                "soft_word_threshold must be at least 1 (0 would drop every document)",
            ));
        }
        if self.url_field.is_empty() {
            return Err(ConfigError::invalid(NAME, "url_field is empty"));
        }
        let d = self.use_default_lists;
        let domains = gather(
            "block_domains_file",
            DEFAULT_DOMAINS,
            d,
            self.block_domains_file.as_deref(),
            &self.extra_domains,
            normalise_domain,
        )?;
        let urls = gather(
            "block_urls_file",
            &[],
            d,
            self.block_urls_file.as_deref(),
            &self.extra_urls,
            normalise_url,
        )?;
        let banned_words = gather(
            "banned_words_file",
            DEFAULT_BANNED_WORDS,
            d,
            self.banned_words_file.as_deref(),
            &self.extra_banned_words,
            normalise_word,
        )?;
        let soft_words = gather(
            "soft_banned_words_file",
            DEFAULT_SOFT_BANNED_WORDS,
            d,
            self.soft_banned_words_file.as_deref(),
            &self.extra_soft_banned_words,
            normalise_word,
        )?;
        let subwords = gather(
            "banned_subwords_file",
            DEFAULT_BANNED_SUBWORDS,
            d,
            self.banned_subwords_file.as_deref(),
            &self.extra_banned_subwords,
            normalise_word,
        )?;
        let mut subwords: Vec<String> = subwords.into_iter().collect();
        subwords.sort_unstable();
        let subwords = if subwords.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::new(&subwords)
                    .map_err(|e| ConfigError::invalid(NAME, format!("banned sub-words: {e}")))?,
            )
        };
        Ok(Box::new(UrlFilter {
            url_field: self.url_field,
            soft_word_threshold: self.soft_word_threshold,
            domains,
            urls,
            banned_words,
            soft_words,
            subwords,
        }))
    }
}

pub struct UrlFilter {
    url_field: String,
    soft_word_threshold: usize,
    domains: FxHashSet<String>,
    urls: FxHashSet<String>,
    banned_words: FxHashSet<String>,
    soft_words: FxHashSet<String>,
    subwords: Option<AhoCorasick>,
}

impl Stage for UrlFilter {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        let url = match doc.field(&self.url_field) {
            Some(Value::String(url)) if !url.trim().is_empty() => url.trim(),
            other => {
                if other.is_none() {
                    stats.missing_field(&self.url_field);
                }
                stats.count("no_url", 1);
                return Verdict::Keep;
            }
        };
        match self.check(url) {
            Some(reason) => Verdict::drop(reason),
            None => Verdict::Keep,
        }
    }
}

impl UrlFilter {
    /// The reason `url` is blocked, if it is.
    pub fn check(&self, url: &str) -> Option<&'static str> {
        if !self.domains.is_empty() {
            if let Some(host) = host_of(url) {
                match registered_domain(&host) {
                    Some(registered) => {
                        if self.domains.contains(registered) {
                            return Some("domain");
                        }
                        // The host and its parents below the registered domain.
                        let mut name = host.as_str();
                        while name.len() > registered.len() {
                            if self.domains.contains(name) {
                                return Some("subdomain");
                            }
                            name = name.split_once('.').map_or("", |(_, parent)| parent);
                        }
                    }
                    None if self.domains.contains(&host) => return Some("domain"),
                    None => {}
                }
            }
        }
        if !self.urls.is_empty() && self.urls.contains(&normalise_url(url)) {
            return Some("url");
        }
        if !self.banned_words.is_empty() || !self.soft_words.is_empty() {
            let mut words: Vec<String> = url
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_ascii_lowercase)
                .collect();
            words.sort_unstable();
            words.dedup();
            if words.iter().any(|w| self.banned_words.contains(w)) {
                return Some("hard_blacklisted");
            }
            let soft = words
                .iter()
                .filter(|w| self.soft_words.contains(*w))
                .count();
            if soft >= self.soft_word_threshold {
                return Some("soft_blacklisted");
            }
        }
        if let Some(subwords) = &self.subwords {
            if subwords.is_match(&normalise_word(url)) {
                return Some("blacklisted_subword");
            }
        }
        None
    }
}

/// `(scheme, rest)` when `url` starts with `scheme://`, else `rest` after a leading `//`.
fn strip_scheme(url: &str) -> &str {
    if let Some((scheme, rest)) = url.split_once("://") {
        let mut chars = scheme.chars();
        if chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            return rest;
        }
    }
    url.strip_prefix("//").unwrap_or(url)
}

/// The host of `url`, lower-cased, without user, port, brackets or trailing dot:
/// `https://Ann@WWW.Example.com.:8080/a` → `www.example.com`. `None` when empty.
pub fn host_of(url: &str) -> Option<String> {
    let rest = strip_scheme(url.trim());
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(inner) = host.strip_prefix('[') {
        inner.split_once(']').map_or(inner, |(h, _)| h)
    } else {
        host.split_once(':').map_or(host, |(h, _)| h)
    };
    // Ideographic and full-width full stops separate labels too (as in tldextract).
    let host = host
        .replace(['\u{3002}', '\u{ff0e}', '\u{ff61}'], ".")
        .trim_end_matches('.')
        .to_lowercase();
    (!host.is_empty()).then_some(host)
}

/// The URL as it is compared with the URL list: no scheme, host lower-cased, one trailing `/`
/// dropped.
fn normalise_url(url: &str) -> String {
    let rest = strip_scheme(url.trim());
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let mut out = rest[..end].to_lowercase();
    out.push_str(&rest[end..]);
    if out.ends_with('/') {
        out.pop();
    }
    out
}

/// The registered domain of a lower-cased host under the ICANN section of the Public Suffix
/// List (`a.b.example.co.uk` → `example.co.uk`, `x.blogspot.com` → `blogspot.com`), or `None`
/// when the host has no known public suffix or is one.
pub fn registered_domain(host: &str) -> Option<&str> {
    let mut suffix = psl::suffix(host.as_bytes())?;
    while suffix.typ() == Some(psl::Type::Private) {
        // A private suffix (`blogspot.com`): look for the ICANN suffix inside it.
        let bytes = suffix.as_bytes();
        let dot = bytes.iter().position(|&b| b == b'.')?;
        suffix = psl::suffix(&bytes[dot + 1..])?;
    }
    if !suffix.is_known() {
        return None;
    }
    let suffix_len = suffix.as_bytes().len();
    if suffix_len + 1 >= host.len() {
        return None;
    }
    let head = &host[..host.len() - suffix_len - 1];
    let start = head.rfind('.').map_or(0, |i| i + 1);
    (start < head.len()).then(|| &host[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(options: &str) -> Box<dyn Stage> {
        let table: toml::Table = toml::from_str(options).unwrap();
        crate::build_stage(NAME, &table).unwrap()
    }

    fn verdict(stage: &dyn Stage, url: Option<Value>) -> (Verdict, StageStats) {
        let mut doc = Document::new("d", "some text");
        if let Some(url) = url {
            doc.fields.insert("url".into(), url);
        }
        let mut stats = StageStats::default();
        (stage.process(&mut doc, &mut stats), stats)
    }

    fn reason(stage: &dyn Stage, url: &str) -> Option<String> {
        match verdict(stage, Some(Value::String(url.into()))).0 {
            Verdict::Keep => None,
            Verdict::Drop(d) => Some(d.reason.into_owned()),
        }
    }

    #[test]
    fn registered_domains() {
        for (host, want) in [
            ("www.example.com", Some("example.com")),
            ("example.com", Some("example.com")),
            ("a.b.example.co.uk", Some("example.co.uk")),
            ("someone.blogspot.com", Some("blogspot.com")),
            ("user.github.io", Some("github.io")),
            ("www.食狮.中国", Some("食狮.中国")),
            ("com", None),
            ("co.uk", None),
            ("localhost", None),
            ("192.0.2.1", None),
            ("intranet.corp", None),
            ("", None),
            (".", None),
            ("..com", None),
        ] {
            assert_eq!(registered_domain(host), want, "{host}");
        }
    }

    #[test]
    fn hosts() {
        for (url, want) in [
            (
                "https://WWW.Example.com:8080/a?b#c",
                Some("www.example.com"),
            ),
            (
                "http://ann:secret@shop.example.org/",
                Some("shop.example.org"),
            ),
            ("example.com/path", Some("example.com")),
            ("//cdn.example.net/x.js", Some("cdn.example.net")),
            ("http://[2001:db8::1]:80/x", Some("2001:db8::1")),
            ("http://192.0.2.1:8080", Some("192.0.2.1")),
            ("http://example.com./", Some("example.com")),
            ("http://例子。中国/", Some("例子.中国")),
            ("http:///path", None),
            ("", None),
            ("mailto:ann@example.com", Some("example.com")),
        ] {
            assert_eq!(host_of(url).as_deref(), want, "{url}");
        }
    }

    #[test]
    fn domain_and_subdomain() {
        let s = stage("use_default_lists = false\nextra_domains = ['bad.example', 'casino.example.com', 'Evil-Site.ORG', 'bad.blogspot.com', '203.0.113.7']");
        let s = &*s;
        assert_eq!(
            reason(s, "https://casino.example.com/x"),
            Some("subdomain".into())
        );
        assert_eq!(
            reason(s, "https://www.casino.example.com/x"),
            Some("subdomain".into())
        );
        assert_eq!(reason(s, "https://example.com/casino"), None);
        assert_eq!(
            reason(s, "http://www.evil-site.org/"),
            Some("domain".into())
        );
        assert_eq!(reason(s, "HTTP://EVIL-SITE.ORG"), Some("domain".into()));
        assert_eq!(
            reason(s, "https://shop.Evil-Site.org/x"),
            Some("domain".into())
        );
        assert_eq!(
            reason(s, "http://www.bad.blogspot.com/post"),
            Some("subdomain".into())
        );
        assert_eq!(reason(s, "http://good.blogspot.com/post"), None);
        assert_eq!(
            reason(s, "http://203.0.113.7/index.html"),
            Some("domain".into())
        );
        // `.example` is not a public suffix: the host itself is compared.
        assert_eq!(reason(s, "http://bad.example/"), Some("domain".into()));
        assert_eq!(reason(s, "http://notbad.example/"), None);
    }

    #[test]
    fn urls() {
        let s = stage("use_default_lists = false\nextra_urls = ['example.com/private/page.html', 'http://Example.org/a/']");
        let s = &*s;
        assert_eq!(
            reason(s, "https://example.com/private/page.html"),
            Some("url".into())
        );
        assert_eq!(
            reason(s, "http://EXAMPLE.com/private/page.html/"),
            Some("url".into())
        );
        assert_eq!(reason(s, "https://example.org/a"), Some("url".into()));
        assert_eq!(reason(s, "https://example.com/private/PAGE.html"), None);
        assert_eq!(reason(s, "https://example.com/private/page.html?x=1"), None);
    }

    #[test]
    fn words_and_subwords() {
        let s = stage("use_default_lists = false\nextra_banned_words = ['Casino']\nextra_soft_banned_words = ['poker', 'bonus', 'free']\nextra_banned_subwords = ['slotmachine']");
        let s = &*s;
        assert_eq!(
            reason(s, "https://example.com/best-casino-2024"),
            Some("hard_blacklisted".into())
        );
        assert_eq!(
            reason(s, "https://example.com/CASINO"),
            Some("hard_blacklisted".into())
        );
        assert_eq!(reason(s, "https://example.com/casinos"), None);
        assert_eq!(
            reason(s, "https://example.com/poker-bonus"),
            Some("soft_blacklisted".into())
        );
        assert_eq!(reason(s, "https://example.com/poker/poker"), None);
        assert_eq!(
            reason(s, "https://example.com/free-Slot-Machine"),
            Some("blacklisted_subword".into())
        );
        assert_eq!(reason(s, "https://example.com/news/slot"), None);
        let strict = stage("use_default_lists = false\nsoft_word_threshold = 3\nextra_soft_banned_words = ['poker', 'bonus', 'free']");
        assert_eq!(reason(&*strict, "https://example.com/poker-bonus"), None);
        assert_eq!(
            reason(&*strict, "https://example.com/free-poker-bonus"),
            Some("soft_blacklisted".into())
        );
    }

    #[test]
    fn check_order_is_datatroves() {
        let s = stage("use_default_lists = false\nextra_domains = ['example.com']\nextra_banned_words = ['casino']");
        assert_eq!(
            reason(&*s, "https://example.com/casino"),
            Some("domain".into())
        );
    }

    #[test]
    fn default_lists() {
        let s = stage("");
        let s = &*s;
        assert_eq!(
            reason(s, "https://www.pornhub.com/view?x=1"),
            Some("domain".into())
        );
        assert_eq!(reason(s, "https://de.xhamster.com/"), Some("domain".into()));
        assert_eq!(
            reason(s, "https://example.com/free-porn-videos"),
            Some("hard_blacklisted".into())
        );
        assert_eq!(
            reason(s, "https://example.com/sexy-nude-pics"),
            Some("soft_blacklisted".into())
        );
        assert_eq!(
            reason(s, "https://bestfreepornsite.example.com/"),
            Some("blacklisted_subword".into())
        );
        for fine in [
            "https://en.wikipedia.org/wiki/Sex_education",
            "https://example.com/pornography-research-review",
            "https://example.com/middlesex-county-news",
            "https://www.essex.ac.uk/",
            "https://example.com/dick-francis-novels",
            "https://example.com/teen-dating-violence",
        ] {
            assert_eq!(reason(s, fine), None, "{fine}");
        }
    }

    #[test]
    fn documents_without_url_pass() {
        let s = stage("");
        for url in [
            None,
            Some(Value::Null),
            Some(Value::from(42)),
            Some(Value::String(String::new())),
            Some(Value::String("  ".into())),
        ] {
            let (v, stats) = verdict(&*s, url);
            assert_eq!(v, Verdict::Keep);
            assert_eq!(stats.counters["no_url"], 1);
        }
        let custom = stage("url_field = 'source_url'");
        let mut doc = Document::new("d", "t");
        doc.fields
            .insert("url".into(), Value::String("https://pornhub.com".into()));
        let mut stats = StageStats::default();
        assert_eq!(custom.process(&mut doc, &mut stats), Verdict::Keep);
        assert_eq!(stats.counters["no_url"], 1);
        assert_eq!(stats.missing_fields["source_url"], 1);
    }

    #[test]
    fn dotted_url_field_reads_nested_metadata() {
        // datatrove's layout: the URL under `metadata`.
        let s = stage("url_field = 'metadata.url'");
        let mut doc = Document::new("d", "t");
        doc.fields =
            serde_json::from_str(r#"{"metadata":{"url":"https://pornhub.com/x"}}"#).unwrap();
        let mut stats = StageStats::default();
        assert_eq!(s.process(&mut doc, &mut stats).reason(), Some("domain"));
        assert!(stats.missing_fields.is_empty());
        // The top-level name no longer finds it, and says so.
        let top = stage("");
        let mut stats = StageStats::default();
        assert_eq!(top.process(&mut doc, &mut stats), Verdict::Keep);
        assert_eq!(stats.missing_fields["url"], 1);
    }

    #[test]
    fn list_files() {
        let dir = std::env::temp_dir().join(format!("millstone-url-filter-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let domains = dir.join("domains.txt");
        std::fs::write(
            &domains,
            "# blocked\n\n  spam.example.net  \n#comment.example.com\nSHOUT.example.com\n",
        )
        .unwrap();
        let words = dir.join("words.txt");
        std::fs::write(&words, "lottery\n").unwrap();
        let options = format!(
            "use_default_lists = false\nblock_domains_file = '{}'\nbanned_words_file = '{}'",
            domains.display(),
            words.display()
        );
        let s = stage(&options);
        let s = &*s;
        assert_eq!(
            reason(s, "http://spam.example.net/"),
            Some("subdomain".into())
        );
        assert_eq!(
            reason(s, "http://shout.example.com/"),
            Some("subdomain".into())
        );
        assert_eq!(reason(s, "http://comment.example.com/"), None);
        assert_eq!(
            reason(s, "http://example.org/lottery-results"),
            Some("hard_blacklisted".into())
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_config_names_the_problem() {
        for (options, needle) in [
            (
                "block_domains_file = '/nonexistent/millstone/domains.txt'",
                "/nonexistent/millstone/domains.txt",
            ),
            (
                "soft_banned_words_file = '/nonexistent/soft.txt'",
                "soft_banned_words_file",
            ),
            ("soft_word_threshold = 0", "soft_word_threshold"),
            ("banned_word_file = 'x'", "banned_word_file"),
            ("url_field = ''", "url_field"),
        ] {
            let table: toml::Table = toml::from_str(options).unwrap();
            let err = crate::build_stage(NAME, &table).err().unwrap().to_string();
            assert!(err.contains(needle) && err.contains(NAME), "{err}");
        }
    }

    #[test]
    fn weird_urls_do_not_panic() {
        let s = stage("extra_domains = ['example.com']\nextra_urls = ['example.com/a']");
        let long = format!("https://example.org/{}", "a/".repeat(100_000));
        let weird = [
            "",
            "://",
            ":",
            "@",
            "http://",
            "http://@",
            "http://[",
            "http://[::1",
            "http://[::1]:99999999999/",
            "http://user:pass@:80",
            "http://..../",
            "http://.example.com/",
            "http://example..com/",
            "http://xn--80ak6aa92e.com/",
            "http://пример.рф/путь?q=порно",
            "http://ex%41mple.com/",
            "javascript:alert(1)",
            "example.com",
            "EXAMPLE.COM:443",
            "\u{0}\u{1}http://a",
            "http://a.b.c.d.e.f.g.h.example.com./x",
            "http://例子。中国/",
            long.as_str(),
        ];
        for url in weird {
            let _ = reason(&*s, url);
        }
        assert_eq!(reason(&*s, "EXAMPLE.COM:443"), Some("domain".into()));
    }
}

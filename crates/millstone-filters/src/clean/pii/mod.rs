//! `pii`: replace e-mail addresses, IP addresses and phone numbers in the text with fixed
//! strings, so that a model trained on the corpus does not learn people's contact details.
//!
//! This stage **rewrites the text** (only when it found something) and never drops a document.
//! Each replacement is counted in the stage's stats (`redacted.email`, `redacted.ip`,
//! `redacted.phone`) and, with `record_counts`, in `millstone.pii = {"email": n, …}` (only the
//! kinds found, and only when something was).
//!
//! Options:
//! - `kinds` (default `["email", "ip", "phone"]`): what to replace; `ip` is IPv4 and IPv6.
//! - `email_replacement` (`"email@example.com"`), `ip_replacement` (`"192.0.2.1"`),
//!   `phone_replacement` (`"555-0100"`): fixed strings, the same for every match. datatrove's
//!   `PIIFormatter` cycles through several replacements with a counter that lives across
//!   documents, so its output depends on the order documents reach a worker; here the output
//!   depends on the document alone. The defaults are reserved for examples (`example.com`,
//!   RFC 5737's TEST-NET-1, the 555-01xx fiction range), so they are nobody's, and a second run
//!   of the stage leaves them as they are (the IP one is not public).
//! - `only_public_ips` (`true`): leave private, loopback, link-local, documentation and other
//!   special-purpose addresses alone (they identify no one and are often instructions, like
//!   `192.168.1.1`); datatrove's `only_remove_public_ips`, which uses Python's `is_global`.
//! - `record_counts` (`true`): write `millstone.pii`.
//!
//! What counts as each kind is documented with its scanner: `email.rs`, `ip.rs`, `phone.rs`. In
//! short, precision is preferred to recall: no version numbers, dates, prices, ISBNs or DOIs are
//! replaced; phone numbers need a phone shape or a phone word before them. E-mail addresses are
//! found first; an IP address or phone number is never looked for inside one, and a phone number
//! never inside an IP address. Addresses that are not replaced (a private IP, or a kind not in
//! `kinds`) still hide their digits from the phone scanner. Measured precision and recall on the
//! labelled cases in `tests/fixtures/pii/cases.jsonl` are printed by `tests/pii.rs`.
//!
//! Not for: names, postal addresses, ID or card numbers, credentials, or anything needing a
//! language model; obfuscated addresses (`ann [at] example [dot] com`).

mod email;
mod ip;
mod phone;

use std::ops::Range;

use millstone_core::options::{OptionSpec as Opt, OptionType as T};
use millstone_core::{Document, Map, Stage, StageOptions, StageStats, Value, Verdict};
use serde::{Deserialize, Serialize};

use crate::registry::StageConfig;
use crate::ConfigError;

pub use ip::{is_public_v4, is_public_v6};

pub const NAME: &str = "pii";
pub const SUMMARY: &str =
    "replace e-mail addresses, public IP addresses and phone numbers with fixed strings; counts per kind (never drops)";

/// A kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Email,
    Ip,
    Phone,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Email, Kind::Ip, Kind::Phone];

    /// The word used in `kinds`, the stats keys and `millstone.pii`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Ip => "ip",
            Kind::Phone => "phone",
        }
    }

    fn counter(self) -> &'static str {
        match self {
            Kind::Email => "redacted.email",
            Kind::Ip => "redacted.ip",
            Kind::Phone => "redacted.phone",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Options; see the module docs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub kinds: Vec<String>,
    pub email_replacement: String,
    pub ip_replacement: String,
    pub phone_replacement: String,
    pub only_public_ips: bool,
    pub record_counts: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            kinds: Kind::ALL.iter().map(|k| k.as_str().to_owned()).collect(),
            email_replacement: "email@example.com".into(),
            ip_replacement: "192.0.2.1".into(),
            phone_replacement: "555-0100".into(),
            only_public_ips: true,
            record_counts: true,
        }
    }
}

impl StageOptions for Config {
    const OPTIONS: &'static [Opt] = &[
        Opt::new(
            "kinds",
            T::StringList,
            "what to replace: any of \"email\", \"ip\" (IPv4 and IPv6), \"phone\"",
        ),
        Opt::new(
            "email_replacement",
            T::String,
            "replaces every e-mail address",
        ),
        Opt::new("ip_replacement", T::String, "replaces every IP address"),
        Opt::new(
            "phone_replacement",
            T::String,
            "replaces every phone number",
        ),
        Opt::new(
            "only_public_ips",
            T::Bool,
            "leave private, loopback, documentation and other special addresses alone",
        ),
        Opt::new(
            "record_counts",
            T::Bool,
            "write millstone.pii = {kind: count} when something was replaced",
        ),
    ];
}

impl StageConfig for Config {
    fn build(self) -> Result<Box<dyn Stage>, ConfigError> {
        Ok(Box::new(Pii::new(self)?))
    }
}

/// One piece of personal data found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: Kind,
    /// Byte range in the text.
    pub range: Range<usize>,
}

/// The `pii` stage; [`Pii::find`] is also usable on its own.
pub struct Pii {
    enabled: [bool; 3],
    replacement: [String; 3],
    only_public_ips: bool,
    record_counts: bool,
}

impl Pii {
    /// Validate `config` into a stage.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let mut enabled = [false; 3];
        for name in &config.kinds {
            let kind = Kind::ALL
                .into_iter()
                .find(|k| k.as_str() == name)
                .ok_or_else(|| {
                    ConfigError::invalid(
                        NAME,
                        format!("unknown kind `{name}` in `kinds` (known: email, ip, phone)"),
                    )
                })?;
            enabled[kind.index()] = true;
        }
        if !enabled.contains(&true) {
            return Err(ConfigError::invalid(
                NAME,
                "`kinds` is empty: the stage would do nothing",
            ));
        }
        Ok(Pii {
            enabled,
            replacement: [
                config.email_replacement,
                config.ip_replacement,
                config.phone_replacement,
            ],
            only_public_ips: config.only_public_ips,
            record_counts: config.record_counts,
        })
    }

    /// What this stage would replace in `text`, in order, not overlapping.
    pub fn find(&self, text: &str) -> Vec<Found> {
        let mut found = Vec::new();
        // E-mail addresses and IPv6 addresses first: their digits are never phone numbers or
        // IPv4 addresses, whether or not they are replaced.
        let mut emails = Vec::new();
        email::find(text, &mut emails);
        let mut v6 = Vec::new();
        if text.as_bytes().contains(&b':') {
            ip::find_v6(text, &mut v6);
        }
        let mut masks: Vec<(Range<usize>, Option<Kind>)> =
            Vec::with_capacity(emails.len() + v6.len());
        let mut emails = emails.into_iter().peekable();
        for (r, addr) in v6 {
            while let Some(e) = emails.next_if(|e| e.end <= r.start) {
                masks.push((e, self.keep(Kind::Email)));
            }
            if emails.peek().is_some_and(|e| e.start < r.end) {
                continue;
            }
            let public = !self.only_public_ips || is_public_v6(addr);
            masks.push((r, self.keep(Kind::Ip).filter(|_| public)));
        }
        masks.extend(emails.map(|e| (e, self.keep(Kind::Email))));
        let bytes = text.as_bytes();
        let (mut i, mut m, mut floor) = (0, 0, 0);
        while i < bytes.len() {
            while m < masks.len() && masks[m].0.end <= i {
                if let (r, Some(kind)) = &masks[m] {
                    found.push(Found {
                        kind: *kind,
                        range: r.clone(),
                    });
                }
                floor = masks[m].0.end;
                m += 1;
            }
            let limit = masks.get(m).map_or(bytes.len(), |(r, _)| r.start);
            if i >= limit {
                i = masks[m].0.end;
                continue;
            }
            let Some(at) = bytes[i..limit].iter().position(u8::is_ascii_digit) else {
                i = limit;
                continue;
            };
            let at = i + at;
            if at > 0 && bytes[at - 1].is_ascii_digit() {
                // The rest of a run that started inside a mask: not a number of its own.
                i = at
                    + bytes[at..limit]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                continue;
            }
            if let Some((end, addr)) = ip::v4_at(text, at).filter(|(end, _)| *end <= limit) {
                if self.enabled[Kind::Ip.index()] && (!self.only_public_ips || is_public_v4(addr)) {
                    found.push(Found {
                        kind: Kind::Ip,
                        range: at..end,
                    });
                }
                i = end;
                floor = end;
                continue;
            }
            match phone::phone_at(text, at, floor, limit) {
                phone::Outcome::Phone(r) => {
                    i = r.end;
                    floor = r.end;
                    if self.enabled[Kind::Phone.index()] {
                        found.push(Found {
                            kind: Kind::Phone,
                            range: r,
                        });
                    }
                }
                phone::Outcome::Skip(to) => i = to,
            }
        }
        for (r, kind) in masks.drain(m..) {
            if let Some(kind) = kind {
                found.push(Found { kind, range: r });
            }
        }
        found
    }

    /// `Some(kind)` when `kind` is replaced.
    fn keep(&self, kind: Kind) -> Option<Kind> {
        self.enabled[kind.index()].then_some(kind)
    }

    /// The text with everything [`Pii::find`] finds replaced, and the counts per kind; `None`
    /// when nothing was found.
    pub fn redact(&self, text: &str) -> Option<(String, [u64; 3])> {
        let found = self.find(text);
        if found.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut counts = [0u64; 3];
        let mut at = 0;
        for f in &found {
            out.push_str(&text[at..f.range.start]);
            out.push_str(&self.replacement[f.kind.index()]);
            counts[f.kind.index()] += 1;
            at = f.range.end;
        }
        out.push_str(&text[at..]);
        Some((out, counts))
    }
}

impl Stage for Pii {
    fn name(&self) -> &str {
        NAME
    }

    fn process(&self, doc: &mut Document, stats: &mut StageStats) -> Verdict {
        let Some((text, counts)) = self.redact(doc.text()) else {
            return Verdict::Keep;
        };
        let mut record = Map::new();
        for kind in Kind::ALL {
            let n = counts[kind.index()];
            if n > 0 {
                stats.count(kind.counter(), n);
                record.insert(kind.as_str().into(), Value::from(n));
            }
        }
        if text != doc.text() {
            doc.set_text(text);
        }
        if self.record_counts {
            doc.attributes.insert(NAME.into(), Value::Object(record));
        }
        Verdict::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(config: Config, text: &str) -> (String, StageStats, Document) {
        let stage = config.build().unwrap();
        let mut doc = Document::new("t", text);
        let mut stats = StageStats::default();
        assert_eq!(stage.process(&mut doc, &mut stats), Verdict::Keep);
        (doc.text().to_owned(), stats, doc)
    }

    const PAGE: &str = "Kontakt: Anna Beispiel, anna.beispiel@example.de, Tel. +49 30 1234567.\n\
        Server: 93.184.216.34 and 2001:4860:4860::8888; router 192.168.1.1; version 1.2.3.4.\n\
        Released 2024-03-12, ISBN 978-3-16-148410-0, price $1,234.56.";

    #[test]
    fn replaces_each_kind_and_counts() {
        let (text, stats, doc) = run(Config::default(), PAGE);
        assert_eq!(
            text,
            "Kontakt: Anna Beispiel, email@example.com, Tel. 555-0100.\n\
             Server: 192.0.2.1 and 192.0.2.1; router 192.168.1.1; version 1.2.3.4.\n\
             Released 2024-03-12, ISBN 978-3-16-148410-0, price $1,234.56."
        );
        assert_eq!(stats.counters["redacted.email"], 1);
        assert_eq!(stats.counters["redacted.ip"], 2);
        assert_eq!(stats.counters["redacted.phone"], 1);
        assert_eq!(
            doc.attributes["pii"],
            serde_json::json!({"email": 1, "ip": 2, "phone": 1})
        );
    }

    #[test]
    fn options() {
        let config = Config {
            kinds: vec!["ip".into()],
            ip_replacement: "<IP>".into(),
            only_public_ips: false,
            record_counts: false,
            ..Config::default()
        };
        let (text, stats, doc) = run(config, PAGE);
        assert!(text.contains("anna.beispiel@example.de") && text.contains("+49 30 1234567"));
        assert!(text.contains("Server: <IP> and <IP>; router <IP>; version 1.2.3.4."));
        assert_eq!(stats.counters.len(), 1);
        assert!(doc.attributes.is_empty());
    }

    #[test]
    fn untouched_text_is_not_rewritten() {
        let (text, stats, doc) = run(Config::default(), "Nothing here: 2024, 10:30, v1.2.");
        assert_eq!(text, "Nothing here: 2024, 10:30, v1.2.");
        assert!(stats.counters.is_empty() && doc.attributes.is_empty());
    }

    #[test]
    fn disabled_kinds_still_hide_their_digits() {
        let config = Config {
            kinds: vec!["phone".into()],
            ..Config::default()
        };
        let pii = Pii::new(config).unwrap();
        // The digits of the address are not a phone number even when e-mail is not replaced.
        assert!(pii.find("mail 0301234567@example.com").is_empty());
        assert!(pii.find("host 2001:4860:4860::8888").is_empty());
    }

    #[test]
    fn bad_config() {
        for (options, needle) in [
            ("kinds = ['email', 'credit_card']", "credit_card"),
            ("kinds = []", "empty"),
            ("replacement = 'x'", "replacement"),
        ] {
            let table: toml::Table = toml::from_str(options).unwrap();
            let err = crate::build_stage(NAME, &table).err().unwrap().to_string();
            assert!(err.contains(needle) && err.contains(NAME), "{err}");
        }
    }

    #[test]
    fn no_panic_on_odd_text() {
        let pii = Pii::new(Config::default()).unwrap();
        let mut odd = vec![
            String::new(),
            "@".into(),
            ":".into(),
            "+".into(),
            "(".into(),
            "é@é.é 1.2.3.4".into(),
            "::ffff:1.2.3.4".into(),
            "(((((((((1)))))))))".into(),
            "+(0)".into(),
            "0\u{a0}".into(),
            "1\u{202f}2\u{2009}3".into(),
            "a@b.com@c.com@d.org".into(),
        ];
        // Every prefix of a mixed string, cut at every char boundary.
        let mixed =
            "Tel.: +49 (0)30 12-34\u{a0}56, ann@example.com, ::1, 93.184.216.34, 电话 010-1234";
        odd.extend(
            mixed
                .char_indices()
                .map(|(i, _)| mixed[..i].to_owned())
                .chain(mixed.char_indices().map(|(i, _)| mixed[i..].to_owned())),
        );
        for text in odd {
            for f in pii.find(&text) {
                assert!(text.is_char_boundary(f.range.start) && text.is_char_boundary(f.range.end));
            }
            let _ = pii.redact(&text);
        }
    }
}

//! Stage options as data: each stage's option table ([`OptionSpec`]) is what `millstone stages
//! NAME` prints *and* what a pipeline file's values are checked against, so the two cannot
//! disagree.
//!
//! A stage's config struct implements [`StageOptions`]: its `OPTIONS` table lists every option
//! with its type, valid range and one line of meaning; the default shown is the config's own
//! `Default` value, serialized (so defaults are written once, in the `Default` impl). The
//! registries test that the table names exactly the struct's fields.
//!
//! Not here: deserializing options (serde, in each stage) or building stages (the registries).

use serde::Serialize;

use crate::{Map, Value};

/// The kind of value an option takes, as a pipeline file writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionType {
    Bool,
    /// A whole number.
    Integer,
    /// A number (a whole number is accepted too).
    Number,
    String,
    /// A file or folder path.
    Path,
    /// A size like `"4G"`, `"512M"`.
    Size,
    /// One of these words.
    Choice(&'static [&'static str]),
    StringList,
    /// A list of `[n, fraction]` pairs.
    PairList,
    /// A sub-table of options (e.g. dedup's `[stage.reprints]`), checked by the stage itself.
    Table,
}

impl OptionType {
    /// How `millstone stages NAME` shows it.
    pub fn describe(self) -> String {
        match self {
            OptionType::Bool => "bool".into(),
            OptionType::Integer => "integer".into(),
            OptionType::Number => "number".into(),
            OptionType::String => "string".into(),
            OptionType::Path => "path".into(),
            OptionType::Size => "size".into(),
            OptionType::Choice(words) => words.join("|"),
            OptionType::StringList => "[string]".into(),
            OptionType::PairList => "[[n, frac]]".into(),
            OptionType::Table => "table".into(),
        }
    }

    /// Does a (serialized) value have this type? Used by the registries' tests to check the
    /// table against the config's defaults.
    pub fn admits(self, v: &Value) -> bool {
        match (self, v) {
            (OptionType::Bool, Value::Bool(_)) => true,
            (OptionType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
            (OptionType::Number, Value::Number(_)) => true,
            (OptionType::String | OptionType::Path | OptionType::Size, Value::String(_)) => true,
            (OptionType::Choice(words), Value::String(s)) => words.contains(&s.as_str()),
            (OptionType::StringList, Value::Array(a)) => a.iter().all(Value::is_string),
            (OptionType::PairList, Value::Array(a)) => {
                a.iter().all(|p| p.as_array().is_some_and(|p| p.len() == 2))
            }
            (OptionType::Table, Value::Object(_)) => true,
            _ => false,
        }
    }
}

/// The values a numeric option accepts: `min..=max`, plus optionally one value with a special
/// meaning outside it (datatrove's `-1` = "no limit").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
    /// A value accepted outside `min..=max`, and what it means.
    pub special: Option<(f64, &'static str)>,
}

impl Range {
    /// `min..=max`.
    pub const fn between(min: f64, max: f64) -> Self {
        Range {
            min,
            max,
            special: None,
        }
    }

    /// A share or probability: `0..=1`.
    pub const FRACTION: Range = Range::between(0.0, 1.0);

    /// `min` or more.
    pub const fn at_least(min: f64) -> Self {
        Range::between(min, f64::INFINITY)
    }

    /// Also accept `value`, meaning `meaning`.
    pub const fn or(self, value: f64, meaning: &'static str) -> Self {
        Range {
            special: Some((value, meaning)),
            ..self
        }
    }

    pub fn contains(&self, v: f64) -> bool {
        (self.min..=self.max).contains(&v) || self.special.is_some_and(|(s, _)| s == v)
    }
}

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.max.is_infinite() {
            write!(f, ">= {}", self.min)?;
        } else {
            write!(f, "[{}, {}]", self.min, self.max)?;
        }
        if let Some((v, meaning)) = self.special {
            write!(f, " or {v} ({meaning})")?;
        }
        Ok(())
    }
}

/// One option of a stage.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The key in a `[[stage]]` table.
    pub name: &'static str,
    /// Other keys accepted for it (datatrove's names).
    pub aliases: &'static [&'static str],
    pub kind: OptionType,
    /// For numbers: the values accepted; a pipeline file's value outside it is an error.
    pub range: Option<Range>,
    /// One line: what it does (and what leaving it unset means, when it has no default value).
    pub meaning: &'static str,
}

impl OptionSpec {
    /// An option without a range or aliases.
    pub const fn new(name: &'static str, kind: OptionType, meaning: &'static str) -> Self {
        OptionSpec {
            name,
            aliases: &[],
            kind,
            range: None,
            meaning,
        }
    }

    pub const fn range(self, range: Range) -> Self {
        OptionSpec {
            range: Some(range),
            ..self
        }
    }

    pub const fn aliases(self, aliases: &'static [&'static str]) -> Self {
        OptionSpec { aliases, ..self }
    }

    /// Check a numeric value given for this option; the error names the option, the value and
    /// the range.
    pub fn check(&self, value: f64, written: &str) -> Result<(), String> {
        match self.range {
            Some(r) if !r.contains(value) => Err(format!(
                "{} = {written} is out of range: it must be {r}",
                self.name
            )),
            _ => Ok(()),
        }
    }
}

/// A stage's config type: its option table and its defaults.
pub trait StageOptions: Serialize + Default {
    /// Every option, in the order `millstone stages NAME` shows them.
    const OPTIONS: &'static [OptionSpec];

    /// The defaults as data (an option whose default is "not set" is absent).
    fn defaults() -> Map {
        match serde_json::to_value(Self::default()) {
            Ok(Value::Object(mut m)) => {
                m.retain(|_, v| !v.is_null());
                m
            }
            _ => Map::new(),
        }
    }
}

/// What `millstone stages` knows about one stage type.
#[derive(Clone, Copy)]
pub struct StageDoc {
    /// The TOML `type`, the stats key and the drop record's `stage`.
    pub name: &'static str,
    /// One line for `millstone stages`.
    pub summary: &'static str,
    pub options: &'static [OptionSpec],
    pub defaults: fn() -> Map,
    /// [`audit`] of the config type, for the registries' tests.
    pub audit: fn(&str) -> Result<(), String>,
}

impl StageDoc {
    pub const fn of<C: StageOptions + serde::de::DeserializeOwned>(
        name: &'static str,
        summary: &'static str,
    ) -> Self {
        StageDoc {
            name,
            summary,
            options: C::OPTIONS,
            defaults: C::defaults,
            audit: audit::<C>,
        }
    }

    /// The option called `key` (or aliased so).
    pub fn option(&self, key: &str) -> Option<&'static OptionSpec> {
        self.options
            .iter()
            .find(|o| o.name == key || o.aliases.contains(&key))
    }

    /// Check the numbers of a stage's options (its `[[stage]]` table, any serializable form)
    /// against their ranges; the error names the option, the value and the range. Unknown keys
    /// and wrong types are left to deserialization, whose errors name them.
    pub fn check<T: Serialize>(&self, options: &T) -> Result<(), String> {
        let Ok(Value::Object(table)) = serde_json::to_value(options) else {
            return Ok(());
        };
        for (key, v) in &table {
            if let (Some(spec), Some(x)) = (self.option(key), v.as_f64()) {
                spec.check(x, &v.to_string())?;
            }
        }
        Ok(())
    }

    /// One line per option: name, type, default, range, meaning (for `millstone stages NAME`).
    pub fn describe(&self) -> String {
        let defaults = (self.defaults)();
        let rows: Vec<[String; 4]> = self
            .options
            .iter()
            .map(|o| {
                let mut name = o.name.to_owned();
                for a in o.aliases {
                    name.push_str(&format!(" (or {a})"));
                }
                [
                    name,
                    o.kind.describe(),
                    defaults
                        .get(o.name)
                        .map_or_else(|| "not set".to_owned(), show_value),
                    o.range.map_or_else(String::new, |r| r.to_string()),
                ]
            })
            .collect();
        let header = ["option", "type", "default", "range"].map(str::to_owned);
        let width = |i: usize| {
            rows.iter()
                .chain(std::iter::once(&header))
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths = [width(0), width(1), width(2), width(3)];
        let mut out = format!("{}: {}\n\n", self.name, self.summary);
        let line = |cells: &[String; 4], meaning: &str| {
            let mut l = String::new();
            for (cell, w) in cells.iter().zip(widths) {
                l.push_str(&format!("{cell:<w$}  "));
            }
            l.push_str(meaning);
            l.trim_end().to_owned() + "\n"
        };
        out.push_str(&line(&header, "meaning"));
        for (row, o) in rows.iter().zip(self.options) {
            out.push_str(&line(row, o.meaning));
        }
        out
    }
}

/// Check a config type's option table against the type itself: the table names exactly the
/// fields serde accepts (aliases included), each default has the listed type and lies in the
/// listed range, and every option has a meaning. For the registries' tests; the error says what
/// is wrong.
pub fn audit<C: StageOptions + serde::de::DeserializeOwned>(stage: &str) -> Result<(), String> {
    // serde's error for an unknown key lists every accepted one.
    let probe = serde_json::json!({ "no such option": 0 });
    let message = match serde_json::from_value::<C>(probe) {
        Ok(_) => return Err(format!("{stage}: unknown keys are accepted")),
        Err(e) => e.to_string(),
    };
    let expected = message.split_once("expected").map_or("", |(_, rest)| rest);
    let mut accepted: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let mut listed: Vec<&str> = C::OPTIONS
        .iter()
        .flat_map(|o| std::iter::once(o.name).chain(o.aliases.iter().copied()))
        .collect();
    accepted.sort_unstable();
    listed.sort_unstable();
    if accepted != listed {
        return Err(format!(
            "{stage}: the option table lists {listed:?} but the config accepts {accepted:?}"
        ));
    }
    let defaults = C::defaults();
    for o in C::OPTIONS {
        if o.meaning.trim().is_empty() {
            return Err(format!("{stage}: `{}` has no meaning", o.name));
        }
        let Some(v) = defaults.get(o.name) else {
            continue;
        };
        if !o.kind.admits(v) {
            return Err(format!(
                "{stage}: `{}` is listed as {} but defaults to {v}",
                o.name,
                o.kind.describe()
            ));
        }
        if let (Some(r), Some(x)) = (o.range, v.as_f64()) {
            if !r.contains(x) {
                return Err(format!(
                    "{stage}: `{}`'s default {v} is outside {r}",
                    o.name
                ));
            }
        }
    }
    Ok(())
}

/// A default value as a pipeline file would write it.
pub fn show_value(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or_default();
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.1}")
            } else {
                f.to_string()
            }
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(show_value).collect();
            format!("[{}]", inner.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, serde::Deserialize)]
    #[serde(default)]
    struct Example {
        ratio: f64,
        limit: i64,
        path: Option<String>,
    }

    impl Default for Example {
        fn default() -> Self {
            Example {
                ratio: 0.3,
                limit: 5,
                path: None,
            }
        }
    }

    impl StageOptions for Example {
        const OPTIONS: &'static [OptionSpec] = &[
            OptionSpec::new("ratio", OptionType::Number, "a share").range(Range::FRACTION),
            OptionSpec::new("limit", OptionType::Integer, "a count")
                .range(Range::at_least(0.0).or(-1.0, "no limit"))
                .aliases(&["max"]),
            OptionSpec::new("path", OptionType::Path, "a file; not set: none"),
        ];
    }

    const DOC: StageDoc = StageDoc::of::<Example>("example", "an example stage");

    #[test]
    fn out_of_range_names_option_value_and_range() {
        let err = DOC.check(&serde_json::json!({"ratio": 5})).unwrap_err();
        assert_eq!(err, "ratio = 5 is out of range: it must be [0, 1]");
        let err = DOC.check(&serde_json::json!({"max": -2})).unwrap_err();
        assert_eq!(
            err,
            "limit = -2 is out of range: it must be >= 0 or -1 (no limit)"
        );
        DOC.check(&serde_json::json!({"limit": -1, "ratio": 1.0}))
            .unwrap();
        // Unknown keys and other types are deserialization's business.
        DOC.check(&serde_json::json!({"nope": 9, "ratio": "x"}))
            .unwrap();
    }

    #[test]
    fn describe_lists_every_option_with_its_default() {
        let text = DOC.describe();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "example: an example stage");
        assert!(lines[2].starts_with("option"), "{text}");
        assert!(
            lines[3].starts_with("ratio") && lines[3].contains("0.3"),
            "{text}"
        );
        assert!(lines[3].contains("[0, 1]") && lines[3].ends_with("a share"));
        assert!(lines[4].contains("limit (or max)") && lines[4].contains("-1 (no limit)"));
        assert!(lines[5].contains("not set"), "{text}");
        assert_eq!(lines.len(), 6);
    }

    #[derive(Serialize, serde::Deserialize, Default)]
    #[serde(deny_unknown_fields, default)]
    struct Small {
        #[serde(alias = "old_a")]
        a: f64,
        b: Option<String>,
    }

    impl StageOptions for Small {
        const OPTIONS: &'static [OptionSpec] = &[
            OptionSpec::new("a", OptionType::Number, "a").aliases(&["old_a"]),
            OptionSpec::new("b", OptionType::Path, "b"),
        ];
    }

    #[derive(Serialize, serde::Deserialize, Default)]
    #[serde(deny_unknown_fields, default)]
    struct Missing {
        a: f64,
        b: bool,
    }

    impl StageOptions for Missing {
        const OPTIONS: &'static [OptionSpec] =
            &[OptionSpec::new("a", OptionType::Number, "a").range(Range::between(1.0, 2.0))];
    }

    #[test]
    fn audit_finds_unlisted_options_and_bad_defaults() {
        audit::<Small>("small").unwrap();
        let err = audit::<Missing>("missing").unwrap_err();
        assert!(err.contains("\"b\""), "{err}");
    }

    #[test]
    fn types_admit_their_values() {
        assert!(OptionType::Integer.admits(&Value::from(3)));
        assert!(!OptionType::Integer.admits(&Value::from(0.5)));
        assert!(OptionType::Number.admits(&Value::from(3)));
        assert!(OptionType::Choice(&["a", "b"]).admits(&Value::from("b")));
        assert!(!OptionType::Choice(&["a", "b"]).admits(&Value::from("c")));
        assert!(OptionType::PairList.admits(&serde_json::json!([[2, 0.2], [3, 0.18]])));
        assert_eq!(show_value(&Value::from(3.0)), "3.0");
        assert_eq!(show_value(&serde_json::json!([[2, 0.2]])), "[[2, 0.2]]");
    }
}

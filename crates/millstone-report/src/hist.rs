//! Fixed-bucket histograms whose merges and renders do not depend on input order.
//!
//! For: the distributions in the report (lengths, word and token counts, scores, measured drop
//! values). Every value goes into two fixed bucket sets at once — powers of two for counts and
//! twenty equal steps of [0, 1] for scores — and the renderer picks the set that fits the values
//! seen, so nothing depends on knowing the range in advance. Not for: exact quantiles.

use std::collections::BTreeMap;

/// Buckets of the `[0, 1]` view.
pub const UNIT_BUCKETS: usize = 20;
/// Power-of-two buckets: `0`, `[1, 2)`, `[2, 4)`, … up to `2^62`.
pub const LOG_BUCKETS: usize = 64;

/// Counts of one numeric quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub count: u64,
    pub min: f64,
    pub max: f64,
    pub negative: u64,
    pub log: [u64; LOG_BUCKETS],
    pub unit: [u64; UNIT_BUCKETS],
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            count: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            negative: 0,
            log: [0; LOG_BUCKETS],
            unit: [0; UNIT_BUCKETS],
        }
    }
}

impl Histogram {
    pub fn add(&mut self, v: f64) {
        if !v.is_finite() {
            return;
        }
        self.count += 1;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        if v < 0.0 {
            self.negative += 1;
            return;
        }
        self.log[log_bucket(v)] += 1;
        if v <= 1.0 {
            let i = ((v * UNIT_BUCKETS as f64) as usize).min(UNIT_BUCKETS - 1);
            self.unit[i] += 1;
        }
    }

    /// True when every value lies in `[0, 1]` (scores, ratios): the unit view is used.
    pub fn is_unit(&self) -> bool {
        self.count > 0 && self.min >= 0.0 && self.max <= 1.0
    }
}

/// `0` for values below 1, else `1 + floor(log2(v))`.
pub fn log_bucket(v: f64) -> usize {
    if v < 1.0 {
        0
    } else {
        ((v.log2().floor() as usize) + 1).min(LOG_BUCKETS - 1)
    }
}

/// The label of power-of-two bucket `i`.
pub fn log_label(i: usize) -> String {
    match i {
        0 => "<1".to_owned(),
        1 => "1".to_owned(),
        _ => {
            let lo = 1u64 << (i - 1);
            format!("{}–{}", short(lo), short((lo << 1) - 1))
        }
    }
}

/// 1234567 → "1.2M": bucket labels stay short.
pub fn short(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{}k", n / 1000),
        1_000_000..=999_999_999 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.1}G", n as f64 / 1e9),
    }
}

/// A quantity measured on kept and on dropped documents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeptDropped {
    pub kept: Histogram,
    pub dropped: Histogram,
}

/// Counts of a categorical value (language), kept vs dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Categories {
    pub kept: BTreeMap<String, u64>,
    pub dropped: BTreeMap<String, u64>,
}

impl Categories {
    /// The `n` most frequent categories over kept + dropped (ties by name), the rest summed.
    pub fn top(&self, n: usize) -> Vec<(String, u64, u64)> {
        let mut all: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for (k, v) in &self.kept {
            all.entry(k).or_default().0 += v;
        }
        for (k, v) in &self.dropped {
            all.entry(k).or_default().1 += v;
        }
        let mut rows: Vec<(String, u64, u64)> = all
            .into_iter()
            .map(|(k, (a, b))| (k.to_owned(), a, b))
            .collect();
        rows.sort_by(|a, b| (b.1 + b.2).cmp(&(a.1 + a.2)).then(a.0.cmp(&b.0)));
        if rows.len() > n {
            let rest = rows.split_off(n);
            let (a, b) = rest.iter().fold((0, 0), |(a, b), r| (a + r.1, b + r.2));
            rows.push((format!("{} others", rest.len()), a, b));
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_split_at_powers_of_two() {
        assert_eq!(log_bucket(0.0), 0);
        assert_eq!(log_bucket(0.99), 0);
        assert_eq!(log_bucket(1.0), 1);
        assert_eq!(log_bucket(1.9), 1);
        assert_eq!(log_bucket(2.0), 2);
        assert_eq!(log_bucket(3.0), 2);
        assert_eq!(log_bucket(4.0), 3);
        assert_eq!(log_bucket(1e300), LOG_BUCKETS - 1);
        assert_eq!(log_label(3), "4–7");
        assert_eq!(log_label(15), "16k–32k");
    }

    #[test]
    fn unit_view_only_for_values_in_unit_interval() {
        let mut h = Histogram::default();
        for v in [0.0, 0.5, 1.0] {
            h.add(v);
        }
        assert!(h.is_unit());
        assert_eq!(h.unit[0], 1);
        assert_eq!(h.unit[10], 1);
        assert_eq!(h.unit[19], 1);
        h.add(2.0);
        assert!(!h.is_unit());
        h.add(f64::NAN);
        assert_eq!(h.count, 4);
        h.add(-1.0);
        assert_eq!(h.negative, 1);
    }

    #[test]
    fn top_categories_sum_the_rest() {
        let mut c = Categories::default();
        for (k, n) in [("en", 10), ("de", 3), ("fr", 2), ("es", 1)] {
            c.kept.insert(k.into(), n);
        }
        c.dropped.insert("es".into(), 5);
        let top = c.top(2);
        assert_eq!(top[0], ("en".into(), 10, 0));
        assert_eq!(top[1], ("es".into(), 1, 5));
        assert_eq!(top[2], ("2 others".into(), 5, 0));
    }
}

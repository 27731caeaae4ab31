//! [`Collected`] → one self-contained HTML page: static tables and SVG charts written here, the
//! sample browser in a small inline script that reads the samples from an inline JSON block.
//!
//! For: a page that opens from disk with no network (a Content-Security-Policy forbids every
//! fetch), in which no byte of document text, id, URL or reason can become markup: everything
//! written into HTML goes through [`esc`], and the samples are embedded as JSON with `<`, `>` and
//! `&` escaped and shown by the script only through `textContent`. Not for: reading files.

use std::fmt::Write as _;

use millstone_core::{StatsFile, Value};

use crate::collect::Collected;
use crate::hist::{log_label, short, Histogram, KeptDropped, LOG_BUCKETS, UNIT_BUCKETS};

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// The whole page.
pub fn render(c: &Collected) -> String {
    let mut out = String::with_capacity(64 << 10);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>millstone report · {}</title>", esc(&c.title));
    let _ = writeln!(out, "<style>{STYLE}</style></head><body>");
    out.push_str(&render_body(c));
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"samples\">{}</script>",
        json_for_html(&serde_json::to_value(&c.samples).unwrap_or(Value::Null))
    );
    let _ = writeln!(out, "<script>{SCRIPT}</script>\n</body></html>");
    out
}

/// Everything between `<body>` and the scripts (what the snapshot tests look at).
pub fn render_body(c: &Collected) -> String {
    let s = &c.stats;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<header><h1>millstone report</h1><p class=\"sub\">{}</p></header>",
        esc(&c.title)
    );
    o.push_str("<nav>");
    for (id, label) in [
        ("funnel", "Funnel"),
        ("drops", "Why documents were dropped"),
        ("dist", "Distributions"),
        ("lines", "Removed lines"),
        ("dups", "Duplicates"),
        ("rejected", "Rejected"),
        ("browse", "Browse samples"),
    ] {
        let _ = write!(o, "<a href=\"#{id}\">{label}</a>");
    }
    o.push_str("</nav>\n<main>\n");
    cards(&mut o, c);
    funnel(&mut o, s);
    drops(&mut o, s);
    distributions(&mut o, c);
    removed_lines(&mut o, c);
    duplicates(&mut o, c);
    rejected(&mut o, c);
    other_counts(&mut o, s);
    o.push_str(
        "<section id=\"browse\"><h2>Browse samples</h2>\
         <p class=\"note\">The first documents of each stage and reason, in output order. \
         Pick a group; a dropped document shows its measured values and the threshold it failed, \
         a rewritten one its removed lines struck through, a duplicate its survivor beside it \
         with the shared passages marked.</p>\
         <div class=\"controls\"><label>Group <select id=\"group\"></select></label> \
         <label>Find <input id=\"find\" type=\"search\" placeholder=\"id, URL or text\"></label> \
         <span id=\"pager\"><button id=\"prev\" type=\"button\">‹ previous</button> \
         <span id=\"pageinfo\"></span> <button id=\"next\" type=\"button\">next ›</button></span></div>\
         <div id=\"items\"></div></section>\n",
    );
    o.push_str("</main>\n");
    o
}

/// Documents with outcome `key` (`read`, `kept`, `dropped`, `rejected`).
fn docs(s: &StatsFile, key: &str) -> u64 {
    let d = &s.documents;
    match key {
        "read" => d.read,
        "kept" => d.kept,
        "dropped" => d.dropped,
        _ => d.rejected,
    }
}

/// Text bytes with outcome `key`; `None` for rejected records (not counted as text).
fn text_bytes(s: &StatsFile, key: &str) -> Option<u64> {
    let b = &s.bytes;
    match key {
        "read" => Some(b.read),
        "kept" => Some(b.kept),
        "dropped" => Some(b.dropped),
        _ => None,
    }
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".to_owned()
    } else {
        format!("{:.1} %", part as f64 * 100.0 / whole as f64)
    }
}

fn bytes(n: u64) -> String {
    match n {
        0..=9_999 => format!("{n} B"),
        10_000..=9_999_999 => format!("{:.1} kB", n as f64 / 1e3),
        10_000_000..=9_999_999_999 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}

fn cards(o: &mut String, c: &Collected) {
    let s = &c.stats;
    let read = s.documents.read;
    o.push_str("<section class=\"cards\">");
    for (label, key, class) in [
        ("read", "read", ""),
        ("kept", "kept", "kept"),
        ("dropped", "dropped", "dropped"),
        ("rejected", "rejected", "rejected"),
    ] {
        let d = docs(s, key);
        let b = text_bytes(s, key).unwrap_or(0);
        let share = if key == "read" {
            String::new()
        } else {
            format!(" · {}", pct(d, read))
        };
        let _ = write!(
            o,
            "<div class=\"card {class}\"><div class=\"big\">{}</div><div>{label}{share}</div>\
             <div class=\"small\">{}</div></div>",
            d,
            if key == "rejected" {
                String::new()
            } else {
                bytes(b)
            }
        );
    }
    if let Some(skipped) = &s.skipped {
        let total: u64 = skipped.values().sum();
        let _ = write!(
            o,
            "<div class=\"card\"><div class=\"big\">{total}</div><div>skipped records</div>\
             <div class=\"small\">not documents (requests, metadata, …)</div></div>"
        );
    }
    o.push_str("</section>\n");
    if c.unreadable > 0 {
        let _ = writeln!(
            o,
            "<p class=\"warn\">{} output records could not be read back; the figures below \
             leave them out.</p>",
            c.unreadable
        );
    }
}

/// Horizontal bars: `(label, value, extra text)`, scaled to the largest value.
fn bars(o: &mut String, rows: &[(String, u64, String)], class: &str) {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    o.push_str("<table class=\"bars\">");
    for (label, v, extra) in rows {
        let w = *v as f64 * 100.0 / max as f64;
        let _ = write!(
            o,
            "<tr><th>{}</th><td class=\"n\">{v}</td><td class=\"barcell\"><div class=\"bar {class}\" \
             style=\"width:{w:.1}%\"></div></td><td class=\"x\">{}</td></tr>",
            esc(label),
            esc(extra)
        );
    }
    o.push_str("</table>\n");
}

fn funnel(o: &mut String, s: &StatsFile) {
    let read = s.documents.read;
    let rejected = s.documents.rejected;
    o.push_str("<section id=\"funnel\"><h2>Funnel</h2>");
    o.push_str(
        "<p class=\"note\">Documents left after each stage, in pipeline order. Bytes are the \
         text as read (read, dropped, rejected) and as written (kept).</p>",
    );
    let mut rows = vec![("read".to_owned(), read, "100 %".to_owned())];
    if rejected > 0 {
        rows.push((
            "readable (not rejected)".to_owned(),
            read - rejected.min(read),
            pct(read - rejected.min(read), read),
        ));
    }
    for st in &s.stages {
        let name = &st.name;
        let (kept, seen) = (st.kept, st.seen);
        rows.push((
            format!("after {name}"),
            kept,
            format!(
                "{} of read · dropped {}",
                pct(kept, read),
                seen - kept.min(seen)
            ),
        ));
    }
    let kept = s.documents.kept;
    rows.push(("kept".to_owned(), kept, pct(kept, read)));
    bars(o, &rows, "kept");
    let _ = write!(
        o,
        "<table class=\"plain\"><tr><th></th><th>documents</th><th>bytes</th></tr>"
    );
    for key in ["read", "kept", "dropped", "rejected"] {
        let b = text_bytes(s, key);
        let _ = write!(
            o,
            "<tr><th>{key}</th><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            docs(s, key),
            b.map_or_else(|| "–".to_owned(), bytes)
        );
    }
    o.push_str("</table></section>\n");
}

fn drops(o: &mut String, s: &StatsFile) {
    let read = s.documents.read;
    o.push_str("<section id=\"drops\"><h2>Why documents were dropped</h2>");
    let mut any = false;
    for st in &s.stages {
        let (name, dropped) = (&st.name, &st.dropped_by_reason);
        if dropped.is_empty() {
            continue;
        }
        any = true;
        let mut rows: Vec<(String, u64, String)> = dropped
            .iter()
            .map(|(r, &n)| (r.clone(), n, format!("{} of read", pct(n, read))))
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let _ = write!(
            o,
            "<h3>{} <span class=\"small\">saw {}, dropped {}</span></h3>",
            esc(name),
            st.seen,
            rows.iter().map(|r| r.1).sum::<u64>()
        );
        bars(o, &rows, "dropped");
    }
    if !any {
        o.push_str("<p>No stage dropped a document.</p>");
    }
    o.push_str("</section>\n");
}

/// A histogram of kept and dropped values as an SVG bar chart.
fn histogram_svg(o: &mut String, name: &str, kd: &KeptDropped) {
    let unit = (kd.kept.count == 0 || kd.kept.is_unit())
        && (kd.dropped.count == 0 || kd.dropped.is_unit());
    let (labels, k, d): (Vec<String>, Vec<u64>, Vec<u64>) = if unit {
        (
            (0..UNIT_BUCKETS)
                .map(|i| format!("{:.2}–{:.2}", i as f64 / 20.0, (i + 1) as f64 / 20.0))
                .collect(),
            kd.kept.unit.to_vec(),
            kd.dropped.unit.to_vec(),
        )
    } else {
        let mut labels: Vec<String> = (0..LOG_BUCKETS).map(log_label).collect();
        let mut k = kd.kept.log.to_vec();
        let mut d = kd.dropped.log.to_vec();
        if kd.kept.negative + kd.dropped.negative > 0 {
            labels.insert(0, "<0".into());
            k.insert(0, kd.kept.negative);
            d.insert(0, kd.dropped.negative);
        }
        (labels, k, d)
    };
    let nonzero = |i: &usize| k[*i] + d[*i] > 0;
    let (Some(first), Some(last)) = ((0..k.len()).find(nonzero), (0..k.len()).rev().find(nonzero))
    else {
        return;
    };
    let (first, last) = if unit {
        (0, UNIT_BUCKETS - 1)
    } else {
        (first, last)
    };
    let n = last - first + 1;
    let max = (first..=last)
        .map(|i| k[i].max(d[i]))
        .max()
        .unwrap_or(1)
        .max(1);
    let (w, h, pad) = (360.0f64, 110.0f64, 18.0f64);
    let slot = w / n as f64;
    let _ = write!(
        o,
        "<figure class=\"hist\"><figcaption>{} <span class=\"small\">kept {} · dropped {}</span>\
         </figcaption><svg viewBox=\"0 0 {w} {}\" role=\"img\" aria-label=\"{}\">",
        esc(name),
        kd.kept.count,
        kd.dropped.count,
        h + pad,
        esc(name)
    );
    for (j, i) in (first..=last).enumerate() {
        let x = j as f64 * slot;
        for (series, v, dx) in [("kept", k[i], 0.0), ("dropped", d[i], slot * 0.45)] {
            let bh = v as f64 / max as f64 * h;
            let _ = write!(
                o,
                "<rect class=\"{series}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\">\
                 <title>{} {series}: {v}</title></rect>",
                x + dx + slot * 0.05,
                h - bh,
                slot * 0.42,
                esc(&labels[i])
            );
        }
        let every = n.div_ceil(6);
        if j % every == 0 {
            let _ = write!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x + 1.0,
                h + 13.0,
                esc(&labels[i])
            );
        }
    }
    o.push_str("</svg></figure>");
}

fn distributions(o: &mut String, c: &Collected) {
    o.push_str(
        "<section id=\"dist\"><h2>Distributions</h2><p class=\"note\"><span class=\"key kept\">\
         </span> kept <span class=\"key dropped\"></span> dropped. Dropped documents are measured \
         as the stage that dropped them saw them; values a stage never measured on a document are \
         absent from its bars. Counts use power-of-two buckets, scores twentieths of 0–1.</p>\
         <div class=\"grid\">",
    );
    for (name, kd) in &c.measures {
        histogram_svg(o, name, kd);
    }
    o.push_str("</div>");
    for (name, cats) in &c.categories {
        let _ = write!(
            o,
            "<h3>{}</h3><table class=\"plain\"><tr><th></th><th>kept</th><th>dropped</th></tr>",
            esc(name)
        );
        for (label, k, d) in cats.top(15) {
            let _ = write!(
                o,
                "<tr><th>{}</th><td class=\"n\">{k}</td><td class=\"n\">{d}</td></tr>",
                esc(&label)
            );
        }
        o.push_str("</table>");
    }
    if !c.drop_values.is_empty() {
        o.push_str("<h3>Measured values of dropped documents, by reason</h3><div class=\"grid\">");
        for (key, dv) in &c.drop_values {
            let title = if dv.thresholds.is_empty() {
                key.clone()
            } else {
                format!("{key} (threshold {})", dv.thresholds.join(", "))
            };
            let kd = KeptDropped {
                kept: Histogram::default(),
                dropped: dv.values.clone(),
            };
            histogram_svg(o, &title, &kd);
        }
        o.push_str("</div>");
    }
    o.push_str("</section>\n");
}

fn removed_lines(o: &mut String, c: &Collected) {
    o.push_str("<section id=\"lines\"><h2>Removed lines</h2>");
    let mut any = false;
    for st in &c.stats.stages {
        let name = &st.name;
        let mut rows: Vec<(String, u64, String)> = st
            .counters
            .iter()
            .filter_map(|(k, v)| {
                let reason = k.strip_prefix("removed.")?;
                let b = c.removed_lines.get(reason).map_or(0, |x| x.1);
                let extra = if b > 0 { bytes(b) } else { String::new() };
                Some((reason.to_owned(), *v, extra))
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        any = true;
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let _ = write!(
            o,
            "<h3>{} <span class=\"small\">lines by reason</span></h3>",
            esc(name)
        );
        bars(o, &rows, "dropped");
    }
    if !any {
        o.push_str("<p>No stage removed lines.</p>");
    }
    o.push_str("</section>\n");
}

fn duplicates(o: &mut String, c: &Collected) {
    o.push_str("<section id=\"dups\"><h2>Duplicates</h2>");
    if c.cluster_sizes.is_empty() {
        o.push_str("<p>No <code>clusters.jsonl</code> in this run.</p>");
    } else {
        let clusters: u64 = c.cluster_sizes.values().sum();
        let docs: u64 = c.cluster_sizes.iter().map(|(s, n)| s * n).sum();
        let _ = write!(
            o,
            "<p>Clusters: {clusters}, holding {docs} documents. Cluster sizes:</p>"
        );
        let rows: Vec<(String, u64, String)> = c
            .cluster_sizes
            .iter()
            .map(|(size, n)| (format!("size {}", short(*size)), *n, String::new()))
            .collect();
        bars(o, &rows, "kept");
    }
    o.push_str("</section>\n");
}

fn rejected(o: &mut String, c: &Collected) {
    o.push_str("<section id=\"rejected\"><h2>Rejected records</h2>");
    let by = &c.stats.rejected_by.0;
    if by.is_empty() {
        o.push_str("<p>Every record could be read.</p>");
    } else {
        let rows: Vec<(String, u64, String)> = by
            .iter()
            .map(|(k, v)| (k.clone(), *v, String::new()))
            .collect();
        bars(o, &rows, "rejected");
    }
    o.push_str("</section>\n");
}

/// Objects of counts in `stats.json` that the sections above do not draw (e.g. records by kind
/// and skipped records by reason of WARC input): shown as they are, so new counters appear.
fn other_counts(o: &mut String, s: &StatsFile) {
    // The documents, bytes, words, stages, rejected_by and dropped_by (the stages' drops again,
    // flattened) are drawn above; the WARC counts and keys this version does not know are here.
    let warc = [("records", &s.records), ("skipped", &s.skipped)];
    let known = warc.iter().map(|(key, counts)| {
        let rows: Vec<(String, u64, String)> = counts
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), *v, String::new()))
            .collect();
        (key.to_string(), rows)
    });
    let unknown = s.extra.iter().filter_map(|(key, v)| {
        let inner = v.as_object()?;
        let rows: Vec<(String, u64, String)> = inner
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?, String::new())))
            .collect();
        Some((key.clone(), rows))
    });
    for (key, rows) in known.chain(unknown) {
        if rows.is_empty() {
            continue;
        }
        let _ = write!(o, "<section><h2>{}</h2>", esc(&key.replace('_', " ")));
        bars(o, &rows, "kept");
        o.push_str("</section>\n");
    }
}

/// HTML-escape text for element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// JSON that can sit inside `<script type="application/json">`: no `<`, `>` or `&` can end the
/// element or open a comment, and U+2028/2029 are escaped for old parsers.
pub fn json_for_html(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        let v = serde_json::json!({"t": "</script><!-- & \u{2028}"});
        let j = json_for_html(&v);
        assert!(!j.contains('<') && !j.contains('>') && !j.contains('&'));
        let back: Value = serde_json::from_str(&j).unwrap();
        assert_eq!(back, v);
    }
}

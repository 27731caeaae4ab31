//! The WARC / WET / ARC readers on every fixture of `../shared/data/warc/` (real Common Crawl
//! records, and the malformed, clipped and quirky files of other WARC readers' test suites), with
//! their exact counts; and on hand-made files for what the fixtures lack (zstd with a dictionary,
//! broken gzip members, garbage between records, charsets, size limits).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use millstone_io::{
    expand_inputs, expand_inputs_report, read, Document, InputFile, InputKind, ReadOptions, Record,
    RejectKind, Value,
};

fn fixture(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/warc")
        .join(rel);
    assert!(
        p.exists(),
        "missing fixture {} (the shared data folder sits beside the repository)",
        p.display()
    );
    p
}

/// Everything a file gives: documents, records by type, skipped by reason, rejections by kind.
#[derive(Default)]
struct Seen {
    docs: Vec<Document>,
    records: BTreeMap<&'static str, u64>,
    skipped: BTreeMap<String, u64>,
    rejected: Vec<millstone_io::Rejection>,
}

impl Seen {
    fn rejected_by(&self) -> BTreeMap<&'static str, u64> {
        let mut m = BTreeMap::new();
        for r in &self.rejected {
            *m.entry(r.kind.as_str()).or_default() += 1;
        }
        m
    }
}

fn read_path(path: &Path, opts: &ReadOptions) -> (InputKind, Seen) {
    let inputs = expand_inputs(&[path.display().to_string()]).unwrap();
    assert_eq!(inputs.len(), 1);
    let mut seen = Seen::default();
    for r in read(&inputs[0], opts) {
        match r {
            Record::Doc(d) => {
                *seen.records.entry(d.source.record_type).or_default() += 1;
                seen.docs.push(d);
            }
            Record::Skipped(s) => {
                *seen.records.entry(s.record_type).or_default() += 1;
                *seen.skipped.entry(s.reason).or_default() += 1;
            }
            Record::Rejected(r) => seen.rejected.push(r),
        }
    }
    (inputs[0].kind, seen)
}

fn map<K: Ord + Clone>(pairs: &[(K, u64)]) -> BTreeMap<K, u64> {
    pairs.iter().cloned().collect()
}

/// `(fixture, kind, records by type, documents, skipped by reason, rejected by kind)`.
type Row = (
    &'static str,
    InputKind,
    &'static [(&'static str, u64)],
    usize,
    &'static [(&'static str, u64)],
    &'static [(&'static str, u64)],
);

const FIXTURES: &[Row] = &[
    (
        "dolma/tests/data/warc/sample-0000.warc.gz",
        InputKind::Warc,
        &[
            ("metadata", 1),
            ("request", 22),
            ("resource", 2),
            ("response", 22),
            ("warcinfo", 1),
        ],
        22,
        &[
            ("content_type", 2),
            ("metadata", 1),
            ("request", 22),
            ("warcinfo", 1),
        ],
        &[],
    ),
    (
        "dolma/tests/data/warc/sample-0001.warc.gz",
        InputKind::Warc,
        &[
            ("metadata", 1),
            ("request", 15),
            ("resource", 2),
            ("response", 15),
            ("warcinfo", 1),
        ],
        15,
        &[
            ("content_type", 2),
            ("metadata", 1),
            ("request", 15),
            ("warcinfo", 1),
        ],
        &[],
    ),
    // Three records of a type outside the standard ("unknown"), each one 16 KiB gzip block.
    (
        "resiliparse/tests/data/block-sized-records.warc",
        InputKind::Warc,
        &[("other", 3)],
        0,
        &[("other", 3)],
        &[],
    ),
    (
        "resiliparse/tests/data/block-sized-records.warc.gz",
        InputKind::Warc,
        &[("other", 3)],
        0,
        &[("other", 3)],
        &[],
    ),
    (
        "resiliparse/tests/data/block-sized-records.warc.lz4",
        InputKind::Unsupported,
        &[],
        0,
        &[],
        &[("unsupported_format", 1)],
    ),
    // One record whose gzip member is cut short: its rejection, nothing else.
    (
        "resiliparse/tests/data/clipped.warc.gz",
        InputKind::Warc,
        &[],
        0,
        &[],
        &[("decompression", 1)],
    ),
    // ClueWeb09: WARC/0.18, bodies stored decoded under `Content-Encoding: gzip`.
    (
        "resiliparse/tests/data/clueweb-quirk.warc.gz",
        InputKind::Warc,
        &[("response", 29), ("warcinfo", 1)],
        29,
        &[("warcinfo", 1)],
        &[],
    ),
    (
        "resiliparse/tests/data/warcfile.warc",
        InputKind::Warc,
        &[
            ("metadata", 16),
            ("request", 17),
            ("response", 16),
            ("warcinfo", 1),
        ],
        16,
        &[("metadata", 16), ("request", 17), ("warcinfo", 1)],
        &[],
    ),
    (
        "resiliparse/tests/data/warcfile.warc.gz",
        InputKind::Warc,
        &[
            ("metadata", 16),
            ("request", 17),
            ("response", 16),
            ("warcinfo", 1),
        ],
        16,
        &[("metadata", 16), ("request", 17), ("warcinfo", 1)],
        &[],
    ),
    (
        "resiliparse/tests/data/warcfile.warc.lz4",
        InputKind::Unsupported,
        &[],
        0,
        &[],
        &[("unsupported_format", 1)],
    ),
    // Lengths of -1 and `abc`: rejections; a 1-byte record that is no HTTP response.
    (
        "warcio/test/data/bad.arc",
        InputKind::Arc,
        &[("response", 1)],
        0,
        &[("not_http", 1)],
        &[("malformed_record", 3)],
    ),
    (
        "warcio/test/data/example-bad-non-chunked.warc.gz",
        InputKind::Warc,
        &[
            ("request", 2),
            ("response", 1),
            ("revisit", 1),
            ("warcinfo", 2),
        ],
        1,
        &[("request", 2), ("revisit", 1), ("warcinfo", 2)],
        &[],
    ),
    (
        "warcio/test/data/example-bad.warc.gz.bad",
        InputKind::Warc,
        &[
            ("request", 2),
            ("response", 2),
            ("revisit", 1),
            ("warcinfo", 1),
        ],
        1,
        &[
            ("request", 2),
            ("revisit", 1),
            ("status_302", 1),
            ("warcinfo", 1),
        ],
        &[],
    ),
    (
        "warcio/test/data/example-digest.warc",
        InputKind::Warc,
        &[("request", 4)],
        0,
        &[("request", 4)],
        &[],
    ),
    (
        "warcio/test/data/example-iana.org-chunked.warc",
        InputKind::Warc,
        &[("request", 1), ("response", 1), ("warcinfo", 1)],
        1,
        &[("request", 1), ("warcinfo", 1)],
        &[],
    ),
    (
        "warcio/test/data/example-resource.warc.gz",
        InputKind::Warc,
        &[("resource", 1), ("warcinfo", 2)],
        1,
        &[("warcinfo", 2)],
        &[],
    ),
    (
        "warcio/test/data/example-space-in-target-uri.warc.gz",
        InputKind::Warc,
        &[("resource", 1), ("warcinfo", 1)],
        0,
        &[("content_type", 1), ("warcinfo", 1)],
        &[],
    ),
    // The record's Archive-length counts CRLFs the file no longer has: past the end.
    (
        "warcio/test/data/example-space-in-url.arc",
        InputKind::Arc,
        &[("filedesc", 1)],
        0,
        &[("filedesc", 1)],
        &[("malformed_record", 1)],
    ),
    (
        "warcio/test/data/example-trunc.warc",
        InputKind::Warc,
        &[("request", 1), ("warcinfo", 2)],
        0,
        &[("request", 1), ("warcinfo", 2)],
        &[("malformed_record", 1)],
    ),
    (
        "warcio/test/data/example-wget-bad-target-uri.warc.gz",
        InputKind::Warc,
        &[
            ("metadata", 1),
            ("request", 1),
            ("resource", 2),
            ("response", 1),
            ("warcinfo", 1),
        ],
        1,
        &[
            ("content_type", 2),
            ("metadata", 1),
            ("request", 1),
            ("warcinfo", 1),
        ],
        &[],
    ),
    (
        "warcio/test/data/example-wrong-chunks.warc.gz",
        InputKind::Warc,
        &[("request", 1), ("response", 1)],
        1,
        &[("request", 1)],
        &[],
    ),
    (
        "warcio/test/data/example.arc",
        InputKind::Arc,
        &[("filedesc", 1), ("response", 1)],
        1,
        &[("filedesc", 1)],
        &[],
    ),
    (
        "warcio/test/data/example.arc.gz",
        InputKind::Arc,
        &[("filedesc", 1), ("response", 1)],
        1,
        &[("filedesc", 1)],
        &[],
    ),
    (
        "warcio/test/data/example.warc",
        InputKind::Warc,
        &[
            ("request", 2),
            ("response", 1),
            ("revisit", 1),
            ("warcinfo", 2),
        ],
        1,
        &[("request", 2), ("revisit", 1), ("warcinfo", 2)],
        &[],
    ),
    (
        "warcio/test/data/example.warc.gz",
        InputKind::Warc,
        &[
            ("request", 2),
            ("response", 1),
            ("revisit", 1),
            ("warcinfo", 2),
        ],
        1,
        &[("request", 2), ("revisit", 1), ("warcinfo", 2)],
        &[],
    ),
    // POSTs answered with JSON.
    (
        "warcio/test/data/post-test.warc.gz",
        InputKind::Warc,
        &[("request", 3), ("response", 3)],
        0,
        &[("content_type", 3), ("request", 3)],
        &[],
    ),
    (
        "whirlwind/whirlwind.warc.gz",
        InputKind::Warc,
        &[
            ("metadata", 1),
            ("request", 1),
            ("response", 1),
            ("warcinfo", 1),
        ],
        1,
        &[("metadata", 1), ("request", 1), ("warcinfo", 1)],
        &[],
    ),
    (
        "whirlwind/whirlwind.warc.wat.gz",
        InputKind::Unsupported,
        &[],
        0,
        &[],
        &[("unsupported_format", 1)],
    ),
    (
        "whirlwind/whirlwind.warc.wet.gz",
        InputKind::Wet,
        &[("conversion", 1), ("warcinfo", 1)],
        1,
        &[("warcinfo", 1)],
        &[],
    ),
];

#[test]
fn every_fixture_gives_its_exact_counts() {
    let mut failures = Vec::new();
    for &(rel, kind, records, docs, skipped, rejected) in FIXTURES {
        let (got_kind, seen) = read_path(&fixture(rel), &ReadOptions::default());
        let want_skipped: BTreeMap<String, u64> =
            skipped.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        if got_kind != kind
            || seen.records != map(records)
            || seen.docs.len() != docs
            || seen.skipped != want_skipped
            || seen.rejected_by() != map(rejected)
        {
            failures.push(format!(
                "{rel}: kind {got_kind:?}, records {:?}, docs {}, skipped {:?}, rejected {:?}",
                seen.records,
                seen.docs.len(),
                seen.skipped,
                seen.rejected_by()
            ));
        }
        // Every rejection names the file and a byte offset.
        for r in &seen.rejected {
            assert!(r.error.contains(rel), "{rel}: {}", r.error);
            if r.kind != RejectKind::UnsupportedFormat {
                assert!(r.offset.is_some(), "{rel}: no offset in {}", r.error);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every fixture under the walked folder: the walk finds the WARC, ARC, WET and WAT files by name
/// and passes over the others, listing them.
#[test]
fn walking_the_fixtures_takes_every_warc_file() {
    let got = expand_inputs_report(&[fixture("warcio/test/data").display().to_string()]).unwrap();
    let names: Vec<String> = got
        .files
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"example.warc.gz".to_owned()));
    assert!(names.contains(&"example.arc".to_owned()));
    // `.warc.gz.bad` is no input name: passed over, and listed.
    assert!(got
        .skipped
        .iter()
        .any(|s| s.path.ends_with("example-bad.warc.gz.bad") && s.reason.contains(".bad")));
}

fn field<'a>(d: &'a Document, k: &str) -> &'a Value {
    d.fields.get(k).unwrap_or(&Value::Null)
}

#[test]
fn whirlwind_response_document_fields() {
    let path = fixture("whirlwind/whirlwind.warc.gz");
    let (_, seen) = read_path(&path, &ReadOptions::default());
    let d = &seen.docs[0];
    assert!(d.id.starts_with("<urn:uuid:"), "{}", d.id);
    assert!(field(d, "url").as_str().unwrap().starts_with("http"));
    assert!(field(d, "date").as_str().unwrap().starts_with("20"));
    assert_eq!(field(d, "content_type"), "text/html");
    assert_eq!(field(d, "charset"), "UTF-8");
    assert_eq!(field(d, "warc")["file"], path.display().to_string());
    assert!(d.text().to_ascii_lowercase().contains("<html"));
    assert_eq!(d.source.record_type, "response");
    // The offset names the gzip member that holds the record: decompressing from there gives it.
    let offset = field(d, "warc")["offset"].as_u64().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut member = String::new();
    use std::io::Read;
    flate2::read::GzDecoder::new(&bytes[offset as usize..])
        .read_to_string(&mut member)
        .unwrap();
    assert!(member.starts_with("WARC/1.0"));
    assert!(member.contains(&d.id));
}

#[test]
fn wet_conversion_text_as_given() {
    let (_, seen) = read_path(
        &fixture("whirlwind/whirlwind.warc.wet.gz"),
        &ReadOptions::default(),
    );
    let d = &seen.docs[0];
    assert_eq!(d.source.record_type, "conversion");
    assert_eq!(field(d, "content_type"), "text/plain");
    assert!(!d.text().contains('<'));
    assert!(d.text().lines().count() > 10);
}

#[test]
fn chunked_and_gzip_bodies_are_decoded() {
    let (_, seen) = read_path(
        &fixture("warcio/test/data/example-iana.org-chunked.warc"),
        &ReadOptions::default(),
    );
    let text = seen.docs[0].text();
    assert!(
        text.trim_start().starts_with("<!doctype html>") || text.starts_with("<!DOCTYPE"),
        "{}",
        &text[..40]
    );
    assert!(
        text.trim_end().ends_with("</html>"),
        "chunk sizes left in the text"
    );
    let (_, seen) = read_path(
        &fixture("warcio/test/data/example-bad-non-chunked.warc.gz"),
        &ReadOptions::default(),
    );
    assert!(seen.docs[0].text().contains("Example Domain"));
    // Wrong chunk sizes: the body is taken as it is.
    let (_, seen) = read_path(
        &fixture("warcio/test/data/example-wrong-chunks.warc.gz"),
        &ReadOptions::default(),
    );
    assert!(seen.docs[0].text().contains("Example Domain"));
}

#[test]
fn content_types_option_and_truncated_records() {
    let opts = ReadOptions {
        content_types: vec!["application/json".into()],
        ..ReadOptions::default()
    };
    let (_, seen) = read_path(&fixture("warcio/test/data/post-test.warc.gz"), &opts);
    assert_eq!(seen.docs.len(), 3);
    let opts = ReadOptions {
        content_types: vec!["image/png".into()],
        ..ReadOptions::default()
    };
    let (_, seen) = read_path(
        &fixture("warcio/test/data/example-space-in-target-uri.warc.gz"),
        &opts,
    );
    assert_eq!(seen.docs.len(), 1);
}

// ---- hand-made files ----------------------------------------------------------------------

fn record(warc_type: &str, extra: &str, block: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.1\r\nWARC-Type: {warc_type}\r\nWARC-Record-ID: <urn:uuid:{warc_type}-{}>\r\n\
         WARC-Target-URI: http://example.com/{warc_type}\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n\
         {extra}Content-Length: {}\r\n\r\n",
        block.len(),
        block.len()
    )
    .into_bytes();
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

fn response(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut block = format!("HTTP/1.1 {status}\r\n{headers}\r\n").into_bytes();
    block.extend_from_slice(body);
    record(
        "response",
        "Content-Type: application/http; msgtype=response\r\n",
        &block,
    )
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn warc_input(path: &Path) -> InputFile {
    InputFile {
        path: path.to_path_buf(),
        kind: InputKind::Warc,
        root: None,
    }
}

fn read_file(path: &Path, opts: &ReadOptions) -> Vec<Record> {
    read(&warc_input(path), opts).collect()
}

fn page(title: &str) -> Vec<u8> {
    format!("<html><head><title>{title}</title></head><body><p>{title} body</p></body></html>")
        .into_bytes()
}

#[test]
fn statuses_types_and_limits_are_skipped_with_reasons() {
    let tmp = tempfile::tempdir().unwrap();
    let mut file = record("warcinfo", "", b"software: test\r\n");
    file.extend(record("request", "", b"GET / HTTP/1.1\r\n\r\n"));
    file.extend(response(
        "200 OK",
        "Content-Type: text/html\r\n",
        &page("one"),
    ));
    file.extend(response(
        "404 Not Found",
        "Content-Type: text/html\r\n",
        &page("x"),
    ));
    file.extend(response(
        "200 OK",
        "Content-Type: image/png\r\n",
        b"\x89PNG",
    ));
    file.extend(response(
        "200 OK",
        "Content-Type: text/html\r\n",
        &vec![b'a'; 5000],
    ));
    file.extend(record("revisit", "", b""));
    file.extend(record("metadata", "", b"fetchTimeMs: 5\r\n"));
    file.extend(record(
        "response",
        "WARC-Truncated: length\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>cut",
    ));
    file.extend(record("response", "", b"dns answer"));
    let path = tmp.path().join("mixed.warc");
    std::fs::write(&path, &file).unwrap();
    let opts = ReadOptions {
        max_record_bytes: 1000,
        ..ReadOptions::default()
    };
    let got: Vec<String> = read_file(&path, &opts)
        .into_iter()
        .map(|r| match r {
            Record::Doc(d) => format!("doc {} {}", d.source.record, d.id),
            Record::Skipped(s) => format!("skip {} {}", s.record_type, s.reason),
            Record::Rejected(r) => format!("reject {}", r.error),
        })
        .collect();
    assert_eq!(
        got,
        [
            "skip warcinfo warcinfo",
            "skip request request",
            "doc 3 <urn:uuid:response-116>",
            "skip response status_404",
            "skip response content_type",
            "skip response too_large",
            "skip revisit revisit",
            "skip metadata metadata",
            "skip response truncated",
            "skip response not_http",
        ]
    );
    let opts = ReadOptions {
        keep_truncated: true,
        ..ReadOptions::default()
    };
    let docs = read_file(&path, &opts)
        .into_iter()
        .filter_map(Record::doc)
        .count();
    assert_eq!(docs, 3, "one, the 5000-byte page, and the truncated record");
}

#[test]
fn malformed_records_are_rejected_and_reading_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let good = |t: &str| response("200 OK", "Content-Type: text/html\r\n", &page(t));
    let mut file = good("a");
    let bad_header_at = file.len();
    file.extend(
        b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: many\r\n\r\nbody of it\r\n\r\n",
    );
    file.extend(good("b"));
    let garbage_at = file.len();
    file.extend(b"some junk that is no record\nmore junk\n");
    file.extend(good("c"));
    let past_end_at = file.len();
    file.extend(
        b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 999999\r\n\r\nHTTP/1.1 200 OK\r\n",
    );
    let path = tmp.path().join("bad.warc");
    std::fs::write(&path, &file).unwrap();
    let records = read_file(&path, &ReadOptions::default());
    let texts: Vec<String> = records
        .iter()
        .filter_map(|r| match r {
            Record::Doc(d) => Some(d.text().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 3);
    assert!(texts[2].contains("c body"));
    let rejected: Vec<_> = records.into_iter().filter_map(Record::rejection).collect();
    let offsets: Vec<Option<u64>> = rejected.iter().map(|r| r.offset).collect();
    assert_eq!(
        offsets,
        [
            Some(bad_header_at as u64),
            Some(garbage_at as u64),
            Some(past_end_at as u64)
        ]
    );
    assert!(rejected[0].error.contains("Content-Length `many`"));
    assert!(rejected[1].error.contains("no WARC record"));
    assert!(rejected[2].error.contains("past the end"));
    assert!(rejected
        .iter()
        .all(|r| r.kind == RejectKind::MalformedRecord));
}

#[test]
fn a_broken_gzip_member_is_one_rejection_and_the_next_member_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let members: Vec<Vec<u8>> = ["a", "b", "c"]
        .iter()
        .map(|t| gz(&response("200 OK", "Content-Type: text/html\r\n", &page(t))))
        .collect();
    let mut file = members[0].clone();
    let broken_at = file.len();
    let mut broken = members[1].clone();
    let mid = broken.len() / 2;
    for b in &mut broken[mid..mid + 8] {
        *b ^= 0x5a;
    }
    file.extend(&broken);
    file.extend(b"\x00\x00junk between members");
    let c_at = file.len();
    file.extend(&members[2]);
    let path = tmp.path().join("broken.warc.gz");
    std::fs::write(&path, &file).unwrap();
    let records = read_file(&path, &ReadOptions::default());
    let mut docs = Vec::new();
    let mut rejected = Vec::new();
    for r in records {
        match r {
            Record::Doc(d) => docs.push(d),
            Record::Rejected(r) => rejected.push(r),
            Record::Skipped(s) => panic!("{s:?}"),
        }
    }
    assert_eq!(docs.len(), 2, "{rejected:?}");
    assert!(docs[1].text().contains("c body"));
    assert_eq!(field(&docs[1], "warc")["offset"], c_at as u64);
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0].kind, RejectKind::Decompression);
    assert!(rejected[0]
        .error
        .contains(&format!("compressed byte {broken_at}")));
}

/// Regression: a member that starts one byte before the end of the reader's 256 KiB buffer (its
/// `1f` visible, its `8b` not yet read) was taken for garbage between members; found on a
/// 68 MB WARC that warcio and FastWARC read whole.
#[test]
fn a_member_whose_magic_number_straddles_the_read_buffer_is_read() {
    const BUFFER: usize = 256 << 10;
    let tmp = tempfile::tempdir().unwrap();
    // A stored (uncompressed) member of about 250 KB, padded to exactly BUFFER - 1 bytes by the
    // gzip header's comment field (flate2 reads header fields of up to 64 KiB).
    let mut body = page("first");
    body.extend(b"<p>filler</p>".repeat(19_000));
    let first = response("200 OK", "Content-Type: text/html\r\n", &body);
    let member = |comment_len: usize| {
        let mut e = flate2::GzBuilder::new()
            .comment(vec![b'x'; comment_len])
            .write(Vec::new(), flate2::Compression::none());
        e.write_all(&first).unwrap();
        e.finish().unwrap()
    };
    let base = member(1).len();
    assert!(base < BUFFER - 1 && BUFFER - 1 - base < 60_000, "{base}");
    let padded = member(1 + (BUFFER - 1 - base));
    assert_eq!(padded.len(), BUFFER - 1);
    let mut file = padded;
    let second_at = file.len();
    file.extend(gz(&response(
        "200 OK",
        "Content-Type: text/html\r\n",
        &page("second"),
    )));
    let path = tmp.path().join("straddle.warc.gz");
    std::fs::write(&path, &file).unwrap();
    let records = read_file(&path, &ReadOptions::default());
    let shown = format!("{records:?}");
    let docs: Vec<Document> = records.into_iter().filter_map(Record::doc).collect();
    assert_eq!(docs.len(), 2, "{}", &shown[..shown.len().min(600)]);
    assert!(docs[1].text().contains("second body"));
    assert_eq!(field(&docs[1], "warc")["offset"], second_at as u64);
}

#[test]
fn zstd_with_a_dictionary_frame() {
    let tmp = tempfile::tempdir().unwrap();
    let dict = b"WARC/1.1\r\nWARC-Type: response\r\nContent-Type: application/http\r\nHTTP/1.1 200 OK\r\n<html><head><title>".repeat(4);
    let mut file = Vec::new();
    file.extend([0x5D, 0x2A, 0x4D, 0x18]);
    file.extend((dict.len() as u32).to_le_bytes());
    file.extend(&dict);
    for t in ["one", "two"] {
        let rec = response("200 OK", "Content-Type: text/html\r\n", &page(t));
        let mut enc = zstd::stream::write::Encoder::with_dictionary(Vec::new(), 3, &dict).unwrap();
        enc.write_all(&rec).unwrap();
        file.extend(enc.finish().unwrap());
    }
    let path = tmp.path().join("dict.warc.zst");
    std::fs::write(&path, &file).unwrap();
    let inputs = expand_inputs(&[path.display().to_string()]).unwrap();
    assert_eq!(inputs[0].kind, InputKind::Warc);
    let docs: Vec<Document> = read(&inputs[0], &ReadOptions::default())
        .map(|r| r.doc().expect("a document"))
        .collect();
    assert_eq!(docs.len(), 2);
    assert!(docs[1].text().contains("two body"));
}

#[test]
fn charsets_header_meta_and_detection() {
    let tmp = tempfile::tempdir().unwrap();
    let latin = b"<html><body><p>Gr\xFC\xDFe aus M\xFCnchen, sch\xF6ne Stra\xDFe und \xC4pfel f\xFCr alle.</p></body></html>";
    let mut file = response(
        "200 OK",
        "Content-Type: text/html; charset=ISO-8859-1\r\n",
        latin,
    );
    file.extend(response(
        "200 OK",
        "Content-Type: text/html\r\n",
        b"<html><head><meta charset=\"windows-1251\"></head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body></html>",
    ));
    file.extend(response("200 OK", "Content-Type: text/html\r\n", latin));
    let path = tmp.path().join("charsets.warc");
    std::fs::write(&path, &file).unwrap();
    let docs: Vec<Document> = read_file(&path, &ReadOptions::default())
        .into_iter()
        .filter_map(Record::doc)
        .collect();
    assert_eq!(field(&docs[0], "charset"), "windows-1252");
    assert!(docs[0].text().contains("Grüße aus München"));
    assert_eq!(field(&docs[1], "charset"), "windows-1251");
    assert!(docs[1].text().contains("Привет"));
    assert_eq!(field(&docs[2], "charset"), "windows-1252", "detected");
    assert!(docs[2].text().contains("schöne Straße"));
}

#[test]
fn formats_are_sniffed_not_taken_from_names() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let wet = std::fs::read(fixture("whirlwind/whirlwind.warc.wet.gz")).unwrap();
    let mut plain = Vec::new();
    use std::io::Read;
    flate2::read::MultiGzDecoder::new(&wet[..])
        .read_to_end(&mut plain)
        .unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let cases = [
        (write("crawl-wet", &plain), InputKind::Wet),
        (write("misnamed.jsonl.gz", &wet), InputKind::Wet),
        (
            write("table.csv", b"id,name,score\n1,a,0.5\n2,b,0.7\n3,c,0.9\n"),
            InputKind::Unsupported,
        ),
        (
            write("blob.bin", b"\x00\x01\x02binary\xff\xfe"),
            InputKind::Unsupported,
        ),
        (write("page.html", &page("p")), InputKind::Html),
        (write("page-no-ext", &page("p")), InputKind::Html),
        (
            write("notes", b"just some words\nin lines\n"),
            InputKind::Text,
        ),
        (write("lines", b"{\"text\": \"x\"}\n"), InputKind::Jsonl),
        (
            write(
                "old.arc",
                &std::fs::read(fixture("warcio/test/data/example.arc")).unwrap(),
            ),
            InputKind::Arc,
        ),
    ];
    for (path, kind) in &cases {
        let got = expand_inputs(std::slice::from_ref(path)).unwrap();
        assert_eq!(got[0].kind, *kind, "{path}");
    }
    // A file millstone cannot read is one rejection saying what it looks like.
    let csv = expand_inputs(std::slice::from_ref(&cases[2].0)).unwrap();
    let records: Vec<Record> = read(&csv[0], &ReadOptions::default()).collect();
    assert_eq!(records.len(), 1);
    let r = records.into_iter().next().unwrap().rejection().unwrap();
    assert_eq!(r.kind, RejectKind::UnsupportedFormat);
    assert!(r.error.contains("comma-separated table"), "{}", r.error);
    let wat = expand_inputs(&[fixture("whirlwind/whirlwind.warc.wat.gz")
        .display()
        .to_string()])
    .unwrap();
    let r = read(&wat[0], &ReadOptions::default())
        .next()
        .unwrap()
        .rejection()
        .unwrap();
    assert!(r.error.contains("WAT file"), "{}", r.error);
}

#[test]
fn html_files_in_a_folder_take_their_relative_path_as_id() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("index.html"), page("home")).unwrap();
    std::fs::write(root.join("sub/a.htm.gz"), gz(&page("gzipped"))).unwrap();
    std::fs::write(
        root.join("sub/latin.html"),
        b"<html><head><meta charset=iso-8859-1></head><body>caf\xe9</body></html>",
    )
    .unwrap();
    let inputs = expand_inputs(&[root.display().to_string()]).unwrap();
    let docs: Vec<Document> = inputs
        .iter()
        .flat_map(|i| read(i, &ReadOptions::default()))
        .map(|r| r.doc().expect("a document"))
        .collect();
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["index.html", "sub/a.htm.gz", "sub/latin.html"]);
    assert!(docs[1].text().contains("gzipped body"));
    assert!(docs[2].text().contains("café"));
    assert_eq!(field(&docs[2], "charset"), "windows-1252");
}

#[test]
fn a_walk_lists_what_it_passes_over_and_never_enters_millstone_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("dir");
    std::fs::create_dir_all(root.join("out/kept")).unwrap();
    std::fs::create_dir_all(root.join("other/.millstone")).unwrap();
    std::fs::create_dir_all(root.join("real")).unwrap();
    std::fs::write(root.join("out/stats.json"), "{}").unwrap();
    std::fs::write(root.join("out/kept/part-00000.jsonl"), "{\"text\":\"x\"}\n").unwrap();
    std::fs::write(root.join("other/a.jsonl"), "{\"text\":\"x\"}\n").unwrap();
    std::fs::write(root.join("real/a.jsonl"), "{\"text\":\"x\"}\n").unwrap();
    std::fs::write(root.join("real/b.csv"), "a,b\n1,2\n").unwrap();
    std::fs::write(root.join(".hidden.jsonl"), "{\"text\":\"x\"}\n").unwrap();
    std::os::unix::fs::symlink(root.join("real"), root.join("link")).unwrap();
    let got = expand_inputs_report(&[root.display().to_string()]).unwrap();
    let files: Vec<&Path> = got.files.iter().map(|f| f.path.as_path()).collect();
    assert_eq!(files, [root.join("real/a.jsonl")]);
    let skipped: Vec<(String, String)> = got
        .skipped
        .iter()
        .map(|s| {
            let rel = s.path.strip_prefix(&root).unwrap().display().to_string();
            (rel, s.reason.clone())
        })
        .collect();
    assert_eq!(
        skipped,
        [
            (".hidden.jsonl".into(), "hidden".into()),
            (
                "link".into(),
                "symbolic link to a folder (not followed)".into()
            ),
            ("other".into(), "output folder of a millstone run".into()),
            ("out".into(), "output folder of a millstone run".into()),
            ("real/b.csv".into(), "not an input format (.csv)".into()),
        ]
    );
}

/// After a broken member the reader looks for the next `1f 8b 08`; a good member whose header
/// begins in the last one or two bytes of the 256 KiB read buffer must be found, not passed over
/// because the buffer shows only part of its header.
#[test]
fn resync_finds_a_member_whose_header_straddles_the_read_buffer() {
    const BUFFER: usize = 256 << 10;
    let tmp = tempfile::tempdir().unwrap();
    for shown in [1usize, 2] {
        // A gzip header, then deflate data with the reserved block type 3 (an error at once),
        // then filler without a 0x1f byte up to where the good member starts.
        let mut file = vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff];
        file.resize(BUFFER - shown, b'x');
        let good_at = file.len();
        file.extend(gz(&response(
            "200 OK",
            "Content-Type: text/html\r\n",
            &page("after the break"),
        )));
        let path = tmp.path().join(format!("resync-{shown}.warc.gz"));
        std::fs::write(&path, &file).unwrap();
        let records = read_file(&path, &ReadOptions::default());
        let shown_records = format!("{records:?}");
        let rejected = records
            .iter()
            .filter(|r| matches!(r, Record::Rejected(_)))
            .count();
        let docs: Vec<Document> = records.into_iter().filter_map(Record::doc).collect();
        assert_eq!(
            rejected,
            1,
            "{}",
            &shown_records[..shown_records.len().min(600)]
        );
        assert_eq!(
            docs.len(),
            1,
            "header bytes shown {shown}: {}",
            &shown_records[..shown_records.len().min(600)]
        );
        assert!(docs[0].text().contains("after the break body"));
        assert_eq!(field(&docs[0], "warc")["offset"], good_at as u64);
    }
}

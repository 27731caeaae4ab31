//! Expanding arguments into input files, and reading text files.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use millstone_io::{
    expand_inputs, expand_inputs_report, read, InputFile, InputKind, IoError, ReadOptions,
    RejectKind,
};

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

fn tree(root: &Path) {
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
    std::fs::create_dir_all(root.join(".hidden_dir")).unwrap();
    write_file(&root.join("b.jsonl"), b"{\"text\":\"b\"}\n");
    write_file(&root.join("a.txt"), b"a text");
    write_file(&root.join("notes.csv"), b"x,y\n");
    write_file(&root.join(".hidden.jsonl"), b"{\"text\":\"h\"}\n");
    write_file(&root.join(".hidden_dir/c.jsonl"), b"{\"text\":\"h\"}\n");
    write_file(&root.join("sub/c.jsonl.zst"), &zstd(b"{\"text\":\"c\"}\n"));
    write_file(&root.join("sub/deeper/d.txt"), b"# d");
    write_file(&root.join("sub/deeper/image.png"), b"\x89PNG");
    write_file(&root.join("README.md"), b"# about this corpus");
}

#[test]
fn folder_walk_is_recursive_sorted_skips_hidden_and_other_extensions() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("corpus");
    tree(&root);
    let got = expand_inputs_report(&[s(&root)]).unwrap();
    let files: Vec<(PathBuf, InputKind)> =
        got.files.iter().map(|f| (f.path.clone(), f.kind)).collect();
    assert_eq!(
        files,
        [
            (root.join("a.txt"), InputKind::Text),
            (root.join("b.jsonl"), InputKind::Jsonl),
            (root.join("sub/c.jsonl.zst"), InputKind::Jsonl),
            (root.join("sub/deeper/d.txt"), InputKind::Text),
        ]
    );
    assert!(got.files.iter().all(|f| f.root.as_deref() == Some(&*root)));
    let skipped: Vec<(PathBuf, &str)> = got
        .skipped
        .iter()
        .map(|s| (s.path.clone(), s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (root.join(".hidden.jsonl"), "hidden"),
            (root.join(".hidden_dir"), "hidden"),
            (root.join("README.md"), "not an input format (.md)"),
            (root.join("notes.csv"), "not an input format (.csv)"),
            (
                root.join("sub/deeper/image.png"),
                "not an input format (.png)"
            ),
        ]
    );
}

#[test]
fn globs_and_repeated_paths_are_deduplicated_and_sorted() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("corpus");
    tree(&root);
    let args = [
        s(&root.join("sub/c.jsonl.zst")),
        format!("{}/*.jsonl", root.display()),
        s(&root),
        format!("{}/**/*.txt", root.display()),
    ];
    let files = expand_inputs(&args).unwrap();
    let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    assert_eq!(
        paths,
        [
            root.join("a.txt"),
            root.join("b.jsonl"),
            root.join("sub/c.jsonl.zst"),
            root.join("sub/deeper/d.txt"),
        ]
    );
    // The first argument that found a file decides its root: named directly → none.
    assert_eq!(files[2].root, None);
    assert_eq!(files[0].root.as_deref(), Some(&*root));
}

#[test]
fn an_argument_matching_nothing_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = s(&tmp.path().join("nope.jsonl"));
    let err = expand_inputs(std::slice::from_ref(&missing)).unwrap_err();
    assert!(matches!(err, IoError::NoMatch { .. }));
    assert!(err.to_string().contains(&missing), "{err}");

    let glob = format!("{}/*.parquet", tmp.path().display());
    let err = expand_inputs(std::slice::from_ref(&glob)).unwrap_err();
    assert!(err.to_string().contains(&glob), "{err}");

    let empty_dir = tmp.path().join("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    write_file(&empty_dir.join("x.csv"), b"1");
    let err = expand_inputs(&[s(&empty_dir)]).unwrap_err();
    assert!(err.to_string().contains(&s(&empty_dir)), "{err}");
}

#[test]
fn magic_bytes_win_over_a_wrong_extension() {
    let tmp = tempfile::tempdir().unwrap();
    let zst = tmp.path().join("looks_like.txt");
    write_file(&zst, &zstd(b"{\"id\":\"z\",\"text\":\"zstd inside\"}\n"));
    let gz = tmp.path().join("looks_like.parquet");
    write_file(&gz, &gzip(b"{\"id\":\"g\",\"text\":\"gzip inside\"}\n"));
    let files = expand_inputs(&[s(&zst), s(&gz)]).unwrap();
    assert!(files.iter().all(|f| f.kind == InputKind::Jsonl));
    let texts: Vec<String> = files
        .iter()
        .flat_map(|f| read(f, &ReadOptions::default()))
        .map(|r| r.doc().unwrap().text().to_owned())
        .collect();
    assert_eq!(texts, ["gzip inside", "zstd inside"]);
}

#[test]
fn an_explicit_file_with_an_unknown_extension_is_sniffed() {
    let tmp = tempfile::tempdir().unwrap();
    let j = tmp.path().join("data.out");
    write_file(&j, b"  {\"text\":\"x\"}\n");
    let t = tmp.path().join("README");
    write_file(&t, b"plain words");
    let files = expand_inputs(&[s(&j), s(&t)]).unwrap();
    assert_eq!(files[0].kind, InputKind::Text); // README sorts first
    assert_eq!(files[1].kind, InputKind::Jsonl);
}

#[test]
fn text_file_is_one_document_with_its_relative_path_as_id() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("corpus");
    tree(&root);
    let files = expand_inputs(&[s(&root)]).unwrap();
    let txt = files.iter().find(|f| f.path.ends_with("d.txt")).unwrap();
    let (docs, rej) = read_all(txt, &ReadOptions::default());
    assert!(rej.is_empty());
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].id, "sub/deeper/d.txt");
    assert_eq!(docs[0].text(), "# d");
    assert_eq!(docs[0].source.record, 1);
    // Named directly: the file name.
    let direct = InputFile {
        root: None,
        ..txt.clone()
    };
    assert_eq!(read_all(&direct, &ReadOptions::default()).0[0].id, "d.txt");
}

#[test]
fn text_file_over_the_limit_or_not_utf8_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.txt");
    write_file(&big, &vec![b'a'; 3000]);
    let bad = tmp.path().join("bad.txt");
    write_file(&bad, b"ok then \xff\xfe junk");
    let opts = ReadOptions {
        max_record_bytes: 1000,
        ..ReadOptions::default()
    };
    let text = |p: &Path| InputFile {
        path: p.to_path_buf(),
        kind: InputKind::Text,
        root: None,
    };
    let (docs, rej) = read_all(&text(&big), &opts);
    assert!(docs.is_empty());
    assert_eq!(rej[0].kind, RejectKind::TooLarge);
    assert!(rej[0].error.contains("3000"), "{}", rej[0].error);
    let (docs, rej) = read_all(&text(&bad), &opts);
    assert!(docs.is_empty());
    assert_eq!(rej[0].kind, RejectKind::InvalidUtf8);
    assert!(rej[0].error.contains("byte 8"), "{}", rej[0].error);
}

#[test]
fn binary_junk_named_as_text_is_rejected_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("junk.bin");
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    write_file(&p, &junk);
    let files = expand_inputs(&[s(&p)]).unwrap();
    let recs: Vec<_> = read(&files[0], &ReadOptions::default()).collect();
    assert_eq!(recs.len(), 1);
    let r = recs.into_iter().next().unwrap().rejection().unwrap();
    // Named without an input extension: sniffed, and one rejection saying what it looks like.
    assert_eq!(r.kind, RejectKind::UnsupportedFormat);
    assert!(r.error.contains("binary data"), "{}", r.error);
}

#[test]
fn urls_other_than_supported_ones_are_errors_saying_what_to_do() {
    use millstone_io::{check_local, url_scheme};
    assert_eq!(url_scheme("s3://b/p"), Some("s3"));
    assert_eq!(url_scheme("hf://datasets/x"), Some("hf"));
    assert_eq!(url_scheme("data/a.jsonl"), None);
    assert_eq!(url_scheme("weird name://x"), None);
    assert!(check_local("-", "input").is_ok());
    assert!(check_local("data/x", "input").is_ok());
    let hf = check_local("hf://datasets/HuggingFaceFW/fineweb", "input").unwrap_err();
    assert!(hf.to_string().contains("huggingface-cli download"), "{hf}");
    let gs = expand_inputs(&["gs://bucket/x.jsonl".to_owned()]).unwrap_err();
    assert!(matches!(gs, IoError::Unsupported { .. }), "{gs}");
    assert!(
        gs.to_string().starts_with("input `gs://bucket/x.jsonl`"),
        "{gs}"
    );
    let s3 = check_local("s3://bucket/x", "output folder");
    assert_eq!(s3.is_ok(), cfg!(feature = "s3"));
}

//! Object storage: `s3://bucket/prefix` (and S3-compatible servers named by `AWS_ENDPOINT_URL`)
//! as input and as output folder, with the `object_store` crate (cargo feature `s3`).
//!
//! Inputs are listed and downloaded before the run into a local spool folder, each object
//! streamed to disk in chunks (memory stays one chunk per object, whatever its size); the run
//! then reads local files, so every format, the sniffing and the rejections work as for local
//! input. An output folder on object storage is written locally and uploaded when the run ends,
//! each file streamed in 8 MiB parts (multipart upload), `.millstone/` (lock and checkpoint)
//! left out. Credentials, region, endpoint and `AWS_ALLOW_HTTP` come from the usual `AWS_*`
//! environment variables (an `http://` endpoint is allowed without it); failed requests are
//! retried with exponential backoff (up to [`RETRIES`] times).
//!
//! Not for: reading objects while the run goes (the readers need files they can reopen and seek),
//! `--resume` of a run whose output is remote (its checkpoint lives in the local spool), or other
//! stores (`gs://`, `az://`, `hf://`: see [`crate::check_local`]).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{BackoffConfig, ObjectStore, ObjectStoreExt, RetryConfig, WriteMultipart};

use crate::IoError;

/// Retries of a failed request (with exponential backoff) before the run fails.
pub const RETRIES: usize = 6;
/// Size of an uploaded part.
const PART_BYTES: usize = 8 << 20;
/// Parts of one file in flight at once.
const PARTS_IN_FLIGHT: usize = 4;

/// A bucket and a key prefix, parsed from `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the whole bucket.
    pub prefix: String,
}

impl Location {
    /// `s3://bucket[/prefix]` (also `s3a://`); `None` for anything else.
    pub fn parse(url: &str) -> Option<Location> {
        let rest = url
            .strip_prefix("s3://")
            .or_else(|| url.strip_prefix("s3a://"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        (!bucket.is_empty()).then(|| Location {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        })
    }

    fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    fn key(&self, relative: &str) -> Key {
        if self.prefix.is_empty() {
            Key::from(relative)
        } else {
            Key::from(format!("{}/{relative}", self.prefix))
        }
    }
}

fn err(loc: &Location, what: impl std::fmt::Display) -> IoError {
    IoError::Remote {
        url: loc.url(),
        message: what.to_string(),
    }
}

fn store(loc: &Location) -> Result<Arc<dyn ObjectStore>, IoError> {
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(&loc.bucket)
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(15),
                base: 2.0,
            },
            max_retries: RETRIES,
            retry_timeout: Duration::from_secs(180),
        });
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .or_else(|_| std::env::var("AWS_ENDPOINT"))
        .unwrap_or_default();
    if endpoint.starts_with("http://") {
        builder = builder.with_allow_http(true);
    }
    if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none()
    {
        builder = builder.with_region("us-east-1");
    }
    let s3 = builder.build().map_err(|e| err(loc, e))?;
    Ok(Arc::new(s3))
}

fn runtime(loc: &Location) -> Result<tokio::runtime::Runtime, IoError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| err(loc, format!("cannot start the I/O runtime: {e}")))
}

/// What a transfer moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Transfer {
    pub files: u64,
    pub bytes: u64,
}

/// Download every object under `url`'s prefix (or the one object it names) into `dir`, keeping
/// the key below the prefix as the relative path.
pub fn download(url: &str, dir: &Path) -> Result<Transfer, IoError> {
    let loc = Location::parse(url).ok_or_else(|| IoError::Remote {
        url: url.to_owned(),
        message: "not an s3://bucket/prefix URL".into(),
    })?;
    let store = store(&loc)?;
    runtime(&loc)?.block_on(async {
        let prefix = (!loc.prefix.is_empty()).then(|| Key::from(loc.prefix.as_str()));
        let mut listing = store.list(prefix.as_ref());
        let mut objects = Vec::new();
        while let Some(meta) = listing.next().await {
            objects.push(meta.map_err(|e| err(&loc, format!("listing: {e}")))?);
        }
        if objects.is_empty() {
            if let Some(key) = &prefix {
                // The URL may name one object.
                match store.head(key).await {
                    Ok(meta) => objects.push(meta),
                    Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(err(&loc, e)),
                }
            }
        }
        if objects.is_empty() {
            return Err(err(&loc, "no objects under this prefix"));
        }
        objects.sort_by(|a, b| a.location.cmp(&b.location));
        let mut done = Transfer::default();
        for meta in objects {
            let key = meta.location.as_ref();
            let relative = key
                .strip_prefix(loc.prefix.as_str())
                .map(|r| r.trim_start_matches('/'))
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| key.rsplit('/').next().unwrap_or(key));
            let local = dir.join(relative);
            if let Some(parent) = local.parent() {
                std::fs::create_dir_all(parent).map_err(|source| IoError::Write {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            let write_err = |source| IoError::Write {
                path: local.clone(),
                source,
            };
            let mut file = std::fs::File::create(&local).map_err(write_err)?;
            let got = store
                .get(&meta.location)
                .await
                .map_err(|e| err(&loc, format!("{key}: {e}")))?;
            let mut chunks = got.into_stream();
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| err(&loc, format!("{key}: {e}")))?;
                std::io::Write::write_all(&mut file, &chunk).map_err(write_err)?;
                done.bytes += chunk.len() as u64;
            }
            done.files += 1;
        }
        Ok(done)
    })
}

/// Upload every file below `dir` (except `.millstone/`) to `url`'s prefix, each streamed in
/// parts.
pub fn upload(dir: &Path, url: &str) -> Result<Transfer, IoError> {
    let loc = Location::parse(url).ok_or_else(|| IoError::Remote {
        url: url.to_owned(),
        message: "not an s3://bucket/prefix URL".into(),
    })?;
    let mut files = Vec::new();
    list_files(dir, dir, &mut files)?;
    files.sort();
    let store = store(&loc)?;
    runtime(&loc)?.block_on(async {
        let mut done = Transfer::default();
        let mut buf = vec![0u8; 1 << 20];
        for (path, relative) in files {
            let key = loc.key(&relative);
            let read_err = |source| IoError::Read {
                path: path.clone(),
                source,
            };
            let mut file = std::fs::File::open(&path).map_err(read_err)?;
            let upload = store
                .put_multipart(&key)
                .await
                .map_err(|e| err(&loc, format!("{key}: {e}")))?;
            let mut w = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
            loop {
                let n = file.read(&mut buf).map_err(read_err)?;
                if n == 0 {
                    break;
                }
                w.wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(|e| err(&loc, format!("{key}: {e}")))?;
                w.write(&buf[..n]);
                done.bytes += n as u64;
            }
            w.finish()
                .await
                .map_err(|e| err(&loc, format!("{key}: {e}")))?;
            done.files += 1;
        }
        Ok(done)
    })
}

/// A run's object-storage ends, on local disk: the downloaded inputs and the output folder to
/// upload. The spool folder (under the system temporary folder) is removed when this is dropped.
#[derive(Debug)]
pub struct Staging {
    root: PathBuf,
    /// The inputs to read: local paths (remote ones replaced by their downloaded folders).
    pub inputs: Vec<String>,
    /// The output folder to write: local (a spool folder when the output is remote).
    pub out: PathBuf,
    out_url: Option<String>,
    /// What was downloaded.
    pub downloaded: Transfer,
}

impl Staging {
    /// Download the `s3://` inputs and choose a local folder for an `s3://` output; `None` when
    /// neither is remote.
    pub fn prepare(inputs: &[String], out: &Path) -> Result<Option<Staging>, IoError> {
        let out_text = out.to_string_lossy();
        let remote_out = Location::parse(&out_text).is_some();
        if !remote_out && !inputs.iter().any(|i| Location::parse(i).is_some()) {
            return Ok(None);
        }
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let root =
            std::env::temp_dir().join(format!("millstone-s3-{}-{stamp}", std::process::id()));
        let mut staging = Staging {
            root: root.clone(),
            inputs: Vec::with_capacity(inputs.len()),
            out: out.to_path_buf(),
            out_url: None,
            downloaded: Transfer::default(),
        };
        std::fs::create_dir_all(&root).map_err(|source| IoError::Write {
            path: root.clone(),
            source,
        })?;
        for (n, input) in inputs.iter().enumerate() {
            if Location::parse(input).is_none() {
                staging.inputs.push(input.clone());
                continue;
            }
            let dir = root.join(format!("in-{n}"));
            let got = download(input, &dir)?;
            staging.downloaded.files += got.files;
            staging.downloaded.bytes += got.bytes;
            staging.inputs.push(dir.to_string_lossy().into_owned());
        }
        if remote_out {
            staging.out = root.join("out");
            staging.out_url = Some(out_text.into_owned());
        }
        Ok(Some(staging))
    }

    /// The remote output folder, if the output is remote.
    pub fn out_url(&self) -> Option<&str> {
        self.out_url.as_deref()
    }

    /// Upload the output folder if it is remote; what was uploaded.
    pub fn finish(&self) -> Result<Transfer, IoError> {
        match &self.out_url {
            Some(url) => upload(&self.out, url),
            None => Ok(Transfer::default()),
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Files below `dir` as (path, `/`-separated path relative to `root`), `.millstone/` left out.
fn list_files(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) -> Result<(), IoError> {
    let entries = std::fs::read_dir(dir).map_err(|source| IoError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| IoError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            if entry.file_name() != ".millstone" {
                list_files(root, &path, out)?;
            }
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((path, rel));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse() {
        let l = Location::parse("s3://bucket/a/b/").unwrap();
        assert_eq!((l.bucket.as_str(), l.prefix.as_str()), ("bucket", "a/b"));
        assert_eq!(
            l.key("kept/part-00000.jsonl.zst").as_ref(),
            "a/b/kept/part-00000.jsonl.zst"
        );
        let l = Location::parse("s3a://bucket").unwrap();
        assert_eq!(l.prefix, "");
        assert_eq!(l.key("x").as_ref(), "x");
        assert_eq!(Location::parse("s3:///x"), None);
        assert_eq!(Location::parse("gs://bucket/x"), None);
    }
}

//! The decompressed byte stream under the WARC and ARC readers: plain, gzip (one member per record
//! or one for the file) or zstd (with an optional dictionary in a leading skippable frame, as
//! Common Crawl-style `.warc.zst` files carry it).
//!
//! For: giving the record parser bytes with the positions it reports (decompressed offset, and the
//! compressed offset of the gzip member a record starts in), and getting past a broken gzip member
//! to the next one. Not for: parsing records ([`super::warc`]).
//!
//! A read never returns bytes of two gzip members, so the data a `BufReader` over a [`Decoded`]
//! holds always belongs to [`Decoded::member`].

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::GzDecoder;

use super::BOMB_CHECK_AFTER;
use crate::input::{GZIP_MAGIC, ZSTD_MAGIC};

const READ_BUFFER: usize = 256 << 10;
/// How a gzip member starts: the magic number and the deflate method byte.
const MEMBER_HEADER: [u8; 3] = [0x1f, 0x8b, 0x08];
/// The magic number of the skippable zstd frame that holds a `.warc.zst` dictionary.
const ZSTD_DICT_FRAME: [u8; 4] = [0x5D, 0x2A, 0x4D, 0x18];
/// Largest dictionary accepted (Common Crawl's are ~100 KiB).
const MAX_DICT: u32 = 16 << 20;

/// A [`BufReader`] that knows how many bytes were consumed from it.
pub(crate) struct Counted {
    inner: BufReader<File>,
    pub(crate) pos: u64,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl BufRead for Counted {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.pos += amt as u64;
        self.inner.consume(amt);
    }
}

enum Codec {
    Plain(Counted),
    /// Between members (`None` decoder, the source back in `src`) or inside one.
    Gzip {
        src: Option<Counted>,
        dec: Option<Box<GzDecoder<Counted>>>,
    },
    Zstd(Box<zstd::stream::read::Decoder<'static, Counted>>),
}

/// The decompressed bytes of a file. Errors name the compressed offset; after one, [`Self::resync`]
/// moves to the next gzip member (other codecs end there).
pub(crate) struct Decoded {
    codec: Codec,
    /// Compressed offset of the current gzip member, and the decompressed offset it starts at.
    member: (u64, u64),
    out: u64,
    max_ratio: u64,
    /// Set once the stream cannot go on (zstd error, decompression bomb).
    dead: bool,
}

/// How a file is compressed, from its first bytes.
pub(crate) fn compression_name(head: &[u8]) -> &'static str {
    if head.starts_with(&GZIP_MAGIC) {
        "gzip"
    } else if head.starts_with(&ZSTD_MAGIC) || head.starts_with(&ZSTD_DICT_FRAME) {
        "zstd"
    } else {
        "none"
    }
}

impl Decoded {
    pub(crate) fn open(path: &std::path::Path, max_ratio: u64) -> io::Result<Self> {
        let mut src = Counted {
            inner: BufReader::with_capacity(READ_BUFFER, File::open(path)?),
            pos: 0,
        };
        let head = src.fill_buf()?;
        let codec = match compression_name(head) {
            "gzip" => Codec::Gzip {
                src: Some(src),
                dec: None,
            },
            "zstd" => {
                let dict = read_zstd_dictionary(&mut src)?;
                let dec = zstd::stream::read::Decoder::with_dictionary(src, &dict)?;
                Codec::Zstd(Box::new(dec))
            }
            _ => Codec::Plain(src),
        };
        Ok(Decoded {
            codec,
            member: (0, 0),
            out: 0,
            max_ratio,
            dead: false,
        })
    }

    /// `(compressed offset, decompressed offset)` where the gzip member holding the data last
    /// returned began; `(0, 0)` for other codecs.
    pub(crate) fn member(&self) -> (u64, u64) {
        self.member
    }

    /// Decompressed bytes returned so far.
    pub(crate) fn out(&self) -> u64 {
        self.out
    }

    /// Whether each record may sit in its own gzip member (so a member offset names it).
    pub(crate) fn is_gzip(&self) -> bool {
        matches!(self.codec, Codec::Gzip { .. })
    }

    fn compressed_pos(&self) -> u64 {
        match &self.codec {
            Codec::Plain(s) => s.pos,
            Codec::Gzip { src: Some(s), .. } => s.pos,
            Codec::Gzip { dec: Some(d), .. } => d.get_ref().pos,
            Codec::Gzip { .. } => 0,
            Codec::Zstd(d) => d.get_ref().pos,
        }
    }

    /// After an error: skip to the next gzip member (a `1f 8b 08` header after the current
    /// compressed position). Returns the compressed offset it resumes at, or `None` when the
    /// stream cannot go on (end of file, other codecs, a bomb).
    pub(crate) fn resync(&mut self) -> Option<u64> {
        if self.dead {
            return None;
        }
        let Codec::Gzip { src, dec } = &mut self.codec else {
            self.dead = true;
            return None;
        };
        if let Some(d) = dec.take() {
            *src = Some(d.into_inner());
        }
        let s = src.as_mut()?;
        // Never resume at the header we failed in: step one byte past the member start if we are
        // still on it (its first byte may be all the buffer shows).
        if s.pos == self.member.0
            && s.fill_buf()
                .is_ok_and(|b| b.first() == Some(&GZIP_MAGIC[0]))
        {
            s.consume(1);
        }
        loop {
            let buf = match s.fill_buf() {
                Ok(b) => b,
                Err(_) => {
                    self.dead = true;
                    return None;
                }
            };
            if buf.is_empty() {
                return None;
            }
            let Some(i) = memchr::memchr(MEMBER_HEADER[0], buf) else {
                let n = buf.len();
                s.consume(n);
                continue;
            };
            // The buffer may end inside a header (`1f` or `1f 8b` its last bytes): what shows
            // matches, so it is a candidate; the decoder reads on across the buffer's end and a
            // false one is a failure passed over while resynchronising, then a one-byte step.
            let shown = &buf[i..buf.len().min(i + MEMBER_HEADER.len())];
            if MEMBER_HEADER.starts_with(shown) {
                s.consume(i);
                return Some(s.pos);
            }
            s.consume(i + 1);
        }
    }

    fn check_ratio(&mut self) -> io::Result<()> {
        if self.max_ratio > 0
            && self.out > BOMB_CHECK_AFTER
            && !matches!(self.codec, Codec::Plain(_))
        {
            let compressed = self.compressed_pos().max(1);
            if self.out > self.max_ratio.saturating_mul(compressed) {
                self.dead = true;
                return Err(io::Error::other(StreamError::Bomb {
                    out: self.out,
                    compressed,
                    max_ratio: self.max_ratio,
                }));
            }
        }
        Ok(())
    }
}

/// Why the decompressed stream failed.
#[derive(Debug)]
pub(crate) enum StreamError {
    /// A gzip member or zstd frame that does not decode, at this compressed offset.
    Corrupt {
        codec: &'static str,
        at: u64,
        error: String,
    },
    /// Bytes between gzip members that are no gzip header.
    Garbage { at: u64 },
    Bomb {
        out: u64,
        compressed: u64,
        max_ratio: u64,
    },
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamError::Corrupt { codec, at, error } => {
                write!(f, "broken {codec} data at compressed byte {at}: {error}")
            }
            StreamError::Garbage { at } => {
                write!(f, "bytes that are no gzip member at compressed byte {at}")
            }
            StreamError::Bomb {
                out,
                compressed,
                max_ratio,
            } => write!(
                f,
                "decompression bomb: {compressed} compressed bytes expanded to {out} bytes so far, \
                 over max_decompression_ratio = {max_ratio}"
            ),
        }
    }
}

impl std::error::Error for StreamError {}

impl StreamError {
    /// The stream error inside an `io::Error` from [`Decoded`], if it is one.
    pub(crate) fn of(e: &io::Error) -> Option<&StreamError> {
        e.get_ref().and_then(|inner| inner.downcast_ref())
    }
}

impl Read for Decoded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.dead {
            return Ok(0);
        }
        loop {
            match &mut self.codec {
                Codec::Plain(s) => {
                    let n = s.read(buf)?;
                    self.out += n as u64;
                    return Ok(n);
                }
                Codec::Zstd(d) => {
                    let n = d.read(buf).map_err(|e| {
                        let at = d.get_ref().pos;
                        io::Error::other(StreamError::Corrupt {
                            codec: "zstd",
                            at,
                            error: e.to_string(),
                        })
                    });
                    let n = match n {
                        Ok(n) => n,
                        Err(e) => {
                            self.dead = true;
                            return Err(e);
                        }
                    };
                    self.out += n as u64;
                    self.check_ratio()?;
                    return Ok(n);
                }
                Codec::Gzip { src, dec } => {
                    if let Some(d) = dec {
                        match d.read(buf) {
                            Ok(0) if !buf.is_empty() => {
                                // End of this member; the next read starts the next one.
                                let d = dec.take().expect("decoder present");
                                *src = Some(d.into_inner());
                                continue;
                            }
                            Ok(n) => {
                                self.out += n as u64;
                                self.check_ratio()?;
                                return Ok(n);
                            }
                            Err(e) => {
                                let at = self.member.0;
                                return Err(io::Error::other(StreamError::Corrupt {
                                    codec: "gzip member",
                                    at,
                                    error: e.to_string(),
                                }));
                            }
                        }
                    }
                    let s = src.as_mut().expect("source present between members");
                    let head = s.fill_buf()?;
                    if head.is_empty() {
                        return Ok(0);
                    }
                    // The read buffer may end inside the magic number: with one byte left, the
                    // second is not visible yet, and the decoder checks the header itself.
                    if !head.starts_with(&GZIP_MAGIC[..head.len().min(2)]) {
                        return Err(io::Error::other(StreamError::Garbage { at: s.pos }));
                    }
                    self.member = (s.pos, self.out);
                    let s = src.take().expect("source present");
                    *dec = Some(Box::new(GzDecoder::new(s)));
                }
            }
        }
    }
}

/// Read the dictionary of a `.warc.zst` file if it starts with one (a skippable frame whose
/// payload is a zstd dictionary, itself possibly zstd-compressed); empty otherwise.
fn read_zstd_dictionary(src: &mut Counted) -> io::Result<Vec<u8>> {
    let head = src.fill_buf()?;
    if !head.starts_with(&ZSTD_DICT_FRAME) {
        return Ok(Vec::new());
    }
    let mut frame = [0u8; 8];
    src.read_exact(&mut frame)?;
    let len = u32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]);
    if len > MAX_DICT {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("zstd dictionary frame of {len} bytes, over the {MAX_DICT}-byte limit"),
        ));
    }
    let mut dict = vec![0u8; len as usize];
    src.read_exact(&mut dict)?;
    if dict.starts_with(&ZSTD_MAGIC) {
        let mut plain = Vec::new();
        zstd::stream::read::Decoder::new(&dict[..])?
            .take(u64::from(MAX_DICT) * 4)
            .read_to_end(&mut plain)?;
        dict = plain;
    }
    Ok(dict)
}

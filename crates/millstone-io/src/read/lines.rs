//! A line reader with a length cap: reads into a reused buffer, and skips (without buffering) the
//! rest of a line longer than the cap.

use std::io::{self, BufRead};

/// What [`read_line_capped`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// End of input, nothing read.
    Eof,
    /// A line (without its `\n`) is in the buffer. `bytes` consumed, newline included.
    Complete { bytes: u64 },
    /// The line was longer than the cap: the buffer holds its first `cap` bytes, the rest was
    /// skipped. `len` is the line's full length (without `\n`); `bytes` consumed, newline included.
    TooLong { len: u64, bytes: u64 },
}

/// Read the next line into `buf` (cleared first), keeping at most `cap` bytes of it.
///
/// On an I/O error the bytes read so far stay in `buf` and are lost to the caller's accounting,
/// which only needs the offset of the line start.
pub(crate) fn read_line_capped<R: BufRead + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<Line> {
    buf.clear();
    let mut len: u64 = 0;
    let mut saw_any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            if !saw_any {
                return Ok(Line::Eof);
            }
            return Ok(finish(len, len, cap));
        }
        saw_any = true;
        let (chunk, used, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        len += chunk.len() as u64;
        reader.consume(used);
        if done {
            return Ok(finish(len, len + 1, cap));
        }
    }
}

fn finish(len: u64, bytes: u64, cap: usize) -> Line {
    if len > cap as u64 {
        Line::TooLong { len, bytes }
    } else {
        Line::Complete { bytes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_continues() {
        let data = b"short\nthis line is long\n\nlast";
        let mut r = io::BufReader::with_capacity(4, &data[..]);
        let mut buf = Vec::new();
        assert_eq!(
            read_line_capped(&mut r, &mut buf, 8).unwrap(),
            Line::Complete { bytes: 6 }
        );
        assert_eq!(buf, b"short");
        assert_eq!(
            read_line_capped(&mut r, &mut buf, 8).unwrap(),
            Line::TooLong { len: 17, bytes: 18 }
        );
        assert_eq!(buf, b"this lin");
        assert_eq!(
            read_line_capped(&mut r, &mut buf, 8).unwrap(),
            Line::Complete { bytes: 1 }
        );
        assert!(buf.is_empty());
        assert_eq!(
            read_line_capped(&mut r, &mut buf, 8).unwrap(),
            Line::Complete { bytes: 4 }
        );
        assert_eq!(buf, b"last");
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), Line::Eof);
    }
}

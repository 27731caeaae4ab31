//! [`parse_size`]: a byte count written with a binary suffix (`512K`, `256M`, `4G`, `1T`, any
//! case), the one reading of sizes shared by the command line (`--shard-size`,
//! `--max-record-bytes`) and stage options (dedup's `memory_limit`).
//!
//! Not here: words such as `unlimited`, which mean something only to the option that takes them.

/// A size that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    #[error("`{0}` is not a size like 512K, 256M or 1G")]
    NotASize(String),
    /// Zero, or more bytes than a `u64` holds.
    #[error("`{0}` is not a positive size")]
    NotPositive(String),
}

/// Bytes in `s`: a whole number, optionally followed by `K`, `M`, `G` or `T` (powers of 1024,
/// upper or lower case); surrounding spaces are ignored. Zero is refused.
pub fn parse_size(s: &str) -> Result<u64, SizeError> {
    let t = s.trim();
    let (num, shift) = match t.char_indices().last() {
        Some((i, c)) if c.eq_ignore_ascii_case(&'k') => (&t[..i], 10),
        Some((i, c)) if c.eq_ignore_ascii_case(&'m') => (&t[..i], 20),
        Some((i, c)) if c.eq_ignore_ascii_case(&'g') => (&t[..i], 30),
        Some((i, c)) if c.eq_ignore_ascii_case(&'t') => (&t[..i], 40),
        _ => (t, 0),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| SizeError::NotASize(t.to_owned()))?;
    n.checked_mul(1u64 << shift)
        .filter(|&v| v > 0)
        .ok_or_else(|| SizeError::NotPositive(t.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_in_either_case() {
        for (text, bytes) in [
            ("1000", 1000),
            ("512K", 512 << 10),
            ("512k", 512 << 10),
            ("256M", 256 << 20),
            ("256m", 256 << 20),
            ("4G", 4 << 30),
            ("4g", 4 << 30),
            ("2T", 2 << 40),
            ("2t", 2 << 40),
            (" 64M ", 64 << 20),
            ("64 M", 64 << 20),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
    }

    #[test]
    fn bad_sizes_name_the_text() {
        assert_eq!(
            parse_size("12Q").unwrap_err().to_string(),
            "`12Q` is not a size like 512K, 256M or 1G"
        );
        for bad in ["", "lots", "M", "-1M", "1.5G", "unlimited"] {
            assert!(
                matches!(parse_size(bad), Err(SizeError::NotASize(_))),
                "{bad}"
            );
        }
        assert_eq!(
            parse_size("0").unwrap_err().to_string(),
            "`0` is not a positive size"
        );
        assert!(matches!(
            parse_size("99999999999T"),
            Err(SizeError::NotPositive(_))
        ));
    }
}

//! xxh64 (seed 0) of short slices of a larger buffer, with fewer branches than a general
//! implementation: the shingle hash of datatrove's MinHash, bit-identical to `xxhash_rust`'s.
//!
//! A 5-word shingle is ~26 bytes (a third of them 32 bytes or more), and xxh64 finishes the last
//! `len % 32` bytes with up to three 8-byte steps, an optional 4-byte step and up to three 1-byte
//! steps. Which of those run depends on the length, which changes from shingle to shingle, so a
//! loop version mispredicts a couple of branches per hash. Here every step is computed and kept or
//! discarded by a select, reading bytes past the shingle (they belong to the next words; the
//! caller guarantees 32 readable bytes for a shingle under 32 bytes, 64 for one under 64). Inputs
//! of 64 bytes or more, or too near the end of the buffer, use `xxhash_rust`.
//!
//! Not for: anything but seed 0 and this calling pattern.

const PRIME_1: u64 = 0x9E37_79B1_85EB_CA87;
const PRIME_2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const PRIME_3: u64 = 0x1656_67B1_9E37_79F9;
const PRIME_4: u64 = 0x85EB_CA77_C2B2_AE63;
const PRIME_5: u64 = 0x27D4_EB2F_1656_67C5;

#[inline(always)]
fn read_u64(b: &[u8; 32], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn read_u32(b: &[u8; 32], at: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u64::from(u32::from_le_bytes(w))
}

/// Branch-free select (a plain `if` may be turned back into a branch).
#[inline(always)]
fn pick(cond: bool, a: u64, b: u64) -> u64 {
    let m = 0u64.wrapping_sub(u64::from(cond));
    (a & m) | (b & !m)
}

/// xxh64's round: one 8-byte lane into an accumulator.
#[inline(always)]
fn round(acc: u64, lane: u64) -> u64 {
    acc.wrapping_add(lane.wrapping_mul(PRIME_2))
        .rotate_left(31)
        .wrapping_mul(PRIME_1)
}

/// xxh64 with seed 0 of `buf[start..start + len]`.
#[inline]
pub(crate) fn xxh64_at(buf: &[u8], start: usize, len: usize) -> u64 {
    let block = |at: usize| {
        buf.get(at..at + 32)
            .and_then(|w| <&[u8; 32]>::try_from(w).ok())
    };
    if len < 32 {
        if let Some(p) = block(start) {
            return finish(PRIME_5.wrapping_add(len as u64), p, len);
        }
    } else if len < 64 {
        if let (Some(p), Some(rest)) = (block(start), block(start + 32)) {
            // One full stripe, seed 0: the four accumulators start at P1 + P2, P2, 0, -P1.
            let v1 = round(PRIME_1.wrapping_add(PRIME_2), read_u64(p, 0));
            let v2 = round(PRIME_2, read_u64(p, 8));
            let v3 = round(0, read_u64(p, 16));
            let v4 = round(0u64.wrapping_sub(PRIME_1), read_u64(p, 24));
            let mut h = v1
                .rotate_left(1)
                .wrapping_add(v2.rotate_left(7))
                .wrapping_add(v3.rotate_left(12))
                .wrapping_add(v4.rotate_left(18));
            for v in [v1, v2, v3, v4] {
                h = (h ^ round(0, v))
                    .wrapping_mul(PRIME_1)
                    .wrapping_add(PRIME_4);
            }
            return finish(h.wrapping_add(len as u64), rest, len - 32);
        }
    }
    xxhash_rust::xxh64::xxh64(&buf[start..start + len], 0)
}

/// xxh64's end: the last `len < 32` bytes (at the start of `p`) into `h`, then the avalanche.
#[inline(always)]
fn finish(mut h: u64, p: &[u8; 32], len: usize) -> u64 {
    let n8 = len / 8;
    for k in 0..3 {
        let next = (h ^ round(0, read_u64(p, 8 * k)))
            .rotate_left(27)
            .wrapping_mul(PRIME_1)
            .wrapping_add(PRIME_4);
        h = pick(k < n8, next, h);
    }
    let mut at = 8 * n8;
    let has4 = len & 4 != 0;
    let next = (h ^ read_u32(p, at).wrapping_mul(PRIME_1))
        .rotate_left(23)
        .wrapping_mul(PRIME_2)
        .wrapping_add(PRIME_3);
    h = pick(has4, next, h);
    at += 4 * usize::from(has4);
    let n1 = len & 3;
    for k in 0..3 {
        let next = (h ^ u64::from(p[at + k]).wrapping_mul(PRIME_5))
            .rotate_left(11)
            .wrapping_mul(PRIME_1);
        h = pick(k < n1, next, h);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(PRIME_2);
    h ^= h >> 29;
    h = h.wrapping_mul(PRIME_3);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh64::xxh64;

    #[test]
    fn identical_to_xxhash_rust() {
        let buf: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for start in 0..buf.len() {
            for len in 0..=(buf.len() - start).min(140) {
                assert_eq!(
                    xxh64_at(&buf, start, len),
                    xxh64(&buf[start..start + len], 0),
                    "start {start} len {len}"
                );
            }
        }
        assert_eq!(xxh64_at(b"", 0, 0), xxh64(b"", 0));
    }
}

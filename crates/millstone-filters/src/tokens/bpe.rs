//! Byte-pair encoding of one piece, counting only: how many tokens tiktoken gives a piece.
//!
//! tiktoken's rule: a piece that is itself in the vocabulary is one token; otherwise start from
//! single bytes and repeatedly merge the adjacent pair whose concatenation has the lowest rank
//! (the leftmost on a tie) until no adjacent pair is in the vocabulary. The number of parts left
//! is the token count. Short pieces use a plain scan per merge; long ones (a minified script, a
//! run of `=`) a heap, so that a megabyte-long piece costs `n log n`, not `n²`.
//!
//! Not here: splitting a text into pieces (`split.rs`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

/// Above this many bytes a piece is merged with the heap.
const SCAN_MAX: usize = 64;

/// Token bytes → rank, for one encoding.
///
/// Tokens of up to [`PACKED_MAX`] bytes (nearly all of them, and every pair looked up while
/// merging short parts) are keyed by their bytes packed into an integer: a lookup compares
/// integers in the table itself instead of following a pointer to compare bytes.
pub(crate) struct Vocabulary {
    short: FxHashMap<u128, u32>,
    long: FxHashMap<Box<[u8]>, u32>,
    /// Longest token in bytes: longer pieces are never one token.
    longest: usize,
}

/// Longest token stored packed: 15 bytes and the length fit in a `u128`.
const PACKED_MAX: usize = 15;

/// `bytes` (at most [`PACKED_MAX`]) and their length as one integer; distinct for distinct
/// byte strings.
#[inline]
fn pack(bytes: &[u8]) -> u128 {
    let mut buf = [0u8; 16];
    buf[..bytes.len()].copy_from_slice(bytes);
    buf[15] = bytes.len() as u8;
    u128::from_le_bytes(buf)
}

impl Vocabulary {
    pub(crate) fn new(ranks: impl IntoIterator<Item = (Vec<u8>, u32)>) -> Self {
        let mut v = Vocabulary {
            short: FxHashMap::default(),
            long: FxHashMap::default(),
            longest: 0,
        };
        for (bytes, rank) in ranks {
            v.longest = v.longest.max(bytes.len());
            if bytes.len() <= PACKED_MAX {
                v.short.insert(pack(&bytes), rank);
            } else {
                v.long.insert(bytes.into_boxed_slice(), rank);
            }
        }
        v
    }

    pub(crate) fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    #[inline]
    fn rank(&self, bytes: &[u8]) -> Option<u32> {
        if bytes.len() <= PACKED_MAX {
            self.short.get(&pack(bytes)).copied()
        } else if bytes.len() <= self.longest {
            self.long.get(bytes).copied()
        } else {
            None
        }
    }

    /// Is `piece` one token?
    #[inline]
    pub(crate) fn contains(&self, piece: &[u8]) -> bool {
        self.rank(piece).is_some()
    }

    /// Tokens in `piece` (which is not itself a token) after BPE merges.
    pub(crate) fn merge_count(&self, piece: &[u8]) -> usize {
        if piece.len() <= SCAN_MAX {
            self.merge_count_scan(piece)
        } else {
            self.merge_count_heap(piece)
        }
    }

    /// Parts as a list of start offsets (plus `piece.len()` at the end) with, for each part,
    /// the rank of merging it with the next one; each merge scans for the lowest rank.
    fn merge_count_scan(&self, piece: &[u8]) -> usize {
        let n = piece.len();
        if n < 2 {
            return n;
        }
        // (start of part, rank of merging it with the next part)
        let mut parts: Vec<(usize, u32)> = (0..=n)
            .map(|i| {
                let rank = if i + 2 <= n {
                    self.rank(&piece[i..i + 2]).unwrap_or(u32::MAX)
                } else {
                    u32::MAX
                };
                (i, rank)
            })
            .collect();
        let pair_rank = |parts: &[(usize, u32)], k: usize| -> u32 {
            if k + 2 < parts.len() {
                self.rank(&piece[parts[k].0..parts[k + 2].0])
                    .unwrap_or(u32::MAX)
            } else {
                u32::MAX
            }
        };
        loop {
            let mut best = (u32::MAX, 0);
            for (k, &(_, rank)) in parts[..parts.len() - 1].iter().enumerate() {
                if rank < best.0 {
                    best = (rank, k);
                }
            }
            if best.0 == u32::MAX {
                break;
            }
            let k = best.1;
            parts.remove(k + 1);
            parts[k].1 = pair_rank(&parts, k);
            if k > 0 {
                parts[k - 1].1 = pair_rank(&parts, k - 1);
            }
        }
        parts.len() - 1
    }

    /// The same merges with a doubly linked list of parts and a min-heap of candidate merges
    /// keyed `(rank, start)`; a popped candidate is stale (and skipped) if its part was merged
    /// away or its rank changed since it was pushed.
    fn merge_count_heap(&self, piece: &[u8]) -> usize {
        let n = piece.len();
        // Per byte offset that starts a part: the start of the next part, the start of the
        // previous one, and the rank of merging with the next (u32::MAX: none).
        let mut next: Vec<usize> = (1..=n).collect();
        let mut prev: Vec<usize> = (0..n).map(|i| i.wrapping_sub(1)).collect();
        let mut rank: Vec<u32> = vec![u32::MAX; n];
        let mut alive = vec![true; n];
        let mut heap = BinaryHeap::with_capacity(n);
        for i in 0..n - 1 {
            if let Some(r) = self.rank(&piece[i..i + 2]) {
                rank[i] = r;
                heap.push(Reverse((r, i)));
            }
        }
        let mut parts = n;
        while let Some(Reverse((r, start))) = heap.pop() {
            if !alive[start] || rank[start] != r {
                continue;
            }
            // Merge the part at `start` with the next one.
            let gone = next[start];
            alive[gone] = false;
            let after = next[gone];
            next[start] = after;
            if after < n {
                prev[after] = start;
            }
            parts -= 1;
            rank[start] = if after < n {
                self.rank(&piece[start..next[after]]).unwrap_or(u32::MAX)
            } else {
                u32::MAX
            };
            if rank[start] != u32::MAX {
                heap.push(Reverse((rank[start], start)));
            }
            let before = prev[start];
            if before < n {
                rank[before] = self.rank(&piece[before..after]).unwrap_or(u32::MAX);
                if rank[before] != u32::MAX {
                    heap.push(Reverse((rank[before], before)));
                }
            }
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Vocabulary {
        let tokens = ["ab", "cd", "aa", "abcd", "aaaa", "b", "abcdabcdabcdabcd"];
        Vocabulary::new(
            tokens
                .iter()
                .enumerate()
                .map(|(i, t)| (t.as_bytes().to_vec(), i as u32)),
        )
    }

    #[test]
    fn packed_and_long_tokens_are_found() {
        let v = toy();
        assert_eq!(v.rank(b"ab"), Some(0));
        assert_eq!(v.rank(b"abcdabcdabcdabcd"), Some(6));
        assert_eq!(v.rank(b"abcdabcdabcdabc"), None);
        assert_eq!(v.rank(b"ab\0"), None);
        assert_eq!(v.rank(b""), None);
        assert_eq!(v.len(), 7);
    }

    #[test]
    fn merges_lowest_rank_first_leftmost_on_ties() {
        let v = toy();
        // ab + cd → abcd: one part.
        assert_eq!(v.merge_count_scan(b"abcd"), 1);
        assert_eq!(v.merge_count_heap(b"abcd"), 1);
        // "ab" (rank 0) wins over "aa" (rank 2): a|ab|... → "a", "ab", "a"
        assert_eq!(v.merge_count_scan(b"aaba"), 3);
        assert_eq!(v.merge_count_heap(b"aaba"), 3);
        // aaa: leftmost "aa" merges, then "a" is left.
        assert_eq!(v.merge_count_scan(b"aaa"), 2);
        assert_eq!(v.merge_count_heap(b"aaa"), 2);
        assert_eq!(v.merge_count_scan(b"aaaaa"), 2);
        assert_eq!(v.merge_count_heap(b"aaaaa"), 2);
        assert_eq!(v.merge_count_scan(b"x"), 1);
        assert_eq!(v.merge_count_scan(b""), 0);
    }

    #[test]
    fn heap_and_scan_agree() {
        let v = toy();
        let mut next = crate::test_rng::below(0x2545_f491_4f6c_dd1d);
        for len in 0..300 {
            let piece: Vec<u8> = (0..len).map(|_| b"abcdx"[next(5)]).collect();
            if len > 0 {
                assert_eq!(
                    v.merge_count_scan(&piece),
                    v.merge_count_heap(&piece),
                    "{}",
                    String::from_utf8_lossy(&piece)
                );
            }
        }
    }
}

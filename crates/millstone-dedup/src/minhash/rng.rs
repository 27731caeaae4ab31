//! numpy's legacy `RandomState` generator (MT19937) and its `randint(low, high, size,
//! dtype=np.uint64)`, so that MinHash permutation constants come out exactly as datatrove draws
//! them, for any seed and any number of hashes.
//!
//! numpy details reproduced: an integer seed initialises MT19937 with the reference `init_genrand`;
//! a 64-bit draw is two 32-bit draws, the first one the high half; `randint` on the half-open
//! `[low, high)` draws from the closed range `[low, high - 1]` by masked rejection (the smallest
//! all-ones mask covering `high - 1 - low`; a draw above the range is discarded), using 32-bit
//! draws when the range fits in 32 bits, and no draw at all for a one-value range.
//!
//! Not for: anything else numpy does (other dtypes, array bounds, the newer `Generator`).

/// MT19937 state, numpy's legacy seeding.
pub(crate) struct Mt19937 {
    key: [u32; 624],
    pos: usize,
}

impl Mt19937 {
    /// `np.random.RandomState(seed)` for an integer seed (numpy accepts 0 ..= 2^32 - 1).
    pub(crate) fn new(seed: u32) -> Self {
        let mut key = [0u32; 624];
        let mut s = seed;
        for (i, k) in key.iter_mut().enumerate() {
            *k = s;
            s = 1_812_433_253u32
                .wrapping_mul(s ^ (s >> 30))
                .wrapping_add(i as u32 + 1);
        }
        Self { key, pos: 624 }
    }

    fn regenerate(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        for i in 0..624 {
            let y = (self.key[i] & UPPER) | (self.key[(i + 1) % 624] & LOWER);
            let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
            self.key[i] = self.key[(i + 397) % 624] ^ (y >> 1) ^ mag;
        }
        self.pos = 0;
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        if self.pos >= 624 {
            self.regenerate();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        let lo = u64::from(self.next_u32());
        hi << 32 | lo
    }

    /// `randint(low, high + 1, size=n, dtype=np.uint64)`: `n` draws from the closed range
    /// `[low, high]`; `None` when `low > high` (numpy raises).
    pub(crate) fn randint_closed(&mut self, low: u64, high: u64, n: usize) -> Option<Vec<u64>> {
        let rng = high.checked_sub(low)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let v = if rng == 0 {
                0
            } else if rng == u64::from(u32::MAX) {
                u64::from(self.next_u32())
            } else if rng < u64::from(u32::MAX) {
                let mask = mask_for(rng);
                loop {
                    let v = u64::from(self.next_u32()) & mask;
                    if v <= rng {
                        break v;
                    }
                }
            } else if rng == u64::MAX {
                self.next_u64()
            } else {
                let mask = mask_for(rng);
                loop {
                    let v = self.next_u64() & mask;
                    if v <= rng {
                        break v;
                    }
                }
            };
            out.push(low + v);
        }
        Some(out)
    }
}

/// The smallest `2^k - 1` that is `>= max`.
fn mask_for(max: u64) -> u64 {
    if max == 0 {
        0
    } else {
        u64::MAX >> max.leading_zeros()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_mt19937_output() {
        // The reference implementation's first outputs for init_genrand(5489).
        let mut mt = Mt19937::new(5489);
        let got: Vec<u32> = (0..3).map(|_| mt.next_u32()).collect();
        assert_eq!(got, [3_499_211_612, 581_869_302, 3_890_346_734]);
        // 10000th output, the classic check value.
        let mut mt = Mt19937::new(5489);
        let v = (0..10_000).map(|_| mt.next_u32()).last();
        assert_eq!(v, Some(4_123_659_995));
    }

    /// `tests/fixtures/numpy_randint.json` (from `tools/parity/record_minhash.py`): numpy's own
    /// draws for several seeds, every range shape and several sizes, drawn in sequence.
    #[test]
    fn matches_numpy_randint() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/numpy_randint.json"
        );
        let json = std::fs::read_to_string(path).expect("numpy_randint.json");
        let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        let cases = doc["cases"].as_array().expect("cases");
        let mut draws = 0;
        for case in cases {
            let seed = case["seed"].as_u64().and_then(|s| u32::try_from(s).ok());
            let mut mt = Mt19937::new(seed.expect("seed"));
            for d in case["draws"].as_array().expect("draws") {
                let num = |k: &str| d[k].as_u64().expect("number");
                let want: Vec<u64> = d["values"]
                    .as_array()
                    .expect("values")
                    .iter()
                    .filter_map(serde_json::Value::as_u64)
                    .collect();
                let got =
                    mt.randint_closed(num("low"), num("high_inclusive"), num("size") as usize);
                assert_eq!(got.as_ref(), Some(&want), "seed {seed:?}, draw {d}");
                draws += 1;
            }
        }
        assert!(cases.len() >= 5 && draws >= 50, "{draws} draws");
    }

    #[test]
    fn masks_and_degenerate_ranges() {
        assert_eq!(mask_for(1), 1);
        assert_eq!(mask_for(5), 7);
        assert_eq!(mask_for((1 << 61) - 3), (1 << 61) - 1);
        assert_eq!(mask_for(u64::MAX), u64::MAX);
        let mut mt = Mt19937::new(1);
        assert_eq!(mt.randint_closed(7, 7, 3), Some(vec![7, 7, 7]));
        assert_eq!(mt.randint_closed(8, 7, 3), None);
        assert!(mt
            .randint_closed(0, 9, 100)
            .is_some_and(|v| v.iter().all(|&x| x <= 9)));
    }
}

//! The MinHash inner loop: for every hash function `j` and every shingle `s`,
//! `mins[j] = min(mins[j], ((s * a[j] + b[j]) mod 2^64) mod (2^61 - 1))`.
//!
//! This is where signing spends its time (112 multiply-add-mod-min per shingle by default), so it
//! is written for the vectoriser: for one hash function at a time, the shingles are processed in
//! fixed-size chunks, so the loop becomes straight vector code. The same code is compiled three
//! times — portably, with AVX2 and with AVX-512F/DQ (`vpmullq`, `vpminuq`) — and the best copy the
//! CPU can run is chosen at run time. All give the same bits (tested).
//!
//! Not for: anything but the arithmetic; the constants are the caller's ([`super::Signer`]).

/// 2^61 - 1, datatrove's `_mersenne_prime`.
pub(crate) const P: u64 = (1 << 61) - 1;

/// Which compiled copy of the inner loop to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Plain Rust, vectorised for the compile target's baseline (SSE2 on x86-64).
    Portable,
    /// The same loop compiled with `avx2` (64-bit multiplies and unsigned minima emulated); only
    /// ever selected after run-time detection.
    Avx2,
    /// The same loop compiled with `avx512f,avx512dq` (`vpmullq`, `vpminuq`); only ever selected
    /// after run-time detection.
    Avx512,
}

impl Kernel {
    /// The fastest kernel this CPU can run.
    pub fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
            {
                return Kernel::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Kernel::Avx2;
            }
        }
        Kernel::Portable
    }

    /// Whether this CPU can run `self`.
    pub fn is_supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                Kernel::Portable => true,
                Kernel::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
                Kernel::Avx512 => {
                    std::arch::is_x86_feature_detected!("avx512f")
                        && std::arch::is_x86_feature_detected!("avx512dq")
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Kernel::Portable
        }
    }

    /// `self` if this CPU can run it, else [`Kernel::Portable`].
    pub fn or_supported(self) -> Kernel {
        if self.is_supported() {
            self
        } else {
            Kernel::Portable
        }
    }
}

/// Shingles per step of the inner loop: four 512-bit vectors, enough independent work to hide
/// the multiply latency.
const CHUNK: usize = 32;

/// `x mod P` for any `u64`: `x = hi * 2^61 + lo` and `2^61 ≡ 1 (mod P)`, so `x ≡ hi + lo`, which
/// is at most `P + 7`; one conditional subtraction finishes. Signed, for the vector loop:
/// `r - P` is negative exactly when `r < P`, and the result (below `P < 2^63`) compares the same
/// signed or unsigned. AVX2 compares signed 64-bit lanes in one instruction; an unsigned
/// minimum costs two more (sign flips), on every lane of every step.
#[inline(always)]
fn mod_p(x: u64) -> i64 {
    let r = ((x & P) + (x >> 61)) as i64;
    let t = r - P as i64;
    if t < 0 {
        r
    } else {
        t
    }
}

/// A shingle hash the inner loop takes: `u64` (word and character shingles) or `u32` (reprint
/// anchors, [`crate::reprint`]). Both give `(s * a + b) mod 2^64` for the same value `s`; the
/// `u32` one with two 32×32-bit multiplies where a `u64` needs three (AVX2 has no 64-bit
/// multiply).
pub(crate) trait Lane: Copy {
    /// `(self * a + b) mod 2^64`.
    fn mul_add(self, a: u64, b: u64) -> u64;
}

impl Lane for u64 {
    #[inline(always)]
    fn mul_add(self, a: u64, b: u64) -> u64 {
        self.wrapping_mul(a).wrapping_add(b)
    }
}

impl Lane for u32 {
    #[inline(always)]
    fn mul_add(self, a: u64, b: u64) -> u64 {
        // s·a = s·a_lo + (s·a_hi)·2^32; neither product of two 32-bit values overflows.
        let s = u64::from(self);
        (s * (a & 0xffff_ffff))
            .wrapping_add((s * (a >> 32)) << 32)
            .wrapping_add(b)
    }
}

#[inline(always)]
fn fold_chunk<S: Lane>(acc: &mut [i64; CHUNK], chunk: &[S; CHUNK], a: u64, b: u64) {
    for i in 0..CHUNK {
        acc[i] = acc[i].min(mod_p(chunk[i].mul_add(a, b)));
    }
}

/// For each hash function, the minimum over all shingles, vectorised across shingles: one hash
/// function's `a`, `b` stay in registers while the shingles (a few KB, in L1) stream past.
#[inline(always)]
fn all_lanes<S: Lane>(shingles: &[S], a: &[u64], b: &[u64], mins: &mut [u64]) {
    let chunks = shingles.chunks_exact(CHUNK);
    let rest = chunks.remainder();
    // The last partial chunk is padded with copies of one of its shingles: a repeated shingle
    // cannot change a minimum.
    let tail = rest.first().map(|&first| {
        let mut t = [first; CHUNK];
        t[..rest.len()].copy_from_slice(rest);
        t
    });
    if shingles.is_empty() {
        return;
    }
    for ((&a, &b), m) in a.iter().zip(b).zip(mins.iter_mut()) {
        // Every lane sees at least one shingle (the tail is padded), so every lane ends below
        // P, and the minima are the same as unsigned ones.
        let mut acc = [i64::MAX; CHUNK];
        for c in chunks.clone() {
            // Always exactly CHUNK long.
            if let Ok(c) = <&[S; CHUNK]>::try_from(c) {
                fold_chunk(&mut acc, c, a, b);
            }
        }
        if let Some(t) = &tail {
            fold_chunk(&mut acc, t, a, b);
        }
        *m = acc.iter().fold(*m, |x, &y| x.min(y as u64));
    }
}

/// Fold `shingles` into `mins` (`a`, `b`, `mins` of equal length).
pub(crate) fn update<S: Lane>(
    kernel: Kernel,
    shingles: &[S],
    a: &[u64],
    b: &[u64],
    mins: &mut [u64],
) {
    match kernel {
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 | Kernel::Avx2 => simd::update(kernel, shingles, a, b, mins),
        _ => all_lanes(shingles, a, b, mins),
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
// The workspace denies unsafe code. This is its one exception: a function compiled with AVX2 or
// AVX-512 enabled must be `unsafe` (Rust 1.85, our MSRV) and must only run on a CPU that has those
// features. The bodies are the same safe code as the portable path.
mod simd {
    use super::{all_lanes, Kernel, Lane};

    #[target_feature(enable = "avx512f,avx512dq")]
    unsafe fn all_lanes_avx512<S: Lane>(shingles: &[S], a: &[u64], b: &[u64], mins: &mut [u64]) {
        all_lanes(shingles, a, b, mins);
    }

    #[target_feature(enable = "avx2")]
    unsafe fn all_lanes_avx2<S: Lane>(shingles: &[S], a: &[u64], b: &[u64], mins: &mut [u64]) {
        all_lanes(shingles, a, b, mins);
    }

    pub(super) fn update<S: Lane>(
        kernel: Kernel,
        shingles: &[S],
        a: &[u64],
        b: &[u64],
        mins: &mut [u64],
    ) {
        // `is_supported` is a cached atomic load.
        match kernel {
            // SAFETY: the CPU supports avx512f and avx512dq (checked here).
            Kernel::Avx512 if kernel.is_supported() => unsafe {
                all_lanes_avx512(shingles, a, b, mins)
            },
            // SAFETY: the CPU supports avx2 (checked here).
            Kernel::Avx2 if kernel.is_supported() => unsafe {
                all_lanes_avx2(shingles, a, b, mins)
            },
            _ => all_lanes(shingles, a, b, mins),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar_reference(shingles: &[u64], a: &[u64], b: &[u64]) -> Vec<u64> {
        a.iter()
            .zip(b)
            .map(|(&a, &b)| {
                shingles
                    .iter()
                    .map(|&s| s.wrapping_mul(a).wrapping_add(b) % P)
                    .min()
                    .unwrap_or(u64::MAX)
            })
            .collect()
    }

    #[test]
    fn mod_p_is_exact_at_the_edges() {
        for x in [
            0,
            1,
            P - 1,
            P,
            P + 1,
            2 * P - 1,
            2 * P,
            u64::MAX,
            u64::MAX - 1,
            7 << 61,
            (7 << 61) + P - 1,
            (1 << 61) + 6,
        ] {
            assert_eq!(mod_p(x) as u64, x % P, "{x:#x}");
        }
    }

    #[test]
    fn kernels_agree_with_scalar_reference() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            // splitmix64
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let n = 37;
        let a: Vec<u64> = (0..n).map(|_| next() % P).collect();
        let b: Vec<u64> = (0..n).map(|_| next() % P).collect();
        // Shingles include the values whose products land on P..P+6 after wrapping, for lane 0.
        let mut shingles: Vec<u64> = (0..500).map(|_| next()).collect();
        shingles.extend([0, 1, u64::MAX, P, P + 1]);
        let want = scalar_reference(&shingles, &a, &b);
        for kernel in [Kernel::Portable, Kernel::Avx2, Kernel::Avx512].map(Kernel::or_supported) {
            let mut mins = vec![u64::MAX; n];
            update(kernel, &shingles, &a, &b, &mut mins);
            assert_eq!(mins, want, "{kernel:?}");
            // Folding in two halves gives the same minima.
            let mut mins2 = vec![u64::MAX; n];
            update(kernel, &shingles[..250], &a, &b, &mut mins2);
            update(kernel, &shingles[250..], &a, &b, &mut mins2);
            assert_eq!(mins2, want, "{kernel:?}");
        }
        // 32-bit shingles give what the same values as u64 give.
        let narrow: Vec<u32> = shingles
            .iter()
            .map(|&s| s as u32)
            .chain([0, u32::MAX])
            .collect();
        let wide: Vec<u64> = narrow.iter().map(|&s| u64::from(s)).collect();
        let want = scalar_reference(&wide, &a, &b);
        for kernel in [Kernel::Portable, Kernel::Avx2, Kernel::Avx512].map(Kernel::or_supported) {
            let mut mins = vec![u64::MAX; n];
            update(kernel, &narrow, &a, &b, &mut mins);
            assert_eq!(mins, want, "{kernel:?} on u32");
        }
        let tested: Vec<Kernel> = [Kernel::Portable, Kernel::Avx2, Kernel::Avx512]
            .into_iter()
            .filter(|k| k.is_supported())
            .collect();
        eprintln!("kernels tested: {tested:?}");
    }
}

//! A seeded xorshift64 generator for the unit tests that build random inputs: reproducible runs
//! without a dependency. Test-only; nothing here is fit for anything else.

/// Numbers below the argument: successive xorshift64 states from `seed` (non-zero), modulo it.
pub(crate) fn below(mut state: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    }
}

/// Up to `max - 1` of `pieces`, drawn from `next` (first the count, then each piece), joined
/// with `sep`: the random lines and pages the tests feed to the code under test.
pub(crate) fn random_text(
    next: &mut impl FnMut(usize) -> usize,
    pieces: &[&str],
    max: usize,
    sep: &str,
) -> String {
    let n = next(max);
    let chosen: Vec<&str> = (0..n).map(|_| pieces[next(pieces.len())]).collect();
    chosen.join(sep)
}

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

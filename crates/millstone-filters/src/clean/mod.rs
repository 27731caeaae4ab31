//! Cleaning stages that are not quality filters: rewriting personal data out of the text
//! ([`pii`]).
//!
//! Unlike the `quality` stages these are not bit-for-bit ports of datatrove: they keep datatrove's
//! option and reason names where it has the same feature (`PIIFormatter`), and each module's docs
//! list where and why the decisions differ.

pub mod pii;

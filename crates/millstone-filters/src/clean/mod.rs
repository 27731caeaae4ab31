//! Cleaning stages that are not quality filters: rewriting personal data out of the text
//! ([`pii`]) and dropping documents by where they came from ([`url_filter`]).
//!
//! Unlike the `quality` stages these are not bit-for-bit ports of datatrove: they keep datatrove's
//! option and reason names where it has the same feature (`PIIFormatter`, `URLFilter`), and each
//! module's docs list where and why the decisions differ.

pub mod pii;
pub mod url_filter;

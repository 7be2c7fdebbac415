//! Property tests (proptest) for the parsers that public input reaches:
//! saved [`OperationRef`]s, the `$filter` builder, and every generated model
//! (`models.rs`). The runtime's internal parsers (`Retry-After`, the origin
//! check for `Location`/`@odata.nextLink`, Graph's error body, claims
//! challenges, single-entity answers, ids) have theirs next to them in
//! `src/` (`cargo test -p graph-teams-admin --lib`).
//!
//! Cases per property: `PROPTEST_CASES` (proptest's default, 256). A longer
//! run: `PROPTEST_CASES=10000 cargo test -p graph-teams-admin --test properties --lib`.

mod filter;
mod json;
mod models;
mod operation_ref;

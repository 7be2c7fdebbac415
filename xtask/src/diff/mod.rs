//! Stage 4, the API diff (`cargo xtask diff OLD NEW`): what changed between
//! two slices, after the overlay, each change under a rule id with a level
//! (`error`, `warning`, `info`) and classified twice: by Graph's versioning
//! rules (is it breaking on the wire?) and by its effect on the generated
//! Rust API (does code that compiled and worked before still do so?), with
//! the version bump the SDK crate needs. Beside the changes: each overlay
//! action's status against the new slice, and (for `update` and `diff
//! --rust-api`) the measured Rust API of the code generated from each side.
//!
//! The room, in the order data flows:
//!
//! | module | what it holds |
//! |---|---|
//! | [`rules`] | the rule table: id, level, Graph and Rust verdicts, semver bump, kind, description (the README's table is generated from it) |
//! | [`model`] | reading a prepared description into what is compared, with each schema's direction (sent, received) |
//! | [`operations`] | operations: type, paging, long-running, deprecation, parameters, bodies, responses and headers |
//! | [`schemas`] | schemas and properties by direction; limits, defaults, `readOnly`, enums |
//! | [`rust_types`] | the Rust type the generator gives a property or parameter (typify's and our bodies' rules) |
//! | [`overlay`] | each overlay action against a slice: applies, redundant, stale |
//! | [`rust_api`] | the public-item listing of generated code (syn), its comparison and bump; `cargo semver-checks` when installed |
//! | [`report`] | a change, the report, Markdown, JSON, the release note |
//!
//! Reads prepared descriptions through [`crate::spec`] (and its
//! [`idioms`](crate::spec::idioms), the same reading the generator
//! uses), never the generator itself: the Rust-API check reads generated
//! *files* handed to it. Renders text and writes no files.

pub mod model;
pub mod operations;
pub mod overlay;
pub mod report;
pub mod rules;
pub mod rust_api;
pub mod rust_types;
pub mod schemas;

use crate::spec::Prepared;

pub use model::{Model, Op, Param, Prop, Shape, Ty, model, ty};
pub use report::{Change, FORMAT, Format, Report, Side, Summary};
pub use rules::{Bump, ChangeKind, Level, RULES, Rule, RuleId, Verdict};

/// Compares two models: servers, then operations, then schemas.
pub fn compare(old: &Model, new: &Model) -> Vec<Change> {
    let mut out = Vec::new();
    if old.servers != new.servers {
        out.push(
            Change::new(
                RuleId::ServerChanged,
                "servers",
                format!("{:?} → {:?}", old.servers, new.servers),
            )
            .note(
                "the client's base URL is configured at run time \
                 (beta by default, `.v1()` for v1.0)",
            ),
        );
    }
    operations::compare_operations(&mut out, old, new);
    schemas::compare_schemas(&mut out, old, new);
    out
}

/// Diffs two prepared descriptions, with the overlay's status on both.
pub fn report(old: &Prepared, new: &Prepared) -> Report {
    let changes = compare(&model(&old.doc), &model(&new.doc));
    Report {
        format: FORMAT,
        old: report::side(old),
        new: report::side(new),
        summary: Summary::of(&changes),
        changes,
        // The overlay was validated when both sides were prepared.
        overlay: overlay::report(old, new).ok().flatten(),
        rust_api: None,
    }
}

//! The project's build tasks: spec slicing, code generation, API diffs,
//! updates from upstream, benchmarks.
//!
//! The binary (`cargo xtask …`, `main.rs`) only parses the command line and
//! calls one function of [`commands`] per command; the tests drive the same
//! functions and the stages below them.
//!
//! The modules are the pipeline's stages, in the order data flows through
//! them (`specs/ → xtask → generated/`):
//!
//! | module | stage | what it holds |
//! |---|---|---|
//! | [`workspace`] | (shared) | finding the workspace from the current directory; default paths |
//! | [`spec`] | 1. the description | loading YAML/JSON, structural checks, `$ref`s, the overlay ([`spec::overlay`]), the converter's OData idioms ([`spec::idioms`]), YAML writing ([`spec::yaml`]) |
//! | [`slice`](mod@slice) | 2. slicing | the rule in `specs/source.toml` ([`slice::rule`]), the cut, the large-document index ([`slice::index`]), CSDL → OpenAPI ([`slice::csdl`]) |
//! | [`codegen`] | 3. code generation | normalisation for typify, Rust names, open enums, action bodies, the operation table, model facts and pages ([`codegen::models`]), fixes to progenitor's output ([`codegen::postprocess`]), doc-attribute tokens ([`codegen::tokens`]), writing and checking `generated/` |
//! | [`diff`] | 4. API diff | two prepared slices → classified changes (Markdown, JSON) |
//! | [`update`] | 5. update | slice → diff → generate → CHANGELOG, composing 2–4 |
//! | [`bench`](mod@bench) | (measurement) | benchmarks, their synthetic inputs, the child-process baselines |
//! | [`commands`] | (command line) | one function per `cargo xtask` command |
//!
//! Dependencies point one way, from the top of this table down to
//! `workspace`: `spec` uses only `workspace`; `slice`, `codegen` and `diff`
//! use `spec` and not each other; `update` composes those three; `bench`
//! uses `spec` and `slice`; `commands` uses everything and nothing uses it.
//! Inside `slice`, the CSDL converter depends on the rule, never the other
//! way round.

pub mod bench;
pub mod codegen;
pub mod commands;
pub mod diff;
pub mod slice;
pub mod spec;
pub mod update;
pub mod workspace;

pub use workspace::{defaults, upstream_dir, workspace_root};

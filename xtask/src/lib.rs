//! The project's build tasks: spec slicing, code generation, API diffs.
//!
//! The binary (`cargo xtask …`) is a thin command line over these modules;
//! tests drive the same functions.

pub mod bench;
pub mod bodies;
pub mod codegen;
pub mod csdl;
pub mod diff;
pub mod doc;
pub mod emit;
pub mod enums;
pub mod index;
pub mod names;
pub mod normalize;
pub mod operations;
pub mod overlay;
pub mod patch;
pub mod slice;
pub mod synthetic;
pub mod update;
pub mod yaml;

use std::path::PathBuf;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// Default inputs and output, relative to the workspace root.
pub mod defaults {
    pub const SPEC: &str = "specs/graph-beta-teams-administration.openapi.yaml";
    pub const OVERLAY: &str = "specs/overlay.yaml";
    pub const OUT: &str = "generated";
    pub const MOUNT: &str = "crate::generated";
    pub const INNER_TYPE: &str = "crate::pipeline::Pipeline";
    pub const RECORD: &str = "specs/source.toml";
}

/// The settings `cargo xtask generate` uses with no arguments.
pub fn default_generate_settings() -> codegen::Settings {
    generate_settings(&workspace_root())
}

/// The default settings for the workspace at `root`.
pub fn generate_settings(root: &std::path::Path) -> codegen::Settings {
    codegen::Settings {
        spec: root.join(defaults::SPEC),
        overlay: Some(root.join(defaults::OVERLAY)),
        mount: defaults::MOUNT.to_owned(),
        inner_type: Some(defaults::INNER_TYPE.to_owned()),
    }
}

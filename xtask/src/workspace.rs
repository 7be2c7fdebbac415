//! Where the workspace is, and where things are in it.
//!
//! The room: shared by every stage, depends on nothing else in the crate.
//! The workspace is found from where `xtask` runs, never from where it was
//! built: a binary built in a shared target directory (`CARGO_TARGET_DIR`)
//! would otherwise read and write whichever checkout built it last. Reads
//! `Cargo.toml` files while looking; writes nothing.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Default inputs and output, relative to the workspace root.
pub mod defaults {
    pub const SPEC: &str = "specs/graph-beta-teams-administration.openapi.yaml";
    pub const OVERLAY: &str = "specs/overlay.yaml";
    pub const OUT: &str = "generated";
    pub const MOUNT: &str = "crate::generated";
    pub const INNER_TYPE: &str = "crate::pipeline::Pipeline";
    pub const RECORD: &str = "specs/source.toml";
}

/// The directory the maintainers' copies of Microsoft's published metadata
/// are read from (`v1.0-cleanMetadata.xml`), by the upstream tests and the
/// CSDL benchmark: this variable when it is set, else `../shared/upstream`
/// next to the workspace.
pub const UPSTREAM_DIR_VAR: &str = "GRAPH_TEAMS_ADMIN_UPSTREAM_DIR";

/// The workspace `xtask` runs in: the first directory, from the current one
/// upwards, that holds `specs/` and a `Cargo.toml` with a `[workspace]`
/// table.
pub fn workspace_root() -> Result<PathBuf> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    workspace_root_from(&here)
}

/// [`workspace_root`], starting from `start` instead of the current
/// directory.
pub fn workspace_root_from(start: &Path) -> Result<PathBuf> {
    for dir in start.ancestors() {
        if is_workspace_root(dir) {
            return Ok(dir.to_path_buf());
        }
    }
    bail!(
        "no graph-teams-admin workspace at or above {}: looked for a directory holding `specs/` \
         and a Cargo.toml with a [workspace] table; run `cargo xtask` inside a checkout",
        start.display()
    )
}

fn is_workspace_root(dir: &Path) -> bool {
    if !dir.join("specs").is_dir() {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
        return false;
    };
    toml::from_str::<toml::Table>(&text)
        .is_ok_and(|t| t.get("workspace").is_some_and(toml::Value::is_table))
}

/// Where the upstream metadata is for the workspace at `root` (see
/// [`UPSTREAM_DIR_VAR`]). The directory may not exist: it is not part of the
/// repository.
pub fn upstream_dir(root: &Path) -> PathBuf {
    match std::env::var_os(UPSTREAM_DIR_VAR) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => root.join("../shared/upstream"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn the_root_is_the_first_workspace_with_specs_above_the_start() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("checkout");
        write(
            &root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"xtask\"]\n",
        );
        std::fs::create_dir_all(root.join("specs")).unwrap();
        // A member crate's manifest (no [workspace]) and a nested directory
        // called specs without a workspace manifest are passed over.
        write(&root.join("xtask/Cargo.toml"), "[package]\nname = \"x\"\n");
        std::fs::create_dir_all(root.join("xtask/src/specs")).unwrap();
        assert_eq!(workspace_root_from(&root.join("xtask/src")).unwrap(), root);
        assert_eq!(workspace_root_from(&root).unwrap(), root);
    }

    #[test]
    fn no_workspace_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        // A workspace without specs/ is someone else's.
        write(&tmp.path().join("Cargo.toml"), "[workspace]\n");
        let err = workspace_root_from(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("no graph-teams-admin workspace"), "{err}");
        assert!(err.contains("[workspace]"), "{err}");
    }
}

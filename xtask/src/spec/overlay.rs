//! Stage 1, the description: OpenAPI Overlay 1.0 documents, our
//! declarative corrections to the upstream description, and which overlay a
//! command applies ([`resolve_overlay`]).
//!
//! Parsing, validation and application are done by `roas-overlay`, which
//! evaluates targets with an RFC 9535 JSONPath implementation
//! (`serde_json_path`). We only add strictness: an action whose target
//! matches nothing is an error (a correction that silently stopped applying
//! is exactly what an upstream change looks like), and every action must say
//! why it exists.
//!
//! Reads overlay files; uses [`crate::workspace`] only to find the default
//! overlay.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use roas_overlay::apply::{Apply, ApplyOptions};
use roas_overlay::v1_0::Overlay;
use roas_overlay::validation::Validate;
use serde_json::Value;

use super::Loaded;
use crate::workspace::{defaults, workspace_root};

/// A parsed and validated overlay.
#[derive(Debug, Clone)]
pub struct LoadedOverlay {
    pub source: Loaded,
    pub overlay: Overlay,
}

/// What a command applies when neither `--overlay FILE` nor `--no-overlay`
/// is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverlayDefault {
    /// The workspace's `specs/overlay.yaml`: the input is a version of the
    /// workspace's own slice (`generate` without `--spec`; both sides of
    /// `diff`, which compares the committed slice with a new cut of it).
    Workspace,
    /// No overlay: the input is someone else's description (`generate
    /// --spec FILE`, e.g. `fixtures/other-api`). The workspace overlay names
    /// our slice's paths, and an action matching nothing is an error, so it
    /// cannot apply there.
    None,
}

/// The one rule for choosing an overlay, shared by `generate` and `diff`:
/// `--no-overlay` means none; an explicit `--overlay FILE` is used as given;
/// otherwise `default` decides (see [`OverlayDefault`] for why `generate
/// --spec` and `diff` differ). Looks for the workspace only when the
/// default needs it.
pub fn resolve_overlay(
    explicit: Option<PathBuf>,
    no_overlay: bool,
    default: OverlayDefault,
) -> Result<Option<PathBuf>> {
    if no_overlay {
        return Ok(None);
    }
    if let Some(path) = explicit {
        return Ok(Some(path));
    }
    match default {
        OverlayDefault::Workspace => Ok(Some(workspace_root()?.join(defaults::OVERLAY))),
        OverlayDefault::None => Ok(None),
    }
}

/// Reads and validates an overlay file.
pub fn load(path: &Path) -> Result<LoadedOverlay> {
    let source = super::load(path)?;
    let overlay = from_value(&source.display_name(), &source.value)?;
    Ok(LoadedOverlay { source, overlay })
}

/// Validates an overlay that is already parsed into a JSON tree.
pub fn from_value(name: &str, value: &Value) -> Result<Overlay> {
    if value.get("overlay").is_none() {
        if value.get("openapi").is_some() {
            bail!(
                "{name}: this is an OpenAPI description, not an overlay (no top-level `overlay` field)"
            );
        }
        bail!("{name}: not an OpenAPI Overlay document (no top-level `overlay` field)");
    }
    let overlay: Overlay = serde_path_to_error::deserialize(value.clone())
        .map_err(|e| anyhow!("{name}: at `{}`: {}", e.path(), e.inner()))?;
    overlay
        .validate(Default::default())
        .map_err(|e| anyhow!("{name}: invalid overlay: {e}"))?;
    for (index, action) in overlay.actions.iter().enumerate() {
        if action
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
        {
            bail!(
                "{name}: action {index} (target {}) has no `description`; every correction must say why it exists",
                action.target
            );
        }
    }
    Ok(overlay)
}

/// Applies the overlay to `doc` in place. On error `doc` is unchanged.
pub fn apply(name: &str, overlay: &Overlay, doc: &mut Value) -> Result<()> {
    overlay
        .apply(doc, ApplyOptions::ErrorOnZeroMatch.into())
        .map_err(|e| {
            let action = overlay.actions.get(e.action_index);
            let why = action
                .and_then(|a| a.description.as_deref())
                .unwrap_or("(no description)");
            anyhow!(
                "{name}: action {} failed: {e}\n  target: {}\n  description: {why}",
                e.action_index,
                e.target
            )
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overlay_rule() {
        let mine = || Some(PathBuf::from("mine.yaml"));
        for default in [OverlayDefault::Workspace, OverlayDefault::None] {
            assert_eq!(resolve_overlay(mine(), true, default).unwrap(), None);
            assert_eq!(resolve_overlay(None, true, default).unwrap(), None);
            assert_eq!(resolve_overlay(mine(), false, default).unwrap(), mine());
        }
        assert_eq!(
            resolve_overlay(None, false, OverlayDefault::None).unwrap(),
            None
        );
    }
}

//! OpenAPI Overlay 1.0 documents: our declarative corrections to the
//! upstream description.
//!
//! Parsing, validation and application are done by `roas-overlay`, which
//! evaluates targets with an RFC 9535 JSONPath implementation
//! (`serde_json_path`). We only add strictness: an action whose target
//! matches nothing is an error (a correction that silently stopped applying
//! is exactly what an upstream change looks like), and every action must say
//! why it exists.

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use roas_overlay::apply::{Apply, ApplyOptions};
use roas_overlay::v1_0::Overlay;
use roas_overlay::validation::Validate;
use serde_json::Value;

use crate::doc::{self, Loaded};

/// A parsed and validated overlay.
#[derive(Debug, Clone)]
pub struct LoadedOverlay {
    pub source: Loaded,
    pub overlay: Overlay,
}

/// Reads and validates an overlay file.
pub fn load(path: &Path) -> Result<LoadedOverlay> {
    let source = doc::load(path)?;
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

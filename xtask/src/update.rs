//! Stage 5, the update (`cargo xtask update --from FILE`): the one command a
//! maintainer runs when Graph publishes a new description: slice → overlay →
//! generate → diff against the committed slice → CHANGELOG entry.
//!
//! The room: one file, the only stage that composes the others ([`slice`](mod@slice),
//! [`crate::spec`], [`codegen`], [`diff`]). Everything is computed in memory
//! first; files are written only when every step succeeded: the slice and
//! its record in `specs/`, `CHANGELOG.md` and `generated/` of the workspace
//! it is given.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};

use crate::codegen::{self, Settings};
use crate::diff;
use crate::slice::{self, Origin, SliceRule};
use crate::spec;
use crate::workspace::defaults;

/// What an update did.
#[derive(Debug)]
pub struct Updated {
    pub report: diff::Report,
    pub slice_changed: bool,
    pub generated_files_changed: usize,
    pub changelog: Option<PathBuf>,
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Inserts `entry` under `## Unreleased` (creating the heading if needed).
pub fn changelog_with(existing: &str, entry: &str) -> String {
    let head = "## Unreleased";
    let entry = entry.trim();
    let text = existing.trim();
    let then = |rest: &str| {
        let rest = rest.trim_start();
        if rest.is_empty() {
            String::new()
        } else {
            format!("\n\n{rest}")
        }
    };
    let out = match text.find(head) {
        Some(at) => {
            let end = at + head.len();
            format!("{}\n\n{entry}{}", &text[..end], then(&text[end..]))
        }
        None if text.starts_with("# ") => {
            let (title, rest) = text.split_once('\n').unwrap_or((text, ""));
            format!("{title}\n\n{head}\n\n{entry}{}", then(rest))
        }
        None => format!("# Changelog\n\n{head}\n\n{entry}{}", then(text)),
    };
    out + "\n"
}

/// Runs the update against the workspace at `root`.
pub fn run(root: &Path, from: &Path, origin: &Origin) -> Result<Updated> {
    let record_path = root.join(defaults::RECORD);
    let rule = SliceRule::from_record(&record_path)?;
    let slice_path = root.join(defaults::SPEC);
    let slice_file = slice_path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let cut = slice::cut(from, &rule, origin, &slice_file)?;

    // The new slice under its final file name, so headers and reports name it.
    let staging = tempfile::tempdir()?;
    let staged = staging.path().join(&slice_file);
    std::fs::write(&staged, &cut.text)?;
    let overlay = root.join(defaults::OVERLAY);
    let new = spec::prepare(&staged, Some(&overlay)).map_err(|e| {
        anyhow!("the overlay does not apply to the new slice; update specs/overlay.yaml for the upstream change first:\n{e:#}")
    })?;
    let old = spec::prepare(&slice_path, Some(&overlay)).context("the committed slice")?;
    let report = diff::report(&old, &new);
    let settings = Settings {
        spec: staged.clone(),
        ..Settings::for_workspace(root)
    };
    let output = codegen::generate_prepared(&new, &settings)?;

    let slice_changed =
        std::fs::read_to_string(&slice_path).ok().as_deref() != Some(cut.text.as_str());
    let mut changelog = None;
    if slice_changed {
        let entry = format!(
            "### Spec update from `{}` ({})\n\nSource sha256 `{}`{}.\n\n{}",
            cut.provenance.source_file,
            today(),
            cut.provenance.source_sha256,
            match (&origin.repository, &origin.upstream_path, &origin.commit) {
                (Some(r), Some(p), Some(c)) => format!(", {r} `{p}` at `{c}`"),
                _ => String::new(),
            },
            report.markdown()
        );
        let path = root.join("CHANGELOG.md");
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        let updated = changelog_with(&existing, &entry);
        std::fs::write(&slice_path, &cut.text)
            .with_context(|| format!("cannot write {}", slice_path.display()))?;
        std::fs::write(&record_path, slice::record(&rule, &cut.provenance))?;
        std::fs::write(&path, updated)?;
        changelog = Some(path);
    }
    let generated_files_changed = codegen::write(&root.join(defaults::OUT), &output)?;
    Ok(Updated {
        report,
        slice_changed,
        generated_files_changed,
        changelog,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changelog_entries_go_under_unreleased() {
        let fresh = changelog_with("", "### A\n\nx");
        assert_eq!(fresh, "# Changelog\n\n## Unreleased\n\n### A\n\nx\n");
        let again = changelog_with(&fresh, "### B\n\ny");
        assert_eq!(
            again,
            "# Changelog\n\n## Unreleased\n\n### B\n\ny\n\n### A\n\nx\n"
        );
        let released = "# Changelog\n\n## 0.1.0\n\n- first\n";
        assert_eq!(
            changelog_with(released, "### C"),
            "# Changelog\n\n## Unreleased\n\n### C\n\n## 0.1.0\n\n- first\n"
        );
    }

    #[test]
    fn today_is_a_date() {
        let t = today();
        assert_eq!(t.len(), 10);
        assert!(t.starts_with("20"));
    }
}

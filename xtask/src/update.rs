//! Stage 5, the update (`cargo xtask update --from FILE`): the one command a
//! maintainer runs when Graph publishes a new description: slice → overlay →
//! generate → diff against the committed slice → the public Rust API before
//! and after → CHANGELOG entry (a release note, the version bump with the
//! items that force it, the classified table, the overlay's status).
//!
//! The room: one file, the only stage that composes the others ([`slice`](mod@slice),
//! [`crate::spec`], [`codegen`], [`diff`]). Everything is computed in memory
//! first (cargo-semver-checks, when it runs, works on temporary copies of
//! the workspace); files are written only when every step succeeded: the
//! slice and its record in `specs/`, `CHANGELOG.md` and `generated/` of the
//! workspace it is given.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};

use crate::codegen::{self, Settings};
use crate::diff::{self, rust_api};
use crate::slice::{self, Origin, SliceRule};
use crate::spec;
use crate::workspace::defaults;

/// What an update did.
#[derive(Debug)]
pub struct Updated {
    /// The classified changes, with the overlay's status and the Rust-API
    /// check (`report.rust_api`).
    pub report: diff::Report,
    pub slice_changed: bool,
    pub generated_files_changed: usize,
    pub changelog: Option<PathBuf>,
    /// The entry written under "Unreleased" (when the slice changed).
    pub entry: Option<String>,
}

/// Whether `update` runs `cargo semver-checks` on the crate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SemverChecks {
    /// When it is installed and the workspace is the SDK's.
    #[default]
    Auto,
    /// Always; an error when it cannot run.
    Always,
    /// Never: the public-item listing only.
    Never,
}

/// How to update.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub semver_checks: SemverChecks,
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

/// Copies a workspace (without `target/` and `.git`) to `to`, with
/// `generated` as its generated files: the crates cargo-semver-checks
/// compares.
fn copy_workspace(
    root: &Path,
    to: &Path,
    generated: &std::collections::BTreeMap<String, String>,
) -> Result<()> {
    fn copy(from: &Path, to: &Path) -> Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let name = entry.file_name();
            if name == "target" || name == ".git" {
                continue;
            }
            let (src, dst) = (entry.path(), to.join(&name));
            if entry.file_type()?.is_dir() {
                copy(&src, &dst)?;
            } else {
                std::fs::copy(&src, &dst)?;
            }
        }
        Ok(())
    }
    copy(root, to)?;
    let out = to.join(defaults::OUT);
    for (name, text) in generated {
        std::fs::write(out.join(name), text)?;
    }
    Ok(())
}

/// The CHANGELOG entry: a release note, the version bump with the items
/// that force it, the provenance, then the classified report.
pub fn entry(
    report: &diff::Report,
    source_file: &str,
    source_sha256: &str,
    origin: &Origin,
    date: &str,
) -> String {
    let bump = report
        .rust_api
        .as_ref()
        .map(|r| format!("{}\n\n", r.headline()))
        .unwrap_or_default();
    format!(
        "### Spec update from `{source_file}` ({date})\n\n{}\n\n{bump}Source sha256 `{source_sha256}`{}.\n\n{}",
        report.release_note(),
        match (&origin.repository, &origin.upstream_path, &origin.commit) {
            (Some(r), Some(p), Some(c)) => format!(", {r} `{p}` at `{c}`"),
            _ => String::new(),
        },
        report.markdown()
    )
}

/// Runs the update against the workspace at `root`.
pub fn run(root: &Path, from: &Path, origin: &Origin) -> Result<Updated> {
    run_with(root, from, origin, &Options::default())
}

/// Runs the update against the workspace at `root`, as `options` say.
pub fn run_with(root: &Path, from: &Path, origin: &Origin, options: &Options) -> Result<Updated> {
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
        anyhow!(
            "the overlay does not apply to the new slice; update specs/overlay.yaml for the upstream change first:\n{e:#}\n\n{}",
            diff::overlay::explain(&overlay, &cut.doc)
        )
    })?;
    let old = spec::prepare(&slice_path, Some(&overlay)).context("the committed slice")?;
    let mut report = diff::report(&old, &new);
    let settings = Settings {
        spec: staged.clone(),
        ..Settings::for_workspace(root)
    };
    let output = codegen::generate_prepared(&new, &settings)?;

    // The public Rust API before and after. The baseline is generated/ as
    // committed, unless the generator has changed since it was written:
    // then the committed slice regenerated, so the comparison shows the
    // upstream change alone.
    let out_dir = root.join(defaults::OUT);
    let on_disk = rust_api::read_dir(&out_dir).unwrap_or_default();
    let regenerated = codegen::generate_prepared(&old, &Settings::for_workspace(root))?;
    let drift = on_disk != regenerated.files;
    let baseline = if drift { &regenerated.files } else { &on_disk };
    let manifest = root.join("Cargo.toml");
    let package = rust_api::crate_version(&manifest);
    let mut api = rust_api::RustApiReport::new(
        &rust_api::listing(baseline)?,
        &rust_api::listing(&output.files)?,
        report.summary.semver,
        package.clone(),
    );
    if drift {
        api.notes.push(
            "(`generated/` was not what the current generator makes of the committed slice; \
             the baseline is the committed slice regenerated, so these are the upstream change's effects alone.)"
                .into(),
        );
    }
    let run_checks = match (options.semver_checks, &package) {
        (SemverChecks::Never, _) => Err("not requested".to_owned()),
        (_, None) => Err(format!("{} names no package", manifest.display())),
        (mode, Some(_)) => match rust_api::semver_checks_installed() {
            Some(_) => Ok(()),
            None if mode == SemverChecks::Always => {
                return Err(anyhow!(
                    "--semver-checks always: cargo-semver-checks is not installed (cargo install cargo-semver-checks --locked)"
                ));
            }
            None => Err("not installed; the public-item listing stands alone".to_owned()),
        },
    };
    match run_checks {
        Ok(()) => {
            let copies = tempfile::tempdir()?;
            let (before, after) = (copies.path().join("before"), copies.path().join("after"));
            copy_workspace(root, &before, baseline)?;
            copy_workspace(root, &after, &output.files)?;
            let name = package.as_ref().map(|p| p.0.clone()).unwrap_or_default();
            match rust_api::semver_checks(&after, &before, &name) {
                Ok(c) => api.semver_checks = Some(c),
                Err(e) if options.semver_checks == SemverChecks::Always => return Err(e),
                Err(e) => api.semver_checks_skipped = Some(format!("it failed: {e:#}")),
            }
        }
        Err(why) => api.semver_checks_skipped = Some(why),
    }
    report.rust_api = Some(api);

    let slice_changed =
        std::fs::read_to_string(&slice_path).ok().as_deref() != Some(cut.text.as_str());
    let mut changelog = None;
    let mut written = None;
    if slice_changed {
        let text = entry(
            &report,
            &cut.provenance.source_file,
            &cut.provenance.source_sha256,
            origin,
            &today(),
        );
        let path = root.join("CHANGELOG.md");
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        let updated = changelog_with(&existing, &text);
        std::fs::write(&slice_path, &cut.text)
            .with_context(|| format!("cannot write {}", slice_path.display()))?;
        std::fs::write(&record_path, slice::record(&rule, &cut.provenance))?;
        std::fs::write(&path, updated)?;
        changelog = Some(path);
        written = Some(text);
    }
    let generated_files_changed = codegen::write(&out_dir, &output)?;
    Ok(Updated {
        report,
        slice_changed,
        generated_files_changed,
        changelog,
        entry: written,
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

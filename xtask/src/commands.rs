//! One function per `cargo xtask` command: what `main.rs` dispatches to
//! once it has parsed the command line.
//!
//! The room: the top of the crate. Each function finds the workspace (only
//! when it needs it), fills in the defaults, calls its stage, prints a
//! summary and says how the process should exit. The stages themselves
//! never print; this is also the only place that writes a slice or its
//! record outside `update`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::bench::{self, Baseline, Target};
use crate::codegen;
use crate::diff::{self, Format, Level, rust_api};
use crate::slice::{self, Origin, SliceRule};
use crate::spec::{self, OverlayDefault, resolve_overlay};
use crate::update;
use crate::workspace::{defaults, workspace_root};

/// `cargo xtask generate`.
#[derive(Clone, Debug)]
pub struct Generate {
    /// The description; `None` for the workspace's slice.
    pub spec: Option<PathBuf>,
    /// `--overlay FILE`.
    pub overlay: Option<PathBuf>,
    /// `--no-overlay`.
    pub no_overlay: bool,
    /// The output directory; `None` for the workspace's `generated/`.
    pub out: Option<PathBuf>,
    pub mount: String,
    /// A Rust type path, or `none` for no hook state.
    pub inner_type: String,
    /// Compare instead of writing.
    pub check: bool,
}

/// Generates (or, with `check`, compares) the client.
pub fn generate(args: Generate) -> Result<ExitCode> {
    let default = match args.spec {
        None => OverlayDefault::Workspace,
        Some(_) => OverlayDefault::None,
    };
    let overlay = resolve_overlay(args.overlay, args.no_overlay, default)?;
    let spec = match args.spec {
        Some(spec) => spec,
        None => workspace_root()?.join(defaults::SPEC),
    };
    let out = match args.out {
        Some(out) => out,
        None => workspace_root()?.join(defaults::OUT),
    };
    let settings = codegen::Settings {
        spec,
        overlay,
        mount: args.mount,
        inner_type: (args.inner_type != "none").then_some(args.inner_type),
    };
    let started = Instant::now();
    let output = codegen::generate(&settings)?;
    if args.check {
        let diffs = codegen::check(&out, &output)?;
        if diffs.is_empty() {
            println!(
                "{} is up to date ({} files)",
                out.display(),
                output.files.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        for d in &diffs {
            print!("{d}");
        }
        eprintln!(
            "error: {} is out of date relative to {} ({} file(s) differ); run `cargo xtask generate`",
            out.display(),
            settings.spec.display(),
            diffs.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    let changed = codegen::write(&out, &output)?;
    println!(
        "generated {} files into {} ({} changed) in {} ms",
        output.files.len(),
        out.display(),
        changed,
        started.elapsed().as_millis()
    );
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask slice`.
#[derive(Clone, Debug)]
pub struct Slice {
    /// The full upstream description (OpenAPI or CSDL).
    pub from: PathBuf,
    /// Replace the rule's prefixes (`--prefix`, repeated).
    pub prefixes: Vec<String>,
    /// Replace the rule's prefixes with one root path (`--root`).
    pub root_path: Option<String>,
    /// Replace the rule's namespace.
    pub namespace: Option<String>,
    /// Where to write; `None` for the workspace's slice (and its record).
    pub out: Option<PathBuf>,
    pub origin: Origin,
}

/// Cuts the slice with the workspace's rule (as overridden) and writes it;
/// the record is rewritten only when the slice goes to its default place.
pub fn slice(args: Slice) -> Result<ExitCode> {
    let root = workspace_root()?;
    let record_path = root.join(defaults::RECORD);
    let mut rule = SliceRule::from_record(&record_path)?;
    if !args.prefixes.is_empty() {
        rule.prefixes = args.prefixes;
    }
    if let Some(r) = args.root_path {
        rule.prefixes = vec![r];
    }
    if let Some(ns) = args.namespace {
        rule.namespace = ns;
    }
    let default_out = root.join(defaults::SPEC);
    let out_path = args.out.unwrap_or_else(|| default_out.clone());
    let slice_file = out_path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let started = Instant::now();
    let cut = slice::cut(&args.from, &rule, &args.origin, &slice_file)?;
    let elapsed = started.elapsed();
    std::fs::write(&out_path, &cut.text)
        .with_context(|| format!("cannot write {}", out_path.display()))?;
    if out_path == default_out {
        std::fs::write(&record_path, slice::record(&rule, &cut.provenance))
            .with_context(|| format!("cannot write {}", record_path.display()))?;
    }
    let count = |pointer: &str| {
        cut.doc
            .pointer(pointer)
            .and_then(|v| v.as_object())
            .map(|m| m.len())
            .unwrap_or(0)
    };
    println!(
        "sliced {} paths and {} schemas from {} into {} in {} ms (sha256 {})",
        count("/paths"),
        count("/components/schemas"),
        args.from.display(),
        out_path.display(),
        elapsed.as_millis(),
        cut.provenance.slice_sha256
    );
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask diff`.
#[derive(Clone, Debug)]
pub struct Diff {
    /// Both sides; `None` only with `rules`.
    pub old: Option<PathBuf>,
    pub new: Option<PathBuf>,
    /// `--overlay FILE`.
    pub overlay: Option<PathBuf>,
    /// `--no-overlay`.
    pub no_overlay: bool,
    pub format: Format,
    /// Exit 1 when anything breaks.
    pub fail_on_breaking: bool,
    /// Exit 1 when a change (or overlay action) is at this level or above.
    pub fail_on: Option<Level>,
    /// Both sides are full upstream descriptions: cut them with the
    /// workspace's rule first.
    pub slice: bool,
    /// Also generate both sides and compare their public Rust API.
    pub rust_api: bool,
    /// Print the rule table (the README's) instead.
    pub rules: bool,
}

/// A prepared side, or the error with each overlay action's status.
fn prepare_side(path: &Path, overlay: Option<&Path>, what: &str) -> Result<spec::Prepared> {
    spec::prepare(path, overlay).map_err(|e| {
        let why = match (overlay, spec::load(path)) {
            (Some(o), Ok(doc)) => format!("\n\n{}", diff::overlay::explain(o, &doc.value)),
            _ => String::new(),
        };
        anyhow::anyhow!("{what}: {e:#}{why}")
    })
}

/// Prints the classified differences between two slices.
pub fn diff(args: Diff) -> Result<ExitCode> {
    if args.rules {
        print!("{}", diff::rules::markdown_table());
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(old_path), Some(new_path)) = (args.old, args.new) else {
        anyhow::bail!("diff needs OLD and NEW (or --rules)");
    };
    // Both sides are versions of the workspace's slice: its overlay applies
    // unless told otherwise (see `OverlayDefault`).
    let overlay = resolve_overlay(args.overlay, args.no_overlay, OverlayDefault::Workspace)?;
    let staging = tempfile::tempdir()?;
    let (old_path, new_path) = if args.slice {
        let root = workspace_root()?;
        let rule = SliceRule::from_record(&root.join(defaults::RECORD))?;
        let cut = |side: &str, from: &Path| -> Result<PathBuf> {
            let name = from
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| format!("{side}.yaml"));
            let dir = staging.path().join(side);
            std::fs::create_dir_all(&dir)?;
            let out = dir.join(&name);
            let cut = slice::cut(from, &rule, &Origin::default(), &name)
                .with_context(|| format!("{side} side"))?;
            std::fs::write(&out, cut.text)?;
            Ok(out)
        };
        (cut("old", &old_path)?, cut("new", &new_path)?)
    } else {
        (old_path, new_path)
    };
    let old = prepare_side(&old_path, overlay.as_deref(), "old side")?;
    let new = prepare_side(&new_path, overlay.as_deref(), "new side")?;
    let mut report = diff::report(&old, &new);
    if args.rust_api {
        let root = workspace_root()?;
        let generate = |side: &spec::Prepared, path: &Path| {
            let settings = codegen::Settings {
                spec: path.to_path_buf(),
                ..codegen::Settings::for_workspace(&root)
            };
            codegen::generate_prepared(side, &settings)
        };
        let before = rust_api::listing(&generate(&old, &old_path)?.files)?;
        let after = rust_api::listing(&generate(&new, &new_path)?.files)?;
        report.rust_api = Some(rust_api::RustApiReport::new(
            &before,
            &after,
            report.summary.semver,
            rust_api::crate_version(&root.join("Cargo.toml")),
        ));
    }
    print!("{}", report.render(args.format));
    if args.fail_on_breaking && report.is_breaking() {
        eprintln!(
            "error: {} breaking change(s)",
            report
                .summary
                .breaking_graph
                .max(report.summary.breaking_rust)
        );
        return Ok(ExitCode::FAILURE);
    }
    if let Some(level) = args.fail_on {
        let n = report.count_at_least(level);
        if n > 0 {
            eprintln!(
                "error: {n} change(s) or overlay action(s) at level {} or above",
                level.as_str()
            );
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask update`: slice, regenerate and record the change.
pub fn update(from: &Path, origin: &Origin, options: &update::Options) -> Result<ExitCode> {
    let done = update::run_with(&workspace_root()?, from, origin, options)?;
    let s = &done.report.summary;
    if !done.slice_changed {
        println!(
            "the slice cut from {} is identical to the committed one; nothing to record",
            from.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "updated {} from {}: {} API change(s), {} breaking by Graph's rules, {} breaking for the Rust API; {} generated file(s) changed",
        defaults::SPEC,
        from.display(),
        s.changes,
        s.breaking_graph,
        s.breaking_rust,
        done.generated_files_changed
    );
    if let Some(api) = &done.report.rust_api {
        println!("{}", api.headline().replace("**", ""));
        if !api.agrees {
            println!(
                "warning: the spec-level prediction ({}) disagrees with the measured Rust API ({})",
                api.predicted.as_str(),
                api.semver.as_str()
            );
        }
    }
    if let Some(o) = &done.report.overlay
        && o.redundant > 0
    {
        println!(
            "{} overlay action(s) are now redundant (upstream agrees): see the entry",
            o.redundant
        );
    }
    if let Some(c) = &done.changelog {
        println!(
            "report written to {} (review it with `git diff`)",
            c.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask bench`.
#[derive(Clone, Copy, Debug)]
pub struct Bench {
    pub target: Target,
    /// Size of the synthetic input, MB.
    pub size_mb: usize,
    /// Runs per measurement.
    pub runs: usize,
    /// Print only.
    pub dry_run: bool,
}

/// Runs a benchmark and writes its section of BENCHMARKS.md.
pub fn bench(args: Bench) -> Result<ExitCode> {
    let root = workspace_root()?;
    let report = bench::run(&root, args.target, args.size_mb, args.runs)?;
    print!("{report}");
    if !args.dry_run {
        bench::write_section(&root.join("BENCHMARKS.md"), args.target.name(), &report)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask bench-child`: one baseline, in the process being measured.
pub fn bench_child(baseline: Baseline, file: &Path) -> Result<ExitCode> {
    println!("{}", bench::baseline::run(baseline, file)?);
    Ok(ExitCode::SUCCESS)
}

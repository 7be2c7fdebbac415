//! Property tests for what xtask reads: mutations of the real inputs (the
//! committed slice as YAML and as JSON, the overlay, and Microsoft's v1.0
//! CSDL when the upstream copy is present) fed to the public loading,
//! slicing and CSDL functions. Each input either loads or fails with an
//! error that names the file and, where the input has one, the place (a
//! line and column, a byte index, a JSON pointer or JSONPath, an overlay
//! action); none panics.
//!
//! Mutations: byte flips, truncations, line deletions and duplications,
//! insertions of random bytes or of tokens that mean something in YAML,
//! JSON or XML; one to three per input, half of them inside the part of the
//! file that matters (the sliced namespace's `<Schema>` in the CSDL). Cases
//! per test: 64, or `PROPTEST_CASES` (the 3.5 MB CSDL, whose conversion
//! takes most of a second in a debug build, runs two tests of 8). Each test
//! prints how many inputs it tried and how many loaded; with
//! `INPUTS_SHOW_ERRORS=1` also the first line of every error.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use xtask::slice::{self, Origin, SliceRule};
use xtask::{defaults, spec, upstream_dir, workspace_root};

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: Index, xor: u8 },
    Truncate { at: Index },
    DeleteLines { at: Index, count: usize },
    DuplicateLines { at: Index, count: usize },
    Insert { at: Index, bytes: Vec<u8> },
}

/// Text that means something to one of the parsers.
const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "-",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "\n",
    "\n  ",
    "\t",
    "#",
    "&a ",
    "*a",
    "!!binary ",
    "? ",
    "|",
    ">",
    "%YAML 1.2\n",
    "---\n",
    "...\n",
    "~",
    "null",
    "\\",
    "$ref: '#/components/schemas/nowhere'",
    "\"$ref\": \"#/nowhere\"",
    "openapi: 3.1.0",
    "<",
    "</",
    "/>",
    "<!--",
    "-->",
    "<![CDATA[",
    "&amp;",
    "&bogus;",
    "<Schema>",
    "</Schema>",
    "Type=\"graph.nowhere\"",
    "\u{feff}",
    "\u{0}",
    "é",
    "\u{1F600}",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let bytes = prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..6),
        proptest::sample::select(TOKENS).prop_map(|t| t.as_bytes().to_vec()),
    ];
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(at, xor)| Mutation::Flip { at, xor }),
        any::<Index>().prop_map(|at| Mutation::Truncate { at }),
        (any::<Index>(), 1usize..4).prop_map(|(at, count)| Mutation::DeleteLines { at, count }),
        (any::<Index>(), 1usize..4).prop_map(|(at, count)| Mutation::DuplicateLines { at, count }),
        (any::<Index>(), bytes).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
    ]
}

/// One to three mutations, each placed inside `focus` or anywhere (half and
/// half): a large file is mostly text the function reads past.
fn mutations() -> impl Strategy<Value = Vec<(bool, Mutation)>> {
    proptest::collection::vec((any::<bool>(), mutation()), 1..=3)
}

/// Where lines start, and the end.
fn line_starts(text: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .filter(|i| *i < text.len())
        .chain(std::iter::once(text.len()))
        .collect()
}

fn apply(base: &[u8], focus: std::ops::Range<usize>, mutations: &[(bool, Mutation)]) -> Vec<u8> {
    let mut out = base.to_vec();
    for (focused, m) in mutations {
        let range = if *focused && focus.end <= out.len() && !focus.is_empty() {
            focus.clone()
        } else {
            0..out.len().max(1)
        };
        let pos = |at: &Index| (range.start + at.index(range.len())).min(out.len());
        match m {
            Mutation::Flip { at, xor } => {
                if !out.is_empty() {
                    let i = pos(at).min(out.len() - 1);
                    out[i] ^= xor;
                }
            }
            Mutation::Truncate { at } => out.truncate(pos(at)),
            Mutation::Insert { at, bytes } => {
                let i = pos(at);
                out.splice(i..i, bytes.iter().copied());
            }
            Mutation::DeleteLines { at, count } | Mutation::DuplicateLines { at, count } => {
                let starts = line_starts(&out);
                let lines = starts.len() - 1;
                if lines == 0 {
                    continue;
                }
                let first = starts
                    .partition_point(|s| *s <= pos(at))
                    .saturating_sub(1)
                    .min(lines - 1);
                let last = (first + count).min(lines);
                let span = starts[first]..starts[last];
                if matches!(m, Mutation::DeleteLines { .. }) {
                    out.drain(span);
                } else {
                    let copy = out[span.clone()].to_vec();
                    out.splice(span.end..span.end, copy);
                }
            }
        }
    }
    out
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Says where in `name` an error is: a line (`name:12:5:`), a byte offset,
/// a JSON pointer (`at /paths/…`) or path (`` at `…` ``), a JSONPath or
/// overlay action, a top-level field, or that the whole file is empty.
fn names_a_place(name: &str, message: &str) -> bool {
    let digits_after = |marker: &str| {
        message.match_indices(marker).any(|(i, _)| {
            message[i + marker.len()..]
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit())
        })
    };
    digits_after(&format!("{name}:"))
        || digits_after("index ")
        || digits_after("position ")
        || digits_after("action ")
        || [
            "at /",
            "`/",
            " /paths/",
            " /components/",
            "at `",
            "$.",
            "$[",
        ]
        .iter()
        .any(|m| message.contains(m))
        || [
            "actions[",
            "#.",
            "top-level",
            "`openapi`",
            "the file is empty",
        ]
        .iter()
        .any(|m| message.contains(m))
}

/// Runs `check` on `cases` mutated copies of `base` (written to `dir/name`),
/// and reports how many were tried and how many loaded.
fn run(
    what: &str,
    name: &str,
    base: &[u8],
    focus: std::ops::Range<usize>,
    default_cases: u32,
    check: impl Fn(&Path) -> anyhow::Result<()>,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let tried = AtomicUsize::new(0);
    let loaded = AtomicUsize::new(0);
    let config = Config {
        cases: cases(default_cases),
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&mutations(), |ms| {
        tried.fetch_add(1, Ordering::Relaxed);
        let input = apply(base, focus.clone(), &ms);
        std::fs::write(&path, &input).unwrap();
        match check(&path) {
            Ok(()) => {
                loaded.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                let message = format!("{e:#}");
                if !message.contains(name) {
                    return Err(TestCaseError::fail(format!(
                        "the error does not name {name}: {message}"
                    )));
                }
                if !names_a_place(name, &message) {
                    return Err(TestCaseError::fail(format!(
                        "the error names no place in {name}: {message}"
                    )));
                }
                if std::env::var_os("INPUTS_SHOW_ERRORS").is_some() {
                    println!("{what}: {}", message.lines().next().unwrap_or(""));
                }
                Ok(())
            }
        }
    });
    let tried = tried.into_inner();
    let loaded = loaded.into_inner();
    println!(
        "{what}: {tried} generated inputs tried ({loaded} loaded, {} refused with a located error)",
        tried - loaded
    );
    if let Err(e) = result {
        panic!("{what}: {e}");
    }
}

fn root() -> PathBuf {
    workspace_root().unwrap()
}

fn rule() -> SliceRule {
    SliceRule::from_record(&root().join(defaults::RECORD)).unwrap()
}

/// Everything the slice goes through before generation: loading, the
/// structural checks, the overlay, and cutting it again with the rule.
fn load_and_slice(spec_path: &Path) -> anyhow::Result<()> {
    spec::load(spec_path)?;
    spec::prepare(spec_path, Some(&root().join(defaults::OVERLAY)))?;
    slice::cut(spec_path, &rule(), &Origin::default(), "slice.yaml")?;
    Ok(())
}

fn whole(bytes: &[u8]) -> std::ops::Range<usize> {
    0..bytes.len()
}

#[test]
fn mutated_spec_yaml_loads_or_fails_with_a_located_error() {
    let base = std::fs::read(root().join(defaults::SPEC)).unwrap();
    run(
        "spec YAML",
        "graph-beta-teams-administration.openapi.yaml",
        &base,
        whole(&base),
        64,
        load_and_slice,
    );
}

#[test]
fn mutated_spec_json_loads_or_fails_with_a_located_error() {
    let path = root().join(defaults::SPEC);
    let doc = spec::load(&path).unwrap().value;
    let base = serde_json::to_vec_pretty(&doc).unwrap();
    run(
        "spec JSON",
        "graph-beta-teams-administration.openapi.json",
        &base,
        whole(&base),
        64,
        load_and_slice,
    );
}

#[test]
fn mutated_overlay_loads_or_fails_with_a_located_error() {
    let base = std::fs::read(root().join(defaults::OVERLAY)).unwrap();
    let spec_path = root().join(defaults::SPEC);
    run(
        "overlay",
        "overlay.yaml",
        &base,
        whole(&base),
        64,
        |overlay| {
            spec::overlay::load(overlay)?;
            spec::prepare(&spec_path, Some(overlay))?;
            Ok(())
        },
    );
}

/// The upstream metadata, and the byte range of the sliced namespace's
/// `<Schema>` in it.
fn upstream_csdl() -> Option<(Vec<u8>, std::ops::Range<usize>)> {
    let path = upstream_dir(&root()).join("v1.0-cleanMetadata.xml");
    let Ok(bytes) = std::fs::read(&path) else {
        println!(
            "skipped: {} is not present (set {} to the directory holding it)",
            path.display(),
            xtask::workspace::UPSTREAM_DIR_VAR
        );
        return None;
    };
    let text = String::from_utf8_lossy(&bytes);
    let open = format!("<Schema Namespace=\"{}\"", rule().namespace);
    let focus = match text.find(&open) {
        Some(start) => {
            start
                ..text[start..]
                    .find("</Schema>")
                    .map_or(bytes.len(), |e| start + e)
        }
        None => 0..bytes.len(),
    };
    Some((bytes, focus))
}

fn csdl(what: &str, default_cases: u32) {
    let Some((base, focus)) = upstream_csdl() else {
        return;
    };
    let rule = rule();
    let options =
        xtask::slice::csdl::CsdlSliceOptions::from_rule(&rule, "https://graph.microsoft.com/v1.0/")
            .unwrap();
    run(
        what,
        "v1.0-cleanMetadata.xml",
        &base,
        focus,
        default_cases,
        |path| {
            // The cut detects the format: the converter and the slicing for
            // what still looks like CSDL; the converter alone for the rest.
            let bytes = std::fs::read(path)?;
            if !xtask::slice::csdl::is_csdl(&bytes) {
                xtask::slice::csdl::slice_from_csdl(path, &bytes, &options)?;
            }
            slice::cut(path, &rule, &Origin::default(), "slice.yaml")?;
            Ok(())
        },
    );
}

// Two tests of 8 cases, so the slow CSDL cases run on two threads.
#[test]
fn mutated_csdl_converts_or_fails_with_a_located_error() {
    csdl("CSDL (1 of 2)", 8);
}

#[test]
fn mutated_csdl_converts_or_fails_with_a_located_error_again() {
    csdl("CSDL (2 of 2)", 8);
}

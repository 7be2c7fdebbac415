//! The baselines the benchmarks put next to each figure, each run in a
//! child process of its own (`xtask bench-child BASELINE FILE`, hidden from
//! `--help`) so its time and peak memory are measured like the command's.
//!
//! The room: `bench/`. Reads the one file it is given (and, for
//! [`Baseline::Prepare`], the workspace overlay); prints one number so the
//! work cannot be optimised away; writes nothing.

use std::path::Path;

use anyhow::Result;
use clap::ValueEnum;

use crate::slice::csdl;
use crate::spec;
use crate::workspace::{defaults, workspace_root};

/// What a child process measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Baseline {
    /// Read the file and hash it (the least any slicer must do).
    Read,
    /// Cut the synthetic CSDL with its own rule (the CSDL benchmark's
    /// command, in process).
    Csdl,
    /// One pass of the XML reader over every event, nothing kept.
    XmlScan,
    /// Load the spec and apply the workspace overlay.
    Prepare,
    /// Parse the whole YAML into a tree (what a naive slicer does).
    Parse,
}

impl Baseline {
    /// The name on the `bench-child` command line.
    pub fn name(self) -> &'static str {
        match self {
            Baseline::Read => "read",
            Baseline::Csdl => "csdl",
            Baseline::XmlScan => "xml-scan",
            Baseline::Prepare => "prepare",
            Baseline::Parse => "parse",
        }
    }
}

/// Runs one baseline on `file` and returns the line the child prints.
pub fn run(baseline: Baseline, file: &Path) -> Result<String> {
    let bytes = std::fs::read(file)?;
    Ok(match baseline {
        Baseline::Read => spec::sha256_hex(&bytes),
        Baseline::Csdl => {
            let options = super::synthetic_csdl::options();
            let doc = csdl::slice_from_csdl(file, &bytes, &options)?;
            spec::yaml::to_string(&doc).len().to_string()
        }
        Baseline::XmlScan => {
            let mut reader = quick_xml::Reader::from_reader(bytes.as_slice());
            let mut buf = Vec::new();
            let mut events = 0u64;
            loop {
                match reader.read_event_into(&mut buf)? {
                    quick_xml::events::Event::Eof => break,
                    _ => events += 1,
                }
                buf.clear();
            }
            events.to_string()
        }
        Baseline::Prepare => {
            let overlay = workspace_root()?.join(defaults::OVERLAY);
            let p = spec::prepare(file, Some(&overlay))?;
            p.doc.as_object().map(|m| m.len()).unwrap_or(0).to_string()
        }
        Baseline::Parse => {
            let v: serde_json::Value = serde_yaml_ng::from_slice(&bytes)?;
            v.get("paths")
                .and_then(|p| p.as_object())
                .map(|p| p.len())
                .unwrap_or(0)
                .to_string()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_command_line_values() {
        for b in Baseline::value_variants() {
            let name = b.to_possible_value().unwrap();
            assert_eq!(name.get_name(), b.name());
        }
    }
}

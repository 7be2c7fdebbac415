//! One file per command group; each turns parsed arguments into SDK calls
//! and records on stdout, and returns the exit code.

pub mod bulk;
pub mod numbers;
pub mod operations;
pub mod policy;
pub mod users;

use crate::args::OutputFormat;
use crate::auth::Target;

/// What every command gets.
#[derive(Debug)]
pub struct Ctx {
    pub target: Target,
    pub format: OutputFormat,
    pub quiet: bool,
}

impl Ctx {
    pub fn client(&self) -> &graph_teams_admin::Client {
        &self.target.client
    }

    /// A line for the person, on stderr (not with --quiet).
    pub fn info(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }
}

//! Room: how a run ends. The exit codes and the error kinds that choose
//! them.

use std::fmt;

/// Every row succeeded or was already as wanted; a command did its job.
pub const OK: u8 = 0;
/// Some rows failed, or a command's request failed.
pub const FAILED: u8 = 1;
/// Bad usage or bad input (clap's usage errors exit 2 as well).
pub const USAGE: u8 = 2;
/// Stopped by Ctrl-C (SIGINT); the journal can resume the run.
pub const INTERRUPTED: u8 = 130;

/// Bad usage or input: a missing column, an unreadable file, a flag value
/// that makes no sense. Exits [`USAGE`].
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The exit code for an error that ended a command.
pub fn code_of(error: &anyhow::Error) -> u8 {
    if error.downcast_ref::<UsageError>().is_some()
        || error.downcast_ref::<crate::csv::InputError>().is_some()
    {
        USAGE
    } else if let Some(graph_teams_admin::Error::InvalidInput { .. }) =
        error.downcast_ref::<graph_teams_admin::Error>()
    {
        USAGE
    } else {
        FAILED
    }
}

/// True when stdout was closed by its reader.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

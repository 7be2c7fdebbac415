//! The bulk room: errors of a run as a whole (the journal, a resume that
//! does not match). Errors of one row are in its outcome, never here. It may
//! touch nothing else.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Why a bulk run could not start, or stopped early.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum BulkError {
    /// [`JournalMode::Create`](super::JournalMode::Create) and the file
    /// already has content.
    #[non_exhaustive]
    JournalExists {
        /// The journal file.
        path: PathBuf,
    },
    /// [`JournalMode::Resume`](super::JournalMode::Resume) and there is no
    /// journal (or it is empty).
    #[non_exhaustive]
    JournalMissing {
        /// The journal file.
        path: PathBuf,
    },
    /// The journal was written for another input.
    #[non_exhaustive]
    InputMismatch {
        /// The journal file.
        path: PathBuf,
        /// The input the journal was written for.
        journal_input: String,
        /// The input of this run.
        this_input: String,
    },
    /// The journal is not one this engine wrote, or is damaged before its
    /// last line.
    #[non_exhaustive]
    JournalCorrupt {
        /// The journal file.
        path: PathBuf,
        /// 1-based line of the journal.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// Reading or writing the journal failed.
    #[non_exhaustive]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// What the system said.
        source: Arc<std::io::Error>,
    },
    /// The row at this position is not the one the journal recorded there:
    /// the input changed although its fingerprint did not.
    #[non_exhaustive]
    RowMismatch {
        /// 0-based position in the input.
        seq: u64,
        /// The row's line.
        line: u64,
    },
}

impl BulkError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        BulkError::Journal {
            path: path.to_owned(),
            source: Arc::new(source),
        }
    }
}

impl fmt::Display for BulkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BulkError::JournalExists { path } => write!(
                f,
                "the journal {} already exists: resume that run (resume mode) or choose another file",
                path.display()
            ),
            BulkError::JournalMissing { path } => {
                write!(f, "there is no journal to resume at {}", path.display())
            }
            BulkError::InputMismatch {
                path,
                journal_input,
                this_input,
            } => write!(
                f,
                "refusing to resume: the journal {} belongs to another input ({journal_input}), and this input is {this_input}; resume with the same input file, or start a new journal",
                path.display()
            ),
            BulkError::JournalCorrupt { path, line, reason } => write!(
                f,
                "the journal {} is damaged at line {line}: {reason}",
                path.display()
            ),
            BulkError::Journal { path, source } => {
                write!(f, "journal {}: {source}", path.display())
            }
            BulkError::RowMismatch { seq, line } => write!(
                f,
                "row {} (line {line}) differs from the row the journal recorded at that position: the input changed; stopped",
                seq + 1
            ),
        }
    }
}

impl std::error::Error for BulkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BulkError::Journal { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

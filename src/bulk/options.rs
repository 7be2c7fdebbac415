//! The bulk room: how a run is configured. Plain data with defaults; it may
//! touch the fingerprint type, nothing else.

use std::path::PathBuf;
use std::time::Duration;

use super::fingerprint::InputFingerprint;

/// In which order a run yields its outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutputOrder {
    /// In input order (the default). A slow row holds back the outcomes of
    /// later rows, up to [`BulkOptions::max_pending`] of them; the run keeps
    /// working meanwhile until that many are waiting.
    #[default]
    Input,
    /// As rows finish.
    Completion,
}

/// What to do with the journal file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum JournalMode {
    /// Start a new journal; refuse if the file exists and is not empty
    /// (the default).
    #[default]
    Create,
    /// Continue an interrupted run; refuse if the file does not exist or was
    /// written for another input.
    Resume,
    /// Resume when the file exists and is not empty, create it otherwise.
    CreateOrResume,
}

/// Where the run's journal goes, and for which input.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalOptions {
    /// The journal file.
    pub path: PathBuf,
    /// The input the journal belongs to; a resume with another one is refused.
    pub input: InputFingerprint,
    /// Create or resume.
    pub mode: JournalMode,
    /// `fsync` (`File::sync_data`) the journal before a request leaves
    /// (default true; batched across rows). Without it the journal survives
    /// a crash of the process (`kill -9`) but not a power cut.
    pub fsync: bool,
}

impl JournalOptions {
    /// A journal at `path` for `input`, created ([`JournalMode::Create`]),
    /// with fsync.
    pub fn new(path: impl Into<PathBuf>, input: InputFingerprint) -> Self {
        Self {
            path: path.into(),
            input,
            mode: JournalMode::Create,
            fsync: true,
        }
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: JournalMode) -> Self {
        self.mode = mode;
        self
    }

    /// Turns fsync on or off.
    pub fn fsync(mut self, fsync: bool) -> Self {
        self.fsync = fsync;
        self
    }
}

/// How a bulk run behaves. Build with [`BulkOptions::new`] and the setters.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BulkOptions {
    /// Most action requests in flight at once (default 16). The throttle
    /// gate's adaptive limit stays at or below it.
    pub concurrency: usize,
    /// Where the adaptive limit starts (default `min(4, concurrency)`).
    pub initial_concurrency: usize,
    /// Rows alive at once: being worked on, or finished and waiting for their
    /// turn in [`OutputOrder::Input`] (default 4096). Bounds memory.
    pub max_pending: usize,
    /// Outcome order (default [`OutputOrder::Input`]).
    pub order: OutputOrder,
    /// Check every row and report the plan; send no action (default false).
    /// No journal is written.
    pub dry_run: bool,
    /// Before sending, read each row's current state and skip rows already
    /// as wanted (`AlreadyDone`) or that cannot work (`Invalid`) (default
    /// false: one more GET per row).
    pub skip_if_done: bool,
    /// The journal, for crash-safe resume (default none).
    pub journal: Option<JournalOptions>,
    /// How long after an unanswered request its row is checked against the
    /// number's state (default 60 s): enough for an operation the service
    /// accepted to have applied, so that "not assigned yet" means "never
    /// arrived" and the row can be sent again.
    pub in_doubt_wait: Duration,
    /// Throttled answers one row may get before it fails (default 30).
    pub max_throttle_retries: u32,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: 16,
            initial_concurrency: 4,
            max_pending: 4096,
            order: OutputOrder::Input,
            dry_run: false,
            skip_if_done: false,
            journal: None,
            in_doubt_wait: Duration::from_secs(60),
            max_throttle_retries: 30,
        }
    }
}

impl BulkOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the most action requests in flight (at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Sets where the adaptive limit starts (at least 1).
    pub fn initial_concurrency(mut self, n: usize) -> Self {
        self.initial_concurrency = n.max(1);
        self
    }

    /// Sets the most rows alive at once (at least 1).
    pub fn max_pending(mut self, n: usize) -> Self {
        self.max_pending = n.max(1);
        self
    }

    /// Sets the outcome order.
    pub fn order(mut self, order: OutputOrder) -> Self {
        self.order = order;
        self
    }

    /// Turns the dry run on or off.
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }

    /// Turns the check before sending on or off.
    pub fn skip_if_done(mut self, yes: bool) -> Self {
        self.skip_if_done = yes;
        self
    }

    /// Sets the journal.
    pub fn journal(mut self, journal: JournalOptions) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Sets the wait before an unanswered row is checked.
    pub fn in_doubt_wait(mut self, wait: Duration) -> Self {
        self.in_doubt_wait = wait;
        self
    }

    /// Sets the throttled answers a row may get before it fails.
    pub fn max_throttle_retries(mut self, n: u32) -> Self {
        self.max_throttle_retries = n;
        self
    }

    /// The start of the adaptive limit, within `1..=concurrency`.
    pub(crate) fn start_limit(&self) -> usize {
        self.initial_concurrency.clamp(1, self.concurrency.max(1))
    }
}

//! The bulk room: live counters (for a progress bar) and the cancel handle.
//! Atomics and a `Notify`; it may touch the outcome status, nothing else.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use tokio::sync::Notify;

use super::error::BulkError;
use super::outcome::RowStatus;

/// The counters of a run, read at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counts {
    /// Input items read so far.
    pub read: u64,
    /// Rows with an outcome.
    pub done: u64,
    /// Of which `Succeeded`.
    pub succeeded: u64,
    /// Of which `AlreadyDone`.
    pub already_done: u64,
    /// Of which `Planned` (dry run).
    pub planned: u64,
    /// Of which `Failed`.
    pub failed: u64,
    /// Of which `Invalid`.
    pub invalid: u64,
    /// Of which `NotRun`.
    pub not_run: u64,
    /// Of which `Unfinished`.
    pub unfinished: u64,
    /// Rows with an action request outstanding or an operation being polled.
    pub in_flight: u64,
    /// Action requests sent.
    pub requests: u64,
    /// Throttling answers (429/503) to action requests.
    pub throttled: u64,
    /// The throttle gate's current concurrency limit.
    pub limit: usize,
    /// Whether the gate is closed right now (waiting out a `Retry-After`).
    pub paused: bool,
}

/// Shared counters of one run.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub read: AtomicU64,
    pub done: AtomicU64,
    by_status: [AtomicU64; 7],
    pub in_flight: AtomicU64,
    pub requests: AtomicU64,
    pub throttled: AtomicU64,
    pub limit: AtomicUsize,
    pub paused_until_ms: AtomicU64,
    /// Milliseconds since `epoch` are measured from here.
    pub epoch: std::sync::OnceLock<tokio::time::Instant>,
}

fn status_index(s: RowStatus) -> usize {
    match s {
        RowStatus::Succeeded => 0,
        RowStatus::AlreadyDone => 1,
        RowStatus::Planned => 2,
        RowStatus::Failed => 3,
        RowStatus::Invalid => 4,
        RowStatus::NotRun => 5,
        RowStatus::Unfinished => 6,
    }
}

impl Counters {
    pub(crate) fn ended(&self, status: RowStatus) {
        self.by_status[status_index(status)].fetch_add(1, Ordering::Relaxed);
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    fn now_ms(&self) -> u64 {
        let epoch = *self.epoch.get_or_init(tokio::time::Instant::now);
        epoch.elapsed().as_millis() as u64
    }

    /// Records that the gate is closed until `until`.
    pub(crate) fn paused_until(&self, until: tokio::time::Instant) {
        let epoch = *self.epoch.get_or_init(tokio::time::Instant::now);
        let ms = until.saturating_duration_since(epoch).as_millis() as u64;
        self.paused_until_ms.fetch_max(ms, Ordering::Relaxed);
    }

    pub(crate) fn counts(&self) -> Counts {
        let s = |i: usize| self.by_status[i].load(Ordering::Relaxed);
        Counts {
            read: self.read.load(Ordering::Relaxed),
            done: self.done.load(Ordering::Relaxed),
            succeeded: s(0),
            already_done: s(1),
            planned: s(2),
            failed: s(3),
            invalid: s(4),
            not_run: s(5),
            unfinished: s(6),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            limit: self.limit.load(Ordering::Relaxed),
            paused: self.paused_until_ms.load(Ordering::Relaxed) > self.now_ms(),
        }
    }
}

/// Reads a run's counters; cheap to clone, and usable from another task
/// (a progress bar's timer).
#[derive(Clone, Debug)]
pub struct Progress(pub(crate) Arc<Counters>);

impl Progress {
    /// The counters now (a few atomic loads).
    pub fn counts(&self) -> Counts {
        self.0.counts()
    }
}

/// Cancel and abort signals of one run, and its fatal error.
#[derive(Debug, Default)]
pub(crate) struct Control {
    cancelled: AtomicBool,
    aborted: AtomicBool,
    cancel_notify: Notify,
    abort_notify: Notify,
    fatal: std::sync::Mutex<Option<BulkError>>,
}

impl Control {
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.cancel_notify.notify_waiters();
    }

    pub(crate) fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
        self.abort_notify.notify_waiters();
        self.cancel();
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    pub(crate) fn is_aborted(&self) -> bool {
        self.aborted.load(Ordering::SeqCst)
    }

    /// Resolves once the run is cancelled (or aborted).
    pub(crate) async fn cancelled(&self) {
        let notified = self.cancel_notify.notified();
        if self.is_cancelled() {
            return;
        }
        notified.await;
    }

    /// Resolves once the run is aborted.
    pub(crate) async fn aborted(&self) {
        let notified = self.abort_notify.notified();
        if self.is_aborted() {
            return;
        }
        notified.await;
    }

    /// Records the first fatal error and stops submitting.
    pub(crate) fn fail(&self, error: BulkError) {
        if let Ok(mut slot) = self.fatal.lock()
            && slot.is_none()
        {
            tracing::error!(error = %error, "bulk run stops submitting");
            *slot = Some(error);
        }
        self.cancel();
    }

    pub(crate) fn fatal(&self) -> Option<BulkError> {
        self.fatal.lock().ok().and_then(|s| s.clone())
    }
}

/// Stops a run; cheap to clone, usable from a signal handler's task.
#[derive(Clone, Debug)]
pub struct CancelHandle(pub(crate) Arc<Control>);

impl CancelHandle {
    /// Stop submitting: rows in flight finish (their operations are polled to
    /// the end); every row not yet sent ends `NotRun`. The rest of the input
    /// is still read, so every row gets its outcome.
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// Stop now: rows in flight end `Unfinished` (the journal keeps them
    /// sent or accepted, so a resume finishes them), the rest `NotRun`.
    pub fn abort(&self) {
        self.0.abort();
    }

    /// Whether [`cancel`](Self::cancel) or [`abort`](Self::abort) was called
    /// (or the run stopped on an error).
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

/// How a run went: its final counters, and the error that stopped it early,
/// if one did.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Summary {
    /// The counters.
    pub counts: Counts,
    /// The journal failure (or changed input) that stopped the run early.
    pub error: Option<BulkError>,
}

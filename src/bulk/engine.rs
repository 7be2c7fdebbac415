//! The bulk room: the run itself. [`Bulk`] opens the journal and builds
//! the shared parts; [`BulkRun`] is the stream that reads rows, keeps at
//! most `max_pending` of them alive, drives their work and yields one
//! outcome per row, in input or completion order. It may touch every bulk
//! file; it does no HTTP itself.

use std::collections::{BTreeMap, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::{BoxStream, FuturesUnordered};
use futures::{FutureExt, Stream, StreamExt};
use tokio::sync::{Semaphore, oneshot};

use super::error::BulkError;
use super::gate::Gate;
use super::journal::{Index, Journal};
use super::options::{BulkOptions, OutputOrder};
use super::outcome::RowOutcome;
use super::progress::{CancelHandle, Control, Counters, Progress, Summary};
use super::rows::{Row, RowError};
use super::users::Users;
use super::worker::{self, Ctx};
use crate::client::Client;

/// Rows read between two polls of the rows in flight.
const ADMIT_BATCH: usize = 32;

/// A bulk engine: a client and the options of its runs.
#[derive(Clone, Debug)]
pub struct Bulk {
    client: Client,
    options: BulkOptions,
}

impl Bulk {
    /// An engine that sends through `client` (its credential, base URL,
    /// retry policy for everything but throttling, and poll options).
    pub fn new(client: Client, options: BulkOptions) -> Self {
        Self { client, options }
    }

    /// The options.
    pub fn options(&self) -> &BulkOptions {
        &self.options
    }

    /// Starts a run over `rows`. Opens (or resumes) the journal first, with
    /// blocking file I/O (a resume reads the whole journal once), and fails
    /// before reading any row when the journal cannot be used: it exists
    /// (create), is missing (resume), belongs to another input, or is
    /// damaged. Nothing happens until the returned stream is polled.
    pub fn run<S>(&self, rows: S) -> Result<BulkRun, BulkError>
    where
        S: Stream<Item = Result<Row, RowError>> + Send + 'static,
    {
        let options = self.options.clone();
        let (journal, index) = match (&options.journal, options.dry_run) {
            (Some(j), false) => {
                let (journal, index) = Journal::open(j)?;
                if index.len() > 0 {
                    tracing::info!(path = %journal.path().display(), rows = index.len(), "resuming a bulk run");
                }
                (Some(journal), index)
            }
            _ => (None, Index::default()),
        };
        let counters = Arc::new(Counters::default());
        let _ = counters.epoch.set(tokio::time::Instant::now());
        let lookups = Arc::new(Semaphore::new(options.concurrency.max(1)));
        let ctx = Ctx {
            client: self.client.clone(),
            gate: Gate::new(options.start_limit(), options.concurrency, counters.clone()),
            users: Users::new(self.client.clone(), lookups.clone()),
            journal,
            counters,
            control: Arc::new(Control::default()),
            lookups,
            staging: Arc::new(Semaphore::new(options.concurrency.max(8))),
            options,
        };
        Ok(BulkRun {
            ctx: Arc::new(ctx),
            input: Some(rows.boxed()),
            index,
            next_seq: 0,
            running: FuturesUnordered::new(),
            ordered: BTreeMap::new(),
            unordered: VecDeque::new(),
            next_emit: 0,
            pending: 0,
            closing: None,
            close_error: None,
            done: false,
        })
    }

    /// [`run`](Self::run) over an iterator (a CSV reader, a `Vec`). The
    /// iterator is read from the task that polls the run.
    pub fn run_iter<I>(&self, rows: I) -> Result<BulkRun, BulkError>
    where
        I: IntoIterator<Item = Result<Row, RowError>>,
        I::IntoIter: Send + 'static,
    {
        self.run(futures::stream::iter(rows))
    }
}

/// A running bulk job: a [`Stream`] of exactly one [`RowOutcome`] per input
/// item. The work happens while it is polled; dropping it stops everything
/// at once (the journal keeps what was written).
pub struct BulkRun {
    ctx: Arc<Ctx>,
    input: Option<BoxStream<'static, Result<Row, RowError>>>,
    index: Index,
    next_seq: u64,
    running: FuturesUnordered<BoxFuture<'static, RowOutcome>>,
    ordered: BTreeMap<u64, RowOutcome>,
    unordered: VecDeque<RowOutcome>,
    next_emit: u64,
    /// Rows read and not yet yielded.
    pending: usize,
    closing: Option<oneshot::Receiver<Result<(), String>>>,
    close_error: Option<BulkError>,
    done: bool,
}

impl std::fmt::Debug for BulkRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkRun")
            .field("read", &self.next_seq)
            .field("yielded", &self.next_emit)
            .field("pending", &self.pending)
            .field("running", &self.running.len())
            .finish_non_exhaustive()
    }
}

impl BulkRun {
    /// A handle that cancels (or aborts) the run.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(self.ctx.control.clone())
    }

    /// A handle to the live counters.
    pub fn progress(&self) -> Progress {
        Progress(self.ctx.counters.clone())
    }

    /// The counters now, and the error that stopped the run early, if any.
    /// Read it after the stream ended for the final figures.
    pub fn summary(&self) -> Summary {
        Summary {
            counts: self.ctx.counters.counts(),
            error: self
                .ctx
                .control
                .fatal()
                .or_else(|| self.close_error.clone()),
        }
    }

    fn admit(&mut self, item: Result<Row, RowError>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.pending += 1;
        self.ctx.counters.read.fetch_add(1, Ordering::Relaxed);
        let prior = self.index.get(seq);
        if self.ctx.control.is_cancelled() && !matches!(prior, super::journal::Prior::Ended(_)) {
            let outcome = worker::skipped(&self.ctx, seq, item, prior);
            self.store(outcome);
            return;
        }
        self.running
            .push(worker::run(self.ctx.clone(), seq, item, prior).boxed());
    }

    fn store(&mut self, outcome: RowOutcome) {
        match self.ctx.options.order {
            OutputOrder::Completion => self.unordered.push_back(outcome),
            _ => {
                self.ordered.insert(outcome.seq, outcome);
            }
        }
    }

    fn pop_ready(&mut self) -> Option<RowOutcome> {
        match self.ctx.options.order {
            OutputOrder::Completion => self.unordered.pop_front(),
            _ => {
                let first = self.ordered.first_entry()?;
                if *first.key() != self.next_emit {
                    return None;
                }
                Some(first.remove())
            }
        }
        .inspect(|_| {
            self.next_emit += 1;
            self.pending -= 1;
        })
    }
}

impl Drop for BulkRun {
    /// Stops every row and waits (briefly) until the journal has written
    /// and synced what it was given, so a resume right after sees it all.
    fn drop(&mut self) {
        self.running = FuturesUnordered::new();
        if !self.done
            && let Some(j) = &self.ctx.journal
        {
            j.close_blocking(std::time::Duration::from_secs(5));
        }
    }
}

impl Stream for BulkRun {
    type Item = RowOutcome;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<RowOutcome>> {
        let this = &mut *self;
        loop {
            if let Some(outcome) = this.pop_ready() {
                return Poll::Ready(Some(outcome));
            }
            if this.done {
                return Poll::Ready(None);
            }
            let mut progressed = false;
            // Admit in small batches, polling the rows in between, so the
            // first requests leave before thousands of rows are read.
            let mut admitted = 0;
            while this.pending < this.ctx.options.max_pending && admitted < ADMIT_BATCH {
                let Some(input) = this.input.as_mut() else {
                    break;
                };
                match input.poll_next_unpin(cx) {
                    Poll::Ready(Some(item)) => {
                        this.admit(item);
                        admitted += 1;
                        progressed = true;
                    }
                    Poll::Ready(None) => this.input = None,
                    Poll::Pending => break,
                }
            }
            while let Poll::Ready(Some(outcome)) = this.running.poll_next_unpin(cx) {
                this.store(outcome);
                progressed = true;
            }
            if progressed {
                continue;
            }
            let idle = this.input.is_none()
                && this.running.is_empty()
                && this.ordered.is_empty()
                && this.unordered.is_empty();
            if !idle {
                return Poll::Pending;
            }
            // Every row has its outcome: sync the journal, then end.
            match this.closing.as_mut() {
                None => match this.ctx.journal.as_ref().and_then(Journal::close) {
                    Some(rx) => this.closing = Some(rx),
                    None => this.done = true,
                },
                Some(rx) => match rx.poll_unpin(cx) {
                    Poll::Ready(result) => {
                        if let Ok(Err(message)) = result
                            && let Some(j) = &this.ctx.journal
                        {
                            this.close_error =
                                Some(BulkError::io(j.path(), std::io::Error::other(message)));
                        }
                        this.done = true;
                    }
                    Poll::Pending => return Poll::Pending,
                },
            }
        }
    }
}

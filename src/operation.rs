//! Long-running telephone number operations: the `202 Accepted` +
//! `Location` that `assignNumber`/`unassignNumber` answer with, polled to the
//! end.
//!
//! An [`Operation`] is both a future (`.await` it for the final outcome) and a
//! [`Stream`] of status reads (to show progress), like the Azure SDK's
//! `Poller`. It follows the `Location` verbatim (`…/operations('<id>')` or
//! `…/operations/<id>`), with the same auth, retries and origin check as any
//! call; honours `Retry-After` on the 202 and on every poll; otherwise backs
//! off from [`PollOptions::initial_interval`] to [`PollOptions::max_interval`];
//! and stops at a deadline ([`PollOptions::deadline`], 15 minutes unless set
//! otherwise), which also bounds a poll in flight: one slow read cannot
//! overrun it. A poll that fails transiently (after the retry policy's own
//! retries), or answers `404` (an operation record a replica does not have
//! yet), is tried again, up to [`TRANSIENT_POLL_FAILURES`] times in a row:
//! the operation goes on at the service whatever happens to one poll.
//! Dropping it stops polling.
//!
//! Statuses: `succeeded`, `failed` and `skipped` end polling. Everything
//! else is polled on until the deadline, with the same intervals:
//! `notStarted` and `running`, a status flapping back and forth,
//! `unknownFutureValue` (a status the service masks: the client asks to see
//! it with `Prefer: include-unknown-enum-members`), a status this SDK does
//! not know, and an answer without a status. Each unknown one is logged
//! once; the deadline's [`Error::Timeout`] carries the last one seen, raw.
//! A poll whose `id` is not the operation's (the `Location` named another
//! operation) is an [`Error::Decode`].
//!
//! [`OperationRef`] (the URL) serialises, so a process can save it and a
//! later one resume with `Client::operation`.

use std::fmt;
use std::future::IntoFuture;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use tokio::time::Instant;

use crate::entity;
use crate::error::{Error, ErrorContext, FIELD_LIMIT, OperationFailure, Result, bounded};
use crate::generated::enums::LongRunningOperationStatus;
use crate::generated::types::TelephoneNumberLongRunningOperation;
use crate::pipeline::Pipeline;
use crate::retry::retry_after;

/// Where an operation can be polled: its absolute URL. Serialises as a
/// string; save it to resume later with `Client::operation`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct OperationRef(String);

impl OperationRef {
    pub(crate) fn new(url: String) -> Self {
        Self(url)
    }

    /// The URL that is polled.
    pub fn url(&self) -> &str {
        &self.0
    }

    /// The operation id from the URL: the key in `operations('<id>')` (with
    /// OData's doubled quotes undone) or the segment after `operations/`,
    /// percent-decoded (invalid UTF-8 is replaced). Never panics, whatever
    /// the saved text.
    pub fn operation_id(&self) -> Option<String> {
        let path = self.0.split(['?', '#']).next().unwrap_or(&self.0);
        if let Some(start) = path.rfind("operations('") {
            let rest = &path[start + "operations('".len()..];
            // The key ends at a quote that is not doubled, before `)`.
            let bytes = rest.as_bytes();
            let mut i = 0;
            let end = loop {
                match bytes.get(i) {
                    None => return None,
                    Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                    Some(b'\'') => break i,
                    Some(_) => i += 1,
                }
            };
            if bytes.get(end + 1) != Some(&b')') {
                return None;
            }
            return Some(percent_decode(&rest[..end].replace("''", "'")));
        }
        let (_, rest) = path.rsplit_once("/operations/")?;
        let id = rest.split('/').next()?;
        (!id.is_empty()).then(|| percent_decode(id))
    }
}

/// Percent-decodes (an incomplete escape is kept as it is; invalid UTF-8
/// is replaced).
fn percent_decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

impl fmt::Display for OperationRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How to poll when the service does not say (`Retry-After` always wins).
#[derive(Clone, Debug, PartialEq)]
pub struct PollOptions {
    /// Wait before the first poll, and the first interval.
    pub initial_interval: Duration,
    /// Longest interval between polls.
    pub max_interval: Duration,
    /// Growth of the interval after each poll without `Retry-After` (a
    /// value below 1, or not a number, is read as 1).
    pub multiplier: f64,
    /// Give up (with [`Error::Timeout`]) this long after the operation was
    /// accepted; it also bounds a poll in flight. Default
    /// [`DEFAULT_DEADLINE`](Self::DEFAULT_DEADLINE) (15 minutes: number
    /// operations take seconds to a few minutes). `None` polls until the
    /// operation ends, however long that is.
    pub deadline: Option<Duration>,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            multiplier: 1.5,
            deadline: Some(Self::DEFAULT_DEADLINE),
        }
    }
}

impl PollOptions {
    /// The default deadline: 15 minutes.
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(15 * 60);

    /// Polls until the operation ends, however long (no deadline).
    pub fn without_deadline(mut self) -> Self {
        self.deadline = None;
        self
    }

    /// The next interval: `interval` grown by the multiplier, at most
    /// `max_interval`. Never panics, whatever the options hold.
    pub(crate) fn grow(&self, interval: Duration) -> Duration {
        let m = if self.multiplier.is_finite() && self.multiplier > 1.0 {
            self.multiplier
        } else {
            1.0
        };
        Duration::try_from_secs_f64(interval.as_secs_f64() * m)
            .unwrap_or(self.max_interval)
            .min(self.max_interval.max(interval))
    }

    /// Sets the overall deadline.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Sets the first and the largest interval.
    pub fn with_interval(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_interval = initial;
        self.max_interval = max.max(initial);
        self
    }
}

/// True for `succeeded`, `failed` and `skipped`.
pub(crate) fn is_terminal(status: &LongRunningOperationStatus) -> bool {
    matches!(
        status,
        LongRunningOperationStatus::Succeeded
            | LongRunningOperationStatus::Failed
            | LongRunningOperationStatus::Skipped
    )
}

fn outcomes(op: &TelephoneNumberLongRunningOperation) -> Vec<NumberOutcome> {
    op.numbers
        .iter()
        .flatten()
        .map(|n| NumberOutcome {
            resource_location: n.resource_location.clone(),
            status: n.status.clone(),
            status_detail: n.status_detail.clone(),
        })
        .collect()
}

/// One read of the operation.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OperationStatus {
    /// The operation as the service returned it.
    pub operation: TelephoneNumberLongRunningOperation,
    /// Polls made so far (this one included).
    pub polls: u32,
    /// Time since the operation was accepted (or resumed).
    pub elapsed: Duration,
    /// When the next poll will happen, if this status is not final.
    pub next_poll_in: Option<Duration>,
}

impl OperationStatus {
    /// The status; `UnknownValue` for one this SDK does not know, and
    /// `UnknownValue("")` when the answer had none.
    pub fn status(&self) -> LongRunningOperationStatus {
        self.operation
            .status
            .clone()
            .unwrap_or_else(|| LongRunningOperationStatus::UnknownValue(String::new()))
    }

    /// Whether polling is over.
    pub fn is_terminal(&self) -> bool {
        is_terminal(&self.status())
    }

    /// Every number's status and detail.
    pub fn numbers(&self) -> Vec<NumberOutcome> {
        outcomes(&self.operation)
    }
}

/// One telephone number's outcome inside a long-running operation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct NumberOutcome {
    /// URL of the numberAssignment (`resourceLocation`).
    pub resource_location: Option<String>,
    /// `status` for this number, raw when the SDK does not know it.
    pub status: Option<LongRunningOperationStatus>,
    /// `statusDetail`: why it failed, when it did.
    pub status_detail: Option<String>,
}

/// The end of an operation that did not fail (`succeeded` or `skipped`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OperationOutcome {
    /// Where it was polled.
    pub reference: OperationRef,
    /// Final status.
    pub status: LongRunningOperationStatus,
    /// Every number's status and detail (a number may have failed even when
    /// the operation as a whole did not).
    pub numbers: Vec<NumberOutcome>,
    /// The last read.
    pub operation: TelephoneNumberLongRunningOperation,
    /// Polls made.
    pub polls: u32,
}

/// A long-running operation: `.await` for the outcome, or read it as a
/// [`Stream`] of [`OperationStatus`] that ends after the final status.
pub struct Operation {
    reference: OperationRef,
    pipeline: Pipeline,
    options: PollOptions,
    first_delay: Duration,
    /// When the operation was accepted (or resumed): the deadline counts from here.
    started: Instant,
    /// Made on the first poll: an operation nobody polls costs nothing more.
    stream: Option<BoxStream<'static, Result<OperationStatus>>>,
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("reference", &self.reference)
            .finish_non_exhaustive()
    }
}

struct PollState {
    pipeline: Pipeline,
    /// Checked against the configured origin when the operation was made.
    url: String,
    options: PollOptions,
    started: Instant,
    next_delay: Duration,
    interval: Duration,
    polls: u32,
    /// Transient poll failures in a row (see [`TRANSIENT_POLL_FAILURES`]).
    failures: u32,
    done: bool,
    last_status: Option<String>,
}

/// How many polls in a row may fail transiently (throttling or an outage
/// that outlasted the retry policy, a dropped connection) before the
/// operation's stream reports the error. A failed poll is not a failed
/// operation: the work goes on at the service, so polling carries on, with
/// the interval growing, as long as the deadline allows.
pub(crate) const TRANSIENT_POLL_FAILURES: u32 = 5;

/// Reads the operation once. The docs show the entity wrapped in
/// `{"value": {...}}`; that shape is accepted as well as the plain entity.
async fn read(
    pipeline: &Pipeline,
    url: &str,
) -> Result<(TelephoneNumberLongRunningOperation, Option<Duration>)> {
    let answer = pipeline
        .get_json::<TelephoneNumberLongRunningOperation>(
            pipeline.follow("operation URL", url, None)?,
            "poll_operation",
        )
        .await?;
    let cx = ErrorContext::new("poll_operation", 1, None);
    let op = entity::unwrap(answer.value, &cx, &answer.headers)?;
    let expected = OperationRef::new(url.to_owned()).operation_id();
    if let (Some(expected), Some(got)) = (expected, op.id.as_deref())
        && expected != got
    {
        let source = <serde_json::Error as serde::de::Error>::custom(format!(
            "the answer is operation {:?}, not {:?}: the Location named another operation",
            bounded(got, FIELD_LIMIT),
            bounded(&expected, FIELD_LIMIT)
        ));
        let body = serde_json::to_vec(&op).unwrap_or_default();
        return Err(Error::decode(&cx, 200, &answer.headers, &body, source));
    }
    Ok((op, retry_after(&answer.headers)))
}

/// Whether a failed poll is worth repeating: a transient error, or a `404`
/// (a replica that does not know the operation yet).
fn poll_again(e: &Error) -> bool {
    e.is_transient() || e.status() == Some(404)
}

impl PollState {
    /// Time left before the deadline (`None`: no deadline).
    fn left(&self) -> Option<Duration> {
        self.options
            .deadline
            .map(|d| d.saturating_sub(self.started.elapsed()))
    }

    /// Whether waiting `wait` would cross the deadline.
    fn past_deadline_after(&self, wait: Duration) -> bool {
        self.left().is_some_and(|left| wait > left)
    }

    async fn next(mut self) -> Option<(Result<OperationStatus>, PollState)> {
        if self.done {
            return None;
        }
        // A poll is never earlier than the service asked; when the next one
        // would fall after the deadline, give up now with the last status.
        if self.past_deadline_after(self.next_delay) {
            self.done = true;
            return Some((Err(self.timeout()), self));
        }
        tokio::time::sleep(self.next_delay).await;
        let (op, retry_after) = loop {
            self.polls += 1;
            // The deadline bounds the read too (with its retries).
            let read = read(&self.pipeline, &self.url);
            let result = match self.left() {
                Some(left) => match tokio::time::timeout(left, read).await {
                    Ok(r) => r,
                    Err(_) => {
                        self.done = true;
                        return Some((Err(self.timeout()), self));
                    }
                },
                None => read.await,
            };
            match result {
                Ok(r) => {
                    self.failures = 0;
                    break r;
                }
                Err(e) if poll_again(&e) && self.failures < TRANSIENT_POLL_FAILURES => {
                    self.failures += 1;
                    self.interval = self.options.grow(self.interval);
                    let wait = e
                        .graph()
                        .and_then(|g| g.retry_after)
                        .unwrap_or(self.interval);
                    if self.past_deadline_after(wait) {
                        self.done = true;
                        return Some((Err(e), self));
                    }
                    tracing::warn!(error = %e, failures = self.failures, wait_ms = wait.as_millis() as u64, "poll failed; polling on");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    self.done = true;
                    return Some((Err(e), self));
                }
            }
        };
        let status = op.status.clone();
        let raw = status
            .as_ref()
            .map(|s| bounded(s.as_str(), FIELD_LIMIT))
            .unwrap_or_default();
        let terminal = status.as_ref().is_some_and(is_terminal);
        let unusual = match &status {
            None => true,
            Some(LongRunningOperationStatus::UnknownFutureValue) => true,
            Some(s) => !s.is_known(),
        };
        if unusual && self.last_status.as_deref() != Some(raw.as_str()) {
            tracing::warn!(status = %crate::error::Clean(&raw), url = %self.url, "operation status unknown to this SDK (or none); polling on until the deadline");
        }
        self.last_status = Some(raw);
        let next_poll_in = if terminal {
            self.done = true;
            None
        } else {
            // Retry-After wins; otherwise grow the interval up to the cap.
            self.next_delay = match retry_after {
                Some(ra) => ra,
                None => {
                    if self.polls > 1 {
                        self.interval = self.options.grow(self.interval);
                    }
                    self.interval
                }
            };
            Some(self.next_delay)
        };
        let status = OperationStatus {
            operation: op,
            polls: self.polls,
            elapsed: self.started.elapsed(),
            next_poll_in,
        };
        Some((Ok(status), self))
    }

    fn timeout(&self) -> Error {
        Error::Timeout {
            what: format!("operation {}", self.url),
            waited: self.started.elapsed(),
            last_status: self.last_status.clone(),
            client_request_id: None,
        }
    }
}

impl Operation {
    /// Starts polling `reference`; the first poll waits `first_delay` (the
    /// 202's `Retry-After`) or the initial interval.
    pub(crate) fn new(
        pipeline: Pipeline,
        url: String,
        options: PollOptions,
        first_delay: Option<Duration>,
    ) -> Self {
        Self {
            reference: OperationRef::new(url),
            pipeline,
            first_delay: first_delay.unwrap_or(options.initial_interval),
            options,
            started: Instant::now(),
            stream: None,
        }
    }

    /// The status stream, started on first use.
    fn stream(&mut self) -> &mut BoxStream<'static, Result<OperationStatus>> {
        self.stream.get_or_insert_with(|| {
            let state = PollState {
                pipeline: self.pipeline.clone(),
                url: self.reference.url().to_owned(),
                next_delay: self.first_delay,
                interval: self.options.initial_interval,
                options: self.options.clone(),
                started: self.started,
                polls: 0,
                failures: 0,
                done: false,
                last_status: None,
            };
            Box::pin(futures::stream::unfold(state, PollState::next))
        })
    }

    /// This operation's own deadline (counted from when it was accepted or
    /// resumed), in place of the client's [`PollOptions::deadline`]: a
    /// caller with its own time limit lets the poller end at it, with
    /// [`Error::Timeout`] and the last status. Set it before the first poll;
    /// a stream already polling keeps the deadline it started with.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.options.deadline = Some(deadline);
        self
    }

    /// Where the operation is polled (serialisable, for resuming).
    pub fn reference(&self) -> &OperationRef {
        &self.reference
    }

    /// Reads the operation once, now, without touching the polling schedule.
    /// The future owns what it needs, so it is `Send` and `'static` even
    /// though the `Operation` itself (which holds its poll stream) is not
    /// `Sync`.
    pub fn status(
        &self,
    ) -> impl Future<Output = Result<TelephoneNumberLongRunningOperation>> + Send + 'static {
        let (pipeline, url) = (self.pipeline.clone(), self.reference.url().to_owned());
        async move { Ok(read(&pipeline, &url).await?.0) }
    }

    /// Polls to the end. `succeeded` or `skipped` give the outcome; `failed`
    /// gives [`Error::OperationFailed`] with every number's status and detail.
    pub async fn wait(mut self) -> Result<OperationOutcome> {
        use futures::StreamExt;
        let mut last: Option<OperationStatus> = None;
        while let Some(item) = self.stream().next().await {
            last = Some(item?);
        }
        let last =
            last.ok_or_else(|| Error::Internal("operation stream ended without a status".into()))?;
        let status = last.status();
        let numbers = last.numbers();
        if status == LongRunningOperationStatus::Failed {
            return Err(Error::OperationFailed(Box::new(OperationFailure {
                operation_id: last
                    .operation
                    .id
                    .clone()
                    .or_else(|| self.reference.operation_id()),
                url: self.reference.url().to_owned(),
                status,
                numbers,
            })));
        }
        Ok(OperationOutcome {
            reference: self.reference,
            status,
            numbers,
            operation: last.operation,
            polls: last.polls,
        })
    }
}

impl Stream for Operation {
    type Item = Result<OperationStatus>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream().as_mut().poll_next(cx)
    }
}

impl IntoFuture for Operation {
    type Output = Result<OperationOutcome>;
    type IntoFuture = BoxFuture<'static, Result<OperationOutcome>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_from_both_location_forms() {
        let key = OperationRef::new("https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/operations('QXNzaWdu%3D')".into());
        assert_eq!(key.operation_id().as_deref(), Some("QXNzaWdu="));
        let seg = OperationRef::new("https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/operations/VW5h?x=1".into());
        assert_eq!(seg.operation_id().as_deref(), Some("VW5h"));
        let json = serde_json::to_string(&seg).unwrap();
        assert_eq!(
            json,
            "\"https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/operations/VW5h?x=1\""
        );
        assert_eq!(serde_json::from_str::<OperationRef>(&json).unwrap(), seg);
    }

    #[test]
    fn a_saved_reference_with_non_ascii_after_a_percent_sign_does_not_panic() {
        for raw in [
            "https://g/operations('%a\u{e9}')",
            "https://g/operations/%a\u{e9}x",
            "https://g/operations('%\u{e9}\u{e9}')",
            "https://g/operations('%')",
            "https://g/operations/%%%",
            "https://g/operations('%C3')",
        ] {
            let _ = OperationRef::new(raw.into()).operation_id();
        }
        assert_eq!(
            OperationRef::new("https://g/operations('a%C3%A9b''c')".into())
                .operation_id()
                .as_deref(),
            Some("a\u{e9}b'c")
        );
        assert_eq!(
            OperationRef::new("https://g/operations('%a\u{e9}')".into())
                .operation_id()
                .as_deref(),
            Some("%a\u{e9}"),
            "an incomplete escape is kept as it is"
        );
    }

    #[test]
    fn growth_never_panics_whatever_the_options() {
        for m in [f64::NAN, -1.0, 0.0, 0.5, f64::INFINITY, 1e300, 2.0] {
            let p = PollOptions {
                multiplier: m,
                ..PollOptions::default()
            };
            let next = p.grow(Duration::from_secs(2));
            assert!(
                next >= Duration::from_secs(2) && next <= p.max_interval,
                "{m}: {next:?}"
            );
        }
        assert_eq!(
            PollOptions::default().deadline,
            Some(PollOptions::DEFAULT_DEADLINE)
        );
    }
}

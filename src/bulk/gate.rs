//! The bulk room: the throttle gate every action request of a run passes.
//! Tokio's semaphore and clock, and the retry room's backoff; it may touch
//! the counters, nothing else.
//!
//! - **Shared pause.** A `429`/`503` closes the gate for the whole run until
//!   its `Retry-After` (exponential backoff from 1 s, at most 30 s, when
//!   the answer has none): no row submits meanwhile, not just the one that
//!   was throttled. N workers each honouring their own `Retry-After` keep
//!   N-1 others hammering; here one answer stops them all.
//! - **Adaptive concurrency (AIMD).** Requests in flight are capped by a
//!   limit that starts at `initial_concurrency`, is **halved** on
//!   throttling (once per episode: the answers to requests sent before the
//!   first cut do not cut again), and **grows by one** every
//!   [`GROW_EVERY`] while rows are queueing for it and nothing is
//!   throttled, up to `concurrency`. The growth is per unit of time, not
//!   per answer: against a quota of fixed windows, a per-answer increase
//!   climbs back to the cap within one window (its answers come fast), so
//!   each window would again end with a full cap of requests in flight and
//!   refused. Growing with time keeps the limit near what the quota
//!   accepts, and requests refused at each window's end stay few.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::progress::Counters;

/// How often the limit may grow by one.
pub(crate) const GROW_EVERY: Duration = Duration::from_millis(50);

/// The longest pause the gate takes from one `Retry-After`.
const MAX_PAUSE: Duration = Duration::from_secs(3600);

#[derive(Debug)]
pub(crate) struct Gate {
    semaphore: Arc<Semaphore>,
    state: Mutex<State>,
    max: usize,
    counters: Arc<Counters>,
}

#[derive(Debug)]
struct State {
    /// The current limit.
    limit: usize,
    /// Permits to take out of circulation as they come back (after a cut).
    debt: usize,
    paused_until: Option<Instant>,
    /// Bumped at every cut; a permit remembers the epoch it was taken in.
    epoch: u64,
    last_growth: Instant,
    /// Rows waiting for a permit.
    waiting: usize,
    /// Throttling answers in a row without a success, for the backoff.
    streak: u32,
}

/// The right to send one action request.
#[derive(Debug)]
pub(crate) struct Permit {
    permit: Option<OwnedSemaphorePermit>,
    epoch: u64,
}

struct Waiting<'a>(&'a Gate);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.0.state.lock() {
            s.waiting = s.waiting.saturating_sub(1);
        }
    }
}

impl Gate {
    pub(crate) fn new(initial: usize, max: usize, counters: Arc<Counters>) -> Self {
        let max = max.max(1);
        let initial = initial.clamp(1, max);
        counters
            .limit
            .store(initial, std::sync::atomic::Ordering::Relaxed);
        Self {
            semaphore: Arc::new(Semaphore::new(initial)),
            state: Mutex::new(State {
                limit: initial,
                debt: 0,
                paused_until: None,
                epoch: 0,
                last_growth: Instant::now(),
                waiting: 0,
                streak: 0,
            }),
            max,
            counters,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn wait_while_paused(&self) {
        loop {
            let until = self.lock().paused_until;
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// Waits until the gate is open and a slot is free.
    pub(crate) async fn acquire(&self) -> Permit {
        self.wait_while_paused().await;
        let permit = {
            self.lock().waiting += 1;
            let _waiting = Waiting(self);
            self.semaphore
                .clone()
                .acquire_owned()
                .await
                .expect("the gate's semaphore is never closed")
        };
        // A pause may have begun while this row queued.
        self.wait_while_paused().await;
        let epoch = self.lock().epoch;
        Permit {
            permit: Some(permit),
            epoch,
        }
    }

    fn give_back(&self, state: &mut State, mut permit: Permit) {
        if let Some(p) = permit.permit.take() {
            if state.debt > 0 {
                state.debt -= 1;
                p.forget();
            } else {
                drop(p);
            }
        }
    }

    /// The request got an answer that is not throttling.
    pub(crate) fn answered(&self, permit: Permit) {
        let mut s = self.lock();
        s.streak = 0;
        let now = Instant::now();
        if s.limit < self.max && s.waiting > 0 && now.duration_since(s.last_growth) >= GROW_EVERY {
            s.limit += 1;
            s.last_growth = now;
            if s.debt > 0 {
                s.debt -= 1;
            } else {
                self.semaphore.add_permits(1);
            }
            self.counters
                .limit
                .store(s.limit, std::sync::atomic::Ordering::Relaxed);
        }
        self.give_back(&mut s, permit);
    }

    /// The request got no answer (or one that says nothing about load).
    pub(crate) fn release(&self, permit: Permit) {
        let mut s = self.lock();
        self.give_back(&mut s, permit);
    }

    /// The request was throttled: close the gate for `retry_after` (or a
    /// backoff) and cut the limit. Returns how long the gate stays closed.
    pub(crate) fn throttled(&self, permit: Permit, retry_after: Option<Duration>) -> Duration {
        let mut s = self.lock();
        s.streak = s.streak.saturating_add(1);
        let pause = retry_after
            .unwrap_or_else(|| backoff(s.streak))
            .min(MAX_PAUSE);
        let now = Instant::now();
        let until = now + pause;
        if s.paused_until.is_none_or(|t| t < until) {
            s.paused_until = Some(until);
            self.counters.paused_until(until);
        }
        if permit.epoch == s.epoch {
            s.epoch += 1;
            let cut = (s.limit / 2).max(1);
            s.debt += s.limit - cut;
            s.limit = cut;
            // Growth starts over after the pause.
            s.last_growth = until;
            self.counters
                .limit
                .store(s.limit, std::sync::atomic::Ordering::Relaxed);
            tracing::info!(
                limit = s.limit,
                pause_ms = pause.as_millis() as u64,
                "throttled: the run pauses and halves its concurrency"
            );
        }
        self.give_back(&mut s, permit);
        pause
    }
}

/// 1 s, 2 s, 4 s, … at most 30 s, with jitter in the upper half.
fn backoff(streak: u32) -> Duration {
    crate::retry::jittered_backoff(Duration::from_secs(1), Duration::from_secs(30), streak)
}

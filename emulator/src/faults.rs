//! Fault knobs: everything here is off until a test turns it on, and can be
//! changed while the emulator runs.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// How a throttling answer carries `Retry-After`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfterForm {
    /// Delta-seconds: `Retry-After: 2`.
    Seconds(u64),
    /// An HTTP-date this many seconds from now.
    Date(u64),
    /// No `Retry-After` header.
    Absent,
    /// Decimal seconds: `Retry-After: 0.25` (not RFC 9110, but seen in the wild).
    Fractional(Duration),
}

impl RetryAfterForm {
    /// The header value, or `None` for [`RetryAfterForm::Absent`].
    pub fn header_value(&self) -> Option<String> {
        match *self {
            Self::Seconds(secs) => Some(secs.to_string()),
            Self::Date(secs) => Some(httpdate::fmt_http_date(
                SystemTime::now() + Duration::from_secs(secs),
            )),
            Self::Absent => None,
            Self::Fractional(d) => Some(decimal_seconds(d)),
        }
    }
}

/// Sustained throttling of `assignNumber`/`unassignNumber`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Accepted actions per one-second window.
    pub per_second: u32,
    /// `Retry-After` as decimal seconds (exact to the millisecond, rounded
    /// up) instead of whole seconds rounded up.
    pub fractional_retry_after: bool,
}

/// The knobs. Reach them with [`Emulator::faults`](super::Emulator::faults).
#[derive(Debug, Default)]
pub struct Faults {
    state: Mutex<FaultState>,
}

#[derive(Debug, Default)]
struct FaultState {
    throttle: Option<Throttle>,
    rate_limit: Option<RateLimit>,
    /// Start of the current fixed window and how many actions it admitted.
    window: Option<(Instant, u32)>,
    reset_next: u32,
    reset_after_processing_next: u32,
    slow: Option<(u32, Duration)>,
    malformed_next: u32,
    operations_stay_running: bool,
    foreign_location: bool,
    next_link_mode: bool,
    repeat_next_link: bool,
}

#[derive(Clone, Copy, Debug)]
struct Throttle {
    remaining: u32,
    status: u16,
    retry_after: RetryAfterForm,
}

/// A throttling answer to send.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ThrottleAnswer {
    pub status: u16,
    pub retry_after: RetryAfterForm,
}

impl Faults {
    fn with<R>(&self, f: impl FnOnce(&mut FaultState) -> R) -> R {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// The next `count` requests (any path) answer `status` (429, 503, 504,
    /// …) in the ODataError shape, with `Retry-After` as given.
    pub fn throttle_burst(&self, count: u32, status: u16, retry_after: RetryAfterForm) {
        self.with(|s| {
            s.throttle = (count > 0).then_some(Throttle {
                remaining: count,
                status,
                retry_after,
            })
        });
    }

    /// Sustained throttling: at most `per_second` accepted
    /// `assignNumber`/`unassignNumber` requests per one-second window; the
    /// excess answers 429 with `Retry-After` saying when the window ends.
    /// `None` turns it off.
    pub fn rate_limit(&self, limit: Option<RateLimit>) {
        self.with(|s| {
            s.rate_limit = limit;
            s.window = None;
        });
    }

    /// The next `count` requests get their connection dropped (reset)
    /// without any HTTP answer.
    pub fn reset_next(&self, count: u32) {
        self.with(|s| s.reset_next = count);
    }

    /// The next `count` `assignNumber`/`unassignNumber` requests are
    /// processed (the operation exists and will apply) and then the
    /// connection is dropped before the 202 is sent.
    pub fn reset_after_processing_next(&self, count: u32) {
        self.with(|s| s.reset_after_processing_next = count);
    }

    /// The next `count` requests are answered only after `delay`.
    pub fn slow_next(&self, count: u32, delay: Duration) {
        self.with(|s| s.slow = (count > 0).then_some((count, delay)));
    }

    /// The next `count` GET answers are 200 with a truncated JSON body.
    pub fn malformed_next(&self, count: u32) {
        self.with(|s| s.malformed_next = count);
    }

    /// Operations accepted while this is on never finish (they stay
    /// `running`).
    pub fn operations_stay_running(&self, yes: bool) {
        self.with(|s| s.operations_stay_running = yes);
    }

    /// assign/unassign answer with a `Location` on the foreign host.
    pub fn foreign_location(&self, yes: bool) {
        self.with(|s| s.foreign_location = yes);
    }

    /// List numberAssignments pages with `@odata.nextLink` (`$skiptoken`).
    pub fn next_link_mode(&self, yes: bool) {
        self.with(|s| s.next_link_mode = yes);
    }

    /// Every `@odata.nextLink` points at the same page (the second one).
    pub fn repeat_next_link(&self, yes: bool) {
        self.with(|s| s.repeat_next_link = yes);
    }

    // --- used by the handlers -------------------------------------------

    pub(crate) fn take_reset(&self) -> bool {
        self.with(|s| take_one(&mut s.reset_next))
    }

    pub(crate) fn take_reset_after_processing(&self) -> bool {
        self.with(|s| take_one(&mut s.reset_after_processing_next))
    }

    pub(crate) fn take_malformed(&self) -> bool {
        self.with(|s| take_one(&mut s.malformed_next))
    }

    pub(crate) fn take_slow(&self) -> Option<Duration> {
        self.with(|s| {
            let (remaining, delay) = s.slow.as_mut()?;
            let delay = *delay;
            *remaining -= 1;
            if *remaining == 0 {
                s.slow = None;
            }
            Some(delay)
        })
    }

    pub(crate) fn take_throttle(&self) -> Option<ThrottleAnswer> {
        self.with(|s| {
            let t = s.throttle.as_mut()?;
            let answer = ThrottleAnswer {
                status: t.status,
                retry_after: t.retry_after,
            };
            t.remaining -= 1;
            if t.remaining == 0 {
                s.throttle = None;
            }
            Some(answer)
        })
    }

    /// Admits one action under the rate limit, or says when to come back.
    pub(crate) fn admit_action(&self, now: Instant) -> Result<(), RetryAfterForm> {
        self.with(|s| {
            let Some(limit) = s.rate_limit else {
                return Ok(());
            };
            let window = match s.window {
                Some((start, count)) if now < start + Duration::from_secs(1) => (start, count),
                _ => (now, 0),
            };
            if window.1 < limit.per_second {
                s.window = Some((window.0, window.1 + 1));
                return Ok(());
            }
            s.window = Some(window);
            let wait = (window.0 + Duration::from_secs(1)).saturating_duration_since(now);
            Err(if limit.fractional_retry_after {
                RetryAfterForm::Fractional(wait)
            } else {
                RetryAfterForm::Seconds(ceil_secs(wait).max(1))
            })
        })
    }

    pub(crate) fn stay_running(&self) -> bool {
        self.with(|s| s.operations_stay_running)
    }

    pub(crate) fn foreign_location_on(&self) -> bool {
        self.with(|s| s.foreign_location)
    }

    /// (next_link_mode, repeat_next_link)
    pub(crate) fn paging_modes(&self) -> (bool, bool) {
        self.with(|s| (s.next_link_mode, s.repeat_next_link))
    }
}

fn take_one(counter: &mut u32) -> bool {
    if *counter > 0 {
        *counter -= 1;
        true
    } else {
        false
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// Decimal seconds rounded up to the millisecond: 250 ms → `"0.25"`, 2 s →
/// `"2"`.
pub(crate) fn decimal_seconds(d: Duration) -> String {
    let millis = d.as_nanos().div_ceil(1_000_000);
    let (secs, frac) = (millis / 1000, millis % 1000);
    if frac == 0 {
        return secs.to_string();
    }
    let frac = format!("{frac:03}");
    format!("{secs}.{}", frac.trim_end_matches('0'))
}

/// `Retry-After` for a configured duration: whole seconds, or decimal when
/// the duration has a fraction.
pub(crate) fn duration_header(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        d.as_secs().to_string()
    } else {
        decimal_seconds(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_forms() {
        assert_eq!(decimal_seconds(Duration::from_millis(250)), "0.25");
        assert_eq!(decimal_seconds(Duration::from_millis(1500)), "1.5");
        assert_eq!(decimal_seconds(Duration::from_micros(1)), "0.001");
        assert_eq!(duration_header(Duration::from_secs(3)), "3");
        assert_eq!(duration_header(Duration::from_millis(2250)), "2.25");
    }

    #[test]
    fn fixed_window() {
        let f = Faults::default();
        f.rate_limit(Some(RateLimit {
            per_second: 2,
            fractional_retry_after: false,
        }));
        let t0 = Instant::now();
        assert!(f.admit_action(t0).is_ok());
        assert!(f.admit_action(t0).is_ok());
        assert_eq!(
            f.admit_action(t0 + Duration::from_millis(300)),
            Err(RetryAfterForm::Seconds(1))
        );
        assert!(f.admit_action(t0 + Duration::from_secs(1)).is_ok());
    }
}

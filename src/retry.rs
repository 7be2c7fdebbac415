//! When to send a request again, and how long to wait first.
//!
//! Two halves, as in smithy-rs's classifier/strategy split, so that
//! `Pipeline::send` keeps only I/O, headers and tracing:
//! - the **classifier** ([`RetryPolicy::classify`]) looks at what one attempt
//!   came to ([`Attempt`]) and says whether it may be repeated, and why
//!   ([`Verdict`]);
//! - the **schedule** ([`Schedule`]) says how long to wait before the repeat,
//!   or that the call must give up: backoff, `Retry-After`, the retry count
//!   and the waiting budget.
//!
//! Both are plain functions of their inputs: they are tested without HTTP.
//!
//! # What is retried
//!
//! - **Throttling and outages** — by default `429 Too Many Requests`,
//!   `503 Service Unavailable` and `504 Gateway Timeout`. Graph uses these
//!   to say the request was *not processed* (the throttling guidance asks
//!   clients to wait and repeat it), so repeating even a `POST` cannot apply
//!   it twice. That includes `assignNumber` and `unassignNumber`.
//! - **Transport errors before the request left** (connection refused, DNS,
//!   TLS handshake): nothing reached the service, so every request may be
//!   repeated.
//! - **Transport errors after the request may have been sent** (connection
//!   reset, timeout while waiting for the answer, an answer whose body broke
//!   off) are retried **only for idempotent operations** (reads and
//!   functions). For `assignNumber` or `unassignNumber` the service may
//!   already have started an operation; a blind repeat could start a second
//!   one (or fail confusingly because the number is now assigned). The caller
//!   gets the error, with the `client-request-id`, and decides: list the
//!   number's state, or look for the operation, before trying again.
//! - Nothing else: other statuses, and an answer larger than the body limit
//!   (it would be as large the next time).
//!
//! # How long
//!
//! - `Retry-After` wins when present, as delta-seconds (`120`, also Graph's
//!   occasional `"120, 120"`, and a fraction such as `0.5`) or as an
//!   HTTP-date (one in the past means "now"). A value that is not one of
//!   these (negative, `NaN`, `inf`, text) is ignored and backoff is used. A
//!   value longer than [`MAX_RETRY_AFTER`] (one year, such as `1e20` or a
//!   date in the year 9999) is read as that: no budget allows it, so the call
//!   gives up at once.
//! - Otherwise exponential backoff from [`RetryPolicy::base_delay`], doubled
//!   per retry, capped at [`RetryPolicy::max_delay`], with jitter (a random
//!   point in the upper half) so many clients throttled together do not come
//!   back together.
//! - Never more than [`RetryPolicy::max_retries`] retries (default 3, at most
//!   10) and never more than [`RetryPolicy::max_total_wait`] of waiting in
//!   all: when the next wait would cross it, the last answer is returned as
//!   it is. No single wait is longer than the budget.
//! - Waiting is a tokio sleep: dropping the call's future stops it.
//! - Each repeat carries `Retry-Attempt: <n>` and the same
//!   `client-request-id` as the first attempt.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// The most retries a policy may allow.
pub(crate) const MAX_RETRIES_CAP: u32 = 10;

/// The longest `Retry-After` this SDK reads (one year). Longer values, and
/// values too large for a [`Duration`], are read as this.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(365 * 24 * 3600);

/// Retry settings. See the module docs for the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Statuses that mean "not processed, try again".
    pub statuses: Vec<u16>,
    /// Retries after the first attempt (capped at 10).
    pub max_retries: u32,
    /// First backoff delay when the service gives no `Retry-After`.
    pub base_delay: Duration,
    /// Largest single backoff delay (a `Retry-After` may be longer, up to
    /// the budget).
    pub max_delay: Duration,
    /// Most time spent waiting between attempts of one call; no single wait
    /// is longer.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            statuses: vec![429, 503, 504],
            max_retries: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(180),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets the retry count (capped at 10).
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries.min(MAX_RETRIES_CAP);
        self
    }

    /// Sets the statuses to retry.
    pub fn with_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// Sets the first and largest backoff delay.
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// Sets the total waiting budget of one call.
    pub fn with_max_total_wait(mut self, budget: Duration) -> Self {
        self.max_total_wait = budget;
        self
    }

    pub(crate) fn retries(&self) -> u32 {
        self.max_retries.min(MAX_RETRIES_CAP)
    }

    /// Backoff before retry number `retry` (1-based), with jitter.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        jittered_backoff(self.base_delay, self.max_delay, retry)
    }

    /// The classifier: may the call be repeated after this attempt?
    /// `idempotent` says whether the operation may run twice (reads and
    /// functions).
    pub(crate) fn classify(&self, attempt: &Attempt<'_>, idempotent: bool) -> Verdict {
        match *attempt {
            Attempt::Answered { status, headers } if self.statuses.contains(&status) => {
                Verdict::Retry {
                    why: "the service did not process the request",
                    retry_after: retry_after(headers),
                }
            }
            Attempt::Answered { .. } => Verdict::Final {
                why: "an answer that is not retried",
            },
            Attempt::NotSent => Verdict::Retry {
                why: "the request did not leave",
                retry_after: None,
            },
            Attempt::Lost if idempotent => Verdict::Retry {
                why: "transport error on an idempotent request",
                retry_after: None,
            },
            Attempt::Lost => Verdict::Final {
                why: "the request may have reached the service, and it is not idempotent",
            },
            Attempt::TooLarge => Verdict::Final {
                why: "the answer is larger than the body limit",
            },
        }
    }

    /// The schedule of one call.
    pub(crate) fn schedule(&self) -> Schedule<'_> {
        Schedule {
            policy: self,
            retries: 0,
            waited: Duration::ZERO,
        }
    }
}

/// Exponential backoff for the `n`-th wait in a row (1-based): `base`,
/// doubling, at most `max`, with jitter in the upper half.
pub(crate) fn jittered_backoff(base: Duration, max: Duration, n: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << n.saturating_sub(1).min(20));
    let capped = exp.min(max);
    let half = capped / 2;
    half + half.mul_f64(fastrand::f64())
}

/// What one attempt came to, as the classifier sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Attempt<'a> {
    /// An answer with this status and these headers.
    Answered { status: u16, headers: &'a HeaderMap },
    /// A transport error before anything was sent (connect, DNS, TLS).
    NotSent,
    /// A transport error after the request may have been sent: no answer,
    /// or an answer whose body broke off.
    Lost,
    /// An answer whose body was larger than the limit.
    TooLarge,
}

/// The classifier's word on one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// May be repeated; `retry_after` is what the service asked for.
    Retry {
        why: &'static str,
        retry_after: Option<Duration>,
    },
    /// Must not be repeated.
    Final { why: &'static str },
}

/// The schedule's word: wait this long and repeat, or give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Sleep this long, then send retry number [`Schedule::retries`].
    After(Duration),
    /// Stop and return the last outcome.
    GiveUp(&'static str),
}

/// How long to wait before each retry of one call: the retry count and the
/// waiting budget spent so far.
#[derive(Debug)]
pub(crate) struct Schedule<'p> {
    policy: &'p RetryPolicy,
    retries: u32,
    waited: Duration,
}

impl Schedule<'_> {
    /// Retries granted so far.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// The wait before the next retry (`Retry-After` when given, else
    /// backoff), or why there is none. A granted wait is counted.
    pub(crate) fn next(&mut self, retry_after: Option<Duration>) -> Wait {
        if self.retries >= self.policy.retries() {
            return Wait::GiveUp("no retries left");
        }
        let delay = retry_after.unwrap_or_else(|| self.policy.backoff(self.retries + 1));
        if self.waited.saturating_add(delay) > self.policy.max_total_wait {
            return Wait::GiveUp("the wait would exceed the retry budget");
        }
        self.retries += 1;
        self.waited += delay;
        Wait::After(delay)
    }
}

/// Reads `Retry-After`: delta-seconds (also a repeated `"N, N"`, and a
/// fraction) or an HTTP-date. A date in the past means "now"; anything
/// longer than [`MAX_RETRY_AFTER`] is read as that; anything else is `None`.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    retry_after_at(headers, SystemTime::now)
}

/// [`retry_after`] with the clock given (read only for the HTTP-date form).
pub(crate) fn retry_after_at(
    headers: &HeaderMap,
    now: impl FnOnce() -> SystemTime,
) -> Option<Duration> {
    let raw = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(raw, now)
}

/// The `Retry-After` parser itself, on the header's text.
pub(crate) fn parse_retry_after(raw: &str, now: impl FnOnce() -> SystemTime) -> Option<Duration> {
    let raw = raw.trim();
    let first = raw.split(',').next().unwrap_or(raw).trim();
    if !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()) {
        // Whole seconds; more digits than a u64 holds is "very long".
        let secs = first.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    // A fraction (`0.5`, `1.5e3`). Only plain decimal text: `NaN`, `inf`,
    // `infinity` and signs are not delta-seconds.
    if first
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && first
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && let Ok(secs) = first.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(
            Duration::try_from_secs_f64(secs)
                .unwrap_or(MAX_RETRY_AFTER)
                .min(MAX_RETRY_AFTER),
        );
    }
    let at = httpdate::parse_http_date(raw).ok()?;
    Some(
        at.duration_since(now())
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after_at(&headers("7"), || now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after_at(&headers("2, 2"), || now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after_at(&headers("0.5"), || now),
            Some(Duration::from_millis(500))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            retry_after_at(&headers(&later), || now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(
            retry_after_at(&headers(&earlier), || now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after_at(&headers("soon"), || now), None);
        assert_eq!(retry_after_at(&HeaderMap::new(), || now), None);
    }

    #[test]
    fn hostile_retry_after_values_never_panic_and_stay_bounded() {
        let now = || SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for huge in [
            "1e20",
            "1e308",
            "18446744073709551616",
            "99999999999999999999999999999",
            "31536001",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            assert_eq!(
                parse_retry_after(huge, now),
                Some(MAX_RETRY_AFTER),
                "{huge}"
            );
        }
        for garbage in [
            "-1", "-0.5", "NaN", "nan", "inf", "-inf", "infinity", "+5", "", " ", "1e", "..",
            "0x10", "5s", "1 2",
        ] {
            assert_eq!(parse_retry_after(garbage, now), None, "{garbage:?}");
        }
        assert_eq!(
            parse_retry_after("1.5e1", now),
            Some(Duration::from_secs(15))
        );
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let p = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(350));
        for _ in 0..100 {
            let d1 = p.backoff(1);
            assert!(
                d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
                "{d1:?}"
            );
            let d2 = p.backoff(2);
            assert!(
                d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(200),
                "{d2:?}"
            );
            let d9 = p.backoff(9);
            assert!(
                d9 >= Duration::from_millis(175) && d9 <= Duration::from_millis(350),
                "{d9:?}"
            );
        }
    }

    #[test]
    fn retries_are_capped() {
        assert_eq!(
            RetryPolicy::default().with_max_retries(50).retries(),
            MAX_RETRIES_CAP
        );
        assert_eq!(RetryPolicy::none().retries(), 0);
        let p = RetryPolicy {
            max_retries: 1000,
            ..RetryPolicy::default()
        };
        assert_eq!(
            p.retries(),
            MAX_RETRIES_CAP,
            "a public field set past the cap"
        );
    }

    #[test]
    fn the_classifier_retries_what_was_not_processed_or_is_safe_to_repeat() {
        let p = RetryPolicy::default();
        let h = headers("3");
        let answered = |status| Attempt::Answered {
            status,
            headers: &h,
        };
        for status in [429, 503, 504] {
            for idempotent in [true, false] {
                assert_eq!(
                    p.classify(&answered(status), idempotent),
                    Verdict::Retry {
                        why: "the service did not process the request",
                        retry_after: Some(Duration::from_secs(3)),
                    },
                    "{status}, even a POST"
                );
            }
        }
        for status in [200, 202, 400, 401, 404, 500, 502] {
            assert!(matches!(
                p.classify(&answered(status), true),
                Verdict::Final { .. }
            ));
        }
        assert!(matches!(
            p.classify(&Attempt::NotSent, false),
            Verdict::Retry { .. }
        ));
        assert!(matches!(
            p.classify(&Attempt::Lost, true),
            Verdict::Retry { .. }
        ));
        assert!(matches!(
            p.classify(&Attempt::Lost, false),
            Verdict::Final { .. }
        ));
        assert!(matches!(
            p.classify(&Attempt::TooLarge, true),
            Verdict::Final { .. }
        ));
        let custom = RetryPolicy::default().with_statuses([500]);
        assert!(matches!(
            custom.classify(&answered(500), true),
            Verdict::Retry { .. }
        ));
        assert!(matches!(
            custom.classify(&answered(429), true),
            Verdict::Final { .. }
        ));
    }

    #[test]
    fn the_schedule_honours_retry_after_counts_and_the_budget() {
        let p = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(100))
            .with_max_total_wait(Duration::from_secs(10));
        let mut s = p.schedule();
        assert_eq!(
            s.next(Some(Duration::from_secs(4))),
            Wait::After(Duration::from_secs(4))
        );
        let Wait::After(backoff) = s.next(None) else {
            panic!("a backoff")
        };
        assert!(backoff <= Duration::from_millis(100));
        assert_eq!(
            s.next(Some(Duration::from_secs(7))),
            Wait::GiveUp("the wait would exceed the retry budget"),
            "4 s + backoff + 7 s > 10 s"
        );
        assert_eq!(s.retries(), 2, "a refused wait is not counted");
        assert!(matches!(
            s.next(Some(Duration::from_secs(5))),
            Wait::After(_)
        ));
        assert_eq!(s.next(None), Wait::GiveUp("no retries left"));

        // One huge Retry-After: no wait at all, whatever the retry count.
        let default = RetryPolicy::default();
        let mut s = default.schedule();
        assert_eq!(
            s.next(Some(MAX_RETRY_AFTER)),
            Wait::GiveUp("the wait would exceed the retry budget")
        );
        assert_eq!(s.retries(), 0);
        assert_eq!(
            RetryPolicy::none().schedule().next(Some(Duration::ZERO)),
            Wait::GiveUp("no retries left")
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn now() -> SystemTime {
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
        }

        proptest! {
            #[test]
            fn any_text_reads_without_panic_and_within_the_cap(s in any::<String>()) {
                if let Some(d) = parse_retry_after(&s, now) {
                    prop_assert!(d <= MAX_RETRY_AFTER);
                }
            }

            #[test]
            fn any_header_bytes_read_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..48)) {
                if let Ok(v) = HeaderValue::from_bytes(&bytes) {
                    let mut h = HeaderMap::new();
                    h.insert(RETRY_AFTER, v);
                    if let Some(d) = retry_after_at(&h, now) {
                        prop_assert!(d <= MAX_RETRY_AFTER);
                    }
                }
            }

            #[test]
            fn whole_seconds_of_any_size_are_read_and_capped(n in any::<u128>()) {
                let want = Duration::from_secs(n.min(MAX_RETRY_AFTER.as_secs() as u128) as u64);
                prop_assert_eq!(parse_retry_after(&n.to_string(), now), Some(want));
                prop_assert_eq!(parse_retry_after(&format!("{n}, {n}"), now), Some(want));
            }

            #[test]
            fn numbers_in_any_notation_never_panic(f in any::<f64>()) {
                for text in [f.to_string(), format!("{f:e}"), format!("{f:.3}"), format!("{f:E}")] {
                    let read = parse_retry_after(&text, now);
                    if f.is_finite() && f.is_sign_positive() {
                        prop_assert!(read.is_some(), "{} was not read", text);
                    }
                    if f.is_nan() || (f.is_sign_negative() && f != 0.0) {
                        prop_assert_eq!(read, None, "{}", text);
                    }
                    prop_assert!(read.is_none_or(|d| d <= MAX_RETRY_AFTER));
                }
            }

            #[test]
            fn http_dates_are_the_time_until_them(at in 0u64..253_402_300_799) {
                let when = SystemTime::UNIX_EPOCH + Duration::from_secs(at);
                let text = httpdate::fmt_http_date(when);
                let want = when
                    .duration_since(now())
                    .unwrap_or(Duration::ZERO)
                    .min(MAX_RETRY_AFTER);
                prop_assert_eq!(parse_retry_after(&text, now), Some(want));
            }

            #[test]
            fn the_schedule_never_waits_past_its_budget_or_count(
                hints in prop::collection::vec(prop::option::of(0u64..100_000_000_000), 0..24),
                budget_ms in 0u64..10_000,
                retries in 0u32..50,
                base_ms in 0u64..1000,
            ) {
                let policy = RetryPolicy {
                    max_retries: retries,
                    max_total_wait: Duration::from_millis(budget_ms),
                    ..RetryPolicy::default()
                }
                .with_backoff(Duration::from_millis(base_ms), Duration::from_millis(base_ms * 4));
                let mut s = policy.schedule();
                let mut waited = Duration::ZERO;
                for hint in hints {
                    if let Wait::After(d) = s.next(hint.map(Duration::from_millis)) {
                        waited += d;
                    }
                }
                prop_assert!(waited <= policy.max_total_wait);
                prop_assert!(s.retries() <= retries.min(MAX_RETRIES_CAP));
            }
        }
    }
}

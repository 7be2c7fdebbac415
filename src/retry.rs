//! When and how long to wait before sending a request again.
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
//!   reset, timeout while waiting for the answer) are retried **only for
//!   idempotent operations** (reads and functions). For `assignNumber` or
//!   `unassignNumber` the service may already have started an operation; a
//!   blind repeat could start a second one (or fail confusingly because the
//!   number is now assigned). The caller gets the error, with the
//!   `client-request-id`, and decides: list the number's state, or look for
//!   the operation, before trying again.
//!
//! # How long
//!
//! - `Retry-After` wins when present, as delta-seconds (`120`, also Graph's
//!   occasional `"120, 120"`) or as an HTTP-date.
//! - Otherwise exponential backoff from [`RetryPolicy::base_delay`], doubled
//!   per retry, capped at [`RetryPolicy::max_delay`], with jitter (a random
//!   point in the upper half) so many clients throttled together do not come
//!   back together.
//! - Never more than [`RetryPolicy::max_retries`] retries (default 3, at most
//!   10) and never more than [`RetryPolicy::max_total_wait`] of waiting in
//!   all: when the next wait would cross it, the last answer is returned as
//!   it is.
//! - Waiting is a tokio sleep: dropping the call's future stops it.
//! - Each repeat carries `Retry-Attempt: <n>` and the same
//!   `client-request-id` as the first attempt.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// The most retries a policy may allow.
pub(crate) const MAX_RETRIES_CAP: u32 = 10;

/// Retry settings. See the module docs for the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Statuses that mean "not processed, try again".
    pub statuses: Vec<u16>,
    /// Retries after the first attempt (capped at 10).
    pub max_retries: u32,
    /// First backoff delay when the service gives no `Retry-After`.
    pub base_delay: Duration,
    /// Largest single backoff delay (a `Retry-After` may be longer).
    pub max_delay: Duration,
    /// Most time spent waiting between attempts of one call.
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

    pub(crate) fn retries_status(&self, status: u16) -> bool {
        self.statuses.contains(&status)
    }

    /// Backoff before retry number `retry` (1-based), with jitter.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << (retry.saturating_sub(1)).min(20));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Reads `Retry-After`: delta-seconds (also a repeated `"N, N"`) or an
/// HTTP-date. A date in the past means "now".
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    retry_after_at(headers, SystemTime::now)
}

/// [`retry_after`] with the clock given (read only for the HTTP-date form).
pub(crate) fn retry_after_at(
    headers: &HeaderMap,
    now: impl FnOnce() -> SystemTime,
) -> Option<Duration> {
    let raw = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let first = raw.split(',').next().unwrap_or(raw).trim();
    if let Ok(secs) = first.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = first.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(raw).ok()?;
    Some(at.duration_since(now()).unwrap_or(Duration::ZERO))
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
    }
}

//! Fault knobs: everything here is off until a test turns it on, and can be
//! changed while the emulator runs, from Rust ([`Faults`]) or over HTTP
//! (`/_emulator/faults`, as [`FaultSettings`] JSON).

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a throttling answer carries `Retry-After`.
///
/// As text (command-line flags, and JSON in the control API) it is `2`
/// (seconds), `0.25` (decimal seconds), `date:2` (an HTTP-date 2 s from now)
/// or `absent`; JSON also takes a bare number (`2`, `0.25`).
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

impl fmt::Display for RetryAfterForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Seconds(secs) => write!(f, "{secs}"),
            Self::Date(secs) => write!(f, "date:{secs}"),
            Self::Absent => f.write_str("absent"),
            Self::Fractional(d) => {
                let text = decimal_seconds(d);
                if text.contains('.') {
                    f.write_str(&text)
                } else {
                    write!(f, "{text}.0")
                }
            }
        }
    }
}

impl FromStr for RetryAfterForm {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || {
            format!(
                "invalid Retry-After form '{s}': expected seconds (2), decimal seconds (0.25), date:SECONDS or absent"
            )
        };
        if s.eq_ignore_ascii_case("absent") || s.eq_ignore_ascii_case("none") {
            return Ok(Self::Absent);
        }
        if let Some(secs) = s.strip_prefix("date:") {
            return secs.trim().parse().map(Self::Date).map_err(|_| bad());
        }
        if s.contains('.') {
            let secs: f64 = s.parse().map_err(|_| bad())?;
            return Duration::try_from_secs_f64(secs)
                .map(Self::Fractional)
                .map_err(|_| bad());
        }
        s.parse().map(Self::Seconds).map_err(|_| bad())
    }
}

impl Serialize for RetryAfterForm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RetryAfterForm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Whole(u64),
            Decimal(f64),
            Text(String),
        }
        let text = match Wire::deserialize(deserializer)? {
            Wire::Whole(secs) => return Ok(Self::Seconds(secs)),
            Wire::Decimal(secs) => format!("{secs:?}"),
            Wire::Text(text) => text,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Sustained throttling of `assignNumber`/`unassignNumber`.
///
/// JSON: `{"perSecond": 5, "fractionalRetryAfter": false}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct RateLimit {
    /// Accepted actions per one-second window.
    pub per_second: u32,
    /// `Retry-After` as decimal seconds (exact to the millisecond, rounded
    /// up) instead of whole seconds rounded up.
    #[serde(default)]
    pub fractional_retry_after: bool,
}

impl RateLimit {
    /// `per_second` actions per window, `Retry-After` in whole seconds.
    pub fn per_second(per_second: u32) -> Self {
        Self {
            per_second,
            fractional_retry_after: false,
        }
    }

    /// The same limit, answering `Retry-After` as decimal seconds (exact to
    /// the millisecond) instead of whole seconds.
    pub fn fractional(mut self) -> Self {
        self.fractional_retry_after = true;
        self
    }
}

/// A burst of throttling answers (see [`Faults::throttle_burst`]).
///
/// JSON: `{"count": 2, "status": 429, "retryAfter": "2"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ThrottleSettings {
    /// How many of the next requests are throttled.
    pub count: u32,
    /// The status they get (429, 503, 504, …; default 429).
    #[serde(default = "default_throttle_status")]
    pub status: u16,
    /// How `Retry-After` is sent (default `"1"`).
    #[serde(default = "default_retry_after")]
    pub retry_after: RetryAfterForm,
}

impl ThrottleSettings {
    /// `count` answers of `status` with `retry_after`.
    pub fn new(count: u32, status: u16, retry_after: RetryAfterForm) -> Self {
        Self {
            count,
            status,
            retry_after,
        }
    }
}

fn default_throttle_status() -> u16 {
    429
}

fn default_retry_after() -> RetryAfterForm {
    RetryAfterForm::Seconds(1)
}

/// Slow answers (see [`Faults::slow_next`]).
///
/// JSON: `{"count": 1, "delayMs": 2000}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SlowSettings {
    /// How many of the next requests are slow.
    pub count: u32,
    /// How long each waits before it is answered, in milliseconds.
    pub delay_ms: u64,
}

impl SlowSettings {
    /// `count` requests answered after `delay`.
    pub fn new(count: u32, delay: Duration) -> Self {
        Self {
            count,
            delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// Every fault knob at once: what `GET /_emulator/faults` answers and
/// `PUT`/`PATCH /_emulator/faults` take (camelCase JSON), and what
/// [`Faults::settings`] / [`Faults::apply`] exchange.
///
/// ```json
/// {
///   "throttle": {"count": 2, "status": 429, "retryAfter": "2"},
///   "rateLimit": {"perSecond": 5, "fractionalRetryAfter": false},
///   "resetNext": 0,
///   "resetAfterProcessingNext": 0,
///   "slow": {"count": 1, "delayMs": 2000},
///   "malformedNext": 0,
///   "operationsStayRunning": false,
///   "foreignLocation": false,
///   "nextLinkMode": false,
///   "repeatNextLink": false,
///   "operationDurationMs": 300,
///   "operationRetryAfterMs": null
/// }
/// ```
///
/// `Default` is everything off, operations of 300 ms and no `Retry-After`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct FaultSettings {
    /// The next requests (any path) are throttled ([`Faults::throttle_burst`]).
    #[serde(default)]
    pub throttle: Option<ThrottleSettings>,
    /// Sustained throttling of assign/unassign ([`Faults::rate_limit`]).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// Connections dropped without an answer ([`Faults::reset_next`]).
    #[serde(default)]
    pub reset_next: u32,
    /// Actions processed, then the connection dropped
    /// ([`Faults::reset_after_processing_next`]).
    #[serde(default)]
    pub reset_after_processing_next: u32,
    /// Slow answers ([`Faults::slow_next`]).
    #[serde(default)]
    pub slow: Option<SlowSettings>,
    /// GET answers with a truncated body ([`Faults::malformed_next`]).
    #[serde(default)]
    pub malformed_next: u32,
    /// New operations never finish ([`Faults::operations_stay_running`]).
    #[serde(default)]
    pub operations_stay_running: bool,
    /// `Location` on the foreign host ([`Faults::foreign_location`]).
    #[serde(default)]
    pub foreign_location: bool,
    /// numberAssignments pages with `@odata.nextLink` ([`Faults::next_link_mode`]).
    #[serde(default)]
    pub next_link_mode: bool,
    /// Every nextLink points at the second page ([`Faults::repeat_next_link`]).
    #[serde(default)]
    pub repeat_next_link: bool,
    /// How long new operations take, in milliseconds
    /// ([`Faults::operation_duration`]).
    #[serde(default = "default_operation_duration_ms")]
    pub operation_duration_ms: u64,
    /// `Retry-After` on the 202 and on non-final polls, in milliseconds
    /// (`null`: none; [`Faults::operation_retry_after`]).
    #[serde(default)]
    pub operation_retry_after_ms: Option<u64>,
}

fn default_operation_duration_ms() -> u64 {
    300
}

impl Default for FaultSettings {
    fn default() -> Self {
        Self {
            throttle: None,
            rate_limit: None,
            reset_next: 0,
            reset_after_processing_next: 0,
            slow: None,
            malformed_next: 0,
            operations_stay_running: false,
            foreign_location: false,
            next_link_mode: false,
            repeat_next_link: false,
            operation_duration_ms: default_operation_duration_ms(),
            operation_retry_after_ms: None,
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The knobs. Reach them with [`Emulator::faults`](super::Emulator::faults).
#[derive(Debug, Default)]
pub struct Faults {
    state: Mutex<FaultState>,
}

#[derive(Debug)]
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
    operation_duration: Duration,
    operation_retry_after: Option<Duration>,
}

impl Default for FaultState {
    fn default() -> Self {
        Self {
            throttle: None,
            rate_limit: None,
            window: None,
            reset_next: 0,
            reset_after_processing_next: 0,
            slow: None,
            malformed_next: 0,
            operations_stay_running: false,
            foreign_location: false,
            next_link_mode: false,
            repeat_next_link: false,
            operation_duration: Duration::from_millis(default_operation_duration_ms()),
            operation_retry_after: None,
        }
    }
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

    /// Operations accepted from now on take `duration` from accepted to
    /// final (starts as [`EmulatorConfig::operation_duration`](super::EmulatorConfig::operation_duration)).
    pub fn operation_duration(&self, duration: Duration) {
        self.with(|s| s.operation_duration = duration);
    }

    /// `Retry-After` on the 202 and on non-final polls from now on (starts
    /// as [`EmulatorConfig::operation_retry_after`](super::EmulatorConfig::operation_retry_after)).
    pub fn operation_retry_after(&self, retry_after: Option<Duration>) {
        self.with(|s| s.operation_retry_after = retry_after);
    }

    /// Every knob as it is now (counts are what is left).
    pub fn settings(&self) -> FaultSettings {
        self.with(|s| FaultSettings {
            throttle: s.throttle.map(|t| ThrottleSettings {
                count: t.remaining,
                status: t.status,
                retry_after: t.retry_after,
            }),
            rate_limit: s.rate_limit,
            reset_next: s.reset_next,
            reset_after_processing_next: s.reset_after_processing_next,
            slow: s.slow.map(|(count, delay)| SlowSettings::new(count, delay)),
            malformed_next: s.malformed_next,
            operations_stay_running: s.operations_stay_running,
            foreign_location: s.foreign_location,
            next_link_mode: s.next_link_mode,
            repeat_next_link: s.repeat_next_link,
            operation_duration_ms: millis(s.operation_duration),
            operation_retry_after_ms: s.operation_retry_after.map(millis),
        })
    }

    /// Sets every knob to `settings` (the rate-limit window starts over).
    pub fn apply(&self, settings: &FaultSettings) {
        self.with(|s| {
            s.throttle = settings.throttle.filter(|t| t.count > 0).map(|t| Throttle {
                remaining: t.count,
                status: t.status,
                retry_after: t.retry_after,
            });
            s.rate_limit = settings.rate_limit;
            s.window = None;
            s.reset_next = settings.reset_next;
            s.reset_after_processing_next = settings.reset_after_processing_next;
            s.slow = settings
                .slow
                .filter(|slow| slow.count > 0)
                .map(|slow| (slow.count, Duration::from_millis(slow.delay_ms)));
            s.malformed_next = settings.malformed_next;
            s.operations_stay_running = settings.operations_stay_running;
            s.foreign_location = settings.foreign_location;
            s.next_link_mode = settings.next_link_mode;
            s.repeat_next_link = settings.repeat_next_link;
            s.operation_duration = Duration::from_millis(settings.operation_duration_ms);
            s.operation_retry_after = settings.operation_retry_after_ms.map(Duration::from_millis);
        });
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

    /// (operation duration, operation Retry-After)
    pub(crate) fn timing(&self) -> (Duration, Option<Duration>) {
        self.with(|s| (s.operation_duration, s.operation_retry_after))
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
        f.rate_limit(Some(RateLimit::per_second(2)));
        let t0 = Instant::now();
        assert!(f.admit_action(t0).is_ok());
        assert!(f.admit_action(t0).is_ok());
        assert_eq!(
            f.admit_action(t0 + Duration::from_millis(300)),
            Err(RetryAfterForm::Seconds(1))
        );
        assert!(f.admit_action(t0 + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn retry_after_text_forms() {
        for (text, form) in [
            ("2", RetryAfterForm::Seconds(2)),
            ("date:3", RetryAfterForm::Date(3)),
            ("absent", RetryAfterForm::Absent),
            (
                "0.25",
                RetryAfterForm::Fractional(Duration::from_millis(250)),
            ),
            ("1.0", RetryAfterForm::Fractional(Duration::from_secs(1))),
        ] {
            assert_eq!(text.parse::<RetryAfterForm>(), Ok(form), "{text}");
            assert_eq!(form.to_string(), text);
        }
        assert!("soon".parse::<RetryAfterForm>().is_err());
        let json: RetryAfterForm = serde_json::from_str("0.5").unwrap();
        assert_eq!(json, RetryAfterForm::Fractional(Duration::from_millis(500)));
        let json: RetryAfterForm = serde_json::from_str("4").unwrap();
        assert_eq!(json, RetryAfterForm::Seconds(4));
    }

    #[test]
    fn settings_round_trip() {
        let f = Faults::default();
        f.throttle_burst(2, 503, RetryAfterForm::Date(5));
        f.slow_next(1, Duration::from_millis(40));
        f.next_link_mode(true);
        let settings = f.settings();
        let json = serde_json::to_value(&settings).unwrap();
        assert_eq!(json["throttle"]["retryAfter"], "date:5");
        assert_eq!(json["slow"]["delayMs"], 40);
        let back: FaultSettings = serde_json::from_value(json).unwrap();
        assert_eq!(back, settings);
        f.apply(&FaultSettings::default());
        assert_eq!(f.settings(), FaultSettings::default());
        assert!(serde_json::from_str::<FaultSettings>(r#"{"nope": 1}"#).is_err());
    }
}

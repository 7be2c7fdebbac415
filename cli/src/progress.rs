//! Room: what a person watching a long run sees on stderr. A progress bar
//! (rate, ETA, counts per outcome, throttling) when stdout and stderr are
//! both a terminal; otherwise a plain line every few seconds, so logs and
//! CI output stay readable; and a summary table at the end.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output;

/// How often a plain progress line is written: every 2 s, or
/// `TEAMS_ADMIN_PROGRESS_SECONDS` (decimal) when set.
fn plain_every() -> Duration {
    std::env::var("TEAMS_ADMIN_PROGRESS_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or(Duration::from_secs(2))
}

/// What the run looks like right now.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Rows ended.
    pub done: u64,
    /// Rows ended per outcome (`succeeded`, `failed`, …), zeros left out.
    pub parts: Vec<(&'static str, u64)>,
    /// Rows with a request or a poll outstanding.
    pub in_flight: u64,
    /// Action requests sent.
    pub requests: u64,
    /// Of which answered 429/503.
    pub throttled: u64,
    /// The engine's current concurrency limit.
    pub limit: usize,
    /// The throttle gate is closed right now.
    pub paused: bool,
}

impl Snapshot {
    fn parts_line(&self) -> String {
        self.parts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(l, n)| format!("{n} {l}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn flow_line(&self) -> String {
        let mut s = format!("{} in flight (limit {})", self.in_flight, self.limit);
        if self.throttled > 0 {
            s.push_str(&format!(", {} throttled", self.throttled));
        }
        if self.paused {
            s.push_str(", paused by throttling");
        }
        s
    }
}

/// Progress of one bulk run.
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: u64,
    bar: Option<ProgressBar>,
    plain: bool,
    started: Instant,
    last_plain: Instant,
    last_done: u64,
    every: Duration,
}

impl Progress {
    /// `quiet`: nothing until the end (and no summary either).
    pub fn new(label: impl Into<String>, total: u64, quiet: bool) -> Self {
        let label = label.into();
        let terminal = std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
        let bar = (terminal && !quiet).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:28}] {pos}/{len} ETA {eta} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(label.clone());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let now = Instant::now();
        Self {
            plain: bar.is_none() && !quiet,
            label,
            total,
            bar,
            started: now,
            last_plain: now,
            last_done: 0,
            every: plain_every(),
        }
    }

    /// Shows the run's state (cheap; call it often).
    pub fn update(&mut self, s: &Snapshot) {
        if let Some(bar) = &self.bar {
            bar.set_position(s.done);
            bar.set_message(format!(
                "{:.0} rows/s | {} | {}",
                self.rate(s.done),
                s.parts_line(),
                s.flow_line()
            ));
        } else if self.plain && self.last_plain.elapsed() >= self.every && s.done != self.last_done
        {
            self.last_plain = Instant::now();
            self.last_done = s.done;
            self.plain_line(s);
        }
    }

    /// Whether a bar is drawn (a terminal is watching).
    pub fn has_bar(&self) -> bool {
        self.bar.is_some()
    }

    /// A line that must not tear the bar (a bad row, a warning).
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }

    fn rate(&self, done: u64) -> f64 {
        done as f64 / self.started.elapsed().as_secs_f64().max(1e-3)
    }

    fn plain_line(&self, s: &Snapshot) {
        let rate = self.rate(s.done);
        let eta = if rate > 0.0 && self.total > s.done {
            format!(", ETA {:.0}s", (self.total - s.done) as f64 / rate)
        } else {
            String::new()
        };
        eprintln!(
            "{}: {}/{} rows ({}), {}, {rate:.0} rows/s{eta}",
            self.label,
            s.done,
            self.total,
            s.parts_line(),
            s.flow_line(),
        );
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Removes the bar (before the last lines go to stdout).
    pub fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// Clears the bar and prints the summary table (unless quiet), then the
    /// extra lines (where the report is, how to resume).
    pub fn finish(&mut self, s: &Snapshot, quiet: bool, extra: &[String]) {
        self.clear();
        if quiet {
            return;
        }
        let mut t = output::table(&["outcome", "rows"]);
        for (label, n) in &s.parts {
            t.add_row(vec![label.to_string(), n.to_string()]);
        }
        t.add_row(vec!["total".to_string(), s.done.to_string()]);
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{}: {} rows in {:.1}s ({:.0} rows/s); {} action requests, {} throttled",
            self.label,
            s.done,
            self.elapsed().as_secs_f64(),
            self.rate(s.done),
            s.requests,
            s.throttled,
        );
        let _ = writeln!(err, "{}", output::trim_lines(&t.to_string()));
        for line in extra {
            let _ = writeln!(err, "{line}");
        }
    }
}

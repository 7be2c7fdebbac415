//! What the SDK costs, measured against the emulator in one run:
//!
//! - (a) client CPU time per assignNumber call, SDK vs a hand-written raw
//!   `reqwest` call sending the identical request to the same emulator;
//! - (b) polls per operation against the ideal given `Retry-After`, and
//!   whether any poll came earlier than the service asked;
//! - (c) 10,000 assignments at concurrency 64 while the emulator throttles
//!   assignNumber to a fixed rate: wall time against the throttle-bound
//!   minimum, and lost/duplicated assignments.
//!
//! `cargo bench --bench sdk` prints a markdown report; `cargo xtask bench
//! sdk` also writes it into BENCHMARKS.md. Nothing here asserts on time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use graph_teams_admin::{
    AssignNumberBody, Client, LongRunningOperationStatus, NumberType, PollOptions, RetryPolicy,
};
use graph_teams_admin_emulator::{Emulator, EmulatorConfig, RateLimit};
use reqwest::header::{ACCEPT, AUTHORIZATION, LOCATION, USER_AGENT};

const USER: &str = "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01";

/// CPU time consumed by the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid out-pointer; CLOCK_THREAD_CPUTIME_ID is always available on Linux.
    #[allow(unsafe_code)]
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts)
    };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// (a) The client runs on this thread's current-thread runtime (so its
/// connection tasks do too) and the emulator on its own runtime: this
/// thread's CPU time is the client's.
fn cpu_per_call(rounds: usize, calls: usize) -> String {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emulator = server_rt
        .block_on(Emulator::start(EmulatorConfig::with_numbers(10)))
        .unwrap();
    let number = emulator.snapshot().numbers[0]
        .telephone_number
        .clone()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (sdk, raw, ratio) = client_rt.block_on(async {
        let http = reqwest::Client::new();
        let client = Client::builder().base_url(emulator.base_url()).token(emulator.token()).http_client(http.clone()).build().unwrap();
        let url = format!("{}/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber", emulator.base_url());
        let token = format!("Bearer {}", emulator.token());
        let ua = concat!("graph-teams-admin/", env!("CARGO_PKG_VERSION"));
        let body = AssignNumberBody::new(&number, USER, NumberType::DirectRouting);
        let sdk_call = || {
            let (client, body) = (client.clone(), body.clone());
            async move {
                let op = client.assign_number(body).await.unwrap();
                std::hint::black_box(op.reference().url().len());
            }
        };
        let raw_call = || {
            let (http, url, token, body) = (http.clone(), url.clone(), token.clone(), body.clone());
            async move {
                let resp = http
                    .post(url)
                    .header(ACCEPT, "application/json")
                    .header(AUTHORIZATION, token)
                    .header("client-request-id", uuid::Uuid::new_v4().to_string())
                    .header(USER_AGENT, ua)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 202);
                let location = resp.headers().get(LOCATION).unwrap().to_str().unwrap().to_owned();
                std::hint::black_box(location.len());
            }
        };
        for _ in 0..200 {
            sdk_call().await;
            raw_call().await;
        }
        // For instruction counts under a profiler (`cargo xtask bench sdk`
        // runs callgrind this way): only one kind of call, `calls` times.
        let calls = std::env::var("SDK_BENCH_CALLS").ok().and_then(|c| c.parse().ok()).unwrap_or(calls);
        match std::env::var("SDK_BENCH_ONLY").as_deref() {
            Ok("sdk") => {
                for _ in 0..calls {
                    sdk_call().await;
                }
                return (0.0, 0.0, 0.0);
            }
            Ok("raw") => {
                for _ in 0..calls {
                    raw_call().await;
                }
                return (0.0, 0.0, 0.0);
            }
            _ => {}
        }
        // Each round interleaves chunks of both kinds, so drift in the
        // machine's state hits both alike; the ratio is taken per round.
        let (mut sdk, mut raw, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let (mut s_cpu, mut r_cpu) = (Duration::ZERO, Duration::ZERO);
            for _ in 0..calls / 100 {
                let t = thread_cpu();
                for _ in 0..50 {
                    sdk_call().await;
                }
                s_cpu += thread_cpu() - t;
                let t = thread_cpu();
                for _ in 0..50 {
                    raw_call().await;
                }
                r_cpu += thread_cpu() - t;
            }
            let n = (calls / 100 * 50) as f64;
            sdk.push(s_cpu.as_secs_f64() / n);
            raw.push(r_cpu.as_secs_f64() / n);
            ratios.push(s_cpu.as_secs_f64() / r_cpu.as_secs_f64());
        }
        (median(sdk), median(raw), median(ratios))
    });
    drop(emulator);
    format!(
        "### (a) Client CPU time per assignNumber call\n\n\
         {rounds} rounds; each round interleaves chunks of 50 SDK and 50 raw calls until each has made {} calls; the ratio is taken per round and the median reported; CPU time (user + system) of the client's thread only (the emulator runs on another runtime).\n\n\
         | | CPU per call | ratio |\n|---|---|---|\n\
         | raw `reqwest` (same URL, headers and JSON body; reads Location) | {:.1} µs | 1.00 |\n\
         | SDK `Client::assign_number` (validation, token cache, ids, retry loop, hooks, Location check, `Operation`) | {:.1} µs | **{:.3}** |\n\n\
         Target ≤ 1.10: {}.\n",
        calls / 2,
        raw * 1e6,
        sdk * 1e6,
        ratio,
        if ratio <= 1.10 { "met" } else { "MISSED" }
    )
}

/// (b) Polls against the ideal: with `Retry-After: R` and an operation that
/// takes D, the ideal is ceil(D / R) polls, none earlier than R after the
/// previous answer.
fn polls_per_operation(ops: usize) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut rows = String::new();
    let mut all_ok = true;
    for (d_ms, r_ms) in [(1100u64, 250u64), (500, 200), (900, 1000)] {
        let (polls, min_gap, ideal) = rt.block_on(async {
            let mut cfg = EmulatorConfig::with_numbers(ops);
            cfg.operation_duration = Duration::from_millis(d_ms);
            cfg.operation_retry_after = Some(Duration::from_millis(r_ms));
            let emulator = Emulator::start(cfg).await.unwrap();
            let client = Client::builder()
                .base_url(emulator.base_url())
                .token(emulator.token())
                .build()
                .unwrap();
            let numbers: Vec<String> = emulator
                .snapshot()
                .numbers
                .iter()
                .map(|n| n.telephone_number.clone().unwrap())
                .collect();
            let results: Vec<(u32, String, Instant)> = futures::stream::iter(numbers)
                .map(|n| {
                    let client = client.clone();
                    async move {
                        let op = client
                            .assign_number(AssignNumberBody::new(
                                &n,
                                USER,
                                NumberType::DirectRouting,
                            ))
                            .await
                            .unwrap();
                        // Taken after the 202 arrived: later than the service sent it,
                        // so the measured first gap is if anything too short.
                        let accepted = Instant::now();
                        let id = op.reference().operation_id().unwrap();
                        let outcome = op.await.unwrap();
                        assert_eq!(outcome.status, LongRunningOperationStatus::Succeeded);
                        (outcome.polls, id, accepted)
                    }
                })
                .buffer_unordered(ops)
                .collect()
                .await;
            // Gaps before each poll of one operation: from the 202, then from
            // the previous poll (the emulator's arrival times).
            let requests = emulator.requests();
            let mut min_gap = f64::INFINITY;
            for (_, id, accepted) in &results {
                let mut prev = *accepted;
                for t in requests
                    .iter()
                    .filter(|r| r.method == "GET" && r.path.contains(id.as_str()))
                    .map(|r| r.at)
                {
                    min_gap = min_gap.min(t.saturating_duration_since(prev).as_secs_f64());
                    prev = t;
                }
            }
            let polls: Vec<f64> = results.iter().map(|(p, _, _)| *p as f64).collect();
            (median(polls), min_gap, d_ms.div_ceil(r_ms))
        });
        let early = min_gap * 1000.0 < r_ms as f64;
        let extra = polls - ideal as f64;
        all_ok &= !early && extra <= 1.0;
        rows.push_str(&format!(
            "| {d_ms} ms | {r_ms} ms | {ideal} | {polls:.0} | {:+.0} | {:.0} ms ({}) |\n",
            extra,
            min_gap * 1000.0,
            if early {
                "EARLIER than Retry-After"
            } else {
                "never earlier"
            }
        ));
    }
    format!(
        "### (b) Polls per operation against the ideal\n\n\
         {ops} operations per row, run concurrently; the emulator sends `Retry-After: R` on the 202 and on every non-final poll; ideal = ceil(D / R).\n\n\
         | operation takes D | Retry-After R | ideal polls | median polls | extra | shortest gap before a poll |\n|---|---|---|---|---|---|\n{rows}\n\
         Target: no poll earlier than Retry-After, at most one extra poll: {}.\n",
        if all_ok { "met" } else { "MISSED" }
    )
}

/// (c) 10,000 assignments, 64 at a time, throttled to `rate` per second.
/// Returns the table row, the ratio, and failed + lost + duplicated.
fn bulk(n: usize, rate: u32) -> (String, f64, usize) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut cfg = EmulatorConfig::with_numbers(n);
        cfg.operation_duration = Duration::from_millis(20);
        let emulator = Arc::new(Emulator::start(cfg).await.unwrap());
        emulator.faults().rate_limit(Some(RateLimit::per_second(rate).fractional()));
        let client = Client::builder()
            .base_url(emulator.base_url())
            .token(emulator.token())
            .retry_policy(RetryPolicy::default().with_max_retries(10))
            .poll_options(PollOptions::default().with_interval(Duration::from_millis(50), Duration::from_millis(100)))
            .build()
            .unwrap();
        let numbers: Vec<String> = emulator.snapshot().numbers.iter().map(|x| x.telephone_number.clone().unwrap()).collect();
        let started = Instant::now();
        let failed = futures::stream::iter(numbers.clone())
            .map(|number| {
                let client = client.clone();
                async move {
                    match client.assign_number(AssignNumberBody::new(&number, USER, NumberType::DirectRouting)).await {
                        Ok(op) => op.await.map(|o| o.status == LongRunningOperationStatus::Succeeded).unwrap_or(false),
                        Err(_) => false,
                    }
                }
            })
            .buffer_unordered(64)
            .filter(|ok| futures::future::ready(!ok))
            .count()
            .await;
        let wall = started.elapsed().as_secs_f64();
        let snap = emulator.snapshot();
        let lost = numbers.iter().filter(|x| snap.assign_events.get(*x).copied().unwrap_or(0) == 0).count();
        let dup = snap.assign_events.values().filter(|c| **c > 1).count();
        let throttled = emulator.requests().iter().filter(|r| r.retry_attempt.is_some()).count();
        // Fixed one-second windows from the first request: the last of
        // ceil(n / rate) windows opens ceil(n / rate) - 1 seconds in, and no
        // client can finish before it.
        let minimum = (n as f64 / rate as f64).ceil() - 1.0;
        let ratio = wall / minimum;
        (
            format!(
                "| {n} | {rate}/s | {minimum:.2} s | {wall:.2} s | **{ratio:.3}** | {throttled} | {failed} | {lost} | {dup} |\n"
            ),
            ratio,
            failed + lost + dup,
        )
    })
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // and only wants to know it builds.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // `cargo bench --bench sdk -- cpu` (or `polls`, `bulk`) runs one part.
    let parts: Vec<String> = std::env::args()
        .filter(|a| ["cpu", "polls", "bulk"].contains(&a.as_str()))
        .collect();
    let wants = |p: &str| parts.is_empty() || parts.iter().any(|x| x == p);
    let mut out = String::new();
    if wants("cpu") {
        out.push_str(&cpu_per_call(7, 2000));
        out.push('\n');
    }
    if wants("polls") {
        out.push_str(&polls_per_operation(20));
        out.push('\n');
    }
    if !wants("bulk") {
        print!("{out}");
        return;
    }
    let mut rows = String::new();
    let mut ratios = Vec::new();
    let mut bad = 0;
    for _ in 0..3 {
        let (row, ratio, wrong) = bulk(10_000, 1000);
        rows.push_str(&row);
        ratios.push(ratio);
        bad += wrong;
    }
    let med = median(ratios);
    out.push_str(&format!(
        "### (c) 10,000 assignments at concurrency 64, throttled to a fixed rate\n\n\
         The emulator admits 1,000 assignNumber calls per fixed one-second window (counted from the first request) and answers the rest 429 with the exact `Retry-After`; every assignment is awaited to `succeeded` (polls are not throttled). The throttle-bound minimum is when the last of the 10 windows opens (9 s): nothing can finish earlier. Three runs.\n\n\
         | assignments | throttle | throttle-bound minimum | wall time | ratio | retries | failed | lost | duplicated |\n|---|---|---|---|---|---|---|---|---|\n{rows}\n\
         Median ratio {med:.3}; target ≤ 1.15, with 0 lost and 0 duplicated: {}.\n",
        if med <= 1.15 && bad == 0 { "met" } else { "MISSED" }
    ));
    print!("{out}");
}

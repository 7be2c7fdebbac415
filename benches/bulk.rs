//! The bulk engine against the emulator:
//!
//! - (e) 10,000 assignments while the emulator admits 1,000 per fixed
//!   one-second window: the engine's wall time against the throttle bound
//!   (the last window's opening plus one operation), its 429s against 64
//!   fixed workers retrying on their own (the SDK without the engine), and
//!   the journal (fsync, group commit) on against off;
//! - (f) peak memory of 100,000-row runs, dry and real, with the emulator
//!   in a child process so that only the engine's memory is measured.
//!
//! `cargo bench --bench bulk --features bulk` prints a markdown report
//! (`-- throttle` or `-- memory` runs one part). Nothing here asserts on
//! time.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use graph_teams_admin::bulk::{
    AssignNumber, Bulk, BulkOptions, InputFingerprint, JournalOptions, OutputOrder, Row, RowError,
    RowStatus, UpdateNumber,
};
use graph_teams_admin::{
    AssignNumberBody, Client, LongRunningOperationStatus, NumberType, PollOptions, RetryPolicy,
};
use graph_teams_admin_emulator::{Emulator, EmulatorConfig, RateLimit};

const ASSIGN_KEY: &str = "POST /beta/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber";
const OP_MS: u64 = 20;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn user_id(i: usize) -> String {
    format!("5b7a9c1e-3d2f-4e60-8a4b-{:012}", i % 50 + 1)
}

fn client(base_url: &str, token: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .token(token)
        .retry_policy(RetryPolicy::default().with_max_retries(10))
        .poll_options(
            PollOptions::default()
                .with_interval(Duration::from_millis(25), Duration::from_millis(100)),
        )
        .build()
        .unwrap()
}

fn assign_rows(numbers: &[(String, NumberType)]) -> Vec<Result<Row, RowError>> {
    numbers
        .iter()
        .enumerate()
        .map(|(i, (n, t))| {
            Ok(Row::new(
                i as u64 + 1,
                AssignNumber::new(user_id(i), n, t.clone()),
            ))
        })
        .collect()
}

struct Figures {
    wall: f64,
    throttled: u64,
    failed: usize,
    lost: usize,
    duplicated: usize,
}

/// One read, so that the client's one-time setup (connection pool, TLS
/// configuration) is not counted in the figures of either side.
async fn warm_up(client: &Client) {
    client.count_number_assignments(None).await.unwrap();
}

async fn throttled_emulator(n: usize, rate: u32) -> (Arc<Emulator>, Vec<(String, NumberType)>) {
    let mut cfg = EmulatorConfig::with_numbers(n).with_users(50);
    cfg.operation_duration = Duration::from_millis(OP_MS);
    let emulator = Arc::new(Emulator::start(cfg).await.unwrap());
    emulator
        .faults()
        .rate_limit(Some(RateLimit::per_second(rate).fractional()));
    let numbers = emulator
        .snapshot()
        .numbers
        .iter()
        .map(|x| {
            (
                x.telephone_number.clone().unwrap(),
                x.number_type.clone().unwrap(),
            )
        })
        .collect();
    (emulator, numbers)
}

fn check(
    emulator: &Emulator,
    numbers: &[(String, NumberType)],
    wall: f64,
    failed: usize,
) -> Figures {
    let snap = emulator.snapshot();
    let lost = numbers
        .iter()
        .filter(|(x, _)| snap.assign_events.get(x).copied().unwrap_or(0) == 0)
        .count();
    let duplicated = snap.assign_events.values().filter(|c| **c > 1).count();
    let throttled = emulator
        .counters()
        .requests
        .get(ASSIGN_KEY)
        .and_then(|m| m.get("429"))
        .copied()
        .unwrap_or(0);
    Figures {
        wall,
        throttled,
        failed,
        lost,
        duplicated,
    }
}

/// 64 workers, each an SDK call retrying its own 429s.
fn fixed_workers(n: usize, rate: u32, workers: usize) -> Figures {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (emulator, numbers) = throttled_emulator(n, rate).await;
        let client = client(&emulator.base_url(), &emulator.token());
        warm_up(&client).await;
        let started = Instant::now();
        let failed = futures::stream::iter(numbers.clone())
            .map(|(number, t)| {
                let client = client.clone();
                let user = user_id(0);
                async move {
                    match client
                        .assign_number(AssignNumberBody::new(&number, user, t))
                        .await
                    {
                        Ok(op) => op
                            .await
                            .map(|o| o.status == LongRunningOperationStatus::Succeeded)
                            .unwrap_or(false),
                        Err(_) => false,
                    }
                }
            })
            .buffer_unordered(workers)
            .filter(|ok| futures::future::ready(!ok))
            .count()
            .await;
        let wall = started.elapsed().as_secs_f64();
        check(&emulator, &numbers, wall, failed)
    })
}

/// The engine, at most `workers` requests in flight, journal on or off.
fn engine(n: usize, rate: u32, workers: usize, journal: bool) -> Figures {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (emulator, numbers) = throttled_emulator(n, rate).await;
        let client = client(&emulator.base_url(), &emulator.token());
        let path = std::env::temp_dir().join(format!(
            "bulk-bench-{}.journal",
            uuid::Uuid::new_v4().simple()
        ));
        let mut options = BulkOptions::new()
            .concurrency(workers)
            .order(OutputOrder::Completion);
        if journal {
            options = options.journal(JournalOptions::new(&path, InputFingerprint::new("bench")));
        }
        warm_up(&client).await;
        let bulk = Bulk::new(client, options);
        let started = Instant::now();
        let mut run = bulk.run_iter(assign_rows(&numbers)).unwrap();
        let mut failed = 0;
        while let Some(o) = run.next().await {
            if o.status != RowStatus::Succeeded {
                failed += 1;
            }
        }
        let wall = started.elapsed().as_secs_f64();
        let _ = std::fs::remove_file(&path);
        if std::env::var("BULK_BENCH_DEBUG").is_ok() {
            let reqs = emulator.requests();
            let t0 = reqs[1].at;
            let posts: Vec<f64> = reqs.iter().filter(|r| r.method == "POST").map(|r| r.at.duration_since(t0).as_secs_f64()).collect();
            let gets: Vec<f64> = reqs.iter().filter(|r| r.method == "GET").map(|r| r.at.duration_since(t0).as_secs_f64()).collect();
            let last_window: Vec<&f64> = posts.iter().filter(|t| **t >= 8.9).collect();
            eprintln!(
                "journal {journal}: wall {wall:.3}, first request after {:.3}, limit {}, posts {}, last window: first post {:.3} last post {:.3} ({} posts), last get {:.3}, gets {}",
                t0.duration_since(started).as_secs_f64(),
                run.summary().counts.limit,
                posts.len(),
                last_window.first().copied().unwrap_or(&0.0),
                posts.last().unwrap_or(&0.0),
                last_window.len(),
                gets.last().unwrap_or(&0.0),
                gets.len()
            );
        }
        check(&emulator, &numbers, wall, failed)
    })
}

fn throttle_section(runs: usize) -> String {
    const N: usize = 10_000;
    const RATE: u32 = 1000;
    let bound = (N as f64 / f64::from(RATE)).ceil() - 1.0 + OP_MS as f64 / 1000.0;
    let mut rows = String::new();
    let (mut base_429, mut off_walls, mut on_walls, mut off_429, mut on_ratio) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut bad = 0;
    let mut row = |what: &str, f: &Figures| {
        bad += f.failed + f.lost + f.duplicated;
        rows.push_str(&format!(
            "| {what} | {:.2} s | {:.3} | {} | {} | {} | {} |\n",
            f.wall,
            f.wall / bound,
            f.throttled,
            f.failed,
            f.lost,
            f.duplicated
        ));
    };
    for _ in 0..runs {
        let base = fixed_workers(N, RATE, 64);
        row("SDK, 64 fixed workers", &base);
        let off = engine(N, RATE, 64, false);
        row("engine, concurrency ≤ 64, no journal", &off);
        let on = engine(N, RATE, 64, true);
        row("engine, concurrency ≤ 64, journal (fsync)", &on);
        base_429.push(base.throttled as f64);
        off_429.push(off.throttled as f64);
        off_walls.push(off.wall / bound);
        on_walls.push(on.wall / bound);
        on_ratio.push(on.wall / off.wall);
    }
    let wall = median(off_walls.clone());
    let wall_on = median(on_walls);
    let throttled = median(off_429.iter().zip(&base_429).map(|(e, b)| e / b).collect());
    let journal = median(on_ratio);
    let met = |ok: bool| if ok { "met" } else { "MISSED" };
    format!(
        "### (e) 10,000 assignments through the bulk engine, throttled to 1,000 per fixed window\n\n\
         The emulator admits 1,000 assignNumber calls per fixed one-second window (counted from the first request) and answers the rest 429 with the exact `Retry-After`; operations take {OP_MS} ms; every row is awaited to `succeeded`. Bound: the last of the 10 windows opens at 9 s, plus one operation = {bound:.2} s. {runs} rounds, each: the SDK with 64 fixed workers (bench (c)'s setup), the engine without journal, the engine with the journal (fsync before each request leaves, group commit).\n\n\
         | run | wall time | vs bound | 429s | failed | lost | duplicated |\n|---|---|---|---|---|---|---|\n{rows}\n\
         Medians: engine wall time {wall:.3}× the bound (target ≤ 1.05: {}); with journal {wall_on:.3}×; 429s {throttled:.3}× the fixed workers' (target ≤ 0.25: {}); journal on vs off {journal:.3}× (target ≤ 1.05: {}); lost/duplicated/failed rows: {bad}.\n",
        met(wall <= 1.05),
        met(throttled <= 0.25),
        met(journal <= 1.05),
    )
}

// ---- (f) memory, with the emulator in a child process ---------------------

/// `--serve-emulator NUMBERS`: serve until stdin closes.
fn serve_emulator(numbers: usize) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut cfg = EmulatorConfig::with_numbers(numbers).with_users(50);
        cfg.operation_duration = Duration::from_millis(OP_MS);
        let emulator = Emulator::start(cfg).await.unwrap();
        println!("base_url={}", emulator.base_url());
        println!("token={}", emulator.token());
        std::io::stdout().flush().unwrap();
        tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin()
                .read_line(&mut sink)
                .map(|n| n > 0)
                .unwrap_or(false)
            {}
        })
        .await
        .unwrap();
    });
}

fn spawn_self(args: &[&str]) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// `--memory dry|real ROWS`: one run against a child emulator; prints
/// `wall peak_mib outcomes ok`.
fn memory_run(kind: &str, rows: usize) {
    const INVENTORY: usize = 200;
    let mut child = spawn_self(&["--serve-emulator", &INVENTORY.to_string()]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines
        .next()
        .unwrap()
        .unwrap()
        .trim_start_matches("base_url=")
        .to_owned();
    let token = lines
        .next()
        .unwrap()
        .unwrap()
        .trim_start_matches("token=")
        .to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (wall, outcomes, ok) = rt.block_on(async {
        let client = client(&base, &token);
        let dry = kind == "dry";
        // Lazily made rows: the engine sees a stream, never a Vec.
        let input = (0..rows).map(move |i| {
            let number = format!("+1425555{:04}", 100 + i % INVENTORY);
            // `with_numbers` rotates the number types.
            let number_type = match i % INVENTORY % 3 {
                0 => NumberType::DirectRouting,
                1 => NumberType::CallingPlan,
                _ => NumberType::OperatorConnect,
            };
            Ok(if dry {
                Row::new(
                    i as u64 + 1,
                    AssignNumber::new(user_id(i), number, number_type),
                )
            } else {
                Row::new(
                    i as u64 + 1,
                    UpdateNumber::new(number).location_id(format!("loc-{}", i % 7)),
                )
            })
        });
        let path = std::env::temp_dir().join(format!(
            "bulk-bench-mem-{}.journal",
            uuid::Uuid::new_v4().simple()
        ));
        let mut options = BulkOptions::new().concurrency(32).dry_run(dry);
        if !dry {
            options = options.journal(JournalOptions::new(&path, InputFingerprint::new("memory")));
        }
        let started = Instant::now();
        let mut run = Bulk::new(client, options).run_iter(input).unwrap();
        let (mut outcomes, mut ok) = (0usize, 0usize);
        while let Some(o) = run.next().await {
            outcomes += 1;
            ok += usize::from(o.status.is_success());
        }
        let _ = std::fs::remove_file(&path);
        (started.elapsed().as_secs_f64(), outcomes, ok)
    });
    drop(child.stdin.take());
    let _ = child.wait();
    println!("{wall:.2} {:.1} {outcomes} {ok}", peak_rss_mib());
}

fn memory_section(rows: usize) -> String {
    let mut table = String::new();
    let mut worst: f64 = 0.0;
    for (kind, what) in [
        (
            "dry",
            "dry run: 100,000 assign rows, each checked (user by object id, number lookup)",
        ),
        (
            "real",
            "real run: 100,000 updateNumber rows, journal with fsync",
        ),
    ] {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--memory", kind, &rows.to_string()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let f: Vec<&str> = text.split_whitespace().collect();
        let peak: f64 = f.get(1).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
        worst = worst.max(peak);
        table.push_str(&format!(
            "| {what} | {} s | {peak:.1} MiB | {} | {} |\n",
            f.first().unwrap_or(&"?"),
            f.get(2).unwrap_or(&"?"),
            f.get(3).unwrap_or(&"?"),
        ));
    }
    format!(
        "### (f) Peak memory of 100,000-row runs\n\n\
         Peak RSS (`VmHWM`) of the process running the engine; the emulator (200 numbers) runs in a child process so its state is not counted. Rows are made lazily by an iterator; concurrency 32, outcomes in input order, consumed and dropped one by one.\n\n\
         | run | wall time | peak RSS | outcomes | ok |\n|---|---|---|---|---|\n{table}\n\
         Target ≤ 100 MiB: {}.\n",
        if worst <= 100.0 { "met" } else { "MISSED" }
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve-emulator") {
        return serve_emulator(args[i + 1].parse().unwrap());
    }
    if let Some(i) = args.iter().position(|a| a == "--memory") {
        return memory_run(&args[i + 1], args[i + 2].parse().unwrap());
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // and only wants to know it builds.
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let parts: Vec<&String> = args
        .iter()
        .filter(|a| ["throttle", "memory"].contains(&a.as_str()))
        .collect();
    let wants = |p: &str| parts.is_empty() || parts.iter().any(|x| *x == p);
    let mut out = String::new();
    if wants("throttle") {
        let rounds = std::env::var("BULK_BENCH_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3);
        out.push_str(&throttle_section(rounds));
        out.push('\n');
    }
    if wants("memory") {
        out.push_str(&memory_section(100_000));
    }
    print!("{out}");
}

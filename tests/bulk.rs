//! The bulk engine against the emulator, over real HTTP on loopback: one
//! outcome per row, the throttle gate, the journal across simulated crashes,
//! resume rules, the dry run, user resolution, cancellation.
//!
//! Nothing here asserts on wall-clock time except generous no-hang bounds.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use graph_teams_admin::bulk::{
    AssignNumber, AssignPolicy, Bulk, BulkError, BulkOptions, BulkRun, InputFingerprint,
    JournalMode, JournalOptions, OutputOrder, Row, RowError, RowOutcome, RowStatus, UnassignNumber,
    UpdateNumber,
};
use graph_teams_admin::{AssignNumberBody, Client, NumberType, PollOptions, RetryPolicy};
use graph_teams_admin_emulator::{Emulator, EmulatorConfig, RateLimit, SeedNumber};

const ADELE: &str = "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01";
const ADELE_UPN: &str = "adele.vance@contoso.onmicrosoft.com";
const ALEX_UPN: &str = "alex.wilber@contoso.onmicrosoft.com";
const ASSIGN_KEY: &str = "POST /beta/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber";
/// No test may take longer than this (a hang, not a slow machine).
const NO_HANG: Duration = Duration::from_secs(120);

/// The `i`-th seeded number of `EmulatorConfig::with_numbers`.
fn number(i: usize) -> String {
    format!("+1425555{:04}", 100 + i)
}

/// `with_numbers` rotates directRouting, callingPlan, operatorConnect.
fn number_type(i: usize) -> NumberType {
    match i % 3 {
        0 => NumberType::DirectRouting,
        1 => NumberType::CallingPlan,
        _ => NumberType::OperatorConnect,
    }
}

fn user_id(i: usize) -> String {
    format!("5b7a9c1e-3d2f-4e60-8a4b-{i:012}")
}

fn user_upn(i: usize) -> String {
    format!("user{i:03}@contoso.onmicrosoft.com")
}

fn config(numbers: usize, op_ms: u64) -> EmulatorConfig {
    let mut c = EmulatorConfig::with_numbers(numbers).with_users(60);
    c.operation_duration = Duration::from_millis(op_ms);
    c
}

fn client(em: &Emulator) -> Client {
    Client::builder()
        .base_url(em.base_url())
        .token(em.token())
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(10)
                .with_backoff(Duration::from_millis(5), Duration::from_millis(50)),
        )
        .poll_options(
            PollOptions::default()
                .with_interval(Duration::from_millis(20), Duration::from_millis(100)),
        )
        .build()
        .unwrap()
}

/// Rows assigning number `i` to generated user `i + 1` (by object id).
fn assign_rows(n: usize) -> Vec<Result<Row, RowError>> {
    (0..n)
        .map(|i| {
            Ok(Row::new(
                i as u64 + 1,
                AssignNumber::new(user_id(i + 1), number(i), number_type(i)),
            ))
        })
        .collect()
}

fn temp_journal(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("graph-teams-admin-bulk-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}-{}.journal", uuid::Uuid::new_v4().simple()))
}

async fn collect(mut run: BulkRun) -> (Vec<RowOutcome>, BulkRun) {
    let mut out = Vec::new();
    let drained = tokio::time::timeout(NO_HANG, async {
        while let Some(o) = run.next().await {
            out.push(o);
        }
    })
    .await;
    assert!(drained.is_ok(), "the run did not end");
    (out, run)
}

fn posts(em: &Emulator) -> usize {
    em.requests().iter().filter(|r| r.method == "POST").count()
}

fn throttled_posts(em: &Emulator) -> u64 {
    em.counters()
        .requests
        .get(ASSIGN_KEY)
        .and_then(|m| m.get("429"))
        .copied()
        .unwrap_or(0)
}

fn statuses(outcomes: &[RowOutcome]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for o in outcomes {
        *m.entry(o.status.as_str()).or_default() += 1;
    }
    m
}

fn assert_applied_once(em: &Emulator, numbers: impl IntoIterator<Item = String>) {
    let snap = em.snapshot();
    for n in numbers {
        assert_eq!(
            snap.assign_events.get(&n).copied().unwrap_or(0),
            1,
            "{n} must be assigned exactly once: {:?}",
            snap.assign_events.get(&n)
        );
    }
}

#[test]
fn runs_and_handles_are_send() {
    fn send<T: Send>() {}
    fn shared<T: Send + Sync>() {}
    send::<BulkRun>();
    shared::<Bulk>();
    shared::<graph_teams_admin::bulk::CancelHandle>();
    shared::<graph_teams_admin::bulk::Progress>();
    shared::<BulkError>();
}

/// Good and bad rows mixed: every item, parse errors included, gets exactly
/// one outcome, in input order, and bad rows do not stop the good ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_gets_one_outcome_and_bad_rows_do_not_stop_the_run() {
    let mut cfg = config(30, 50);
    *cfg.user_mut(&user_upn(3)).unwrap() = cfg.user_mut(&user_upn(3)).unwrap().clone().unlicensed();
    let em = Emulator::start(cfg).await.unwrap();
    let rows: Vec<Result<Row, RowError>> = vec![
        Ok(Row::new(
            1,
            AssignNumber::new(user_id(1), number(0), number_type(0)),
        )),
        Ok(Row::new(
            2,
            AssignNumber::new(user_id(2), "not-a-number", NumberType::DirectRouting),
        )),
        Err(RowError::new(3, "missing column PhoneNumberType")),
        Ok(Row::new(
            4,
            AssignNumber::new(user_upn(3), number(3), number_type(3)),
        )),
        Ok(Row::new(
            5,
            AssignNumber::new("nobody@contoso.onmicrosoft.com", number(4), number_type(4)),
        )),
        Ok(Row::new(
            6,
            AssignNumber::new(user_id(6), "+19995550100", NumberType::DirectRouting),
        )),
        Ok(Row::new(
            7,
            AssignNumber::new(user_upn(7), number(7), number_type(7)),
        )),
        Ok(Row::new(
            8,
            UpdateNumber::new(number(8)).location_id("loc-8"),
        )),
        Ok(Row::new(
            9,
            AssignPolicy::new(
                ADELE_UPN,
                "TeamsMeetingPolicy",
                "a3f2c1d4-5e6f-4a7b-8c9d-0e1f2a3b4c01",
            ),
        )),
        Ok(Row::new(
            10,
            AssignNumber::new(
                user_id(10),
                number(10),
                NumberType::UnknownValue("pstn".into()),
            ),
        )),
        Ok(Row::new(11, UnassignNumber::new(number(0), number_type(0)))),
    ];
    let n = rows.len();
    let bulk = Bulk::new(client(&em), BulkOptions::new().concurrency(4));
    let run = bulk.run_iter(rows).unwrap();
    let progress = run.progress();
    let (out, run) = collect(run).await;
    assert_eq!(out.len(), n);
    for (i, o) in out.iter().enumerate() {
        assert_eq!(o.seq, i as u64, "input order");
    }
    let by_line: BTreeMap<u64, &RowOutcome> = out.iter().map(|o| (o.line, o)).collect();
    assert_eq!(
        by_line[&1].status,
        RowStatus::Succeeded,
        "{:?}",
        by_line[&1]
    );
    assert!(by_line[&1].operation.is_some());
    assert!(by_line[&1].client_request_id.is_some());
    assert_eq!(by_line[&1].attempts, 1);
    assert_eq!(by_line[&2].status, RowStatus::Invalid);
    assert_eq!(by_line[&2].error_code.as_deref(), Some("invalidRow"));
    assert_eq!(by_line[&3].status, RowStatus::Invalid);
    assert!(by_line[&3].row.is_none());
    assert_eq!(
        by_line[&3].detail.as_deref(),
        Some("missing column PhoneNumberType")
    );
    // Not licensed: accepted, and the operation fails with its statusDetail.
    assert_eq!(by_line[&4].status, RowStatus::Failed, "{:?}", by_line[&4]);
    assert_eq!(by_line[&4].error_code.as_deref(), Some("operationFailed"));
    assert!(
        by_line[&4]
            .detail
            .as_deref()
            .unwrap()
            .contains("not licensed"),
        "{:?}",
        by_line[&4].detail
    );
    assert_eq!(by_line[&4].user_id.as_deref(), Some(user_id(3).as_str()));
    assert_eq!(by_line[&5].status, RowStatus::Invalid);
    assert_eq!(by_line[&5].error_code.as_deref(), Some("userNotFound"));
    assert!(
        by_line[&5]
            .detail
            .as_deref()
            .unwrap()
            .contains("nobody@contoso.onmicrosoft.com")
    );
    // Not in the inventory: the service's operation says so.
    assert_eq!(by_line[&6].status, RowStatus::Failed);
    assert!(by_line[&6].detail.as_deref().unwrap().contains("inventory"));
    assert_eq!(by_line[&7].status, RowStatus::Succeeded);
    assert_eq!(by_line[&7].user_id.as_deref(), Some(user_id(7).as_str()));
    assert_eq!(
        by_line[&8].status,
        RowStatus::Succeeded,
        "{:?}",
        by_line[&8]
    );
    assert_eq!(
        by_line[&9].status,
        RowStatus::Succeeded,
        "{:?}",
        by_line[&9]
    );
    assert_eq!(by_line[&9].user_id.as_deref(), Some(ADELE));
    assert_eq!(by_line[&10].status, RowStatus::Invalid);
    assert!(by_line[&10].detail.as_deref().unwrap().contains("pstn"));
    // Row 11 unassigns the number row 1 assigns; the two run concurrently,
    // so it finds the number assigned (succeeded) or not yet (failed). It
    // must end either way, never stay unfinished.
    assert!(matches!(
        by_line[&11].status,
        RowStatus::Succeeded | RowStatus::Failed
    ));

    let counts = progress.counts();
    assert_eq!(counts.read, n as u64);
    assert_eq!(counts.done, n as u64);
    assert_eq!(counts.in_flight, 0);
    assert_eq!(
        counts.succeeded + counts.failed + counts.invalid,
        n as u64,
        "{counts:?}"
    );
    assert_eq!(counts.invalid, 4);
    assert!(run.summary().error.is_none());
    let snap = em.snapshot();
    assert_eq!(snap.assign_events.get(&number(7)).copied(), Some(1));
    assert_eq!(snap.update_events.get(&number(8)).copied(), Some(1));
}

/// UPNs are resolved once per run however many rows (and concurrent rows)
/// name them; object ids are not looked up; unknown users are Invalid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_resolved_once_per_run() {
    let em = Emulator::start(config(40, 20)).await.unwrap();
    let mut rows = Vec::new();
    for i in 0..30 {
        let who = match i % 3 {
            0 => ADELE_UPN.to_owned(),
            1 => ALEX_UPN.to_uppercase(),
            _ => "ghost@contoso.onmicrosoft.com".to_owned(),
        };
        rows.push(Ok(Row::new(
            i as u64 + 1,
            AssignPolicy::new(
                who,
                "TeamsMeetingPolicy",
                "a3f2c1d4-5e6f-4a7b-8c9d-0e1f2a3b4c01",
            ),
        )));
    }
    rows.push(Ok(Row::new(
        31,
        AssignPolicy::new(
            ADELE,
            "TeamsCallingPolicy",
            "a3f2c1d4-5e6f-4a7b-8c9d-0e1f2a3b4c03",
        ),
    )));
    let bulk = Bulk::new(client(&em), BulkOptions::new().concurrency(16));
    let (out, _) = collect(bulk.run_iter(rows).unwrap()).await;
    assert_eq!(out.len(), 31);
    let lookups: Vec<String> = em
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/users/"))
        .map(|r| r.path)
        .collect();
    assert_eq!(
        lookups.len(),
        3,
        "one lookup per distinct user: {lookups:?}"
    );
    for o in &out {
        match o.line % 3 {
            _ if o.line == 31 => {
                assert_eq!(o.status, RowStatus::Succeeded);
                assert_eq!(o.user_id.as_deref(), Some(ADELE));
            }
            0 => {
                assert_eq!(o.status, RowStatus::Invalid, "{o:?}");
                assert_eq!(o.error_code.as_deref(), Some("userNotFound"));
            }
            _ => assert_eq!(o.status, RowStatus::Succeeded, "{o:?}"),
        }
    }
}

/// The dry run checks each row against the service's state and sends no
/// action at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_plans_and_sends_nothing() {
    let mut cfg = config(20, 20);
    cfg.numbers[1] = SeedNumber::new(number(1), number_type(1)).assigned_to(user_id(1));
    cfg.numbers[2] = SeedNumber::new(number(2), number_type(2)).assigned_to(user_id(9));
    let em = Emulator::start(cfg).await.unwrap();
    let rows = vec![
        Ok(Row::new(
            1,
            AssignNumber::new(user_upn(1), number(0), number_type(0)),
        )),
        Ok(Row::new(
            2,
            AssignNumber::new(user_upn(1), number(1), number_type(1)),
        )),
        Ok(Row::new(
            3,
            AssignNumber::new(user_id(1), number(2), number_type(2)),
        )),
        Ok(Row::new(
            4,
            AssignNumber::new(user_id(1), "+19995550100", NumberType::DirectRouting),
        )),
        Ok(Row::new(
            5,
            AssignNumber::new(user_id(1), number(3), NumberType::CallingPlan),
        )),
        Ok(Row::new(
            6,
            AssignNumber::new("ghost@contoso.onmicrosoft.com", number(4), number_type(4)),
        )),
        Ok(Row::new(7, UnassignNumber::new(number(1), number_type(1)))),
        Ok(Row::new(8, UnassignNumber::new(number(5), number_type(5)))),
        Ok(Row::new(
            9,
            UpdateNumber::new(number(4)).location_id("5c0f4a1e-2b7d-4e8a-9c3f-6d1b2a4e8f10"),
        )),
        Ok(Row::new(
            10,
            UpdateNumber::new(number(6)).location_id("elsewhere"),
        )),
        Ok(Row::new(
            11,
            AssignNumber::new(user_id(1), "12", NumberType::DirectRouting),
        )),
    ];
    let bulk = Bulk::new(client(&em), BulkOptions::new().dry_run(true));
    let (out, _) = collect(bulk.run_iter(rows).unwrap()).await;
    let got: Vec<(u64, RowStatus, Option<String>)> = out
        .iter()
        .map(|o| (o.line, o.status, o.error_code.clone()))
        .collect();
    let s = |x: &str| Some(x.to_owned());
    assert_eq!(
        got,
        vec![
            (1, RowStatus::Planned, None),
            (2, RowStatus::AlreadyDone, None),
            (3, RowStatus::Invalid, s("assignedElsewhere")),
            (4, RowStatus::Invalid, s("numberNotFound")),
            (5, RowStatus::Invalid, s("typeMismatch")),
            (6, RowStatus::Invalid, s("userNotFound")),
            (7, RowStatus::Planned, None),
            (8, RowStatus::AlreadyDone, None),
            (9, RowStatus::AlreadyDone, None),
            (10, RowStatus::Planned, None),
            (11, RowStatus::Invalid, s("invalidRow")),
        ],
        "{out:#?}"
    );
    assert_eq!(posts(&em), 0, "a dry run sends no action");
}

/// A fixed-window quota: the gate pauses the whole run on the first 429
/// and adapts its concurrency, so the run gets far fewer 429s than the same
/// number of workers retrying on their own, and loses nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_pauses_the_run_and_costs_far_fewer_429s() {
    const ROWS: usize = 100;
    const WORKERS: usize = 16;
    let limit = RateLimit::per_second(25).fractional();

    // Baseline: 16 workers, each retrying its own 429s (the SDK's pipeline).
    let base = Emulator::start(config(ROWS, 20)).await.unwrap();
    base.faults().rate_limit(Some(limit));
    let c = client(&base);
    let ok = tokio::time::timeout(
        NO_HANG,
        futures::stream::iter(0..ROWS)
            .map(|i| {
                let c = c.clone();
                async move {
                    let op = c
                        .assign_number(AssignNumberBody::new(
                            number(i),
                            user_id(i + 1),
                            number_type(i),
                        ))
                        .await
                        .unwrap();
                    op.await.is_ok()
                }
            })
            .buffer_unordered(WORKERS)
            .filter(|ok| futures::future::ready(*ok))
            .count(),
    )
    .await
    .unwrap();
    assert_eq!(ok, ROWS);
    let baseline = throttled_posts(&base);

    // The engine, allowed as many requests in flight.
    let em = Emulator::start(config(ROWS, 20)).await.unwrap();
    em.faults().rate_limit(Some(limit));
    let bulk = Bulk::new(
        client(&em),
        BulkOptions::new()
            .concurrency(WORKERS)
            .order(OutputOrder::Completion),
    );
    let (out, run) = collect(bulk.run_iter(assign_rows(ROWS)).unwrap()).await;
    assert_eq!(out.len(), ROWS);
    assert!(
        out.iter().all(|o| o.status == RowStatus::Succeeded),
        "{:?}",
        statuses(&out)
    );
    let engine = throttled_posts(&em);
    let counted: u32 = out.iter().map(|o| o.throttled).sum();
    assert_eq!(u64::from(counted), engine, "each 429 is counted on its row");
    assert_eq!(run.summary().counts.throttled, engine);
    eprintln!(
        "429s: engine {engine}, {WORKERS} workers {baseline}; final limit {}",
        run.summary().counts.limit
    );
    assert!(
        engine * 2 <= baseline,
        "the gate should cost far fewer 429s: engine {engine}, {WORKERS} workers {baseline}"
    );
    assert_applied_once(&em, (0..ROWS).map(number));
}

/// A run dropped mid-way (the process died: rows sent, accepted, polling)
/// and resumed with the same input: every row is applied exactly once, and
/// rows that ended before the crash are reported from the journal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_run_resumes_and_applies_every_row_once() {
    const ROWS: usize = 40;
    let em = Emulator::start(config(ROWS, 300)).await.unwrap();
    let path = temp_journal("crash");
    let input = InputFingerprint::new("crash-test-input");
    let options = |mode| {
        BulkOptions::new()
            .concurrency(8)
            .in_doubt_wait(Duration::from_millis(1500))
            .journal(JournalOptions::new(&path, input.clone()).mode(mode))
    };
    let bulk = Bulk::new(client(&em), options(JournalMode::Create));
    // Rows trickle in, so the crash finds some ended, some polling, some
    // being sent.
    let trickle = futures::stream::iter(assign_rows(ROWS)).then(|row| async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        row
    });
    let mut run = bulk.run(trickle).unwrap();
    let mut first = Vec::new();
    while let Some(o) = run.next().await {
        first.push(o);
        if first.len() == 10 {
            break;
        }
    }
    let in_flight = run.progress().counts().in_flight;
    drop(run); // the crash
    assert!(in_flight > 0, "the crash should catch rows in flight");
    assert!(first.iter().all(|o| o.status == RowStatus::Succeeded));

    let bulk = Bulk::new(client(&em), options(JournalMode::Resume));
    let (out, run) = collect(bulk.run_iter(assign_rows(ROWS)).unwrap()).await;
    assert_eq!(out.len(), ROWS);
    assert!(
        out.iter().all(|o| o.status == RowStatus::Succeeded),
        "{:#?}",
        out.iter()
            .filter(|o| o.status != RowStatus::Succeeded)
            .collect::<Vec<_>>()
    );
    let from_journal = out.iter().filter(|o| o.from_journal).count();
    let resent = out
        .iter()
        .filter(|o| !o.from_journal && o.attempts > 0)
        .count();
    let polled = out
        .iter()
        .filter(|o| !o.from_journal && o.attempts == 0)
        .count();
    eprintln!(
        "crash: {in_flight} in flight; resume: {from_journal} from the journal, {polled} polled or confirmed, {resent} sent"
    );
    assert!(
        from_journal >= 10,
        "rows that ended are reported from the journal ({from_journal})"
    );
    for (a, b) in first.iter().zip(&out) {
        assert_eq!(a.client_request_id, b.client_request_id);
    }
    assert!(run.summary().error.is_none());
    assert_applied_once(&em, (0..ROWS).map(number));
    let _ = std::fs::remove_file(&path);
}

fn journal_line(value: serde_json::Value) -> String {
    format!("{value}\n")
}

/// A journal written by hand, as a crash can leave it: an ended row, an
/// accepted row, a row sent whose request did take effect, a row "sent"
/// that never left, an unsent row, no line at all, and a torn last line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_follows_each_rows_last_journal_state() {
    let em = Emulator::start(config(10, 50)).await.unwrap();
    let c = client(&em);
    let rows = assign_rows(7);
    let hash = |i: usize| rows[i].as_ref().unwrap().hash();
    // Row 1 was accepted: its operation exists at the service.
    let op1 = c
        .assign_number(AssignNumberBody::new(number(1), user_id(2), number_type(1)))
        .await
        .unwrap();
    let op1_url = op1.reference().url().to_owned();
    // Row 2 was sent and took effect, but the crash came before its answer.
    c.assign_number(AssignNumberBody::new(number(2), user_id(3), number_type(2)))
        .await
        .unwrap()
        .await
        .unwrap();
    let before = posts(&em);

    let path = temp_journal("handwritten");
    let mut text = journal_line(serde_json::json!({
        "journal": "graph-teams-admin/bulk", "version": 1, "input": "handwritten", "created_ms": 0
    }));
    let line = |seq: usize, state: &str, extra: serde_json::Value| {
        let mut v = serde_json::json!({"seq": seq, "line": seq + 1, "row": hash(seq), "state": state, "crid": format!("crid-{seq}")});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        journal_line(v)
    };
    text += &line(0, "sent", serde_json::json!({"at_ms": 0}));
    text += &line(
        0,
        "ended",
        serde_json::json!({"status": "succeeded", "detail": "from the first run", "attempts": 1, "ms": 5}),
    );
    text += &line(1, "sent", serde_json::json!({"at_ms": 0}));
    text += &line(1, "accepted", serde_json::json!({"op": op1_url}));
    text += &line(
        2,
        "sent",
        serde_json::json!({"at_ms": 0, "user_id": user_id(3)}),
    );
    text += &line(3, "sent", serde_json::json!({"at_ms": 0}));
    text += &line(4, "sent", serde_json::json!({"at_ms": 0}));
    text += &line(4, "unsent", serde_json::json!({}));
    text += "{\"seq\":6,\"line\":7,\"row\":\"ab"; // torn
    std::fs::write(&path, &text).unwrap();

    let bulk = Bulk::new(
        c.clone(),
        BulkOptions::new()
            .in_doubt_wait(Duration::from_millis(200))
            .journal(
                JournalOptions::new(&path, InputFingerprint::new("handwritten"))
                    .mode(JournalMode::Resume),
            ),
    );
    let (out, _) = collect(bulk.run_iter(rows.clone()).unwrap()).await;
    assert_eq!(out.len(), 7);
    assert!(
        out.iter().all(|o| o.status == RowStatus::Succeeded),
        "{out:#?}"
    );
    assert!(out[0].from_journal);
    assert_eq!(out[0].detail.as_deref(), Some("from the first run"));
    assert_eq!(out[0].client_request_id.as_deref(), Some("crid-0"));
    assert_eq!(
        out[1].operation.as_ref().map(|o| o.url()),
        Some(op1_url.as_str())
    );
    assert_eq!(out[1].attempts, 0, "an accepted row is polled, not sent");
    assert_eq!(
        out[2].attempts, 0,
        "a sent row found in place is not sent again"
    );
    assert!(
        out[2].detail.as_deref().unwrap().contains("confirmed"),
        "{:?}",
        out[2].detail
    );
    for o in &out[3..] {
        assert_eq!(o.attempts, 1, "row {} is sent: {o:?}", o.seq);
    }
    assert_eq!(posts(&em) - before, 4, "rows 3, 4, 5 and 6 only");
    let snap = em.snapshot();
    assert_eq!(
        snap.assign_events.get(&number(0)),
        None,
        "the ended row was not sent"
    );
    assert_applied_once(&em, (1..7).map(number));

    // The torn line is gone and every line of the journal reads back.
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.ends_with('\n'));
    for l in after.lines() {
        serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{l:?}: {e}"));
    }
    let _ = std::fs::remove_file(&path);
}

/// Resuming with another input is refused before anything runs, and so
/// are a second create and a resume without a journal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_with_another_input_is_refused() {
    let em = Emulator::start(config(5, 20)).await.unwrap();
    let path = temp_journal("mismatch");
    let input_a = InputFingerprint::of_bytes(b"UserPrincipalName,PhoneNumber\na,1\n");
    let input_b = InputFingerprint::of_bytes(b"UserPrincipalName,PhoneNumber\nb,2\n");
    let with = |input: &InputFingerprint, mode| {
        Bulk::new(
            client(&em),
            BulkOptions::new().journal(JournalOptions::new(&path, input.clone()).mode(mode)),
        )
    };
    let missing = with(&input_a, JournalMode::Resume).run_iter(assign_rows(2));
    assert!(
        matches!(missing, Err(BulkError::JournalMissing { .. })),
        "{missing:?}"
    );

    let (out, _) = collect(
        with(&input_a, JournalMode::Create)
            .run_iter(assign_rows(2))
            .unwrap(),
    )
    .await;
    assert_eq!(out.len(), 2);
    let before = em.requests().len();

    let again = with(&input_a, JournalMode::Create).run_iter(assign_rows(2));
    assert!(
        matches!(again, Err(BulkError::JournalExists { .. })),
        "{again:?}"
    );
    let other = with(&input_b, JournalMode::Resume).run_iter(assign_rows(2));
    match other {
        Err(e @ BulkError::InputMismatch { .. }) => {
            let text = e.to_string();
            assert!(text.contains("another input"), "{text}");
            assert!(
                text.contains(input_a.as_str()) && text.contains(input_b.as_str()),
                "{text}"
            );
        }
        other => panic!("expected InputMismatch, got {other:?}"),
    }
    let other = with(&input_b, JournalMode::CreateOrResume).run_iter(assign_rows(2));
    assert!(matches!(other, Err(BulkError::InputMismatch { .. })));
    assert_eq!(em.requests().len(), before, "nothing was sent");

    // The same input resumes: both rows come from the journal.
    let (out, _) = collect(
        with(&input_a, JournalMode::Resume)
            .run_iter(assign_rows(2))
            .unwrap(),
    )
    .await;
    assert!(
        out.iter()
            .all(|o| o.from_journal && o.status == RowStatus::Succeeded)
    );
    assert_eq!(em.requests().len(), before);
    let _ = std::fs::remove_file(&path);
}

/// Damage before the last good line is refused, not silently skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_journal_is_refused() {
    let em = Emulator::start(config(5, 20)).await.unwrap();
    let path = temp_journal("damaged");
    let rows = assign_rows(2);
    let text = format!(
        "{}garbage\n{}",
        journal_line(
            serde_json::json!({"journal": "graph-teams-admin/bulk", "version": 1, "input": "x", "created_ms": 0})
        ),
        journal_line(
            serde_json::json!({"seq": 0, "line": 1, "row": rows[0].as_ref().unwrap().hash(), "state": "unsent"})
        ),
    );
    std::fs::write(&path, text).unwrap();
    let bulk = Bulk::new(
        client(&em),
        BulkOptions::new().journal(
            JournalOptions::new(&path, InputFingerprint::new("x")).mode(JournalMode::Resume),
        ),
    );
    match bulk.run_iter(rows) {
        Err(BulkError::JournalCorrupt { line, .. }) => assert_eq!(line, 2),
        other => panic!("expected JournalCorrupt, got {other:?}"),
    }
    let _ = std::fs::remove_file(&path);
}

/// Cancel stops submitting: rows in flight finish, the rest are NotRun,
/// every row still has its outcome, and a resume finishes the job with
/// every number assigned once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_submitting_and_resume_finishes() {
    const ROWS: usize = 30;
    let em = Emulator::start(config(ROWS, 150)).await.unwrap();
    let path = temp_journal("cancel");
    let input = InputFingerprint::new("cancel-input");
    let options = |mode| {
        BulkOptions::new()
            .concurrency(4)
            .initial_concurrency(2)
            .in_doubt_wait(Duration::from_millis(800))
            .journal(JournalOptions::new(&path, input.clone()).mode(mode))
    };
    let bulk = Bulk::new(client(&em), options(JournalMode::Create));
    // The input trickles in (a slow reader), so most rows come after the
    // cancel, which is sent when the first row has ended.
    let trickle = futures::stream::iter(assign_rows(ROWS)).then(|row| async {
        tokio::time::sleep(Duration::from_millis(15)).await;
        row
    });
    let mut run = bulk.run(trickle).unwrap();
    let cancel = run.cancel_handle();
    let mut out = Vec::new();
    let drained = tokio::time::timeout(NO_HANG, async {
        while let Some(o) = run.next().await {
            if out.is_empty() {
                cancel.cancel();
            }
            out.push(o);
        }
    })
    .await;
    assert!(drained.is_ok());
    assert!(cancel.is_cancelled());
    assert_eq!(out.len(), ROWS, "every row has an outcome after a cancel");
    let st = statuses(&out);
    assert!(st.get("notRun").copied().unwrap_or(0) > 0, "{st:?}");
    assert!(
        out.iter()
            .all(|o| matches!(o.status, RowStatus::Succeeded | RowStatus::NotRun)),
        "{st:?}"
    );
    let counts = run.summary().counts;
    assert_eq!(counts.not_run as usize, st["notRun"]);
    assert_eq!(counts.done as usize, ROWS);
    drop(run);
    let sent_before = posts(&em);
    assert!(sent_before < ROWS);

    let bulk = Bulk::new(client(&em), options(JournalMode::Resume));
    let (out, _) = collect(bulk.run_iter(assign_rows(ROWS)).unwrap()).await;
    assert!(
        out.iter().all(|o| o.status == RowStatus::Succeeded),
        "{:?}",
        statuses(&out)
    );
    assert_eq!(out.iter().filter(|o| !o.from_journal).count(), st["notRun"]);
    assert_applied_once(&em, (0..ROWS).map(number));
    let _ = std::fs::remove_file(&path);
}

/// Abort stops at once: accepted rows end Unfinished, and a resume polls
/// their operations instead of sending them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_leaves_unfinished_rows_that_resume_polls() {
    const ROWS: usize = 12;
    let em = Emulator::start(config(ROWS, 1500)).await.unwrap();
    let path = temp_journal("abort");
    let input = InputFingerprint::new("abort-input");
    let options = |mode| {
        BulkOptions::new()
            .concurrency(4)
            .initial_concurrency(4)
            .in_doubt_wait(Duration::from_millis(2500))
            .journal(JournalOptions::new(&path, input.clone()).mode(mode))
    };
    let bulk = Bulk::new(client(&em), options(JournalMode::Create));
    let run = bulk.run_iter(assign_rows(ROWS)).unwrap();
    let cancel = run.cancel_handle();
    let progress = run.progress();
    let consumer = tokio::spawn(collect(run));
    tokio::time::timeout(NO_HANG, async {
        while progress.counts().requests < 4 || progress.counts().in_flight < 4 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    // Let the four requests be answered (202) so they are polling.
    tokio::time::sleep(Duration::from_millis(200)).await;
    cancel.abort();
    let (out, run) = consumer.await.unwrap();
    assert_eq!(out.len(), ROWS);
    let st = statuses(&out);
    assert!(st.get("unfinished").copied().unwrap_or(0) >= 1, "{st:?}");
    assert!(
        out.iter()
            .all(|o| matches!(o.status, RowStatus::Unfinished | RowStatus::NotRun)),
        "{st:?}"
    );
    drop(run);
    let unfinished: Vec<u64> = out
        .iter()
        .filter(|o| o.status == RowStatus::Unfinished)
        .map(|o| o.seq)
        .collect();
    let sent_before = posts(&em);

    let bulk = Bulk::new(client(&em), options(JournalMode::Resume));
    let (out, _) = collect(bulk.run_iter(assign_rows(ROWS)).unwrap()).await;
    assert!(
        out.iter().all(|o| o.status == RowStatus::Succeeded),
        "{:?}",
        statuses(&out)
    );
    // Accepted rows are polled again, not sent; a row whose request was cut
    // off before any answer may be sent again, once, if it never arrived.
    let polled = unfinished
        .iter()
        .filter(|seq| out[**seq as usize].attempts == 0)
        .count();
    assert!(polled >= 1, "accepted rows are polled on resume: {out:#?}");
    assert!(posts(&em) - sent_before <= ROWS - polled);
    assert_applied_once(&em, (0..ROWS).map(number));
    let _ = std::fs::remove_file(&path);
}

/// Rows are read lazily: no more than `max_pending` are alive at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_stream_with_bounded_admission() {
    const ROWS: usize = 60;
    let em = Emulator::start(config(ROWS, 30)).await.unwrap();
    let slot: Arc<Mutex<Option<graph_teams_admin::bulk::Progress>>> = Arc::default();
    let worst = Arc::new(Mutex::new(0u64));
    let (s, w) = (slot.clone(), worst.clone());
    let rows = futures::stream::iter(assign_rows(ROWS)).inspect(move |_| {
        if let Some(p) = s.lock().unwrap().as_ref() {
            let c = p.counts();
            let mut w = w.lock().unwrap();
            *w = (*w).max(c.read - c.done);
        }
    });
    let bulk = Bulk::new(
        client(&em),
        BulkOptions::new()
            .concurrency(8)
            .max_pending(5)
            .order(OutputOrder::Completion),
    );
    let run = bulk.run(rows).unwrap();
    *slot.lock().unwrap() = Some(run.progress());
    let (out, _) = collect(run).await;
    assert_eq!(out.len(), ROWS);
    assert!(out.iter().all(|o| o.status == RowStatus::Succeeded));
    let worst = *worst.lock().unwrap();
    assert!(worst <= 5, "at most max_pending rows alive, saw {worst}");
}

/// `skip_if_done` reads the state first and sends only what changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_if_done_sends_only_changes() {
    let mut cfg = config(6, 20);
    cfg.numbers[0] = SeedNumber::new(number(0), number_type(0)).assigned_to(user_id(1));
    let em = Emulator::start(cfg).await.unwrap();
    let bulk = Bulk::new(client(&em), BulkOptions::new().skip_if_done(true));
    let (out, _) = collect(bulk.run_iter(assign_rows(4)).unwrap()).await;
    assert_eq!(out[0].status, RowStatus::AlreadyDone);
    assert_eq!(out[0].attempts, 0);
    assert!(out[1..].iter().all(|o| o.status == RowStatus::Succeeded));
    assert_eq!(posts(&em), 3);
}

/// A request that cannot leave (nothing listens) is retried by the client's
/// `RetryPolicy` alone, not again by the engine on top of it.
#[tokio::test]
async fn a_request_that_cannot_leave_is_retried_only_by_the_retry_policy() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}/beta"))
        .token("t")
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(2)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let run = Bulk::new(client, BulkOptions::default())
        .run_iter(assign_rows(2))
        .unwrap();
    let (outcomes, run) = collect(run).await;
    assert_eq!(outcomes.len(), 2);
    for o in &outcomes {
        assert_eq!(o.status, RowStatus::Failed, "{o:?}");
        assert_eq!(o.error_code.as_deref(), Some("transport"), "{o:?}");
        assert_eq!(
            o.attempts, 3,
            "one attempt and the policy's two retries: {o:?}"
        );
    }
    assert_eq!(run.summary().counts.failed, 2);
}

//! End-to-end over the emulator (real HTTP on 127.0.0.1): every fault knob
//! either lets the call complete or fails it with a clear error, and the
//! emulator's state shows no assignment lost or made twice, and no token on
//! a foreign host.

use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use futures::{StreamExt, TryStreamExt};
use graph_teams_admin::{
    AssignNumberBody, Client, Error, Filter, ListQuery, LongRunningOperationStatus as S,
    NumberType, PollOptions, RetryPolicy, UnassignNumberBody,
};
use graph_teams_admin_emulator::{Emulator, EmulatorConfig, RetryAfterForm};

const USER: &str = "8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01";

fn config(numbers: usize) -> EmulatorConfig {
    let mut c = EmulatorConfig::with_numbers(numbers);
    c.operation_duration = Duration::from_millis(60);
    c
}

fn builder(emulator: &Emulator) -> graph_teams_admin::ClientBuilder {
    Client::builder()
        .base_url(emulator.base_url())
        .token(emulator.token())
        .retry_policy(
            RetryPolicy::default()
                .with_backoff(Duration::from_millis(10), Duration::from_millis(50)),
        )
        .poll_options(
            PollOptions::default()
                .with_interval(Duration::from_millis(20), Duration::from_millis(80))
                .with_deadline(Duration::from_secs(20)),
        )
}

fn number(emulator: &Emulator, i: usize) -> String {
    emulator.snapshot().numbers[i]
        .telephone_number
        .clone()
        .unwrap()
}

fn assign(n: &str) -> AssignNumberBody {
    AssignNumberBody::new(n, USER, NumberType::DirectRouting)
}

/// The number's record and how often an assignment was applied to it.
fn state_of(emulator: &Emulator, n: &str) -> (Option<String>, u32) {
    let snap = emulator.snapshot();
    let rec = snap
        .numbers
        .iter()
        .find(|r| r.telephone_number.as_deref() == Some(n))
        .unwrap();
    (
        rec.assignment_target_id.clone(),
        snap.assign_events.get(n).copied().unwrap_or(0),
    )
}

fn assign_posts(emulator: &Emulator) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("assignNumber"))
        .count()
}

async fn assign_and_wait(
    client: &Client,
    n: &str,
) -> graph_teams_admin::Result<graph_teams_admin::OperationOutcome> {
    client.assign_number(assign(n)).await?.await
}

async fn throttled_assign_completes(status: u16, form: RetryAfterForm) -> Duration {
    let emulator = Emulator::start(config(5)).await.unwrap();
    let client = builder(&emulator).build().unwrap();
    let n = number(&emulator, 0);
    emulator.faults().throttle_burst(2, status, form);
    let started = Instant::now();
    let outcome = assign_and_wait(&client, &n).await.unwrap();
    assert_eq!(outcome.status, S::Succeeded);
    assert_eq!(
        state_of(&emulator, &n),
        (Some(USER.to_owned()), 1),
        "assigned exactly once"
    );
    assert_eq!(
        assign_posts(&emulator),
        3,
        "two throttled attempts, then the accepted one"
    );
    let retries: Vec<_> = emulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("assignNumber"))
        .map(|r| r.retry_attempt.clone())
        .collect();
    assert_eq!(retries, [None, Some("1".into()), Some("2".into())]);
    started.elapsed()
}

#[tokio::test]
async fn throttling_429_with_retry_after_seconds() {
    let took = throttled_assign_completes(429, RetryAfterForm::Seconds(1)).await;
    assert!(
        took >= Duration::from_secs(2),
        "waited the two Retry-Afters: {took:?}"
    );
}

#[tokio::test]
async fn throttling_503_with_retry_after_as_a_date() {
    let took = throttled_assign_completes(503, RetryAfterForm::Date(1)).await;
    assert!(took >= Duration::from_millis(800), "{took:?}");
}

#[tokio::test]
async fn throttling_504_without_retry_after() {
    throttled_assign_completes(504, RetryAfterForm::Absent).await;
}

#[tokio::test]
async fn a_throttling_burst_longer_than_the_retries_is_reported() {
    let emulator = Emulator::start(config(5)).await.unwrap();
    let client = builder(&emulator).build().unwrap();
    let n = number(&emulator, 0);
    emulator.faults().throttle_burst(
        10,
        429,
        RetryAfterForm::Fractional(Duration::from_millis(20)),
    );
    let err = client.assign_number(assign(&n)).await.unwrap_err();
    let g = err.graph().unwrap();
    assert_eq!((g.status, g.attempts), (429, 4));
    assert!(err.request_id().is_some() && err.client_request_id().is_some());
    assert_eq!(state_of(&emulator, &n), (None, 0), "nothing was assigned");
}

#[tokio::test]
async fn a_dropped_connection_on_a_read_is_retried() {
    let emulator = Emulator::start(config(5)).await.unwrap();
    let client = builder(&emulator).build().unwrap();
    emulator.faults().reset_next(1);
    let all: Vec<_> = client
        .number_assignments(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
}

#[tokio::test]
async fn a_connection_dropped_after_the_action_was_processed_is_not_repeated() {
    let emulator = Emulator::start(config(5)).await.unwrap();
    let client = builder(&emulator).build().unwrap();
    let n = number(&emulator, 1);
    emulator.faults().reset_after_processing_next(1);
    let err = client.assign_number(assign(&n)).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert!(err.client_request_id().is_some());
    assert!(
        err.to_string().contains("may have reached the service"),
        "{err}"
    );
    assert_eq!(assign_posts(&emulator), 1, "never repeated blindly");
    // The service did the work: the number ends up assigned exactly once,
    // which a caller finds by looking rather than by trying again.
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(state_of(&emulator, &n), (Some(USER.to_owned()), 1));
    let found: Vec<_> = client
        .number_assignments(ListQuery::new().filter(Filter::telephone_number(&n)))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found[0].assignment_target_id.as_deref(), Some(USER));
}

#[tokio::test]
async fn a_slow_read_times_out_and_is_retried() {
    let emulator = Emulator::start(config(5)).await.unwrap();
    let client = builder(&emulator)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    emulator.faults().slow_next(1, Duration::from_secs(2));
    let started = Instant::now();
    let all: Vec<_> = client
        .number_assignments(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_slow_action_times_out_with_a_clear_error_and_is_not_repeated() {
    let emulator = Emulator::start(config(5)).await.unwrap();
    let client = builder(&emulator)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    emulator.faults().slow_next(1, Duration::from_secs(1));
    let err = client
        .assign_number(assign(&number(&emulator, 2)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(assign_posts(&emulator), 1);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_the_body() {
    let emulator = Emulator::start(config(5)).await.unwrap();
    let client = builder(&emulator).build().unwrap();
    emulator.faults().malformed_next(1);
    let err = client
        .number_assignments(ListQuery::new())
        .pages()
        .next()
        .await
        .unwrap()
        .unwrap_err();
    match &err {
        Error::Decode {
            status,
            snippet,
            client_request_id,
            ..
        } => {
            assert_eq!(*status, 200);
            assert!(!snippet.is_empty());
            assert!(client_request_id.is_some());
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn an_operation_that_stays_running_ends_at_the_deadline() {
    let emulator = Emulator::start(config(5)).await.unwrap();
    let client = builder(&emulator)
        .poll_options(
            PollOptions::default()
                .with_interval(Duration::from_millis(20), Duration::from_millis(50))
                .with_deadline(Duration::from_millis(500)),
        )
        .build()
        .unwrap();
    emulator.faults().operations_stay_running(true);
    let op = client
        .assign_number(assign(&number(&emulator, 3)))
        .await
        .unwrap();
    let reference = op.reference().clone();
    let err = op.await.unwrap_err();
    match &err {
        Error::Timeout { last_status, .. } => assert_eq!(last_status.as_deref(), Some("running")),
        other => panic!("{other}"),
    }
    // The reference is what to resume from later.
    assert!(reference.operation_id().is_some());
}

/// `Operation::with_deadline` replaces the client's deadline for that one
/// operation, longer or shorter.
#[tokio::test]
async fn an_operations_own_deadline_replaces_the_clients() {
    let emulator = Emulator::start(config(5)).await.unwrap();
    let client = builder(&emulator).build().unwrap(); // deadline: 20 s
    emulator.faults().operations_stay_running(true);
    let started = Instant::now();
    let err = client
        .assign_number(assign(&number(&emulator, 3)))
        .await
        .unwrap()
        .with_deadline(Duration::from_millis(300))
        .await
        .unwrap_err();
    match &err {
        Error::Timeout { waited, .. } => assert!(*waited < Duration::from_secs(5), "{err}"),
        other => panic!("{other}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10), "{err}");

    // Longer: a 400 ms operation outlives the client's 100 ms deadline but
    // not its own.
    emulator.faults().operations_stay_running(false);
    emulator
        .faults()
        .operation_duration(Duration::from_millis(400));
    let short = builder(&emulator)
        .poll_options(
            PollOptions::default()
                .with_interval(Duration::from_millis(20), Duration::from_millis(50))
                .with_deadline(Duration::from_millis(100)),
        )
        .build()
        .unwrap();
    let outcome = short
        .assign_number(assign(&number(&emulator, 4)))
        .await
        .unwrap()
        .with_deadline(Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(outcome.status, S::Succeeded);
}

#[tokio::test]
async fn a_location_on_another_host_gets_no_request_and_no_token() {
    let emulator = Emulator::start(config(5)).await.unwrap();
    let client = builder(&emulator).build().unwrap();
    emulator.faults().foreign_location(true);
    let err = client
        .assign_number(assign(&number(&emulator, 0)))
        .await
        .unwrap_err();
    match &err {
        Error::ForeignUrl { url, .. } => assert!(url.starts_with(&emulator.foreign_base_url())),
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("accepted by the service"), "{err}");
    assert!(
        emulator.foreign_requests().is_empty(),
        "no request, so no Authorization, reached the foreign host"
    );
}

/// Mints a new emulator token on every call, like a real credential.
#[derive(Debug)]
struct EmulatorCredential(Arc<Emulator>);

#[async_trait::async_trait]
impl TokenCredential for EmulatorCredential {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            self.0.issue_token(),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn a_token_that_expires_mid_run_is_refreshed() {
    let emulator = Arc::new(Emulator::start(config(6)).await.unwrap());
    let client = Client::builder()
        .base_url(emulator.base_url())
        .credential(Arc::new(EmulatorCredential(emulator.clone())))
        .poll_options(
            PollOptions::default()
                .with_interval(Duration::from_millis(20), Duration::from_millis(50)),
        )
        .build()
        .unwrap();
    let first = number(&emulator, 0);
    assign_and_wait(&client, &first).await.unwrap();
    // The token the client holds expires at the service.
    let used = emulator
        .requests()
        .last()
        .unwrap()
        .authorization
        .clone()
        .unwrap();
    emulator.expire_token(used.trim_start_matches("Bearer "));
    let before = emulator.requests().len();
    let second = number(&emulator, 1);
    assert_eq!(
        assign_and_wait(&client, &second).await.unwrap().status,
        S::Succeeded
    );
    assert_eq!(state_of(&emulator, &second), (Some(USER.to_owned()), 1));
    // The expired token was tried once (401), then a fresh one carried on.
    let after: Vec<_> = emulator.requests()[before..]
        .iter()
        .map(|r| r.authorization.clone().unwrap())
        .collect();
    assert_eq!(after[0], used);
    assert!(after[1..].iter().all(|a| *a != used), "{after:?}");
    assert_eq!(
        assign_posts(&emulator),
        3,
        "first call, the rejected attempt, its retry"
    );
}

#[tokio::test]
async fn next_links_and_a_repeated_next_link() {
    let emulator = Emulator::start(config(7)).await.unwrap();
    let client = builder(&emulator).build().unwrap();
    emulator.faults().next_link_mode(true);
    let all: Vec<_> = client
        .number_assignments(ListQuery::new().top(3))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    emulator.faults().repeat_next_link(true);
    let pages: Vec<_> = client
        .number_assignments(ListQuery::new().top(3))
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert!(
        pages.len() <= 3,
        "stopped at the repeated link: {} pages",
        pages.len()
    );
}

#[tokio::test]
async fn failures_carry_the_service_detail() {
    let emulator = Emulator::start(config(5)).await.unwrap();
    let client = builder(&emulator).build().unwrap();
    let err = assign_and_wait(&client, "+19995550123").await.unwrap_err();
    let Error::OperationFailed(f) = &err else {
        panic!("{err}")
    };
    assert!(
        f.numbers[0]
            .status_detail
            .as_deref()
            .unwrap()
            .contains("not in the tenant's telephone number inventory")
    );
    // Unassigning a number that is not assigned fails with its reason too.
    let err = client
        .unassign_number(UnassignNumberBody::new(
            number(&emulator, 4),
            NumberType::DirectRouting,
        ))
        .await
        .unwrap()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OperationFailed(_)), "{err}");
}

/// 10,000 assignments, 64 at a time, while the service throws a burst of
/// 429s every 50 ms: every number ends up assigned exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_assignments_under_periodic_throttling() {
    const N: usize = 10_000;
    let mut cfg = EmulatorConfig::with_numbers(N);
    cfg.operation_duration = Duration::from_millis(20);
    let emulator = Arc::new(Emulator::start(cfg).await.unwrap());
    let client = builder(&emulator)
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(10)
                .with_backoff(Duration::from_millis(5), Duration::from_millis(50)),
        )
        .poll_options(
            PollOptions::default()
                .with_interval(Duration::from_millis(30), Duration::from_millis(60))
                .with_deadline(Duration::from_secs(120)),
        )
        .build()
        .unwrap();
    let numbers: Vec<String> = emulator
        .snapshot()
        .numbers
        .iter()
        .map(|n| n.telephone_number.clone().unwrap())
        .collect();
    // Bursts stop for the last few hundred calls: with only a handful of
    // requests in flight, every burst of 8 would land on the same few calls
    // and exhaust their retries, which tests the burst size, not the SDK.
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let throttler = {
        let (emulator, done) = (emulator.clone(), done.clone());
        tokio::spawn(async move {
            let forms = [
                RetryAfterForm::Fractional(Duration::from_millis(15)),
                RetryAfterForm::Absent,
            ];
            for i in 0.. {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if done.load(std::sync::atomic::Ordering::Relaxed) + 500 >= N {
                    break;
                }
                emulator
                    .faults()
                    .throttle_burst(8, 429, forms[i % forms.len()]);
            }
        })
    };
    let outcomes: Vec<(String, graph_teams_admin::Result<S>)> =
        futures::stream::iter(numbers.clone())
            .map(|n| {
                let (client, done) = (client.clone(), done.clone());
                async move {
                    let r = assign_and_wait(&client, &n).await.map(|o| o.status);
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    (n, r)
                }
            })
            .buffer_unordered(64)
            .collect()
            .await;
    throttler.abort();
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|(_, r)| !matches!(r, Ok(S::Succeeded)))
        .collect();
    assert!(
        failed.is_empty(),
        "{} calls did not succeed, e.g. {:?}",
        failed.len(),
        failed.first()
    );
    let snap = emulator.snapshot();
    let lost: Vec<_> = numbers
        .iter()
        .filter(|n| snap.assign_events.get(*n).copied().unwrap_or(0) == 0)
        .collect();
    let twice: Vec<_> = snap.assign_events.iter().filter(|(_, c)| **c > 1).collect();
    assert!(lost.is_empty(), "{} numbers lost", lost.len());
    assert!(twice.is_empty(), "{} numbers assigned twice", twice.len());
    assert!(
        snap.numbers
            .iter()
            .all(|n| n.assignment_target_id.as_deref() == Some(USER))
    );
    let throttled = emulator
        .requests()
        .iter()
        .filter(|r| r.retry_attempt.is_some())
        .count();
    assert!(
        throttled > 100,
        "the run was really throttled ({throttled} retries)"
    );
}

/// `Client::user_id`: a UPN (in any case) becomes the object id through
/// `GET /users/{upn}`; an object id passes without a request; an unknown
/// user is Graph's 404 with its request ids.
#[tokio::test]
async fn user_id_resolves_upns_and_passes_object_ids() {
    let emulator = Emulator::start(config(2)).await.unwrap();
    let client = builder(&emulator).build().unwrap();
    let users = |e: &Emulator| {
        e.requests()
            .iter()
            .filter(|r| r.path.contains("/users/"))
            .count()
    };
    for upn in [
        "adele.vance@contoso.onmicrosoft.com",
        " Adele.Vance@CONTOSO.onmicrosoft.com ",
    ] {
        assert_eq!(client.user_id(upn).await.unwrap(), USER, "{upn}");
    }
    assert_eq!(users(&emulator), 2);
    assert_eq!(client.user_id(USER).await.unwrap(), USER);
    assert_eq!(users(&emulator), 2, "an object id needs no request");
    match client.user_id("nobody@contoso.onmicrosoft.com").await {
        Err(Error::Graph(g)) => {
            assert_eq!(g.status, 404, "{g}");
            assert!(g.client_request_id.is_some(), "{g}");
        }
        other => panic!("expected a 404, got {other:?}"),
    }
    emulator.shutdown().await;
}

//! Operations: statuses flapping, regressing, unknown, masked, missing, of
//! the wrong type; 100,000 numbers; a poll answering 404 then recovering.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use graph_teams_admin::{Error, LongRunningOperationStatus as S};
use serde_json::{Value, json};

use crate::server::{Hostile, Reply};
use crate::{OP, assign_body, bounded, case, client};

/// A server that accepts the assignment (request 0) and answers poll `i`
/// (request `i + 1`) with `polls[i]`, the last one again after the end.
async fn operation(polls: Vec<Reply>) -> Hostile {
    let polls = Arc::new(polls);
    Hostile::start(move |r, n| {
        if r.method == "POST" {
            let host = r.header("host").unwrap_or_default().to_owned();
            return Reply::raw_headers(
                202,
                &[("location", format!("http://{host}{OP}").as_bytes())],
            );
        }
        polls[(n.saturating_sub(1)).min(polls.len() - 1)].clone()
    })
    .await
}

fn op(status: Value) -> Value {
    let mut v = json!({
        "id": "op1",
        "numbers": [{"resourceLocation": "https://x/n1", "status": status.clone()}]
    });
    if !status.is_null() {
        v["status"] = status;
    }
    v
}

fn poll(status: &str) -> Reply {
    Reply::json(200, &op(json!(status)))
}

/// What an operation case should come to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum End {
    Succeeded,
    Failed,
    /// The poll deadline, with this text in the error.
    Timeout(&'static str),
    Decode,
}

#[tokio::test]
async fn operations_end_in_their_outcome_or_at_the_deadline() {
    let long_status = "x".repeat(10_000);
    let cases: Vec<(&str, Vec<Reply>, End)> = vec![
        (
            "flapping",
            [
                "running",
                "notStarted",
                "running",
                "notStarted",
                "running",
                "succeeded",
            ]
            .map(poll)
            .to_vec(),
            End::Succeeded,
        ),
        (
            "regressing then failing",
            ["running", "notStarted", "failed"].map(poll).to_vec(),
            End::Failed,
        ),
        ("skipped", vec![poll("skipped")], End::Succeeded),
        (
            "unknown status",
            vec![poll("pendingCarrierApproval")],
            End::Timeout("pendingCarrierApproval"),
        ),
        (
            "status in the wrong case",
            vec![poll("SUCCEEDED")],
            End::Timeout("does not know"),
        ),
        (
            "status with a NUL",
            vec![poll("succeeded\u{0}")],
            End::Timeout("does not know"),
        ),
        ("empty status", vec![poll("")], End::Timeout("no status")),
        (
            "a 10 KB status",
            vec![poll(&long_status)],
            End::Timeout("bytes in all"),
        ),
        (
            "unknownFutureValue forever",
            vec![poll("unknownFutureValue")],
            End::Timeout("masks"),
        ),
        (
            "status missing",
            vec![Reply::json(200, &op(Value::Null))],
            End::Timeout("no status"),
        ),
        (
            "status is a number",
            vec![Reply::json(200, &op(json!(5)))],
            End::Decode,
        ),
        (
            "status is null",
            vec![Reply::json(200, &json!({"id": "op1", "status": null}))],
            End::Timeout("no status"),
        ),
        (
            "an empty object",
            vec![Reply::json(200, &json!({}))],
            End::Decode,
        ),
        (
            "a list instead",
            vec![Reply::json(
                200,
                &json!({"value": [op(json!("succeeded"))]}),
            )],
            End::Decode,
        ),
        (
            "the documented wrapper",
            vec![Reply::json(200, &json!({"value": op(json!("succeeded"))}))],
            End::Succeeded,
        ),
        (
            "another operation's record",
            vec![Reply::json(
                200,
                &json!({"id": "op2", "status": "succeeded"}),
            )],
            End::Decode,
        ),
        (
            "404 then recovering",
            vec![
                Reply::json(
                    404,
                    &json!({"error": {"code": "NotFound", "message": "not yet"}}),
                ),
                Reply::json(
                    404,
                    &json!({"error": {"code": "NotFound", "message": "not yet"}}),
                ),
                poll("running"),
                poll("succeeded"),
            ],
            End::Succeeded,
        ),
        (
            "500 then recovering",
            vec![
                Reply::json(
                    500,
                    &json!({"error": {"code": "InternalServerError", "message": "boom"}}),
                ),
                poll("succeeded"),
            ],
            End::Succeeded,
        ),
    ];
    for (name, polls, expect) in cases {
        case(format!("operation: {name}"));
        let server = operation(polls).await;
        let started = Instant::now();
        let op = client(&server.beta())
            .assign_number(assign_body())
            .await
            .unwrap();
        let result = bounded(name, std::future::IntoFuture::into_future(op)).await;
        match (expect, result) {
            (End::Succeeded, Ok(o)) => {
                assert!(matches!(o.status, S::Succeeded | S::Skipped), "{name}")
            }
            (End::Failed, Err(Error::OperationFailed(f))) => assert_eq!(f.status, S::Failed),
            (End::Timeout(text), Err(e @ Error::Timeout { .. })) => {
                let shown = e.to_string();
                assert!(shown.contains(text), "{name}: {shown}");
                assert!(shown.len() < 2048, "{name}: bounded");
                assert!(!shown.chars().any(char::is_control), "{name}: escaped");
            }
            (End::Decode, Err(Error::Decode { .. })) => {}
            (expect, other) => panic!("{name}: expected {expect:?}, got {other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name}: the 2 s deadline holds"
        );
    }
}

#[tokio::test]
async fn a_stream_of_statuses_shows_every_read_up_to_the_deadline() {
    case("operation: status stream with flapping statuses");
    let server = operation(
        ["notStarted", "running", "notStarted", "running"]
            .map(poll)
            .to_vec(),
    )
    .await;
    let mut op = client(&server.beta())
        .assign_number(assign_body())
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut last_err = None;
    while let Some(item) = bounded("stream", op.next()).await {
        match item {
            Ok(s) => seen.push(s.status()),
            Err(e) => last_err = Some(e),
        }
    }
    assert!(seen.len() >= 4, "{seen:?}");
    assert_eq!(
        seen[..4],
        [S::NotStarted, S::Running, S::NotStarted, S::Running]
    );
    assert!(matches!(last_err, Some(Error::Timeout { .. })));
}

#[tokio::test]
async fn an_operation_with_100k_numbers_is_read_whole_and_shown_bounded() {
    let numbers: Vec<Value> = (0..100_000)
        .map(|i| json!({"resourceLocation": format!("https://x/n{i}"), "status": "failed", "statusDetail": "no"}))
        .collect();
    for (name, status) in [("succeeded", "succeeded"), ("failed", "failed")] {
        case(format!("operation: 100,000 numbers, {name}"));
        let body = json!({"id": "op1", "status": status, "numbers": numbers});
        let server = operation(vec![Reply::json(200, &body)]).await;
        let c = crate::builder(&server.beta())
            .max_response_body(32 << 20)
            .build()
            .unwrap();
        let op = c.assign_number(assign_body()).await.unwrap();
        match bounded(name, std::future::IntoFuture::into_future(op)).await {
            Ok(o) => assert_eq!(o.numbers.len(), 100_000),
            Err(Error::OperationFailed(f)) => {
                assert_eq!(f.numbers.len(), 100_000);
                let shown = Error::OperationFailed(f).to_string();
                assert!(shown.len() < 4096, "{} bytes", shown.len());
                assert!(shown.contains("99990 more"), "{shown}");
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

#[tokio::test]
async fn a_poll_that_hangs_is_cut_at_the_deadline() {
    case("operation: a poll that never answers, deadline shorter than the timeout");
    let server = operation(vec![Reply::steps(vec![crate::server::Step::Hang])]).await;
    let c = crate::builder(&server.beta())
        .timeout(Duration::from_secs(60))
        .poll_options(
            graph_teams_admin::PollOptions::default()
                .with_interval(Duration::from_millis(10), Duration::from_millis(10))
                .with_deadline(Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let op = c.assign_number(assign_body()).await.unwrap();
    let err = bounded("hang", std::future::IntoFuture::into_future(op))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the 1 s deadline cut the 60 s read: {:?}",
        started.elapsed()
    );
}

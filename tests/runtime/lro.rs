//! Long-running operations: 202 + Location followed to the end, as a future
//! and as a stream; Retry-After; both Location forms; foreign hosts refused;
//! failure details; unknown statuses; resuming; cancellation.

use std::time::{Duration, Instant};

use futures::StreamExt;
use graph_teams_admin::{
    AssignNumberBody, Error, LongRunningOperationStatus as S, NumberType, OperationRef,
    PollOptions, UnassignNumberBody,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{ASSIGN, OP, UNASSIGN, client, fast_poll, fast_retry};

fn status(s: &str) -> Value {
    json!({
        "id": "op1",
        "createdDateTime": "2025-02-03T22:03:26Z",
        "status": s,
        "numbers": [{"resourceLocation": "https://x/numberAssignments/n1", "status": s, "statusDetail": null}]
    })
}

fn body() -> AssignNumberBody {
    AssignNumberBody::new(
        "+12065550100",
        "5f5b6d2e-1111-4a2b-9c3d-4e5f6a7b8c9d",
        NumberType::DirectRouting,
    )
}

async fn accept_at(server: &MockServer, action: &str, location: &str, retry_after: Option<&str>) {
    let mut r = ResponseTemplate::new(202).insert_header("Location", location);
    if let Some(ra) = retry_after {
        r = r.insert_header("Retry-After", ra);
    }
    Mock::given(method("POST"))
        .and(path(action))
        .respond_with(r)
        .mount(server)
        .await;
}

/// The assignment accepted with a `Location` at `OP` on this server.
async fn accept(server: &MockServer) {
    accept_at(server, ASSIGN, &format!("{}{OP}", server.uri()), None).await;
}

async fn statuses(server: &MockServer, at: &str, seq: &[&str]) {
    for (i, s) in seq.iter().enumerate() {
        let m = Mock::given(method("GET"))
            .and(path(at))
            .respond_with(ResponseTemplate::new(200).set_body_json(status(s)));
        if i + 1 < seq.len() {
            m.up_to_n_times(1).mount(server).await;
        } else {
            m.mount(server).await;
        }
    }
}

async fn polls(server: &MockServer, at: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "GET" && r.url.path() == at)
        .count()
}

#[tokio::test]
async fn assign_is_awaited_to_success_following_the_key_form_location() {
    let server = MockServer::start().await;
    accept(&server).await;
    statuses(&server, OP, &["notStarted", "running", "succeeded"]).await;
    let op = client(&server.uri()).assign_number(body()).await.unwrap();
    assert_eq!(op.reference().operation_id().as_deref(), Some("op1"));
    let outcome = op.await.unwrap();
    assert_eq!(outcome.status, S::Succeeded);
    assert_eq!(outcome.polls, 3);
    assert_eq!(outcome.numbers[0].status, Some(S::Succeeded));
    assert_eq!(
        outcome.numbers[0].resource_location.as_deref(),
        Some("https://x/numberAssignments/n1")
    );
    // Polls carry auth like every call.
    let reqs = server.received_requests().await.unwrap();
    assert!(
        reqs.iter()
            .all(|r| r.headers.get("authorization").is_some())
    );
}

#[tokio::test]
async fn progress_can_be_read_as_a_stream_that_ends_at_the_final_status() {
    let server = MockServer::start().await;
    accept_at(&server, UNASSIGN, &format!("{}{OP}", server.uri()), None).await;
    statuses(
        &server,
        OP,
        &["notStarted", "running", "running", "succeeded"],
    )
    .await;
    let op = client(&server.uri())
        .unassign_number(UnassignNumberBody::new(
            "+12065550100",
            NumberType::CallingPlan,
        ))
        .await
        .unwrap();
    let seen: Vec<_> = op.map(|s| s.unwrap()).collect().await;
    let names: Vec<S> = seen.iter().map(|s| s.status()).collect();
    assert_eq!(names, [S::NotStarted, S::Running, S::Running, S::Succeeded]);
    assert!(seen[..3].iter().all(|s| s.next_poll_in.is_some()));
    assert_eq!(seen[3].next_poll_in, None);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        polls(&server, OP).await,
        4,
        "no poll after the final status"
    );
}

#[tokio::test]
async fn segment_form_locations_work_too() {
    let server = MockServer::start().await;
    let seg = "/beta/admin/teams/telephoneNumberManagement/operations/op1";
    accept_at(&server, ASSIGN, &format!("{}{seg}", server.uri()), None).await;
    statuses(&server, seg, &["running", "succeeded"]).await;
    assert_eq!(
        client(&server.uri())
            .assign_number(body())
            .await
            .unwrap()
            .await
            .unwrap()
            .status,
        S::Succeeded
    );
}

#[tokio::test]
async fn a_relative_location_is_resolved_against_the_base_url() {
    let server = MockServer::start().await;
    accept_at(&server, ASSIGN, OP, None).await;
    statuses(&server, OP, &["succeeded"]).await;
    assert_eq!(
        client(&server.uri())
            .assign_number(body())
            .await
            .unwrap()
            .await
            .unwrap()
            .status,
        S::Succeeded
    );
}

#[tokio::test]
async fn retry_after_on_the_202_and_on_polls_is_honoured() {
    let server = MockServer::start().await;
    accept_at(&server, ASSIGN, &format!("{}{OP}", server.uri()), Some("1")).await;
    Mock::given(method("GET"))
        .and(path(OP))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Retry-After", "1")
                .set_body_json(status("running")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(OP))
        .respond_with(ResponseTemplate::new(200).set_body_json(status("succeeded")))
        .mount(&server)
        .await;
    let started = Instant::now();
    let op = client(&server.uri()).assign_number(body()).await.unwrap();
    let mut stream = op;
    let first = stream.next().await.unwrap().unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "first poll after the 202's Retry-After"
    );
    assert_eq!(first.next_poll_in, Some(Duration::from_secs(1)));
    let second = stream.next().await.unwrap().unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "second poll after the poll's Retry-After"
    );
    assert_eq!(second.status(), S::Succeeded);
}

#[tokio::test]
async fn a_location_on_another_host_is_refused_and_gets_no_token() {
    let server = MockServer::start().await;
    let foreign = MockServer::start().await;
    accept_at(
        &server,
        ASSIGN,
        &format!(
            "{}/beta/admin/teams/telephoneNumberManagement/operations('op1')",
            foreign.uri()
        ),
        None,
    )
    .await;
    let err = client(&server.uri())
        .assign_number(body())
        .await
        .unwrap_err();
    match &err {
        Error::ForeignUrl {
            what,
            url,
            expected_origin,
            ..
        } => {
            assert_eq!(*what, "Location");
            assert!(url.starts_with(&foreign.uri()));
            assert_eq!(expected_origin, &server.uri());
        }
        other => panic!("{other}"),
    }
    assert!(
        err.to_string().contains("no request was sent there"),
        "{err}"
    );
    // Also when resuming from a URL someone saved.
    let resumed = client(&server.uri()).operation(&format!("{}{OP}", foreign.uri()));
    assert!(matches!(resumed, Err(Error::ForeignUrl { .. })));
    assert!(
        foreign.received_requests().await.unwrap().is_empty(),
        "nothing reached the foreign host"
    );
}

#[tokio::test]
async fn a_failed_operation_reports_every_number_with_its_detail() {
    let server = MockServer::start().await;
    accept(&server).await;
    Mock::given(method("GET"))
        .and(path(OP))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "op1", "status": "failed",
            "numbers": [
                {"resourceLocation": "https://x/numberAssignments/n1", "status": "failed", "statusDetail": "The number +12065550100 is already assigned to another user."},
                {"resourceLocation": "https://x/numberAssignments/n2", "status": "succeeded", "statusDetail": null}
            ]
        })))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .assign_number(body())
        .await
        .unwrap()
        .await
        .unwrap_err();
    let Error::OperationFailed(f) = &err else {
        panic!("{err}")
    };
    assert_eq!(f.operation_id.as_deref(), Some("op1"));
    assert_eq!(f.status, S::Failed);
    assert_eq!(f.numbers.len(), 2);
    assert_eq!(
        f.numbers[0].status_detail.as_deref(),
        Some("The number +12065550100 is already assigned to another user.")
    );
    let shown = err.to_string();
    assert!(
        shown.contains("operation op1 ended failed")
            && shown.contains("already assigned to another user"),
        "{shown}"
    );
}

#[tokio::test]
async fn skipped_is_a_final_status() {
    let server = MockServer::start().await;
    accept(&server).await;
    statuses(&server, OP, &["running", "skipped"]).await;
    assert_eq!(
        client(&server.uri())
            .assign_number(body())
            .await
            .unwrap()
            .await
            .unwrap()
            .status,
        S::Skipped
    );
}

#[tokio::test]
async fn an_unknown_status_keeps_polling_until_the_deadline_and_is_reported_raw() {
    let server = MockServer::start().await;
    accept(&server).await;
    statuses(&server, OP, &["pendingCarrierApproval"]).await;
    let c = graph_teams_admin::Client::builder()
        .base_url(format!("{}/beta", server.uri()))
        .token("t")
        .retry_policy(fast_retry())
        .poll_options(fast_poll().with_deadline(Duration::from_millis(300)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.assign_number(body()).await.unwrap().await.unwrap_err();
    match &err {
        Error::Timeout {
            last_status,
            waited,
            ..
        } => {
            assert_eq!(last_status.as_deref(), Some("pendingCarrierApproval"));
            assert!(*waited <= Duration::from_millis(400), "{waited:?}");
        }
        other => panic!("{other}"),
    }
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(polls(&server, OP).await >= 3, "it kept polling");
    assert!(err.to_string().contains("pendingCarrierApproval"), "{err}");
}

#[tokio::test]
async fn an_operation_resumes_from_its_saved_reference_or_its_id() {
    let server = MockServer::start().await;
    accept(&server).await;
    statuses(&server, OP, &["succeeded"]).await;
    let saved = {
        let op = client(&server.uri()).assign_number(body()).await.unwrap();
        serde_json::to_string(op.reference()).unwrap()
        // The operation (and its client) are dropped here: a later process resumes.
    };
    let reference: OperationRef = serde_json::from_str(&saved).unwrap();
    let later = client(&server.uri());
    let outcome = later.operation(reference.url()).unwrap().await.unwrap();
    assert_eq!(outcome.status, S::Succeeded);
    assert_eq!(outcome.reference, reference);

    let seg = "/beta/admin/teams/telephoneNumberManagement/operations/QXNzaWdubWVudHwx";
    let mut op = status("succeeded");
    op["id"] = json!("QXNzaWdubWVudHwx");
    Mock::given(method("GET"))
        .and(path(seg))
        .respond_with(ResponseTemplate::new(200).set_body_json(op))
        .mount(&server)
        .await;
    assert_eq!(
        later
            .operation("QXNzaWdubWVudHwx")
            .unwrap()
            .await
            .unwrap()
            .status,
        S::Succeeded
    );
}

#[tokio::test]
async fn dropping_the_operation_stops_polling() {
    let server = MockServer::start().await;
    accept(&server).await;
    statuses(&server, OP, &["running"]).await;
    let mut op = client(&server.uri()).assign_number(body()).await.unwrap();
    op.next().await.unwrap().unwrap();
    op.next().await.unwrap().unwrap();
    drop(op);
    let after_drop = polls(&server, OP).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(polls(&server, OP).await, after_drop);

    // Same for an awaited operation whose future is dropped.
    let op = client(&server.uri()).assign_number(body()).await.unwrap();
    let _ = tokio::time::timeout(
        Duration::from_millis(100),
        std::future::IntoFuture::into_future(op),
    )
    .await;
    // A poll already on the wire when the future was dropped still lands.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after = polls(&server, OP).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(polls(&server, OP).await, after);
}

#[tokio::test]
async fn the_documented_value_wrapper_is_accepted() {
    let server = MockServer::start().await;
    accept(&server).await;
    Mock::given(method("GET"))
        .and(path(OP))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"value": status("succeeded")})),
        )
        .mount(&server)
        .await;
    assert_eq!(
        client(&server.uri())
            .assign_number(body())
            .await
            .unwrap()
            .await
            .unwrap()
            .status,
        S::Succeeded
    );
}

#[tokio::test]
async fn a_202_without_location_is_an_error_naming_the_problem() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ASSIGN))
        .respond_with(ResponseTemplate::new(202).insert_header("request-id", "r1"))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .assign_number(body())
        .await
        .unwrap_err();
    assert_eq!(err.graph().unwrap().code, "missingLocation");
    assert_eq!(err.request_id(), Some("r1"));
}

#[tokio::test]
async fn poll_options_default_to_backoff_without_retry_after() {
    let p = PollOptions::default();
    assert_eq!(
        (p.initial_interval, p.max_interval, p.deadline),
        (
            Duration::from_secs(2),
            Duration::from_secs(30),
            Some(Duration::from_secs(15 * 60))
        ),
        "a default deadline: `.await` never polls forever"
    );
    assert_eq!(p.without_deadline().deadline, None);
}

#[tokio::test]
async fn a_failed_poll_is_not_a_failed_operation() {
    let server = MockServer::start().await;
    accept(&server).await;
    // Two rounds of a poll that outlasts the retry policy (1 + 3 attempts each).
    Mock::given(method("GET"))
        .and(path(OP))
        .respond_with(ResponseTemplate::new(503).set_body_json(
            json!({"error": {"code": "ServiceUnavailable", "message": "try later"}}),
        ))
        .up_to_n_times(8)
        .mount(&server)
        .await;
    statuses(&server, OP, &["succeeded"]).await;
    let outcome = client(&server.uri())
        .assign_number(body())
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(outcome.status, S::Succeeded);
    assert_eq!(polls(&server, OP).await, 9);
}

#[tokio::test]
async fn polls_that_keep_failing_or_fail_for_good_end_with_the_error() {
    let server = MockServer::start().await;
    accept(&server).await;
    Mock::given(method("GET"))
        .and(path(OP))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"error": {"code": "ServiceUnavailable", "message": "down"}})),
        )
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .assign_number(body())
        .await
        .unwrap()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    // 5: the documented number of transient poll failures in a row.
    let rounds = 1 + 5;
    assert_eq!(
        polls(&server, OP).await,
        rounds * 4,
        "each round is 1 + 3 retries"
    );

    // A 404 that stays: tolerated like a transient failure (a replica may
    // not know the operation yet), then reported.
    let gone = MockServer::start().await;
    accept_at(&gone, ASSIGN, &format!("{}{OP}", gone.uri()), None).await;
    Mock::given(method("GET"))
        .and(path(OP))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(
                json!({"error": {"code": "NotFound", "message": "no such operation"}}),
            ),
        )
        .mount(&gone)
        .await;
    let err = client(&gone.uri())
        .assign_number(body())
        .await
        .unwrap()
        .await
        .unwrap_err();
    assert_eq!(err.graph().unwrap().code, "NotFound");
    assert_eq!(polls(&gone, OP).await, 1 + 5);
}

#[tokio::test]
async fn a_poll_answering_404_then_recovering_goes_on_to_the_outcome() {
    let server = MockServer::start().await;
    accept(&server).await;
    Mock::given(method("GET"))
        .and(path(OP))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(
                json!({"error": {"code": "NotFound", "message": "no such operation"}}),
            ),
        )
        .up_to_n_times(2)
        .mount(&server)
        .await;
    statuses(&server, OP, &["running", "succeeded"]).await;
    let outcome = client(&server.uri())
        .assign_number(body())
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(outcome.status, S::Succeeded);
    assert_eq!(polls(&server, OP).await, 4);
}

//! Throttling and outages: Retry-After in its three forms, backoff, caps,
//! what a POST may repeat, cancellation while waiting.

use std::time::{Duration, Instant, SystemTime};

use graph_teams_admin::{AssignNumberBody, Client, Error, NumberType, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{self, ASSIGN, LIST, client, fast_retry, first_page};

fn page() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"value": [{"id": "a", "telephoneNumber": "+12065550100"}]}))
}

fn throttled(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": {"code": "TooManyRequests", "message": "slow down"}}))
}

fn ids(requests: &[Request], name: &str) -> Vec<Option<String>> {
    requests
        .iter()
        .map(|r| r.headers.get(name).map(|v| v.to_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(throttled(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(page())
        .mount(&server)
        .await;
    let started = Instant::now();
    assert_eq!(first_page(&client(&server.uri())).await.unwrap(), 1);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(ids(&reqs, "retry-attempt"), [None, Some("1".into())]);
    let crids = ids(&reqs, "client-request-id");
    assert_eq!(
        crids[0], crids[1],
        "one client-request-id across the retries of a call"
    );
    assert!(
        uuid::Uuid::parse_str(crids[0].as_deref().unwrap())
            .unwrap()
            .get_version_num()
            == 4
    );
}

#[tokio::test]
async fn retry_after_as_http_date_is_honoured() {
    let server = MockServer::start().await;
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(throttled(503).insert_header("Retry-After", at.as_str()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(page())
        .mount(&server)
        .await;
    let started = Instant::now();
    assert_eq!(first_page(&client(&server.uri())).await.unwrap(), 1);
    // An HTTP-date has whole seconds: the wait is between 1 and 2 s.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn without_retry_after_backoff_is_used() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(throttled(504))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(page())
        .mount(&server)
        .await;
    let c = Client::builder()
        .base_url(format!("{}/beta", server.uri()))
        .token("t")
        .retry_policy(
            RetryPolicy::default().with_backoff(Duration::from_millis(100), Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    assert_eq!(first_page(&c).await.unwrap(), 1);
    // Two backoffs: 50..100 ms, then 100..200 ms.
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(150) && waited < Duration::from_secs(2),
        "waited {waited:?}"
    );
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        ids(&reqs, "retry-attempt"),
        [None, Some("1".into()), Some("2".into())]
    );
}

#[tokio::test]
async fn gives_up_after_max_retries_with_the_last_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(throttled(429).insert_header("request-id", "rid-9"))
        .mount(&server)
        .await;
    let err = first_page(&client(&server.uri())).await.unwrap_err();
    let g = err.graph().expect("a Graph error");
    assert_eq!(
        (g.status, g.code.as_str(), g.attempts),
        (429, "TooManyRequests", 4)
    );
    assert_eq!(err.request_id(), Some("rid-9"));
    assert!(err.is_transient());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        4,
        "1 + 3 retries (the default)"
    );
}

#[tokio::test]
async fn a_wait_beyond_the_budget_is_not_started() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(throttled(429).insert_header("Retry-After", "100"))
        .mount(&server)
        .await;
    let c = Client::builder()
        .base_url(format!("{}/beta", server.uri()))
        .token("t")
        .retry_policy(fast_retry().with_max_total_wait(Duration::from_secs(2)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = first_page(&c).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        err.graph().unwrap().retry_after,
        Some(Duration::from_secs(100))
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn other_statuses_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(
                json!({"error": {"code": "InternalServerError", "message": "boom"}}),
            ),
        )
        .mount(&server)
        .await;
    assert_eq!(
        first_page(&client(&server.uri()))
            .await
            .unwrap_err()
            .status(),
        Some(500)
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // ...unless the policy says so.
    let c = Client::builder()
        .base_url(format!("{}/beta", server.uri()))
        .token("t")
        .retry_policy(fast_retry().with_statuses([500]).with_max_retries(2))
        .build()
        .unwrap();
    assert_eq!(
        first_page(&c).await.unwrap_err().graph().unwrap().attempts,
        3
    );
}

#[tokio::test]
async fn assign_number_is_repeated_when_graph_says_it_was_not_processed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ASSIGN))
        .respond_with(throttled(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(ASSIGN))
        .and(header("retry-attempt", "1"))
        .respond_with(ResponseTemplate::new(202).insert_header(
            "Location",
            format!(
                "{}/beta/admin/teams/telephoneNumberManagement/operations('op1')",
                server.uri()
            ),
        ))
        .mount(&server)
        .await;
    let op = client(&server.uri())
        .assign_number(AssignNumberBody::new(
            "+12065550100",
            "user-1",
            NumberType::DirectRouting,
        ))
        .await
        .unwrap();
    assert_eq!(op.reference().operation_id().as_deref(), Some("op1"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn assign_number_is_not_repeated_after_a_dropped_connection() {
    let (base, count) = support::hang_up_server().await;
    let err = client(&base)
        .assign_number(AssignNumberBody::new(
            "+12065550100",
            "user-1",
            NumberType::DirectRouting,
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert!(
        err.client_request_id().is_some(),
        "the id to look the call up by"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        count.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the action may have been processed: never repeated blindly"
    );
}

#[tokio::test]
async fn reads_are_repeated_after_a_dropped_connection() {
    let (base, count) = support::hang_up_server().await;
    let err = first_page(&client(&base)).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert_eq!(
        count.load(std::sync::atomic::Ordering::SeqCst),
        4,
        "a read is safe to repeat: 1 + 3 retries"
    );
}

#[tokio::test]
async fn dropping_the_call_stops_the_retry_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(throttled(429).insert_header("Retry-After", "30"))
        .mount(&server)
        .await;
    let c = client(&server.uri());
    let started = Instant::now();
    let r = tokio::time::timeout(Duration::from_millis(200), first_page(&c)).await;
    assert!(r.is_err(), "still waiting when dropped");
    assert!(started.elapsed() < Duration::from_secs(1));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "no request after the drop"
    );
}

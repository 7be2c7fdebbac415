//! What the SDK writes to `tracing`: a span per request with its ids, the
//! retries, and never a token. A test binary of its own: the subscriber
//! that captures the output is global and must exist before any span or
//! event is first hit.

#[allow(dead_code)]
#[path = "runtime/support.rs"]
mod support;

use graph_teams_admin::{AssignNumberBody, Client, Error, NumberType};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::{client, first_page};

use std::sync::{Arc, Mutex};

/// Captures tracing output in memory.
#[derive(Clone, Debug, Default)]
pub struct Capture(pub Arc<Mutex<Vec<u8>>>);

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

thread_local! {
    static SINK: std::cell::RefCell<Option<Capture>> = const { std::cell::RefCell::new(None) };
}

/// Writes to the capture of the current thread (tests run on their own
/// thread with tokio's current-thread runtime).
struct ThreadSink;

impl std::io::Write for ThreadSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        SINK.with(|s| {
            if let Some(c) = s.borrow().as_ref() {
                c.0.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stops capturing when dropped.
#[derive(Debug)]
pub struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        SINK.with(|s| *s.borrow_mut() = None);
    }
}

/// Records everything traced on this thread, at TRACE, until the guard is
/// dropped. One global subscriber serves every test (scoped subscribers
/// share tracing's global level cache across threads, which makes them
/// flaky in parallel tests); it only formats events of capturing threads.
pub fn start_capture(into: &Capture) -> CaptureGuard {
    use tracing_subscriber::prelude::*;
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(|| ThreadSink)
            .with_ansi(false)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_filter(tracing_subscriber::filter::filter_fn(|_| {
                SINK.with(|s| s.borrow().is_some())
            }));
        tracing_subscriber::registry().with(layer).init();
    });
    SINK.with(|s| *s.borrow_mut() = Some(into.clone()));
    CaptureGuard
}

const LIST: &str = "/beta/admin/teams/telephoneNumberManagement/numberAssignments";

#[tokio::test]
async fn no_token_or_secret_in_debug_display_or_logs() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": {"code": "InvalidAuthenticationToken", "message": "expired"}}),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"code": "BadRequest", "message": "no"}})),
        )
        .mount(&server)
        .await;

    let secret = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.very-secret-payload";
    let capture = Capture::default();
    let _guard = start_capture(&capture);
    let builder = Client::builder()
        .base_url(format!("{}/beta", server.uri()))
        // A new token per request for a new one, so the 401 is answered by
        // a retry with a fresh token (a credential handing back the rejected
        // token would not be resent).
        .credential(support::RotatingCredential::new(secret))
        .retry_policy(support::fast_retry());
    let builder_debug = format!("{builder:?}");
    let c = builder.build().unwrap();
    let err = first_page(&c).await.unwrap_err();
    let credential_debug = format!(
        "{:?}",
        graph_teams_admin::StaticTokenCredential::new(secret)
    );
    let everything = [
        capture.text(),
        format!("{c:?}"),
        format!("{:?}", c.generated()),
        builder_debug,
        credential_debug,
        format!("{err:?}"),
        err.to_string(),
    ];
    for (i, text) in everything.iter().enumerate() {
        assert!(
            !text.contains("very-secret-payload"),
            "secret leaked in output {i}: {text}"
        );
    }
    // The request was really made with the token, and traced with its ids.
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs.iter().all(|r| {
        r.headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap()
            .ends_with("very-secret-payload")
    }));
    let log = capture.text();
    assert!(
        log.contains("graph_request")
            && log.contains("operation=\"list_number_assignments\"")
            && log.contains("status=400"),
        "{log}"
    );
    assert!(log.contains("client_request_id="), "{log}");
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_actions() {
    // Nothing listens on this port: the request never left.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let capture = Capture::default();
    let _guard = start_capture(&capture);
    let err = client(&format!("http://127.0.0.1:{port}"))
        .assign_number(AssignNumberBody::new(
            "+12065550100",
            "user-1",
            NumberType::DirectRouting,
        ))
        .await
        .unwrap_err();
    match &err {
        Error::Transport { source, .. } => assert!(source.is_connect(), "{source}"),
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert_eq!(
        capture
            .text()
            .matches("retrying after transport error")
            .count(),
        3,
        "{}",
        capture.text()
    );
}

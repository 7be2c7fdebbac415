//! Connections (reset after the head, closed mid-body, accepted and never
//! answered, one byte a second) and authentication (a 401 storm, claims
//! challenges, garbage challenges).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::OffsetDateTime;
use graph_teams_admin::Error;
use serde_json::json;

use crate::server::{Hostile, Reply, Step, head};
use crate::{OP, assign_body, bounded, case, client, first_page};

fn partial_head() -> Vec<u8> {
    head(
        200,
        &[
            ("content-type", b"application/json"),
            ("content-length", b"500"),
        ],
    )
}

#[tokio::test]
async fn broken_connections_end_in_a_transport_error_and_reads_are_repeated() {
    let slow_head = head(200, &[("content-length", b"2")]);
    let cases: Vec<(&str, Vec<Step>)> = vec![
        ("reset before any byte", vec![Step::Reset]),
        ("closed before any byte", vec![]),
        (
            "reset after the head",
            vec![Step::Bytes(partial_head()), Step::Reset],
        ),
        (
            "closed mid-body",
            vec![Step::Bytes(
                [partial_head(), b"{\"value\":[".to_vec()].concat(),
            )],
        ),
        (
            "garbage instead of HTTP",
            vec![Step::Bytes(b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec())],
        ),
        (
            "a malformed status line",
            vec![Step::Bytes(b"HTTP/1.1 twohundred OK\r\n\r\n".to_vec())],
        ),
        (
            "a header without a colon",
            vec![Step::Bytes(
                b"HTTP/1.1 200 OK\r\nbroken header\r\n\r\n".to_vec(),
            )],
        ),
        (
            "two Content-Lengths that disagree",
            vec![Step::Bytes(
                b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 7\r\n\r\n{}".to_vec(),
            )],
        ),
        (
            "a chunked body with a bad chunk size",
            vec![Step::Bytes(
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
                    .to_vec(),
            )],
        ),
        ("accepted and never answered", vec![Step::Hang]),
        (
            "the head at one byte per second",
            vec![Step::Trickle(slow_head, Duration::from_secs(1))],
        ),
    ];
    for (name, steps) in cases {
        case(format!("connection: {name} (read)"));
        let server = Hostile::always(Reply::steps(steps.clone())).await;
        let started = Instant::now();
        let err = bounded(name, first_page(&client(&server.beta())))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{name}: {err}");
        assert!(err.client_request_id().is_some());
        assert_eq!(server.count(), 4, "{name}: a read is repeated (1 + 3)");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{name}: timeouts hold"
        );

        case(format!("connection: {name} (assignNumber)"));
        let server = Hostile::always(Reply::steps(steps)).await;
        let err = bounded(name, client(&server.beta()).assign_number(assign_body()))
            .await
            .unwrap_err();
        match &err {
            Error::Transport { .. } => assert!(err.to_string().contains("not repeated"), "{err}"),
            // A 200 head arrived before the break: an answer without the
            // Location an accepted action needs.
            Error::Graph(g) if g.code == "missingLocation" => {}
            other => panic!("{name}: {other}"),
        }
        assert_eq!(
            server.count(),
            1,
            "{name}: an action that may have run is not repeated"
        );
    }
}

#[tokio::test]
async fn an_accepted_action_stays_accepted_when_its_body_breaks_off() {
    for (name, tail) in [
        ("reset after the 202's head", vec![Step::Reset]),
        (
            "closed mid-body of the 202",
            vec![Step::Bytes(b"{\"partial".to_vec())],
        ),
    ] {
        case(format!("connection: {name}"));
        let server = Hostile::start(move |r, _| {
            let host = r.header("host").unwrap_or_default().to_owned();
            if r.method == "POST" {
                let location = format!("http://{host}{OP}");
                let mut steps = vec![Step::Bytes(head(
                    202,
                    &[
                        ("location", location.as_bytes()),
                        ("content-length", b"100"),
                    ],
                ))];
                steps.extend(tail.clone());
                Reply::steps(steps)
            } else {
                Reply::json(200, &json!({"id": "op1", "status": "succeeded"}))
            }
        })
        .await;
        let outcome = bounded(name, async {
            client(&server.beta())
                .assign_number(assign_body())
                .await?
                .await
        })
        .await;
        match outcome {
            // The head arrived: the operation goes on.
            Ok(o) => assert_eq!(
                o.status,
                graph_teams_admin::LongRunningOperationStatus::Succeeded
            ),
            // The reset overtook the head: a transport error, not repeated.
            Err(e @ Error::Transport { .. }) => assert!(e.to_string().contains("not repeated")),
            Err(e) => panic!("{name}: {e}"),
        }
        assert_eq!(
            server
                .requests()
                .iter()
                .filter(|r| r.method == "POST")
                .count(),
            1
        );
    }
}

/// Hands out `t1`, `t2`, … (a new token per call).
#[derive(Debug, Default)]
struct Rotating(AtomicU32);

#[async_trait::async_trait]
impl TokenCredential for Rotating {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(AccessToken::new(
            format!("t{n}"),
            OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn a_401_storm_costs_one_refresh_and_one_retry_per_call() {
    case("auth: a 401 storm, 50 concurrent calls");
    let server = Hostile::always(Reply::json(
        401,
        &json!({"error": {"code": "InvalidAuthenticationToken", "message": "no"}}),
    ))
    .await;
    let cred = Arc::new(Rotating::default());
    let c = crate::builder(&server.beta())
        .credential(cred.clone())
        .build()
        .unwrap();
    let results = bounded(
        "storm",
        futures::future::join_all((0..50).map(|_| first_page(&c))),
    )
    .await;
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_err_and(|e| e.status() == Some(401)))
    );
    let calls = cred.0.load(Ordering::SeqCst);
    assert!(calls <= 3, "single-flight refreshes: {calls}");
    assert!(
        server.count() <= 100,
        "at most one retry per call: {}",
        server.count()
    );
}

#[tokio::test]
async fn challenges_are_reported_or_ignored_never_looped() {
    let cases: Vec<(&str, &[u8], u32, usize)> = vec![
        // (name, WWW-Authenticate, credential calls, requests)
        ("a claims challenge", br#"Bearer realm="", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ==""#, 1, 1),
        ("claims unquoted", b"Bearer claims=eyJ9, error=insufficient_claims", 1, 1),
        ("a challenge without claims", br#"Bearer realm="", error="invalid_token""#, 2, 2),
        ("garbage", b"%%%%", 2, 2),
        ("not UTF-8", b"Bearer claims=\"\xff\xfe\"", 2, 2),
        ("a huge claims value", &[b"Bearer claims=\"".as_slice(), &[b'A'; 60_000], b"\""].concat().leak()[..], 1, 1),
    ];
    for (name, challenge, calls, requests) in cases {
        case(format!("auth: 401 with {name}"));
        let server = Hostile::always(Reply::steps(vec![Step::Bytes(
            [
                head(
                    401,
                    &[
                        ("www-authenticate", challenge),
                        ("content-type", b"application/json"),
                        ("content-length", b"2"),
                    ],
                ),
                b"{}".to_vec(),
            ]
            .concat(),
        )]))
        .await;
        let cred = Arc::new(Rotating::default());
        let c = crate::builder(&server.beta())
            .credential(cred.clone())
            .build()
            .unwrap();
        let err = bounded(name, first_page(&c)).await.unwrap_err();
        assert_eq!(err.status(), Some(401), "{name}: {err}");
        assert_eq!(cred.0.load(Ordering::SeqCst), calls, "{name}");
        assert_eq!(server.count(), requests, "{name}");
        if calls == 1 {
            let g = err.graph().unwrap();
            assert!(
                g.claims_challenge.as_ref().is_some_and(|c| c.len() < 4096),
                "{name}"
            );
            assert!(err.to_string().len() < 8192);
        }
    }
}

//! Headers and URLs the client parses: `Retry-After`, `Location`,
//! `@odata.nextLink`, and redirects.

use std::time::{Duration, Instant, SystemTime};

use futures::TryStreamExt;
use graph_teams_admin::{Error, ListQuery, LongRunningOperationStatus as S};
use serde_json::json;

use crate::server::{Hostile, Reply};
use crate::{LIST, OP, assign_body, bounded, case, client, first_page, page_json};

/// What a case should come to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum RetryAfter {
    /// Given up at once: one request, the 429/503 as the error.
    GivesUp,
    /// Waited (backoff or the value), then the retry succeeded.
    Retries,
}

#[tokio::test]
async fn retry_after_values_never_panic_and_never_wait_past_the_budget() {
    let date = |d: SystemTime| httpdate::fmt_http_date(d).into_bytes();
    let now = SystemTime::now();
    let cases: Vec<(&str, Vec<u8>, RetryAfter)> = vec![
        ("huge float", b"1e20".to_vec(), RetryAfter::GivesUp),
        (
            "largest float",
            b"1.7976931348623157e308".to_vec(),
            RetryAfter::GivesUp,
        ),
        (
            "u64 overflow",
            b"18446744073709551616".to_vec(),
            RetryAfter::GivesUp,
        ),
        (
            "30 digits",
            b"999999999999999999999999999999".to_vec(),
            RetryAfter::GivesUp,
        ),
        ("over the budget", b"181".to_vec(), RetryAfter::GivesUp),
        (
            "year 9999",
            b"Fri, 31 Dec 9999 23:59:59 GMT".to_vec(),
            RetryAfter::GivesUp,
        ),
        (
            "a day ahead",
            date(now + Duration::from_secs(86_400)),
            RetryAfter::GivesUp,
        ),
        ("repeated huge", b"1e20, 1e20".to_vec(), RetryAfter::GivesUp),
        ("negative", b"-1".to_vec(), RetryAfter::Retries),
        ("negative fraction", b"-0.5".to_vec(), RetryAfter::Retries),
        ("NaN", b"NaN".to_vec(), RetryAfter::Retries),
        ("nan", b"nan".to_vec(), RetryAfter::Retries),
        ("inf", b"inf".to_vec(), RetryAfter::Retries),
        ("-inf", b"-inf".to_vec(), RetryAfter::Retries),
        ("Infinity", b"Infinity".to_vec(), RetryAfter::Retries),
        ("fraction", b"0.05".to_vec(), RetryAfter::Retries),
        ("exponent", b"5e-2".to_vec(), RetryAfter::Retries),
        ("zero", b"0".to_vec(), RetryAfter::Retries),
        ("repeated", b"0, 0".to_vec(), RetryAfter::Retries),
        ("empty", b"".to_vec(), RetryAfter::Retries),
        ("garbage", b"soon".to_vec(), RetryAfter::Retries),
        ("unit", b"5s".to_vec(), RetryAfter::Retries),
        ("hex", b"0x10".to_vec(), RetryAfter::Retries),
        ("spaces inside", b"1 2".to_vec(), RetryAfter::Retries),
        ("not UTF-8", b"\xff\xfe".to_vec(), RetryAfter::Retries),
        (
            "a date in the past",
            date(now - Duration::from_secs(3600)),
            RetryAfter::Retries,
        ),
        (
            "the epoch",
            b"Thu, 01 Jan 1970 00:00:00 GMT".to_vec(),
            RetryAfter::Retries,
        ),
        (
            "a malformed date",
            b"Fri, 32 Foo 2024 99:99:99 GMT".to_vec(),
            RetryAfter::Retries,
        ),
        ("a control byte", b"1\x01".to_vec(), RetryAfter::Retries),
        ("obs-text bytes", b"1\x80".to_vec(), RetryAfter::Retries),
    ];
    for (status, (name, value, expect)) in [429u16, 503].into_iter().cycle().zip(cases) {
        case(format!("Retry-After {name} on {status}"));
        let value2 = value.clone();
        let server = Hostile::start(move |_, n| {
            if n == 0 {
                Reply::throttled(status, &value2)
            } else {
                Reply::json(200, &page_json())
            }
        })
        .await;
        let c = client(&server.beta());
        let started = Instant::now();
        let result = bounded(name, first_page(&c)).await;
        match expect {
            RetryAfter::GivesUp => {
                let err = result.unwrap_err();
                let g = err.graph().unwrap_or_else(|| panic!("{name}: {err}"));
                assert_eq!((g.status, g.attempts), (status, 1), "{name}");
                assert_eq!(server.count(), 1, "{name}");
            }
            RetryAfter::Retries => {
                assert_eq!(result.unwrap_or_else(|e| panic!("{name}: {e}")), 1);
                assert_eq!(server.count(), 2, "{name}");
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name}: waited {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn repeated_throttling_with_huge_or_endless_retry_after_gives_up_within_the_budget() {
    for (name, value, requests) in [
        ("always 1e20", b"1e20".as_slice(), 1),
        ("always 100 s, budget 2 s", b"100", 1),
        ("always 0", b"0", 4),
        ("always garbage", b"later", 4),
    ] {
        case(format!("repeated 429s: {name}"));
        let server = Hostile::always(Reply::throttled(429, value)).await;
        let c = crate::builder(&server.beta())
            .retry_policy(
                graph_teams_admin::RetryPolicy::default()
                    .with_backoff(Duration::from_millis(5), Duration::from_millis(20))
                    .with_max_total_wait(Duration::from_secs(2)),
            )
            .build()
            .unwrap();
        let started = Instant::now();
        let err = bounded(name, first_page(&c)).await.unwrap_err();
        assert_eq!(err.status(), Some(429), "{name}");
        assert_eq!(server.count(), requests, "{name}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{name}: within the 2 s budget"
        );
    }
    // The same rules on an action (429 means "not processed").
    case("repeated 429s with 1e20 on assignNumber");
    let server = Hostile::always(Reply::throttled(429, b"1e20")).await;
    let err = bounded(
        "assign",
        client(&server.beta()).assign_number(assign_body()),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_huge_retry_after_on_the_202_or_a_poll_ends_at_the_deadline_at_once() {
    for (name, on_accept) in [("on the 202", true), ("on a poll", false)] {
        case(format!("Retry-After 1e20 {name}"));
        let server = Hostile::start(move |r, _| {
            if r.method == "POST" {
                let base = r.header("host").unwrap_or_default().to_owned();
                let location = format!("http://{base}{OP}");
                let mut headers: Vec<(&str, &[u8])> = vec![("location", location.as_bytes())];
                if on_accept {
                    headers.push(("retry-after", b"1e20"));
                }
                Reply::raw_headers(202, &headers)
            } else {
                let body = json!({"id": "op1", "status": "running"}).to_string();
                let headers: Vec<(&str, &str)> = if on_accept {
                    vec![("content-type", "application/json")]
                } else {
                    vec![
                        ("content-type", "application/json"),
                        ("retry-after", "1e20"),
                    ]
                };
                Reply::with(200, &headers, body)
            }
        })
        .await;
        let started = Instant::now();
        let op = client(&server.beta())
            .assign_number(assign_body())
            .await
            .unwrap();
        let err = bounded(name, std::future::IntoFuture::into_future(op))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{name}: {err}");
        assert!(started.elapsed() < Duration::from_secs(5), "{name}");
    }
}

/// What following a URL should come to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Follow {
    /// Followed, and the operation (or list) ended well.
    Ok,
    /// Refused: another origin.
    Foreign,
    /// Refused: not followable (empty, not UTF-8, too long, credentials).
    Unusable,
    /// The service's own missing-`Location` error.
    Missing,
    /// Followed on the configured origin, and the answer there was an error
    /// or not the expected entity (a clear error either way).
    AnswerError,
}

/// `Location` values, given the server's port and a foreign port.
fn locations(port: u16, foreign: u16) -> Vec<(&'static str, Option<Vec<u8>>, Follow)> {
    let at = |s: String| Some(s.into_bytes());
    let op = OP;
    vec![
        ("absent", None, Follow::Missing),
        ("empty", at(String::new()), Follow::Unusable),
        ("blank", at("   ".into()), Follow::Unusable),
        (
            "absolute",
            at(format!("http://127.0.0.1:{port}{op}")),
            Follow::Ok,
        ),
        (
            "upper-case scheme and host",
            at(format!("HTTP://127.0.0.1:{port}{op}")),
            Follow::Ok,
        ),
        (
            "decimal IP of the same host",
            at(format!("http://2130706433:{port}{op}")),
            Follow::Ok,
        ),
        ("absolute path", at(op.into()), Follow::Ok),
        (
            "relative to the request",
            at("../operations('op1')".into()),
            Follow::Ok,
        ),
        (
            "dot segments",
            at("/beta/admin/teams/x/../telephoneNumberManagement/./operations('op1')".to_string()),
            Follow::Ok,
        ),
        (
            "encoded dot segments",
            at(
                "/beta/admin/teams/x/%2e%2e/telephoneNumberManagement/operations('op1')"
                    .to_string(),
            ),
            Follow::Ok,
        ),
        (
            "dot segments past the root",
            at("/beta/../../../../etc/passwd".into()),
            Follow::AnswerError,
        ),
        (
            "non-ASCII UTF-8",
            at("/beta/admin/teams/telephoneNumberManagement/operations('op\u{e9}')".to_string()),
            Follow::Ok,
        ),
        (
            "another operation's URL",
            at("/beta/admin/teams/telephoneNumberManagement/operations('other')".into()),
            Follow::AnswerError,
        ),
        (
            "the configured host on another port",
            at(format!("http://127.0.0.1:{foreign}{op}")),
            Follow::Foreign,
        ),
        (
            "localhost for 127.0.0.1",
            at(format!("http://localhost:{foreign}{op}")),
            Follow::Foreign,
        ),
        (
            "lookalike suffix",
            at(format!("http://127.0.0.1.nip.io:{port}{op}")),
            Follow::Foreign,
        ),
        (
            "lookalike port in the host",
            at(format!("http://127.0.0.1:{port}.evil.example{op}")),
            Follow::Unusable,
        ),
        (
            "another loopback address",
            at(format!("http://127.0.0.2:{port}{op}")),
            Follow::Foreign,
        ),
        (
            "IPv6-mapped",
            at(format!("http://[::ffff:127.0.0.1]:{port}{op}")),
            Follow::Foreign,
        ),
        (
            "https on the same host and port",
            at(format!("https://127.0.0.1:{port}{op}")),
            Follow::Foreign,
        ),
        (
            "ftp",
            at(format!("ftp://127.0.0.1:{port}{op}")),
            Follow::Foreign,
        ),
        ("file", at("file:///etc/passwd".into()), Follow::Foreign),
        (
            "javascript",
            at("javascript:alert(1)".into()),
            Follow::Foreign,
        ),
        ("data", at("data:text/plain,hi".into()), Follow::Foreign),
        (
            "scheme-relative to a foreign host",
            at(format!("//127.0.0.1:{foreign}{op}")),
            Follow::Foreign,
        ),
        (
            "userinfo",
            at(format!("http://user:secret@127.0.0.1:{port}{op}")),
            Follow::Unusable,
        ),
        (
            "userinfo naming the host",
            at(format!("http://127.0.0.1:{port}@127.0.0.1:{foreign}{op}")),
            Follow::Foreign,
        ),
        (
            "very long",
            at(format!("{op}?pad={}", "a".repeat(20_000))),
            Follow::Unusable,
        ),
        (
            "not UTF-8",
            Some(
                format!("http://127.0.0.1:{port}/beta/")
                    .into_bytes()
                    .into_iter()
                    .chain(*b"\xff\xfe('op1')")
                    .collect(),
            ),
            Follow::Unusable,
        ),
    ]
}

#[tokio::test]
async fn locations_are_followed_on_the_configured_origin_only() {
    let foreign = Hostile::always(Reply::json(
        200,
        &json!({"id": "op1", "status": "succeeded"}),
    ))
    .await;
    let foreign_port = foreign.port;
    let count = locations(0, 0).len();
    for i in 0..count {
        // The cases name the server's own port: read it from `Host`.
        let server = Hostile::start(move |r, _| {
            let port: u16 = r
                .header("host")
                .and_then(|h| h.rsplit(':').next())
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            if r.method == "POST" {
                match locations(port, foreign_port).swap_remove(i).1 {
                    Some(l) => Reply::raw_headers(202, &[("location", &l)]),
                    None => Reply::raw_headers(202, &[]),
                }
            } else if r.path().contains("operations('other')") {
                Reply::json(200, &json!({"id": "op1", "status": "succeeded"}))
            } else if r.path().contains("operations(") {
                Reply::json(200, &json!({"status": "succeeded"}))
            } else {
                Reply::json(
                    404,
                    &json!({"error": {"code": "NotFound", "message": "no"}}),
                )
            }
        })
        .await;
        let (name, _, expect) = locations(server.port, foreign_port).swap_remove(i);
        case(format!("Location {name}"));
        let c = crate::builder(&server.beta())
            .retry_policy(graph_teams_admin::RetryPolicy::none())
            .build()
            .unwrap();
        let result = bounded(name, async {
            let op = c.assign_number(assign_body()).await?;
            Ok::<_, Error>(op.await?.status)
        })
        .await;
        match (expect, result) {
            (Follow::Ok, Ok(status)) => assert_eq!(status, S::Succeeded, "{name}"),
            (
                Follow::Foreign,
                Err(Error::ForeignUrl {
                    what: "Location", ..
                }),
            ) => {}
            (
                Follow::Unusable,
                Err(Error::UnusableUrl {
                    what: "Location", ..
                }),
            ) => {}
            (Follow::Missing, Err(e)) if e.graph().is_some_and(|g| g.code == "missingLocation") => {
            }
            (Follow::AnswerError, Err(Error::Graph(_) | Error::Decode { .. })) => {}
            (expect, other) => panic!("{name}: expected {expect:?}, got {other:?}"),
        }
    }
    assert_eq!(foreign.count(), 0, "nothing reached another origin");
}

#[tokio::test]
async fn next_links_are_followed_on_the_configured_origin_only() {
    let foreign = Hostile::always(Reply::json(200, &page_json())).await;
    let fp = foreign.port;
    let cases: Vec<(&str, serde_json::Value, Follow)> = {
        let list = LIST;
        vec![
            ("absent", json!(null), Follow::Ok),
            ("empty", json!(""), Follow::Unusable),
            ("relative query", json!("?$skiptoken=2"), Follow::Ok),
            (
                "relative path",
                json!(format!("{list}?$skiptoken=2")),
                Follow::Ok,
            ),
            (
                "dot segments",
                json!(format!(
                    "/beta/x/../admin/teams/telephoneNumberManagement/numberAssignments?$skiptoken=2"
                )),
                Follow::Ok,
            ),
            (
                "another port",
                json!(format!("http://127.0.0.1:{fp}{list}?$skiptoken=2")),
                Follow::Foreign,
            ),
            (
                "localhost",
                json!(format!("http://localhost:{fp}{list}")),
                Follow::Foreign,
            ),
            (
                "lookalike",
                json!(format!("http://127.0.0.1.nip.io{list}")),
                Follow::Foreign,
            ),
            (
                "https",
                json!(format!("https://127.0.0.1{list}")),
                Follow::Foreign,
            ),
            ("ftp", json!("ftp://127.0.0.1/x"), Follow::Foreign),
            ("javascript", json!("javascript:alert(1)"), Follow::Foreign),
            (
                "scheme-relative",
                json!(format!("//127.0.0.1:{fp}{list}")),
                Follow::Foreign,
            ),
            (
                "userinfo",
                json!(format!("http://u:p@127.0.0.1:PORT{list}?$skiptoken=2")),
                Follow::Unusable,
            ),
            (
                "very long",
                json!(format!("{list}?$skiptoken={}", "a".repeat(20_000))),
                Follow::Unusable,
            ),
            ("not a string", json!(42), Follow::AnswerError),
            ("another operation's URL", json!(OP), Follow::AnswerError),
        ]
    };
    for (name, link, expect) in cases {
        case(format!("@odata.nextLink {name}"));
        let link2 = link.clone();
        let server = Hostile::start(move |r, _| {
            let port = r
                .header("host")
                .and_then(|h| h.rsplit(':').next())
                .unwrap_or("0")
                .to_owned();
            if r.path().contains("operations(") {
                Reply::json(200, &json!({"id": "op1", "status": "succeeded"}))
            } else if r.query().is_some_and(|q| q.contains("skiptoken")) {
                Reply::json(200, &json!({"value": [{"id": "b"}]}))
            } else {
                let mut page = json!({"value": [{"id": "a"}]});
                if !link2.is_null() {
                    let l = match link2.as_str() {
                        Some(s) => json!(s.replace("PORT", &port)),
                        None => link2.clone(),
                    };
                    page["@odata.nextLink"] = l;
                }
                Reply::json(200, &page)
            }
        })
        .await;
        let result: graph_teams_admin::Result<Vec<_>> = bounded(
            name,
            client(&server.beta())
                .number_assignments(ListQuery::new())
                .try_collect(),
        )
        .await;
        match (expect, result) {
            (Follow::Ok, Ok(items)) => {
                let want = if link.is_null() { 1 } else { 2 };
                assert_eq!(items.len(), want, "{name}");
            }
            (
                Follow::Foreign,
                Err(Error::ForeignUrl {
                    what: "@odata.nextLink",
                    ..
                }),
            ) => {}
            (
                Follow::Unusable,
                Err(Error::UnusableUrl {
                    what: "@odata.nextLink",
                    ..
                }),
            ) => {}
            (Follow::AnswerError, Err(Error::Decode { .. })) => {}
            (expect, other) => panic!("{name}: expected {expect:?}, got {other:?}"),
        }
    }
    assert_eq!(foreign.count(), 0, "nothing reached another origin");
}

#[tokio::test]
async fn redirects_from_any_call_are_not_followed_and_loops_end() {
    let foreign = Hostile::always(Reply::json(200, &page_json())).await;
    let targets = [
        format!("http://127.0.0.1:{}/steal", foreign.port),
        format!("http://localhost:{}/steal", foreign.port),
    ];
    for code in [301u16, 302, 303, 307, 308] {
        for target in &targets {
            for call in ["list", "assign", "poll"] {
                case(format!("{code} redirect of {call} to {target}"));
                let t = target.clone();
                let server = Hostile::start(move |r, _| {
                    let host = r.header("host").unwrap_or_default().to_owned();
                    match (call, r.method.as_str()) {
                        ("poll", "POST") => Reply::raw_headers(
                            202,
                            &[("location", format!("http://{host}{OP}").as_bytes())],
                        ),
                        _ => Reply::raw_headers(code, &[("location", t.as_bytes())]),
                    }
                })
                .await;
                let c = client(&server.beta());
                let err = bounded(call, async {
                    match call {
                        "list" => first_page(&c).await.map(|_| ()),
                        "assign" => c.assign_number(assign_body()).await.map(|_| ()),
                        _ => c.assign_number(assign_body()).await?.await.map(|_| ()),
                    }
                })
                .await
                .unwrap_err();
                let g = err
                    .graph()
                    .unwrap_or_else(|| panic!("{code} {call}: {err}"));
                assert_eq!((g.status, g.code.as_str()), (code, "redirectNotFollowed"));
                assert!(err.to_string().contains("/steal"), "{err}");
            }
        }
    }
    case("redirect loop");
    let server = Hostile::start(|r, _| {
        let host = r.header("host").unwrap_or_default().to_owned();
        Reply::raw_headers(
            302,
            &[("location", format!("http://{host}{LIST}").as_bytes())],
        )
    })
    .await;
    let err = bounded("loop", first_page(&client(&server.beta())))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(302));
    assert_eq!(server.count(), 1, "a loop ends at its first hop");
    assert_eq!(foreign.count(), 0);
    assert_eq!(foreign.with_token(), 0, "no token reached another host");
}

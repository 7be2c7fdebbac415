//! Issue 10, item by item: each test here failed before its fix. (The
//! hostile-server suite, `tests/hostile`, tries the same classes with many
//! more adversarial values; the quickstart's case is `tests/quickstart.rs`.)

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::OffsetDateTime;
use futures::TryStreamExt;
use graph_teams_admin::{
    AssignNumberBody, Client, Error, ListQuery, LongRunningOperationStatus as S, NumberType,
    OperationRef, StaticTokenCredential,
};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{
    ASSIGN, LIST, OP, USER_ASSIGNMENTS, USERS, client, fast_poll, fast_retry, first_page,
};

fn body() -> AssignNumberBody {
    AssignNumberBody::new("+12065550100", "user-1", NumberType::DirectRouting)
}

fn throttled(status: u16, retry_after: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("Retry-After", retry_after)
        .set_body_json(json!({"error": {"code": "TooManyRequests", "message": "slow down"}}))
}

/// Item 1: a `Retry-After` no budget allows ends the call at once with the
/// answer, whatever its size; it used to panic in `Duration::from_secs_f64`.
#[tokio::test]
async fn item1_a_huge_retry_after_is_a_clear_error_within_the_budget_not_a_panic() {
    for (status, value) in [
        (429, "1e20"),
        (503, "1e308"),
        (429, "99999999999999999999999"),
        (503, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(LIST))
            .respond_with(throttled(status, value))
            .mount(&server)
            .await;
        let started = Instant::now();
        let err = first_page(&client(&server.uri())).await.unwrap_err();
        let g = err.graph().unwrap_or_else(|| panic!("{value}: {err}"));
        assert_eq!((g.status, g.attempts), (status, 1), "{value}");
        assert!(
            g.retry_after
                .is_some_and(|d| d >= Duration::from_secs(86_400 * 300))
        );
        assert!(started.elapsed() < Duration::from_secs(30), "no wait");
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

/// Item 2: an `OperationRef` read back from user storage with a non-ASCII
/// character after `%` used to panic in `operation_id()`.
#[test]
fn item2_a_stored_reference_with_non_ascii_after_percent_gives_an_id_not_a_panic() {
    let stored = r#""https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/operations('%aé%C3%A9')""#;
    let reference: OperationRef = serde_json::from_str(stored).unwrap();
    assert_eq!(reference.operation_id().as_deref(), Some("%aéé"));
}

/// Item 3: an id made only of non-ASCII whitespace is blank.
#[tokio::test]
async fn item3_an_id_of_unicode_whitespace_is_refused_before_sending() {
    let server = MockServer::start().await;
    let c = client(&server.uri());
    for blank in ["\u{a0}", "\u{3000}", "\u{2003}\u{2028}\u{a0}"] {
        let err = c.number_assignment(blank).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { argument: "id", .. }),
            "{blank:?}: {err}"
        );
        let err = c
            .assign_number(AssignNumberBody::new(
                "+12065550100",
                blank,
                NumberType::DirectRouting,
            ))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// Item 4: `http` is for loopback only; a token never travels in clear text
/// over a network.
#[tokio::test]
async fn item4_plain_http_is_refused_unless_the_host_is_loopback() {
    for far in [
        "http://graph.microsoft.com/beta",
        "http://10.0.0.5:8080/beta",
        "http://emulator:8080/beta",
        "http://localhost.example.com/beta",
        "http://127.0.0.1.nip.io/beta",
    ] {
        let err = Client::builder()
            .base_url(far)
            .token("t")
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    argument: "base_url",
                    ..
                }
            ) && err.to_string().contains("clear text"),
            "{far}: {err}"
        );
    }
    for near in [
        "http://127.0.0.1:1/beta",
        "http://127.5.6.7/beta",
        "http://localhost:8080/beta",
        "http://LOCALHOST/beta",
        "http://[::1]:8080/beta",
    ] {
        Client::builder()
            .base_url(near)
            .token("t")
            .build()
            .unwrap_or_else(|e| panic!("{near}: {e}"));
    }
    let err = Client::builder()
        .base_url("http://user:pw@127.0.0.1/beta")
        .token("t")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("credentials"), "{err}");
}

/// Hands out one token that is inside its refresh window (valid 2 more
/// minutes), then fails.
#[derive(Debug, Default)]
struct FailsAfterFirst {
    calls: AtomicU32,
    lifetime_secs: i64,
}

#[async_trait::async_trait]
impl TokenCredential for FailsAfterFirst {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            Ok(AccessToken::new(
                "still-valid",
                OffsetDateTime::now_utc() + azure_core::time::Duration::seconds(self.lifetime_secs),
            ))
        } else {
            Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                "AADSTS50058: the identity provider is down",
            ))
        }
    }
}

/// Item 5, first half: a refresh that fails while the cached token is still
/// valid keeps the token (as azure_core's bearer policy does); once it has
/// expired, the credential's error is the call's.
#[tokio::test]
async fn item5_a_failed_refresh_keeps_using_a_token_that_is_still_valid() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(header("authorization", "Bearer still-valid"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    let cred = Arc::new(FailsAfterFirst {
        lifetime_secs: 120,
        ..Default::default()
    });
    let c = Client::builder()
        .base_url(format!("{}/beta", server.uri()))
        .credential(cred.clone())
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    for _ in 0..3 {
        first_page(&c).await.unwrap();
    }
    assert_eq!(
        cred.calls.load(Ordering::SeqCst),
        2,
        "asked again once, then not for a while"
    );

    // A token that expired leaves nothing to fall back on.
    let expired = Arc::new(FailsAfterFirst {
        lifetime_secs: -10,
        ..Default::default()
    });
    let c = Client::builder()
        .base_url(format!("{}/beta", server.uri()))
        .credential(expired)
        .build()
        .unwrap();
    first_page(&c).await.unwrap();
    let err = first_page(&c).await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err}");
}

/// Item 5, second half: after a 401 the credential is asked again, but a
/// credential with its own cache (azure_identity's) hands back the rejected
/// token; it is not resent, and the 401 is the answer.
#[tokio::test]
async fn item5_a_401_is_not_answered_by_resending_the_same_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired"}}),
        ))
        .mount(&server)
        .await;
    let c = Client::builder()
        .base_url(format!("{}/beta", server.uri()))
        .credential(StaticTokenCredential::new("cached-by-the-credential"))
        .build()
        .unwrap();
    let err = first_page(&c).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "the same token is not sent twice"
    );
}

/// Item 5: a claims challenge cannot be met by an azure_core credential:
/// no retry, and the error says why.
#[tokio::test]
async fn item5_a_claims_challenge_is_reported_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header(
                    "WWW-Authenticate",
                    r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZX19fQ==""#,
                )
                .set_body_json(json!({"error": {"code": "InvalidAuthenticationToken", "message": "claims"}})),
        )
        .mount(&server)
        .await;
    let cred = crate::support::CountingCredential::new(Duration::ZERO, 3600);
    let c = Client::builder()
        .base_url(format!("{}/beta", server.uri()))
        .credential(cred.clone())
        .build()
        .unwrap();
    let err = first_page(&c).await.unwrap_err();
    let g = err.graph().unwrap();
    assert_eq!(
        g.claims_challenge.as_deref(),
        Some("eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZX19fQ==")
    );
    assert!(err.to_string().contains("claims"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(cred.calls(), 1);
}

/// Item 6: polling has a default deadline, and a status the service masks
/// (`unknownFutureValue`) or omits is polled on predictably up to it.
#[tokio::test]
async fn item6_polling_has_a_default_deadline_and_masked_statuses_end_there() {
    assert_eq!(
        graph_teams_admin::PollOptions::default().deadline,
        Some(Duration::from_secs(15 * 60))
    );
    for (op, expect) in [
        (
            json!({"id": "op1", "status": "unknownFutureValue"}),
            "masks",
        ),
        (json!({"id": "op1"}), "no status"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(ASSIGN))
            .respond_with(
                ResponseTemplate::new(202)
                    .insert_header("Location", format!("{}{OP}", server.uri())),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(OP))
            .respond_with(ResponseTemplate::new(200).set_body_json(op))
            .mount(&server)
            .await;
        let c = Client::builder()
            .base_url(format!("{}/beta", server.uri()))
            .token("t")
            .poll_options(fast_poll().with_deadline(Duration::from_millis(300)))
            .build()
            .unwrap();
        let err = c.assign_number(body()).await.unwrap().await.unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{err}");
        assert!(err.to_string().contains(expect), "{err}");
    }
}

/// Item 7: `Prefer: include-unknown-enum-members` by default (opt-out in
/// the builder), and `Preference-Applied` is read.
#[tokio::test]
async fn item7_unknown_enum_members_are_asked_for_by_default_and_the_answer_is_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(header("prefer", "include-unknown-enum-members"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Preference-Applied", "include-unknown-enum-members")
                .set_body_json(json!({"value": [{"id": "a", "numberType": "teamsPhoneMobile"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"value": [{"id": "a", "numberType": "unknownFutureValue"}]})),
        )
        .mount(&server)
        .await;
    let c = client(&server.uri());
    assert_eq!(c.unknown_enum_members_applied(), None);
    let items: Vec<_> = c
        .number_assignments(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        items[0].number_type,
        Some(NumberType::UnknownValue("teamsPhoneMobile".into()))
    );
    assert_eq!(c.unknown_enum_members_applied(), Some(true));

    let opted_out = Client::builder()
        .base_url(format!("{}/beta", server.uri()))
        .token("t")
        .include_unknown_enum_members(false)
        .build()
        .unwrap();
    let items: Vec<_> = opted_out
        .number_assignments(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items[0].number_type, Some(NumberType::UnknownFutureValue));
    assert_eq!(opted_out.unknown_enum_members_applied(), None);
    let prefers: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers.get_all("prefer").iter().count())
        .collect();
    assert_eq!(prefers, [1, 0]);
}

/// Item 8: the documented `{"value": {...}}` shape of single-entity GETs is
/// read inside; an answer with nothing of the entity is an error, never an
/// empty record.
#[tokio::test]
async fn item8_single_entity_gets_read_the_value_wrapper_or_fail_clearly() {
    let server = MockServer::start().await;
    let number = format!("{LIST}/n1");
    let user = format!("{USERS}/u1");
    Mock::given(method("GET"))
        .and(path(number.as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"value": {"id": "n1", "telephoneNumber": "+12065550100"}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(user.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"@odata.context": "x", "value": {"id": "u1", "userPrincipalName": "a@b"}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/empty")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"unexpected": {"x": 1}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{USER_ASSIGNMENTS}/a1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"value": {"id": "a1", "userId": "u1", "policyType": "TeamsMeetingPolicy"}}),
        ))
        .mount(&server)
        .await;
    let c = client(&server.uri());
    let a = c.policy_assignment("a1").await.unwrap();
    assert_eq!(a.user_id.as_deref(), Some("u1"));
    assert!(a.extra.is_empty());
    let n = c.number_assignment("n1").await.unwrap();
    assert_eq!(n.telephone_number.as_deref(), Some("+12065550100"));
    assert!(n.extra.is_empty());
    let u = c.user_configuration("u1").await.unwrap();
    assert_eq!(u.id.as_deref(), Some("u1"));
    let err = c.number_assignment("empty").await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert!(err.to_string().contains("numberAssignment"), "{err}");
}

/// Item 9: lists send only what the caller asked for and what the
/// collection documents; nextLinks are followed where the service pages.
#[tokio::test]
async fn item9_lists_send_only_the_options_asked_for_and_documented() {
    let server = MockServer::start().await;
    let next = format!("{}{USERS}?$skiptoken=p2", server.uri());
    Mock::given(method("GET"))
        .and(path(USERS))
        .and(query_param("$skiptoken", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"id": "u2"}]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(USERS))
        .and(query_param_is_missing("$skip"))
        .and(query_param_is_missing("$top"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"value": [{"id": "u1"}], "@odata.nextLink": next})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    let c = client(&server.uri());
    let users: Vec<_> = c
        .user_configurations(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 2);
    let _: Vec<_> = c
        .number_assignments(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    let sent: Vec<Request> = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 3);
    assert_eq!(
        sent[0].url.query(),
        None,
        "nothing the caller did not ask for"
    );
    assert_eq!(sent[2].url.query(), None);

    let before = sent.len();
    for query in [ListQuery::new().skip(10), ListQuery::new().count(true)] {
        let err = c
            .user_configurations(query)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { .. }) && err.to_string().contains("documents"),
            "{err}"
        );
    }
    assert_eq!(server.received_requests().await.unwrap().len(), before);
}

/// Found with item 10: a relative `Location` is resolved against the
/// request's URI (RFC 9110 §10.2.2), not the base URL.
#[tokio::test]
async fn a_relative_location_is_resolved_against_the_request_uri() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ASSIGN))
        .respond_with(ResponseTemplate::new(202).insert_header("Location", "../operations('op1')"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(OP))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "op1", "status": "succeeded"})),
        )
        .mount(&server)
        .await;
    let op = client(&server.uri()).assign_number(body()).await.unwrap();
    assert!(op.reference().url().ends_with(OP), "{}", op.reference());
    assert_eq!(op.await.unwrap().status, S::Succeeded);
}

/// Found with item 10: an empty `Location` is an error at once, not the
/// base URL polled until the deadline.
#[tokio::test]
async fn an_empty_location_is_an_error_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ASSIGN))
        .respond_with(ResponseTemplate::new(202).insert_header("Location", ""))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .assign_number(body())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnusableUrl {
                what: "Location",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("accepted"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// Found with item 10: redirects are not followed: a 307 would resend the
/// assign body to wherever it points.
#[tokio::test]
async fn redirects_are_not_followed_and_nothing_reaches_their_target() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    for code in [301, 302, 307, 308] {
        Mock::given(method("POST"))
            .and(path(ASSIGN))
            .respond_with(
                ResponseTemplate::new(code)
                    .insert_header("Location", format!("{}/steal", elsewhere.uri())),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        let err = client(&server.uri())
            .assign_number(body())
            .await
            .unwrap_err();
        let g = err.graph().unwrap_or_else(|| panic!("{code}: {err}"));
        assert_eq!((g.status, g.code.as_str()), (code, "redirectNotFollowed"));
        assert!(err.to_string().contains("/steal"), "{err}");
    }
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

/// Found with item 10: distinct nextLinks over identical pages end the
/// list instead of being followed forever.
#[tokio::test]
async fn distinct_next_links_over_identical_pages_end_the_list() {
    let server = MockServer::start().await;
    let counter = Arc::new(AtomicU32::new(0));
    let uri = server.uri();
    let c2 = counter.clone();
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(move |_: &Request| {
            let n = c2.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(json!({
                "value": [{"id": "same"}],
                "@odata.nextLink": format!("{uri}{LIST}?$skiptoken={n}")
            }))
        })
        .mount(&server)
        .await;
    let items: Vec<_> = tokio::time::timeout(
        Duration::from_secs(30),
        client(&server.uri())
            .number_assignments(ListQuery::new())
            .try_collect(),
    )
    .await
    .expect("the list ends")
    .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(counter.load(Ordering::SeqCst), 2);
}

/// Found with item 10: a server's error message is shown bounded and with
/// control characters escaped (raw bodies already were).
#[tokio::test]
async fn a_servers_error_message_is_bounded_and_escaped() {
    let server = MockServer::start().await;
    let message = format!(
        "\u{1b}]0;pwned\u{7}\u{1b}[2J{}\u{202e}",
        "x".repeat(3_000_000)
    );
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!({"error": {"code": "Bad\u{1b}[31mRequest", "message": message}}),
            ),
        )
        .mount(&server)
        .await;
    let err = first_page(&client(&server.uri())).await.unwrap_err();
    let text = err.to_string();
    assert!(text.len() < 8 * 1024, "{} bytes", text.len());
    assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
    assert!(!text.contains('\u{202e}'));
    assert!(text.contains("\\u{1b}"), "{text:?}");
    assert!(err.graph().unwrap().message.len() < 4096);
}

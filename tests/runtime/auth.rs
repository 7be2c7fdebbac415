//! Tokens: scope, caching until 5 minutes before expiry, single-flight
//! refresh, 401 → refresh once, credential failures, headers.

use std::sync::Arc;
use std::time::Duration;

use graph_teams_admin::{Client, Error};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{CountingCredential, FailingCredential, LIST, fast_retry, first_page};

fn ok_page() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"value": []}))
}

fn client_with(
    server: &MockServer,
    cred: Arc<dyn azure_core::credentials::TokenCredential>,
) -> Client {
    Client::builder()
        .base_url(format!("{}/beta", server.uri()))
        .credential(cred)
        .retry_policy(fast_retry())
        .build()
        .unwrap()
}

#[tokio::test]
async fn bearer_token_user_agent_and_scope() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(ok_page())
        .mount(&server)
        .await;
    let cred = CountingCredential::new(Duration::ZERO, 3600);
    first_page(&client_with(&server, cred.clone()))
        .await
        .unwrap();
    let req = &server.received_requests().await.unwrap()[0];
    let ua = req.headers.get("user-agent").unwrap().to_str().unwrap();
    assert_eq!(ua, concat!("graph-teams-admin/", env!("CARGO_PKG_VERSION")));
    assert!(
        req.headers.get("api-version").is_none(),
        "progenitor's api-version header is removed"
    );
    assert_eq!(
        *cred.scopes.lock().unwrap(),
        [format!("{}/.default", server.uri())]
    );
}

#[cfg(any(feature = "rustls", feature = "rustls-aws-lc", feature = "native-tls"))]
#[tokio::test]
async fn the_scope_follows_the_graph_origin() {
    let cred = CountingCredential::new(Duration::ZERO, 3600);
    let c = Client::builder().credential(cred.clone()).build().unwrap();
    assert_eq!(c.base_url(), "https://graph.microsoft.com/beta");
    let v1 = Client::builder().v1().credential(cred).build().unwrap();
    assert_eq!(v1.base_url(), "https://graph.microsoft.com/v1.0");
}

#[cfg(not(any(feature = "rustls", feature = "rustls-aws-lc", feature = "native-tls")))]
#[tokio::test]
async fn without_a_tls_feature_https_is_refused_with_the_features_named() {
    let cred = CountingCredential::new(Duration::ZERO, 3600);
    let err = Client::builder().credential(cred).build().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("needs TLS") && text.contains("`rustls`"),
        "{text}"
    );
}

#[tokio::test]
async fn a_token_is_reused_until_five_minutes_before_expiry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ok_page())
        .mount(&server)
        .await;
    let long = CountingCredential::new(Duration::ZERO, 3600);
    let c = client_with(&server, long.clone());
    for _ in 0..5 {
        first_page(&c).await.unwrap();
    }
    assert_eq!(long.calls(), 1);
    // A token with 4 minutes left is already due for refresh.
    let short = CountingCredential::new(Duration::ZERO, 240);
    let c = client_with(&server, short.clone());
    for _ in 0..3 {
        first_page(&c).await.unwrap();
    }
    assert_eq!(short.calls(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_calls_share_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ok_page())
        .mount(&server)
        .await;
    let cred = CountingCredential::new(Duration::from_millis(200), 3600);
    let c = client_with(&server, cred.clone());
    let calls = (0..50).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { first_page(&c).await })
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap().unwrap();
    }
    assert_eq!(cred.calls(), 1, "single-flight refresh");
    assert_eq!(server.received_requests().await.unwrap().len(), 50);
}

#[tokio::test]
async fn a_401_drops_the_token_and_retries_once_with_a_fresh_one() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired."}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(header("authorization", "Bearer token-2"))
        .respond_with(ok_page())
        .mount(&server)
        .await;
    let cred = CountingCredential::new(Duration::ZERO, 3600);
    let c = client_with(&server, cred.clone());
    first_page(&c).await.unwrap();
    assert_eq!(cred.calls(), 2);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].headers.get("client-request-id"),
        reqs[1].headers.get("client-request-id")
    );
    // The fresh token is cached for the next call.
    first_page(&c).await.unwrap();
    assert_eq!(cred.calls(), 2);
}

#[tokio::test]
async fn a_second_401_is_returned_as_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(401).insert_header("request-id", "r-401").set_body_json(json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token validation failure."}})))
        .mount(&server)
        .await;
    let cred = CountingCredential::new(Duration::ZERO, 3600);
    let err = first_page(&client_with(&server, cred.clone()))
        .await
        .unwrap_err();
    let g = err.graph().expect("Graph's 401");
    assert_eq!(
        (g.status, g.code.as_str()),
        (401, "InvalidAuthenticationToken")
    );
    assert_eq!(err.request_id(), Some("r-401"));
    assert_eq!(cred.calls(), 2, "refreshed once, not in a loop");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_failing_credential_is_an_auth_error_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let err = first_page(&client_with(&server, Arc::new(FailingCredential)))
        .await
        .unwrap_err();
    match &err {
        Error::Auth {
            source,
            client_request_id,
            ..
        } => {
            assert!(source.to_string().contains("AADSTS7000215"));
            assert!(client_request_id.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(
        std::error::Error::source(&err).is_some(),
        "the credential's error is the source"
    );
    assert!(err.to_string().contains("could not get a token"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_generated_client_used_directly_goes_through_the_same_pipeline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(ok_page())
        .mount(&server)
        .await;
    let c = client_with(&server, CountingCredential::new(Duration::ZERO, 3600));
    let page = c
        .generated()
        .list_number_assignments()
        .top(5u64)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.value, Some(vec![]));
    let req = &server.received_requests().await.unwrap()[0];
    assert!(req.headers.get("client-request-id").is_some());
}

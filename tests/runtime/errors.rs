//! What failures look like: Graph errors with their ids, JSON inside
//! `message`, bodies that are not Graph's, decode errors, rejected input,
//! national clouds, and no secrets anywhere.

use std::time::Duration;

use graph_teams_admin::{
    AssignNumberBody, Client, Error, Nullable, NumberType, TeamsPolicyUserAssignment,
    UpdateNumberBody,
};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{CountingCredential, LIST, client, first_page};

#[tokio::test]
async fn graph_errors_carry_every_id_and_the_nested_teams_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(403).insert_header("request-id", "4f2e1c3d-req").set_body_json(json!({
            "error": {
                "code": "UnknownError",
                "message": "{\"code\":\"Forbidden\",\"message\":\"Access Denied.\"}",
                "innerError": {"date": "2024-11-04T21:55:49", "request-id": "4f2e1c3d-req", "client-request-id": "ignored-when-header-present"}
            }
        })))
        .mount(&server)
        .await;
    let err = first_page(&client(&server.uri())).await.unwrap_err();
    let g = err.graph().unwrap();
    assert_eq!((g.status, g.code.as_str()), (403, "UnknownError"));
    assert_eq!(
        (g.inner_code.as_deref(), g.inner_message.as_deref()),
        (Some("Forbidden"), Some("Access Denied."))
    );
    assert_eq!(err.request_id(), Some("4f2e1c3d-req"));
    assert_eq!(g.date.as_deref(), Some("2024-11-04T21:55:49"));
    let sent = server.received_requests().await.unwrap()[0]
        .headers
        .get("client-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        err.client_request_id(),
        Some(sent.as_str()),
        "the id we sent, since the service did not echo it"
    );
    let shown = err.to_string();
    assert!(shown.starts_with("list_number_assignments: Graph answered HTTP 403 Forbidden: UnknownError (Forbidden: Access Denied.)"), "{shown}");
    assert!(
        shown.contains("request-id 4f2e1c3d-req")
            && shown.contains(&sent)
            && shown.contains("2024-11-04T21:55:49"),
        "{shown}"
    );
}

#[tokio::test]
async fn an_error_body_that_is_not_graphs_is_kept_bounded() {
    let server = MockServer::start().await;
    let html = format!("<html><body>Bad Gateway{}</body></html>", "x".repeat(2000));
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(502).set_body_string(html))
        .mount(&server)
        .await;
    let err = first_page(&client(&server.uri())).await.unwrap_err();
    let g = err.graph().unwrap();
    assert_eq!(g.status, 502);
    let raw = g.raw_body.as_deref().unwrap();
    assert!(
        raw.starts_with("<html><body>Bad Gateway") && raw.len() < 700,
        "{raw}"
    );
    assert!(err.client_request_id().is_some());
}

#[tokio::test]
async fn a_success_body_that_does_not_parse_is_a_decode_error_with_a_snippet() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"value\": [{\"id\": \"n1\", "))
        .mount(&server)
        .await;
    let err = first_page(&client(&server.uri())).await.unwrap_err();
    match &err {
        Error::Decode {
            status, snippet, ..
        } => {
            assert_eq!(*status, 200);
            assert!(snippet.contains("\"id\": \"n1\""));
        }
        other => panic!("{other}"),
    }
    assert!(err.client_request_id().is_some());
}

#[tokio::test]
async fn bad_arguments_are_rejected_before_any_request() {
    let server = MockServer::start().await;
    let c = client(&server.uri());
    let bad_number = c
        .assign_number(AssignNumberBody::new(
            "+1 206 555 0100",
            "user",
            NumberType::DirectRouting,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            bad_number,
            Error::InvalidInput {
                argument: "telephoneNumber",
                ..
            }
        ),
        "{bad_number}"
    );
    assert!(
        bad_number.to_string().contains("\"+1 206 555 0100\""),
        "{bad_number}"
    );
    let empty_target = c
        .assign_number(AssignNumberBody::new(
            "+12065550100",
            " ",
            NumberType::DirectRouting,
        ))
        .await
        .unwrap_err();
    assert!(matches!(
        empty_target,
        Error::InvalidInput {
            argument: "assignmentTargetId",
            ..
        }
    ));
    assert!(
        c.update_number(UpdateNumberBody::new("12345"))
            .await
            .is_err()
    );
    assert!(c.number_assignment("").await.is_err());
    assert!(c.operation("").is_err());
    assert!(c.policy_ids("TeamsMeetingPolicy", "").await.is_err());
    assert!(c.assign_policy(vec![]).await.is_err());
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was sent"
    );
}

#[tokio::test]
async fn base_urls_are_checked() {
    let cred = CountingCredential::new(Duration::ZERO, 3600);
    let gov = Client::builder()
        .base_url("https://graph.microsoft.us/v1.0")
        .credential(cred.clone())
        .build()
        .unwrap_err();
    assert!(matches!(gov, Error::UnsupportedCloud { .. }));
    assert!(
        gov.to_string()
            .contains("global service (graph.microsoft.com) only"),
        "{gov}"
    );
    assert!(
        Client::builder()
            .base_url("not a url")
            .credential(cred.clone())
            .build()
            .is_err()
    );
    assert!(
        Client::builder()
            .base_url("ftp://graph.microsoft.com/beta")
            .credential(cred)
            .build()
            .is_err()
    );
    assert!(matches!(
        Client::builder().build(),
        Err(Error::InvalidInput {
            argument: "credential",
            ..
        })
    ));
}

#[tokio::test]
async fn synchronous_actions_send_the_body_and_accept_any_2xx() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "{LIST}/microsoft.graph.teamsAdministration.updateNumber"
        )))
        .and(body_json(
            json!({"telephoneNumber": "+12065550100", "locationId": "", "networkSiteId": null}),
        ))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/beta/admin/teams/policy/userAssignments/microsoft.graph.teamsAdministration.assign",
        ))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/beta/admin/teams/policy/microsoft.graph.teamsAdministration.getPolicyId(type='TeamsMeetingPolicy',name='AllOn')"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"name": "Tag:AllOn", "policyId": "p-1"}]})))
        .mount(&server)
        .await;
    let c = client(&server.uri());
    c.update_number(
        UpdateNumberBody::new("+12065550100")
            .location_id("")
            .network_site_id(Nullable::Null),
    )
    .await
    .unwrap();
    let ids = c.policy_ids("TeamsMeetingPolicy", "AllOn").await.unwrap();
    assert_eq!(ids[0].policy_id.as_deref(), Some("p-1"));
    let assignment = TeamsPolicyUserAssignment::builder()
        .user_id(Some("u-1".to_string()))
        .policy_type(Some("TeamsMeetingPolicy".to_string()))
        .policy_id(Some("p-1".to_string()));
    c.assign_policy(vec![assignment.try_into().unwrap()])
        .await
        .unwrap();
}

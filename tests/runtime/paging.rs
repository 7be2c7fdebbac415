//! Lists: $skip paging to a short page, nextLink paging, repeated nextLinks,
//! foreign nextLinks, and query options on the wire.

use futures::{StreamExt, TryStreamExt};
use graph_teams_admin::{Error, Filter, ListQuery, NumberCapability, NumberType};
use serde_json::json;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{LIST, USER_ASSIGNMENTS, client};

fn numbers(from: usize, n: usize) -> Vec<serde_json::Value> {
    (from..from + n)
        .map(|i| json!({"id": format!("n{i}"), "telephoneNumber": format!("+1425555{i:04}")}))
        .collect()
}

/// Mounts pages of 2, 2 and 1 items at `list`, for `$top=2` and `$skip`.
async fn skip_pages(server: &MockServer, list: &str) {
    // The first page carries only what the caller asked for: no `$skip=0`.
    Mock::given(method("GET"))
        .and(path(list))
        .and(query_param_is_missing("$skip"))
        .and(query_param("$top", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": numbers(0, 2)})))
        .mount(server)
        .await;
    for (skip, n) in [(2, 2), (4, 1)] {
        Mock::given(method("GET"))
            .and(path(list))
            .and(query_param("$skip", skip.to_string()))
            .and(query_param("$top", "2"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"value": numbers(skip, n)})),
            )
            .mount(server)
            .await;
    }
}

#[tokio::test]
async fn skip_paging_runs_until_a_short_page() {
    let server = MockServer::start().await;
    skip_pages(&server, LIST).await;
    let items: Vec<_> = client(&server.uri())
        .number_assignments(ListQuery::new().top(2))
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = items.iter().map(|n| n.id.clone().unwrap()).collect();
    assert_eq!(ids, ["n0", "n1", "n2", "n3", "n4"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

/// Policy assignments page by `$skip` too when the service sends no
/// `nextLink`.
#[tokio::test]
async fn policy_assignments_page_by_skip_too() {
    let server = MockServer::start().await;
    skip_pages(&server, USER_ASSIGNMENTS).await;
    let items: Vec<_> = client(&server.uri())
        .policy_assignments(ListQuery::new().top(2))
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = items.iter().map(|a| a.id.clone().unwrap()).collect();
    assert_eq!(ids, ["n0", "n1", "n2", "n3", "n4"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn next_links_are_followed_with_auth() {
    let server = MockServer::start().await;
    let next = format!("{}{LIST}?$skiptoken=abc", server.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("$skiptoken", "abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": numbers(2, 1)})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"value": numbers(0, 2), "@odata.nextLink": next, "@odata.count": 3}),
        ))
        .mount(&server)
        .await;
    let pages: Vec<_> = client(&server.uri())
        .number_assignments(ListQuery::new().count(true))
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].count, Some(3));
    assert_eq!(pages[0].next_link.as_deref(), Some(next.as_str()));
    assert_eq!(pages[1].items[0].id.as_deref(), Some("n2"));
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[1].headers.get("authorization").is_some());
    assert_eq!(
        reqs[1].url.query(),
        Some("$skiptoken=abc"),
        "the nextLink is followed verbatim"
    );
}

#[tokio::test]
async fn a_repeated_next_link_ends_the_list() {
    let server = MockServer::start().await;
    let next = format!("{}{LIST}?$skiptoken=same", server.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("$skiptoken", "same"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"value": numbers(2, 2), "@odata.nextLink": next})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"value": numbers(0, 2), "@odata.nextLink": next})),
        )
        .mount(&server)
        .await;
    let items: Vec<_> = client(&server.uri())
        .number_assignments(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        items.len(),
        4,
        "the first page and the linked page, then stop"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_service_ignoring_skip_does_not_loop() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": numbers(0, 2)})))
        .mount(&server)
        .await;
    let items: Vec<_> = client(&server.uri())
        .number_assignments(ListQuery::new().top(2))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_foreign_next_link_is_an_error_after_the_items_already_read() {
    let server = MockServer::start().await;
    let foreign = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": numbers(0, 2), "@odata.nextLink": format!("{}{LIST}?$skiptoken=x", foreign.uri())})))
        .mount(&server)
        .await;
    let mut pager = client(&server.uri()).number_assignments(ListQuery::new());
    // The page's items are not lost: the error comes where the next page would.
    let mut ok = 0;
    let mut err = None;
    while let Some(item) = pager.next().await {
        match item {
            Ok(_) => ok += 1,
            Err(e) => err = Some(e),
        }
    }
    // The foreign link is checked before the page is handed out.
    assert!(
        matches!(
            err,
            Some(Error::ForeignUrl {
                what: "@odata.nextLink",
                ..
            })
        ),
        "{err:?}"
    );
    assert!(ok == 0 || ok == 2);
    assert!(foreign.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn query_options_go_on_the_wire_as_odata_wants() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;
    let filter = Filter::telephone_number("+12065550100")
        .and(Filter::number_type(NumberType::DirectRouting))
        .and(Filter::capability(NumberCapability::UserAssignment));
    let query = ListQuery::new()
        .filter(&filter)
        .select(["telephoneNumber", "numberType"])
        .orderby(["telephoneNumber"])
        .top(50);
    let _: Vec<_> = client(&server.uri())
        .number_assignments(query)
        .try_collect()
        .await
        .unwrap();
    let req = &server.received_requests().await.unwrap()[0];
    let raw = req.url.query().unwrap().to_owned();
    assert_eq!(raw.matches("%24select=").count(), 1, "{raw}");
    assert!(
        raw.contains("%24select=telephoneNumber%2CnumberType"),
        "{raw}"
    );
    assert!(
        raw.contains("%2B12065550100"),
        "the + of the number is percent-encoded: {raw}"
    );
    let decoded: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
    assert!(decoded.contains(&("$filter".into(), "telephoneNumber eq '+12065550100' and numberType eq 'directRouting' and capabilities/any(c:c eq 'userAssignment')".into())));
    assert!(decoded.contains(&("$top".into(), "50".into())));
}

#[tokio::test]
async fn count_reads_the_plain_text_number() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/$count")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/plain")
                .set_body_string("42"),
        )
        .mount(&server)
        .await;
    let n = client(&server.uri())
        .count_number_assignments(Some(Filter::number_type(NumberType::CallingPlan)))
        .await
        .unwrap();
    assert_eq!(n, 42);
}

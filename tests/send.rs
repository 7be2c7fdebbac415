//! Compile-time checks: every public future and stream of the SDK is `Send`
//! (so it can be spawned on a multi-threaded runtime), and the shared types
//! are `Send + Sync`. Nothing here runs a request: the futures are built
//! and dropped, which is where a non-`Send` type would fail to compile.

use std::future::{Future, IntoFuture};

use futures::Stream;
use graph_teams_admin::{
    AssignNumberBody, Client, Error, Filter, ListQuery, NumberType, Operation, OperationRef, Pager,
    TeamsPolicyUserAssignment, UnassignNumberBody, UpdateNumberBody,
};

fn future<F: Future + Send>(_: F) {}
fn stream<S: Stream + Send>(_: &S) {}
fn shared<T: Send + Sync + 'static>() {}
fn send<T: Send + 'static>() {}

fn client() -> Client {
    Client::builder()
        .base_url("http://127.0.0.1:9/beta")
        .token("t")
        .build()
        .unwrap()
}

#[test]
fn shared_types_are_send_and_sync() {
    shared::<Client>();
    shared::<Error>();
    shared::<OperationRef>();
    // Operations and pagers own their poll or page stream: `Send`, not `Sync`.
    send::<Operation>();
    send::<Pager<graph_teams_admin::NumberAssignment>>();
}

#[test]
fn every_client_future_is_send() {
    let c = client();
    future(c.assign_number(AssignNumberBody::new("+1", "u", NumberType::DirectRouting)));
    future(c.unassign_number(UnassignNumberBody::new("+1", NumberType::DirectRouting)));
    future(c.update_number(UpdateNumberBody::new("+1")));
    future(c.number_assignment("id"));
    future(c.count_number_assignments(None));
    future(c.count_number_assignments(Some(Filter::raw("x"))));
    future(c.user_configuration("id"));
    future(c.policy_assignment("id"));
    future(c.policy_assignments(ListQuery::new()).collect_all());
    future(c.user_id("adele.vance@contoso.onmicrosoft.com"));
    future(c.policy_ids("TeamsMeetingPolicy", "AllOn"));
    future(c.assign_policy(Vec::<TeamsPolicyUserAssignment>::new()));
    future(c.unassign_policy(Vec::<TeamsPolicyUserAssignment>::new()));
    future(c.number_assignments(ListQuery::new()).collect_all());
}

#[test]
fn operations_and_pagers_are_send_streams_and_futures() {
    let c = client();
    let op = c.operation("some-id").unwrap();
    stream(&op);
    future(op.status());
    future(c.operation("some-id").unwrap().wait());
    future(c.operation("some-id").unwrap().into_future());
    let pager = c.number_assignments(ListQuery::new());
    stream(&pager);
    stream(&c.operations(ListQuery::new()));
    stream(&c.user_configurations(ListQuery::new()));
    let pages = c.number_assignments(ListQuery::new()).pages();
    stream(&pages);
}

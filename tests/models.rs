//! Models and bodies against payloads shaped like the documented examples:
//! annotations, unknown fields and nulls are tolerated and nothing the
//! service sent is lost.

use graph_teams_admin::generated::types::{
    GetPolicyIdResponse, NumberAssignmentCollectionResponse,
};
use graph_teams_admin::*;
use serde_json::{Value, json};

#[test]
fn number_assignment_list_page() {
    let page = json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#admin/teams/telephoneNumberManagement/numberAssignments",
        "@odata.nextLink": "https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/numberAssignments?$skiptoken=abc",
        "value": [
            {
                "id": "MTIzNGFiY2R8KzEyMDY1NTUwMTAw",
                "telephoneNumber": "+12065550100",
                "operatorId": "a7c1b2d3-0000-4e5f-8a9b-1c2d3e4f5a6b",
                "numberType": "directRouting",
                "activationState": "activated",
                "assignmentTargetId": null,
                "assignmentCategory": null,
                "assignmentStatus": "unassigned",
                "capabilities": ["userAssignment", "conferenceAssignment"],
                "city": null,
                "civicAddressId": null,
                "isoCountryCode": null,
                "locationId": null,
                "networkSiteId": null,
                "numberSource": "online",
                "portInStatus": null,
                "supportedCustomerActions": ["locationUpdate", "release"],
                "reverseNumberLookupOptions": []
            },
            {
                "@odata.type": "#microsoft.graph.teamsAdministration.numberAssignment",
                "@odata.etag": "W/\"1\"",
                "id": "NTY3OGVmZ2h8KzQ0MjA3OTQ2MDAwMA",
                "telephoneNumber": "+442079460000",
                "numberType": "callingPlan",
                "activationState": "assignmentPending",
                "assignmentTargetId": "5f5b6d2e-1111-4a2b-9c3d-4e5f6a7b8c9d",
                "assignmentCategory": "primary",
                "assignmentStatus": "userAssigned",
                "capabilities": null,
                "featureAddedLater": {"nested": true}
            }
        ]
    });
    let parsed: NumberAssignmentCollectionResponse = serde_json::from_value(page.clone()).unwrap();
    assert_eq!(
        parsed.odata_next_link.as_deref(),
        Some(
            "https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/numberAssignments?$skiptoken=abc"
        )
    );
    assert_eq!(parsed.extra["@odata.context"], page["@odata.context"]);
    let items = parsed.value.as_ref().unwrap();
    let first = &items[0];
    assert_eq!(first.telephone_number.as_deref(), Some("+12065550100"));
    assert_eq!(first.number_type, Some(NumberType::DirectRouting));
    assert_eq!(first.assignment_status, Some(AssignmentStatus::Unassigned));
    assert_eq!(first.assignment_category, None);
    assert_eq!(first.number_source, Some(NumberSource::Online));
    assert_eq!(
        first.reverse_number_lookup_options.as_deref(),
        Some(&[][..])
    );
    let second = &items[1];
    assert_eq!(
        second.activation_state,
        Some(ActivationState::AssignmentPending)
    );
    assert_eq!(
        second.assignment_category,
        Some(AssignmentCategory::Primary)
    );
    assert_eq!(second.capabilities, None, "a null collection is tolerated");
    assert_eq!(second.extra["@odata.etag"], json!("W/\"1\""));
    assert_eq!(second.extra["featureAddedLater"], json!({"nested": true}));

    // Nothing is lost on the way back out.
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(
        back["value"][1]["featureAddedLater"],
        json!({"nested": true})
    );
    assert_eq!(back["value"][1]["@odata.etag"], json!("W/\"1\""));
    assert_eq!(back["@odata.context"], page["@odata.context"]);
}

#[test]
fn succeeded_operation() {
    let op: TelephoneNumberLongRunningOperation = serde_json::from_value(json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#admin/teams/telephoneNumberManagement/operations/$entity",
        "id": "QXNzaWdubWVudHw5ZTRkZjM2Yi0wMDAwLTRmMjEtYTFhMi0xYjJjM2Q0ZTVmNmE",
        "createdDateTime": "2025-02-03T22:03:26Z",
        "status": "succeeded",
        "numbers": [
            {
                "resourceLocation": "https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/numberAssignments/MTIzNGFiY2R8KzEyMDY1NTUwMTAw",
                "status": "succeeded",
                "statusDetail": null
            }
        ]
    }))
    .unwrap();
    assert_eq!(op.status, Some(LongRunningOperationStatus::Succeeded));
    assert_eq!(
        op.created_date_time.as_deref(),
        Some("2025-02-03T22:03:26Z")
    );
    let numbers = op.numbers.unwrap();
    assert_eq!(
        numbers[0].status,
        Some(LongRunningOperationStatus::Succeeded)
    );
    assert_eq!(numbers[0].status_detail, None);
}

#[test]
fn failed_operation_keeps_per_number_detail_and_unknown_statuses() {
    let op: TelephoneNumberLongRunningOperation = serde_json::from_value(json!({
        "id": "VW5hc3NpZ25tZW50fDEyMw",
        "createdDateTime": "2025-02-03T22:03:26.1234567Z",
        "status": "partiallySucceeded",
        "numbers": [
            {"resourceLocation": "https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement/numberAssignments/a", "status": "failed", "statusDetail": "The number is already assigned to another user."},
            {"resourceLocation": null, "status": "skipped", "statusDetail": "Not in the tenant's inventory."}
        ]
    }))
    .unwrap();
    assert_eq!(
        op.status,
        Some(LongRunningOperationStatus::UnknownValue(
            "partiallySucceeded".into()
        ))
    );
    let n = op.numbers.unwrap();
    assert_eq!(n[0].status, Some(LongRunningOperationStatus::Failed));
    assert_eq!(
        n[0].status_detail.as_deref(),
        Some("The number is already assigned to another user.")
    );
    assert_eq!(n[1].status, Some(LongRunningOperationStatus::Skipped));
}

#[test]
fn user_configuration() {
    let cfg: TeamsUserConfiguration = serde_json::from_value(json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#admin/teams/userConfigurations/$entity",
        "id": "0f5a8c3e-2222-4d1e-9b8a-7c6d5e4f3a2b",
        "tenantId": "8e7d6c5b-3333-4a3b-8c7d-6e5f4a3b2c1d",
        "userPrincipalName": "adele@contoso.example",
        "accountType": "user",
        "isEnterpriseVoiceEnabled": true,
        "createdDateTime": "2024-01-24T11:02:45Z",
        "modifiedDateTime": "2024-07-01T08:30:00.5Z",
        "featureTypes": ["Teams", "AudioConferencing", "PhoneSystem"],
        "telephoneNumbers": [{"telephoneNumber": "+12065550123", "assignmentCategory": "primary"}],
        "effectivePolicyAssignments": [
            {"policyType": "TeamsMeetingPolicy", "policyAssignment": {"displayName": "AllOn", "assignmentType": "direct", "policyId": "a1b2c3", "groupId": null}},
            {"policyType": "TeamsCallingPolicy", "policyAssignment": {"displayName": "Global", "assignmentType": "group", "policyId": "d4e5f6", "groupId": "9a8b7c6d"}}
        ]
    }))
    .unwrap();
    assert_eq!(cfg.account_type, Some(AccountType::User));
    assert_eq!(cfg.is_enterprise_voice_enabled, Some(true));
    assert_eq!(
        cfg.created_date_time.unwrap().to_rfc3339(),
        "2024-01-24T11:02:45+00:00"
    );
    let numbers = cfg.telephone_numbers.unwrap();
    assert_eq!(
        numbers[0].assignment_category,
        Some(AssignmentCategory::Primary)
    );
    let policies = cfg.effective_policy_assignments.unwrap();
    let group = policies[1].policy_assignment.as_ref().unwrap();
    assert_eq!(group.assignment_type, Some(AssignmentType::Group));
    assert_eq!(group.group_id.as_deref(), Some("9a8b7c6d"));
}

#[test]
fn get_policy_id_result() {
    let r: GetPolicyIdResponse = serde_json::from_value(json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#Collection(microsoft.graph.teamsAdministration.policyIdentifierDetail)",
        "value": [{"name": "Tag:AllOn", "policyId": "TWVldGluZ3xBbGxPbg"}]
    }))
    .unwrap();
    let v = r.value.unwrap();
    assert_eq!(v[0].name.as_deref(), Some("Tag:AllOn"));
    assert_eq!(v[0].policy_id.as_deref(), Some("TWVldGluZ3xBbGxPbg"));
}

#[test]
fn odata_error_with_inner_error_date_without_offset() {
    let e: ODataError = serde_json::from_value(json!({
        "error": {
            "code": "UnknownError",
            "message": "{\"code\":\"Forbidden\",\"message\":\"Access Denied.\"}",
            "innerError": {
                "date": "2020-11-04T21:55:49",
                "request-id": "4f2e1c3d-4444-4b5a-9c8d-7e6f5a4b3c2d",
                "client-request-id": "1a2b3c4d-5555-4e6f-8a9b-0c1d2e3f4a5b"
            }
        }
    }))
    .unwrap();
    assert_eq!(e.error.code, "UnknownError");
    let inner = e.error.inner_error.unwrap();
    assert_eq!(inner.date.as_deref(), Some("2020-11-04T21:55:49"));
    assert_eq!(
        inner.request_id.as_deref(),
        Some("4f2e1c3d-4444-4b5a-9c8d-7e6f5a4b3c2d")
    );
    assert_eq!(
        inner.client_request_id.as_deref(),
        Some("1a2b3c4d-5555-4e6f-8a9b-0c1d2e3f4a5b")
    );
}

fn body_json<T: serde::Serialize>(body: &T) -> Value {
    serde_json::to_value(body).unwrap()
}

#[test]
fn update_number_sends_each_of_the_three_states() {
    // Left out: keeps the current value.
    let keep = UpdateNumberBody::new("+12065550100");
    assert_eq!(body_json(&keep), json!({"telephoneNumber": "+12065550100"}));

    // Explicit null: also keeps, but is on the wire.
    let null = UpdateNumberBody::new("+12065550100")
        .location_id(Nullable::Null)
        .network_site_id(None::<String>);
    assert_eq!(
        body_json(&null),
        json!({"telephoneNumber": "+12065550100", "locationId": null, "networkSiteId": null})
    );

    // Empty string: clears.
    let clear = UpdateNumberBody::new("+12065550100")
        .location_id("")
        .network_site_id("site-7");
    assert_eq!(
        body_json(&clear),
        json!({"telephoneNumber": "+12065550100", "locationId": "", "networkSiteId": "site-7"})
    );

    // And the three states survive a round trip (the emulator parses bodies).
    for body in [keep, null, clear] {
        let back: UpdateNumberBody = serde_json::from_value(body_json(&body)).unwrap();
        assert_eq!(back, body);
    }
}

#[test]
fn assign_number_body_has_required_fields_first_class() {
    let body = AssignNumberBody::new(
        "+12065550100",
        "5f5b6d2e-1111-4a2b-9c3d-4e5f6a7b8c9d",
        NumberType::DirectRouting,
    )
    .assignment_category(AssignmentCategory::Primary);
    assert_eq!(
        body_json(&body),
        json!({
            "telephoneNumber": "+12065550100",
            "assignmentTargetId": "5f5b6d2e-1111-4a2b-9c3d-4e5f6a7b8c9d",
            "numberType": "directRouting",
            "assignmentCategory": "primary"
        })
    );
    let unassign = UnassignNumberBody::new("+12065550100", NumberType::CallingPlan);
    assert_eq!(
        body_json(&unassign),
        json!({"telephoneNumber": "+12065550100", "numberType": "callingPlan"})
    );
}

#[test]
fn models_are_built_outside_the_crate_from_default_or_the_builder() {
    // Models are #[non_exhaustive]: no struct literals, but `Default` where
    // every field has one, with the description's defaults.
    let mut number = NumberAssignment::default();
    number.telephone_number = Some("+12065550100".into());
    number.number_type = Some(NumberType::DirectRouting);
    assert_eq!(
        number.odata_type,
        "#microsoft.graph.teamsAdministration.numberAssignment"
    );
    let built: NumberAssignment = NumberAssignment::builder()
        .telephone_number("+12065550100".to_string())
        .number_type(NumberType::DirectRouting)
        .try_into()
        .unwrap();
    assert_eq!(built, number);
    // A model with required fields has only the builder.
    let error: Result<ODataError, _> = ODataError::builder().try_into();
    assert!(error.is_err());
}

//! Open enums: every known member round-trips with its exact wire name, and a
//! member the SDK does not know never fails deserialization and never loses
//! its raw value, on its own, in `Option` and in `Vec`.

use graph_teams_admin::*;
use serde_json::json;

/// Checks one enum type against the members the service declares (in order).
macro_rules! check_enum {
    ($ty:ty, [$($member:literal),* $(,)?]) => {{
        let expected: &[&str] = &[$($member),*];
        let known: Vec<&str> = <$ty>::KNOWN.iter().map(|m| m.as_str()).collect();
        assert_eq!(known, expected, "members of {}", stringify!($ty));
        for wire in expected {
            let parsed: $ty = serde_json::from_value(json!(wire)).unwrap();
            assert!(parsed.is_known(), "{wire} should be a known {}", stringify!($ty));
            assert_eq!(parsed.as_str(), *wire);
            assert_eq!(parsed.to_string(), *wire);
            assert_eq!(serde_json::to_value(&parsed).unwrap(), json!(wire));
            assert_eq!(wire.parse::<$ty>().unwrap(), parsed);
        }
        let novel: $ty = serde_json::from_value(json!("someMemberAddedIn2030")).unwrap();
        assert!(!novel.is_known());
        assert_eq!(novel, <$ty>::UnknownValue("someMemberAddedIn2030".into()));
        assert_eq!(serde_json::to_value(&novel).unwrap(), json!("someMemberAddedIn2030"));
        let sentinel: $ty = serde_json::from_value(json!("unknownFutureValue")).unwrap();
        assert_eq!(sentinel, <$ty>::UnknownFutureValue, "the sentinel is a known member");
    }};
}

#[test]
fn every_enum_round_trips_every_member_and_tolerates_new_ones() {
    check_enum!(
        AccountType,
        [
            "user",
            "resourceAccount",
            "guest",
            "sfbOnPremUser",
            "unknown",
            "unknownFutureValue",
            "ineligibleUser"
        ]
    );
    check_enum!(
        ActivationState,
        [
            "activated",
            "assignmentPending",
            "assignmentFailed",
            "updatePending",
            "updateFailed",
            "unknownFutureValue"
        ]
    );
    check_enum!(
        AssignmentCategory,
        ["primary", "private", "alternate", "unknownFutureValue"]
    );
    check_enum!(
        AssignmentStatus,
        [
            "unassigned",
            "internalError",
            "userAssigned",
            "conferenceAssigned",
            "voiceApplicationAssigned",
            "thirdPartyAppAssigned",
            "policyAssigned",
            "unknownFutureValue"
        ]
    );
    check_enum!(AssignmentType, ["direct", "group", "unknownFutureValue"]);
    check_enum!(
        CustomerAction,
        ["locationUpdate", "release", "unknownFutureValue"]
    );
    check_enum!(
        NumberCapability,
        [
            "conferenceAssignment",
            "voiceApplicationAssignment",
            "userAssignment",
            "teamsPhoneMobile",
            "unknownFutureValue"
        ]
    );
    check_enum!(NumberSource, ["online", "onPremises", "unknownFutureValue"]);
    check_enum!(
        NumberType,
        [
            "internalError",
            "directRouting",
            "callingPlan",
            "operatorConnect",
            "unknownFutureValue"
        ]
    );
    check_enum!(
        PortInStatus,
        [
            "completed",
            "firmOrderCommitmentAccepted",
            "unknownFutureValue"
        ]
    );
    check_enum!(
        ReverseNumberLookupOption,
        ["skipInternalVoip", "unknownFutureValue"]
    );
    // `skipped` is documented but not in the metadata; the overlay adds it
    // after the sentinel.
    check_enum!(
        LongRunningOperationStatus,
        [
            "notStarted",
            "running",
            "succeeded",
            "failed",
            "unknownFutureValue",
            "skipped"
        ]
    );
}

#[test]
fn unknown_members_inside_option_and_vec_keep_their_raw_value() {
    let raw = json!({
        "id": "n1",
        "telephoneNumber": "+12065550100",
        "numberType": "satellitePhone",
        "activationState": "activated",
        "assignmentCategory": "shared",
        "capabilities": ["userAssignment", "holographicAssignment"],
        "supportedCustomerActions": ["release", "teleport"],
        "reverseNumberLookupOptions": []
    });
    let n: NumberAssignment = serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(
        n.number_type,
        Some(NumberType::UnknownValue("satellitePhone".into()))
    );
    assert_eq!(
        n.assignment_category,
        Some(AssignmentCategory::UnknownValue("shared".into()))
    );
    assert_eq!(
        n.capabilities.as_deref(),
        Some(
            &[
                NumberCapability::UserAssignment,
                NumberCapability::UnknownValue("holographicAssignment".into())
            ][..]
        )
    );
    let back = serde_json::to_value(&n).unwrap();
    for key in [
        "numberType",
        "assignmentCategory",
        "capabilities",
        "supportedCustomerActions",
    ] {
        assert_eq!(back[key], raw[key], "{key} must serialize back unchanged");
    }
}

#[test]
fn from_str_is_infallible_and_exact() {
    assert_eq!(
        "directRouting".parse::<NumberType>().unwrap(),
        NumberType::DirectRouting
    );
    // Wire names are case-sensitive: a different spelling is not the known member.
    assert_eq!(
        "DirectRouting".parse::<NumberType>().unwrap(),
        NumberType::UnknownValue("DirectRouting".into())
    );
    assert_eq!(
        NumberType::from(String::from("callingPlan")),
        NumberType::CallingPlan
    );
}

#[test]
fn a_catch_all_holding_a_known_wire_name_is_that_member() {
    use std::collections::HashSet;
    let spelled_out = NumberType::UnknownValue("directRouting".into());
    assert_eq!(spelled_out, NumberType::DirectRouting);
    assert!(spelled_out.is_known());
    let set: HashSet<NumberType> = [spelled_out, NumberType::DirectRouting].into();
    assert_eq!(set.len(), 1, "Hash agrees with ==");
}

#[test]
fn every_open_enum_is_listed_and_implements_the_marker_trait() {
    fn names<T: OpenEnum>() -> Vec<&'static str> {
        T::KNOWN_NAMES.to_vec()
    }
    let all = graph_teams_admin::generated::enums::ALL;
    assert_eq!(all.len(), 12);
    let (name, members) = all.iter().find(|(n, _)| *n == "NumberType").unwrap();
    assert_eq!(*name, <NumberType as OpenEnum>::NAME);
    assert_eq!(members.to_vec(), names::<NumberType>());
    let known: Vec<&str> = NumberType::KNOWN.iter().map(|m| m.as_str()).collect();
    assert_eq!(known, names::<NumberType>());
    // `$filter` literals come from the marker trait, for every enum.
    assert_eq!(
        Filter::eq("portInStatus", PortInStatus::Completed).as_str(),
        "portInStatus eq 'completed'"
    );
}

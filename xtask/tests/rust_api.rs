//! The spec-level `rust` classification against the Rust API itself: for
//! each pair of slices, the bump the rule table predicts from the
//! description must be the bump the public-item listing of the code
//! generated from each side needs. And the listing's own rules, on the
//! committed code.

mod diff_support;

use diff_support::*;
use serde_json::{Value, json};
use xtask::diff::rust_api::{self, Listing};
use xtask::diff::{self, Bump};

type Edit = Box<dyn Fn(&mut Value) + Send + Sync>;

struct Case {
    name: &'static str,
    overlay: bool,
    old: Edit,
    new: Edit,
    /// The bump expected from both.
    bump: Bump,
}

fn case(name: &'static str, bump: Bump, new: impl Fn(&mut Value) + Send + Sync + 'static) -> Case {
    Case {
        name,
        overlay: true,
        old: Box::new(|_| {}),
        new: Box::new(new),
        bump,
    }
}

fn accepted(location: bool, retry_after: bool) -> Value {
    let mut h = serde_json::Map::new();
    if location {
        h.insert(
            "Location".into(),
            json!({"required": true, "schema": {"type": "string"}}),
        );
    }
    if retry_after {
        h.insert("Retry-After".into(), json!({"schema": {"type": "string"}}));
    }
    json!({"description": "Accepted", "headers": h})
}

fn with_202(d: &mut Value, location: bool, retry_after: bool) {
    d["paths"][UPDATE]["post"]["responses"]["202"] = accepted(location, retry_after);
}

fn enum_members<'a>(d: &'a mut Value, name: &str) -> &'a mut Vec<Value> {
    d["components"]["schemas"][format!("microsoft.graph.teamsAdministration.{name}")]["enum"]
        .as_array_mut()
        .unwrap()
}

fn cases() -> Vec<Case> {
    let mut v = vec![
        case("enum member added", Bump::Minor, |d| {
            enum_members(d, "numberType").insert(4, json!("teamsPhoneCloud"));
        }),
        case("enum member removed (received)", Bump::Major, |d| {
            enum_members(d, "customerAction").remove(1);
        }),
        case("response property added", Bump::Minor, |d| {
            props(d, NA).insert(
                "carrierName".into(),
                json!({"type": "string", "nullable": true}),
            );
        }),
        case("response property removed", Bump::Major, |d| {
            props(d, NA).remove("city");
        }),
        case("property type changed", Bump::Major, |d| {
            props(d, NA).insert(
                "isoCountryCode".into(),
                json!({"type": "integer", "format": "int32", "nullable": true}),
            );
        }),
        case("optional property became nullable", Bump::Patch, |d| {
            props(d, NA)["operatorId"]["nullable"] = json!(true);
        }),
        case("model property became required", Bump::Major, |d| {
            d["components"]["schemas"][UA]["allOf"][1]["required"] =
                json!(["@odata.type", "userId"]);
        }),
        case("model property gained a default", Bump::Major, |d| {
            props(d, NA)["operatorId"]["default"] = json!("unknown");
        }),
        case("model string gained a pattern", Bump::Major, |d| {
            props(d, NA)["telephoneNumber"]["pattern"] = json!("^\\+[0-9]+$");
        }),
        case("model string gained a typify format", Bump::Major, |d| {
            props(d, NA)["operatorId"]["format"] = json!("uuid");
        }),
        case("model string gained another format", Bump::Patch, |d| {
            props(d, NA)["operatorId"]["format"] = json!("duration");
        }),
        case("model property became readOnly", Bump::Patch, |d| {
            props(d, UA)["userId"]["readOnly"] = json!(true);
        }),
        case("model property deprecated", Bump::Patch, |d| {
            props(d, NA)["city"]["deprecated"] = json!(true);
        }),
        case("new optional action parameter", Bump::Minor, |d| {
            body(d, ASSIGN)["properties"]["notify"] = json!({"type": "boolean", "nullable": true});
        }),
        case("new required action parameter", Bump::Major, |d| {
            body(d, UPDATE)["properties"]["emergencyAddressId"] = json!({"type": "string"});
            body(d, UPDATE)["required"] = json!(["emergencyAddressId"]);
        }),
        case("action parameter became nullable", Bump::Major, |d| {
            body(d, UPDATE)["properties"]["telephoneNumber"]["nullable"] = json!(true);
            body(d, UPDATE)["properties"]["networkSiteId"]["nullable"] = json!(false);
        }),
        case("action parameter gained a pattern", Bump::Patch, |d| {
            body(d, ASSIGN)["properties"]["telephoneNumber"]["pattern"] = json!("^\\+[0-9]+$");
        }),
        case("202 + Location added", Bump::Major, |d| {
            with_202(d, true, true)
        }),
        case("response header added", Bump::Patch, |d| {
            d["paths"][GET_NA]["get"]["responses"]["2XX"]["headers"] =
                json!({"ETag": {"schema": {"type": "string"}}});
        }),
        case("pageable removed", Bump::Major, |d| {
            d["paths"][LIST_UA]["get"]
                .as_object_mut()
                .unwrap()
                .remove("x-ms-pageable");
        }),
        case("operation type changed (GET)", Bump::Patch, |d| {
            d["paths"]["/admin/teams/policy/microsoft.graph.teamsAdministration.getPolicyId(type='{type}',name='{name}')"]
                ["get"]["x-ms-docs-operation-type"] = json!("operation");
        }),
        case(
            "operation type changed (POST action → function)",
            Bump::Patch,
            |d| {
                d["paths"][ASSIGN]["post"]["x-ms-docs-operation-type"] = json!("function");
            },
        ),
        case("operation deprecated", Bump::Patch, |d| {
            d["paths"][ASSIGN]["post"]["deprecated"] = json!(true);
            d["paths"][ASSIGN]["post"]["x-ms-deprecation"] = json!({"removalDate": "2026-09-30"});
        }),
        case("new optional header parameter", Bump::Minor, |d| {
            d["paths"]["/admin/teams/telephoneNumberManagement/numberAssignments"]["get"]["parameters"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "ConsistencyLevel", "in": "header", "schema": {"type": "string"}}));
        }),
        case("new required query parameter", Bump::Major, |d| {
            d["paths"][GET_NA]["get"]["parameters"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "tenant", "in": "query", "required": true, "schema": {"type": "string"}}));
        }),
        case("query parameter removed", Bump::Major, |d| {
            d["paths"][GET_NA]["get"]["parameters"]
                .as_array_mut()
                .unwrap()
                .retain(|p| p["name"] != "$expand");
        }),
        case("$top loses its minimum", Bump::Major, |d| {
            d["components"]["parameters"]["top"]["schema"]
                .as_object_mut()
                .unwrap()
                .remove("minimum");
        }),
        case("new error status", Bump::Patch, |d| {
            d["paths"][GET_NA]["get"]["responses"]["404"] =
                json!({"$ref": "#/components/responses/error"});
        }),
        case("error status removed", Bump::Major, |d| {
            d["paths"][GET_NA]["get"]["responses"]
                .as_object_mut()
                .unwrap()
                .remove("5XX");
        }),
        case("schema added", Bump::Minor, |d| {
            d["components"]["schemas"]["microsoft.graph.teamsAdministration.carrier"] = json!({
                "title": "carrier", "type": "object",
                "properties": {"name": {"type": "string", "nullable": true}}
            });
        }),
        case("enum member removed (sent)", Bump::Major, |d| {
            enum_members(d, "numberType").remove(1);
        }),
        case("query parameter gained a default", Bump::Patch, |d| {
            d["components"]["parameters"]["count"]["schema"]["default"] = json!(false);
        }),
        case("required property became optional", Bump::Major, |d| {
            d["components"]["schemas"]["microsoft.graph.ODataErrors.MainError"]["required"] =
                json!(["code"]);
        }),
        case("required property became nullable", Bump::Major, |d| {
            d["components"]["schemas"]["microsoft.graph.ODataErrors.MainError"]["properties"]["message"]
                ["nullable"] = json!(true);
        }),
    ];
    v.push(Case {
        name: "schema removed",
        overlay: true,
        old: Box::new(|d| {
            d["components"]["schemas"]["microsoft.graph.teamsAdministration.carrier"] =
                json!({"title": "carrier", "type": "object", "properties": {"name": {"type": "string"}}});
        }),
        new: Box::new(|_| {}),
        bump: Bump::Major,
    });
    v.push(Case {
        name: "Retry-After removed from a 202",
        overlay: true,
        old: Box::new(|d| with_202(d, true, true)),
        new: Box::new(|d| with_202(d, true, false)),
        bump: Bump::Patch,
    });
    v.push(Case {
        name: "Location removed from a 202",
        overlay: true,
        old: Box::new(|d| with_202(d, true, true)),
        new: Box::new(|d| with_202(d, false, true)),
        bump: Bump::Major,
    });
    // Without the overlay (it names every path and method).
    let count = "/admin/teams/telephoneNumberManagement/operations/$count";
    v.push(Case {
        name: "operation removed",
        overlay: false,
        old: Box::new(|_| {}),
        new: Box::new(move |d| {
            d["paths"].as_object_mut().unwrap().remove(count);
        }),
        bump: Bump::Major,
    });
    v.push(Case {
        name: "operationId changed",
        overlay: false,
        old: Box::new(|_| {}),
        new: Box::new(move |d| {
            d["paths"][count]["get"]["operationId"] =
                json!("admin.teams.telephoneNumberManagement.operations_Count");
        }),
        bump: Bump::Major,
    });
    v
}

struct Outcome {
    spec: Bump,
    api: Bump,
    report: diff::Report,
    changes: Vec<rust_api::ApiChange>,
    listing: Listing,
}

fn run(c: &Case) -> Outcome {
    let overlay = overlay();
    let p = pair(c.overlay.then_some(overlay.as_path()), &*c.old, &*c.new);
    let report = diff::report(&p.old, &p.new);
    let before = rust_api::listing(&generate(&p.old, &p.old_path)).unwrap();
    let after = rust_api::listing(&generate(&p.new, &p.new_path)).unwrap();
    let changes = rust_api::compare(&before, &after);
    Outcome {
        spec: report.summary.semver,
        api: rust_api::bump(&changes),
        report,
        changes,
        listing: after,
    }
}

/// Additions to models and bodies are compatible only once they are
/// `#[non_exhaustive]` (in progress in the generator): until then the
/// listing rightly calls a new field breaking, and the case is reported,
/// not failed.
fn waits_for_non_exhaustive(c: &Case, o: &Outcome) -> bool {
    let bodies_closed = o.listing.items.iter().any(|((p, k), item)| {
        *k == "struct"
            && p.starts_with("generated::bodies::")
            && matches!(
                item,
                rust_api::Item::Struct {
                    non_exhaustive: false,
                    private_fields: false,
                    ..
                }
            )
    });
    c.bump == Bump::Minor
        && o.api == Bump::Major
        && o.changes
            .iter()
            .filter(|ch| ch.semver == Bump::Major)
            .all(|ch| ch.kind == "field" && ch.change == "added")
        && (!o.listing.models_non_exhaustive() || bodies_closed)
}

#[test]
fn the_spec_level_rust_classification_agrees_with_the_generated_api() {
    let cases = cases();
    // Two generations per case: spread them over the cores.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = cases.len().div_ceil(threads);
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(run).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut failures = Vec::new();
    let mut pending = Vec::new();
    for (c, o) in cases.iter().zip(outcomes) {
        eprintln!(
            "{:<50} spec {:<6} generated API {:<6} ({} item change(s))",
            c.name,
            o.spec.as_str(),
            o.api.as_str(),
            o.changes.len()
        );
        if o.spec != c.bump {
            failures.push(format!(
                "{}: the rule table predicts {:?}, expected {:?}\n{}",
                c.name,
                o.spec,
                c.bump,
                o.report.table()
            ));
            continue;
        }
        if o.api == o.spec {
            continue;
        }
        if waits_for_non_exhaustive(c, &o) {
            pending.push(c.name);
            continue;
        }
        let items: Vec<String> = o
            .changes
            .iter()
            .map(|ch| {
                format!(
                    "  {:?} {} {} {}: {}",
                    ch.semver, ch.kind, ch.change, ch.item, ch.detail
                )
            })
            .collect();
        failures.push(format!(
            "{}: spec {:?}, generated API {:?}\n{}\n{}",
            c.name,
            o.spec,
            o.api,
            o.report.table(),
            items.join("\n")
        ));
    }
    if !pending.is_empty() {
        eprintln!(
            "waiting for #[non_exhaustive] models/bodies (a new field is breaking until then): {}",
            pending.join(", ")
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The listing of the committed code: every kind of item it records.
#[test]
fn the_listing_of_the_committed_code() {
    let root = xtask::workspace_root().unwrap();
    let files = rust_api::read_dir(&root.join(xtask::defaults::OUT)).unwrap();
    let l = rust_api::listing(&files).unwrap();
    let has = |path: &str, kind: &str| l.items.contains_key(&(path.to_owned(), kind_str(kind)));
    fn kind_str(k: &str) -> &'static str {
        [
            "struct", "enum", "field", "variant", "fn", "impl", "const", "fact", "input", "use",
            "mod",
        ]
        .into_iter()
        .find(|x| *x == k)
        .unwrap()
    }
    assert!(has("generated::types::NumberAssignment", "struct"));
    assert!(has("generated::types::NumberAssignment::city", "field"));
    assert!(has("generated::types::NumberAssignment: Clone", "impl"));
    assert!(has(
        "generated::enums::NumberType::DirectRouting",
        "variant"
    ));
    assert!(has("generated::bodies::AssignNumberBody::new", "fn"));
    assert!(has("generated::Client::assign_number", "fn"));
    assert!(has(
        "generated::builder::GetUserAssignment::teams_policy_user_assignment_id",
        "input"
    ));
    assert!(has(
        "generated::operations::OPERATIONS[assign_number].long_running",
        "fact"
    ));
    assert!(has(
        "generated::operations::OPERATIONS[list_user_assignments].pageable",
        "fact"
    ));
    assert!(has(
        "generated::operations::OPERATIONS[assign_number].is_idempotent()",
        "fact"
    ));
    assert!(has(
        "generated::builder::AssignNumber::send status 202u16",
        "fact"
    ));
    assert!(has("generated::ByteStream", "use"));
    match &l.items[&(
        "generated::builder::GetUserAssignment::teams_policy_user_assignment_id".to_owned(),
        "input",
    )] {
        rust_api::Item::Input { required, .. } => assert!(required),
        other => panic!("{other:?}"),
    }
    match &l.items[&(
        "generated::operations::OPERATIONS[assign_number].long_running".to_owned(),
        "fact",
    )] {
        rust_api::Item::Fact { value } => assert_eq!(value, "true"),
        other => panic!("{other:?}"),
    }
    match &l.items[&("generated::enums::NumberType".to_owned(), "enum")] {
        rust_api::Item::Enum { non_exhaustive } => assert!(non_exhaustive),
        other => panic!("{other:?}"),
    }
    // The same files, the same listing.
    assert_eq!(
        rust_api::compare(&l, &rust_api::listing(&files).unwrap()),
        vec![]
    );
}

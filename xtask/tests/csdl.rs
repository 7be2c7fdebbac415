//! CSDL → OpenAPI slice: emitted shapes on a small hand-written document,
//! errors on bad input, the real v1.0 `$metadata` (when the upstream copy is
//! present: `$GRAPH_TEAMS_ADMIN_UPSTREAM_DIR`, else `../shared/upstream`)
//! against the committed slice, cut with the rule in `specs/source.toml`,
//! and size.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{Value, json};
use xtask::bench::synthetic_csdl as synthetic;
use xtask::slice::csdl::{CsdlSliceOptions, is_csdl, slice_from_csdl};
use xtask::slice::{Boundary, SliceRule};

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csdl/teams-like.xml")
}

fn fixture() -> String {
    std::fs::read_to_string(fixture_path()).unwrap()
}

fn options() -> CsdlSliceOptions {
    CsdlSliceOptions {
        namespace: "microsoft.graph.teamsAdministration".into(),
        root: "/admin/teams".into(),
        server_url: "https://graph.microsoft.com/v1.0/".into(),
        exclude_below: vec!["/admin/teams/members/{memberConfig-id}/user/".into()],
        boundary: BTreeMap::from([
            ("microsoft.graph.entity".into(), Boundary::Keep),
            (
                "microsoft.graph.longRunningOperationStatus".into(),
                Boundary::Keep,
            ),
            ("microsoft.graph.user".into(), Boundary::Stub),
        ]),
    }
}

fn slice(text: &str) -> anyhow::Result<Value> {
    slice_from_csdl(Path::new("teams-like.xml"), text.as_bytes(), &options())
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    &doc["components"]["schemas"][name]
}

/// The `properties` of a component, through `allOf` for derived types.
fn props<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let s = schema(doc, name);
    match s.get("allOf") {
        Some(parts) => &parts[1]["properties"],
        None => &s["properties"],
    }
}

const NS: &str = "microsoft.graph.teamsAdministration";

#[test]
fn fixture_is_detected_as_csdl() {
    assert!(is_csdl(fixture().as_bytes()));
    let yaml = std::fs::read(xtask::workspace_root().unwrap().join(xtask::defaults::SPEC)).unwrap();
    assert!(!is_csdl(&yaml));
}

#[test]
fn paths_are_the_converters_in_its_order() {
    let doc = slice(&fixture()).unwrap();
    assert_eq!(
        keys(&doc["paths"]),
        [
            "/admin/teams",
            "/admin/teams/members",
            "/admin/teams/members/{memberConfig-id}",
            "/admin/teams/members/{memberConfig-id}/history",
            "/admin/teams/members/{memberConfig-id}/history/{memberEvent-id}",
            "/admin/teams/members/{memberConfig-id}/history/$count",
            "/admin/teams/members/{memberConfig-id}/microsoft.graph.teamsAdministration.countLines()",
            "/admin/teams/members/{memberConfig-id}/microsoft.graph.teamsAdministration.reset",
            "/admin/teams/members/{memberConfig-id}/user",
            "/admin/teams/members/$count",
            "/admin/teams/members/microsoft.graph.teamsAdministration.assignLines",
            "/admin/teams/settings",
            "/admin/teams/settings/microsoft.graph.teamsAdministration.findMembers(kind='{kind}',max={max})",
        ]
    );
    // Nothing from the unrelated `admin/edge` navigation, and the user's own
    // bound action is below the excluded prefix.
    let text = doc["paths"].to_string();
    assert!(!text.contains("edge"));
    assert!(!text.contains("resetWidgets"));
}

#[test]
fn document_frame_matches_the_slice() {
    let doc = slice(&fixture()).unwrap();
    assert_eq!(
        keys(&doc),
        [
            "openapi",
            "info",
            "servers",
            "paths",
            "components",
            "security",
            "tags"
        ]
    );
    assert_eq!(doc["openapi"], "3.0.4");
    assert_eq!(
        doc["info"],
        json!({
            "title": "OData Service for namespace microsoft.graph",
            "description": "This OData service is located at https://graph.microsoft.com/v1.0",
            "version": "1.0.1"
        })
    );
    assert_eq!(
        doc["servers"],
        json!([{ "url": "https://graph.microsoft.com/v1.0/" }])
    );
    assert_eq!(
        keys(&doc["components"]),
        ["schemas", "responses", "parameters", "securitySchemes"]
    );
    assert_eq!(doc["security"], json!([{ "azureaadv2": [] }]));
    assert_eq!(
        doc["tags"],
        json!([{ "name": "admin.teamsAdminRoot", "x-ms-docs-toc-type": "page" }])
    );
    assert_eq!(
        keys(&doc["components"]["parameters"]),
        ["top", "skip", "search", "filter", "count"]
    );
}

#[test]
fn navigation_operations() {
    let doc = slice(&fixture()).unwrap();
    let p = &doc["paths"];
    let root = &p["/admin/teams"];
    assert_eq!(keys(root), ["description", "get", "patch", "delete"]);
    assert_eq!(
        root["description"],
        "Provides operations to manage the teams property of the microsoft.graph.admin entity."
    );
    assert_eq!(root["get"]["operationId"], "admin_GetTeams");
    assert_eq!(root["get"]["summary"], "Get teams from admin");
    assert_eq!(root["get"]["tags"], json!(["admin.teamsAdminRoot"]));
    assert_eq!(root["patch"]["operationId"], "admin_UpdateTeams");
    assert_eq!(root["delete"]["operationId"], "admin_DeleteTeams");
    assert_eq!(root["delete"]["parameters"][0]["name"], "If-Match");
    assert_eq!(
        root["delete"]["responses"]["204"],
        json!({ "description": "Success" })
    );
    assert_eq!(
        root["get"]["responses"]["2XX"]["content"]["application/json"]["schema"],
        json!({ "$ref": format!("#/components/schemas/{NS}.teamsAdminRoot") })
    );

    let list = &p["/admin/teams/members"];
    assert_eq!(keys(list), ["description", "get", "post"]);
    assert_eq!(list["get"]["operationId"], "admin.teams_ListMembers");
    assert_eq!(list["post"]["operationId"], "admin.teams_CreateMembers");
    assert_eq!(
        list["post"]["summary"],
        "Create new navigation property to members for admin"
    );
    let names: Vec<Value> = list["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.get("$ref").or(p.get("name")).cloned().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "#/components/parameters/top",
            "#/components/parameters/skip",
            "#/components/parameters/search",
            "#/components/parameters/filter",
            "#/components/parameters/count",
            "$orderby",
            "$select",
            "$expand"
        ]
    );
    assert_eq!(
        list["get"]["responses"]["2XX"],
        json!({ "$ref": format!("#/components/responses/{NS}.memberConfigCollectionResponse") })
    );
    assert_eq!(
        list["get"]["x-ms-pageable"],
        json!({ "nextLinkName": "@odata.nextLink", "operationName": "listMore" })
    );
    // A described navigation property gives its operations a description.
    assert_eq!(
        list["get"]["description"],
        "Member configurations of the tenant."
    );

    let item = &p["/admin/teams/members/{memberConfig-id}"];
    assert_eq!(
        keys(item),
        ["description", "get", "patch", "delete", "parameters"]
    );
    assert_eq!(item["get"]["operationId"], "admin.teams_GetMembers");
    assert_eq!(
        item["parameters"],
        json!([{
            "name": "memberConfig-id",
            "in": "path",
            "description": "The unique identifier of memberConfig",
            "required": true,
            "schema": { "type": "string" },
            "x-ms-docs-key-type": "memberConfig"
        }])
    );

    let count = &p["/admin/teams/members/{memberConfig-id}/history/$count"];
    assert_eq!(
        count["get"]["operationId"],
        "admin.teams.members.history_GetCount"
    );
    assert_eq!(count["get"]["summary"], "Get the number of the resource");
    assert_eq!(
        count["get"]["responses"]["2XX"],
        json!({ "$ref": "#/components/responses/ODataCountResponse" })
    );
    assert_eq!(count["parameters"][0]["name"], "memberConfig-id");

    // Non-contained navigation: GET only.
    let user = &p["/admin/teams/members/{memberConfig-id}/user"];
    assert_eq!(keys(user), ["description", "get", "parameters"]);
    assert_eq!(user["get"]["operationId"], "admin.teams.members_GetUser");
    assert_eq!(
        user["get"]["responses"]["2XX"]["content"]["application/json"]["schema"],
        json!({ "$ref": "#/components/schemas/microsoft.graph.user" })
    );
}

#[test]
fn bound_actions_and_functions() {
    let doc = slice(&fixture()).unwrap();
    let p = &doc["paths"];

    let assign = &p["/admin/teams/members/microsoft.graph.teamsAdministration.assignLines"];
    assert_eq!(
        assign["description"],
        "Provides operations to call the assignLines method."
    );
    let post = &assign["post"];
    assert_eq!(post["summary"], "Invoke action assignLines");
    assert_eq!(post["description"], "Assigns phone lines to members.");
    assert_eq!(post["operationId"], "admin.teams.members_assignLines");
    assert_eq!(post["x-ms-docs-operation-type"], "action");
    assert_eq!(
        post["requestBody"],
        json!({
            "description": "Action parameters",
            "content": { "application/json": { "schema": {
                "type": "object",
                "properties": {
                    "lines": { "type": "array", "items": { "$ref": format!("#/components/schemas/{NS}.phoneLine") } },
                    "notify": { "type": "boolean", "default": false, "nullable": true },
                    "reason": { "type": "string", "nullable": true }
                }
            } } },
            "required": true
        })
    );
    assert_eq!(
        post["responses"]["204"],
        json!({ "description": "Success" })
    );

    let reset =
        &p["/admin/teams/members/{memberConfig-id}/microsoft.graph.teamsAdministration.reset"];
    assert_eq!(
        reset["post"]["operationId"],
        "admin.teams.members.memberConfig_reset"
    );
    assert!(reset["post"].get("requestBody").is_none());
    assert_eq!(reset["parameters"][0]["name"], "memberConfig-id");

    let find = &p["/admin/teams/settings/microsoft.graph.teamsAdministration.findMembers(kind='{kind}',max={max})"];
    let get = &find["get"];
    assert_eq!(get["summary"], "Invoke function findMembers");
    assert_eq!(get["operationId"], "admin.teams.settings_findMembers");
    assert_eq!(get["x-ms-docs-operation-type"], "function");
    assert_eq!(get["parameters"].as_array().unwrap().len(), 8);
    assert_eq!(get["parameters"][5]["name"], "$select");
    assert_eq!(get["parameters"][6]["name"], "$orderby");
    assert_eq!(get["parameters"][7]["name"], "$expand");
    assert_eq!(
        get["responses"]["2XX"]["content"]["application/json"]["schema"],
        json!({
            "title": "Collection of memberConfig",
            "type": "object",
            "allOf": [
                { "$ref": "#/components/schemas/BaseCollectionPaginationCountResponse" },
                { "type": "object", "properties": { "value": {
                    "type": "array",
                    "items": { "$ref": format!("#/components/schemas/{NS}.memberConfig") }
                } } }
            ]
        })
    );
    assert!(get.get("x-ms-pageable").is_some());
    assert_eq!(
        find["parameters"],
        json!([
            {
                "name": "kind",
                "in": "path",
                "description": "Usage: kind='{kind}'",
                "required": true,
                "schema": { "$ref": format!("#/components/schemas/{NS}.accountKind") }
            },
            {
                "name": "max",
                "in": "path",
                "description": "Usage: max={max}",
                "required": true,
                "schema": { "type": "integer", "format": "int32" }
            }
        ])
    );

    // A function with a primitive result wraps it in `value`.
    let count = &p["/admin/teams/members/{memberConfig-id}/microsoft.graph.teamsAdministration.countLines()"];
    assert_eq!(
        count["get"]["responses"]["2XX"]["content"]["application/json"]["schema"],
        json!({ "type": "object", "properties": { "value": { "type": "integer", "format": "int32" } } })
    );
    assert!(count["get"].get("parameters").is_none());
}

#[test]
fn component_schemas() {
    let doc = slice(&fixture()).unwrap();
    assert_eq!(
        keys(&doc["components"]["schemas"]),
        [
            "microsoft.graph.entity",
            "microsoft.graph.user",
            "microsoft.graph.teamsAdministration.memberConfig",
            "microsoft.graph.teamsAdministration.memberEvent",
            "microsoft.graph.teamsAdministration.teamsAdminRoot",
            "microsoft.graph.teamsAdministration.teamsSettings",
            "microsoft.graph.teamsAdministration.phoneLine",
            "microsoft.graph.teamsAdministration.accountKind",
            "microsoft.graph.teamsAdministration.featureFlags",
            "microsoft.graph.longRunningOperationStatus",
            "microsoft.graph.teamsAdministration.memberConfigCollectionResponse",
            "microsoft.graph.teamsAdministration.memberEventCollectionResponse",
            "BaseCollectionPaginationCountResponse",
            "ODataCountResponse",
            "ReferenceNumeric",
            "microsoft.graph.ODataErrors.ODataError",
            "microsoft.graph.ODataErrors.MainError",
            "microsoft.graph.ODataErrors.ErrorDetails",
            "microsoft.graph.ODataErrors.InnerError",
        ]
    );
    // The base entity maps every entity type of the slice.
    assert_eq!(
        schema(&doc, "microsoft.graph.entity"),
        &json!({
            "title": "entity",
            "required": ["@odata.type"],
            "type": "object",
            "properties": {
                "id": { "type": "string" },
                "@odata.type": { "type": "string" }
            },
            "discriminator": {
                "propertyName": "@odata.type",
                "mapping": {
                    "#microsoft.graph.teamsAdministration.memberConfig": "#/components/schemas/microsoft.graph.teamsAdministration.memberConfig",
                    "#microsoft.graph.teamsAdministration.memberEvent": "#/components/schemas/microsoft.graph.teamsAdministration.memberEvent",
                    "#microsoft.graph.teamsAdministration.teamsAdminRoot": "#/components/schemas/microsoft.graph.teamsAdministration.teamsAdminRoot",
                    "#microsoft.graph.teamsAdministration.teamsSettings": "#/components/schemas/microsoft.graph.teamsAdministration.teamsSettings",
                    "#microsoft.graph.user": "#/components/schemas/microsoft.graph.user"
                }
            }
        })
    );
    // The stub derives from the entity (through the cut directoryObject).
    assert_eq!(
        schema(&doc, "microsoft.graph.user"),
        &json!({
            "allOf": [
                { "$ref": "#/components/schemas/microsoft.graph.entity" },
                {
                    "title": "user",
                    "required": ["@odata.type"],
                    "type": "object",
                    "properties": { "@odata.type": { "type": "string", "default": "#microsoft.graph.user" } }
                }
            ],
            "x-ms-discriminator-value": "#microsoft.graph.user"
        })
    );

    let settings = props(&doc, &format!("{NS}.teamsSettings"));
    assert_eq!(
        settings,
        &json!({
            "isEnabled": { "type": "boolean" },
            "retentionDays": { "type": "integer", "format": "int32", "nullable": true },
            "quotaBytes": { "type": "integer", "format": "int64" },
            "updatedDateTime": {
                "pattern": "^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$",
                "type": "string",
                "description": "When the settings last changed.",
                "format": "date-time",
                "nullable": true
            },
            "tenantGuid": {
                "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                "type": "string",
                "format": "uuid"
            },
            "startDate": {
                "pattern": "^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$",
                "type": "string",
                "format": "date",
                "nullable": true
            },
            "retention": {
                "pattern": "^-?P([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+([.][0-9]+)?S)?)?$",
                "type": "string",
                "format": "duration",
                "nullable": true
            },
            "ratio": {
                "oneOf": [
                    { "type": "number", "format": "double", "nullable": true },
                    { "type": "string", "nullable": true },
                    { "$ref": "#/components/schemas/ReferenceNumeric" }
                ]
            },
            "flags": { "$ref": format!("#/components/schemas/{NS}.featureFlags") },
            "region": { "maxLength": 8, "type": "string", "default": "EU", "nullable": true },
            "@odata.type": { "type": "string", "default": format!("#{NS}.teamsSettings") }
        })
    );

    let member = schema(&doc, &format!("{NS}.memberConfig"));
    assert_eq!(
        member["allOf"][0],
        json!({ "$ref": "#/components/schemas/microsoft.graph.entity" })
    );
    assert_eq!(member["allOf"][1]["title"], "memberConfig");
    assert_eq!(member["allOf"][1]["required"], json!(["@odata.type"]));
    assert_eq!(
        member["allOf"][1]["description"],
        "One member's configuration."
    );
    assert_eq!(
        member["x-ms-discriminator-value"],
        format!("#{NS}.memberConfig")
    );
    let mp = props(&doc, &format!("{NS}.memberConfig"));
    assert_eq!(
        keys(mp),
        [
            "displayName",
            "kind",
            "lines",
            "primaryLine",
            "backupLine",
            "features",
            "tags",
            "status",
            "user",
            "history",
            "@odata.type"
        ]
    );
    // Described by an alias-targeted <Annotations> block.
    assert_eq!(
        mp["displayName"],
        json!({ "type": "string", "description": "Name shown in the admin center." })
    );
    // Non-nullable enum and complex: bare references (descriptions dropped).
    assert_eq!(
        mp["kind"],
        json!({ "$ref": format!("#/components/schemas/{NS}.accountKind") })
    );
    assert_eq!(
        mp["primaryLine"],
        json!({ "$ref": format!("#/components/schemas/{NS}.phoneLine") })
    );
    let nullable = |target: &str| {
        json!({ "anyOf": [
            { "$ref": format!("#/components/schemas/{target}") },
            { "type": "object", "nullable": true }
        ] })
    };
    assert_eq!(mp["backupLine"], nullable(&format!("{NS}.phoneLine")));
    assert_eq!(
        mp["status"],
        nullable("microsoft.graph.longRunningOperationStatus")
    );
    assert_eq!(
        mp["lines"],
        json!({ "type": "array", "items": nullable(&format!("{NS}.phoneLine")) })
    );
    assert_eq!(
        mp["features"],
        json!({ "type": "array", "items": { "$ref": format!("#/components/schemas/{NS}.accountKind") } })
    );
    assert_eq!(
        mp["tags"],
        json!({ "type": "array", "items": { "type": "string", "nullable": true } })
    );
    let mut user = nullable("microsoft.graph.user");
    user["x-ms-navigationProperty"] = true.into();
    assert_eq!(mp["user"], user);
    assert_eq!(
        mp["history"],
        json!({
            "type": "array",
            "items": { "$ref": format!("#/components/schemas/{NS}.memberEvent") },
            "x-ms-navigationProperty": true
        })
    );

    // Complex type: plain object, '@odata.type' without a default.
    assert_eq!(
        schema(&doc, &format!("{NS}.phoneLine")),
        &json!({
            "title": "phoneLine",
            "required": ["@odata.type"],
            "type": "object",
            "properties": {
                "number": { "type": "string" },
                "kind": nullable(&format!("{NS}.accountKind")),
                "@odata.type": { "type": "string" }
            }
        })
    );
    assert_eq!(
        schema(&doc, &format!("{NS}.accountKind")),
        &json!({
            "title": "accountKind",
            "enum": ["user", "resourceAccount", "unknownFutureValue"],
            "type": "string",
            "x-ms-enum": {
                "name": "accountKind",
                "modelAsString": false,
                "values": [{ "value": "resourceAccount", "description": "A resource account.", "name": "resourceAccount" }]
            }
        })
    );
    assert_eq!(
        schema(&doc, &format!("{NS}.featureFlags")),
        &json!({
            "title": "featureFlags",
            "enum": ["none", "calling", "meetings"],
            "type": "string",
            "x-ms-enum-flags": { "isFlags": true }
        })
    );
    assert_eq!(
        schema(&doc, &format!("{NS}.memberConfigCollectionResponse")),
        &json!({
            "title": "Collection of memberConfig",
            "type": "object",
            "allOf": [
                { "$ref": "#/components/schemas/BaseCollectionPaginationCountResponse" },
                { "type": "object", "properties": { "value": {
                    "type": "array",
                    "items": { "$ref": format!("#/components/schemas/{NS}.memberConfig") }
                } } }
            ]
        })
    );
    assert_eq!(
        keys(&doc["components"]["responses"]),
        [
            "error",
            "ODataCountResponse",
            "microsoft.graph.teamsAdministration.memberConfigCollectionResponse",
            "microsoft.graph.teamsAdministration.memberEventCollectionResponse"
        ]
    );
}

#[test]
fn output_is_deterministic() {
    let a = slice(&fixture()).unwrap();
    let b = slice(&fixture()).unwrap();
    assert_eq!(a.to_string(), b.to_string());
}

// ----- errors -----

fn error_of(text: &str) -> String {
    format!("{:#}", slice(text).unwrap_err())
}

/// 1-based line of the first occurrence of `needle` in the fixture.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in fixture"));
    text[..at].matches('\n').count() + 1
}

#[test]
fn malformed_xml_names_file_line_and_column() {
    let text = fixture().replacen("</EntityType>", "</EntityTyp>", 1);
    let line = line_of(&text, "</EntityTyp>");
    let e = error_of(&text);
    assert!(e.starts_with(&format!("teams-like.xml:{line}:")), "{e}");
    assert!(e.contains("malformed XML"), "{e}");

    let e = error_of(
        "<edmx:Edmx xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n  <edmx:DataServices>\n    <Schema Namespace=\"a\" Alias=\"b\n",
    );
    assert!(e.starts_with("teams-like.xml:3:"), "{e}");

    let e = error_of(
        "<edmx:Edmx xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n  <edmx:DataServices>\n",
    );
    assert!(e.contains("malformed XML"), "{e}");
}

#[test]
fn missing_namespace() {
    let text = fixture().replace(
        "Namespace=\"microsoft.graph.teamsAdministration\"",
        "Namespace=\"microsoft.graph.somethingElse\"",
    );
    let e = error_of(&text);
    assert!(
        e.starts_with("teams-like.xml: no <Schema Namespace=\"microsoft.graph.teamsAdministration\"> in teams-like.xml"),
        "{e}"
    );
    assert!(e.contains("microsoft.graph.somethingElse"), "{e}");
}

#[test]
fn dangling_property_type() {
    let text = fixture().replace(
        "<Property Name=\"displayName\" Type=\"Edm.String\" Nullable=\"false\" />",
        "<Property Name=\"displayName\" Type=\"teamsAdministration.nope\" />",
    );
    let line = line_of(&text, "teamsAdministration.nope");
    let e = error_of(&text);
    assert_eq!(
        e,
        format!(
            "teams-like.xml:{line}:9: <Property Name=\"displayName\"> of <EntityType Name=\"memberConfig\">: \
             Type=\"teamsAdministration.nope\" does not resolve: namespace microsoft.graph.teamsAdministration has no type named \"nope\""
        )
    );
}

#[test]
fn dangling_base_type_and_binding_parameter() {
    let text = fixture().replace(
        "<EntityType Name=\"memberEvent\" BaseType=\"graph.entity\">",
        "<EntityType Name=\"memberEvent\" BaseType=\"graph.entityy\">",
    );
    let line = line_of(&text, "graph.entityy");
    let e = error_of(&text);
    assert!(e.starts_with(&format!("teams-like.xml:{line}:7: <EntityType Name=\"memberEvent\">: BaseType=\"graph.entityy\" does not resolve")), "{e}");

    let text = fixture().replace(
        "Type=\"Collection(teamsAdministration.memberConfig)\" />\n        <Parameter Name=\"lines\"",
        "Type=\"Collection(nowhere.memberConfig)\" />\n        <Parameter Name=\"lines\"",
    );
    let line = line_of(&text, "nowhere.memberConfig");
    let e = error_of(&text);
    assert!(
        e.starts_with(&format!(
            "teams-like.xml:{line}:9: <Parameter Name=\"bindingParameter\"> of <Action Name=\"assignLines\"> (the binding parameter): Type=\"Collection(nowhere.memberConfig)\" does not resolve: no <Schema> in the document has the namespace or alias \"nowhere\""
        )),
        "{e}"
    );
}

#[test]
fn missing_root_singleton_or_navigation() {
    let text = fixture().replace(
        "<Singleton Name=\"admin\"",
        "<Singleton Name=\"administration\"",
    );
    let e = error_of(&text);
    assert!(
        e.starts_with("teams-like.xml: no <Singleton Name=\"admin\"> in any <EntityContainer>"),
        "{e}"
    );

    let text = fixture().replace(
        "<NavigationProperty Name=\"teams\"",
        "<NavigationProperty Name=\"teamwork\"",
    );
    let line = line_of(&text, "<EntityType Name=\"admin\">");
    let e = error_of(&text);
    assert!(
        e.starts_with(&format!(
            "teams-like.xml:{line}:7: <EntityType Name=\"admin\"> (reached from <Singleton Name=\"admin\"> on the slice root /admin/teams) has no navigation property \"teams\""
        )),
        "{e}"
    );
}

#[test]
fn outside_type_without_boundary_rule() {
    let mut o = options();
    o.boundary.remove("microsoft.graph.user");
    let e = format!(
        "{:#}",
        slice_from_csdl(Path::new("teams-like.xml"), fixture().as_bytes(), &o).unwrap_err()
    );
    let line = line_of(&fixture(), "<NavigationProperty Name=\"user\"");
    assert!(
        e.starts_with(&format!(
            "teams-like.xml:{line}:9: <NavigationProperty Name=\"user\"> of <EntityType Name=\"memberConfig\"> refers to microsoft.graph.user, which is outside microsoft.graph.teamsAdministration and has no boundary rule"
        )),
        "{e}"
    );
}

#[test]
fn bare_schema_root_and_not_utf8() {
    // A bare <Schema> holding everything: entity, container and namespace.
    let bare = r#"<?xml version="1.0" encoding="utf-8"?>
<Schema Namespace="microsoft.graph.teamsAdministration" Alias="teamsAdministration" xmlns="http://docs.oasis-open.org/odata/ns/edm">
  <EntityType Name="base" Abstract="true">
    <Key><PropertyRef Name="id" /></Key>
    <Property Name="id" Type="Edm.String" Nullable="false" />
  </EntityType>
  <EntityType Name="root" BaseType="teamsAdministration.base">
    <NavigationProperty Name="items" Type="Collection(teamsAdministration.item)" ContainsTarget="true" />
  </EntityType>
  <EntityType Name="item" BaseType="teamsAdministration.base" />
  <EntityType Name="service">
    <NavigationProperty Name="teams" Type="teamsAdministration.root" ContainsTarget="true" />
  </EntityType>
  <EntityContainer Name="Service">
    <Singleton Name="admin" Type="teamsAdministration.service" />
  </EntityContainer>
</Schema>
"#;
    assert!(is_csdl(bare.as_bytes()));
    let doc = slice(bare).unwrap();
    assert_eq!(
        keys(&doc["paths"]),
        [
            "/admin/teams",
            "/admin/teams/items",
            "/admin/teams/items/{item-id}",
            "/admin/teams/items/$count"
        ]
    );
    assert_eq!(
        doc["info"]["title"],
        "OData Service for namespace microsoft.graph.teamsAdministration"
    );

    let e = format!(
        "{:#}",
        slice_from_csdl(Path::new("x.xml"), b"<a>\n\xff</a>", &options()).unwrap_err()
    );
    assert_eq!(
        e,
        "x.xml:2:1: not UTF-8 text (a CSDL document must be UTF-8)"
    );
}

// ----- the real v1.0 document -----

/// Names, per kind, of what a slice declares: compared between the slice
/// converted from the real CSDL and the committed one.
fn structure(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |k: String, v: String| {
        out.entry(k).or_default().insert(v);
    };
    for (path, item) in doc["paths"].as_object().unwrap() {
        add("paths".into(), path.clone());
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                add(format!("operations of {path}"), method.clone());
                add("operationIds".into(), format!("{method} {path} {id}"));
            }
        }
    }
    for (name, s) in doc["components"]["schemas"].as_object().unwrap() {
        add("schemas".into(), name.clone());
        let mut parts = vec![s];
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            parts.extend(all);
        }
        for part in parts {
            for p in part
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                add(format!("properties of {name}"), p.0.clone());
            }
            for m in part
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                add(
                    format!("members of {name}"),
                    m.as_str().unwrap_or_default().to_owned(),
                );
            }
        }
    }
    for name in doc["components"]["responses"].as_object().unwrap().keys() {
        add("responses".into(), name.clone());
    }
    out
}

fn differences(ours: &Value, theirs: &Value) -> Vec<String> {
    let (a, b) = (structure(ours), structure(theirs));
    let mut out = Vec::new();
    for k in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
        let empty = BTreeSet::new();
        let (x, y) = (a.get(k).unwrap_or(&empty), b.get(k).unwrap_or(&empty));
        for only in x.difference(y) {
            out.push(format!("{k}: only in the converted slice: {only}"));
        }
        for only in y.difference(x) {
            out.push(format!("{k}: only in the committed slice: {only}"));
        }
    }
    out
}

#[test]
fn real_v1_metadata_matches_the_committed_slice_structurally() {
    let root = xtask::workspace_root().unwrap();
    let upstream = xtask::upstream_dir(&root).join("v1.0-cleanMetadata.xml");
    let Ok(bytes) = std::fs::read(&upstream) else {
        println!(
            "skipped: {} is not present (set {} to the directory holding it)",
            upstream.display(),
            xtask::workspace::UPSTREAM_DIR_VAR
        );
        return;
    };
    // The rule the committed slice was cut with, from specs/source.toml.
    let rule = SliceRule::from_record(&root.join(xtask::defaults::RECORD)).unwrap();
    let options = CsdlSliceOptions::from_rule(&rule, "https://graph.microsoft.com/v1.0/").unwrap();
    let started = Instant::now();
    let ours = slice_from_csdl(&upstream, &bytes, &options).unwrap();
    println!("converted {} bytes in {:?}", bytes.len(), started.elapsed());
    if let Ok(dump) = std::env::var("CSDL_DUMP") {
        std::fs::write(&dump, serde_yaml_ng::to_string(&ours).unwrap()).unwrap();
    }
    let committed = xtask::spec::load(&root.join(xtask::defaults::SPEC)).unwrap();
    let diffs = differences(&ours, &committed.value);
    assert!(
        diffs.is_empty(),
        "structural differences:\n{}",
        diffs.join("\n")
    );
    // Same path order apart from where the converter puts the keyed
    // sub-path ahead of `$count` (see the module docs of csdl::order).
    assert_eq!(
        keys(&ours["paths"]).len(),
        keys(&committed.value["paths"]).len()
    );
    assert_eq!(
        keys(&ours["components"]["schemas"]),
        keys(&committed.value["components"]["schemas"])
    );
}

// ----- size -----

#[test]
fn slices_an_8_mb_synthetic_document() {
    let doc = synthetic::synthetic_csdl(8 * 1024 * 1024);
    assert!(doc.len() >= 8 * 1024 * 1024 * 9 / 10);
    let started = Instant::now();
    let v = slice_from_csdl(Path::new("synthetic.xml"), &doc, &synthetic::options()).unwrap();
    let elapsed = started.elapsed();
    println!("sliced {} bytes in {elapsed:?}", doc.len());
    assert_eq!(keys(&v["paths"]).len(), 8);
    assert!(elapsed.as_secs() < 20, "{elapsed:?}");
}

/// `CSDL_BENCH_BYTES=52428800 cargo test --release -p xtask --test csdl -- --ignored --nocapture`
#[test]
#[ignore = "timing run; see the doc comment"]
fn bench_synthetic() {
    let size: usize = std::env::var("CSDL_BENCH_BYTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50 * 1024 * 1024);
    let doc = synthetic::synthetic_csdl(size);
    let before = peak_rss_kib();
    let started = Instant::now();
    let v = slice_from_csdl(Path::new("synthetic.xml"), &doc, &synthetic::options()).unwrap();
    let elapsed = started.elapsed();
    println!(
        "sliced {} bytes in {elapsed:?}; {} paths; peak RSS {} KiB before, {} KiB after",
        doc.len(),
        keys(&v["paths"]).len(),
        before,
        peak_rss_kib()
    );
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

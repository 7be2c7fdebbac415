//! Benchmarks' input: a synthetic, Graph-shaped CSDL document of a chosen
//! size, for testing the slicer's speed and memory on inputs as large as the
//! real `$metadata` (`cargo xtask bench csdl`, `xtask/tests/csdl.rs`).
//!
//! The document has what makes Graph's large: a main `microsoft.graph`
//! schema (alias `graph`) with thousands of entity, complex and enum types,
//! bound actions and functions, an entity container with entity sets and
//! singletons, `<Annotations>` blocks with descriptions and capability
//! records; several unrelated namespaces; and, between them, a small
//! `microsoft.graph.teamsAdministration` namespace (alias
//! `teamsAdministration`) reached from the `admin` singleton's `teams`
//! navigation property, which [`options`] slices (its own rule, not
//! `specs/source.toml`'s: the synthetic namespace is not the real one).
//!
//! The room: `bench/`. Uses the CSDL converter's option type only; builds
//! text in memory and writes no files.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::slice::Boundary;
use crate::slice::csdl::CsdlSliceOptions;

const EDM: &str = "http://docs.oasis-open.org/odata/ns/edm";

/// The options that slice the synthetic document's small namespace.
pub fn options() -> CsdlSliceOptions {
    CsdlSliceOptions {
        namespace: "microsoft.graph.teamsAdministration".into(),
        root: "/admin/teams".into(),
        server_url: "https://graph.microsoft.com/beta/".into(),
        exclude_below: vec!["/admin/teams/lines/{phoneLine-id}/owner/".into()],
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

/// The namespace [`options`] slices; every name in it is this module's own.
const TEAMS: &str = r#"    <Schema Namespace="microsoft.graph.teamsAdministration" Alias="teamsAdministration" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="lineKind">
        <Member Name="landline" Value="0" />
        <Member Name="mobile" Value="1" />
        <Member Name="unknownFutureValue" Value="2" />
      </EnumType>
      <ComplexType Name="lineDetail">
        <Property Name="kind" Type="teamsAdministration.lineKind" />
        <Property Name="number" Type="Edm.String" Nullable="false" />
      </ComplexType>
      <EntityType Name="adminSettings" BaseType="graph.entity">
        <Property Name="enabled" Type="Edm.Boolean" />
      </EntityType>
      <EntityType Name="phoneLine" BaseType="graph.entity">
        <Property Name="createdDateTime" Type="Edm.DateTimeOffset" Nullable="false" />
        <Property Name="details" Type="Collection(teamsAdministration.lineDetail)" />
        <Property Name="kind" Type="teamsAdministration.lineKind" Nullable="false" />
        <Property Name="number" Type="Edm.String" Nullable="false" />
        <Property Name="status" Type="graph.longRunningOperationStatus" />
        <NavigationProperty Name="owner" Type="graph.user" />
      </EntityType>
      <EntityType Name="teamsAdminRoot" BaseType="graph.entity">
        <NavigationProperty Name="lines" Type="Collection(teamsAdministration.phoneLine)" ContainsTarget="true" />
        <NavigationProperty Name="settings" Type="teamsAdministration.adminSettings" ContainsTarget="true" />
      </EntityType>
      <Action Name="assignLine" IsBound="true">
        <Parameter Name="bindingParameter" Type="Collection(teamsAdministration.phoneLine)" />
        <Parameter Name="number" Type="Edm.String" Nullable="false" />
        <Parameter Name="kind" Type="teamsAdministration.lineKind" />
      </Action>
      <Function Name="lookup" IsBound="true">
        <Parameter Name="bindingParameter" Type="teamsAdministration.adminSettings" />
        <Parameter Name="name" Type="Edm.String" Nullable="false" />
        <ReturnType Type="Collection(teamsAdministration.phoneLine)" />
      </Function>
    </Schema>
"#;

const PRIMITIVES: [&str; 8] = [
    "Edm.String",
    "Edm.Boolean",
    "Edm.Int32",
    "Edm.Int64",
    "Edm.DateTimeOffset",
    "Edm.Guid",
    "Edm.Double",
    "Edm.Duration",
];

/// A CSDL document of about `target_bytes` bytes (never less than the
/// fixed parts, a few kilobytes).
pub fn synthetic_csdl(target_bytes: usize) -> Vec<u8> {
    let mut s = String::with_capacity(target_bytes + 64 * 1024);
    s.push_str("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    s.push_str("<!-- Synthetic Graph-shaped CSDL for slicer tests. -->\n");
    s.push_str(
        "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n",
    );
    s.push_str("  <edmx:DataServices>\n");
    main_schema(&mut s, target_bytes * 55 / 100);
    let mut k = 0;
    while s.len() < target_bytes * 75 / 100 {
        other_schema(&mut s, k, 256 * 1024);
        k += 1;
    }
    s.push_str(TEAMS);
    while s.len() + 64 < target_bytes {
        let room = target_bytes - s.len();
        other_schema(&mut s, k, room.min(256 * 1024));
        k += 1;
    }
    s.push_str("  </edmx:DataServices>\n</edmx:Edmx>\n");
    s.into_bytes()
}

fn main_schema(s: &mut String, budget: usize) {
    let start = s.len();
    let _ = writeln!(
        s,
        "    <Schema Namespace=\"microsoft.graph\" Alias=\"graph\" xmlns=\"{EDM}\">"
    );
    s.push_str(
        r#"      <EnumType Name="longRunningOperationStatus">
        <Member Name="notStarted" Value="0" />
        <Member Name="running" Value="1" />
        <Member Name="succeeded" Value="2" />
        <Member Name="failed" Value="3" />
        <Member Name="unknownFutureValue" Value="4" />
      </EnumType>
      <EnumType Name="syntheticFlags" IsFlags="true">
        <Member Name="none" Value="0" />
        <Member Name="read" Value="1" />
        <Member Name="write" Value="2" />
      </EnumType>
      <EntityType Name="entity" Abstract="true">
        <Key>
          <PropertyRef Name="id" />
        </Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="directoryObject" BaseType="graph.entity" OpenType="true">
        <Property Name="deletedDateTime" Type="Edm.DateTimeOffset" />
      </EntityType>
      <EntityType Name="user" BaseType="graph.directoryObject" OpenType="true">
        <Property Name="accountEnabled" Type="Edm.Boolean" />
        <Property Name="businessPhones" Type="Collection(Edm.String)" Nullable="false" />
        <Property Name="displayName" Type="Edm.String" />
        <Property Name="mail" Type="Edm.String" />
        <NavigationProperty Name="manager" Type="graph.directoryObject" />
        <NavigationProperty Name="memberOf" Type="Collection(graph.directoryObject)" />
      </EntityType>
      <EntityType Name="admin">
        <NavigationProperty Name="edge" Type="graph.syntheticItem0" ContainsTarget="true" />
        <NavigationProperty Name="teams" Type="teamsAdministration.teamsAdminRoot" ContainsTarget="true" />
      </EntityType>
      <Action Name="changeSecret" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.user" />
        <Parameter Name="secret" Type="Edm.String" Nullable="false" />
      </Action>
"#,
    );
    let mut i = 0;
    // Leave room for the container and the annotations.
    while s.len() - start < budget * 80 / 100 || i < 2 {
        filler_types(s, "graph", i);
        i += 1;
    }
    let count = i;
    s.push_str("      <EntityContainer Name=\"GraphService\">\n");
    for i in (0..count).step_by(3) {
        let _ = writeln!(
            s,
            "        <EntitySet Name=\"syntheticItems{i}\" EntityType=\"microsoft.graph.syntheticItem{i}\">\n          <NavigationPropertyBinding Path=\"owner\" Target=\"users\" />\n        </EntitySet>"
        );
    }
    s.push_str(
        r#"        <EntitySet Name="users" EntityType="microsoft.graph.user" />
        <Singleton Name="admin" Type="microsoft.graph.admin">
          <NavigationPropertyBinding Path="teams/lines/owner" Target="users" />
        </Singleton>
        <Singleton Name="me" Type="microsoft.graph.user" />
      </EntityContainer>
"#,
    );
    let mut j = 0;
    while s.len() - start < budget || j < 2 {
        let n = j % count;
        let _ = writeln!(
            s,
            "      <Annotations Target=\"microsoft.graph.syntheticItem{n}/label\">\n        <Annotation Term=\"Org.OData.Core.V1.Description\" String=\"Label of item {n} &amp; more (note {j}).\" />\n      </Annotations>"
        );
        let _ = writeln!(
            s,
            "      <Annotations Target=\"microsoft.graph.GraphService/syntheticItems{}\">\n        <Annotation Term=\"Org.OData.Capabilities.V1.NavigationRestrictions\">\n          <Record>\n            <PropertyValue Property=\"RestrictedProperties\">\n              <Collection>\n                <Record>\n                  <PropertyValue Property=\"IndexableByKey\" Bool=\"false\" />\n                </Record>\n              </Collection>\n            </PropertyValue>\n          </Record>\n        </Annotation>\n      </Annotations>",
            n - n % 3
        );
        j += 1;
    }
    s.push_str("    </Schema>\n");
}

/// A namespace unrelated to the slice, of about `budget` bytes.
fn other_schema(s: &mut String, k: usize, budget: usize) {
    let start = s.len();
    let alias = format!("synthetic{k}");
    let _ = writeln!(
        s,
        "    <Schema Namespace=\"microsoft.graph.{alias}\" Alias=\"{alias}\" xmlns=\"{EDM}\">"
    );
    let mut i = 0;
    while s.len() - start < budget || i < 2 {
        filler_types(s, &alias, i);
        i += 1;
    }
    s.push_str("    </Schema>\n");
}

/// One group of types of the kind Graph has thousands of: an enum, a complex
/// type, an entity type with properties of every common kind and navigation
/// properties, and operations bound to it.
fn filler_types(s: &mut String, alias: &str, i: usize) {
    let _ = writeln!(s, "      <EnumType Name=\"syntheticState{i}\">");
    for (v, m) in [
        "draft",
        "active",
        "retired",
        "blocked",
        "unknownFutureValue",
    ]
    .iter()
    .enumerate()
    {
        let _ = writeln!(s, "        <Member Name=\"{m}\" Value=\"{v}\" />");
    }
    s.push_str("      </EnumType>\n");
    let _ = writeln!(s, "      <ComplexType Name=\"syntheticDetail{i}\">");
    for (p, ty) in ["label", "weight", "observedDateTime", "tags"].iter().zip([
        "Edm.String",
        "Edm.Double",
        "Edm.DateTimeOffset",
        "Collection(Edm.String)",
    ]) {
        let _ = writeln!(s, "        <Property Name=\"{p}\" Type=\"{ty}\" />");
    }
    s.push_str("      </ComplexType>\n");
    let _ = writeln!(
        s,
        "      <EntityType Name=\"syntheticItem{i}\" BaseType=\"graph.entity\">"
    );
    for p in 0..10 {
        let ty = PRIMITIVES[(i + p) % PRIMITIVES.len()];
        let nullable = if p % 3 == 0 {
            " Nullable=\"false\""
        } else {
            ""
        };
        if p == 4 {
            let _ = writeln!(
                s,
                "        <Property Name=\"property{p}\" Type=\"{ty}\"{nullable}>\n          <Annotation Term=\"Org.OData.Core.V1.Description\" String=\"Property {p} of item {i}.\" />\n        </Property>"
            );
        } else {
            let _ = writeln!(
                s,
                "        <Property Name=\"property{p}\" Type=\"{ty}\"{nullable} />"
            );
        }
    }
    let _ = writeln!(
        s,
        "        <Property Name=\"label\" Type=\"Edm.String\" />\n        <Property Name=\"state\" Type=\"{alias}.syntheticState{i}\" Nullable=\"false\" />\n        <Property Name=\"details\" Type=\"Collection({alias}.syntheticDetail{i})\" />\n        <NavigationProperty Name=\"owner\" Type=\"graph.user\" />"
    );
    if i > 0 {
        let _ = writeln!(
            s,
            "        <NavigationProperty Name=\"parts\" Type=\"Collection({alias}.syntheticItem{})\" ContainsTarget=\"true\" />",
            i - 1
        );
    }
    s.push_str("      </EntityType>\n");
    let _ = writeln!(
        s,
        "      <Action Name=\"refresh{i}\" IsBound=\"true\">\n        <Parameter Name=\"bindingParameter\" Type=\"{alias}.syntheticItem{i}\" />\n        <Parameter Name=\"force\" Type=\"Edm.Boolean\" />\n      </Action>"
    );
    let _ = writeln!(
        s,
        "      <Function Name=\"summarize{i}\" IsBound=\"true\">\n        <Parameter Name=\"bindingParameter\" Type=\"Collection({alias}.syntheticItem{i})\" />\n        <Parameter Name=\"window\" Type=\"Edm.Duration\" Nullable=\"false\" />\n        <ReturnType Type=\"Collection({alias}.syntheticDetail{i})\" />\n      </Function>"
    );
    if i.is_multiple_of(4) {
        let _ = writeln!(
            s,
            "      <Action Name=\"notify{i}\" IsBound=\"true\">\n        <Parameter Name=\"bindingParameter\" Type=\"graph.user\" />\n        <Parameter Name=\"message\" Type=\"Edm.String\" />\n      </Action>"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_about_the_requested_size_and_is_csdl() {
        for size in [10_000, 300_000, 1_000_000] {
            let doc = synthetic_csdl(size);
            assert!(crate::slice::csdl::is_csdl(&doc));
            assert!(doc.len() >= size * 9 / 10, "{} < {size}", doc.len());
            assert!(doc.len() <= size + 300 * 1024, "{} > {size}", doc.len());
        }
    }

    #[test]
    fn the_small_namespace_slices() {
        let doc = synthetic_csdl(200_000);
        let v = crate::slice::csdl::slice_from_csdl(
            std::path::Path::new("synthetic.xml"),
            &doc,
            &options(),
        )
        .unwrap();
        let paths: Vec<&String> = v["paths"].as_object().unwrap().keys().collect();
        assert_eq!(
            paths,
            [
                "/admin/teams",
                "/admin/teams/lines",
                "/admin/teams/lines/{phoneLine-id}",
                "/admin/teams/lines/{phoneLine-id}/owner",
                "/admin/teams/lines/$count",
                "/admin/teams/lines/microsoft.graph.teamsAdministration.assignLine",
                "/admin/teams/settings",
                "/admin/teams/settings/microsoft.graph.teamsAdministration.lookup(name='{name}')",
            ]
        );
    }
}

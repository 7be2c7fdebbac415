//! Benchmarks' input: a synthetic, Graph-shaped full OpenAPI description of
//! any size: our slice (paths under `/admin/teams` and what they reference)
//! surrounded by many unrelated namespaces written the way the converter
//! writes them, with a `microsoft.graph.user` that reaches far into the
//! rest, and an entity discriminator mapping listing every entity. Used by
//! the slice and update tests and the slice benchmark; never committed as a
//! file.
//!
//! The room: `bench/`. Uses [`crate::spec`] (YAML writing, the converter's
//! date-time pattern); builds text in memory and writes no files.

use std::fmt::Write as _;

use serde_json::Value;

use crate::spec::idioms::DATE_TIME_PATTERN;
use crate::spec::yaml;

fn path_item(out: &mut String, ns: usize, ent: usize) {
    let t = format!("microsoft.graph.ns{ns}.thing{ent}");
    let _ = write!(
        out,
        "  '/ns{ns}/things{ent}':
    description: Provides operations to manage the things{ent} property of the microsoft.graph.ns{ns}Root entity.
    get:
      tags:
        - ns{ns}.root
      summary: List things{ent}
      operationId: ns{ns}_ListThings{ent}
      parameters:
        - $ref: '#/components/parameters/top'
        - $ref: '#/components/parameters/skip'
        - $ref: '#/components/parameters/search'
        - $ref: '#/components/parameters/filter'
        - $ref: '#/components/parameters/count'
        - name: $select
          in: query
          description: Select properties to be returned
          style: form
          explode: false
          schema:
            uniqueItems: true
            type: array
            items:
              type: string
      responses:
        2XX:
          $ref: '#/components/responses/{t}CollectionResponse'
        4XX:
          $ref: '#/components/responses/error'
        5XX:
          $ref: '#/components/responses/error'
      x-ms-pageable:
        nextLinkName: '@odata.nextLink'
        operationName: listMore
      x-ms-docs-operation-type: operation
  '/ns{ns}/things{ent}/{{thing{ent}-id}}':
    description: Provides operations to manage the things{ent} property of the microsoft.graph.ns{ns}Root entity.
    get:
      tags:
        - ns{ns}.root
      summary: Get things{ent}
      operationId: ns{ns}_GetThings{ent}
      responses:
        2XX:
          description: Retrieved navigation property
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{t}'
        4XX:
          $ref: '#/components/responses/error'
        5XX:
          $ref: '#/components/responses/error'
      x-ms-docs-operation-type: operation
    parameters:
      - name: thing{ent}-id
        in: path
        description: The unique identifier of thing{ent}
        required: true
        schema:
          type: string
        x-ms-docs-key-type: thing{ent}
"
    );
}

fn schema(out: &mut String, ns: usize, ent: usize, entities_per_ns: usize) {
    let t = format!("microsoft.graph.ns{ns}.thing{ent}");
    let next = format!(
        "microsoft.graph.ns{ns}.thing{}",
        (ent + 1) % entities_per_ns
    );
    let _ = write!(
        out,
        "    {t}:
      allOf:
        - $ref: '#/components/schemas/microsoft.graph.entity'
        - title: thing{ent}
          required:
            - '@odata.type'
          type: object
          properties:
            createdDateTime:
              pattern: '{DATE_TIME_PATTERN}'
              type: string
              description: When the thing was created.
              format: date-time
              nullable: true
            displayName:
              type: string
              description: Display name of the thing, shown to people in lists and pickers.
              nullable: true
            kind:
              anyOf:
                - $ref: '#/components/schemas/microsoft.graph.ns{ns}.kind'
                - type: object
                  nullable: true
              description: What kind of thing this is.
            related:
              type: array
              items:
                $ref: '#/components/schemas/{next}'
              x-ms-navigationProperty: true
            '@odata.type':
              type: string
              default: '#{t}'
      x-ms-discriminator-value: '#{t}'
    {t}CollectionResponse:
      title: Collection of thing{ent}
      type: object
      allOf:
        - $ref: '#/components/schemas/BaseCollectionPaginationCountResponse'
        - type: object
          properties:
            value:
              type: array
              items:
                $ref: '#/components/schemas/{t}'
"
    );
}

/// Writes the document; `slice` supplies the `/admin/teams` part (our
/// committed slice), `target_bytes` the approximate size.
pub fn synthetic_openapi(slice: &Value, target_bytes: usize) -> String {
    const ENTITIES: usize = 40;
    // One namespace is about 70 KB of paths and schemas.
    let namespaces = (target_bytes / 70_000).max(2);
    let mut paths = String::with_capacity(target_bytes / 2);
    let mut schemas = String::with_capacity(target_bytes / 2);
    let mut responses = String::new();
    let mut mapping = String::new();
    for ns in 0..namespaces {
        for ent in 0..ENTITIES {
            if paths.len() + schemas.len() >= target_bytes {
                break;
            }
            path_item(&mut paths, ns, ent);
            schema(&mut schemas, ns, ent, ENTITIES);
            let t = format!("microsoft.graph.ns{ns}.thing{ent}");
            let _ = writeln!(mapping, "          '#{t}': '#/components/schemas/{t}'");
            let _ = write!(
                responses,
                "    {t}CollectionResponse:\n      description: Retrieved collection\n      content:\n        application/json:\n          schema:\n            $ref: '#/components/schemas/{t}CollectionResponse'\n"
            );
        }
        let _ = write!(
            schemas,
            "    microsoft.graph.ns{ns}.kind:\n      title: kind\n      enum:\n        - alpha\n        - beta\n        - unknownFutureValue\n      type: string\n"
        );
    }
    // Our slice, spliced in: its paths, and every component except the ones
    // written above in the upstream shape (entity, user, shared pieces).
    let own = yaml::to_string(&slice["paths"]);
    for line in own.lines() {
        let _ = writeln!(paths, "  {line}");
    }
    let mut mapping_own = String::new();
    for (k, v) in
        slice["components"]["schemas"]["microsoft.graph.entity"]["discriminator"]["mapping"]
            .as_object()
            .into_iter()
            .flatten()
    {
        if k != "#microsoft.graph.user" {
            let _ = writeln!(
                mapping_own,
                "          '{k}': '{}'",
                v.as_str().unwrap_or_default()
            );
        }
    }
    let mut slice_schemas = slice["components"]["schemas"].clone();
    if let Some(m) = slice_schemas.as_object_mut() {
        m.remove("microsoft.graph.entity");
        m.remove("microsoft.graph.user");
    }
    let indent = |v: &Value| -> String {
        let mut s = String::new();
        for line in yaml::to_string(v).lines() {
            let _ = writeln!(s, "    {line}");
        }
        s
    };

    let mut out = String::with_capacity(target_bytes + 200_000);
    out.push_str("openapi: 3.0.4\ninfo:\n  title: OData Service for namespace microsoft.graph\n  description: This OData service is located at https://graph.microsoft.com/beta\n  version: 1.0.1\nservers:\n  - url: https://graph.microsoft.com/beta/\npaths:\n");
    out.push_str(&paths);
    out.push_str("components:\n  schemas:\n");
    let _ = write!(
        out,
        "    microsoft.graph.entity:\n      title: entity\n      required:\n        - '@odata.type'\n      type: object\n      properties:\n        id:\n          type: string\n          description: The unique identifier for an entity. Read-only.\n        '@odata.type':\n          type: string\n      discriminator:\n        propertyName: '@odata.type'\n        mapping:\n{mapping_own}{mapping}          '#microsoft.graph.user': '#/components/schemas/microsoft.graph.user'\n"
    );
    // The full user type reaches into the unrelated namespaces.
    let _ = write!(
        out,
        "    microsoft.graph.user:\n      allOf:\n        - $ref: '#/components/schemas/microsoft.graph.directoryObject'\n        - title: user\n          required:\n            - '@odata.type'\n          type: object\n          properties:\n            displayName:\n              type: string\n              nullable: true\n            things:\n              type: array\n              items:\n                $ref: '#/components/schemas/microsoft.graph.ns0.thing0'\n              x-ms-navigationProperty: true\n            '@odata.type':\n              type: string\n              default: '#microsoft.graph.user'\n      x-ms-discriminator-value: '#microsoft.graph.user'\n    microsoft.graph.directoryObject:\n      allOf:\n        - $ref: '#/components/schemas/microsoft.graph.entity'\n        - title: directoryObject\n          required:\n            - '@odata.type'\n          type: object\n          properties:\n            deletedDateTime:\n              pattern: '{DATE_TIME_PATTERN}'\n              type: string\n              format: date-time\n              nullable: true\n            '@odata.type':\n              type: string\n              default: '#microsoft.graph.directoryObject'\n"
    );
    out.push_str(&schemas);
    for line in yaml::to_string(&slice_schemas).lines() {
        let _ = writeln!(out, "    {line}");
    }
    out.push_str("  responses:\n");
    out.push_str(&responses);
    out.push_str(&indent(&slice["components"]["responses"]));
    out.push_str("  parameters:\n");
    out.push_str(&indent(&slice["components"]["parameters"]));
    out.push_str("  securitySchemes:\n    azureaadv2:\n      type: oauth2\n      flows:\n        authorizationCode:\n          authorizationUrl: https://login.microsoftonline.com/common/oauth2/v2.0/authorize\n          tokenUrl: https://login.microsoftonline.com/common/oauth2/v2.0/token\n          scopes: { }\nsecurity:\n  - azureaadv2: [ ]\ntags:\n");
    for ns in 0..namespaces {
        let _ = writeln!(out, "  - name: ns{ns}.root\n    x-ms-docs-toc-type: page");
    }
    out.push_str("  - name: admin.teamsAdminRoot\n    x-ms-docs-toc-type: page\n");
    out
}

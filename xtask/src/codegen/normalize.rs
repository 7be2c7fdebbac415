//! Generic clean-up of Graph-shaped OpenAPI (the CSDL→OpenAPI converter's
//! idioms) into something typify/progenitor turn into working Rust.
//!
//! Nothing here knows about Teams: every pass is about how the converter
//! writes OData, so the same passes apply to any slice of the Graph
//! description. Endpoint-specific corrections belong in the overlay.

use serde_json::{Map, Value, json};

use crate::doc::{resolve, schema_ref_name};

/// Runs every pass, in order.
pub fn run(doc: &mut Value) {
    collapse_nullable_any_of(doc);
    flatten_all_of(doc);
    odata_type_not_required(doc);
    drop_discriminators(doc);
    flags_enums_to_strings(doc);
    path_parameters_not_nullable(doc);
    open_models(doc);
    tolerate_null_collections(doc);
    untitle_inline_responses(doc);
}

/// True for the "or null" half of the converter's nullable idiom, in the
/// 1.x (`{type: object, nullable: true}`), 2.x (`{nullable: true}`) and 3.x
/// (`{enum: [null]}`) forms.
pub fn is_null_schema(v: &Value) -> bool {
    let Some(m) = v.as_object() else { return false };
    let nullable_object = m.get("nullable") == Some(&Value::Bool(true))
        && m.keys().all(|k| k == "nullable" || k == "type")
        && m.get("type").is_none_or(|t| t == "object");
    let enum_null = m.len() == 1 && m.get("enum") == Some(&json!([null]));
    let type_null = m.len() == 1 && m.get("type") == Some(&json!("null"));
    nullable_object || enum_null || type_null
}

/// If `schema` is `anyOf: [X, null]`, returns X.
pub fn nullable_any_of_inner(schema: &Value) -> Option<&Value> {
    let any = schema.get("anyOf")?.as_array()?;
    match any.as_slice() {
        [a, b] if is_null_schema(b) && !is_null_schema(a) => Some(a),
        [a, b] if is_null_schema(a) && !is_null_schema(b) => Some(b),
        _ => None,
    }
}

fn walk_mut(v: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    match v {
        Value::Object(m) => {
            f(m);
            for child in m.values_mut() {
                walk_mut(child, f);
            }
        }
        Value::Array(items) => {
            for child in items {
                walk_mut(child, f);
            }
        }
        _ => {}
    }
}

/// `anyOf: [{$ref: X}, {type: object, nullable: true}]` → `{$ref: X}`, or
/// `allOf: [{$ref: X}]` plus the siblings (typically `description`).
/// Properties stay optional, so the Rust field is `Option<X>` either way.
pub fn collapse_nullable_any_of(doc: &mut Value) {
    walk_mut(doc, &mut |m| {
        let inner = match nullable_any_of_inner(&Value::Object(m.clone())) {
            Some(inner) => inner.clone(),
            None => return,
        };
        m.remove("anyOf");
        let siblings: Vec<_> = m.keys().cloned().collect();
        if siblings.is_empty() {
            if let Value::Object(inner) = inner {
                *m = inner;
            }
        } else if inner.get("$ref").is_some() {
            m.insert("allOf".into(), Value::Array(vec![inner]));
        } else if let Value::Object(inner) = inner {
            for (k, v) in inner {
                m.entry(k).or_insert(v);
            }
        }
    });
}

fn is_object_schema(doc: &Value, schema: &Value, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return resolve(doc, r).is_some_and(|s| is_object_schema(doc, s, depth + 1));
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        return parts.iter().all(|p| is_object_schema(doc, p, depth + 1));
    }
    schema.get("properties").is_some()
        || (schema.get("type") == Some(&json!("object")) && schema.get("enum").is_none())
}

/// Merges `allOf` inheritance (OData base types) into one object schema:
/// base properties first, then the derived type's. Leaves `allOf` alone when
/// a member is not an object schema (for example `allOf: [$ref enum]`).
pub fn flatten_all_of(doc: &mut Value) {
    let snapshot = doc.clone();
    walk_mut(doc, &mut |m| {
        let Some(Value::Array(parts)) = m.get("allOf") else {
            return;
        };
        // A lone reference (what a nullable `anyOf` collapses to when it has a
        // description) stays a reference to the named type.
        let lone_ref = parts.len() == 1 && parts[0].get("$ref").is_some();
        if lone_ref || !parts.iter().all(|p| is_object_schema(&snapshot, p, 0)) {
            return;
        }
        let parts = parts.clone();
        m.remove("allOf");
        let mut merged = Map::new();
        for part in &parts {
            merge_into(&snapshot, &mut merged, part, 0);
        }
        for (k, v) in merged {
            match k.as_str() {
                "properties" => {
                    let own = m.remove("properties");
                    let mut props = v.as_object().cloned().unwrap_or_default();
                    if let Some(Value::Object(own)) = own {
                        props.extend(own);
                    }
                    m.insert(k, Value::Object(props));
                }
                "required" => {
                    let mut req: Vec<Value> = v.as_array().cloned().unwrap_or_default();
                    if let Some(Value::Array(own)) = m.remove("required") {
                        for r in own {
                            if !req.contains(&r) {
                                req.push(r);
                            }
                        }
                    }
                    m.insert(k, Value::Array(req));
                }
                _ => {
                    m.entry(k).or_insert(v);
                }
            }
        }
        m.insert("type".into(), json!("object"));
    });
}

fn merge_into(doc: &Value, out: &mut Map<String, Value>, part: &Value, depth: usize) {
    if depth > 32 {
        return;
    }
    if let Some(r) = part.get("$ref").and_then(Value::as_str) {
        if let Some(target) = resolve(doc, r) {
            merge_into(doc, out, target, depth + 1);
        }
        return;
    }
    if let Some(Value::Array(parts)) = part.get("allOf") {
        for p in parts {
            merge_into(doc, out, p, depth + 1);
        }
    }
    for (k, v) in part.as_object().into_iter().flatten() {
        match k.as_str() {
            "allOf" | "discriminator" => {}
            "properties" => {
                let props = out
                    .entry("properties")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let (Value::Object(props), Value::Object(new)) = (props, v) {
                    for (name, schema) in new {
                        props.insert(name.clone(), schema.clone());
                    }
                }
            }
            "required" => {
                let req = out.entry("required").or_insert_with(|| json!([]));
                if let (Value::Array(req), Value::Array(new)) = (req, v) {
                    for r in new {
                        if !req.contains(r) {
                            req.push(r.clone());
                        }
                    }
                }
            }
            // The most derived type's title, description and extensions win.
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The converter marks `'@odata.type'` required on every entity, but Graph
/// omits it unless the instance is of a derived type.
pub fn odata_type_not_required(doc: &mut Value) {
    walk_mut(doc, &mut |m| {
        let Some(Value::Array(req)) = m.get_mut("required") else {
            return;
        };
        req.retain(|r| r != "@odata.type");
        if req.is_empty() {
            m.remove("required");
        }
    });
}

/// Discriminator mappings list every derived type of the whole model; they
/// are not needed (typify ignores them) and only make the input larger.
pub fn drop_discriminators(doc: &mut Value) {
    walk_mut(doc, &mut |m| {
        if m.get("discriminator").is_some_and(Value::is_object) {
            m.remove("discriminator");
        }
    });
}

/// Flags enums travel as comma-separated member lists (`"a,b"`), which a
/// closed enum cannot represent: treat them as strings.
pub fn flags_enums_to_strings(doc: &mut Value) {
    walk_mut(doc, &mut |m| {
        let is_flags = m
            .get("x-ms-enum-flags")
            .and_then(|f| f.get("isFlags"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if is_flags {
            m.remove("enum");
        }
    });
}

/// OData function parameters may be marked nullable; a path segment never is.
pub fn path_parameters_not_nullable(doc: &mut Value) {
    walk_mut(doc, &mut |m| {
        if m.get("in") == Some(&json!("path"))
            && let Some(Value::Object(schema)) = m.get_mut("schema")
        {
            schema.remove("nullable");
        }
    });
}

fn for_each_inline_response_schema(doc: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    for item in paths.values_mut() {
        let Value::Object(item) = item else { continue };
        for op in item.values_mut() {
            let Some(Value::Object(responses)) = op.get_mut("responses") else {
                continue;
            };
            for response in responses.values_mut() {
                let Some(Value::Object(content)) = response.get_mut("content") else {
                    continue;
                };
                for media in content.values_mut() {
                    if let Some(Value::Object(schema)) = media.get_mut("schema") {
                        f(schema);
                    }
                }
            }
        }
    }
}

/// Component schemas and inline response schemas: everything a response is
/// deserialized into.
fn for_each_response_schema(doc: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        for schema in schemas.values_mut() {
            if let Value::Object(m) = schema {
                f(m);
            }
        }
    }
    for_each_inline_response_schema(doc, f);
}

/// Models keep what this SDK does not know: unknown fields and `@odata.*`
/// annotations land in a flattened `extra` map instead of being dropped.
pub fn open_models(doc: &mut Value) {
    for_each_response_schema(doc, &mut |m| {
        if m.get("properties").is_some() && !m.contains_key("additionalProperties") {
            m.insert("additionalProperties".into(), json!({}));
        }
    });
}

/// A collection property may be absent (`$select`) or, from some backends,
/// `null`: model it as optional and nullable so neither fails a whole page.
pub fn tolerate_null_collections(doc: &mut Value) {
    for_each_response_schema(doc, &mut |m| {
        let Some(Value::Object(props)) = m.get_mut("properties") else {
            return;
        };
        for prop in props.values_mut() {
            if let Value::Object(p) = prop
                && p.get("type") == Some(&json!("array"))
            {
                p.insert("nullable".into(), Value::Bool(true));
            }
        }
    });
}

/// typify names an inline schema after its `title` (`Collection of
/// policyIdentifierDetail`), and silently merges different schemas that share
/// one. Inline response schemas lose their title and are named after their
/// operation (`GetPolicyIdResponse`) instead.
pub fn untitle_inline_responses(doc: &mut Value) {
    for_each_inline_response_schema(doc, &mut |schema| {
        schema.remove("title");
    });
}

/// Names of the component schemas that are string enums.
pub fn enum_components(doc: &Value) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .filter(|(_, s)| is_string_enum(s))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// A `type: string` schema with an `enum` list of strings.
pub fn is_string_enum(schema: &Value) -> bool {
    schema.get("type") == Some(&json!("string"))
        && schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| !e.is_empty() && e.iter().all(Value::is_string))
}

/// The component a `$ref` (possibly wrapped in a one-element `allOf`) names.
pub fn referenced_component(schema: &Value) -> Option<&str> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return schema_ref_name(r);
    }
    match schema.get("allOf").and_then(Value::as_array)?.as_slice() {
        [only] => referenced_component(only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_any_of_all_three_converter_forms() {
        for null in [
            json!({"type": "object", "nullable": true}),
            json!({"nullable": true}),
            json!({"enum": [null]}),
        ] {
            let mut doc = json!({"p": {"anyOf": [{"$ref": "#/x"}, null], "description": "d"}, "q": {"anyOf": [{"$ref": "#/x"}, null]}});
            doc["p"]["anyOf"][1] = null.clone();
            doc["q"]["anyOf"][1] = null;
            collapse_nullable_any_of(&mut doc);
            assert_eq!(
                doc["p"],
                json!({"description": "d", "allOf": [{"$ref": "#/x"}]})
            );
            assert_eq!(doc["q"], json!({"$ref": "#/x"}));
        }
    }

    #[test]
    fn real_unions_are_left_alone() {
        let mut doc = json!({"anyOf": [{"type": "string"}, {"type": "integer"}]});
        let before = doc.clone();
        collapse_nullable_any_of(&mut doc);
        assert_eq!(doc, before);
    }

    #[test]
    fn inheritance_is_flattened_base_first() {
        let mut doc = json!({"components": {"schemas": {
            "base": {"type": "object", "required": ["@odata.type"], "properties": {"id": {"type": "string"}, "@odata.type": {"type": "string"}},
                     "discriminator": {"propertyName": "@odata.type"}},
            "derived": {"allOf": [{"$ref": "#/components/schemas/base"}, {"title": "derived", "type": "object", "properties": {"name": {"type": "string"}}}],
                        "x-ms-discriminator-value": "#derived"}
        }}});
        flatten_all_of(&mut doc);
        let d = &doc["components"]["schemas"]["derived"];
        let keys: Vec<_> = d["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["id", "@odata.type", "name"]);
        assert_eq!(d["title"], "derived");
        assert_eq!(d["required"], json!(["@odata.type"]));
        assert!(d.get("allOf").is_none());
        odata_type_not_required(&mut doc);
        assert!(
            doc["components"]["schemas"]["derived"]
                .get("required")
                .is_none()
        );
    }

    #[test]
    fn enum_all_of_is_not_flattened() {
        let mut doc = json!({"components": {"schemas": {"e": {"type": "string", "enum": ["a"]}}},
                             "p": {"allOf": [{"$ref": "#/components/schemas/e"}], "description": "x"}});
        flatten_all_of(&mut doc);
        assert_eq!(doc["p"]["allOf"][0]["$ref"], "#/components/schemas/e");
    }
}

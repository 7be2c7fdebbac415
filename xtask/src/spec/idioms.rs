//! Stage 1, the description: how Microsoft's CSDL→OpenAPI converter writes
//! OData, read back. The predicates (`anyOf` with a null half, string enums,
//! references wrapped in `allOf`) and the two passes that give a schema its
//! OData meaning (inheritance merged base first; `'@odata.type'` not
//! required) are shared by the generator ([`crate::codegen::normalize`]) and
//! the API diff ([`crate::diff`]), so both read a description the same way.
//!
//! Nothing here knows about Teams, and nothing here touches files: pure
//! functions on JSON trees.

use serde_json::{Map, Value, json};

use super::{resolve, schema_ref_name};

/// The `pattern` the converter gives an `Edm.DateTimeOffset` (`type:
/// string`, `format: date-time`).
pub const DATE_TIME_PATTERN: &str = "^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$";

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

/// Calls `f` on every object of the tree, parents before children.
pub(crate) fn walk_mut(v: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
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

//! Stage 3, code generation: generic clean-up of Graph-shaped OpenAPI (the
//! CSDL→OpenAPI converter's idioms) into something typify/progenitor turn
//! into working Rust.
//!
//! Nothing here knows about Teams: every pass is about how the converter
//! writes OData, so the same passes apply to any slice of the Graph
//! description. Endpoint-specific corrections belong in the overlay. The
//! passes that give a schema its OData meaning (inheritance, `'@odata.type'`)
//! live in [`crate::spec::idioms`], because the API diff reads descriptions
//! through them too; the rest exist for typify and progenitor. Works on the
//! JSON tree in memory only.

use serde_json::{Map, Value, json};

use crate::spec::idioms::{
    flatten_all_of, nullable_any_of_inner, odata_type_not_required, walk_mut,
};

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
}

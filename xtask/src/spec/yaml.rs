//! Stage 1, the description: writes YAML in the style Graph's description
//! uses (block style, two-space indents, sequences indented under their
//! key), so a slice reads like the upstream document and diffs stay small.
//! Structure is ours; how each scalar is quoted is left to the YAML library,
//! which knows the rules. Used for slices (and the synthetic benchmark
//! input); text only, depends on nothing else in the crate.

use serde_json::Value;

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let out = serde_yaml_ng::to_string(s).unwrap_or_else(|_| format!("{s:?}"));
            out.trim_end_matches('\n').to_owned()
        }
        Value::Array(a) if a.is_empty() => "[ ]".into(),
        Value::Object(m) if m.is_empty() => "{ }".into(),
        _ => unreachable!("containers are written as blocks"),
    }
}

fn key(k: &str) -> String {
    scalar(&Value::String(k.to_owned()))
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
        _ => false,
    }
}

fn write(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                out.push_str(&pad);
                out.push_str(&key(k));
                out.push(':');
                if is_block(child) {
                    out.push('\n');
                    write(child, indent + 2, out);
                } else {
                    out.push(' ');
                    out.push_str(&scalar(child));
                    out.push('\n');
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                if is_block(item) {
                    // The first line of the item goes after "- ".
                    let mut nested = String::new();
                    write(item, indent + 2, &mut nested);
                    out.push_str(nested.trim_start_matches(' '));
                } else {
                    out.push_str(&scalar(item));
                    out.push('\n');
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

/// The document as YAML text.
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write(v, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_and_reads_like_graph() {
        let v = json!({
            "openapi": "3.0.4",
            "paths": {"/a/{id}": {"get": {"tags": ["t"], "responses": {"204": {"description": "Success"}, "2XX": {"$ref": "#/x"}}}}},
            "x": [{"a": 1, "b": [true, null]}, "@odata.type", "", []],
            "e": {}
        });
        let text = to_string(&v);
        assert!(text.contains("      tags:\n        - t\n"), "{text}");
        assert!(text.contains("'204':"), "{text}");
        assert!(text.contains("$ref: '#/x'"), "{text}");
        let back: Value = serde_yaml_ng::from_str(&text).unwrap();
        assert_eq!(back, v);
    }
}

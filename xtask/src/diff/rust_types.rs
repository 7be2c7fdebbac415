//! Stage 4, the API diff: the Rust type the generator gives a property or
//! parameter, predicted from the description alone, so the spec-level
//! `rust` classification can see changes that keep the JSON type but not
//! the Rust one (a `default` makes a model field non-`Option`; a pattern or
//! length limit makes typify emit a validated newtype; a minimum makes an
//! integer unsigned or `NonZero`; a `format` picks chrono, uuid or an
//! integer width).
//!
//! Mirrors three generators: typify (models and parameters, through
//! progenitor), as configured by `codegen::normalize`, and our own action
//! bodies (`codegen::bodies`). The rule table's `generated-type-changed`
//! rules rest on this; the Rust-API check ([`super::rust_api`]) measures
//! the same effects on the generated code and a test holds them together.

use super::model::{Limits, Param, Prop, Ty};

/// typify's integer type for a `format` and bounds (its `convert_integer`).
fn typify_integer(format: Option<&str>, limits: &Limits) -> String {
    const FORMATS: &[(&str, &str, &str, f64, f64)] = &[
        ("int8", "i8", "NonZeroU8", i8::MIN as f64, i8::MAX as f64),
        ("uint8", "u8", "NonZeroU8", u8::MIN as f64, u8::MAX as f64),
        (
            "int16",
            "i16",
            "NonZeroU16",
            i16::MIN as f64,
            i16::MAX as f64,
        ),
        (
            "uint16",
            "u16",
            "NonZeroU16",
            u16::MIN as f64,
            u16::MAX as f64,
        ),
        ("int", "i32", "NonZeroU32", i32::MIN as f64, i32::MAX as f64),
        (
            "int32",
            "i32",
            "NonZeroU32",
            i32::MIN as f64,
            i32::MAX as f64,
        ),
        (
            "uint",
            "u32",
            "NonZeroU32",
            u32::MIN as f64,
            u32::MAX as f64,
        ),
        (
            "uint32",
            "u32",
            "NonZeroU32",
            u32::MIN as f64,
            u32::MAX as f64,
        ),
        (
            "int64",
            "i64",
            "NonZeroU64",
            i64::MIN as f64,
            i64::MAX as f64,
        ),
        (
            "uint64",
            "u64",
            "NonZeroU64",
            u64::MIN as f64,
            u64::MAX as f64,
        ),
    ];
    let num = |n: &Option<serde_json::Number>| n.as_ref().and_then(|n| n.as_f64());
    let mut min = match (num(&limits.minimum), limits.exclusive_minimum) {
        (Some(v), true) => Some(v + 1.0),
        (v, _) => v,
    };
    let mut max = match (num(&limits.maximum), limits.exclusive_maximum) {
        (Some(v), true) => Some(v - 1.0),
        (v, _) => v,
    };
    if let Some(format) = format
        && let Some((_, ty, nz, imin, imax)) = FORMATS.iter().find(|f| f.0 == format)
    {
        let valid_min = min.is_none_or(|m| m >= *imin);
        let valid_max = max.is_none_or(|m| m <= *imax);
        if valid_min && valid_max {
            return if min == Some(1.0) { nz } else { ty }.to_string();
        }
        min.get_or_insert(*imin);
        max.get_or_insert(*imax);
    }
    let eq = |a: f64, b: f64| (a - b).abs() <= f64::EPSILON;
    let found = match (min, max) {
        (None, Some(max)) => FORMATS
            .iter()
            .rev()
            .find(|f| eq(f.4, max))
            .map(|f| f.1.to_string()),
        (Some(min), None) => FORMATS.iter().rev().find_map(|f| {
            if min == 1.0 {
                Some(f.2.to_string())
            } else {
                eq(f.3, min).then(|| f.1.to_string())
            }
        }),
        (Some(min), Some(max)) => FORMATS.iter().rev().find_map(|f| {
            if min == 1.0 {
                Some(f.2.to_string())
            } else {
                (eq(f.4, max) && eq(f.3, min)).then(|| f.1.to_string())
            }
        }),
        (None, None) => None,
    };
    found.unwrap_or_else(|| "i64".into())
}

/// typify's type for a schema (without the `Option` of an optional field).
fn typify(ty: &Ty, limits: &Limits) -> String {
    match ty {
        Ty::Prim(p, format) => match (p.as_str(), format.as_deref()) {
            ("string", Some("uuid")) => "Uuid".into(),
            ("string", Some("date")) => "NaiveDate".into(),
            ("string", Some("date-time")) => "DateTime<Utc>".into(),
            ("string", Some("ip")) => "IpAddr".into(),
            ("string", Some("ipv4")) => "Ipv4Addr".into(),
            ("string", Some("ipv6")) => "Ipv6Addr".into(),
            ("string", _)
                if limits.pattern.is_some()
                    || limits.min_length.is_some()
                    || limits.max_length.is_some() =>
            {
                "a validated String newtype".into()
            }
            ("string", _) => "String".into(),
            ("integer", f) => typify_integer(f, limits),
            ("number", Some("float")) => "f32".into(),
            ("number", _) => "f64".into(),
            ("boolean", _) => "bool".into(),
            (other, _) => other.to_owned(),
        },
        Ty::Ref(r) => r.clone(),
        // `collapse_nullable_any_of` drops the null of referenced items;
        // a primitive's own `nullable` stays.
        Ty::Array(item, nullable) => match (item.as_ref(), nullable) {
            (Ty::Ref(_), _) | (_, false) => format!("Vec<{}>", typify(item, &Limits::default())),
            (_, true) => format!("Vec<Option<{}>>", typify(item, &Limits::default())),
        },
        Ty::Object(_) => "an inline struct".into(),
        Ty::Any => "Value".into(),
    }
}

/// The field of a model (typify after `codegen::normalize`): `T` when the
/// property is required and not nullable, or has a default; `Option<T>`
/// otherwise. Collections are nullable in every model
/// (`tolerate_null_collections`).
pub fn model_field(p: &Prop) -> String {
    let nullable = p.nullable || matches!(p.ty, Ty::Array(..));
    let inner = typify(&p.ty, &p.limits);
    if !nullable && (p.required || p.default.is_some()) {
        inner
    } else {
        format!("Option<{inner}>")
    }
}

/// The type of an action-body field (`codegen::bodies::field_type`),
/// without its presence (`new` argument, `Option`, `Nullable`), which the
/// required and nullable rules report.
pub fn body_field(p: &Prop) -> String {
    fn field(ty: &Ty) -> String {
        match ty {
            Ty::Prim(p, f) => match (p.as_str(), f.as_deref()) {
                ("string", Some("date-time")) => "DateTime<Utc>".into(),
                ("string", _) => "String".into(),
                ("boolean", _) => "bool".into(),
                ("integer", Some("int32")) => "i32".into(),
                ("integer", _) => "i64".into(),
                ("number", _) => "f64".into(),
                (other, _) => other.to_owned(),
            },
            Ty::Ref(r) => r.clone(),
            Ty::Array(item, false) => format!("Vec<{}>", field(item)),
            Ty::Array(item, true) => format!("Vec<Option<{}>>", field(item)),
            Ty::Object(_) => "an inline struct".into(),
            Ty::Any => "Value".into(),
        }
    }
    field(&p.ty)
}

/// The type a parameter's builder setter takes (typify's type for the
/// parameter's schema).
pub fn param(p: &Param) -> String {
    typify(&p.ty, &p.limits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn limits(v: serde_json::Value) -> Limits {
        let mut l = Limits::default();
        if let Some(m) = v.get("minimum") {
            l.minimum = m.as_number().cloned();
        }
        if let Some(m) = v.get("maximum") {
            l.maximum = m.as_number().cloned();
        }
        l
    }

    /// The cases typify's own table gives (`$top` is `minimum: 0`).
    #[test]
    fn integers_follow_typify() {
        let int = |f: Option<&str>, v| typify_integer(f, &limits(v));
        assert_eq!(int(None, json!({})), "i64");
        assert_eq!(int(None, json!({"minimum": 0})), "u64");
        assert_eq!(int(None, json!({"minimum": 1})), "NonZeroU64");
        assert_eq!(int(Some("int32"), json!({"minimum": 0})), "i32");
        assert_eq!(int(Some("int32"), json!({"minimum": 1})), "NonZeroU32");
        assert_eq!(
            int(
                Some("int32"),
                json!({"minimum": -2147483648i64, "maximum": 2147483647})
            ),
            "i32"
        );
        assert_eq!(int(Some("int64"), json!({})), "i64");
    }
}

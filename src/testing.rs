//! Strategies shared by the unit tests' property tests.

use proptest::prelude::*;
use serde_json::Value;

/// Any JSON value: scalars, strings with any characters, and arrays and
/// objects nested a few levels.
pub(crate) fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-zA-Z]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// An object key: often one Graph uses, sometimes anything.
pub(crate) fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "error",
            "code",
            "message",
            "innerError",
            "request-id",
            "client-request-id",
            "date",
            "details",
            "value",
            "id",
            "status",
            "numbers",
            "@odata.type",
            "@odata.context",
            "@odata.nextLink",
            "telephoneNumber",
            "target",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ]
}

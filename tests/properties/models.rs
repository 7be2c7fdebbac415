//! Every generated model, from what the generator wrote: the shapes are
//! read from `generated/client.rs` (with `syn`), the enum members from
//! `generated/enums.rs`, and values are made from those shapes. For each
//! model:
//! - arbitrary JSON, arbitrary bytes, and valid values with one property
//!   replaced by arbitrary JSON never panic (they decode or give an error);
//! - a valid value round-trips exactly: decoded and encoded again it is the
//!   same JSON, which holds only if unknown properties (the flattened
//!   `extra`) and unknown enum members (`UnknownValue`) are kept.
//!
//! A model added by the generator fails [`every_generated_model_is_checked`]
//! until it is listed in [`models!`].

use std::collections::BTreeMap;

use graph_teams_admin::generated::types;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

const CLIENT: &str = include_str!("../../generated/client.rs");
const ENUMS: &str = include_str!("../../generated/enums.rs");

/// What a property holds.
#[derive(Clone, Debug)]
enum Shape {
    Str,
    Bool,
    Int,
    Int32,
    Float,
    DateTime,
    Json,
    Enum(String),
    Model(String),
    Option(Box<Shape>),
    Vec(Box<Shape>),
    /// The flattened map of properties the SDK does not know.
    Extra,
}

#[derive(Clone, Debug)]
struct Field {
    wire: String,
    shape: Shape,
    /// `Option` and left out when `None`.
    skip_none: bool,
}

#[derive(Clone, Debug)]
enum Model {
    Object(Vec<Field>),
    /// `#[serde(transparent)]` newtype.
    Newtype(Shape),
}

struct World {
    models: BTreeMap<String, Model>,
    enums: BTreeMap<String, Vec<String>>,
}

fn last_ident(ty: &syn::Type) -> (String, Vec<syn::Type>, Vec<String>) {
    let syn::Type::Path(p) = ty else {
        panic!("a generated property type this test does not know")
    };
    let segments: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let last = p.path.segments.last().unwrap();
    let args = match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    (last.ident.to_string(), args, segments)
}

fn shape(ty: &syn::Type, model_names: &[String]) -> Shape {
    let (ident, args, segments) = last_ident(ty);
    let arg = |i: usize| shape(&args[i], model_names);
    match ident.as_str() {
        "Option" => Shape::Option(Box::new(arg(0))),
        "Vec" => Shape::Vec(Box::new(arg(0))),
        "String" => Shape::Str,
        "bool" => Shape::Bool,
        "i64" | "u64" => Shape::Int,
        "i32" => Shape::Int32,
        "f64" | "f32" => Shape::Float,
        "DateTime" => Shape::DateTime,
        "Value" => Shape::Json,
        "Map" => Shape::Extra,
        other if segments.iter().any(|s| s == "enums") => Shape::Enum(other.to_owned()),
        other if model_names.iter().any(|m| m == other) => Shape::Model(other.to_owned()),
        other => panic!("a generated property of a type this test does not know: {other}"),
    }
}

/// Reads `#[serde(...)]`: the wire name, `flatten`, `default`,
/// `skip_serializing_if`, `transparent`.
#[derive(Default)]
struct Serde {
    rename: Option<String>,
    flatten: bool,
    default: bool,
    skip: bool,
    transparent: bool,
}

fn serde_attrs(attrs: &[syn::Attribute]) -> Serde {
    let mut out = Serde::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            let name = meta
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            let value: Option<syn::LitStr> = if meta.input.peek(syn::Token![=]) {
                Some(meta.value()?.parse()?)
            } else {
                None
            };
            match name.as_str() {
                "rename" => out.rename = value.map(|v| v.value()),
                "flatten" => out.flatten = true,
                "default" => out.default = true,
                "skip_serializing_if" => out.skip = true,
                "transparent" => out.transparent = true,
                _ => {}
            }
            Ok(())
        })
        .unwrap();
    }
    out
}

fn world() -> World {
    let file = syn::parse_file(CLIENT).unwrap();
    let types_mod = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|c| &c.1),
            _ => None,
        })
        .expect("generated/client.rs has `mod types`");
    let structs: Vec<&syn::ItemStruct> = types_mod
        .iter()
        .filter_map(|i| match i {
            syn::Item::Struct(s) => Some(s),
            _ => None,
        })
        .collect();
    let names: Vec<String> = structs.iter().map(|s| s.ident.to_string()).collect();
    let mut models = BTreeMap::new();
    for s in structs {
        let attrs = serde_attrs(&s.attrs);
        let model = match &s.fields {
            syn::Fields::Unnamed(f) if attrs.transparent && f.unnamed.len() == 1 => {
                Model::Newtype(shape(&f.unnamed[0].ty, &names))
            }
            syn::Fields::Named(f) => Model::Object(
                f.named
                    .iter()
                    .map(|field| {
                        let a = serde_attrs(&field.attrs);
                        let ident = field.ident.as_ref().unwrap().to_string();
                        let shape = shape(&field.ty, &names);
                        assert!(!a.flatten || matches!(shape, Shape::Extra));
                        Field {
                            wire: a
                                .rename
                                .unwrap_or_else(|| ident.trim_start_matches("r#").to_owned()),
                            skip_none: a.skip && matches!(shape, Shape::Option(_)),
                            shape,
                        }
                    })
                    .collect(),
            ),
            _ => panic!("{}: a model shape this test does not know", s.ident),
        };
        models.insert(s.ident.to_string(), model);
    }
    World {
        models,
        enums: enum_members(),
    }
}

/// Each open enum's wire names, from its `impl From<&str>`.
fn enum_members() -> BTreeMap<String, Vec<String>> {
    let file = syn::parse_file(ENUMS).unwrap();
    let mut out = BTreeMap::new();
    for item in &file.items {
        let syn::Item::Impl(imp) = item else { continue };
        let Some((trait_path, _)) = &imp.trait_ else {
            continue;
        };
        let from_str = trait_path.segments.last().is_some_and(|s| {
            s.ident == "From"
                && matches!(&s.arguments, syn::PathArguments::AngleBracketed(a)
                    if matches!(a.args.first(), Some(syn::GenericArgument::Type(syn::Type::Reference(_)))))
        });
        if !from_str {
            continue;
        }
        let syn::Type::Path(self_ty) = &*imp.self_ty else {
            continue;
        };
        let name = self_ty.path.segments.last().unwrap().ident.to_string();
        let mut members = Vec::new();
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            for stmt in &f.block.stmts {
                let syn::Stmt::Expr(syn::Expr::Match(m), _) = stmt else {
                    continue;
                };
                for arm in &m.arms {
                    if let syn::Pat::Lit(syn::PatLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) = &arm.pat
                    {
                        members.push(s.value());
                    }
                }
            }
        }
        assert!(!members.is_empty(), "{name}: no members read");
        out.insert(name, members);
    }
    out
}

/// Text: mostly plain, sometimes any characters at all.
fn text() -> BoxedStrategy<String> {
    prop_oneof![3 => "[a-zA-Z0-9 +:./@-]{0,16}", 1 => any::<String>()].boxed()
}

fn datetime() -> BoxedStrategy<Value> {
    (
        0i64..253_402_300_799,
        prop_oneof![Just(0u32), 0u32..1_000_000_000],
    )
        .prop_map(|(s, n)| {
            serde_json::to_value(chrono::DateTime::from_timestamp(s, n).unwrap()).unwrap()
        })
        .boxed()
}

fn value_of(world: &'static World, shape: &Shape, depth: u32) -> BoxedStrategy<Value> {
    match shape {
        Shape::Str => text().prop_map(Value::String).boxed(),
        Shape::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Shape::Int => any::<i64>().prop_map(Value::from).boxed(),
        Shape::Int32 => any::<i32>().prop_map(Value::from).boxed(),
        Shape::Float => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from)
            .boxed(),
        Shape::DateTime => datetime(),
        Shape::Json => super::json::json().boxed(),
        Shape::Enum(name) => {
            let known = world.enums.get(name).cloned().unwrap_or_default();
            prop_oneof![
                3 => prop::sample::select(known),
                1 => text(),
                1 => "[a-z][a-zA-Z]{0,15}",
            ]
            .prop_map(Value::String)
            .boxed()
        }
        Shape::Model(name) => object(world, name, depth + 1),
        Shape::Option(inner) => value_of(world, inner, depth),
        Shape::Vec(inner) => {
            let most = if depth > 3 { 1 } else { 4 };
            prop::collection::vec(value_of(world, inner, depth), 0..most)
                .prop_map(Value::Array)
                .boxed()
        }
        Shape::Extra => unreachable!("only flattened"),
    }
}

/// A valid value of model `name`, in canonical form (what the model
/// encodes back to): optional properties absent or set, defaulted ones
/// always set, and unknown properties when the model keeps them.
fn object(world: &'static World, name: &str, depth: u32) -> BoxedStrategy<Value> {
    let model = &world.models[name];
    let fields = match model {
        Model::Newtype(shape) => return value_of(world, shape, depth),
        Model::Object(fields) => fields,
    };
    let known: Vec<String> = fields.iter().map(|f| f.wire.clone()).collect();
    let parts: Vec<BoxedStrategy<Vec<(String, Value)>>> = fields
        .iter()
        .map(|f| {
            let wire = f.wire.clone();
            match &f.shape {
                Shape::Extra => {
                    let known = known.clone();
                    prop::collection::vec(
                        (
                            prop_oneof![text(), "[a-z@.][a-zA-Z.]{0,12}"],
                            super::json::json(),
                        ),
                        0..3,
                    )
                    .prop_map(move |kv| {
                        kv.into_iter()
                            .filter(|(k, _)| !known.contains(k))
                            .collect::<BTreeMap<_, _>>()
                            .into_iter()
                            .collect()
                    })
                    .boxed()
                }
                Shape::Option(_) if f.skip_none && depth < 5 => {
                    prop::option::of(value_of(world, &f.shape, depth))
                        .prop_map(move |v| v.map(|v| (wire.clone(), v)).into_iter().collect())
                        .boxed()
                }
                Shape::Option(_) if f.skip_none => Just(Vec::new()).boxed(),
                Shape::Option(_) => prop::option::of(value_of(world, &f.shape, depth))
                    .prop_map(move |v| vec![(wire.clone(), v.unwrap_or(Value::Null))])
                    .boxed(),
                shape => value_of(world, shape, depth)
                    .prop_map(move |v| vec![(wire.clone(), v)])
                    .boxed(),
            }
        })
        .collect();
    parts
        .prop_map(|parts| Value::Object(parts.into_iter().flatten().collect()))
        .boxed()
}

/// A valid value encodes back to itself, and its decoding is stable.
fn round_trips<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(
    value: &Value,
) -> Result<(), TestCaseError> {
    let decoded: T = serde_json::from_value(value.clone())
        .map_err(|e| TestCaseError::fail(format!("a valid value was refused: {e}: {value}")))?;
    let encoded = serde_json::to_value(&decoded).unwrap();
    prop_assert_eq!(
        &encoded,
        value,
        "unknown properties or members were not kept"
    );
    let again: T = serde_json::from_value(encoded).unwrap();
    prop_assert_eq!(again, decoded);
    Ok(())
}

/// Anything decodes or fails; nothing panics.
fn never_panics<T: DeserializeOwned + Serialize>(value: &Value) -> Result<(), TestCaseError> {
    if let Ok(t) = serde_json::from_value::<T>(value.clone()) {
        let _ = serde_json::to_vec(&t).unwrap();
    }
    let _ = serde_json::from_slice::<T>(value.to_string().as_bytes());
    Ok(())
}

fn never_panics_on_bytes<T: DeserializeOwned>(bytes: &[u8]) {
    let _ = serde_json::from_slice::<T>(bytes);
}

macro_rules! models {
    ($($t:ident),* $(,)?) => {
        const LISTED: &[&str] = &[$(stringify!($t)),*];

        fn check(name: &str, value: &Value, valid: bool) -> Result<(), TestCaseError> {
            match name {
                $(stringify!($t) => if valid {
                    round_trips::<types::$t>(value)
                } else {
                    never_panics::<types::$t>(value)
                },)*
                other => panic!("{other} is not listed"),
            }
        }

        fn check_bytes(name: &str, bytes: &[u8]) {
            match name {
                $(stringify!($t) => never_panics_on_bytes::<types::$t>(bytes),)*
                other => panic!("{other} is not listed"),
            }
        }
    };
}

models!(
    AssignedTelephoneNumber,
    BaseCollectionPaginationCountResponse,
    EffectivePolicyAssignment,
    Entity,
    ErrorDetails,
    GetPolicyIdResponse,
    InnerError,
    MainError,
    NumberAssignment,
    NumberAssignmentCollectionResponse,
    ODataCountResponse,
    ODataError,
    PolicyAssignment,
    PolicyIdentifierDetail,
    TeamsAdminRoot,
    TeamsPolicyAssignment,
    TeamsPolicyUserAssignment,
    TeamsPolicyUserAssignmentCollectionResponse,
    TeamsUserConfiguration,
    TeamsUserConfigurationCollectionResponse,
    TelephoneNumberLongRunningOperation,
    TelephoneNumberLongRunningOperationCollectionResponse,
    TelephoneNumberLongRunningOperationDetails,
    TelephoneNumberManagementRoot,
    User,
);

fn the_world() -> &'static World {
    static WORLD: std::sync::LazyLock<World> = std::sync::LazyLock::new(world);
    &WORLD
}

fn run(strategy: impl Strategy<Value = Value>, test: impl Fn(&Value) -> Result<(), TestCaseError>) {
    let mut runner = TestRunner::new(Config::default());
    if let Err(e) = runner.run(&strategy, |v| test(&v)) {
        panic!("{e}");
    }
}

#[test]
fn every_generated_model_is_checked() {
    let world = the_world();
    let parsed: Vec<&str> = world.models.keys().map(String::as_str).collect();
    let mut listed = LISTED.to_vec();
    listed.sort_unstable();
    assert_eq!(parsed, listed, "list new models in models!()");
    assert!(world.enums.len() >= 12, "{:?}", world.enums.keys());
}

#[test]
fn valid_values_of_every_model_round_trip_exactly() {
    let world = the_world();
    for name in world.models.keys() {
        run(object(world, name, 0), |v| {
            check(name, v, true).map_err(|e| TestCaseError::fail(format!("{name}: {e}")))
        });
    }
}

#[test]
fn arbitrary_json_never_panics_any_model() {
    let world = the_world();
    // Each value against every model.
    run(super::json::json(), |v| {
        for name in world.models.keys() {
            check(name, v, false)?;
        }
        Ok(())
    });
    // Near misses: a valid value with one property replaced.
    for name in world.models.keys() {
        let near = (
            object(world, name, 0),
            any::<prop::sample::Index>(),
            super::json::json(),
        )
            .prop_map(|(mut v, i, junk)| {
                if let Value::Object(m) = &mut v
                    && !m.is_empty()
                {
                    let key = m.keys().nth(i.index(m.len())).unwrap().clone();
                    m.insert(key, junk);
                }
                v
            });
        run(near, |v| check(name, v, false));
    }
}

#[test]
fn arbitrary_bytes_never_panic_any_model() {
    let world = the_world();
    for name in world.models.keys() {
        let mut runner = TestRunner::new(Config::default());
        runner
            .run(&prop::collection::vec(any::<u8>(), 0..256), |bytes| {
                check_bytes(name, &bytes);
                Ok(())
            })
            .unwrap();
    }
}

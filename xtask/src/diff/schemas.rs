//! Stage 4, the API diff: schemas and their properties, by direction.
//!
//! A property is judged by where its schema travels: in an action's inline
//! body ([`Ctx::Action`], our `bodies.rs`), in a model that is sent
//! ([`Ctx::Request`]: reachable from a request body) or in one that is
//! received ([`Ctx::Response`]). Becoming required, non-nullable or
//! narrower breaks what is sent and not what is received; widening the
//! opposite. A model that travels both ways is judged both ways (two
//! changes, one per direction). The Rust side follows the generator:
//! [`super::rust_types`] predicts the field's type on both sides, and a
//! difference no other rule explains is a `generated-type-changed`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{Deprecation, Limits, Model, Prop, Shape, Ty};
use super::report::Change;
use super::rules::{RuleId as R, Verdict};
use super::rust_types;

/// Where a property travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    /// A parameter of an action's inline body (sent).
    Action,
    /// A property of a model that is sent.
    Request,
    /// A property of a model that is received (or used nowhere).
    Response,
}

struct Ids {
    added_required: R,
    added_optional: R,
    removed: R,
    type_changed: R,
    became_required: R,
    became_optional: R,
    became_nullable: R,
    became_not_nullable: R,
    items_nullable: R,
    items_not_nullable: R,
    narrowed: R,
    widened: R,
    default_changed: R,
    became_read_only: R,
    became_writable: R,
}

fn ids(ctx: Ctx) -> Ids {
    match ctx {
        Ctx::Action => Ids {
            added_required: R::NewRequiredActionParameter,
            added_optional: R::NewOptionalActionParameter,
            removed: R::ActionParameterRemoved,
            type_changed: R::ActionParameterTypeChanged,
            became_required: R::ActionParameterBecameRequired,
            became_optional: R::ActionParameterBecameOptional,
            became_nullable: R::ActionParameterBecameNullable,
            became_not_nullable: R::ActionParameterBecameNotNullable,
            items_nullable: R::ActionParameterItemsBecameNullable,
            items_not_nullable: R::ActionParameterItemsBecameNotNullable,
            narrowed: R::RequestPropertyConstraintNarrowed,
            widened: R::RequestPropertyConstraintWidened,
            default_changed: R::RequestPropertyDefaultChanged,
            became_read_only: R::RequestPropertyBecameReadOnly,
            became_writable: R::RequestPropertyBecameWritable,
        },
        Ctx::Request => Ids {
            added_required: R::NewRequiredRequestProperty,
            added_optional: R::NewOptionalRequestProperty,
            removed: R::RequestPropertyRemoved,
            type_changed: R::RequestPropertyTypeChanged,
            became_required: R::RequestPropertyBecameRequired,
            became_optional: R::RequestPropertyBecameOptional,
            became_nullable: R::RequestPropertyBecameNullable,
            became_not_nullable: R::RequestPropertyBecameNotNullable,
            items_nullable: R::RequestPropertyItemsBecameNullable,
            items_not_nullable: R::RequestPropertyItemsBecameNotNullable,
            narrowed: R::RequestPropertyConstraintNarrowed,
            widened: R::RequestPropertyConstraintWidened,
            default_changed: R::RequestPropertyDefaultChanged,
            became_read_only: R::RequestPropertyBecameReadOnly,
            became_writable: R::RequestPropertyBecameWritable,
        },
        Ctx::Response => Ids {
            added_required: R::ResponseRequiredPropertyAdded,
            added_optional: R::ResponsePropertyAdded,
            removed: R::ResponsePropertyRemoved,
            type_changed: R::ResponsePropertyTypeChanged,
            became_required: R::ResponsePropertyBecameRequired,
            became_optional: R::ResponsePropertyBecameOptional,
            became_nullable: R::ResponsePropertyBecameNullable,
            became_not_nullable: R::ResponsePropertyBecameNotNullable,
            items_nullable: R::ResponsePropertyItemsBecameNullable,
            items_not_nullable: R::ResponsePropertyItemsBecameNotNullable,
            narrowed: R::ResponsePropertyConstraintNarrowed,
            widened: R::ResponsePropertyConstraintWidened,
            default_changed: R::ResponsePropertyDefaultChanged,
            became_read_only: R::ResponsePropertyReadOnlyChanged,
            became_writable: R::ResponsePropertyReadOnlyChanged,
        },
    }
}

/// Which way a limit moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// Fewer values are valid.
    Narrowed,
    /// More values are valid.
    Widened,
    /// A pattern or format was replaced: some of each.
    Changed,
}

fn num(n: &Option<serde_json::Number>) -> Option<f64> {
    n.as_ref().and_then(|n| n.as_f64())
}

/// Which way a limit tightens: a lower limit (`minLength`, `minimum`,
/// `minItems`) narrows as it grows, an upper one as it shrinks.
#[derive(Clone, Copy)]
enum Limit {
    Lower,
    Upper,
}

fn limit<T: PartialOrd + std::fmt::Display>(
    out: &mut Vec<(Way, String)>,
    kind: Limit,
    name: &str,
    a: Option<T>,
    b: Option<T>,
) {
    match (a, b) {
        (None, Some(b)) => out.push((Way::Narrowed, format!("{name} {b} added"))),
        (Some(a), None) => out.push((Way::Widened, format!("{name} {a} removed"))),
        (Some(a), Some(b)) => {
            let (tighter, looser) = match kind {
                Limit::Lower => (b > a, b < a),
                Limit::Upper => (b < a, b > a),
            };
            if tighter {
                out.push((Way::Narrowed, format!("{name} {a} → {b}")));
            } else if looser {
                out.push((Way::Widened, format!("{name} {a} → {b}")));
            }
        }
        (None, None) => {}
    }
}

fn text(out: &mut Vec<(Way, String)>, name: &str, a: Option<&str>, b: Option<&str>) {
    match (a, b) {
        (None, Some(b)) => out.push((Way::Narrowed, format!("{name} `{b}` added"))),
        (Some(a), None) => out.push((Way::Widened, format!("{name} `{a}` removed"))),
        (Some(a), Some(b)) if a != b => out.push((Way::Changed, format!("{name} `{a}` → `{b}`"))),
        _ => {}
    }
}

/// Every limit that moved, with the `format` of a primitive of the same
/// base type.
pub fn limit_changes(
    old_format: Option<&str>,
    new_format: Option<&str>,
    a: &Limits,
    b: &Limits,
) -> Vec<(Way, String)> {
    let mut out = Vec::new();
    text(&mut out, "format", old_format, new_format);
    text(
        &mut out,
        "pattern",
        a.pattern.as_deref(),
        b.pattern.as_deref(),
    );
    limit(
        &mut out,
        Limit::Lower,
        "minLength",
        a.min_length,
        b.min_length,
    );
    limit(
        &mut out,
        Limit::Upper,
        "maxLength",
        a.max_length,
        b.max_length,
    );
    limit(
        &mut out,
        Limit::Lower,
        "minimum",
        num(&a.minimum),
        num(&b.minimum),
    );
    limit(
        &mut out,
        Limit::Upper,
        "maximum",
        num(&a.maximum),
        num(&b.maximum),
    );
    if a.minimum == b.minimum && a.minimum.is_some() && a.exclusive_minimum != b.exclusive_minimum {
        let way = if b.exclusive_minimum {
            Way::Narrowed
        } else {
            Way::Widened
        };
        out.push((
            way,
            format!(
                "exclusiveMinimum {} → {}",
                a.exclusive_minimum, b.exclusive_minimum
            ),
        ));
    }
    if a.maximum == b.maximum && a.maximum.is_some() && a.exclusive_maximum != b.exclusive_maximum {
        let way = if b.exclusive_maximum {
            Way::Narrowed
        } else {
            Way::Widened
        };
        out.push((
            way,
            format!(
                "exclusiveMaximum {} → {}",
                a.exclusive_maximum, b.exclusive_maximum
            ),
        ));
    }
    limit(&mut out, Limit::Lower, "minItems", a.min_items, b.min_items);
    limit(&mut out, Limit::Upper, "maxItems", a.max_items, b.max_items);
    out
}

/// The rule for a moved limit: what is sent breaks when it narrows (or
/// changes), what is received when it widens (or changes).
pub fn limit_rule(sent: bool, way: Way, narrowed: R, widened: R) -> R {
    match (sent, way) {
        (true, Way::Narrowed | Way::Changed) | (false, Way::Narrowed) => narrowed,
        (true, Way::Widened) | (false, Way::Widened | Way::Changed) => widened,
    }
}

fn show(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// `default` added, removed or changed, in words.
pub fn default_change(a: Option<&Value>, b: Option<&Value>) -> Option<String> {
    match (a, b) {
        (None, Some(b)) => Some(format!("default `{}` added", show(b))),
        (Some(a), None) => Some(format!("default `{}` removed", show(a))),
        (Some(a), Some(b)) if a != b => Some(format!("default `{}` → `{}`", show(a), show(b))),
        _ => None,
    }
}

/// Deprecation added, withdrawn or re-dated.
pub fn deprecation(
    out: &mut Vec<Change>,
    at: &str,
    a: &Deprecation,
    b: &Deprecation,
    deprecated: R,
    op: &str,
) {
    let push = |out: &mut Vec<Change>, id: R, detail: String| {
        out.push(Change::new(id, at, detail).op(op));
    };
    match (a.deprecated, b.deprecated) {
        (false, true) => {
            let words = b.words();
            push(
                out,
                deprecated,
                if words.is_empty() {
                    "deprecated".into()
                } else {
                    format!("deprecated: {words}")
                },
            )
        }
        (true, false) => push(out, R::DeprecationRemoved, "no longer deprecated".into()),
        (true, true)
            if (&a.removal_date, &a.date, &a.version) != (&b.removal_date, &b.date, &b.version) =>
        {
            push(
                out,
                R::DeprecationDateChanged,
                format!("deprecation {} → {}", a.words(), b.words()),
            )
        }
        _ => {}
    }
}

/// The directions a schema is judged in.
pub fn directions(old: &Model, new: &Model, schema: &str) -> Vec<Ctx> {
    let (a, b) = (old.usage(schema), new.usage(schema));
    let (request, response) = (a.request || b.request, a.response || b.response);
    let mut out = Vec::new();
    if request {
        out.push(Ctx::Request);
    }
    if response || !request {
        out.push(Ctx::Response);
    }
    out
}

/// Compares the properties of an object in one direction. `first` is set
/// for the first direction a schema is judged in: direction-independent
/// changes (deprecation, the generated type) are reported there only.
pub fn diff_props(
    out: &mut Vec<Change>,
    location: &str,
    old: &BTreeMap<String, Prop>,
    new: &BTreeMap<String, Prop>,
    ctx: Ctx,
    first: bool,
    op: &str,
) {
    let ids = ids(ctx);
    for (name, p) in new {
        let at = format!("{location}.{name}");
        match old.get(name) {
            None => {
                let (id, detail, note) = match (ctx, p.required) {
                    (Ctx::Action, true) => (
                        ids.added_required,
                        format!("new required parameter `{name}` ({})", p.ty),
                        Some("a new argument of the body's constructor `new`"),
                    ),
                    (Ctx::Action, false) => (
                        ids.added_optional,
                        format!("new optional parameter `{name}` ({})", p.ty),
                        Some("a new setter on the body"),
                    ),
                    (_, true) => (
                        ids.added_required,
                        format!("new required property `{name}` ({})", p.ty),
                        Some("the builder requires it; the model loses `Default`"),
                    ),
                    (_, false) => (
                        ids.added_optional,
                        format!("new property `{name}` ({})", p.ty),
                        Some("a new field and builder setter of a `#[non_exhaustive]` model"),
                    ),
                };
                let mut c = Change::new(id, at, detail).op(op);
                if let Some(n) = note {
                    c = c.note(n);
                }
                out.push(c);
            }
            Some(o) => diff_prop(out, &at, o, p, ctx, first, op),
        }
    }
    for (name, p) in old {
        if !new.contains_key(name) {
            out.push(
                Change::new(
                    ids.removed,
                    format!("{location}.{name}"),
                    format!("`{name}` ({}) removed", p.ty),
                )
                .op(op),
            );
        }
    }
}

/// One property present on both sides.
fn diff_prop(out: &mut Vec<Change>, at: &str, o: &Prop, p: &Prop, ctx: Ctx, first: bool, op: &str) {
    let ids = ids(ctx);
    let start = out.len();
    let push = |out: &mut Vec<Change>, id: R, detail: String| {
        out.push(Change::new(id, at, detail).op(op));
    };
    let sent = ctx != Ctx::Response;
    match (&o.ty, &p.ty) {
        (Ty::Array(a, an), Ty::Array(b, bn)) if a == b && an != bn => {
            let id = if *bn {
                ids.items_nullable
            } else {
                ids.items_not_nullable
            };
            push(out, id, format!("items nullable {an} → {bn}"));
        }
        (a, b) if a.base() != b.base() => push(out, ids.type_changed, format!("type {a} → {b}")),
        _ => {}
    }
    let same_base = o.ty.base() == p.ty.base();
    let (fa, fb) = if same_base {
        (o.ty.format(), p.ty.format())
    } else {
        (None, None)
    };
    for (way, detail) in limit_changes(fa, fb, &o.limits, &p.limits) {
        push(
            out,
            limit_rule(sent, way, ids.narrowed, ids.widened),
            detail,
        );
    }
    if o.nullable != p.nullable {
        let id = if p.nullable {
            ids.became_nullable
        } else {
            ids.became_not_nullable
        };
        push(out, id, format!("nullable {} → {}", o.nullable, p.nullable));
    }
    if o.required != p.required {
        let id = if p.required {
            ids.became_required
        } else {
            ids.became_optional
        };
        push(out, id, format!("required {} → {}", o.required, p.required));
    }
    if let Some(detail) = default_change(o.default.as_ref(), p.default.as_ref()) {
        push(out, ids.default_changed, detail);
    }
    if o.read_only != p.read_only {
        let id = if p.read_only {
            ids.became_read_only
        } else {
            ids.became_writable
        };
        push(
            out,
            id,
            format!("readOnly {} → {}", o.read_only, p.read_only),
        );
    }
    if first {
        deprecation(
            out,
            at,
            &o.deprecation,
            &p.deprecation,
            R::PropertyDeprecated,
            op,
        );
        let (ra, rb) = match ctx {
            Ctx::Action => (rust_types::body_field(o), rust_types::body_field(p)),
            _ => (rust_types::model_field(o), rust_types::model_field(p)),
        };
        let explained = out[start..].iter().any(|c| c.rust == Verdict::Breaking);
        if ra != rb && !explained {
            push(
                out,
                R::GeneratedTypeChanged,
                format!("the generated Rust type `{ra}` → `{rb}`"),
            );
        }
    }
}

/// Schemas added, removed, and what changed in each one kept.
pub fn compare_schemas(out: &mut Vec<Change>, old: &Model, new: &Model) {
    for (name, schema) in &new.schemas {
        let at = format!("schema {name}");
        let Some(old_schema) = old.schemas.get(name) else {
            out.push(Change::new(R::SchemaAdded, at, "new schema").note("a new type"));
            continue;
        };
        deprecation(
            out,
            &at,
            &old_schema.deprecation,
            &schema.deprecation,
            R::SchemaDeprecated,
            "",
        );
        match (&old_schema.shape, &schema.shape) {
            (Shape::Object(a), Shape::Object(b)) => {
                for (i, ctx) in directions(old, new, name).into_iter().enumerate() {
                    diff_props(out, &at, a, b, ctx, i == 0, "");
                }
            }
            (Shape::Enum(a), Shape::Enum(b)) => {
                let sent = old.usage(name).request || new.usage(name).request;
                compare_members(out, &at, a, b, sent)
            }
            (a, b) if a != b => out.push(Change::new(
                R::SchemaKindChanged,
                at,
                "the schema's kind or type changed",
            )),
            _ => {}
        }
    }
    for name in old.schemas.keys() {
        if !new.schemas.contains_key(name) {
            out.push(
                Change::new(R::SchemaRemoved, format!("schema {name}"), "schema removed")
                    .note("the type is gone"),
            );
        }
    }
}

fn compare_members(out: &mut Vec<Change>, at: &str, a: &[String], b: &[String], sent: bool) {
    for m in b.iter().filter(|m| !a.contains(m)) {
        out.push(
            Change::new(R::EnumValueAdded, at, format!("new member `{m}`"))
                .note("the open enum's catch-all took it before; now it is a known variant"),
        );
    }
    for m in a.iter().filter(|m| !b.contains(m)) {
        let id = if sent {
            R::RequestEnumValueRemoved
        } else {
            R::ResponseEnumValueRemoved
        };
        out.push(Change::new(id, at, format!("member `{m}` removed")).note("the variant is gone"));
    }
    let kept_a: Vec<&String> = a.iter().filter(|m| b.contains(m)).collect();
    let kept_b: Vec<&String> = b.iter().filter(|m| a.contains(m)).collect();
    if kept_a != kept_b {
        out.push(
            Change::new(R::EnumValuesReordered, at, "members reordered")
                .note("members travel by name"),
        );
    }
}

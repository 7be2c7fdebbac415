//! Stage 4, the API diff: operations. Added, removed and renamed ones; and
//! in each one kept, what the generator and the runtime key on: the
//! operation type (`is_idempotent`, hence retries), `x-ms-pageable` (a
//! `Pager`), the 202 and its `Location` (an `Operation` to poll),
//! deprecation, parameters with their limits and defaults, the body (an
//! inline action body is compared parameter by parameter, as sent), and
//! the responses with their headers.

use super::model::{Model, Op, Param, Response};
use super::report::Change;
use super::rules::{RuleId as R, Verdict};
use super::rust_types;
use super::schemas::{self, Ctx};

/// Operations added, removed, renamed, and what changed in each one kept.
pub fn compare_operations(out: &mut Vec<Change>, old: &Model, new: &Model) {
    for (key, op) in &new.ops {
        let at = format!("{} {}", key.1, key.0);
        let id = op.operation_id.as_str();
        let Some(o) = old.ops.get(key) else {
            let mut detail = format!("new operation `{id}`");
            if op.deprecation.deprecated {
                detail.push_str(" (already deprecated)");
            }
            out.push(
                Change::new(R::EndpointAdded, at, detail)
                    .op(id)
                    .note("a new client method"),
            );
            continue;
        };
        if o.operation_id != op.operation_id {
            out.push(
                Change::new(
                    R::OperationIdChanged,
                    at.clone(),
                    format!("operationId `{}` → `{}`", o.operation_id, op.operation_id),
                )
                .op(id)
                .note("the client method is renamed"),
            );
        }
        compare_behaviour(out, &at, &key.1, o, op);
        schemas::deprecation(
            out,
            &at,
            &o.deprecation,
            &op.deprecation,
            R::EndpointDeprecated,
            id,
        );
        compare_parameters(out, &at, o, op);
        compare_body(out, &at, o, op);
        compare_responses(out, &at, o, op);
    }
    for (key, op) in &old.ops {
        if !new.ops.contains_key(key) {
            let detail = if op.deprecation.deprecated {
                let words = op.deprecation.words();
                format!(
                    "operation `{}` removed (deprecated before{})",
                    op.operation_id,
                    if words.is_empty() {
                        String::new()
                    } else {
                        format!(": {words}")
                    }
                )
            } else {
                format!(
                    "operation `{}` removed without deprecation",
                    op.operation_id
                )
            };
            out.push(
                Change::new(R::EndpointRemoved, format!("{} {}", key.1, key.0), detail)
                    .op(&op.operation_id)
                    .note("the client method is gone"),
            );
        }
    }
}

/// What the operation table (`generated/operations.rs`) says about it.
fn compare_behaviour(out: &mut Vec<Change>, at: &str, method: &str, o: &Op, op: &Op) {
    let id = op.operation_id.as_str();
    if o.kind != op.kind {
        let (a, b) = (o.idempotent(method), op.idempotent(method));
        let retry = match (a, b) {
            (false, true) => {
                "; `is_idempotent` false → true: the runtime now retries it after a transport error"
            }
            (true, false) => {
                "; `is_idempotent` true → false: the runtime no longer retries it after a transport error"
            }
            _ => "; `is_idempotent` unchanged",
        };
        out.push(
            Change::new(
                R::OperationTypeChanged,
                at,
                format!("`x-ms-docs-operation-type` {} → {}{retry}", o.kind, op.kind),
            )
            .op(id),
        );
    }
    match (&o.pageable, &op.pageable) {
        (None, Some(next)) => out.push(
            Change::new(
                R::PageableAdded,
                at,
                format!("`x-ms-pageable` added (pages with `{next}`)"),
            )
            .op(id)
            .note("the list becomes a `Pager`"),
        ),
        (Some(next), None) => out.push(
            Change::new(
                R::PageableRemoved,
                at,
                format!("`x-ms-pageable` removed (it paged with `{next}`)"),
            )
            .op(id)
            .note("the list stops being a `Pager`"),
        ),
        _ => {}
    }
    match (o.long_running(), op.long_running()) {
        (false, true) => out.push(
            Change::new(
                R::LongRunningAdded,
                at,
                "now answers 202 with a `Location` to poll",
            )
            .op(id)
            .note("`OperationMeta::long_running` turns true"),
        ),
        (true, false) => out.push(
            Change::new(
                R::LongRunningRemoved,
                at,
                "no longer answers 202 with a `Location` to poll",
            )
            .op(id)
            .note("`OperationMeta::long_running` turns false"),
        ),
        _ => {}
    }
}

fn compare_parameters(out: &mut Vec<Change>, at: &str, o: &Op, op: &Op) {
    let id = op.operation_id.as_str();
    for (pk, p) in &op.params {
        let pat = format!("{at} {} parameter {}", pk.0, pk.1);
        match o.params.get(pk) {
            None if p.required => out.push(
                Change::new(
                    R::NewRequiredRequestParameter,
                    pat,
                    "new required parameter",
                )
                .op(id)
                .note("calls without it fail"),
            ),
            None => out.push(
                Change::new(
                    R::NewOptionalRequestParameter,
                    pat,
                    "new optional parameter",
                )
                .op(id)
                .note("a new builder setter"),
            ),
            Some(old) => compare_parameter(out, &pat, old, p, id),
        }
    }
    for pk in o.params.keys() {
        if !op.params.contains_key(pk) {
            out.push(
                Change::new(
                    R::RequestParameterRemoved,
                    format!("{at} {} parameter {}", pk.0, pk.1),
                    "parameter removed",
                )
                .op(id)
                .note("the builder setter is gone"),
            );
        }
    }
}

fn compare_parameter(out: &mut Vec<Change>, at: &str, o: &Param, p: &Param, id: &str) {
    let start = out.len();
    let push = |out: &mut Vec<Change>, rule: R, detail: String| {
        out.push(Change::new(rule, at, detail).op(id));
    };
    let same_base = o.ty.base() == p.ty.base();
    if !same_base {
        push(
            out,
            R::RequestParameterTypeChanged,
            format!("type {} → {}", o.ty, p.ty),
        );
    }
    let (fa, fb) = if same_base {
        (o.ty.format(), p.ty.format())
    } else {
        (None, None)
    };
    for (way, detail) in schemas::limit_changes(fa, fb, &o.limits, &p.limits) {
        let rule = schemas::limit_rule(
            true,
            way,
            R::RequestParameterConstraintNarrowed,
            R::RequestParameterConstraintWidened,
        );
        push(out, rule, detail);
    }
    if o.required != p.required {
        let rule = if p.required {
            R::RequestParameterBecameRequired
        } else {
            R::RequestParameterBecameOptional
        };
        push(
            out,
            rule,
            format!("required {} → {}", o.required, p.required),
        );
    }
    if let Some(detail) = schemas::default_change(o.default.as_ref(), p.default.as_ref()) {
        push(out, R::RequestParameterDefaultChanged, detail);
    }
    schemas::deprecation(
        out,
        at,
        &o.deprecation,
        &p.deprecation,
        R::ParameterDeprecated,
        id,
    );
    let (ra, rb) = (rust_types::param(o), rust_types::param(p));
    let explained = out[start..].iter().any(|c| c.rust == Verdict::Breaking);
    if ra != rb && !explained {
        push(
            out,
            R::GeneratedParameterTypeChanged,
            format!("the setter's Rust type `{ra}` → `{rb}`"),
        );
    }
}

fn compare_body(out: &mut Vec<Change>, at: &str, o: &Op, op: &Op) {
    use super::model::Ty;
    match (&o.body, &op.body) {
        (Some(Ty::Object(a)), Some(Ty::Object(b))) => schemas::diff_props(
            out,
            &format!("{at} body"),
            a,
            b,
            Ctx::Action,
            true,
            &op.operation_id,
        ),
        (a, b) if a != b => out.push(
            Change::new(
                R::RequestBodyChanged,
                at,
                format!(
                    "request body {} → {}",
                    a.as_ref().map(|t| t.to_string()).unwrap_or("none".into()),
                    b.as_ref().map(|t| t.to_string()).unwrap_or("none".into())
                ),
            )
            .op(&op.operation_id),
        ),
        _ => {}
    }
}

fn success(status: &str) -> bool {
    status.starts_with('2')
}

fn compare_responses(out: &mut Vec<Change>, at: &str, o: &Op, op: &Op) {
    let id = op.operation_id.as_str();
    let body = |r: &Response| {
        r.body
            .as_ref()
            .map(|t| t.to_string())
            .unwrap_or("no body".into())
    };
    for (status, r) in &op.responses {
        let rat = format!("{at} response {status}");
        match o.responses.get(status) {
            None => {
                let rule = if success(status) {
                    R::ResponseSuccessStatusAdded
                } else {
                    R::ResponseNonSuccessStatusAdded
                };
                out.push(Change::new(rule, rat, format!("new response {status}")).op(id));
            }
            Some(or) => {
                if or.body != r.body {
                    out.push(
                        Change::new(
                            R::ResponseBodyChanged,
                            rat.clone(),
                            format!("{} → {}", body(or), body(r)),
                        )
                        .op(id),
                    );
                }
                compare_headers(out, &rat, or, r, id);
            }
        }
    }
    for status in o.responses.keys() {
        if !op.responses.contains_key(status) {
            let rule = if success(status) {
                R::ResponseSuccessStatusRemoved
            } else {
                R::ResponseNonSuccessStatusRemoved
            };
            out.push(
                Change::new(
                    rule,
                    format!("{at} response {status}"),
                    format!("response {status} no longer described"),
                )
                .op(id)
                .note("`send` no longer accepts it as described"),
            );
        }
    }
}

fn compare_headers(out: &mut Vec<Change>, at: &str, o: &Response, r: &Response, id: &str) {
    for (key, h) in &r.headers {
        let hat = format!("{at} header {}", h.name);
        match o.headers.get(key) {
            None => out.push(
                Change::new(
                    R::ResponseHeaderAdded,
                    hat,
                    format!(
                        "new {} header `{}`",
                        if h.required { "required" } else { "optional" },
                        h.name
                    ),
                )
                .op(id),
            ),
            Some(oh) => {
                if oh.required != h.required {
                    let rule = if h.required {
                        R::ResponseHeaderBecameRequired
                    } else {
                        R::ResponseHeaderBecameOptional
                    };
                    out.push(
                        Change::new(
                            rule,
                            hat.clone(),
                            format!("required {} → {}", oh.required, h.required),
                        )
                        .op(id),
                    );
                }
                if oh.ty != h.ty {
                    out.push(
                        Change::new(
                            R::ResponseHeaderTypeChanged,
                            hat,
                            format!("type {} → {}", oh.ty, h.ty),
                        )
                        .op(id),
                    );
                }
            }
        }
    }
    for (key, oh) in &o.headers {
        if !r.headers.contains_key(key) {
            let rule = if oh.required {
                R::ResponseRequiredHeaderRemoved
            } else {
                R::ResponseOptionalHeaderRemoved
            };
            out.push(
                Change::new(
                    rule,
                    format!("{at} header {}", oh.name),
                    format!("header `{}` no longer documented", oh.name),
                )
                .op(id),
            );
        }
    }
}

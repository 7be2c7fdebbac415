//! Stage 4, the API diff: each overlay action against an upstream slice:
//! does it still match, and does it still change anything? An action whose
//! correction upstream now makes itself (upstream starts documenting the
//! 202 and its `Location`, or stops writing the 204 we remove) is
//! *redundant* and can be deleted; one that matches nothing it could
//! correct is *stale*.
//!
//! The actions are applied one at a time, in order, with roas-overlay (the
//! implementation `spec::overlay` uses) but without its zero-match error,
//! so every action gets a verdict. Wording does not count: a correction
//! whose only effect is on `description`, `summary`, `externalDocs` or
//! examples is redundant, and so is appending an enum member upstream
//! already lists. Pure functions on JSON trees.

use anyhow::Result;
use roas_overlay::apply::Apply;
use roas_overlay::v1_0::Overlay;
use serde::Serialize;
use serde_json::Value;

use super::rules::Level;
use crate::spec::Prepared;

/// What an action does to a slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// It matches and changes the slice: the correction is still needed.
    Applies,
    /// It matches and changes nothing but wording, or (a removal) what it
    /// removes is already gone: upstream now agrees; delete the action.
    Redundant,
    /// It matches nothing it could correct: upstream moved or renamed what
    /// it targets; `generate` and `update` stop until it is fixed.
    Stale,
}

impl ActionStatus {
    /// How `--fail-on` counts it.
    pub fn level(self) -> Option<Level> {
        match self {
            ActionStatus::Applies => None,
            ActionStatus::Redundant => Some(Level::Warning),
            ActionStatus::Stale => Some(Level::Error),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Applies => "applies",
            ActionStatus::Redundant => "redundant",
            ActionStatus::Stale => "stale",
        }
    }
}

/// One action's verdict on one slice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub status: ActionStatus,
    /// Nodes the target matched.
    pub matched: usize,
    pub detail: String,
}

/// One action on both sides of a diff.
#[derive(Clone, Debug, Serialize)]
pub struct ActionReport {
    pub index: usize,
    /// `update` or `remove`.
    pub action: &'static str,
    pub target: String,
    /// The action's description, first sentence.
    pub why: String,
    /// On the new side.
    pub new: ActionStatus,
    pub matched: usize,
    pub detail: String,
    /// On the old side, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<ActionStatus>,
}

/// Every action of the overlay.
#[derive(Clone, Debug, Serialize)]
pub struct OverlayReport {
    pub file: String,
    pub applies: usize,
    pub redundant: usize,
    pub stale: usize,
    pub actions: Vec<ActionReport>,
}

/// Documentation-only keys, ignored when deciding whether an action still
/// changes anything.
const WORDING: &[&str] = &[
    "description",
    "summary",
    "externalDocs",
    "example",
    "examples",
];

/// Whether `a` and `b` say the same apart from wording, with lists of
/// scalars compared as sets (an overlay appends to a list; appending what
/// is there already is no change).
fn same_substance(a: &Value, b: &Value) -> bool {
    fn walk(a: &Value, b: &Value, in_properties: bool) -> bool {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let kept = |m: &serde_json::Map<String, Value>| {
                    m.keys()
                        .filter(|k| in_properties || !WORDING.contains(&k.as_str()))
                        .count()
                };
                kept(x) == kept(y)
                    && x.iter()
                        .filter(|(k, _)| in_properties || !WORDING.contains(&k.as_str()))
                        .all(|(k, v)| {
                            y.get(k)
                                .is_some_and(|w| walk(v, w, !in_properties && k == "properties"))
                        })
            }
            (Value::Array(x), Value::Array(y))
                if x.iter().chain(y).all(|v| !v.is_object() && !v.is_array()) =>
            {
                x.iter().all(|v| y.contains(v)) && y.iter().all(|v| x.contains(v))
            }
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(v, w)| walk(v, w, false))
            }
            (x, y) => x == y,
        }
    }
    walk(a, b, false)
}

/// The JSONPath of the parent of `target`'s last segment (`$.a['b'].c` →
/// `$.a['b']`), or `None` for `$`.
pub fn parent_path(target: &str) -> Option<&str> {
    let bytes = target.as_bytes();
    let (mut depth, mut quote, mut last) = (0usize, None::<u8>, None);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'[' => {
                    if depth == 0 {
                        last = Some(i);
                    }
                    depth += 1;
                }
                b']' => depth = depth.saturating_sub(1),
                b'.' if depth == 0 => last = Some(i),
                _ => {}
            },
        }
        i += 1;
    }
    last.filter(|&at| at > 0).map(|at| &target[..at])
}

fn count_matches(doc: &Value, path: &str) -> usize {
    serde_json_path::JsonPath::parse(path)
        .map(|p| p.query(doc).len())
        .unwrap_or(0)
}

/// What an update action makes of one node (roas-overlay's rule: append
/// to an array, merge into an object).
fn updated(node: &Value, update: &Value) -> Value {
    let mut out = node.clone();
    match &mut out {
        Value::Array(a) => a.push(update.clone()),
        other => roas_overlay::common::apply::merge_json(other, update),
    }
    out
}

/// Every action of `overlay` against `doc` (an upstream slice, before the
/// overlay), in order, each seeing the slice as the actions before it left
/// it. Only the nodes an action matches are compared.
pub fn check(overlay: &Overlay, doc: &Value) -> Vec<Verdict> {
    let mut current = doc.clone();
    let mut out = Vec::new();
    let mut single = overlay.clone();
    for action in &overlay.actions {
        let pointers: Vec<String> = match serde_json_path::JsonPath::parse(&action.target) {
            Ok(p) => p
                .query_located(&current)
                .into_iter()
                .map(|n| n.location().to_json_pointer())
                .collect(),
            Err(e) => {
                out.push(Verdict {
                    status: ActionStatus::Stale,
                    matched: 0,
                    detail: format!("its target is not a JSONPath: {e}"),
                });
                continue;
            }
        };
        let parents = || {
            parent_path(&action.target)
                .map(|p| count_matches(&current, p))
                .unwrap_or(0)
        };
        if pointers.is_empty() {
            out.push(if action.is_remove() && parents() > 0 {
                Verdict {
                    status: ActionStatus::Redundant,
                    matched: 0,
                    detail: "what it removes is already gone upstream".into(),
                }
            } else {
                Verdict {
                    status: ActionStatus::Stale,
                    matched: 0,
                    detail: "its target matches nothing".into(),
                }
            });
            continue;
        }
        let matched = pointers.len();
        let verdict = match (&action.update, action.is_remove()) {
            (Some(update), false) => {
                let nodes: Vec<(&Value, Value)> = pointers
                    .iter()
                    .filter_map(|p| current.pointer(p))
                    .map(|n| (n, updated(n, update)))
                    .collect();
                if nodes.iter().all(|(a, b)| *a == b) {
                    Verdict {
                        status: ActionStatus::Redundant,
                        matched,
                        detail: "upstream already says exactly this".into(),
                    }
                } else if nodes.iter().all(|(a, b)| same_substance(a, b)) {
                    Verdict {
                        status: ActionStatus::Redundant,
                        matched,
                        detail: "upstream already says this, apart from wording".into(),
                    }
                } else {
                    Verdict {
                        status: ActionStatus::Applies,
                        matched,
                        detail: format!("changes {matched} node(s)"),
                    }
                }
            }
            _ => {
                let n = parents();
                Verdict {
                    status: ActionStatus::Applies,
                    matched,
                    detail: if n > matched {
                        format!(
                            "removes {matched} node(s); {} of {n} targets already gone upstream",
                            n - matched
                        )
                    } else {
                        format!("removes {matched} node(s)")
                    },
                }
            }
        };
        // Apply it with roas-overlay itself, so the next action sees what
        // `spec::prepare` would give it.
        single.actions = vec![action.clone()];
        if let Err(e) = single.apply(&mut current, Default::default()) {
            out.push(Verdict {
                status: ActionStatus::Stale,
                matched,
                detail: format!("does not apply: {}", e.kind),
            });
            continue;
        }
        out.push(verdict);
    }
    out
}

fn first_sentence(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match s.find(". ") {
        Some(at) => s[..=at].to_owned(),
        None => s,
    }
}

/// Both sides of a diff, when the overlay applied to them.
pub fn report(old: &Prepared, new: &Prepared) -> Result<Option<OverlayReport>> {
    let Some(loaded) = &new.overlay else {
        return Ok(None);
    };
    let overlay = crate::spec::overlay::from_value(&loaded.display_name(), &loaded.value)?;
    let new_v = check(&overlay, &new.spec.value);
    let old_v = old
        .overlay
        .as_ref()
        .filter(|o| o.sha256 == loaded.sha256)
        .map(|_| check(&overlay, &old.spec.value));
    Ok(Some(assemble(
        &loaded.display_name(),
        &overlay,
        &new_v,
        old_v.as_deref(),
    )))
}

/// Why an overlay does not apply to `doc` (an upstream slice), action by
/// action, for the error `generate`, `diff` and `update` stop with: the
/// Markdown of [`OverlayReport`], or the reason it could not be computed.
pub fn explain(overlay_path: &std::path::Path, doc: &Value) -> String {
    match crate::spec::overlay::load(overlay_path) {
        Ok(loaded) => {
            let verdicts = check(&loaded.overlay, doc);
            assemble(
                &loaded.source.display_name(),
                &loaded.overlay,
                &verdicts,
                None,
            )
            .markdown()
        }
        Err(e) => format!("(the overlay's actions could not be checked one by one: {e:#})"),
    }
}

/// The report for an overlay against one slice (the old side unknown).
pub fn assemble(
    file: &str,
    overlay: &Overlay,
    new: &[Verdict],
    old: Option<&[Verdict]>,
) -> OverlayReport {
    let actions: Vec<ActionReport> = overlay
        .actions
        .iter()
        .zip(new)
        .enumerate()
        .map(|(index, (a, v))| ActionReport {
            index,
            action: if a.is_remove() { "remove" } else { "update" },
            target: a.target.clone(),
            why: first_sentence(a.description.as_deref().unwrap_or("")),
            new: v.status,
            matched: v.matched,
            detail: v.detail.clone(),
            old: old.and_then(|o| o.get(index)).map(|o| o.status),
        })
        .collect();
    let count = |s: ActionStatus| actions.iter().filter(|a| a.new == s).count();
    OverlayReport {
        file: file.to_owned(),
        applies: count(ActionStatus::Applies),
        redundant: count(ActionStatus::Redundant),
        stale: count(ActionStatus::Stale),
        actions,
    }
}

impl OverlayReport {
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "Overlay `{}`: {} action(s) against the new slice: {} still apply, {} redundant (upstream now agrees: delete them), {} stale (they match nothing: fix them).\n",
            self.file,
            self.actions.len(),
            self.applies,
            self.redundant,
            self.stale
        );
        let notable: Vec<&ActionReport> = self
            .actions
            .iter()
            .filter(|a| a.new != ActionStatus::Applies || a.old.is_some_and(|o| o != a.new))
            .collect();
        if !notable.is_empty() {
            s.push_str(
                "\n| action | status | was | target | why it exists |\n|---|---|---|---|---|\n",
            );
            for a in notable {
                s.push_str(&format!(
                    "| {} ({}) | **{}**: {} | {} | `{}` | {} |\n",
                    a.index,
                    a.action,
                    a.new.as_str(),
                    a.detail,
                    a.old.map(ActionStatus::as_str).unwrap_or("—"),
                    a.target.replace('|', "\\|"),
                    a.why.replace('|', "\\|")
                ));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_of_jsonpaths() {
        assert_eq!(parent_path("$.a.b"), Some("$.a"));
        assert_eq!(parent_path("$.a['x.y'].b"), Some("$.a['x.y']"));
        assert_eq!(
            parent_path("$.paths['/a','/b'].post.responses['204']"),
            Some("$.paths['/a','/b'].post.responses")
        );
        assert_eq!(
            parent_path("$.paths[\"/x(a='{b}')\"].get"),
            Some("$.paths[\"/x(a='{b}')\"]")
        );
        assert_eq!(parent_path("$"), None);
        assert_eq!(parent_path("$.a"), Some("$"));
    }

    #[test]
    fn wording_and_repeated_members_are_not_substance() {
        let a = serde_json::json!({"description": "x", "enum": ["a", "b"], "properties": {"description": {"type": "string"}}});
        let b = serde_json::json!({"description": "y", "enum": ["a", "b", "b"], "properties": {"description": {"type": "string"}}});
        assert!(same_substance(&a, &b));
        let c = serde_json::json!({"description": "x", "enum": ["a", "b"], "properties": {}});
        assert!(!same_substance(&a, &c));
        let d = serde_json::json!({"description": "x", "enum": ["a", "b"], "properties": {"description": {"type": "integer"}}});
        assert!(!same_substance(&a, &d));
    }
}

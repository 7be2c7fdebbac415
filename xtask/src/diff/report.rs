//! Stage 4, the API diff: one change as reported, and the report around the
//! changes (both sides, a summary, the overlay's status, the Rust-API check
//! when one ran), rendered as Markdown for people, JSON for tools
//! ([`FORMAT`]), and as a release note in an administrator's words.

use serde::Serialize;

use super::overlay::{ActionStatus, OverlayReport};
use super::rules::{Bump, ChangeKind, Level, RuleId, Verdict};
use super::rust_api::RustApiReport;
use crate::spec::Prepared;

/// The JSON report's format identifier. Fields have been added since the
/// first version (`id`, `level`, `semver`, `operation_id`, the summary's
/// `levels` and `semver`, `overlay`, `rust_api`), none removed or changed
/// in meaning: it stays `/1`.
pub const FORMAT: &str = "graph-teams-admin.api-diff/1";

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The rule (a stable kebab-case id; see the README's table).
    pub id: RuleId,
    /// `error`, `warning` or `info`, from the rule.
    pub level: Level,
    /// The coarse category, from the rule.
    pub kind: ChangeKind,
    /// Where: `GET /path`, `schema <name>`, `schema <name>.<property>`, …
    pub location: String,
    /// What happened, in words.
    pub detail: String,
    /// By Graph's versioning rules.
    pub graph: Verdict,
    /// For code using the generated Rust API.
    pub rust: Verdict,
    /// The bump the SDK crate needs for this change alone.
    pub semver: Bump,
    /// The operation, for changes inside one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Why the Rust verdict is what it is, when not obvious.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Change {
    /// A change under `id`, classified by its rule.
    pub fn new(id: RuleId, location: impl Into<String>, detail: impl Into<String>) -> Self {
        let r = id.rule();
        Change {
            id,
            level: r.level,
            kind: r.kind,
            location: location.into(),
            detail: detail.into(),
            graph: r.graph,
            rust: r.rust,
            semver: r.semver,
            operation_id: None,
            note: None,
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn op(mut self, operation_id: &str) -> Self {
        if !operation_id.is_empty() {
            self.operation_id = Some(operation_id.to_owned());
        }
        self
    }
}

/// How `cargo xtask diff` prints its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people (also `md`).
    #[value(alias = "md")]
    Markdown,
    /// The stable JSON report (see [`FORMAT`] and the README).
    Json,
}

/// Both sides and what changed.
#[derive(Debug, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub old: Side,
    pub new: Side,
    pub summary: Summary,
    pub changes: Vec<Change>,
    /// Each overlay action against both sides (when an overlay applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlay: Option<OverlayReport>,
    /// The public Rust API of the code generated from each side (`update`,
    /// and `diff --rust-api`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rust_api: Option<RustApiReport>,
}

#[derive(Debug, Serialize)]
pub struct Side {
    pub file: String,
    pub sha256: String,
    pub overlay: Option<String>,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Levels {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub changes: usize,
    pub breaking_graph: usize,
    pub breaking_rust: usize,
    /// Changes by level.
    pub levels: Levels,
    /// The bump the SDK crate needs, predicted from the description (the
    /// largest of the changes' `semver`).
    pub semver: Bump,
}

impl Summary {
    pub fn of(changes: &[Change]) -> Self {
        let count = |l: Level| changes.iter().filter(|c| c.level == l).count();
        Summary {
            changes: changes.len(),
            breaking_graph: changes
                .iter()
                .filter(|c| c.graph == Verdict::Breaking)
                .count(),
            breaking_rust: changes
                .iter()
                .filter(|c| c.rust == Verdict::Breaking)
                .count(),
            levels: Levels {
                error: count(Level::Error),
                warning: count(Level::Warning),
                info: count(Level::Info),
            },
            semver: changes.iter().map(|c| c.semver).max().unwrap_or_default(),
        }
    }
}

pub fn side(p: &Prepared) -> Side {
    Side {
        file: p.spec.display_name(),
        sha256: p.spec.sha256.clone(),
        overlay: p.overlay.as_ref().map(|o| o.display_name()),
    }
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Breaking => "**breaking**",
        Verdict::NonBreaking => "compatible",
    }
}

impl Report {
    /// Whether anything breaks, by either set of rules.
    pub fn is_breaking(&self) -> bool {
        self.summary.breaking_graph + self.summary.breaking_rust > 0
    }

    /// Changes (and overlay actions) at `level` or above: what `--fail-on
    /// LEVEL` counts. A redundant overlay action counts as a warning, a
    /// stale one as an error.
    pub fn count_at_least(&self, level: Level) -> usize {
        let overlay = self.overlay.as_ref().map_or(0, |o| {
            o.actions
                .iter()
                .filter(|a| a.new.level().is_some_and(|l| l >= level))
                .count()
        });
        self.changes.iter().filter(|c| c.level >= level).count() + overlay
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Markdown => self.markdown(),
            Format::Json => self.json(),
        }
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serializable") + "\n"
    }

    /// The changes, most severe first, as a table.
    pub fn table(&self) -> String {
        let mut s = String::from(
            "| level | rule | where | what | Graph | Rust API |\n|---|---|---|---|---|---|\n",
        );
        let mut sorted: Vec<&Change> = self.changes.iter().collect();
        sorted.sort_by(|a, b| {
            b.level
                .cmp(&a.level)
                .then_with(|| a.location.cmp(&b.location))
        });
        for c in sorted {
            let rust = match &c.note {
                Some(n) => format!("{} ({n})", verdict(c.rust)),
                None => verdict(c.rust).to_owned(),
            };
            s.push_str(&format!(
                "| {} | `{}` | `{}` | {} | {} | {} |\n",
                c.level.as_str(),
                c.id,
                c.location,
                c.detail.replace('|', "\\|"),
                verdict(c.graph),
                rust.replace('|', "\\|")
            ));
        }
        s
    }

    pub fn markdown(&self) -> String {
        let mut s = format!(
            "API changes from `{}` (sha256 {}) to `{}` (sha256 {}){}.\n\n",
            self.old.file,
            &self.old.sha256[..12.min(self.old.sha256.len())],
            self.new.file,
            &self.new.sha256[..12.min(self.new.sha256.len())],
            self.new
                .overlay
                .as_ref()
                .map(|o| format!(", both after `{o}`"))
                .unwrap_or_default()
        );
        if self.changes.is_empty() {
            s.push_str("No API changes.\n");
        } else {
            let l = &self.summary.levels;
            s.push_str(&format!(
                "{} change(s): {} breaking by Graph's rules, {} breaking for the Rust API \
                 ({} error, {} warning, {} info); predicted bump for the SDK: {}.\n\n",
                self.summary.changes,
                self.summary.breaking_graph,
                self.summary.breaking_rust,
                l.error,
                l.warning,
                l.info,
                self.summary.semver.as_str()
            ));
            s.push_str(&self.table());
        }
        if let Some(o) = &self.overlay {
            s.push('\n');
            s.push_str(&o.markdown());
        }
        if let Some(r) = &self.rust_api {
            s.push('\n');
            s.push_str(&r.markdown());
        }
        s
    }

    /// A short release note in an administrator's words ("New number type
    /// `teamsPhoneCloud`; `numberAssignment.city` removed."), most
    /// important first.
    pub fn release_note(&self) -> String {
        release_note(&self.changes, self.overlay.as_ref())
    }
}

/// `microsoft.graph.teamsAdministration.numberType` → `numberType`.
fn short_schema(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// `numberType` → "number type".
fn words(camel: &str) -> String {
    let mut s = String::new();
    for (i, ch) in camel.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            s.push(' ');
        }
        s.extend(ch.to_lowercase());
    }
    s
}

/// `schema a.b.numberAssignment.city` → `numberAssignment.city` (for
/// changes of a property: the schema's short name and the property).
fn schema_place(location: &str) -> Option<String> {
    let rest = location.strip_prefix("schema ")?;
    let mut parts = rest.rsplit('.');
    let property = parts.next()?;
    Some(match parts.next() {
        Some(schema) => format!("{schema}.{property}"),
        None => property.to_owned(),
    })
}

/// `POST /a/b/microsoft.graph.teamsAdministration.assignNumber` → `assignNumber`;
/// navigation paths keep their method and path.
fn operation_place(location: &str) -> String {
    let mut parts = location.split(' ');
    let method = parts.next().unwrap_or("");
    let path = parts.next().unwrap_or(location);
    let last = path.rsplit('/').next().unwrap_or(path);
    let last = last.split('(').next().unwrap_or(last);
    if last.starts_with("microsoft.graph.") {
        last.rsplit('.').next().unwrap_or(last).to_owned()
    } else {
        format!("{method} {path}")
    }
}

/// "action", "function" or "operation", as Graph names what a location is.
fn operation_word(location: &str) -> &'static str {
    let namespaced = location
        .split(' ')
        .nth(1)
        .and_then(|p| p.rsplit('/').next())
        .is_some_and(|s| s.starts_with("microsoft.graph."));
    match (location.split(' ').next(), namespaced) {
        (Some("POST"), true) => "action",
        (Some("GET"), true) => "function",
        _ => "operation",
    }
}

/// The words for one change, when it belongs in a release note.
fn note_phrase(c: &Change) -> Option<(u8, String)> {
    use RuleId as R;
    let quoted = |s: &str| {
        s.split('`')
            .nth(1)
            .map(str::to_owned)
            .unwrap_or_else(|| s.to_owned())
    };
    let schema_short = || {
        c.location
            .strip_prefix("schema ")
            .map(|s| short_schema(s).to_owned())
            .unwrap_or_default()
    };
    let place = || schema_place(&c.location).unwrap_or_else(|| c.location.clone());
    let op = || operation_place(&c.location);
    let param = || c.location.rsplit('.').next().unwrap_or("").to_owned();
    let phrase = match c.id {
        R::EnumValueAdded => format!("New {} `{}`", words(&schema_short()), quoted(&c.detail)),
        R::RequestEnumValueRemoved | R::ResponseEnumValueRemoved => {
            format!(
                "{} `{}` removed",
                capital(&words(&schema_short())),
                quoted(&c.detail)
            )
        }
        R::EndpointAdded => format!("New {} `{}`", operation_word(&c.location), op()),
        R::EndpointRemoved => format!(
            "{} `{}` removed",
            capital(operation_word(&c.location)),
            op()
        ),
        R::OperationIdChanged => format!("`{}` renamed in the client ({})", op(), c.detail),
        R::ResponsePropertyRemoved | R::RequestPropertyRemoved => format!("`{}` removed", place()),
        R::ResponsePropertyAdded
        | R::NewOptionalRequestProperty
        | R::ResponseRequiredPropertyAdded
        | R::NewRequiredRequestProperty => format!("New property `{}`", place()),
        R::ResponsePropertyTypeChanged | R::RequestPropertyTypeChanged => {
            format!(
                "`{}` changes type ({})",
                place(),
                c.detail.trim_start_matches("type ")
            )
        }
        R::NewRequiredActionParameter => {
            format!("`{}` needs a new parameter `{}`", op(), param())
        }
        R::NewOptionalActionParameter => {
            format!("`{}` takes a new optional parameter `{}`", op(), param())
        }
        R::ActionParameterRemoved => format!("`{}` no longer takes `{}`", op(), param()),
        R::ActionParameterBecameRequired => format!("`{}` now requires `{}`", op(), param()),
        R::NewRequiredRequestParameter => format!("`{}` needs a new parameter", op()),
        R::RequestParameterRemoved => format!("`{}` loses a parameter ({})", op(), c.location),
        R::LongRunningAdded => format!("`{}` now runs as a long-running operation", op()),
        R::LongRunningRemoved => format!("`{}` no longer runs as a long-running operation", op()),
        R::PageableAdded => format!("`{}` now returns its results in pages", op()),
        R::PageableRemoved => format!("`{}` no longer pages its results", op()),
        R::OperationTypeChanged => format!("`{}` changes kind ({})", op(), c.detail),
        R::EndpointDeprecated => format!("`{}` deprecated ({})", op(), c.detail),
        R::SchemaDeprecated => format!("`{}` deprecated ({})", schema_short(), c.detail),
        R::PropertyDeprecated => format!("`{}` deprecated ({})", place(), c.detail),
        R::ResponseRequiredHeaderRemoved | R::ResponseOptionalHeaderRemoved => format!(
            "`{}` no longer documents the `{}` header",
            op(),
            c.location.rsplit(' ').next().unwrap_or("")
        ),
        R::SchemaAdded => format!("New type `{}`", schema_short()),
        R::SchemaRemoved => format!("Type `{}` removed", schema_short()),
        _ if c.level == Level::Info => return None,
        _ => format!("{}: {}", c.location, c.detail),
    };
    // Breaking for someone first, then additions, then the rest.
    let rank = match (c.level, c.semver) {
        (Level::Error, _) => 0,
        (_, Bump::Minor) => 1,
        (Level::Warning, _) => 2,
        _ => 3,
    };
    Some((rank, phrase))
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn release_note(changes: &[Change], overlay: Option<&OverlayReport>) -> String {
    const MAX: usize = 8;
    let mut phrases: Vec<(u8, String)> = changes.iter().filter_map(note_phrase).collect();
    phrases.sort_by_key(|(rank, _)| *rank);
    let mut seen = std::collections::BTreeSet::new();
    phrases.retain(|(_, p)| seen.insert(p.clone()));
    let mut s = if phrases.is_empty() {
        if changes.is_empty() {
            "No API changes".to_owned()
        } else {
            "No change an administrator would notice".to_owned()
        }
    } else {
        let shown: Vec<&str> = phrases.iter().take(MAX).map(|(_, p)| p.as_str()).collect();
        let mut s = shown.join("; ");
        if phrases.len() > MAX {
            s.push_str(&format!("; and {} more", phrases.len() - MAX));
        }
        s
    };
    if let Some(o) = overlay {
        let redundant = o
            .actions
            .iter()
            .filter(|a| a.new == ActionStatus::Redundant)
            .count();
        if redundant > 0 {
            s.push_str(&format!(
                "; Graph now documents what {redundant} of our corrections said"
            ));
        }
    }
    s.push('.');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_note_reads_like_words() {
        let changes = vec![
            Change::new(
                RuleId::EnumValueAdded,
                "schema microsoft.graph.teamsAdministration.numberType",
                "new member `teamsPhoneCloud`",
            ),
            Change::new(
                RuleId::ResponsePropertyRemoved,
                "schema microsoft.graph.teamsAdministration.numberAssignment.city",
                "`city` (string) removed",
            ),
            Change::new(
                RuleId::EnumValuesReordered,
                "schema microsoft.graph.teamsAdministration.numberType",
                "members reordered",
            ),
        ];
        assert_eq!(
            release_note(&changes, None),
            "`numberAssignment.city` removed; New number type `teamsPhoneCloud`."
        );
        assert_eq!(release_note(&[], None), "No API changes.");
        assert_eq!(
            operation_place("POST /admin/x/microsoft.graph.teamsAdministration.assignNumber"),
            "assignNumber"
        );
        assert_eq!(
            operation_place(
                "GET /admin/teams/policy/microsoft.graph.teamsAdministration.getPolicyId(type='{type}',name='{name}')"
            ),
            "getPolicyId"
        );
    }
}

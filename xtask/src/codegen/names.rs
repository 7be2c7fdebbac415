//! Stage 3, code generation: Rust names for Graph things: the rules typify
//! uses (so we can address its types) and our shorter names for component
//! schemas. Pure string functions; depends on nothing else in the crate.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToPascalCase, ToSnakeCase};

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

const KEYWORDS: &[&str] = &[
    "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

fn sanitize(input: &str, to_case: fn(&str) -> String) -> String {
    let cleaned: String = input
        .replace('\'', "")
        .chars()
        .map(|c| if is_ident_continue(c) { c } else { '-' })
        .collect();
    let out = to_case(&cleaned);
    let out = match out.chars().next() {
        None => to_case("x"),
        Some(c) if is_ident_start(c) => out,
        Some(_) => format!("{}{out}", to_case("x")),
    };
    if KEYWORDS.contains(&out.as_str()) {
        format!("{out}_")
    } else {
        out
    }
}

/// typify's PascalCase rule (`sanitize(name, Case::Pascal)`), which is how it
/// names the type of a component schema.
pub fn pascal(input: &str) -> String {
    sanitize(input, |s| s.to_pascal_case())
}

/// typify/progenitor's snake_case rule, used for method names and for
/// `OperationInfo::operation_id`.
pub fn snake(input: &str) -> String {
    sanitize(input, |s| s.to_snake_case())
}

/// Short Rust type names for component schemas: the last segment of the
/// qualified name (`microsoft.graph.teamsAdministration.numberAssignment` →
/// `NumberAssignment`). Where two components would share a short name, both
/// keep more of their namespace until they differ.
pub fn short_type_names<'a>(
    components: impl IntoIterator<Item = &'a str>,
) -> BTreeMap<String, String> {
    let keys: Vec<&str> = components.into_iter().collect();
    let mut depth: BTreeMap<&str, usize> = keys.iter().map(|k| (*k, 1)).collect();
    loop {
        let mut by_name: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for k in &keys {
            by_name.entry(short_at(k, depth[k])).or_default().push(k);
        }
        let clashes: BTreeSet<&str> = by_name
            .values()
            .filter(|v| v.len() > 1)
            .flatten()
            .copied()
            .filter(|k| depth[k] < k.split('.').count())
            .collect();
        if clashes.is_empty() {
            return keys
                .iter()
                .map(|k| (k.to_string(), short_at(k, depth[k])))
                .collect();
        }
        for k in clashes {
            *depth.get_mut(k).unwrap() += 1;
        }
    }
}

fn short_at(key: &str, segments: usize) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let start = parts.len().saturating_sub(segments);
    pascal(&parts[start..].join("-"))
}

/// The Rust variant name for an enum member's wire name.
pub fn variant(member: &str) -> String {
    pascal(member)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_typify_for_graph_component_keys() {
        assert_eq!(
            pascal("microsoft.graph.teamsAdministration.numberAssignment"),
            "MicrosoftGraphTeamsAdministrationNumberAssignment"
        );
        assert_eq!(
            pascal("microsoft.graph.ODataErrors.ODataError"),
            "MicrosoftGraphODataErrorsODataError"
        );
        assert_eq!(
            snake("admin.teams.policy_getPolicyId"),
            "admin_teams_policy_get_policy_id"
        );
        assert_eq!(snake("type"), "type_");
    }

    #[test]
    fn short_names_widen_only_on_clash() {
        let names = short_type_names([
            "microsoft.graph.teamsAdministration.numberAssignment",
            "microsoft.graph.user",
            "microsoft.graph.teamsAdministration.user",
            "BaseCollectionPaginationCountResponse",
        ]);
        assert_eq!(
            names["microsoft.graph.teamsAdministration.numberAssignment"],
            "NumberAssignment"
        );
        assert_eq!(names["microsoft.graph.user"], "GraphUser");
        assert_eq!(
            names["microsoft.graph.teamsAdministration.user"],
            "TeamsAdministrationUser"
        );
        assert_eq!(
            names["BaseCollectionPaginationCountResponse"],
            "BaseCollectionPaginationCountResponse"
        );
    }
}

//! URL → route: `/beta` and `/v1.0`, namespace-qualified and short
//! operation names, keys as segments or in parentheses (`operations('…')`).

use std::collections::HashMap;

use axum::http::StatusCode;

use super::response::{ApiError, ApiResult};

const NAMESPACE: &str = "microsoft.graph.teamsAdministration.";

/// `/beta/…` or `/v1.0/…` → (version, decoded segments).
pub(crate) fn split_path(path: &str) -> ApiResult<(String, Vec<String>)> {
    let mut parts = path.trim_start_matches('/').split('/');
    let version = parts.next().unwrap_or("");
    if version != "beta" && version != "v1.0" {
        return Err(unknown_segment(version));
    }
    let segments = parts
        .map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    Ok((version.to_owned(), segments))
}

fn unknown_segment(segment: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "UnknownError",
        format!("Resource not found for the segment '{segment}'."),
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumberAction {
    Assign,
    Unassign,
    Update,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Route {
    AdminRoot,
    PolicyRoot,
    GetPolicyId {
        policy_type: String,
        name: String,
    },
    UserAssignments,
    UserAssignmentsCount,
    UserAssignment(String),
    /// `true` for assign, `false` for unassign.
    PolicyAction(bool),
    NumberManagementRoot,
    Numbers,
    NumbersCount,
    Number(String),
    NumberAction(NumberAction),
    Operations,
    OperationsCount,
    Operation(String),
    UserConfigurations,
    UserConfigurationsCount,
    UserConfiguration(String),
    UserConfigurationUser(String),
    /// `/users/{id or userPrincipalName}` (outside `/admin/teams`).
    User(String),
}

impl Route {
    /// The path template under the version, for the request counters:
    /// keys as `{id}`, actions namespace-qualified (whichever form was sent).
    pub(crate) fn template(&self) -> &'static str {
        match self {
            Route::AdminRoot => "/admin/teams",
            Route::PolicyRoot => "/admin/teams/policy",
            Route::GetPolicyId { .. } => {
                "/admin/teams/policy/microsoft.graph.teamsAdministration.getPolicyId(type='{type}',name='{name}')"
            }
            Route::UserAssignments => "/admin/teams/policy/userAssignments",
            Route::UserAssignmentsCount => "/admin/teams/policy/userAssignments/$count",
            Route::UserAssignment(_) => "/admin/teams/policy/userAssignments/{id}",
            Route::PolicyAction(true) => {
                "/admin/teams/policy/userAssignments/microsoft.graph.teamsAdministration.assign"
            }
            Route::PolicyAction(false) => {
                "/admin/teams/policy/userAssignments/microsoft.graph.teamsAdministration.unassign"
            }
            Route::NumberManagementRoot => "/admin/teams/telephoneNumberManagement",
            Route::Numbers => "/admin/teams/telephoneNumberManagement/numberAssignments",
            Route::NumbersCount => {
                "/admin/teams/telephoneNumberManagement/numberAssignments/$count"
            }
            Route::Number(_) => "/admin/teams/telephoneNumberManagement/numberAssignments/{id}",
            Route::NumberAction(NumberAction::Assign) => {
                "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber"
            }
            Route::NumberAction(NumberAction::Unassign) => {
                "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.unassignNumber"
            }
            Route::NumberAction(NumberAction::Update) => {
                "/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.updateNumber"
            }
            Route::Operations => "/admin/teams/telephoneNumberManagement/operations",
            Route::OperationsCount => "/admin/teams/telephoneNumberManagement/operations/$count",
            Route::Operation(_) => "/admin/teams/telephoneNumberManagement/operations/{id}",
            Route::UserConfigurations => "/admin/teams/userConfigurations",
            Route::UserConfigurationsCount => "/admin/teams/userConfigurations/$count",
            Route::UserConfiguration(_) => "/admin/teams/userConfigurations/{id}",
            Route::UserConfigurationUser(_) => "/admin/teams/userConfigurations/{id}/user",
            Route::User(_) => "/users/{id}",
        }
    }
}

/// `METHOD /version/template` of a request, or `METHOD <path as sent>` when
/// no route matches.
pub(crate) fn counter_key(method: &str, path: &str) -> String {
    match split_path(path).and_then(|(version, segments)| Ok((version, route(&segments)?))) {
        Ok((version, route)) => format!("{method} /{version}{}", route.template()),
        Err(_) => format!("{method} {path}"),
    }
}

/// `name('key')` or `name(key)` → key.
fn keyed(segment: &str, name: &str) -> Option<String> {
    let inner = segment
        .strip_prefix(name)?
        .strip_prefix('(')?
        .strip_suffix(')')?;
    Some(
        match inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            Some(quoted) => quoted.replace("''", "'"),
            None => inner.to_owned(),
        },
    )
}

/// `microsoft.graph.teamsAdministration.assignNumber` or `assignNumber`.
fn operation_name(segment: &str) -> &str {
    segment.strip_prefix(NAMESPACE).unwrap_or(segment)
}

pub(crate) fn route(segments: &[String]) -> ApiResult<Route> {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let rest = match s.as_slice() {
        ["users", key] if !key.is_empty() => return Ok(Route::User((*key).to_owned())),
        [seg] if keyed(seg, "users").is_some_and(|k| !k.is_empty()) => {
            return Ok(Route::User(keyed(seg, "users").unwrap_or_default()));
        }
        ["admin", "teams", rest @ ..] => rest,
        [] => return Err(unknown_segment("")),
        [first, ..] if *first != "admin" => return Err(unknown_segment(first)),
        [_, second, ..] => return Err(unknown_segment(second)),
        [_] => return Err(unknown_segment("admin")),
    };
    let unknown = |seg: &str| Err(unknown_segment(seg));
    Ok(match rest {
        [] => Route::AdminRoot,
        ["policy"] => Route::PolicyRoot,
        ["policy", "userAssignments"] => Route::UserAssignments,
        ["policy", "userAssignments", "$count"] => Route::UserAssignmentsCount,
        ["policy", "userAssignments", seg] => match operation_name(seg) {
            "assign" => Route::PolicyAction(true),
            "unassign" => Route::PolicyAction(false),
            _ => Route::UserAssignment((*seg).to_owned()),
        },
        ["policy", seg] => {
            if let Some(key) = keyed(seg, "userAssignments") {
                Route::UserAssignment(key)
            } else if operation_name(seg).starts_with("getPolicyId(") {
                let (policy_type, name) = parse_get_policy_id(operation_name(seg))?;
                Route::GetPolicyId { policy_type, name }
            } else {
                return unknown(seg);
            }
        }
        ["telephoneNumberManagement"] => Route::NumberManagementRoot,
        ["telephoneNumberManagement", "numberAssignments"] => Route::Numbers,
        ["telephoneNumberManagement", "numberAssignments", "$count"] => Route::NumbersCount,
        ["telephoneNumberManagement", "numberAssignments", seg] => match operation_name(seg) {
            "assignNumber" => Route::NumberAction(NumberAction::Assign),
            "unassignNumber" => Route::NumberAction(NumberAction::Unassign),
            "updateNumber" => Route::NumberAction(NumberAction::Update),
            _ => Route::Number((*seg).to_owned()),
        },
        ["telephoneNumberManagement", "operations"] => Route::Operations,
        ["telephoneNumberManagement", "operations", "$count"] => Route::OperationsCount,
        ["telephoneNumberManagement", "operations", id] => Route::Operation((*id).to_owned()),
        ["telephoneNumberManagement", seg] => {
            if let Some(key) = keyed(seg, "operations") {
                Route::Operation(key)
            } else if let Some(key) = keyed(seg, "numberAssignments") {
                Route::Number(key)
            } else {
                return unknown(seg);
            }
        }
        ["userConfigurations"] => Route::UserConfigurations,
        ["userConfigurations", "$count"] => Route::UserConfigurationsCount,
        ["userConfigurations", id] => Route::UserConfiguration((*id).to_owned()),
        ["userConfigurations", id, "user"] => Route::UserConfigurationUser((*id).to_owned()),
        [seg] | [seg, "user"] if keyed(seg, "userConfigurations").is_some() => {
            let key = keyed(seg, "userConfigurations").unwrap_or_default();
            if rest.len() == 2 {
                Route::UserConfigurationUser(key)
            } else {
                Route::UserConfiguration(key)
            }
        }
        [.., last] => return unknown(last),
    })
}

/// `getPolicyId(type='…',name='…')` (either order) → (type, name).
fn parse_get_policy_id(segment: &str) -> ApiResult<(String, String)> {
    let bad = |why: &str| {
        ApiError::bad_request(format!(
            "Invalid function call '{segment}': {why}. Expected getPolicyId(type='<policy type>',name='<policy name>')."
        ))
    };
    let inner = segment
        .strip_prefix("getPolicyId(")
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| bad("missing parentheses"))?;
    let chars: Vec<char> = inner.chars().collect();
    let mut params: HashMap<String, String> = HashMap::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i] != '=' {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect::<String>().trim().to_owned();
        i += 1; // '='
        if chars.get(i) != Some(&'\'') {
            return Err(bad(&format!(
                "the value of '{key}' must be a quoted string"
            )));
        }
        i += 1;
        let mut value = String::new();
        loop {
            match chars.get(i) {
                None => return Err(bad("unterminated string")),
                Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                    value.push('\'');
                    i += 2;
                }
                Some('\'') => {
                    i += 1;
                    break;
                }
                Some(c) => {
                    value.push(*c);
                    i += 1;
                }
            }
        }
        params.insert(key, value);
        while i < chars.len() && (chars[i] == ',' || chars[i].is_whitespace()) {
            i += 1;
        }
    }
    match (params.remove("type"), params.remove("name")) {
        (Some(t), Some(n)) => Ok((t, n)),
        _ => Err(bad("both 'type' and 'name' are required")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(path: &str) -> Vec<String> {
        split_path(path).unwrap().1
    }

    #[test]
    fn routes() {
        let r = |p: &str| route(&segs(p)).ok();
        assert_eq!(r("/beta/admin/teams"), Some(Route::AdminRoot));
        assert_eq!(
            r(
                "/beta/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber"
            ),
            Some(Route::NumberAction(NumberAction::Assign))
        );
        assert_eq!(
            r("/v1.0/admin/teams/telephoneNumberManagement/numberAssignments/unassignNumber"),
            Some(Route::NumberAction(NumberAction::Unassign))
        );
        assert_eq!(
            r("/beta/admin/teams/telephoneNumberManagement/operations(%27abc%27)"),
            Some(Route::Operation("abc".into()))
        );
        assert_eq!(
            r("/beta/admin/teams/telephoneNumberManagement/operations/abc"),
            Some(Route::Operation("abc".into()))
        );
        assert_eq!(
            r(
                "/beta/admin/teams/policy/microsoft.graph.teamsAdministration.getPolicyId(type='TeamsMeetingPolicy',name='All%20On')"
            ),
            Some(Route::GetPolicyId {
                policy_type: "TeamsMeetingPolicy".into(),
                name: "All On".into()
            })
        );
        assert_eq!(
            r("/beta/admin/teams/policy/getPolicyId(name='O''Neil',type='X')"),
            Some(Route::GetPolicyId {
                policy_type: "X".into(),
                name: "O'Neil".into()
            })
        );
        assert_eq!(
            r("/beta/admin/teams/userConfigurations('u1')/user"),
            Some(Route::UserConfigurationUser("u1".into()))
        );
        assert_eq!(r("/beta/admin/teams/nope"), None);
        assert_eq!(r("/beta/users"), None);
        assert_eq!(
            r("/v1.0/users/adele.vance%40contoso.onmicrosoft.com"),
            Some(Route::User("adele.vance@contoso.onmicrosoft.com".into()))
        );
        assert_eq!(r("/beta/users('u1')"), Some(Route::User("u1".into())));
        assert_eq!(
            counter_key(
                "POST",
                "/beta/admin/teams/telephoneNumberManagement/numberAssignments/assignNumber"
            ),
            "POST /beta/admin/teams/telephoneNumberManagement/numberAssignments/microsoft.graph.teamsAdministration.assignNumber"
        );
        assert_eq!(
            counter_key(
                "GET",
                "/beta/admin/teams/telephoneNumberManagement/operations('x')"
            ),
            "GET /beta/admin/teams/telephoneNumberManagement/operations/{id}"
        );
        assert_eq!(counter_key("GET", "/beta/nope"), "GET /beta/nope");
        assert!(split_path("/v2/admin/teams").is_err());
    }
}

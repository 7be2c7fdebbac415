//! OData query options as Graph accepts them, and a small typed `$filter`
//! builder for the filters admins use on the number inventory.

use std::fmt;

use reqwest::Url;

use crate::generated::enums::{
    ActivationState, AssignmentStatus, NumberCapability, NumberType, OpenEnum,
};

/// System query options whose array values travel comma-joined.
const JOINED: &[&str] = &["$select", "$expand", "$orderby"];

/// OData allows each system query option once: progenitor sends an array as
/// `$select=a&$select=b`; this rewrites it to `$select=a,b` (in place, only
/// when some option is repeated, keeping every other parameter and the order).
pub(crate) fn join_system_query_options(url: &mut Url) {
    if !url
        .query()
        .is_some_and(|q| q.contains("select=") || q.contains("expand=") || q.contains("orderby="))
    {
        return;
    }
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let repeated = JOINED
        .iter()
        .any(|name| pairs.iter().filter(|(k, _)| k == name).count() > 1);
    if !repeated {
        return;
    }
    let mut out: Vec<(String, String)> = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        if JOINED.contains(&k.as_str())
            && let Some((_, existing)) = out.iter_mut().find(|(ek, _)| *ek == k)
        {
            existing.push(',');
            existing.push_str(&v);
            continue;
        }
        out.push((k, v));
    }
    url.query_pairs_mut().clear().extend_pairs(out);
}

/// A value in a `$filter` expression.
pub trait FilterValue {
    /// The OData literal: strings and enum members quoted (`'` doubled),
    /// numbers and booleans bare.
    fn literal(&self) -> String;
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl FilterValue for str {
    fn literal(&self) -> String {
        quoted(self)
    }
}
impl FilterValue for &str {
    fn literal(&self) -> String {
        quoted(self)
    }
}
impl FilterValue for String {
    fn literal(&self) -> String {
        quoted(self)
    }
}
impl FilterValue for bool {
    fn literal(&self) -> String {
        self.to_string()
    }
}
impl FilterValue for i64 {
    fn literal(&self) -> String {
        self.to_string()
    }
}
/// Every open enum (the generator implements `OpenEnum` for each).
impl<T: OpenEnum> FilterValue for T {
    fn literal(&self) -> String {
        quoted(OpenEnum::as_str(self))
    }
}

/// A `$filter` expression.
///
/// ```
/// use graph_teams_admin::{Filter, NumberType, NumberCapability};
/// let f = Filter::number_type(NumberType::DirectRouting)
///     .and(Filter::telephone_number_starts_with("+1206"))
///     .and(Filter::capability(NumberCapability::UserAssignment));
/// assert_eq!(
///     f.as_str(),
///     "numberType eq 'directRouting' and startswith(telephoneNumber,'+1206') and capabilities/any(c:c eq 'userAssignment')"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    expr: String,
    /// Joined with `or` at the top level, so `and` must parenthesise it.
    is_or: bool,
}

impl Filter {
    /// Any expression, passed as is.
    pub fn raw(expr: impl Into<String>) -> Self {
        Self {
            expr: expr.into(),
            is_or: true,
        }
    }

    /// `property eq value`.
    pub fn eq(property: &str, value: impl FilterValue) -> Self {
        Self {
            expr: format!("{property} eq {}", value.literal()),
            is_or: false,
        }
    }

    /// `property ne value`.
    pub fn ne(property: &str, value: impl FilterValue) -> Self {
        Self {
            expr: format!("{property} ne {}", value.literal()),
            is_or: false,
        }
    }

    /// `startswith(property,'prefix')`.
    pub fn starts_with(property: &str, prefix: &str) -> Self {
        Self {
            expr: format!("startswith({property},{})", quoted(prefix)),
            is_or: false,
        }
    }

    /// `collection/any(c:c eq value)`.
    pub fn any_eq(collection: &str, value: impl FilterValue) -> Self {
        Self {
            expr: format!("{collection}/any(c:c eq {})", value.literal()),
            is_or: false,
        }
    }

    /// Both must hold.
    pub fn and(self, other: Filter) -> Self {
        let side = |f: Filter| {
            if f.is_or {
                format!("({})", f.expr)
            } else {
                f.expr
            }
        };
        Self {
            expr: format!("{} and {}", side(self), side(other)),
            is_or: false,
        }
    }

    /// Either may hold.
    pub fn or(self, other: Filter) -> Self {
        Self {
            expr: format!("{} or {}", self.expr, other.expr),
            is_or: true,
        }
    }

    /// The expression text (percent-encoding happens when it is sent, so a
    /// `+` in a phone number survives).
    pub fn as_str(&self) -> &str {
        &self.expr
    }

    /// Numbers of one type.
    pub fn number_type(value: NumberType) -> Self {
        Self::eq("numberType", value)
    }

    /// Numbers in one assignment status (`unassigned`, `userAssigned`, …).
    pub fn assignment_status(value: AssignmentStatus) -> Self {
        Self::eq("assignmentStatus", value)
    }

    /// Numbers in one activation state.
    pub fn activation_state(value: ActivationState) -> Self {
        Self::eq("activationState", value)
    }

    /// Numbers assigned to one user, resource account or policy instance.
    pub fn assignment_target_id(id: &str) -> Self {
        Self::eq("assignmentTargetId", id)
    }

    /// One telephone number.
    pub fn telephone_number(number: &str) -> Self {
        Self::eq("telephoneNumber", number)
    }

    /// Numbers starting with a prefix (`+1206`).
    pub fn telephone_number_starts_with(prefix: &str) -> Self {
        Self::starts_with("telephoneNumber", prefix)
    }

    /// Numbers with a capability (`capabilities/any(c:c eq 'userAssignment')`).
    pub fn capability(value: NumberCapability) -> Self {
        Self::any_eq("capabilities", value)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expr)
    }
}

/// Options of a list call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// `$filter`.
    pub filter: Option<String>,
    /// `$select` (comma-joined on the wire).
    pub select: Vec<String>,
    /// `$orderby`.
    pub orderby: Vec<String>,
    /// `$top`: page size (the service's maximum for number assignments is
    /// 1000). Sent only when set.
    pub top: Option<u64>,
    /// `$skip`: where to start. Sent only when set; the number inventory
    /// documents it, `userConfigurations` does not (refused there).
    pub skip: Option<u64>,
    /// `$count=true`.
    pub count: bool,
}

impl ListQuery {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `$filter` from a [`Filter`] or a string.
    pub fn filter(mut self, filter: impl Into<FilterText>) -> Self {
        self.filter = Some(filter.into().0);
        self
    }

    /// Sets `$select`.
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.select = properties.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `$orderby`.
    pub fn orderby<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.orderby = keys.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `$top` (the page size).
    pub fn top(mut self, top: u64) -> Self {
        self.top = Some(top);
        self
    }

    /// Sets `$skip`.
    pub fn skip(mut self, skip: u64) -> Self {
        self.skip = Some(skip);
        self
    }

    /// Asks for `@odata.count`.
    pub fn count(mut self, count: bool) -> Self {
        self.count = count;
        self
    }
}

/// Text of a `$filter`, from a [`Filter`] or a string.
#[derive(Debug)]
pub struct FilterText(pub(crate) String);

impl From<Filter> for FilterText {
    fn from(f: Filter) -> Self {
        FilterText(f.expr)
    }
}
impl From<&Filter> for FilterText {
    fn from(f: &Filter) -> Self {
        FilterText(f.expr.clone())
    }
}
impl From<&str> for FilterText {
    fn from(s: &str) -> Self {
        FilterText(s.to_owned())
    }
}
impl From<String> for FilterText {
    fn from(s: String) -> Self {
        FilterText(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_system_options_are_joined_once() {
        let mut url = Url::parse("https://g.example/x?%24select=a&%24top=5&%24select=b&%24orderby=c&%24filter=telephoneNumber+eq+%27%2B1%27").unwrap();
        join_system_query_options(&mut url);
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("$select".into(), "a,b".into()),
                ("$top".into(), "5".into()),
                ("$orderby".into(), "c".into()),
                ("$filter".into(), "telephoneNumber eq '+1'".into()),
            ]
        );
        assert!(url.query().unwrap().contains("%2B1"), "{url}");
    }

    #[test]
    fn urls_without_repeats_are_untouched() {
        let raw = "https://g.example/x?%24select=a%2Cb&%24top=5";
        let mut url = Url::parse(raw).unwrap();
        join_system_query_options(&mut url);
        assert_eq!(url.as_str(), raw);
    }

    #[test]
    fn filter_builder_quotes_and_groups() {
        assert_eq!(
            Filter::eq("userId", "o'brien").as_str(),
            "userId eq 'o''brien'"
        );
        let either = Filter::number_type(NumberType::CallingPlan)
            .or(Filter::number_type(NumberType::OperatorConnect));
        let f = either.and(Filter::assignment_status(AssignmentStatus::Unassigned));
        assert_eq!(
            f.as_str(),
            "(numberType eq 'callingPlan' or numberType eq 'operatorConnect') and assignmentStatus eq 'unassigned'"
        );
    }
}

//! OData system query options: parsing (application/x-www-form-urlencoded,
//! so `%2B` is `+` and `+` is a space) and applying them to a collection.

use serde_json::{Map, Value};

use super::filter::{self, Schema};
use super::state::{b64, unb64};

/// An entity set's query surface.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EntitySet {
    pub filter: Schema,
    /// Every property `$select` may name.
    pub properties: &'static [&'static str],
}

#[derive(Clone, Debug, Default)]
pub(crate) struct QueryOptions {
    pub filter: Option<String>,
    pub top: Option<u64>,
    pub skip: Option<u64>,
    pub count: bool,
    pub select: Option<Vec<String>>,
    pub skiptoken: Option<String>,
    /// Every decoded pair, in order (to rebuild a nextLink).
    pub pairs: Vec<(String, String)>,
}

/// A 400 with this message.
pub(crate) type QueryError = String;

/// Option names without `$`, lower case; Graph accepts `$top`, `$TOP` and
/// (beta) `top`.
fn option_name(key: &str) -> Option<String> {
    let bare = key.strip_prefix('$').unwrap_or(key).to_ascii_lowercase();
    const KNOWN: [&str; 11] = [
        "filter",
        "top",
        "skip",
        "count",
        "select",
        "skiptoken",
        "orderby",
        "expand",
        "search",
        "format",
        "apply",
    ];
    (key.starts_with('$') || KNOWN.contains(&bare.as_str())).then_some(bare)
}

pub(crate) fn parse(raw: Option<&str>, max_page_size: u64) -> Result<QueryOptions, QueryError> {
    let mut opts = QueryOptions::default();
    let mut seen: Vec<String> = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let (key, value) = (key.into_owned(), value.into_owned());
        opts.pairs.push((key.clone(), value.clone()));
        let Some(name) = option_name(&key) else {
            continue; // not a system query option: ignored, like the service
        };
        if seen.contains(&name) {
            return Err(format!(
                "The query specified in the URI is not valid: query option ${name} specified more than once; it must be specified at most once."
            ));
        }
        seen.push(name.clone());
        match name.as_str() {
            "filter" => opts.filter = Some(value),
            "top" => {
                let top: u64 = value.trim().parse().map_err(|_| {
                    format!("Invalid value '{value}' for query option $top: expected a non-negative integer.")
                })?;
                if top > max_page_size {
                    return Err(format!(
                        "Invalid page size specified: '{top}'. Must be between 1 and {max_page_size} inclusive."
                    ));
                }
                opts.top = Some(top);
            }
            "skip" => {
                opts.skip = Some(value.trim().parse().map_err(|_| {
                    format!("Invalid value '{value}' for query option $skip: expected a non-negative integer.")
                })?)
            }
            "count" => {
                opts.count = match value.trim().to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(format!(
                            "Invalid value '{value}' for query option $count: expected true or false."
                        ));
                    }
                }
            }
            "select" => {
                let items: Vec<String> = value.split(',').map(|s| s.trim().to_owned()).collect();
                if items.iter().any(String::is_empty) {
                    return Err(format!("Invalid $select '{value}': empty property name."));
                }
                opts.select = Some(items);
            }
            "skiptoken" => opts.skiptoken = Some(value),
            "format" => {}
            other => {
                return Err(format!(
                    "The query option ${other} is not supported by this API."
                ));
            }
        }
    }
    Ok(opts)
}

impl QueryOptions {
    /// Rejects options a single-entity or `$count` request cannot take.
    pub fn only(&self, allowed: &[&str]) -> Result<(), QueryError> {
        let used = [
            ("filter", self.filter.is_some()),
            ("top", self.top.is_some()),
            ("skip", self.skip.is_some()),
            ("count", self.count),
            ("select", self.select.is_some()),
            ("skiptoken", self.skiptoken.is_some()),
        ];
        match used
            .iter()
            .find(|(name, on)| *on && !allowed.contains(name))
        {
            Some((name, _)) => Err(format!(
                "The query option ${name} is not allowed on this resource."
            )),
            None => Ok(()),
        }
    }

    pub fn filtered(&self, set: &EntitySet, items: Vec<Value>) -> Result<Vec<Value>, QueryError> {
        let Some(text) = &self.filter else {
            return Ok(items);
        };
        let expr = filter::parse(text, &set.filter)
            .map_err(|e| format!("Invalid filter clause: {e}. The filter was: {text}"))?;
        Ok(items
            .into_iter()
            .filter(|item| expr.matches(item))
            .collect())
    }

    /// Every `$select`ed property exists on `set`.
    pub fn check_select(&self, set: &EntitySet) -> Result<(), QueryError> {
        let Some(select) = &self.select else {
            return Ok(());
        };
        match select
            .iter()
            .find(|p| p.as_str() != "*" && !set.properties.contains(&p.as_str()))
        {
            Some(bad) => Err(format!(
                "Could not find a property named '{bad}' on type '{}'.",
                set.filter.type_name
            )),
            None => Ok(()),
        }
    }

    /// Keeps the selected properties of `item` (validated against `set`).
    pub fn project(&self, set: &EntitySet, item: Value) -> Result<Value, QueryError> {
        self.check_select(set)?;
        let Some(select) = &self.select else {
            return Ok(item);
        };
        if select.iter().any(|p| p == "*") {
            return Ok(item);
        }
        let Value::Object(map) = item else {
            return Ok(item);
        };
        let kept: Map<String, Value> = map
            .into_iter()
            .filter(|(k, _)| k.starts_with("@odata.") || select.contains(k))
            .collect();
        Ok(Value::Object(kept))
    }

    /// Where this page starts.
    pub fn offset(&self) -> Result<u64, QueryError> {
        match &self.skiptoken {
            Some(token) => {
                decode_skiptoken(token).ok_or_else(|| format!("Invalid $skiptoken '{token}'."))
            }
            None => Ok(self.skip.unwrap_or(0)),
        }
    }

    /// The query string of a nextLink: this request's options without
    /// `$skip`/`$skiptoken`, plus `$skiptoken` for `offset`.
    pub fn next_query(&self, offset: u64) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            if !matches!(option_name(k).as_deref(), Some("skip" | "skiptoken")) {
                out.append_pair(k, v);
            }
        }
        out.append_pair("$skiptoken", &encode_skiptoken(offset));
        out.finish()
    }
}

fn encode_skiptoken(offset: u64) -> String {
    b64(&format!("offset:{offset}"))
}

fn decode_skiptoken(token: &str) -> Option<u64> {
    unb64(token)?.strip_prefix("offset:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_form_encoding() {
        let q = parse(
            Some("$filter=telephoneNumber+eq+%27%2B14255550100%27&%24top=5&$count=true"),
            1000,
        )
        .unwrap();
        assert_eq!(
            q.filter.as_deref(),
            Some("telephoneNumber eq '+14255550100'")
        );
        assert_eq!(q.top, Some(5));
        assert!(q.count);
    }

    #[test]
    fn rejects_repeats_and_big_pages() {
        let e = parse(Some("$select=id&$select=city"), 1000).unwrap_err();
        assert!(
            e.contains("query option $select specified more than once"),
            "{e}"
        );
        assert!(parse(Some("$top=1001"), 1000).is_err());
        assert!(parse(Some("$top=x"), 1000).is_err());
    }

    #[test]
    fn skiptoken_round_trip() {
        let q = parse(Some("$top=2&$skip=4&$filter=a"), 1000).unwrap();
        let next = q.next_query(6);
        let q2 = parse(Some(&next), 1000).unwrap();
        assert_eq!(q2.offset().unwrap(), 6);
        assert_eq!(q2.top, Some(2));
        assert_eq!(q2.filter.as_deref(), Some("a"));
    }
}

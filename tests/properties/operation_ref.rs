//! Saved operation references come back from user storage: any text must
//! deserialise, round-trip, and give an id (or none) without panicking; a
//! reference built from an id gives that id back.

use graph_teams_admin::OperationRef;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;

const BASE: &str = "https://graph.microsoft.com/beta/admin/teams/telephoneNumberManagement";

fn stored(url: &str) -> OperationRef {
    serde_json::from_value(serde_json::Value::String(url.to_owned())).unwrap()
}

/// Everything but letters, digits and the quote.
const KEEP_QUOTES: &AsciiSet = &NON_ALPHANUMERIC.remove(b'\'');

proptest! {
    #[test]
    fn any_saved_text_round_trips_and_never_panics(text in any::<String>()) {
        let json = serde_json::to_string(&text).unwrap();
        let r: OperationRef = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(r.url(), text.as_str());
        prop_assert_eq!(serde_json::to_string(&r).unwrap(), json);
        let _ = r.operation_id();
        let _ = r.to_string();
    }

    #[test]
    fn saved_text_near_the_two_forms_never_panics(
        before in "[a-z/:.]{0,12}",
        key in any::<String>(),
        after in prop::sample::select(vec!["", "')", "'", ")", "/", "?x=1", "#f", "')/x"]),
        form in prop::sample::select(vec!["operations('", "/operations/", "operations(", "operations('%", "/operations/%"]),
    ) {
        let _ = stored(&format!("{before}{form}{key}{after}")).operation_id();
    }

    #[test]
    fn the_id_comes_back_from_either_form(id in any::<String>().prop_filter("non-empty", |s| !s.is_empty())) {
        let encoded = utf8_percent_encode(&id, NON_ALPHANUMERIC).to_string();
        let key_form = stored(&format!("{BASE}/operations('{encoded}')?$select=status"));
        prop_assert_eq!(key_form.operation_id(), Some(id.clone()));
        // OData's doubled quotes, left literal in the key.
        let doubled = utf8_percent_encode(&id, KEEP_QUOTES).to_string().replace('\'', "''");
        let literal = stored(&format!("{BASE}/operations('{doubled}')"));
        prop_assert_eq!(literal.operation_id(), Some(id.clone()));
        let segment = stored(&format!("{BASE}/operations/{encoded}#x"));
        prop_assert_eq!(segment.operation_id(), Some(id));
    }
}

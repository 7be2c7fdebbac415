//! Room: single-entity answers (`GET …/numberAssignments/{id}`,
//! `GET …/userConfigurations/{id}`, an operation's poll).
//!
//! Microsoft's documentation shows these answered as `{"value": {...}}` as
//! well as the standard OData entity object. Decoded as the entity, the
//! wrapper gives a record with every property empty and the whole object in
//! `extra`, which would pass for a success. So: a record without an `id`
//! whose `value` is an object is read from inside it, and a record that has
//! none of the entity's properties at all is a decode error, never an empty
//! success.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorContext, Result};
use crate::generated::types::{
    NumberAssignment, TeamsPolicyUserAssignment, TeamsUserConfiguration,
    TelephoneNumberLongRunningOperation,
};

/// An entity type that single-entity GETs answer with.
pub(crate) trait Entity: DeserializeOwned + Serialize {
    /// The entity's OData name, for errors.
    const NAME: &'static str;
    /// `id`.
    fn id(&self) -> Option<&str>;
    /// Properties this SDK does not know.
    fn extra(&self) -> &Map<String, Value>;
    /// Properties this SDK does not know.
    fn extra_mut(&mut self) -> &mut Map<String, Value>;
}

macro_rules! entity {
    ($($t:ty => $name:literal),* $(,)?) => {$(
        impl Entity for $t {
            const NAME: &'static str = $name;
            fn id(&self) -> Option<&str> {
                self.id.as_deref()
            }
            fn extra(&self) -> &Map<String, Value> {
                &self.extra
            }
            fn extra_mut(&mut self) -> &mut Map<String, Value> {
                &mut self.extra
            }
        }
    )*};
}

entity! {
    NumberAssignment => "numberAssignment",
    TeamsPolicyUserAssignment => "teamsPolicyUserAssignment",
    TeamsUserConfiguration => "teamsUserConfiguration",
    TelephoneNumberLongRunningOperation => "telephoneNumberLongRunningOperation",
}

/// Whether a record has any property of its entity (an `@odata.*`
/// annotation or an unknown property does not count).
fn has_properties<T: Entity>(entity: &T) -> bool {
    if entity.id().is_some() {
        return true;
    }
    match serde_json::to_value(entity) {
        Ok(Value::Object(map)) => map
            .keys()
            .any(|k| !k.starts_with("@odata.") && !entity.extra().contains_key(k)),
        _ => false,
    }
}

/// [`unwrap`] of a generated call's single-entity answer.
pub(crate) fn from_response<T: Entity>(
    operation: &str,
    answer: progenitor_client::ResponseValue<T>,
) -> Result<T> {
    let headers = answer.headers().clone();
    let cx = ErrorContext::new(operation, 1, None);
    unwrap(answer.into_inner(), &cx, &headers)
}

/// The entity of a single-entity answer: itself, or the object inside the
/// documented `{"value": {...}}` wrapper; a decode error when it has none of
/// the entity's properties.
pub(crate) fn unwrap<T: Entity>(
    mut entity: T,
    cx: &ErrorContext<'_>,
    headers: &reqwest::header::HeaderMap,
) -> Result<T> {
    let decode = |entity: &T, source: serde_json::Error| {
        let body = serde_json::to_vec(entity).unwrap_or_default();
        Error::decode(cx, 200, headers, &body, source)
    };
    if entity.id().is_none() && entity.extra().get("value").is_some_and(Value::is_object) {
        let inner = entity.extra_mut().remove("value").expect("checked");
        entity = match serde_json::from_value::<T>(inner) {
            Ok(inner) => inner,
            Err(source) => return Err(decode(&entity, source)),
        };
    }
    if !has_properties(&entity) {
        let source = <serde_json::Error as serde::de::Error>::custom(format!(
            "the answer has none of the properties of a {}",
            T::NAME
        ));
        return Err(decode(&entity, source));
    }
    Ok(entity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Result<NumberAssignment> {
        let entity: NumberAssignment = serde_json::from_value(v).unwrap();
        unwrap(
            entity,
            &ErrorContext::new("get_number_assignment", 1, None),
            &Default::default(),
        )
    }

    #[test]
    fn the_plain_entity_and_the_documented_wrapper_both_read() {
        let plain = json!({"id": "n1", "telephoneNumber": "+12065550100"});
        assert_eq!(read(plain.clone()).unwrap().id.as_deref(), Some("n1"));
        let wrapped = read(json!({"value": plain, "@odata.context": "x"})).unwrap();
        assert_eq!(wrapped.telephone_number.as_deref(), Some("+12065550100"));
        assert!(wrapped.extra.is_empty(), "{:?}", wrapped.extra);
        // An entity without an id is still an entity.
        assert!(read(json!({"telephoneNumber": "+1"})).is_ok());
    }

    #[test]
    fn an_empty_record_is_never_a_success() {
        for v in [
            json!({}),
            json!({"@odata.context": "x"}),
            json!({"value": {}}),
            json!({"value": {"value": {"id": "deeper"}}}),
            json!({"something": "else"}),
        ] {
            let err = read(v.clone()).unwrap_err();
            assert!(matches!(err, Error::Decode { .. }), "{v}: {err}");
            assert!(
                err.to_string().contains("none of the properties"),
                "{v}: {err}"
            );
        }
        let err = read(json!({"value": {"id": 5}})).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn any_json_never_panics_and_never_passes_as_an_empty_record(v in crate::testing::json()) {
            for value in [v.clone(), json!({"value": v})] {
                if let Ok(entity) = serde_json::from_value::<NumberAssignment>(value) {
                    let cx = ErrorContext::new("get_number_assignment", 1, None);
                    if let Ok(e) = unwrap(entity, &cx, &Default::default()) {
                        proptest::prop_assert!(has_properties(&e));
                    }
                }
            }
        }
    }
}

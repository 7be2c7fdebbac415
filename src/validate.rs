//! Argument checks done before anything is sent.

use crate::error::{Error, Result};

/// A telephone number as the API takes it: an optional `+`, 7 to 15 digits
/// (E.164 allows at most 15), and an optional `;ext=<digits>`.
pub(crate) fn telephone_number(argument: &'static str, value: &str) -> Result<()> {
    let bad = |reason: &str| Error::InvalidInput {
        argument,
        reason: format!("{value:?} {reason}"),
    };
    let (main, ext) = match value.split_once(";ext=") {
        Some((m, e)) => (m, Some(e)),
        None => (value, None),
    };
    let digits = main.strip_prefix('+').unwrap_or(main);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            "is not a telephone number: expected an optional + and digits only (no spaces or dashes)",
        ));
    }
    if !(7..=15).contains(&digits.len()) {
        return Err(bad(&format!(
            "has {} digits; a telephone number has 7 to 15",
            digits.len()
        )));
    }
    if let Some(ext) = ext
        && (ext.is_empty() || !ext.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad("has an extension that is not digits"));
    }
    Ok(())
}

/// An id or name that must not be empty or blank (Unicode whitespace
/// included: an id of no-break or ideographic spaces is blank too).
pub(crate) fn non_empty(argument: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidInput {
            argument,
            reason: "must not be empty".into(),
        });
    }
    let control = if value.is_ascii() {
        value.bytes().any(|b| b.is_ascii_control())
    } else {
        value.chars().any(char::is_control)
    };
    if control {
        return Err(Error::InvalidInput {
            argument,
            reason: format!("{value:?} contains control characters"),
        });
    }
    Ok(())
}

/// Policy assignments: at least one, each with `userId` and `policyType`
/// (and `policyId` when assigning).
pub(crate) fn policy_assignments(
    assignments: &[crate::generated::types::TeamsPolicyUserAssignment],
    need_policy_id: bool,
) -> Result<()> {
    if assignments.is_empty() {
        return Err(Error::InvalidInput {
            argument: "assignments",
            reason: "at least one assignment is needed".into(),
        });
    }
    for a in assignments {
        non_empty("userId", a.user_id.as_deref().unwrap_or(""))?;
        non_empty("policyType", a.policy_type.as_deref().unwrap_or(""))?;
        if need_policy_id {
            non_empty("policyId", a.policy_id.as_deref().unwrap_or(""))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telephone_numbers() {
        for ok in [
            "+12065550100",
            "12061234567",
            "+4420794600",
            "+12065550100;ext=123",
            "1234567",
        ] {
            telephone_number("number", ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "",
            "+",
            "+1 206 555 0100",
            "206-555-0100",
            "123456",
            "+1234567890123456",
            "+12065550100;ext=",
            "+12065550100;ext=1a",
            "abc",
        ] {
            assert!(
                telephone_number("number", bad).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn ids() {
        assert!(non_empty("user", "  ").is_err());
        for blank in ["\u{a0}", "\u{3000}\u{2003}", " \u{2028}\u{85}"] {
            assert!(non_empty("user", blank).is_err(), "{blank:?}");
        }
        assert!(non_empty("user", "a\nb").is_err());
        non_empty("user", "5f5b6d2e-1111-4a2b-9c3d-4e5f6a7b8c9d").unwrap();
    }

    proptest::proptest! {
        #[test]
        fn blank_ids_are_refused_and_no_id_panics(value in proptest::prelude::any::<String>()) {
            let blank = value.trim().is_empty();
            if blank {
                proptest::prop_assert!(non_empty("id", &value).is_err());
            }
            if non_empty("id", &value).is_ok() {
                proptest::prop_assert!(!blank && !value.chars().any(char::is_control));
            }
            let _ = telephone_number("number", &value);
        }

        #[test]
        fn whitespace_of_any_kind_is_blank(ws in "[\\p{White_Space}]{1,8}") {
            proptest::prop_assert!(non_empty("id", &ws).is_err());
        }
    }
}

//! The `$filter` builder: whatever text a caller gives is one OData string
//! literal, so it cannot change the filter around it.

use graph_teams_admin::{Filter, NumberType};
use proptest::prelude::*;

/// Splits an OData expression into its string literals and the text
/// between them (`'` inside a literal is doubled). `None` when a literal is
/// not closed.
fn split(expr: &str) -> Option<(Vec<String>, Vec<String>)> {
    let (mut literals, mut between) = (Vec::new(), vec![String::new()]);
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            between.last_mut().unwrap().push(c);
            continue;
        }
        let mut lit = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    lit.push('\'');
                }
                '\'' => break,
                c => lit.push(c),
            }
        }
        literals.push(lit);
        between.push(String::new());
    }
    Some((literals, between))
}

proptest! {
    #[test]
    fn any_text_is_one_quoted_literal(a in any::<String>(), b in any::<String>(), c in any::<String>()) {
        let f = Filter::eq("assignmentTargetId", a.as_str())
            .and(Filter::starts_with("telephoneNumber", &b))
            .or(Filter::any_eq("capabilities", c.as_str()))
            .and(Filter::ne("numberType", NumberType::UnknownValue(a.clone())));
        let (literals, skeleton) = split(f.as_str()).expect("every literal is closed");
        prop_assert_eq!(literals, vec![a.clone(), b.clone(), c.clone(), a.clone()]);
        // The structure is the same whatever the values were.
        let (_, plain) = split(
            Filter::eq("assignmentTargetId", "x")
                .and(Filter::starts_with("telephoneNumber", "x"))
                .or(Filter::any_eq("capabilities", "x"))
                .and(Filter::ne("numberType", NumberType::UnknownValue("x".into())))
                .as_str(),
        )
        .unwrap();
        prop_assert_eq!(skeleton, plain);
    }

    #[test]
    fn helpers_quote_their_values_too(v in any::<String>()) {
        for f in [
            Filter::assignment_target_id(&v),
            Filter::telephone_number(&v),
            Filter::telephone_number_starts_with(&v),
        ] {
            let (literals, _) = split(f.as_str()).expect("closed");
            prop_assert_eq!(literals, vec![v.clone()]);
        }
    }
}

//! Stage 2, slicing (CSDL): the order the converter sorts paths in. A pure
//! comparison; depends on nothing else.
//!
//! Microsoft.OpenApi.OData sorts its OData paths with `string.CompareTo` on
//! each path's name rendered with default settings, where a key segment is
//! written `(…)` after the collection rather than as `/{…}`. That compare is
//! culture-aware (ICU root collation on the machines that build Graph's
//! description): punctuation and symbols sort before digits and letters, in
//! the Unicode collation order below, and letters compare case-insensitively
//! first, lowercase before uppercase on a tie.

use std::cmp::Ordering;

/// ASCII punctuation and symbols in root collation order (after white space,
/// before digits and letters).
const PUNCTUATION: &str = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";

fn weights(c: char) -> (u32, u8) {
    if c.is_ascii_whitespace() {
        return (1 + c as u32, 0);
    }
    if let Some(i) = PUNCTUATION.find(c) {
        return (100 + i as u32, 0);
    }
    if c.is_ascii_digit() {
        return (200 + (c as u32 - '0' as u32), 0);
    }
    if c.is_ascii_alphabetic() {
        let lower = c.to_ascii_lowercase();
        return (
            300 + (lower as u32 - 'a' as u32),
            u8::from(c.is_ascii_uppercase()),
        );
    }
    (1000 + c as u32, 0)
}

/// Compares two sort keys: primary weights over the whole string, then case.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let primary = |s: &str| s.chars().map(|c| weights(c).0).collect::<Vec<_>>();
    let tertiary = |s: &str| s.chars().map(|c| weights(c).1).collect::<Vec<_>>();
    primary(a)
        .cmp(&primary(b))
        .then_with(|| tertiary(a).cmp(&tertiary(b)))
        .then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut v: Vec<&str>) -> Vec<&str> {
        v.sort_by(|a, b| compare(a, b));
        v
    }

    #[test]
    fn keys_and_sub_paths_sort_before_count_and_operations() {
        let got = sorted(vec![
            "/a/items/microsoft.graph.x",
            "/a/items/$count",
            "/a/items({item-id})/sub",
            "/a/items({item-id})",
            "/a/items",
            "/a",
        ]);
        assert_eq!(
            got,
            [
                "/a",
                "/a/items",
                "/a/items({item-id})",
                "/a/items({item-id})/sub",
                "/a/items/$count",
                "/a/items/microsoft.graph.x",
            ]
        );
    }

    #[test]
    fn letters_compare_without_case_first() {
        assert_eq!(sorted(vec!["/b", "/Ab", "/aa"]), ["/aa", "/Ab", "/b"]);
        assert_eq!(compare("/a", "/A"), Ordering::Less);
    }
}

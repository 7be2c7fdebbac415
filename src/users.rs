//! Room: users outside the Teams namespace. Admins name users by user
//! principal name; `assignmentTargetId`, `userId` and the user
//! configurations want the Entra object id. This room turns one into the
//! other (`GET /users/{upn}?$select=id,userPrincipalName` through the
//! pipeline: auth, retries, ids, body limit) and says what an object id
//! looks like. It may touch the pipeline, nothing else; the bulk engine
//! adds its per-run cache on top (`bulk::users`).

use serde::Deserialize;

use crate::client::Client;
use crate::error::Result;

/// Whether `s` is an Entra object id: a GUID, `8-4-4-4-12` hex digits
/// (`8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01`). Anything else is taken for a
/// user principal name by [`Client::user_id`].
pub fn is_object_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[derive(Deserialize)]
struct User {
    id: String,
}

impl Client {
    /// The object id of a user named by user principal name or object id.
    ///
    /// An object id (see [`is_object_id`]) comes back unchanged, without a
    /// request. A UPN is looked up with
    /// `GET /users/{upn}?$select=id,userPrincipalName`, which needs
    /// `User.ReadBasic.All` (or `User.Read.All`) besides the Teams
    /// permissions. A user that does not exist is an [`Error::Graph`](crate::Error::Graph) with
    /// status 404 (400 for a name Graph cannot parse).
    pub async fn user_id(&self, user: &str) -> Result<String> {
        let user = user.trim();
        if is_object_id(user) {
            return Ok(user.to_owned());
        }
        let pipeline = self.pipeline();
        let mut url = pipeline.endpoint(&["users", user])?;
        url.query_pairs_mut()
            .append_pair("$select", "id,userPrincipalName");
        let answer = pipeline.get_json::<User>(url, "get_user").await?;
        Ok(answer.value.id)
    }
}

#[cfg(test)]
mod tests {
    use super::is_object_id;

    #[test]
    fn object_ids() {
        assert!(is_object_id("8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a01"));
        assert!(is_object_id("8E1C3A52-4B6D-4F0E-9A27-1C5D3E7F9A01"));
        assert!(!is_object_id("adele.vance@contoso.onmicrosoft.com"));
        assert!(!is_object_id("8e1c3a52x4b6d-4f0e-9a27-1c5d3e7f9a01"));
        assert!(!is_object_id("8e1c3a52-4b6d-4f0e-9a27-1c5d3e7f9a0"));
        assert!(!is_object_id(""));
    }
}

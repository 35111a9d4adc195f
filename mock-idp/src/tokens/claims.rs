//! Which claims a user releases: by scope (OpenID Connect Core §5.4), by the `claims`
//! request parameter (§5.5), custom scopes, and each flavour's own claims (`docs/flavours.md`).

use std::collections::BTreeMap;

use aws_lc_rs::digest::{SHA256, digest};
use serde_json::{Map, Value, json};

use crate::model::client::Client;
use crate::model::tenant::Flavour;
use crate::model::types::{ClientId, standard_scope_of};
use crate::model::user::User;
use crate::server::state::TenantData;
use crate::tokens::b64;

/// The claims a user has for this sign-in: the fixture's, or the ones edited on the login
/// page, which replace them.
pub(crate) fn effective_claims(
    user: &User,
    edit: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    edit.cloned().unwrap_or_else(|| user.claims.clone())
}

/// The claim names asked for in the `claims` request parameter's `section`.
pub(crate) fn requested(claims_request: Option<&Value>, section: &str) -> Vec<String> {
    claims_request
        .and_then(|c| c.get(section))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn guid_from(seed: &str) -> String {
    let d = digest(&SHA256, seed.as_bytes());
    let h: String = d.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The Entra object id: the user's `oid` claim, or one derived from tenant and username.
pub(crate) fn entra_oid(tenant_id: &str, user: &User, claims: &Map<String, Value>) -> String {
    claims
        .get("oid")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| guid_from(&format!("{tenant_id}:{}", user.username)))
}

/// The `sub` a client sees: the user's subject, or for Entra a pairwise value per client.
pub(crate) fn subject(
    flavour: &Flavour,
    user: &User,
    claims: &Map<String, Value>,
    client: &ClientId,
) -> String {
    match flavour {
        Flavour::Standard
        | Flavour::Google
        | Flavour::Auth0
        | Flavour::Okta { .. }
        | Flavour::Keycloak { .. } => claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_else(|| user.subject())
            .to_owned(),
        Flavour::Entra { tenant_id } => {
            let oid = entra_oid(tenant_id, user, claims);
            let d = digest(&SHA256, format!("{tenant_id}:{client}:{oid}").as_bytes());
            b64::url(d.as_ref())
        }
    }
}

/// The claims released for `scope` (plus the individually requested ones), without `sub`.
pub(crate) fn released(
    data: &TenantData,
    flavour: &Flavour,
    user: &User,
    claims: &Map<String, Value>,
    scope: &[String],
    requested: &[String],
) -> Map<String, Value> {
    let granted = |name: &str| {
        if requested.iter().any(|r| r == name) {
            return true;
        }
        if let Some(s) = standard_scope_of(name) {
            return scope.iter().any(|g| g == s);
        }
        let custom: Vec<&String> = data
            .scopes
            .iter()
            .filter(|(_, claims)| claims.iter().any(|c| c == name))
            .map(|(s, _)| s)
            .collect();
        custom.is_empty() || custom.iter().any(|s| scope.contains(s))
    };
    let mut out: Map<String, Value> = claims
        .iter()
        .filter(|(k, _)| k.as_str() != "sub" && granted(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if matches!(flavour, Flavour::Keycloak { .. })
        && scope.iter().any(|s| s == "profile")
        && !out.contains_key("preferred_username")
    {
        // Keycloak's `profile` scope maps the username to `preferred_username`.
        out.insert("preferred_username".into(), json!(user.username));
    }
    if let Flavour::Entra { tenant_id } = flavour {
        // Entra never emits *_verified claims; `xms_edov` is its closest equivalent.
        out.remove("email_verified");
        out.remove("phone_number_verified");
        out.insert("tid".into(), json!(tenant_id));
        out.insert("ver".into(), json!("2.0"));
        if scope.iter().any(|s| s == "profile") {
            out.insert("oid".into(), json!(entra_oid(tenant_id, user, claims)));
            let preferred = claims
                .get("preferred_username")
                .or_else(|| claims.get("email"))
                .cloned()
                .unwrap_or_else(|| json!(user.username));
            out.insert("preferred_username".into(), preferred);
        } else {
            out.remove("oid");
            out.remove("preferred_username");
        }
    }
    out
}

/// Marks a released `email` as unverified in the tenant's own vocabulary (the
/// `entra_email_unverified` fault): `xms_edov: false` at Entra, which never sends
/// `email_verified`, and `email_verified: false` elsewhere. Without an `email` nothing changes.
pub(crate) fn unverify_email(claims: &mut Map<String, Value>, flavour: &Flavour) {
    if !claims.contains_key("email") {
        return;
    }
    let marker = match flavour {
        Flavour::Entra { .. } => "xms_edov",
        _ => "email_verified",
    };
    claims.insert(marker.into(), json!(false));
}

/// Takes the scheme off `iss`: `https://accounts.google.com` becomes `accounts.google.com`.
pub(crate) fn drop_iss_scheme(claims: &mut Map<String, Value>) {
    if let Some(iss) = claims.get("iss").and_then(Value::as_str) {
        let bare = iss
            .split_once("://")
            .map_or(iss, |(_, rest)| rest)
            .to_owned();
        claims.insert("iss".into(), json!(bare));
    }
}

/// Takes the trailing slash off `iss`: Auth0's `https://tenant.example/` becomes
/// `https://tenant.example`.
pub(crate) fn drop_iss_trailing_slash(claims: &mut Map<String, Value>) {
    if let Some(bare) = claims
        .get("iss")
        .and_then(Value::as_str)
        .and_then(|iss| iss.strip_suffix('/'))
        .map(str::to_owned)
    {
        claims.insert("iss".into(), json!(bare));
    }
}

/// Another client of `client`'s Google project, the first by client id: the one whose
/// sign-in the `azp_same_project` quirk reports in `azp`.
pub(crate) fn project_sibling<'a>(
    clients: &'a BTreeMap<ClientId, Client>,
    client: &Client,
) -> Option<&'a ClientId> {
    let project = client.project.as_deref()?;
    clients
        .values()
        .filter(|c| c.client_id != client.client_id && c.project.as_deref() == Some(project))
        .map(|c| &c.client_id)
        .min()
}

/// The ID token's flavour-specific shape, given its `iss` and `aud` already.
pub(crate) fn shape_id_token(
    flavour: &Flavour,
    id_token: &mut Map<String, Value>,
    client: &ClientId,
) {
    match flavour {
        Flavour::Google => {
            // Google's ID token validation guide: "The value of iss in the ID token is equal
            // to accounts.google.com or https://accounts.google.com" — the mock sends the
            // scheme-less form, the one a strict relying party trips over.
            drop_iss_scheme(id_token);
            id_token.insert("azp".into(), json!(client.as_str()));
        }
        Flavour::Keycloak { .. } => {
            id_token.insert("typ".into(), json!("ID"));
            id_token.insert("azp".into(), json!(client.as_str()));
        }
        Flavour::Standard | Flavour::Entra { .. } | Flavour::Auth0 | Flavour::Okta { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tenant::Tenant;

    fn data() -> TenantData {
        TenantData::new(
            &Tenant::new("t").scope("roles", ["roles"]),
            Default::default(),
        )
    }

    fn scopes(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn claims_follow_scopes() {
        let user = User::new("alice")
            .email("a@x.test", true)
            .name("Alice")
            .roles(["admin"])
            .claim("department", "ops");
        let d = data();
        let out = released(
            &d,
            &Flavour::Standard,
            &user,
            &user.claims,
            &scopes(&["openid", "email"]),
            &[],
        );
        assert_eq!(out["email"], "a@x.test");
        assert!(!out.contains_key("name"), "profile not granted");
        assert!(!out.contains_key("roles"), "custom scope roles not granted");
        assert_eq!(
            out["department"], "ops",
            "unscoped custom claims are always released"
        );
        let out = released(
            &d,
            &Flavour::Standard,
            &user,
            &user.claims,
            &scopes(&["openid", "roles"]),
            &["name".into()],
        );
        assert_eq!(out["roles"], json!(["admin"]));
        assert_eq!(out["name"], "Alice");
    }

    #[test]
    fn google_drops_the_scheme_and_keycloak_types_its_id_tokens() {
        let client = ClientId::new("web");
        let mut token = Map::new();
        token.insert("iss".into(), json!("http://127.0.0.1:9/google"));
        shape_id_token(&Flavour::Google, &mut token, &client);
        assert_eq!(token["iss"], "127.0.0.1:9/google");
        assert_eq!(token["azp"], "web");
        let keycloak = Flavour::Keycloak {
            realm: "acme".into(),
        };
        let mut token = Map::new();
        shape_id_token(&keycloak, &mut token, &client);
        assert_eq!(
            (&token["typ"], &token["azp"]),
            (&json!("ID"), &json!("web"))
        );
        let user = User::new("kim").claim("realm_access", json!({ "roles": ["admin"] }));
        let out = released(
            &data(),
            &keycloak,
            &user,
            &user.claims,
            &scopes(&["openid", "profile"]),
            &[],
        );
        assert_eq!(out["preferred_username"], "kim");
        assert_eq!(out["realm_access"]["roles"], json!(["admin"]));
    }

    #[test]
    fn entra_subjects_are_pairwise_and_emails_unverified() {
        let user = User::new("alice").email("a@x.test", true);
        let flavour = Flavour::Entra {
            tenant_id: "9122040d-6c67-4c5b-b112-36a304b66dad".into(),
        };
        let a = subject(&flavour, &user, &user.claims, &ClientId::new("a"));
        let b = subject(&flavour, &user, &user.claims, &ClientId::new("b"));
        assert_ne!(a, b);
        let out = released(
            &data(),
            &flavour,
            &user,
            &user.claims,
            &scopes(&["openid", "email", "profile"]),
            &[],
        );
        assert!(!out.contains_key("email_verified"));
        assert_eq!(out["ver"], "2.0");
        assert!(out["oid"].as_str().unwrap().len() == 36);
    }

    #[test]
    fn a_project_sibling_is_another_client_of_the_same_project() {
        let web = Client::confidential("web", "s").project("p1");
        let clients: BTreeMap<ClientId, Client> = [
            web.clone(),
            Client::public("ios").project("p1"),
            Client::public("android").project("p1"),
            Client::public("other").project("p2"),
            Client::public("loose"),
        ]
        .into_iter()
        .map(|c| (c.client_id.clone(), c))
        .collect();
        assert_eq!(
            project_sibling(&clients, &web).map(ClientId::as_str),
            Some("android")
        );
        let alone = &clients[&ClientId::new("other")];
        assert_eq!(project_sibling(&clients, alone), None);
        let loose = &clients[&ClientId::new("loose")];
        assert_eq!(project_sibling(&clients, loose), None);
    }

    #[test]
    fn only_a_trailing_slash_is_dropped_from_iss() {
        let mut claims = Map::new();
        claims.insert("iss".into(), json!("https://t.example/"));
        drop_iss_trailing_slash(&mut claims);
        assert_eq!(claims["iss"], "https://t.example");
        drop_iss_trailing_slash(&mut claims);
        assert_eq!(claims["iss"], "https://t.example");
    }
}

//! The rig every fault test signs in with: tenants, clients and users, and helpers that
//! compare a faulty response with a fault-free one.

use std::collections::{BTreeSet, HashMap};

use crate::common::{CALLBACK, authorize, b64, decode, verify};
use aws_lc_rs::hmac;
use mock_idp::catalog::{CatalogEntry, FlowKind, Setup};
use mock_idp::{Client, Fault, FaultRule, Flavour, MockIdp, Tenant, TenantHandle, TlsPem, User};
use serde_json::Value;

pub(crate) const SECRET: &str = "rp-secret";
pub(crate) const TID: &str = "9122040d-6c67-4c5b-b112-36a304b66dad";
pub(crate) const ENTRA_APP: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";

/// A tenant, client and user to sign in with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    pub(crate) tenant: &'static str,
    pub(crate) client: &'static str,
    pub(crate) user: &'static str,
}

pub(crate) const ACME: Target = Target {
    tenant: "acme",
    client: "rp",
    user: "alice",
};
pub(crate) const ACME_ES256: Target = Target {
    tenant: "acme",
    client: "rp-es",
    user: "alice",
};
/// An Auth0-flavoured tenant: its issuer ends with a slash.
pub(crate) const AUTH0: Target = Target {
    tenant: "auth0",
    client: "rp",
    user: "alice",
};
pub(crate) const CONTOSO: Target = Target {
    tenant: "contoso",
    client: ENTRA_APP,
    user: "megan",
};

/// The tenant, client and user an entry's `Setup` asks for.
pub(crate) fn target_for(e: &CatalogEntry) -> Target {
    match e.setup {
        Setup::Es256 => ACME_ES256,
        Setup::EntraCommon | Setup::EntraGroups | Setup::EntraEmailBinding => CONTOSO,
        Setup::Auth0Issuer => AUTH0,
        _ => ACME,
    }
}

pub(crate) struct Rig {
    pub(crate) idp: MockIdp,
    pub(crate) http: reqwest::Client,
}

impl Rig {
    pub(crate) async fn start() -> Self {
        Self::start_with(None).await
    }

    /// Serving https with `tls` when given; the rig's client trusts its certificate.
    pub(crate) async fn start_with(tls: Option<TlsPem>) -> Self {
        let acme = Tenant::new("acme")
            .scope("roles", ["roles", "groups"])
            .client(Client::confidential("rp", SECRET).redirect_uri(CALLBACK))
            .client(
                Client::confidential("rp-es", SECRET)
                    .redirect_uri(CALLBACK)
                    .signing_alg(mock_idp::Alg::ES256),
            )
            .user(
                User::new("alice")
                    .with_sub("alice-sub")
                    .email("alice@acme.test", true)
                    .groups(["staff"]),
            );
        let contoso = Tenant::entra("contoso", TID)
            .client(Client::confidential(ENTRA_APP, SECRET).redirect_uri(CALLBACK))
            .user(
                User::new("megan")
                    .email("megan@contoso.test", true)
                    .groups(["e7e3f1c2-0f5a-4b61-9f0e-2f3b8a8d5c11"]),
            );
        let auth0 = Tenant::flavoured("auth0", Flavour::Auth0)
            .client(Client::confidential("rp", SECRET).redirect_uri(CALLBACK))
            .user(User::new("alice").email("alice@acme.test", true));
        let mut builder = MockIdp::builder()
            .tenant(acme)
            .tenant(contoso)
            .tenant(auth0);
        let mut client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = tls {
            let root = reqwest::Certificate::from_pem(&pem.cert).expect("certificate");
            client = client.add_root_certificate(root);
            builder = builder.tls(pem);
        }
        let idp = builder.start().await;
        let http = client.build().expect("client");
        Self { idp, http }
    }

    pub(crate) fn tenant(&self, t: Target) -> TenantHandle {
        self.idp.tenant(t.tenant).expect("tenant")
    }

    pub(crate) fn issuer(&self, t: Target) -> String {
        self.tenant(t).issuer()
    }

    /// Where the tenant's endpoints are: its issuer without an Auth0 issuer's trailing slash.
    fn endpoints(&self, t: Target) -> String {
        self.issuer(t).trim_end_matches('/').to_owned()
    }

    /// The JWK Set, fetched as a relying party would: from the advertised `jwks_uri`.
    pub(crate) async fn jwks(&self, t: Target) -> Value {
        let doc = self.discovery(t).await;
        let uri = doc["jwks_uri"].as_str().expect("jwks_uri");
        self.http
            .get(uri)
            .send()
            .await
            .expect("jwks")
            .json()
            .await
            .expect("json")
    }

    pub(crate) async fn discovery(&self, t: Target) -> Value {
        let url = format!("{}/.well-known/openid-configuration", self.endpoints(t));
        self.http
            .get(url)
            .send()
            .await
            .expect("discovery")
            .json()
            .await
            .expect("json")
    }

    /// Injects `fault` for the target's client and nothing else.
    pub(crate) fn inject(&self, t: Target, fault: &Fault) {
        self.tenant(t)
            .inject(FaultRule::new(fault.clone()).for_client(t.client));
    }

    /// One sign-in in `flow`: the authorization response and, where there is a code, the
    /// token response.
    pub(crate) async fn sign_in(
        &self,
        t: Target,
        flow: FlowKind,
        extra: &[(&str, &str)],
    ) -> SignIn {
        let (response_type, mode) = match flow {
            FlowKind::AuthorizationCode => ("code", None),
            FlowKind::ImplicitFormPost => ("id_token token", Some("form_post")),
            FlowKind::ImplicitFragment => ("id_token token", Some("fragment")),
            FlowKind::HybridFormPost => ("code id_token", Some("form_post")),
            FlowKind::HybridFragment => ("code id_token", Some("fragment")),
        };
        let mut q = vec![
            ("client_id", t.client),
            ("redirect_uri", CALLBACK),
            ("response_type", response_type),
            ("scope", "openid email profile roles offline_access"),
            ("state", "st-1"),
            ("nonce", "n-1"),
            ("login_hint", t.user),
        ];
        if let Some(m) = mode {
            q.push(("response_mode", m));
        }
        q.extend_from_slice(extra);
        let front = authorize(&self.http, &self.endpoints(t), &q).await;
        assert_eq!(
            front.mode,
            mode.unwrap_or("query"),
            "{flow}: the response arrives by the flow's mode"
        );
        let token = match front.params.get("code") {
            Some(code) => Some(self.redeem(t, code).await),
            None => None,
        };
        SignIn {
            front: front.params,
            token,
        }
    }

    /// A token request as the target's client.
    pub(crate) async fn token(
        &self,
        t: Target,
        form: &[(&str, &str)],
    ) -> reqwest::Result<reqwest::Response> {
        self.http
            .post(format!("{}/token", self.endpoints(t)))
            .basic_auth(t.client, Some(SECRET))
            .form(form)
            .send()
            .await
    }

    /// Redeems `code`: status and body, or status 0 when the connection was closed.
    pub(crate) async fn redeem(&self, t: Target, code: &str) -> (u16, Value) {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
        ];
        match self.token(t, &form).await {
            Ok(r) => (r.status().as_u16(), r.json().await.unwrap_or(Value::Null)),
            Err(_) => (0, Value::Null),
        }
    }

    pub(crate) async fn userinfo(
        &self,
        t: Target,
        access_token: &str,
    ) -> reqwest::Result<reqwest::Response> {
        self.http
            .get(format!("{}/userinfo", self.endpoints(t)))
            .bearer_auth(access_token)
            .send()
            .await
    }

    /// The userinfo answer as JSON, for faults that leave it well-formed.
    pub(crate) async fn userinfo_json(&self, t: Target, access_token: &str) -> Value {
        self.userinfo(t, access_token)
            .await
            .expect("userinfo")
            .json()
            .await
            .expect("json")
    }

    pub(crate) async fn refresh(&self, t: Target, refresh_token: &str) -> Value {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        let res = self.token(t, &form).await.expect("refresh");
        assert_eq!(res.status(), 200, "refresh answers 200");
        res.json().await.expect("json")
    }
}

#[derive(Debug)]
pub(crate) struct SignIn {
    pub(crate) front: HashMap<String, String>,
    /// Status and body of the token response, for flows with a code.
    pub(crate) token: Option<(u16, Value)>,
}

impl SignIn {
    pub(crate) fn front_id(&self) -> Option<&str> {
        self.front.get("id_token").map(String::as_str)
    }

    pub(crate) fn token_json(&self) -> &Value {
        let (status, body) = self.token.as_ref().expect("a token response");
        assert_eq!(*status, 200, "token response: {body}");
        body
    }

    pub(crate) fn back_id(&self) -> Option<&str> {
        self.token
            .as_ref()
            .and_then(|(_, b)| b["id_token"].as_str())
    }

    /// The first ID token the relying party sees.
    pub(crate) fn id_token(&self) -> &str {
        self.front_id()
            .or_else(|| self.back_id())
            .expect("an ID token")
    }

    pub(crate) fn access_token(&self) -> &str {
        self.front
            .get("access_token")
            .map(String::as_str)
            .or_else(|| self.token_json()["access_token"].as_str())
            .expect("an access token")
    }
}

/// Claims whose values differ between two sign-ins anyway (times, session, hashes of
/// per-sign-in values).
pub(crate) const VOLATILE: [&str; 7] = [
    "iat",
    "exp",
    "auth_time",
    "sid",
    "c_hash",
    "at_hash",
    "s_hash",
];

/// The claims added, removed or changed from `base` to `faulty`, volatile ones aside.
pub(crate) fn changed(base: &Value, faulty: &Value) -> BTreeSet<String> {
    let (b, f) = (
        base.as_object().expect("claims"),
        faulty.as_object().expect("claims"),
    );
    b.keys()
        .chain(f.keys())
        .filter(|k| !VOLATILE.contains(&k.as_str()) && b.get(*k) != f.get(*k))
        .cloned()
        .collect()
}

pub(crate) fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The claims of `token` after checking its signature against `jwks`.
pub(crate) fn verified(token: &str, jwks: &Value) -> Value {
    verify(token, jwks).unwrap_or_else(|e| panic!("{e}: {:?}", decode(token).0))
}

/// The RS256 keys of a JWK Set.
pub(crate) fn keys_of<'a>(jwks: &'a Value, kty: &str) -> Vec<&'a Value> {
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter(|k| k["kty"] == kty)
        .collect()
}

pub(crate) fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["kid"].as_str().map(str::to_owned))
        .collect()
}

/// `token` with every signature byte XOR 0x5A undone.
pub(crate) fn uncorrupted(token: &str) -> String {
    let (input, sig) = token.rsplit_once('.').expect("three parts");
    let fixed: Vec<u8> = b64(sig).iter().map(|b| b ^ 0x5A).collect();
    use base64::Engine;
    format!(
        "{input}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(fixed)
    )
}

pub(crate) fn hs256_verifies(token: &str, key: &[u8]) -> bool {
    let (input, sig) = token.rsplit_once('.').expect("three parts");
    hmac::verify(
        &hmac::Key::new(hmac::HMAC_SHA256, key),
        input.as_bytes(),
        &b64(sig),
    )
    .is_ok()
}

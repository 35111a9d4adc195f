//! The authorization code flow with PKCE driven end to end by the `openidconnect` crate as a
//! real client: discovery, authorization URL, code exchange, ID-token verification, userinfo.

mod common;

use common::{CALLBACK, authorize, http};
use mock_idp::{Client, MockIdp};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

/// openidconnect's async HTTP client, over our reqwest 0.13 (its own reqwest feature is off;
/// see STACK.md).
async fn send(request: HttpRequest) -> Result<HttpResponse, reqwest::Error> {
    let client = http();
    let (parts, body) = request.into_parts();
    let mut req = client
        .request(parts.method, parts.uri.to_string())
        .body(body);
    for (name, value) in &parts.headers {
        req = req.header(name, value);
    }
    let res = req.send().await?;
    let mut builder = openidconnect::http::Response::builder().status(res.status());
    for (name, value) in res.headers() {
        builder = builder.header(name, value);
    }
    let bytes = res.bytes().await?;
    Ok(builder.body(bytes.to_vec()).unwrap_or_default())
}

#[tokio::test]
async fn the_openidconnect_crate_completes_the_code_flow_with_pkce() {
    let idp = MockIdp::builder()
        .client(Client::confidential("oidc-client", "oidc-secret").redirect_uri(CALLBACK))
        .start()
        .await;
    let issuer = IssuerUrl::new(idp.issuer()).expect("issuer");
    let metadata = CoreProviderMetadata::discover_async(issuer, &send)
        .await
        .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("oidc-client".into()),
        Some(ClientSecret::new("oidc-secret".into())),
    )
    .set_redirect_uri(RedirectUrl::new(CALLBACK.into()).expect("redirect"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_extra_param("login_hint", "alice")
        .set_pkce_challenge(challenge)
        .url();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let borrowed: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let issuer_url = url
        .as_str()
        .split("/authorize")
        .next()
        .expect("issuer prefix")
        .to_owned();
    let response = authorize(&http(), &issuer_url, &borrowed).await;
    assert_eq!(response.params["state"], *state.secret());
    let tokens = client
        .exchange_code(AuthorizationCode::new(response.params["code"].clone()))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&send)
        .await
        .expect("token response");
    let id_token = tokens.id_token().expect("id token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("the crate verifies the ID token");
    assert_eq!(claims.subject().as_str(), "alice");
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("alice@example.com")
    );
    // The access-token hash, checked the way the crate exposes it.
    let expected = openidconnect::AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().expect("alg"),
        id_token
            .signing_key(&client.id_token_verifier())
            .expect("key"),
    )
    .expect("hash");
    assert_eq!(claims.access_token_hash(), Some(&expected));
    let info: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), None)
        .expect("userinfo endpoint")
        .request_async(&send)
        .await
        .expect("userinfo");
    assert_eq!(info.subject().as_str(), "alice");
}

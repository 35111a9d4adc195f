//! The provider form's flavour and Google's authorized parties: chosen on the page, saved
//! through the same action as the API (so refused with the same field-named problems), and
//! shown once autoconfiguration recognises the flavour.

use mock_idp::{Client, Flavour, Tenant};
use relying_party::flavour::ProviderFlavour;
use reqwest::StatusCode;

use crate::provider_form::{FORM, acme};
use crate::{form_fields, get, set, submit};

const PARTIES: &str = "google.authorized_parties";

fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

#[tokio::test]
async fn the_flavour_and_google_authorized_parties_are_saved_and_shown() {
    let (rig, mut fields) = acme().await;
    let page = get(&rig, FORM).await;
    for option in [
        "None (a standard provider)",
        "Google",
        "Auth0",
        "Okta",
        "Keycloak",
    ] {
        assert!(page.body.contains(option), "expected the option {option}");
    }
    assert_eq!(field(&fields, "flavour").as_deref(), Some(""));
    assert_eq!(field(&fields, PARTIES).as_deref(), Some(""));

    set(&mut fields, "flavour", "google");
    set(&mut fields, PARTIES, "android-app, ios-app");
    let saved = submit(&rig, FORM, &fields, "save").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.errors());
    let stored = rig.rp.rp.provider("Acme").expect("stored");
    assert_eq!(stored.flavour, Some(ProviderFlavour::Google));
    let parties = stored.google.expect("google settings").authorized_parties;
    assert_eq!(parties, ["android-app", "ios-app"]);
    let shown = form_fields(&get(&rig, FORM).await, "provider-form");
    assert_eq!(field(&shown, "flavour").as_deref(), Some("google"));
    assert_eq!(
        field(&shown, PARTIES).as_deref(),
        Some("android-app, ios-app")
    );

    // Emptied, the list goes; back to no flavour, the provider saves as a standard one.
    let mut plain = shown.clone();
    set(&mut plain, "flavour", "");
    set(&mut plain, PARTIES, "");
    let saved = submit(&rig, FORM, &plain, "save").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.errors());
    let stored = rig.rp.rp.provider("Acme").expect("stored");
    assert_eq!((stored.flavour, stored.google), (None, None));
}

#[tokio::test]
async fn authorized_parties_for_another_flavour_or_an_unknown_flavour_are_refused_beside_the_field()
{
    let (rig, mut fields) = acme().await;
    set(&mut fields, "flavour", "keycloak");
    set(&mut fields, PARTIES, "android-app");
    let refused = submit(&rig, FORM, &fields, "save").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_error_beside(
        "google-authorized_parties",
        "google.authorized_parties: expected only for a provider of the flavour google",
    );
    let stored = rig.rp.rp.provider("Acme").expect("stored");
    assert_eq!(
        (stored.flavour, stored.google),
        (None, None),
        "nothing saved"
    );

    set(&mut fields, "flavour", "entra<script>");
    set(&mut fields, PARTIES, "");
    let refused = submit(&rig, FORM, &fields, "save").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_error_beside(
        "flavour",
        "flavour: expected none, google, auth0, okta or keycloak, found \"entra&lt;script&gt;\"",
    );
    assert!(
        !refused.body.contains("entra<script>"),
        "escaped everywhere"
    );
}

#[tokio::test]
async fn autoconfiguration_shows_the_flavour_it_recognises() {
    let (rig, mut fields) = acme().await;
    let realm = Tenant::flavoured(
        "kc",
        Flavour::Keycloak {
            realm: "acme".into(),
        },
    )
    .client(
        Client::confidential("rp", "rp-secret").redirect_uri(format!("{}/callback", rig.rp.url)),
    );
    let issuer = rig.idp.add_tenant(realm).expect("tenant").issuer();
    assert!(issuer.ends_with("/realms/acme"), "{issuer}");
    set(&mut fields, "issuer", &issuer);
    let done = submit(&rig, FORM, &fields, "autoconfigure").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.errors());
    let shown = form_fields(&get(&rig, FORM).await, "provider-form");
    assert_eq!(field(&shown, "flavour").as_deref(), Some("keycloak"));
    assert_eq!(
        rig.rp.rp.provider("Acme").expect("stored").flavour,
        Some(ProviderFlavour::Keycloak)
    );
}

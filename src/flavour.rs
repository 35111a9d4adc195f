//! Provider flavours: the documented ways a provider departs from the specifications, each
//! accepted only from a provider whose settings name that flavour (`docs/flavours.md`).
//! Entra ID keeps its own `entra` settings section.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The provider a relying party is configured for, where its quirks need accepting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderFlavour {
    /// Google: ID tokens may carry the issuer without its scheme.
    Google,
    /// Auth0: the issuer ends with a slash; custom claims are namespaced by URL.
    Auth0,
    /// Okta: org and custom authorization servers, each its own issuer.
    Okta,
    /// Keycloak: issuer `…/realms/{realm}`, roles nested in `realm_access` and
    /// `resource_access`.
    Keycloak,
}

impl ProviderFlavour {
    /// Every flavour, in the order forms list them.
    pub const ALL: [Self; 4] = [Self::Google, Self::Auth0, Self::Okta, Self::Keycloak];

    /// The flavour named `name` as settings spell it.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The name settings and messages use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Auth0 => "auth0",
            Self::Okta => "okta",
            Self::Keycloak => "keycloak",
        }
    }

    /// Core §3.1.3.7 #2: `iss` MUST exactly match the issuer identifier. Google's ID token
    /// validation guide allows `accounts.google.com` beside `https://accounts.google.com`,
    /// so a provider configured as Google may send the configured issuer without its scheme;
    /// every other provider gets the exact match.
    pub fn accepts_issuer(flavour: Option<Self>, iss: &str, configured: &str) -> bool {
        if iss == configured {
            return true;
        }
        flavour == Some(Self::Google)
            && configured
                .split_once("://")
                .is_some_and(|(_, bare)| iss == bare)
    }

    /// The provider's name, as forms show it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Google => "Google",
            Self::Auth0 => "Auth0",
            Self::Okta => "Okta",
            Self::Keycloak => "Keycloak",
        }
    }

    /// Whether an ID token whose `aud` is `client_id` may name `azp` as its authorized party.
    ///
    /// Core §3.1.3.7 step 3: "The ID Token MUST be rejected if the ID Token does not list the
    /// Client as a valid audience, or if it contains additional audiences not trusted by the
    /// Client" — unchanged here: an authorized party never becomes a trusted audience.
    /// Steps 4–5 (errata set 1): "If the ID Token contains multiple audiences, the Client
    /// SHOULD verify that an azp Claim is present. If an azp (authorized party) Claim is
    /// present, the Client SHOULD verify that its client_id is the Claim Value." Errata set 2
    /// leaves `azp` to the extension that produces it; Google's is documented: a sign-in from
    /// another client of the same project (an Android app for its web backend) carries that
    /// client in `azp`. Such a client is accepted only from a provider configured as Google
    /// and only when its settings list it in `google.authorized_parties`.
    pub fn accepts_azp(
        flavour: Option<Self>,
        google: Option<&GoogleSettings>,
        azp: &str,
        client_id: &str,
    ) -> bool {
        azp == client_id
            || (flavour == Some(Self::Google)
                && google.is_some_and(|g| g.authorized_parties.iter().any(|p| p == azp)))
    }

    /// The flavour a discovery document shows, if any: a proposal for the settings, never a
    /// reason to accept a quirk by itself.
    pub fn recognise(meta: &Value) -> Option<Self> {
        let issuer = meta.get("issuer").and_then(Value::as_str)?;
        let url = url::Url::parse(issuer).ok()?;
        let host = url.host_str().unwrap_or_default();
        let segments: Vec<&str> = url.path().trim_matches('/').split('/').collect();
        // The segment before the last: "realms" in ".../realms/{realm}".
        let parent = segments.len().checked_sub(2).map(|i| segments[i]);
        if host == "accounts.google.com" {
            Some(Self::Google)
        } else if parent == Some("realms") {
            // Keycloak: "{server}/realms/{realm}".
            Some(Self::Keycloak)
        } else if host.ends_with(".okta.com")
            || host.ends_with(".oktapreview.com")
            || parent == Some("oauth2")
        {
            // Okta: its own domains, or a custom authorization server "{org}/oauth2/{id}".
            Some(Self::Okta)
        } else if host.ends_with(".auth0.com")
            || meta.get("mfa_challenge_endpoint").is_some()
            || (issuer.ends_with('/') && host != "sts.windows.net")
        {
            // Auth0: its domains, its MFA endpoint, or its issuer's trailing slash (which
            // among the common providers only Entra's v1 issuer at sts.windows.net shares).
            Some(Self::Auth0)
        } else {
            None
        }
    }
}

/// How many authorized parties a Google provider may list, and how long each may be.
pub const MAX_AUTHORIZED_PARTIES: usize = 20;
const MAX_CLIENT_ID_LEN: usize = 255;

/// Google specifics, for a provider of the flavour google.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleSettings {
    /// Other clients of the same Google Cloud project whose sign-ins this relying party
    /// accepts: an ID token whose `aud` is this client may name one of them in `azp`.
    #[serde(default)]
    pub authorized_parties: Vec<String>,
}

impl GoogleSettings {
    /// What is wrong with these settings for a provider of `flavour`, if anything.
    pub fn problem(&self, flavour: Option<ProviderFlavour>) -> Option<String> {
        if flavour != Some(ProviderFlavour::Google) {
            let found = flavour.map_or("no flavour", ProviderFlavour::name);
            return Some(format!(
                "expected only for a provider of the flavour google (Google's azp from another client of the same project), found {found}"
            ));
        }
        if self.authorized_parties.len() > MAX_AUTHORIZED_PARTIES {
            return Some(format!(
                "expected at most {MAX_AUTHORIZED_PARTIES} client ids, found {}",
                self.authorized_parties.len()
            ));
        }
        self.authorized_parties.iter().find_map(|p| {
            let well_formed = !p.is_empty()
                && p.len() <= MAX_CLIENT_ID_LEN
                && !p.chars().any(|c| c.is_whitespace() || c.is_control());
            (!well_formed).then(|| {
                format!(
                    "expected client ids of 1 to {MAX_CLIENT_ID_LEN} characters without spaces, found {p:?}"
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_scheme_less_issuer_is_accepted_only_for_google() {
        let configured = "https://accounts.google.com";
        let google = Some(ProviderFlavour::Google);
        assert!(ProviderFlavour::accepts_issuer(
            google,
            "accounts.google.com",
            configured
        ));
        assert!(ProviderFlavour::accepts_issuer(
            google, configured, configured
        ));
        assert!(!ProviderFlavour::accepts_issuer(
            None,
            "accounts.google.com",
            configured
        ));
        let keycloak = Some(ProviderFlavour::Keycloak);
        assert!(!ProviderFlavour::accepts_issuer(
            keycloak,
            "accounts.google.com",
            configured
        ));
        assert!(!ProviderFlavour::accepts_issuer(
            google,
            "evil.test",
            configured
        ));
        assert!(!ProviderFlavour::accepts_issuer(
            google,
            "accounts.google.com/",
            configured
        ));
    }

    #[test]
    fn another_client_of_the_project_is_accepted_only_when_listed_for_google() {
        let google = Some(ProviderFlavour::Google);
        let listed = GoogleSettings {
            authorized_parties: vec!["android-app".into()],
        };
        let accepts = |flavour, settings, azp| {
            ProviderFlavour::accepts_azp(flavour, settings, azp, "web-app")
        };
        assert!(accepts(None, None, "web-app"));
        assert!(accepts(google, Some(&listed), "android-app"));
        assert!(!accepts(google, Some(&listed), "ios-app"));
        assert!(!accepts(google, None, "android-app"));
        let empty = GoogleSettings::default();
        assert!(!accepts(google, Some(&empty), "android-app"));
        let keycloak = Some(ProviderFlavour::Keycloak);
        assert!(!accepts(keycloak, Some(&listed), "android-app"));
        assert!(!accepts(None, Some(&listed), "android-app"));
    }

    #[test]
    fn authorized_parties_are_checked_on_save() {
        let google = Some(ProviderFlavour::Google);
        let of = |parties: &[&str]| GoogleSettings {
            authorized_parties: parties.iter().map(|p| p.to_string()).collect(),
        };
        assert_eq!(of(&["android-app"]).problem(google), None);
        let keycloak = of(&["android-app"]).problem(Some(ProviderFlavour::Keycloak));
        assert!(keycloak.unwrap().contains("found keycloak"));
        assert!(of(&[]).problem(None).unwrap().contains("found no flavour"));
        assert!(of(&[""]).problem(google).is_some());
        assert!(of(&["a b"]).problem(google).unwrap().contains("\"a b\""));
        let long = "x".repeat(256);
        assert!(of(&[long.as_str()]).problem(google).is_some());
        let many = vec!["c"; MAX_AUTHORIZED_PARTIES + 1];
        assert!(of(&many).problem(google).unwrap().contains("at most 20"));
    }

    #[test]
    fn names_round_trip() {
        for f in ProviderFlavour::ALL {
            assert_eq!(ProviderFlavour::named(f.name()), Some(f));
            assert_eq!(serde_json::to_value(f).unwrap(), f.name());
        }
        assert_eq!(ProviderFlavour::named("entra"), None);
    }

    #[test]
    fn discovery_documents_are_recognised() {
        let of = |issuer: &str| ProviderFlavour::recognise(&json!({ "issuer": issuer }));
        assert_eq!(
            of("https://accounts.google.com"),
            Some(ProviderFlavour::Google)
        );
        assert_eq!(
            of("https://sso.example/realms/acme"),
            Some(ProviderFlavour::Keycloak)
        );
        assert_eq!(
            of("https://sso.example/auth/realms/acme"),
            Some(ProviderFlavour::Keycloak)
        );
        assert_eq!(of("https://dev-1.okta.com"), Some(ProviderFlavour::Okta));
        assert_eq!(
            of("http://127.0.0.1:9/okta/oauth2/default"),
            Some(ProviderFlavour::Okta)
        );
        assert_eq!(
            of("https://tenant.eu.auth0.com/"),
            Some(ProviderFlavour::Auth0)
        );
        assert_eq!(
            of("http://127.0.0.1:9/auth0/"),
            Some(ProviderFlavour::Auth0)
        );
        assert_eq!(
            of("https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"),
            None
        );
        assert_eq!(of("http://127.0.0.1:9/acme"), None);
        assert_eq!(of("https://realms.example/acme"), None);
        assert_eq!(ProviderFlavour::recognise(&json!({})), None);
    }
}

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

//! The fault × flow matrix: one trial per entry of the mock IdP's fault catalog and per flow
//! where it applies, named `<fault>::<flow>`, so a regression names its cell and
//! `cargo test --test fault_matrix aud_changed` runs one row.
//!
//! Each trial starts its own mock IdP and relying party, injects the fault, autoconfigures
//! the provider for the flow and signs in through the headless user agent, arranged as the
//! entry's `Setup` says (`max_age`, an ES256 client, a clean sign-in before the fault, a
//! refresh after the sign-in, an Entra tenant as itself or as `common`, an extra fault that
//! forces a JWK Set fetch, the mock IdP serving https, an existing account to bind by
//! verified email, an Auth0 tenant whose issuer ends with a slash). A fault the catalog says to reject must be refused with the code
//! [`CODES`] gives it, store nothing (or leave what the setup stored as it was), and make no
//! token-endpoint call after a bad
//! front-channel ID token and no userinfo call after any bad ID token; a fault to accept
//! must sign the user in. Where the specification lets the client decide (`either`), the
//! cell asserts what this relying party does: it refuses, with the code [`CODES`] gives.
//! A replayed authorization response (the `replay` setup) is delivered again by the same
//! browser after a successful sign-in and must be refused without a second token call; a
//! token whose `jku`/`x5u` header names a key URL must be refused without fetching it.

mod common;

use std::time::Duration;

use common::{ENTRA_TID, Rig};
use libtest_mimic::{Arguments, Failed, Trial};
use mock_idp::agent::{Landing, UserAgent, forms};
use mock_idp::catalog::{CatalogEntry, Expect, FlowKind, Group, Setup, catalog};
use mock_idp::{Alg, Client, Endpoint, Fault, FaultRule, Flavour, Tenant, User};
use relying_party::discovery;
use relying_party::settings::ProviderSettings;
use serde_json::Value;

/// The Auth0-flavoured tenant of the `auth0_issuer` setup.
const AUTH0_TENANT: &str = "auth0";

/// The relying party's stable error code for each fault it must reject. A catalog entry
/// missing here fails its trials, so a new fault cannot slip through unexamined.
const CODES: &[(&str, &str)] = &[
    ("iss_changed", "id_token.wrong_issuer"),
    ("iss_without_scheme", "id_token.wrong_issuer"),
    ("azp_other_client", "id_token.wrong_azp"),
    ("iss_without_trailing_slash", "id_token.wrong_issuer"),
    ("aud_changed", "id_token.wrong_audience"),
    ("aud_missing", "id_token.missing_aud"),
    ("extra_aud", "id_token.untrusted_audience"),
    ("extra_aud_wrong_azp", "id_token.wrong_azp"),
    ("sub_missing", "id_token.missing_sub"),
    ("iat_missing", "id_token.missing_iat"),
    ("iat_future", "id_token.issued_in_future"),
    ("exp_past", "id_token.expired"),
    ("nbf_future", "id_token.not_yet_valid"),
    ("nonce_changed", "id_token.nonce_mismatch"),
    ("nonce_missing", "id_token.missing_nonce"),
    ("auth_time_missing", "id_token.missing_auth_time"),
    ("signature_corrupted", "id_token.bad_signature"),
    ("alg_none", "id_token.unsigned"),
    ("unknown_key", "id_token.unknown_key"),
    ("at_hash_wrong", "id_token.bad_at_hash"),
    ("at_hash_missing", "id_token.missing_at_hash"),
    ("c_hash_wrong", "id_token.bad_c_hash"),
    ("c_hash_missing", "id_token.missing_c_hash"),
    ("state_changed", "response.state_mismatch"),
    ("state_missing", "response.missing_state"),
    (
        "authorize_error_access_denied",
        "authorization.access_denied",
    ),
    ("userinfo_sub_changed", "userinfo.sub_mismatch"),
    ("userinfo_wrong_content_type", "userinfo.bad_content_type"),
    ("signature_corrupted_es256", "id_token.bad_signature"),
    ("hs256_signature_corrupted", "id_token.bad_signature"),
    ("hs256_key_confusion", "id_token.bad_signature"),
    ("kid_absent_multiple_keys", "id_token.ambiguous_key"),
    ("malformed_jwt", "id_token.malformed"),
    ("hybrid_sub_differs", "id_token.hybrid_mismatch"),
    ("hybrid_iss_differs", "id_token.hybrid_mismatch"),
    ("discovery_issuer_mismatch", "discovery.issuer_mismatch"),
    (
        "discovery_issuer_trailing_slash",
        "discovery.issuer_mismatch",
    ),
    (
        "authorize_error_login_required",
        "authorization.login_required",
    ),
    ("refresh_iss_changed", "id_token.refresh_mismatch"),
    ("refresh_sub_changed", "id_token.refresh_mismatch"),
    ("token_server_error", "token.unavailable"),
    ("jwks_server_error", "jwks.unavailable"),
    ("userinfo_server_error", "userinfo.unavailable"),
    ("token_connection_closed", "token.unavailable"),
    ("jwks_connection_closed", "jwks.unavailable"),
    ("userinfo_connection_closed", "userinfo.unavailable"),
    ("entra_foreign_tenant", "id_token.tenant_not_allowed"),
    ("groups_overage", "roles.claim_overage"),
    ("has_groups", "roles.claim_overage"),
    ("discovery_plain_http", "discovery.insecure_endpoint"),
    ("entra_email_unverified", "binding.no_user"),
    ("extra_aud_with_azp", "id_token.untrusted_audience"),
    // The relying party never follows the header's URL: the key is simply not the issuer's.
    ("jku_foreign_keys", "id_token.unknown_key"),
    ("x5u_foreign_keys", "id_token.unknown_key"),
    ("key_use_enc", "id_token.key_not_for_signing"),
    ("key_alg_mismatch", "id_token.key_alg_mismatch"),
    ("weak_rsa_key", "id_token.weak_key"),
    ("response_replayed", "response.replayed"),
];

/// `max_age` sent for entries whose setup asks for it.
const MAX_AGE: i64 = 300;

/// How the relying party answered the last step of a trial.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The user landed on `/me`.
    SignedIn,
    /// Refused with this stable code (from the error page, or from autoconfiguration).
    Refused(String),
}

fn expected_code(name: &str) -> Result<&'static str, String> {
    CODES
        .iter()
        .find(|(fault, _)| *fault == name)
        .map(|(_, code)| *code)
        .ok_or_else(|| {
            format!(
                "fault \"{name}\" has no expected error code in tests/fault_matrix.rs CODES: \
                 decide which code the relying party must refuse it with and add it"
            )
        })
}

fn outcome_of(landing: &Landing) -> Result<Outcome, String> {
    if landing.status == 200 && landing.url.path() == "/me" {
        return Ok(Outcome::SignedIn);
    }
    landing
        .element_text("error-code")
        .map(Outcome::Refused)
        .ok_or_else(|| {
            let head: String = landing.body.chars().take(300).collect();
            format!(
                "expected /me or an error page with a code, found status {} at {} ({head})",
                landing.status, landing.url
            )
        })
}

fn users(rig: &Rig) -> Value {
    serde_json::to_value(rig.rp.rp.store.users().expect("users")).expect("json")
}

/// How Entra ID is configured at the relying party for a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entra {
    /// The tenant's own issuer.
    Tenant,
    /// The multi-tenant `{tenantid}` template, with the metadata of Entra's `common`
    /// endpoint (which the mock serves for its first Entra tenant).
    Common,
}

/// What a cell arranges besides injecting its fault, read from the entry's [`Setup`].
/// Every cell injects its fault before autoconfiguration (what [`Setup::Discovery`] asks)
/// and accepts HS256 with the client secret (what [`Setup::Hs256`] asks).
#[derive(Debug, Default)]
struct Plan {
    /// Sign in at the Entra-flavoured `contoso` tenant instead of `acme`.
    entra: Option<Entra>,
    /// Send `max_age`.
    max_age: bool,
    /// The client signs with this algorithm, the only one the relying party accepts.
    alg: Option<Alg>,
    /// Sign in once without the fault first; only the second sign-in is judged.
    twice: bool,
    /// Refresh after signing in; only the refresh is judged.
    refresh: bool,
    /// A fault injected beside the entry's own.
    also: Option<Fault>,
    /// The mock IdP serves https, trusted by the relying party.
    tls: bool,
    /// An existing account to bind by verified email, and no user creation.
    email_binding: bool,
    /// Sign in, then deliver the same authorization response again; only that is judged.
    replay: bool,
    /// Sign in at an Auth0-flavoured tenant, whose issuer ends with a slash.
    auth0: bool,
}

fn plan(entry: &CatalogEntry) -> Plan {
    let base = Plan::default();
    match entry.setup {
        Setup::None | Setup::Hs256 | Setup::Discovery => base,
        Setup::DiscoveryTls => Plan { tls: true, ..base },
        Setup::MaxAge => Plan {
            max_age: true,
            ..base
        },
        Setup::Es256 => Plan {
            alg: Some(Alg::ES256),
            ..base
        },
        Setup::SignInTwice => Plan {
            twice: true,
            ..base
        },
        Setup::ForceKeyFetch => Plan {
            also: Some(Fault::KeyRotated),
            ..base
        },
        Setup::Refresh => Plan {
            refresh: true,
            ..base
        },
        Setup::Replay => Plan {
            replay: true,
            ..base
        },
        Setup::EntraGroups => Plan {
            entra: Some(Entra::Tenant),
            ..base
        },
        Setup::EntraEmailBinding => Plan {
            entra: Some(Entra::Tenant),
            email_binding: true,
            ..base
        },
        Setup::EntraCommon => Plan {
            entra: Some(Entra::Common),
            ..base
        },
        Setup::Auth0Issuer => Plan {
            auth0: true,
            ..base
        },
    }
}

/// Where a cell signs in: tenant, provider name and user.
#[derive(Debug)]
struct Site {
    tenant: &'static str,
    provider: &'static str,
    query: String,
}

impl Site {
    fn of(plan: &Plan) -> Self {
        let (tenant, provider, user) = match plan.entra {
            None if plan.auth0 => (AUTH0_TENANT, "Acme", "alice"),
            None => ("acme", "Acme", "alice"),
            Some(_) => ("contoso", "Contoso", "megan"),
        };
        let mut query = format!("login_hint={user}");
        if plan.max_age {
            query.push_str(&format!("&max_age={MAX_AGE}"));
        }
        Self {
            tenant,
            provider,
            query,
        }
    }
}

fn settings(rig: &Rig, plan: &Plan, flow: FlowKind) -> ProviderSettings {
    let mut settings = match plan.entra {
        None => rig.settings(flow.as_str(), None),
        Some(_) if plan.email_binding => rig.entra_email_binding(flow.as_str()),
        Some(_) => rig.entra_settings(flow.as_str()),
    };
    if plan.auth0 {
        settings.issuer = rig.idp.tenant(AUTH0_TENANT).expect("tenant").issuer();
    }
    if plan.entra == Some(Entra::Common) {
        settings.issuer = settings.issuer.replace(ENTRA_TID, "{tenantid}");
        settings.discovery_url = Some(discovery::metadata_url(&format!(
            "{}/common/v2.0",
            rig.idp.url()
        )));
    }
    // Refresh tokens exist only where a token endpoint is used; asking for them everywhere
    // it is keeps refresh in every code and hybrid cell.
    settings.offline_access = flow.uses_token_endpoint();
    // HS256 (keyed with the client secret) is allowed so that HMAC faults reach the
    // signature check instead of stopping at the algorithm allow-list.
    settings.allowed_algs.push("HS256".into());
    if let Some(alg) = plan.alg {
        settings.allowed_algs = vec![alg.as_str().to_owned()];
    }
    settings
}

/// The Auth0-flavoured tenant `Setup::Auth0Issuer` asks for, with acme's client and an
/// alice of its own.
fn add_auth0_tenant(rig: &Rig) {
    let tenant = Tenant::flavoured(AUTH0_TENANT, Flavour::Auth0)
        .client(
            Client::confidential("rp", "rp-secret")
                .redirect_uri(format!("{}/callback", rig.rp.url)),
        )
        .user(User::new("alice").email("alice@acme.test", true));
    rig.idp.add_tenant(tenant).expect("tenant");
}

/// Registers the `acme` client anew, signing ID tokens with `alg`.
fn sign_with(rig: &Rig, alg: Alg) {
    let client = Client::confidential("rp", "rp-secret")
        .redirect_uri(format!("{}/callback", rig.rp.url))
        .signing_alg(alg);
    rig.idp
        .tenant("acme")
        .expect("tenant")
        .put_client(client)
        .expect("client");
}

fn inject(rig: &Rig, site: &Site, entry: &CatalogEntry, plan: &Plan) {
    let tenant = rig.idp.tenant(site.tenant).expect("tenant");
    for fault in std::iter::once(&entry.fault).chain(&plan.also) {
        tenant.inject(FaultRule::new(fault.clone()));
    }
}

/// What stood before the judged step of a trial, to compare with what stands after it.
#[derive(Debug, Default)]
struct Before {
    /// Userinfo calls the IdP had seen.
    userinfo: usize,
    /// Token calls the IdP had seen.
    token: usize,
    /// The stored users, when the judged step came after a successful sign-in.
    users: Option<Value>,
}

fn snapshot(rig: &Rig) -> Before {
    Before {
        userinfo: rig.called(Endpoint::Userinfo),
        token: rig.called(Endpoint::Token),
        users: Some(users(rig)),
    }
}

/// Signs in for the cell (twice when the plan says so, injecting the fault in between),
/// then, for refresh faults, refreshes the session. Returns the outcome of the judged step
/// and what stood before it.
async fn sign_in(
    rig: &Rig,
    entry: &CatalogEntry,
    plan: &Plan,
    site: &Site,
    agent: &UserAgent,
) -> Result<(Outcome, Before), String> {
    if plan.twice {
        let first = rig.sign_in(agent, site.provider, &site.query).await;
        if outcome_of(&first)? != Outcome::SignedIn {
            return Err(format!(
                "expected the sign-in before the fault to succeed, found {:?}",
                rig.last_refusal()
            ));
        }
        let before = snapshot(rig);
        inject(rig, site, entry, plan);
        let landing = rig.sign_in(agent, site.provider, &site.query).await;
        return Ok((outcome_of(&landing)?, before));
    }
    // The account to bind exists before the sign-in and must come out of it untouched.
    let arranged = Before {
        users: plan.email_binding.then(|| users(rig)),
        ..Before::default()
    };
    let landing = rig.sign_in(agent, site.provider, &site.query).await;
    let signed_in = outcome_of(&landing)?;
    if plan.replay {
        if signed_in != Outcome::SignedIn {
            return Err(format!(
                "expected the sign-in before the replay to succeed, found {signed_in:?}"
            ));
        }
        let before = snapshot(rig);
        let again = agent.deliver_again().await.map_err(|e| e.to_string())?;
        return Ok((outcome_of(&again)?, before));
    }
    if !plan.refresh || signed_in != Outcome::SignedIn {
        return Ok((signed_in, arranged));
    }
    let form = forms(&landing.body)
        .into_iter()
        .find(|f| f.id.as_deref() == Some("refresh"))
        .ok_or("expected a refresh form on /me: was offline_access granted?")?;
    let before = snapshot(rig);
    let refreshed = agent
        .submit(&landing, &form, &[])
        .await
        .map_err(|e| e.to_string())?;
    Ok((outcome_of(&refreshed)?, before))
}

async fn run_cell(entry: CatalogEntry, flow: FlowKind) -> Result<(), String> {
    let expected = match entry.expect {
        // Where the client may decide, this relying party refuses: assert its code.
        Expect::Reject | Expect::Either => Some(expected_code(&entry.name)?),
        Expect::Accept => None,
    };
    let plan = plan(&entry);
    let site = Site::of(&plan);
    let rig = if plan.tls {
        Rig::new_tls().await
    } else {
        Rig::new().await
    };
    if let Some(alg) = plan.alg {
        sign_with(&rig, alg);
    }
    if plan.auth0 {
        add_auth0_tenant(&rig);
    }
    if !plan.twice {
        inject(&rig, &site, &entry, &plan);
    }
    let agent = rig.agent();
    let (outcome, before) = match rig.configure(settings(&rig, &plan, flow)).await {
        Err(code) => {
            let authorize_calls = rig.called(Endpoint::Authorize);
            if authorize_calls != 0 {
                return Err(format!(
                    "expected no authorization request after refused metadata, found {authorize_calls}"
                ));
            }
            (Outcome::Refused(code), Before::default())
        }
        Ok(_) => sign_in(&rig, &entry, &plan, &site, &agent).await?,
    };
    match (expected, outcome) {
        (None, Outcome::SignedIn) => {
            let count = rig.rp.rp.store.users().expect("users").len();
            if count != 1 {
                return Err(format!(
                    "expected the signed-in user stored once, found {count} users"
                ));
            }
            let me = rig.me(&agent).await;
            if !me["user"].is_object() {
                return Err(format!("expected /api/me to show the user, found {me}"));
            }
            Ok(())
        }
        (None, Outcome::Refused(code)) => Err(format!(
            "expected the sign-in to succeed, found it refused with {code}: {}",
            rig.last_refusal().unwrap_or_default()
        )),
        (Some(want), Outcome::SignedIn) => Err(format!(
            "expected a refusal with {want}, found the user signed in"
        )),
        (Some(want), Outcome::Refused(code)) => {
            if code != want {
                return Err(format!(
                    "expected error code {want}, found {code}: {}",
                    rig.last_refusal().unwrap_or_default()
                ));
            }
            match before.users {
                // A refusal after an earlier sign-in leaves that user exactly as it was.
                Some(users_before) if users(&rig) != users_before => {
                    return Err("expected the refusal to leave the stored user untouched".into());
                }
                Some(_) => {}
                None if rig.rp.rp.store.users().expect("users").is_empty() => {}
                None => return Err("expected nothing stored after a refusal".into()),
            }
            // The JWK Set being unavailable leaves the ID token unverified: refused as well.
            let bad_id_token = code.starts_with("id_token.") || code.starts_with("jwks.");
            // The second ID token of a hybrid flow, and refreshed ones, come from the token
            // endpoint: only a bad front-channel token forbids calling it.
            let front_channel =
                flow.front_channel_id_token() && !plan.refresh && entry.group != Group::Hybrid;
            let token_calls = rig.called(Endpoint::Token);
            if bad_id_token && front_channel && token_calls != 0 {
                return Err(format!(
                    "expected no token-endpoint call after a rejected front-channel ID token, found {token_calls}"
                ));
            }
            let redeemed_again = rig.called(Endpoint::Token) - before.token;
            if plan.replay && redeemed_again != 0 {
                return Err(format!(
                    "expected no token-endpoint call for a replayed response, found {redeemed_again}"
                ));
            }
            let key_urls: Vec<String> = rig
                .idp
                .requests()
                .into_iter()
                .map(|r| r.path)
                .filter(|p| p.contains("/jwks/foreign"))
                .collect();
            if !key_urls.is_empty() {
                return Err(format!(
                    "expected the key URL of the token's header never fetched (RFC 8725 §3.10), found {key_urls:?}"
                ));
            }
            let userinfo_calls = rig.called(Endpoint::Userinfo) - before.userinfo;
            if bad_id_token && userinfo_calls != 0 {
                return Err(format!(
                    "expected no userinfo call after a rejected ID token, found {userinfo_calls}"
                ));
            }
            Ok(())
        }
    }
}

fn trial(entry: CatalogEntry, flow: FlowKind) -> Trial {
    let name = format!("{}::{flow}", entry.name);
    Trial::test(name, move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failed::from(format!("tokio runtime: {e}")))?;
        runtime
            .block_on(async {
                tokio::time::timeout(Duration::from_secs(60), run_cell(entry, flow))
                    .await
                    .unwrap_or_else(|_| Err("expected the cell to finish within 60 s".into()))
            })
            .map_err(Failed::from)
    })
}

/// The code table names only faults the catalog has, so it cannot rot unnoticed.
fn table_matches_catalog() -> Trial {
    Trial::test("code_table::names_only_catalog_faults", || {
        let names: Vec<String> = catalog().into_iter().map(|e| e.name).collect();
        let stale: Vec<&str> = CODES
            .iter()
            .map(|(fault, _)| *fault)
            .filter(|fault| !names.iter().any(|n| n == fault))
            .collect();
        if stale.is_empty() {
            Ok(())
        } else {
            Err(format!("CODES names faults the catalog lacks: {stale:?}").into())
        }
    })
}

fn main() {
    let mut args = Arguments::from_args();
    // The cells wait on loopback I/O, not on the CPU: run more of them than there are cores.
    if args.test_threads.is_none() {
        args.test_threads = Some(8);
    }
    let mut trials = vec![table_matches_catalog()];
    for entry in catalog() {
        for flow in FlowKind::ALL {
            if entry.applies_to(flow) {
                trials.push(trial(entry.clone(), flow));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

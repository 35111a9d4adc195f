//! Steps arranging provider settings (the "OpenID Providers" form) and the administrator's
//! save, autoconfiguration and validation.

use anyhow::{anyhow, bail};
use mock_idp::catalog::FlowKind;
use relying_party::discovery;
use relying_party::flavour::ProviderFlavour;
use relying_party::settings::ProviderSettings;
use serde_json::{Value, json};

use super::args::{StepArgs, column_key, list, named, on};
use crate::scenario::world::{AdminOutcome, ENTRA_TENANT_ID, ScenarioWorld};

/// A flow as a scenario names it: the form's words ("hybrid flow with form_post"), the
/// form's label ("Hybrid Flow (Form Post)") or the settings' name ("hybrid_form_post").
pub fn parse_flow(text: &str) -> anyhow::Result<FlowKind> {
    let words = text
        .to_ascii_lowercase()
        .replace(['(', ')'], " ")
        .replace(['_', '-'], " ")
        .split_whitespace()
        .filter(|w| !matches!(*w, "flow" | "with" | "the"))
        .collect::<Vec<_>>()
        .join("_");
    let name = match words.as_str() {
        "code" | "authorization_code" => "authorization_code",
        "implicit_form_post" | "implicit_formpost" => "implicit_form_post",
        "implicit_fragment" => "implicit_fragment",
        "hybrid_form_post" | "hybrid_formpost" => "hybrid_form_post",
        "hybrid_fragment" => "hybrid_fragment",
        _ => "",
    };
    FlowKind::parse(name).ok_or_else(|| {
        anyhow!(
            "expected one of the five flows (e.g. \"hybrid flow with form_post\"), found \"{text}\""
        )
    })
}

/// `provider "Contoso" uses the hybrid flow with form_post`
pub async fn uses_flow(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let flow = parse_flow(a.get(1))?;
    w.provider(a.get(0))?;
    w.set("flow", json!(flow.as_str()))
}

/// `provider "Contoso" uses the response type "code id_token token"`
pub async fn uses_response_type(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.provider(a.get(0))?;
    w.set("response_type", json!(a.get(1)))
}

/// `provider "Contoso" is a Microsoft Entra ID tenant`
pub async fn is_entra(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.make_entra(a.get(0))
}

/// `provider "Acme" is a Google provider` (or Auth0, Okta, Keycloak): a tenant of that
/// flavour, named in the settings.
pub async fn is_flavoured(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let flavour = named("flavour", a.get(2))?;
    w.make_flavoured(a.get(0), flavour, true)
}

/// `provider "Acme" is a Google provider without its flavour in the settings`
pub async fn is_flavoured_unnamed(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let flavour = named("flavour", a.get(2))?;
    w.make_flavoured(a.get(0), flavour, false)
}

/// `provider "Google" accepts "android-app, ios-app" as authorized parties`: other clients
/// of its Google project allowed in `azp` (`google.authorized_parties`).
pub async fn authorized_parties(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.provider(a.get(0))?;
    w.set("google", json!({ "authorized_parties": list(a.get(1)) }))
}

/// `provider "Contoso" trusts xms_edov for email verification: off`
pub async fn trusts_edov(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let draft = w.provider(a.get(0))?;
    if draft.settings.get("entra").is_none() {
        bail!("expected an Entra ID provider, found a standard one");
    }
    draft.settings["entra"]["trust_xms_edov"] = json!(on(a.get(1)));
    draft.dirty = true;
    Ok(())
}

/// `provider "Contoso" is inactive`
pub async fn inactive(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.provider(a.get(0))?;
    w.set("active", json!(false))
}

/// `provider "Contoso" has no client secret`
pub async fn no_secret(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.provider(a.get(0))?;
    w.set("client_secret", Value::Null)
}

/// `provider "Contoso" shows the icon "https://…/contoso.png"`
pub async fn icon(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.provider(a.get(0))?;
    w.set("icon", json!(a.get(1)))
}

/// `provider "Contoso" accepts the signing algorithms "RS256, HS256"`
pub async fn algorithms(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.provider(a.get(0))?;
    w.set("allowed_algs", json!(list(a.get(1))))
}

/// `provider "Contoso" asks for offline access` (a refresh token, to refresh the session)
pub async fn offline_access(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.provider(a.get(0))?;
    w.set("offline_access", json!(true))
}

/// `provider "Contoso" is Microsoft Entra ID's multi-tenant endpoint for its own tenant
/// only`: the `{tenantid}` issuer template, the `common` discovery document (the mock IdP
/// serves it for its first Entra tenant), and the tenant's id alone on the allow-list.
pub async fn entra_common(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.make_entra(a.get(0))?;
    let base = w.idp.url();
    let draft = w.provider(a.get(0))?;
    let common = discovery::metadata_url(&format!("{base}/common/v2.0"));
    draft.settings["discovery_url"] = json!(common);
    draft.settings["issuer"] = json!(format!("{base}/{{tenantid}}/v2.0"));
    draft.settings["entra"]["allowed_tenants"] = json!([ENTRA_TENANT_ID]);
    draft.dirty = true;
    Ok(())
}

/// `provider "Contoso" identifies users by the claim "oid"`
pub async fn identity_claim(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.provider(a.get(0))?;
    w.set("identity_claim", json!(a.get(1)))
}

/// `provider "Contoso" requests the identity scopes "email, profile"`
pub async fn identity_scopes(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.provider(a.get(0))?;
    w.set("identity_scopes", json!(list(a.get(1))))
}

/// Replaces `{issuer}` with the issuer of the provider's mock IdP tenant and `{host}` with
/// its `127.0.0.1:port`, so scenarios can name URLs near the real ones.
fn near_real(w: &mut ScenarioWorld, provider: &str, text: &str) -> anyhow::Result<String> {
    let tenant = w.provider(provider)?.tenant.clone();
    let real = w.tenant_issuer(&tenant)?;
    let url = url::Url::parse(&real)?;
    let host = format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port().unwrap_or_default()
    );
    Ok(text.replace("{issuer}", &real).replace("{host}", &host))
}

/// `provider "Contoso" has the issuer "{issuer}/"`
pub async fn issuer(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let value = near_real(w, a.get(0), a.get(1))?;
    w.set("issuer", json!(value))
}

/// `the administrator sets the token endpoint of "Contoso" to "…"`: saves the changed
/// setting without autoconfiguration; the outcome is checked by later steps.
pub async fn endpoint(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let field = match a.get(0) {
        "authorization" => "authorization_endpoint",
        "token" => "token_endpoint",
        "userinfo" => "userinfo_endpoint",
        "jwks" | "jwk set" => "jwks_uri",
        other => bail!(
            "expected authorization, token, userinfo or jwks as the endpoint, found \"{other}\""
        ),
    };
    let provider = a.get(1).to_owned();
    w.save_changed().await?;
    let mut settings = w.settings_of(&provider)?;
    let mut value = serde_json::to_value(&settings)?;
    // An empty URL clears the field, as emptying the box on the form does.
    value[field] = match a.get(2) {
        "" => Value::Null,
        url => json!(near_real(w, &provider, url)?),
    };
    settings = serde_json::from_value(value)?;
    w.store(&provider, &settings).map(drop)
}

/// `the administrator saves provider "Contoso"` (autoconfiguration, then save).
pub async fn save(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.save(a.get(0)).await.map(drop)
}

/// `the administrator saves provider "Contoso" without autoconfiguration`: the settings as
/// typed, checked by the relying party's rules.
pub async fn save_as_typed(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    match w.readable_settings(a.get(0))? {
        Ok(settings) => w.store(a.get(0), &settings).map(drop),
        Err(_) => Ok(()),
    }
}

/// `the administrator renames provider "Contoso" to "Contoso Ltd"`, through the admin API.
pub async fn rename(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.save_changed().await?;
    let (old, new) = (a.get(0), a.get(1));
    let res = w
        .http()
        .post(format!("{}/api/admin/providers/{old}/rename", w.rp.url))
        .json(&json!({ "name": new }))
        .send()
        .await?;
    if !res.status().is_success() {
        bail!(
            "expected the provider renamed, found status {}: {}",
            res.status(),
            res.text().await.unwrap_or_default()
        );
    }
    let mut draft = w
        .providers
        .remove(old)
        .ok_or_else(|| anyhow!("expected a provider \"{old}\", found none"))?;
    draft.settings["name"] = json!(new);
    w.providers.insert(new.to_owned(), draft);
    w.current_provider = Some(new.to_owned());
    Ok(())
}

async fn admin_get(w: &ScenarioWorld, path: &str) -> anyhow::Result<Value> {
    let res = w.http().get(format!("{}{path}", w.rp.url)).send().await?;
    let status = res.status();
    let body: Value = res.json().await?;
    if !status.is_success() {
        bail!("expected an answer from the admin API at {path}, found {status}: {body}");
    }
    Ok(body)
}

/// Whether the sign-in page lists `provider`, with the page for the failure message.
async fn offers(w: &mut ScenarioWorld, provider: &str) -> anyhow::Result<(bool, String)> {
    w.save_changed().await?;
    let page = sign_in_page(w).await?;
    Ok((page.contains(&format!("Sign in with {provider}</a>")), page))
}

/// `the sign-in page offers "Contoso"`
pub async fn offered(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    match offers(w, a.get(0)).await? {
        (true, _) => Ok(()),
        (false, page) => bail!(
            "expected the sign-in page to offer \"{}\", found:\n{page}",
            a.get(0)
        ),
    }
}

/// `the sign-in page does not offer "Contoso"`
pub async fn not_offered(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    match offers(w, a.get(0)).await? {
        (false, _) => Ok(()),
        (true, page) => bail!(
            "expected the sign-in page not to offer \"{}\", found:\n{page}",
            a.get(0)
        ),
    }
}

/// `the sign-in page shows the icon "https://…" beside "Contoso"`
pub async fn offered_with_icon(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.save_changed().await?;
    let page = sign_in_page(w).await?;
    let want = format!(
        "<img src=\"{}\" alt=\"\"/>Sign in with {}</a>",
        a.get(0),
        a.get(1)
    );
    if !page.contains(&want) {
        bail!(
            "expected the icon {} beside \"{}\", found:\n{page}",
            a.get(0),
            a.get(1)
        );
    }
    Ok(())
}

async fn sign_in_page(w: &ScenarioWorld) -> anyhow::Result<String> {
    Ok(w.http()
        .get(format!("{}/", w.rp.url))
        .send()
        .await?
        .text()
        .await?)
}

/// `the redirect URI to register at the provider is the application's callback`
pub async fn redirect_uri(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    let shown = admin_get(w, "/api/admin/redirect-uri").await?;
    let want = format!("{}/callback", w.rp.url);
    if shown["redirect_uri"] != json!(want) {
        bail!(
            "expected the redirect URI {want}, found {}",
            shown["redirect_uri"]
        );
    }
    Ok(())
}

/// `the provider metadata of "Contoso" shows its issuer and endpoints`
pub async fn metadata(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.save_changed().await?;
    let meta = admin_get(w, &format!("/api/admin/providers/{}/metadata", a.get(0))).await?;
    let issuer = w.settings_of(a.get(0))?.issuer;
    if meta["issuer"] != json!(issuer) {
        bail!("expected the issuer {issuer}, found {}", meta["issuer"]);
    }
    for field in ["authorization_endpoint", "token_endpoint", "jwks_uri"] {
        if !meta[field].is_string() {
            bail!("expected {field} in the metadata, found {}", meta[field]);
        }
    }
    Ok(())
}

/// The settings the relying party stored for `provider`.
fn stored_settings(w: &ScenarioWorld, provider: &str) -> anyhow::Result<ProviderSettings> {
    w.rp.rp.provider(provider).ok_or_else(|| {
        anyhow!(
            "expected stored settings for \"{provider}\", found none: they are stored by `When the administrator saves provider \"{provider}\"` or by a sign-in through it"
        )
    })
}

/// `the administrator validates provider "Contoso"` (the stored settings against the
/// provider's metadata).
pub async fn validate(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.save_changed().await?;
    let stored = stored_settings(w, a.get(0))?;
    let findings = match discovery::fetch_document(&w.http(), &stored.metadata_location()).await {
        Ok(meta) => discovery::validate(&meta, &stored),
        Err(f) => vec![f],
    };
    w.findings = Some(findings);
    Ok(())
}

/// `the settings are saved`
pub async fn saved(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    match w.admin_outcome()? {
        AdminOutcome::Accepted => Ok(()),
        AdminOutcome::Refused { code, problems } => bail!(
            "expected the settings to be saved, found them refused ({code}): {}",
            problems.join("; ")
        ),
    }
}

/// `the stored settings of "Acme" name the flavour "keycloak"`
pub async fn stored_flavour(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let stored = stored_settings(w, a.get(0))?;
    let wanted = Some(named::<ProviderFlavour>("flavour", a.get(1))?);
    if stored.flavour != wanted {
        bail!(
            "expected the stored flavour {:?}, found {:?}",
            wanted.map(ProviderFlavour::name),
            stored.flavour.map(ProviderFlavour::name)
        );
    }
    Ok(())
}

/// `the settings are refused because "expected no query component"`
pub async fn refused(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    if a.get(0).trim().is_empty() {
        bail!("expected part of the refusal's message between the quotes, found nothing");
    }
    match w.admin_outcome()? {
        AdminOutcome::Accepted => bail!(
            "expected the settings to be refused because \"{}\", found them saved",
            a.get(0)
        ),
        AdminOutcome::Refused { problems, .. } => {
            if problems.iter().any(|p| p.contains(a.get(0))) {
                Ok(())
            } else {
                bail!(
                    "expected a problem mentioning \"{}\", found: {}",
                    a.get(0),
                    problems.join("; ")
                )
            }
        }
    }
}

/// `no problem concerns the issuer`
pub async fn no_problem_with(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let key = column_key(a.get(0));
    let provider = w.current_name()?;
    let settings = serde_json::to_value(w.settings_of(&provider)?)?;
    let fields: Vec<&String> = settings
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    if !fields.contains(&&key) {
        bail!(
            "expected a field of the provider settings, found \"{}\" (fields: {fields:?})",
            a.get(0)
        );
    }
    let field = format!("{key}:");
    if let AdminOutcome::Refused { problems, .. } = w.admin_outcome()?
        && let Some(p) = problems.iter().find(|p| p.starts_with(&field))
    {
        bail!("expected no problem with the {}, found \"{p}\"", a.get(0));
    }
    Ok(())
}

/// `autoconfiguration fills the endpoints of "Contoso" from the provider's metadata`
pub async fn autoconfigured(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let stored = stored_settings(w, a.get(0))?;
    let meta = discovery::fetch_document(&w.http(), &stored.metadata_location())
        .await
        .map_err(|f| anyhow!("{}: {}", f.code, f.message))?;
    let stored = serde_json::to_value(&stored)?;
    for field in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
    ] {
        let published = meta.get(field).cloned().unwrap_or(Value::Null);
        if stored.get(field) != Some(&published) {
            bail!(
                "expected {field} {published} as the metadata publishes, found {}",
                stored.get(field).cloned().unwrap_or(Value::Null)
            );
        }
    }
    Ok(())
}

fn findings(w: &ScenarioWorld) -> anyhow::Result<&[discovery::Finding]> {
    w.findings
        .as_deref()
        .ok_or_else(|| {
            anyhow!(
                "expected a validation by an earlier step, found none: add `When the administrator validates provider \"Acme\"` first"
            )
        })
}

/// `validation reports "settings.endpoint_mismatch"`
pub async fn validation_reports(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let found = findings(w)?;
    if found.iter().any(|f| f.code == a.get(0)) {
        return Ok(());
    }
    bail!("expected the finding \"{}\", found {found:?}", a.get(0))
}

/// `validation reports no problem`
pub async fn validation_clean(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    let found = findings(w)?;
    if found.is_empty() {
        return Ok(());
    }
    bail!("expected no finding, found {found:?}")
}

#[cfg(test)]
mod tests {
    use super::parse_flow;

    #[test]
    fn flows_are_read_in_the_form_s_words_labels_and_names() {
        for (text, name) in [
            ("authorization code flow", "authorization_code"),
            ("Authorization Code Flow", "authorization_code"),
            ("implicit flow with form_post", "implicit_form_post"),
            ("Implicit Flow (Fragment)", "implicit_fragment"),
            ("hybrid_form_post", "hybrid_form_post"),
            ("hybrid flow with fragment", "hybrid_fragment"),
        ] {
            assert_eq!(parse_flow(text).expect(text).as_str(), name);
        }
        assert!(parse_flow("device flow").is_err());
    }
}

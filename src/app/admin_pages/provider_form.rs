//! `/admin/providers/{name}`: the "OpenID Providers" form — general settings, client
//! credentials with the secret never shown, identity claim and scopes, flow and endpoints,
//! then the three rule grids — and its buttons. **Save**, **Autoconfigure** and **Validate**
//! work on the values on the page; adding or removing a grid row shows the form again with
//! the change and saves nothing. The provider flavour (docs/flavours.md) and Google's
//! authorized parties are on the form; settings it does not show (Entra ID, algorithms,
//! discovery URL…) are kept as stored.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::html::{
    Done, FieldErrors, Look, Submitted, admin_page, hinted_input, input_id, notice, see_other,
    segment, select, snake,
};
use super::rule_grids::{self, Choices};
use crate::app::admin_actions::{SettingsField, StoreProviderError};
use crate::app::pages::escape;
use crate::app::state::Rp;
use crate::discovery::Finding;
use crate::flavour::{GoogleSettings, ProviderFlavour};
use crate::settings::{Flow, IdentityClaim, ProviderSettings};

/// The input of Google's authorized parties, named as the settings problem names its field.
const AUTHORIZED_PARTIES: &str = "google.authorized_parties";

/// The flavours as the form's options, "none" first.
fn flavour_options() -> Vec<(String, String)> {
    std::iter::once((String::new(), "None (a standard provider)".to_owned()))
        .chain(
            ProviderFlavour::ALL
                .into_iter()
                .map(|f| (f.name().to_owned(), f.label().to_owned())),
        )
        .collect()
}

/// The flows as the form's options, by their names.
pub(super) fn flow_options() -> Vec<(String, String)> {
    Flow::ALL
        .into_iter()
        .map(|f| (snake(f), f.label().to_owned()))
        .collect()
}

/// The input a metadata finding is about.
pub(super) fn finding_input(code: &str) -> Option<&'static str> {
    Some(match code {
        "discovery.unreachable"
        | "discovery.not_json"
        | "discovery.missing_issuer"
        | "discovery.issuer_mismatch" => "issuer",
        "discovery.missing_authorization_endpoint" => "authorization_endpoint",
        "discovery.missing_token_endpoint" => "token_endpoint",
        "discovery.auth_method_unsupported" => "client_secret",
        "discovery.missing_jwks_uri" => "jwks_uri",
        "discovery.missing_response_types"
        | "discovery.flow_unsupported"
        | "discovery.response_mode_unsupported" => "flow",
        "discovery.scope_unsupported" => "identity_scopes",
        _ => return None,
    })
}

/// The input a settings problem is about, by the names this form gives its inputs.
pub(super) fn problem_input(at: SettingsField) -> Option<String> {
    match at {
        SettingsField::Setting(field) => Some(field.to_owned()),
        SettingsField::RuleSet { rules, field } => Some(format!("{}.{field}", rules.key())),
        SettingsField::Row { rules, row, column } => Some(format!(
            "{}.{}.{column}",
            rules.key(),
            row.saturating_sub(1)
        )),
        SettingsField::Nowhere => None,
    }
}

/// Stored settings as the form's inputs; the secret is never among them.
fn pairs_of(p: &ProviderSettings) -> Submitted {
    let mut out: Vec<(String, String)> = vec![
        ("issuer".into(), p.issuer.clone()),
        ("client_id".into(), p.client_id.clone()),
        ("identity_claim".into(), p.identity_claim.as_str().into()),
        ("icon".into(), p.icon.clone().unwrap_or_default()),
        ("flow".into(), snake(p.flow)),
        (
            "response_type".into(),
            p.response_type.clone().unwrap_or_default(),
        ),
        (
            "authorization_endpoint".into(),
            p.authorization_endpoint.clone(),
        ),
        (
            "token_endpoint".into(),
            p.token_endpoint.clone().unwrap_or_default(),
        ),
        (
            "userinfo_endpoint".into(),
            p.userinfo_endpoint.clone().unwrap_or_default(),
        ),
        ("jwks_uri".into(), p.jwks_uri.clone()),
        (
            "flavour".into(),
            p.flavour
                .map(ProviderFlavour::name)
                .unwrap_or_default()
                .into(),
        ),
        (
            AUTHORIZED_PARTIES.into(),
            p.google
                .as_ref()
                .map(|g| g.authorized_parties.join(", "))
                .unwrap_or_default(),
        ),
    ];
    if p.active {
        out.push(("active".into(), "on".into()));
    }
    out.extend(
        p.identity_scopes
            .iter()
            .map(|s| ("identity_scopes".into(), s.clone())),
    );
    out.extend(rule_grids::pairs_of(
        &p.binding,
        &p.creation,
        &p.role_mapping,
    ));
    Submitted(out)
}

/// The settings on the page: `stored` with the form's fields replaced. A blank secret keeps
/// the stored one ([`Rp::store_provider`]).
fn read(form: &Submitted, stored: ProviderSettings, errors: &mut FieldErrors) -> ProviderSettings {
    let mut p = stored;
    p.client_secret = form
        .optional("client_secret")
        .map(crate::settings::Secret::new);
    p.issuer = form.text("issuer");
    p.active = form.checked("active");
    p.client_id = form.text("client_id").trim().to_owned();
    match form.text("identity_claim").as_str() {
        "sub" => p.identity_claim = IdentityClaim::Sub,
        "oid" => p.identity_claim = IdentityClaim::Oid,
        other => errors.add(
            Some("identity_claim".into()),
            format!("identity_claim: expected sub or oid, found \"{other}\""),
        ),
    }
    p.identity_scopes = form.all("identity_scopes").map(str::to_owned).collect();
    p.icon = form.optional("icon");
    let flow = form.text("flow");
    match Flow::ALL.into_iter().find(|f| snake(f) == flow) {
        Some(f) => p.flow = f,
        None => errors.add(
            Some("flow".into()),
            format!("flow: expected one of the five flows, found \"{flow}\""),
        ),
    }
    p.response_type = form.optional("response_type");
    p.authorization_endpoint = form.text("authorization_endpoint").trim().to_owned();
    p.token_endpoint = form.optional("token_endpoint");
    p.userinfo_endpoint = form.optional("userinfo_endpoint");
    p.jwks_uri = form.text("jwks_uri").trim().to_owned();
    let flavour = form.text("flavour");
    match flavour.as_str() {
        "" => p.flavour = None,
        name => match ProviderFlavour::named(name) {
            Some(f) => p.flavour = Some(f),
            None => errors.add(
                Some("flavour".into()),
                format!(
                    "flavour: expected none, google, auth0, okta or keycloak, found \"{name}\""
                ),
            ),
        },
    }
    let parties: Vec<String> = form
        .text(AUTHORIZED_PARTIES)
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    // An emptied list removes the section, so a provider no longer Google can be saved.
    p.google = (!parties.is_empty()).then_some(GoogleSettings {
        authorized_parties: parties,
    });
    (p.binding, p.creation, p.role_mapping) = rule_grids::read(form, errors);
    p
}

fn choices(rp: &Rp) -> Choices {
    Choices {
        user_types: super::users::user_type_names(rp),
        roles: rp.store.roles().unwrap_or_default(),
        legal_entities: rp
            .store
            .legal_entities()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect(),
    }
}

fn identity_scopes(form: &Submitted, errors: &FieldErrors) -> String {
    let (attrs, messages) = errors.marks("identity_scopes");
    let boxes: String = ["email", "profile"]
        .into_iter()
        .map(|s| {
            let on = if form.all("identity_scopes").any(|v| v == s) {
                " checked"
            } else {
                ""
            };
            format!(
                "<input type=\"checkbox\" id=\"identity_scopes-{s}\" name=\"identity_scopes\" value=\"{s}\"{on}{attrs}> <label for=\"identity_scopes-{s}\">{s}</label> "
            )
        })
        .collect();
    format!(
        "<fieldset id=\"{}\"><legend>Scope for user identity</legend>{boxes}{messages}</fieldset>\n",
        input_id("identity_scopes")
    )
}

fn response_types(form: &Submitted, errors: &FieldErrors) -> String {
    let mut options = vec![(String::new(), "The flow's default".to_owned())];
    for flow in Flow::ALL {
        for t in flow.response_types() {
            if !options.iter().any(|(v, _)| v == t) {
                options.push(((*t).to_owned(), (*t).to_owned()));
            }
        }
    }
    form.choice("Response type", "response_type", &options, errors)
}

/// What the page says above the form besides errors.
#[derive(Debug, Default)]
struct Outcome<'a> {
    done: Option<&'a str>,
    /// A result to announce, e.g. of Validate.
    status: Option<String>,
    /// The heading of the error list.
    errors_heading: Option<&'static str>,
}

fn page(
    rp: &Rp,
    name: &str,
    form: &Submitted,
    errors: &FieldErrors,
    status: StatusCode,
    outcome: Outcome<'_>,
) -> Response {
    let path = format!("/admin/providers/{}", segment(name));
    let status_line = outcome
        .status
        .map(|s| {
            format!(
                "<p class=\"notice\" role=\"status\" id=\"result\">{}</p>\n",
                escape(&s)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "{notice}{status_line}{summary}\
<form method=\"post\" action=\"{path}\" id=\"provider-form\">\n\
<div class=\"toolbar\" role=\"toolbar\" aria-label=\"Provider actions\">\
<button type=\"submit\" name=\"action\" value=\"save\" id=\"save\">Save</button>\
<button type=\"submit\" name=\"action\" value=\"autoconfigure\" id=\"autoconfigure\">Autoconfigure</button>\
<button type=\"submit\" name=\"action\" value=\"validate\" id=\"validate\">Validate</button>\
<a class=\"button\" href=\"{path}/metadata\" id=\"view-metadata\">View provider metadata</a>\
<a class=\"button\" href=\"{path}/redirect-uri\" id=\"view-redirect-uri\">Redirect URI</a>\
<a class=\"button\" href=\"{path}/rename\" id=\"rename\">Rename</a></div>\n\
<section aria-labelledby=\"general-heading\"><h2 id=\"general-heading\">General settings</h2>\n\
<p>Display name: <strong id=\"display-name\">{display}</strong></p>\n\
{issuer}{active}{client_id}{secret}\
{claim}{scopes}{icon}{flavour}{parties}</section>\n\
<section aria-labelledby=\"auth-heading\"><h2 id=\"auth-heading\">Authentication settings</h2>\n\
{flow}{response_type}{authorization}{token}{userinfo}{jwks}</section>\n\
{grids}\
<div class=\"toolbar\"><button type=\"submit\" name=\"action\" value=\"save\">Save</button></div>\n\
</form>\n",
        notice = notice(outcome.done),
        summary = errors.summary(
            outcome
                .errors_heading
                .unwrap_or("The changes were not saved")
        ),
        display = escape(name),
        issuer = form.input("url", "Issuer identifier", "issuer", errors),
        active = form.flag("Active", "active", errors),
        client_id = form.input("text", "Client ID", "client_id", errors),
        secret = hinted_input(
            "password",
            "Client secret",
            "client_secret",
            "",
            errors,
            "Never shown. Leave blank to keep the stored secret."
        ),
        claim = select(
            Look::Block(""),
            "Claim type for user identity",
            "identity_claim",
            &[("sub".into(), "sub".into()), ("oid".into(), "oid".into())],
            &form.text("identity_claim"),
            errors
        ),
        scopes = identity_scopes(form, errors),
        icon = form.input("url", "Icon URL", "icon", errors),
        flavour = form.choice("Provider flavour", "flavour", &flavour_options(), errors),
        parties = hinted_input(
            "text",
            "Google authorized parties",
            AUTHORIZED_PARTIES,
            &form.text(AUTHORIZED_PARTIES),
            errors,
            "Client IDs of other clients of the same Google project whose sign-ins are accepted (azp), comma-separated; flavour Google only."
        ),
        flow = form.choice("Flow", "flow", &flow_options(), errors),
        response_type = response_types(form, errors),
        authorization = form.input(
            "url",
            "Authorization endpoint",
            "authorization_endpoint",
            errors
        ),
        token = form.input("url", "Token endpoint", "token_endpoint", errors),
        userinfo = form.input("url", "Userinfo endpoint", "userinfo_endpoint", errors),
        jwks = form.input("url", "JWK Set location", "jwks_uri", errors),
        grids = rule_grids::render(form, &choices(rp), errors),
    );
    admin_page(status, &format!("Provider {name}"), &body)
}

/// The page for a provider name that is not stored.
pub(super) fn unknown_provider(name: &str) -> Response {
    admin_page(
        StatusCode::NOT_FOUND,
        "Unknown provider",
        &format!(
            "<p class=\"err\" id=\"error-message\">No provider named \"{}\". <a href=\"/admin/providers\">Back to the providers</a></p>",
            escape(name)
        ),
    )
}

/// `GET /admin/providers/{name}`.
pub(super) async fn show(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let Some(stored) = rp.provider(&name) else {
        return unknown_provider(&name);
    };
    let outcome = Outcome {
        done: done.done.as_deref(),
        ..Outcome::default()
    };
    page(
        &rp,
        &name,
        &pairs_of(&stored),
        &FieldErrors::default(),
        StatusCode::OK,
        outcome,
    )
}

fn add_findings(errors: &mut FieldErrors, findings: Vec<Finding>) {
    for f in findings {
        errors.add(
            finding_input(f.code).map(str::to_owned),
            format!("{} ({})", f.message, f.code),
        );
    }
}

/// `POST /admin/providers/{name}`: the button pressed is `action`.
pub(super) async fn submit(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Some(stored) = rp.provider(&name) else {
        return unknown_provider(&name);
    };
    let form = rule_grids::renumbered(Submitted(pairs));
    let answer = |form: &Submitted, errors: &FieldErrors, status, outcome| {
        page(&rp, &name, form, errors, status, outcome)
    };
    let action = form.text("action");
    let mut errors = FieldErrors::default();
    // Rows are added and removed on the page only; the values typed so far stay.
    let form = match rule_grids::edit_rows(form, &action, &mut errors) {
        Ok(edited) => {
            return answer(&edited, &errors, StatusCode::OK, Outcome::default());
        }
        Err(untouched) => untouched,
    };
    let settings = read(&form, stored, &mut errors);
    if !errors.is_empty() {
        return answer(&form, &errors, StatusCode::BAD_REQUEST, Outcome::default());
    }
    match action.as_str() {
        "save" => match rp.store_provider(settings).await {
            Ok(_) => see_other(&format!("/admin/providers/{}?done=saved", segment(&name))),
            Err(e) => {
                let status = store_errors(&mut errors, e);
                answer(&form, &errors, status, Outcome::default())
            }
        },
        "autoconfigure" => match rp.autoconfigure(settings).await {
            Ok(configured) => match rp.store_provider(configured).await {
                Ok(_) => see_other(&format!(
                    "/admin/providers/{}?done=autoconfigured",
                    segment(&name)
                )),
                Err(e) => {
                    let status = store_errors(&mut errors, e);
                    answer(&form, &errors, status, Outcome::default())
                }
            },
            Err(findings) => {
                add_findings(&mut errors, findings);
                let outcome = Outcome {
                    errors_heading: Some("Autoconfiguration failed: nothing was changed"),
                    ..Outcome::default()
                };
                answer(&form, &errors, StatusCode::UNPROCESSABLE_ENTITY, outcome)
            }
        },
        "validate" => {
            let findings = rp.validate_provider(&settings).await;
            let outcome = if findings.is_empty() {
                Outcome {
                    status: Some(format!(
                        "Valid: the settings on this page agree with the metadata at {} (not saved).",
                        settings.metadata_location()
                    )),
                    ..Outcome::default()
                }
            } else {
                Outcome {
                    errors_heading: Some("The provider's metadata disagrees with these settings"),
                    ..Outcome::default()
                }
            };
            add_findings(&mut errors, findings);
            answer(&form, &errors, StatusCode::OK, outcome)
        }
        other => {
            errors.add(
                None,
                format!("action: expected save, autoconfigure, validate, add or remove, found \"{other}\""),
            );
            answer(&form, &errors, StatusCode::BAD_REQUEST, Outcome::default())
        }
    }
}

/// Places the errors of a refused store and returns the status to answer with.
fn store_errors(errors: &mut FieldErrors, e: StoreProviderError) -> StatusCode {
    match e {
        StoreProviderError::Autoconfiguration(findings) => {
            add_findings(errors, findings);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        StoreProviderError::Invalid(problems) => {
            for p in problems {
                errors.add(problem_input(p.at), p.message);
            }
            StatusCode::BAD_REQUEST
        }
    }
}

//! `/admin/providers`: the providers with their active flag, flow and issuer, and a provider
//! added from its issuer, autoconfigured by the same path as `POST /api/admin/providers`.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::html::{
    Done, FieldErrors, Look, Submitted, admin_page, first_view, notice, see_other, segment, select,
    snake, text_input,
};
use super::provider_form::{finding_input, flow_options, problem_input};
use crate::app::admin_actions::StoreProviderError;
use crate::app::pages::escape;
use crate::app::state::Rp;
use crate::settings::{Flow, ProviderSettings};

/// The inputs of the add form; errors about other settings are listed at the top.
const ADD_INPUTS: [&str; 5] = ["name", "issuer", "client_id", "client_secret", "flow"];

fn table(rp: &Rp) -> String {
    let providers = rp.providers();
    if providers.is_empty() {
        return "<p id=\"no-providers\">No provider yet: add one from its issuer below.</p>\n"
            .into();
    }
    let mut rows = String::new();
    for p in providers {
        let (class, active) = if p.active {
            ("ok", "Active")
        } else {
            ("no", "Inactive")
        };
        rows.push_str(&format!(
            "<tr><th scope=\"row\"><a href=\"/admin/providers/{}\">{}</a></th>\
<td class=\"{class}\">{active}</td><td>{}</td><td><code>{}</code></td></tr>\n",
            segment(&p.name),
            escape(&p.name),
            p.flow.label(),
            escape(&p.issuer)
        ));
    }
    format!(
        "<table id=\"providers\"><caption>Configured providers</caption>\
<thead><tr><th scope=\"col\">Display name</th><th scope=\"col\">Status</th>\
<th scope=\"col\">Flow</th><th scope=\"col\">Issuer identifier</th></tr></thead>\n\
<tbody>{rows}</tbody></table>\n"
    )
}

fn page(
    rp: &Rp,
    status: StatusCode,
    form: &Submitted,
    errors: &FieldErrors,
    done: Option<&str>,
) -> Response {
    let flow = form
        .get("flow")
        .map_or_else(|| snake(Flow::default()), str::to_owned);
    let body = format!(
        "{notice}{summary}{table}\
<h2 id=\"add\">Add a provider from its issuer</h2>\n\
<p class=\"hint\">Register this redirect URI at the provider first: <code id=\"redirect-uri\">{redirect}</code>. \
The endpoints are read from the issuer's discovery document.</p>\n\
<form method=\"post\" action=\"/admin/providers\" id=\"add-provider\">\n{name}{issuer}{client_id}{secret}{flow}\
<div class=\"toolbar\"><button type=\"submit\">Add and autoconfigure</button></div>\n</form>\n",
        notice = notice(done),
        summary = errors.summary("The provider was not added"),
        table = table(rp),
        redirect = escape(&rp.redirect_uri()),
        name = form.input("text", "Display name", "name", errors),
        issuer = form.input("url", "Issuer identifier", "issuer", errors),
        client_id = form.input("text", "Client ID", "client_id", errors),
        // A secret is never sent back, not even the one just typed.
        secret = text_input(
            Look::Block("password"),
            "Client secret",
            "client_secret",
            "",
            errors
        ),
        flow = select(
            Look::Block(""),
            "Flow",
            "flow",
            &flow_options(),
            &flow,
            errors
        ),
    );
    admin_page(status, "OpenID Providers", &body)
}

/// `GET /admin/providers`.
pub(super) async fn list(State(rp): State<Arc<Rp>>, Query(done): Query<Done>) -> Response {
    first_view(page, &rp, &done)
}

/// The add form's own input for a problem or finding's input, or none (listed at the top).
fn on_add_form(input: Option<String>) -> Option<String> {
    input.filter(|i| ADD_INPUTS.contains(&i.as_str()))
}

/// `POST /admin/providers`: creates the provider from its issuer, or shows the form again
/// with the errors beside the fields.
pub(super) async fn add(
    State(rp): State<Arc<Rp>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = Submitted(pairs);
    let mut errors = FieldErrors::default();
    let name = form.text("name").trim().to_owned();
    let flow = form.text("flow");
    let Some(flow) = Flow::ALL.into_iter().find(|f| snake(f) == flow) else {
        errors.add(
            Some("flow".into()),
            format!("flow: expected one of the five flows, found \"{flow}\""),
        );
        return page(&rp, StatusCode::BAD_REQUEST, &form, &errors, None);
    };
    if rp.provider(&name).is_some() {
        errors.add(
            Some("name".into()),
            format!("name: a provider named \"{name}\" exists; edit it from the list"),
        );
        return page(&rp, StatusCode::CONFLICT, &form, &errors, None);
    }
    let settings: Result<ProviderSettings, _> = serde_json::from_value(json!({
        "name": name,
        "issuer": form.text("issuer").trim(),
        "client_id": form.text("client_id").trim(),
        "client_secret": form.optional("client_secret"),
        "flow": flow,
    }));
    let settings = match settings {
        Ok(s) => s,
        Err(e) => {
            errors.add(None, e.to_string());
            return page(&rp, StatusCode::BAD_REQUEST, &form, &errors, None);
        }
    };
    // Without an issuer there is nothing to autoconfigure from: say so beside the field
    // instead of reporting an unreachable metadata document.
    if let Err(e) = crate::settings::check_issuer(&settings.issuer, rp.dev_mode()) {
        errors.add(Some("issuer".into()), e.to_string());
        return page(&rp, StatusCode::BAD_REQUEST, &form, &errors, None);
    }
    match rp.store_provider(settings).await {
        Ok(p) => see_other(&format!(
            "/admin/providers/{}?done=created",
            segment(&p.name)
        )),
        Err(StoreProviderError::Autoconfiguration(findings)) => {
            for f in findings {
                let input = on_add_form(finding_input(f.code).map(str::to_owned))
                    .unwrap_or_else(|| "issuer".into());
                errors.add(Some(input), format!("{} ({})", f.message, f.code));
            }
            page(&rp, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors, None)
        }
        Err(StoreProviderError::Invalid(problems)) => {
            for p in problems {
                errors.add(on_add_form(problem_input(p.at)), p.message);
            }
            page(&rp, StatusCode::BAD_REQUEST, &form, &errors, None)
        }
    }
}

//! The provider form's dialogs, as pages of their own: **View provider metadata**, the
//! **Redirect URI** to register at the provider, and **Rename** ("Specify New Name").

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::html::{FieldErrors, Look, Submitted, admin_page, see_other, segment, text_input};
use super::provider_form::unknown_provider;
use crate::app::admin_actions::RenameError;
use crate::app::pages::escape;
use crate::app::state::Rp;
use crate::store::StoreError;

fn back(name: &str) -> String {
    format!(
        "<p><a href=\"/admin/providers/{}\" id=\"back\">Back to provider {}</a></p>\n",
        segment(name),
        escape(name)
    )
}

/// `GET /admin/providers/{name}/metadata`: the provider's discovery document, as fetched.
pub(super) async fn metadata(State(rp): State<Arc<Rp>>, Path(name): Path<String>) -> Response {
    let Some(p) = rp.provider(&name) else {
        return unknown_provider(&name);
    };
    let location = p.metadata_location();
    let (status, shown) = match rp.provider_metadata(&p).await {
        Ok(document) => (
            StatusCode::OK,
            format!(
                "<pre id=\"metadata\">{}</pre>",
                escape(&serde_json::to_string_pretty(&document).unwrap_or_default())
            ),
        ),
        Err(f) => (
            StatusCode::BAD_GATEWAY,
            format!(
                "<p class=\"err\" id=\"error-message\">{} (<code>{}</code>)</p>",
                escape(&f.message),
                f.code
            ),
        ),
    };
    let body = format!(
        "{}<p>From <code id=\"metadata-location\">{}</code>. Autoconfigure fills the endpoints from it.</p>\n{shown}\n",
        back(&name),
        escape(&location)
    );
    admin_page(status, &format!("Provider metadata of {name}"), &body)
}

/// `GET /admin/providers/{name}/redirect-uri`: the URI to register at the provider, in a
/// read-only input so it can be selected and copied.
pub(super) async fn redirect_uri(State(rp): State<Arc<Rp>>, Path(name): Path<String>) -> Response {
    if rp.provider(&name).is_none() {
        return unknown_provider(&name);
    }
    let body = format!(
        "{}<div class=\"field\"><label for=\"redirect-uri\">Redirect URI to register at the provider</label>\
<input class=\"wide\" type=\"text\" id=\"redirect-uri\" readonly value=\"{}\"></div>\n\
<p class=\"hint\">The provider sends the browser back here with the sign-in response, in every flow.</p>\n",
        back(&name),
        escape(&rp.redirect_uri())
    );
    admin_page(StatusCode::OK, "Redirect URI", &body)
}

fn rename_page(name: &str, form: &Submitted, errors: &FieldErrors, status: StatusCode) -> Response {
    let value = form.get("name").unwrap_or(name);
    let body = format!(
        "{back}{summary}<form method=\"post\" action=\"/admin/providers/{path}/rename\" id=\"rename-form\">\n\
{input}<p class=\"hint\">The name shown on the sign-in page. Users bound to the provider stay bound.</p>\n\
<div class=\"toolbar\"><button type=\"submit\">Rename</button></div>\n</form>\n",
        back = back(name),
        summary = errors.summary("The provider was not renamed"),
        path = segment(name),
        input = text_input(
            Look::Block("text"),
            "New display name",
            "name",
            value,
            errors
        ),
    );
    admin_page(status, &format!("Rename provider {name}"), &body)
}

/// `GET /admin/providers/{name}/rename`.
pub(super) async fn rename_form(State(rp): State<Arc<Rp>>, Path(name): Path<String>) -> Response {
    if rp.provider(&name).is_none() {
        return unknown_provider(&name);
    }
    rename_page(
        &name,
        &Submitted::default(),
        &FieldErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /admin/providers/{name}/rename`, by the same rules as the admin API's rename.
pub(super) async fn rename(
    State(rp): State<Arc<Rp>>,
    Path(name): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = Submitted(pairs);
    let new = form.text("name");
    let mut errors = FieldErrors::default();
    let status = match rp.rename_provider(&name, &new) {
        Ok(p) => {
            return see_other(&format!(
                "/admin/providers/{}?done=renamed",
                segment(&p.name)
            ));
        }
        Err(RenameError::Store(StoreError::UnknownProvider { .. })) => {
            return unknown_provider(&name);
        }
        Err(e @ RenameError::EmptyName) => {
            errors.add(Some("name".into()), e.to_string());
            StatusCode::BAD_REQUEST
        }
        Err(e @ RenameError::Taken(_)) => {
            errors.add(Some("name".into()), e.to_string());
            StatusCode::CONFLICT
        }
        Err(RenameError::Store(e)) => {
            errors.add(None, e.to_string());
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    rename_page(&name, &form, &errors, status)
}

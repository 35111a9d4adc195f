//! A token in every admin form, checked on every form POST: defence in depth behind the
//! admin guard, which refuses what a browser marks as cross-site (`Origin`,
//! `Sec-Fetch-Site`) but lets through a request that carries neither header. A page of
//! another site cannot read this token, so it cannot forge a form that carries it.
//!
//! The token is one random value per process ([`Rp::form_token`]); the pages do not know
//! it: this layer puts it into each `<form method="post">` of the HTML it answers.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::html::admin_page;
use crate::app::pages::escape;
use crate::app::state::Rp;

/// The form field that carries the token.
pub const FORM_TOKEN_FIELD: &str = "form_token";

fn refused() -> Response {
    admin_page(
        StatusCode::FORBIDDEN,
        "Form refused",
        "<p class=\"err\" id=\"error-message\">form_token: expected the token of a form this server showed, found none or another one. Reload the page and send the form again.</p>",
    )
}

/// Every `<form method="post" …>` of `html` with the hidden token input as its first child.
fn with_token(html: &str, token: &str) -> String {
    let input = format!(
        "<input type=\"hidden\" name=\"{FORM_TOKEN_FIELD}\" value=\"{}\">",
        escape(token)
    );
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(start) = rest.find("<form method=\"post\"") {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let cut = start + end + 1;
        out.push_str(&rest[..cut]);
        out.push_str(&input);
        rest = &rest[cut..];
    }
    out.push_str(rest);
    out
}

/// The layer: refuses a POST without the token, and puts the token into the forms of the
/// HTML answered.
pub(super) async fn guard_forms(
    State(rp): State<Arc<Rp>>,
    request: Request,
    next: Next,
) -> Response {
    let request = if request.method() == Method::POST {
        let (parts, body) = request.into_parts();
        // Through the extractor, so the router's body limit answers 413.
        let bytes = match Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
            Ok(bytes) => bytes,
            Err(rejection) => return rejection.into_response(),
        };
        let sent = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == FORM_TOKEN_FIELD)
            .map(|(_, v)| v.into_owned());
        if sent.as_deref() != Some(rp.form_token()) {
            tracing::warn!(path = %parts.uri.path(), "admin form refused: no or a wrong form token");
            return refused();
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        request
    };
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // The page is this server's own, already whole in memory: no limit to apply.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let html = with_token(&String::from_utf8_lossy(&bytes), rp.form_token());
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::from_parts(parts, Body::from(html))
}

#[cfg(test)]
mod tests {
    use super::with_token;

    #[test]
    fn every_post_form_gets_the_token_first() {
        let html = "<p><form method=\"post\" action=\"/a\" id=\"x\">\n<input name=\"n\"></form>\
<form method=\"get\"></form><form method=\"post\" action=\"/b\"></form>";
        let out = with_token(html, "t<k");
        assert_eq!(
            out,
            "<p><form method=\"post\" action=\"/a\" id=\"x\"><input type=\"hidden\" name=\"form_token\" value=\"t&lt;k\">\n<input name=\"n\"></form>\
<form method=\"get\"></form><form method=\"post\" action=\"/b\"><input type=\"hidden\" name=\"form_token\" value=\"t&lt;k\"></form>"
        );
    }
}

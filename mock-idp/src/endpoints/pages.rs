//! The few HTML pages a browser sees: the login page, the auto-submitting form_post page and
//! the signed-out page, with the frame error pages share (see `error::EndpointError`).

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use crate::model::user::User;

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}\
h1{font-size:1.4rem}label{display:block;margin:.3rem 0}textarea{width:100%;font-family:monospace}\
.err{color:#a00}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .4rem;vertical-align:top;font-size:.85rem}\
pre{white-space:pre-wrap;margin:0}";

pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head>\n<body>\n<h1>{t}</h1>\n{body}\n</body></html>\n",
        t = escape(title)
    )
}

pub(crate) fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// OAuth 2.0 Form Post Response Mode §2: a form that POSTs the response to the redirect URI
/// as soon as the page loads (and a button for browsers without script).
pub(crate) fn form_post(action: &str, params: &[(String, String)]) -> Response {
    let inputs: String = params
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>\n",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Submit This Form</title></head>\n\
<body onload=\"javascript:document.forms[0].submit()\">\n\
<form method=\"post\" action=\"{}\">\n{inputs}<noscript><button type=\"submit\">Continue</button></noscript>\n</form>\n</body></html>\n",
        escape(action)
    );
    no_store(Html(html).into_response())
}

/// A plain message page.
pub(crate) fn message(title: &str, text: &str) -> Response {
    no_store(Html(page(title, &format!("<p>{}</p>", escape(text)))).into_response())
}

/// The login page: pick a user, optionally edit the claims (JSON) the provider releases.
pub(crate) fn login(
    action: &str,
    txn: &str,
    client: &str,
    users: &[User],
    problem: Option<&str>,
) -> Response {
    let mut body = String::new();
    body.push_str(&format!(
        "<p>Signing in to <strong>{}</strong>. Choose a user; edit the claims if the test needs different ones.</p>\n",
        escape(client)
    ));
    if let Some(p) = problem {
        body.push_str(&format!(
            "<p class=\"err\" id=\"problem\">{}</p>\n",
            escape(p)
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\" id=\"login\">\n<input type=\"hidden\" name=\"txn\" value=\"{}\"/>\n<fieldset><legend>Users</legend>\n",
        escape(action),
        escape(txn)
    ));
    for (i, u) in users.iter().enumerate() {
        let claims = serde_json::to_string_pretty(&u.claims).unwrap_or_default();
        body.push_str(&format!(
            "<label><input type=\"radio\" name=\"username\" value=\"{name}\" data-claims=\"{claims}\"{checked}/> {name}</label>\n",
            name = escape(&u.username),
            claims = escape(&claims),
            checked = if i == 0 { " checked" } else { "" },
        ));
    }
    body.push_str(
        "</fieldset>\n<label for=\"claims\">Claims (JSON; leave empty to use the user's own)</label>\n\
<textarea name=\"claims\" id=\"claims\" rows=\"12\"></textarea>\n\
<p><button type=\"submit\" id=\"sign-in\">Sign in</button></p>\n</form>\n\
<script>\n\
const area = document.getElementById('claims');\n\
function fill(r) { area.value = r.dataset.claims; }\n\
document.querySelectorAll('input[name=username]').forEach(r => {\n\
  r.addEventListener('change', () => fill(r));\n\
  if (r.checked) fill(r);\n\
});\n\
</script>\n",
    );
    no_store(Html(page("Mock IdP sign-in", &body)).into_response())
}

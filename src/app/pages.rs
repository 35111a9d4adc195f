//! The relying party's HTML: sign-in page, fragment relay page, signed-in page, error page.

use std::collections::HashMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// Escapes text for HTML content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A page with the application's frame.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}}\
.err{{color:#a00}}li{{margin:.4rem 0}}img{{height:1.2em;vertical-align:middle;margin-right:.4em}}</style></head>\n\
<body>\n<h1>{t}</h1>\n{body}\n</body></html>\n",
        t = escape(title)
    )
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The sign-in page: one link per active provider, with its icon.
pub fn sign_in(providers: &[(String, Option<String>)]) -> Response {
    let mut body = String::from("<ul id=\"providers\">\n");
    if providers.is_empty() {
        body.push_str("<li>No active identity provider is configured.</li>\n");
    }
    for (name, icon) in providers {
        let img = icon
            .as_ref()
            .map(|i| format!("<img src=\"{}\" alt=\"\"/>", escape(i)))
            .unwrap_or_default();
        let href: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        body.push_str(&format!(
            "<li><a class=\"provider\" href=\"/signin/{}\">{img}Sign in with {}</a></li>\n",
            href.replace('+', "%20"),
            escape(name)
        ));
    }
    body.push_str("</ul>\n");
    no_store(Html(page("Sign in", &body)).into_response())
}

/// The fragment relay: a browser runs the script, which posts the fragment's parameters to
/// the server as a form; a headless user agent finds the form by its id and does the same.
pub fn fragment_relay() -> Response {
    let body = "<p>Completing sign-in…</p>\n\
<form id=\"fragment-relay\" method=\"post\" action=\"/callback/fragment\"></form>\n\
<script>\n\
const form = document.getElementById('fragment-relay');\n\
for (const [k, v] of new URLSearchParams(window.location.hash.substring(1))) {\n\
  const input = document.createElement('input');\n\
  input.type = 'hidden'; input.name = k; input.value = v;\n\
  form.appendChild(input);\n\
}\n\
history.replaceState(null, '', window.location.pathname);\n\
form.submit();\n\
</script>\n";
    no_store(Html(page("Signing in", body)).into_response())
}

/// A refused sign-in: the stable code, the reason, and the provider when known.
pub fn error(status: StatusCode, code: &str, message: &str, provider: Option<&str>) -> Response {
    let provider = provider
        .map(|p| {
            format!(
                "<p>Provider: <strong id=\"error-provider\">{}</strong></p>\n",
                escape(p)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<p class=\"err\">Sign-in refused.</p>\n{provider}<p>Code: <code id=\"error-code\">{}</code></p>\n<p id=\"error-message\">{}</p>\n<p><a href=\"/\">Back to sign-in</a></p>",
        escape(code),
        escape(message)
    );
    no_store((status, Html(page("Sign-in refused", &body))).into_response())
}

/// Posts `fields` on to `action` from this site, so that the browser sends its `SameSite=Lax`
/// cookies, which it leaves out of the provider's cross-site `form_post`. The fields are
/// codes and tokens: the page is not cached and sends no referrer.
pub fn repost(action: &str, fields: &HashMap<String, String>) -> Response {
    let inputs: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>\n",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let body = format!(
        "<form id=\"callback-repost\" method=\"post\" action=\"{}\">\n{inputs}<noscript><button>Continue signing in</button></noscript>\n</form>\n<script>document.forms[0].submit()</script>\n",
        escape(action)
    );
    let mut res = no_store(Html(page("Signing in", &body)).into_response());
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// A plain message page.
pub fn message(title: &str, text: &str) -> Response {
    no_store(
        Html(page(
            title,
            &format!("<p id=\"message\">{}</p>", escape(text)),
        ))
        .into_response(),
    )
}

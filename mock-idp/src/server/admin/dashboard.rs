//! The `/_admin` dashboard: one server-rendered page per tenant — tenants, clients, users with
//! editable claims, keys, faults, the clock, the request log and the tokens issued — and a
//! small same-origin script (`dashboard.js`) that acts through the JSON admin API and polls it
//! to refresh the tables without reloading. The page's policy runs that script and nothing
//! else: no inline script, no inline handlers.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use crate::endpoints::pages::{escape, guarded, no_store};
use crate::faults::catalog::{Group, catalog};
use crate::faults::{Endpoint, FaultRule};
use crate::server::request_log::{IssuedToken, LoggedRequest};
use crate::server::state::{Server, TenantState};
use crate::tokens::jwks::Alg;

/// Same-origin script and stylesheet only; the script may call the admin API and nothing
/// else; no framing (the actions are one click away).
const DASHBOARD_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const SCRIPT: &str = include_str!("dashboard.js");
const STYLESHEET: &str = include_str!("dashboard.css");

/// The endpoints the request log filter offers, in the order of a sign-in.
pub(crate) const ENDPOINTS: [Endpoint; 7] = [
    Endpoint::Discovery,
    Endpoint::Jwks,
    Endpoint::Authorize,
    Endpoint::Login,
    Endpoint::Token,
    Endpoint::Userinfo,
    Endpoint::Logout,
];

/// How many log rows the page shows; the script asks for the same.
const REQUEST_ROWS: usize = 100;
const TOKEN_ROWS: usize = 30;

/// A `<time>` element showing `secs` as RFC 3339, as the script writes it.
fn time(secs: i64) -> String {
    let text = server_guard::Utc::at(secs).rfc3339();
    format!("<time datetime=\"{text}\">{text}</time>")
}

/// An option whose value is its text, as the script makes them.
fn option(text: &str, attributes: &str) -> String {
    let text = escape(text);
    format!("<option value=\"{text}\"{attributes}>{text}</option>")
}

fn pretty(v: &Value) -> String {
    escape(&serde_json::to_string_pretty(v).unwrap_or_default())
}

/// The tenant `?tenant=` names (`None`: the first one), or why the query is refused: a
/// second `tenant` or any other parameter would otherwise be dropped without a word.
fn named_tenant(query: Option<&str>) -> Result<Option<String>, String> {
    let mut tenant = None;
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if key != "tenant" {
            return Err(format!(
                "The dashboard takes one query parameter, tenant; remove \"{key}\"."
            ));
        }
        if tenant.replace(value.into_owned()).is_some() {
            return Err("tenant is given more than once; name one tenant.".to_owned());
        }
    }
    Ok(tenant)
}

fn headed(res: Response) -> Response {
    let mut res = guarded(no_store(res));
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DASHBOARD_CSP),
    );
    res
}

/// `GET /_admin/dashboard.js`.
pub(crate) async fn script() -> Response {
    headed(
        (
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            SCRIPT,
        )
            .into_response(),
    )
}

/// `GET /_admin/dashboard.css`.
pub(crate) async fn stylesheet() -> Response {
    headed(
        (
            [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
            STYLESHEET,
        )
            .into_response(),
    )
}

/// `GET /_admin`: the dashboard of one tenant.
pub(crate) async fn page(State(s): State<Arc<Server>>, RawQuery(q): RawQuery) -> Response {
    let tenants = s.tenants();
    let refusal = |status: StatusCode, problem: String| {
        let body = format!(
            "<main><p role=\"alert\">{problem}</p>{}</main>",
            nav(&tenants, "")
        );
        headed((status, Html(frame("Mock IdP", "", &body))).into_response())
    };
    let named = match named_tenant(q.as_deref()) {
        Ok(named) => named,
        Err(problem) => return refusal(StatusCode::BAD_REQUEST, escape(&problem)),
    };
    let chosen = match &named {
        Some(name) => tenants.iter().find(|t| &t.name == name),
        None => tenants.first(),
    };
    let Some(tenant) = chosen else {
        let problem = match &named {
            Some(name) => format!("There is no tenant named \"{}\".", escape(name)),
            None => "This server has no tenants; add one with POST /_admin/tenants.".to_owned(),
        };
        return refusal(StatusCode::NOT_FOUND, problem);
    };
    let mut body = String::new();
    body.push_str(&nav(&tenants, &tenant.name));
    body.push_str("<main>\n");
    body.push_str(&tenants_section(&s, &tenants));
    body.push_str(&clients_section(tenant));
    body.push_str(&users_section(tenant));
    body.push_str(&keys_section(tenant, s.clock.now()));
    body.push_str(&faults_section(tenant));
    body.push_str(&clock_section(&s));
    body.push_str(&log_section(&s, tenant));
    body.push_str("</main>\n");
    let title = format!("Mock IdP — {}", tenant.name);
    headed(Html(frame(&title, &tenant.name, &body)).into_response())
}

fn frame(title: &str, tenant: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><link rel=\"stylesheet\" href=\"/_admin/dashboard.css\">\
         <script src=\"/_admin/dashboard.js\" defer></script></head>\n\
         <body data-tenant=\"{tenant}\">\n<header><h1>{t}</h1>\
         <p id=\"status\" role=\"status\" aria-live=\"polite\"></p></header>\n{body}</body></html>\n",
        t = escape(title),
        tenant = escape(tenant),
    )
}

fn nav(tenants: &[Arc<TenantState>], current: &str) -> String {
    let mut out = String::from("<nav aria-label=\"Tenants\"><ul>");
    for t in tenants {
        let here = if t.name == current {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<li><a href=\"/_admin?tenant={}\"{here}>{}</a></li>",
            escape(&url::form_urlencoded::byte_serialize(t.name.as_bytes()).collect::<String>()),
            escape(&t.name)
        );
    }
    out.push_str("</ul></nav>\n");
    out
}

/// A table whose body the script refills: `id` names the section and the body.
fn table(id: &str, caption: &str, headers: &[&str], rows: &str, empty: &str) -> String {
    let heads: String = headers
        .iter()
        .map(|h| format!("<th scope=\"col\">{h}</th>"))
        .collect();
    let rows = if rows.is_empty() {
        format!(
            "<tr class=\"empty\"><td colspan=\"{}\">{empty}</td></tr>",
            headers.len()
        )
    } else {
        rows.to_owned()
    };
    format!(
        "<table><caption>{caption}</caption><thead><tr>{heads}</tr></thead>\
         <tbody id=\"{id}-rows\" data-empty=\"{empty}\">{rows}</tbody></table>\n"
    )
}

fn tenants_section(s: &Server, tenants: &[Arc<TenantState>]) -> String {
    let base = s.public_base.as_deref().unwrap_or(&s.bound_base);
    let mut rows = String::new();
    for t in tenants {
        let d = t.data();
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}/{}</td><td>{}</td><td>{}</td></tr>",
            escape(&t.name),
            escape(base),
            escape(&t.path),
            d.clients.len(),
            d.users.len()
        );
    }
    format!(
        "<section aria-labelledby=\"tenants-h\"><h2 id=\"tenants-h\">Tenants</h2>{}</section>\n",
        table(
            "tenants",
            "Every tenant of this server",
            &["Name", "Issuer", "Clients", "Users"],
            &rows,
            "No tenants."
        )
    )
}

fn clients_section(t: &TenantState) -> String {
    let mut rows = String::new();
    for c in t.data().clients.values() {
        let types: Vec<String> = c.response_types.iter().map(|r| r.to_string()).collect();
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(c.client_id.as_str()),
            escape(c.name.as_deref().unwrap_or("")),
            escape(&c.redirect_uris.join(" ")),
            escape(&types.join(", ")),
            c.id_token_signed_response_alg
                .map_or("tenant default", Alg::as_str),
        );
    }
    format!(
        "<section aria-labelledby=\"clients-h\"><h2 id=\"clients-h\">Clients</h2>{}</section>\n",
        table(
            "clients",
            "Clients registered at this tenant",
            &[
                "Client id",
                "Name",
                "Redirect URIs",
                "Response types",
                "ID token algorithm"
            ],
            &rows,
            "No clients."
        )
    )
}

fn users_section(t: &TenantState) -> String {
    let mut out = String::from(
        "<section aria-labelledby=\"users-h\"><h2 id=\"users-h\">Users</h2>\
         <p>Edit a user's claims as JSON and save; a claim left out is removed.</p>\
         <div id=\"users-rows\">",
    );
    for u in t.data().users.values() {
        let id = format!("claims-{}", escape(&u.username));
        let _ = write!(
            out,
            "<form class=\"claims\" data-user=\"{user}\"><label for=\"{id}\">Claims of <strong>{user}</strong> \
             (sub {sub})</label><textarea id=\"{id}\" name=\"claims\" rows=\"6\" spellcheck=\"false\">{claims}</textarea>\
             <button type=\"submit\">Save claims of {user}</button></form>",
            user = escape(&u.username),
            sub = escape(u.sub.as_deref().unwrap_or(&u.username)),
            claims = pretty(&Value::Object(u.claims.clone())),
        );
    }
    out.push_str("</div></section>\n");
    out
}

fn keys_section(t: &TenantState, now: i64) -> String {
    let mut rows = String::new();
    let jwks = t.jwks(now);
    for k in jwks["keys"].as_array().into_iter().flatten() {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(k["kid"].as_str().unwrap_or("")),
            escape(k["kty"].as_str().unwrap_or("")),
            escape(k["alg"].as_str().unwrap_or("")),
            escape(k["use"].as_str().unwrap_or("")),
        );
    }
    let default = t.data().default_alg;
    let options: String = Alg::ALL
        .iter()
        .map(|a| {
            let selected = if *a == default { " selected" } else { "" };
            option(a.as_str(), selected)
        })
        .collect();
    format!(
        "<section aria-labelledby=\"keys-h\"><h2 id=\"keys-h\">Keys</h2>{}\
         <form id=\"rotate\"><label for=\"rotate-alg\">Algorithm</label><select id=\"rotate-alg\" name=\"alg\">{options}</select>\
         <button type=\"submit\">Rotate key</button></form></section>\n",
        table(
            "keys",
            "Published keys (JWK Set)",
            &["Key id", "Type", "Algorithm", "Use"],
            &rows,
            "No keys."
        )
    )
}

fn fault_row(r: &FaultRule) -> String {
    format!(
        "<tr><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
         <td><button type=\"button\" class=\"remove-fault\" data-id=\"{id}\">Remove rule {id}</button></td></tr>",
        escape(&r.fault.to_string()),
        escape(r.client_id.as_ref().map_or("any", |c| c.as_str())),
        escape(r.user.as_deref().unwrap_or("any")),
        r.times
            .map_or("every response".to_owned(), |n| n.to_string()),
        id = r.id,
    )
}

fn faults_section(t: &TenantState) -> String {
    let entries = catalog();
    let mut groups = String::from("<option value=\"\">Every group</option>");
    let mut faults = String::new();
    for g in Group::ALL {
        let name = serde_json::to_value(g)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = write!(groups, "<option value=\"{name}\">{}</option>", g.title());
        let _ = write!(
            faults,
            "<optgroup label=\"{}\" data-group=\"{name}\">",
            g.title()
        );
        for e in entries.iter().filter(|e| e.group == g) {
            let _ = write!(
                faults,
                "<option value=\"{}\" data-fault=\"{}\" title=\"{}\">{}</option>",
                escape(&e.name),
                escape(&serde_json::to_string(&e.fault).unwrap_or_default()),
                escape(e.breaks),
                escape(&e.name)
            );
        }
        faults.push_str("</optgroup>");
    }
    let d = t.data();
    let clients: String = d.clients.keys().map(|c| option(c.as_str(), "")).collect();
    let users: String = d.users.keys().map(|u| option(u, "")).collect();
    let rows: String = d.faults.list().iter().map(fault_row).collect();
    drop(d);
    format!(
        "<section aria-labelledby=\"faults-h\"><h2 id=\"faults-h\">Faults</h2>\
         <form id=\"inject\"><fieldset><legend>Inject a fault from the catalog</legend>\
         <label for=\"fault-group\">Group</label><select id=\"fault-group\">{groups}</select>\
         <label for=\"fault-name\">Fault</label><select id=\"fault-name\" name=\"fault\" required>{faults}</select>\
         <fieldset><legend>Scope</legend>\
         <label><input type=\"radio\" name=\"scope\" value=\"tenant\" checked> Every client and user of the tenant</label>\
         <label><input type=\"radio\" name=\"scope\" value=\"client\"> One client</label>\
         <label><input type=\"radio\" name=\"scope\" value=\"user\"> One user</label></fieldset>\
         <label for=\"fault-client\">Client</label><select id=\"fault-client\" name=\"client\">{clients}</select>\
         <label for=\"fault-user\">User</label><select id=\"fault-user\" name=\"user\">{users}</select>\
         <label for=\"fault-times\">Times (empty: every response)</label>\
         <input id=\"fault-times\" name=\"times\" type=\"number\" min=\"1\" max=\"1000000\" inputmode=\"numeric\">\
         <button type=\"submit\">Inject fault</button></fieldset></form>{}\
         <button type=\"button\" id=\"clear-faults\">Remove every rule</button></section>\n",
        table(
            "faults",
            "Active fault rules",
            &["Rule", "Fault", "Client", "User", "Times left", "Action"],
            &rows,
            "No active rules."
        )
    )
}

fn clock_section(s: &Server) -> String {
    let c = s.clock.status();
    format!(
        "<section aria-labelledby=\"clock-h\"><h2 id=\"clock-h\">Clock</h2>\
         <dl><dt>Now</dt><dd id=\"clock-now\">{}</dd><dt>Frozen</dt><dd id=\"clock-frozen\">{}</dd>\
         <dt>Ahead of the system clock</dt><dd id=\"clock-offset\">{} s</dd></dl>\
         <form id=\"clock\"><button type=\"button\" data-action=\"freeze\">Freeze</button>\
         <button type=\"button\" data-action=\"unfreeze\">Unfreeze</button>\
         <label for=\"clock-seconds\">Seconds</label><input id=\"clock-seconds\" type=\"number\" value=\"60\" inputmode=\"numeric\">\
         <button type=\"button\" data-action=\"advance\">Advance</button>\
         <button type=\"button\" data-action=\"reset\">Reset</button></form></section>\n",
        time(c.now),
        if c.frozen { "yes" } else { "no" },
        c.offset
    )
}

fn request_row(r: &LoggedRequest) -> String {
    let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        r.id,
        time(r.at),
        escape(&r.method),
        escape(&r.path),
        r.endpoint.map_or("", Endpoint::as_str),
        escape(r.client_id.as_deref().unwrap_or("")),
        r.status,
        escape(&params.join(" "))
    )
}

fn token_row(t: &IssuedToken) -> String {
    format!(
        "<tr><td>{}</td><td>{}</td><td>{} ({})</td><td><pre>{}</pre></td><td><pre>{}</pre></td></tr>",
        time(t.at),
        escape(&t.client_id),
        escape(&t.kind),
        escape(&t.endpoint),
        pretty(&t.header),
        pretty(&t.claims)
    )
}

fn log_section(s: &Server, t: &TenantState) -> String {
    let endpoints: String = ENDPOINTS.iter().map(|e| option(e.as_str(), "")).collect();
    let requests: String = s
        .log
        .requests()
        .iter()
        .rev()
        .filter(|r| r.tenant.as_deref() == Some(&t.name))
        .take(REQUEST_ROWS)
        .map(request_row)
        .collect();
    let tokens: String = s
        .log
        .tokens()
        .iter()
        .rev()
        .filter(|k| k.tenant == t.name)
        .take(TOKEN_ROWS)
        .map(token_row)
        .collect();
    format!(
        "<section aria-labelledby=\"log-h\"><h2 id=\"log-h\">Request log</h2>\
         <form id=\"log-filter\"><fieldset><legend>Filter</legend>\
         <label for=\"log-endpoint\">Endpoint</label><select id=\"log-endpoint\" name=\"endpoint\"><option value=\"\">any</option>{endpoints}</select>\
         <label for=\"log-client\">Client</label><input id=\"log-client\" name=\"client\" autocomplete=\"off\">\
         <label for=\"log-status\">Status (e.g. 400 or 4xx)</label><input id=\"log-status\" name=\"status\" size=\"4\" autocomplete=\"off\">\
         <button type=\"submit\">Filter</button></fieldset></form>\
         <button type=\"button\" id=\"clear-log\">Clear the log</button>{}</section>\n\
         <section aria-labelledby=\"tokens-h\"><h2 id=\"tokens-h\">Tokens issued</h2>\
         <p>Decoded: header and claims; signatures are not shown.</p>{}</section>\n",
        table(
            "requests",
            "Newest first, secrets shown as ***",
            &[
                "#",
                "Time",
                "Method",
                "Path",
                "Endpoint",
                "Client",
                "Status",
                "Parameters"
            ],
            &requests,
            "No requests."
        ),
        table(
            "tokens",
            "Newest first",
            &["Time", "Client", "Kind", "Header", "Claims"],
            &tokens,
            "No tokens issued."
        )
    )
}

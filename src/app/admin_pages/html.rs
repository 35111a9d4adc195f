//! The pieces every admin page is made of: the frame with its navigation, labelled inputs
//! that show their own errors, and the submitted form as name/value pairs.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::super::pages::escape;
use crate::app::state::Rp;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;line-height:1.4;color:#111}\
header{background:#1d3557;padding:.5rem 1rem}header a{color:#fff;margin-right:1.2rem}\
main{max-width:72rem;margin:1rem auto;padding:0 1rem}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;color:#000;padding:.3rem}\
.field{margin:.6rem 0}.field>label{display:block;font-weight:600}\
input[type=text],input[type=url],input[type=password],input[type=email],select{padding:.25rem;font:inherit}\
input.wide{width:min(40rem,100%)}\
.err{color:#a00;margin:.15rem 0;font-weight:600}[aria-invalid=true]{border:2px solid #a00}\
.hint{color:#555;margin:.15rem 0;font-size:.9em}\
.summary{border:2px solid #a00;padding:.5rem 1rem;margin:1rem 0}\
.notice{border:2px solid #2a7;padding:.5rem 1rem;margin:1rem 0}\
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}\
caption{text-align:left;font-weight:600;padding:.3rem 0}\
tr.inactive td{background:#f3f3f3;color:#666}\
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
.toolbar{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0}\
button,.button{font:inherit;padding:.3rem .8rem;border:1px solid #1d3557;background:#e8eef6;color:#111;text-decoration:none;border-radius:3px;cursor:pointer}\
:focus-visible{outline:3px solid #f4a261;outline-offset:2px}\
fieldset{margin:1rem 0;border:1px solid #bbb}legend{font-weight:600}\
.ok{color:#17692e;font-weight:600}.no{color:#a00;font-weight:600}\
pre{background:#f6f6f6;padding:.6rem;overflow:auto;max-height:40rem}";

/// An admin page: the frame, the navigation and `body` under the `title` heading. Admin
/// pages are never cached: they show settings and users.
pub(super) fn admin_page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{t} · relying party admin</title><style>{STYLE}</style></head>\n<body>\n\
<a class=\"skip\" href=\"#main\">Skip to content</a>\n\
<header><nav aria-label=\"Admin\"><a href=\"/admin/providers\">OpenID Providers</a>\
<a href=\"/admin/users\">Users</a><a href=\"/admin/sign-ins\">Sign-ins</a>\
<a href=\"/\">Sign-in page</a></nav></header>\n\
<main id=\"main\">\n<h1>{t}</h1>\n{body}\n</main>\n</body></html>\n",
        t = escape(title)
    );
    let mut res = (status, Html(html)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The `?done=` of the page a change redirects to.
#[derive(Debug, Deserialize)]
pub(super) struct Done {
    pub done: Option<String>,
}

/// The snake_case name serde gives an enum value, which is also the value of its option.
pub(super) fn snake<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// How a page with a form is drawn: its status, the form as sent and its errors, and the
/// `?done=` notice.
pub(super) type FormPage = fn(&Rp, StatusCode, &Submitted, &FieldErrors, Option<&str>) -> Response;

/// `page` as first shown: an empty form, no errors, the notice of the change that led here.
pub(super) fn first_view(page: FormPage, rp: &Rp, done: &Done) -> Response {
    page(
        rp,
        StatusCode::OK,
        &Submitted::default(),
        &FieldErrors::default(),
        done.done.as_deref(),
    )
}

/// A 303 to `location` after a change, so reloading the page does not repeat it.
pub(super) fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// A path segment, percent-encoded (provider names may hold spaces and slashes).
pub(super) fn segment(name: &str) -> String {
    url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The id of the input named `name`.
pub(super) fn input_id(name: &str) -> String {
    name.replace('.', "-")
}

/// A submitted form, as name/value pairs in document order.
#[derive(Debug, Default)]
pub(super) struct Submitted(pub Vec<(String, String)>);

impl Submitted {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, or empty.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// The trimmed value of `name`, `None` when blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// Whether the checkbox `name` was checked.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A labelled input of `kind` showing the submitted value of `name`.
    pub fn input(
        &self,
        kind: &'static str,
        label: &str,
        name: &str,
        errors: &FieldErrors,
    ) -> String {
        text_input(Look::Block(kind), label, name, &self.text(name), errors)
    }

    /// A labelled checkbox, checked as submitted.
    pub fn flag(&self, label: &str, name: &str, errors: &FieldErrors) -> String {
        checkbox(Look::Block(""), label, name, self.checked(name), errors)
    }

    /// A labelled drop-down of `options`, on the submitted value.
    pub fn choice(
        &self,
        label: &str,
        name: &str,
        options: &[(String, String)],
        errors: &FieldErrors,
    ) -> String {
        select(
            Look::Block(""),
            label,
            name,
            options,
            &self.text(name),
            errors,
        )
    }

    /// Every value of `name` (checkbox groups).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Errors by the input they concern; those that concern no input are listed only at the top.
#[derive(Debug, Default)]
pub(super) struct FieldErrors {
    by_input: BTreeMap<String, Vec<String>>,
    elsewhere: Vec<String>,
}

impl FieldErrors {
    /// Records `message` for the input `name`, or for the page when `None`.
    pub fn add(&mut self, input: Option<String>, message: impl Into<String>) {
        match input {
            Some(name) => self.by_input.entry(name).or_default().push(message.into()),
            None => self.elsewhere.push(message.into()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_input.is_empty() && self.elsewhere.is_empty()
    }

    fn of(&self, name: &str) -> &[String] {
        self.by_input.get(name).map_or(&[], Vec::as_slice)
    }

    /// The attributes and the message paragraphs of the input `name`.
    pub fn marks(&self, name: &str) -> (String, String) {
        self.marks_with_hint(name, false)
    }

    /// As [`FieldErrors::marks`]; with `hint`, the input is also described by the element
    /// `{id}-hint`.
    fn marks_with_hint(&self, name: &str, hint: bool) -> (String, String) {
        let id = input_id(name);
        let errors = self.of(name);
        let mut described = Vec::new();
        let mut attrs = String::new();
        if !errors.is_empty() {
            attrs.push_str(" aria-invalid=\"true\"");
            described.push(format!("{id}-error"));
        }
        if hint {
            described.push(format!("{id}-hint"));
        }
        if !described.is_empty() {
            attrs.push_str(&format!(" aria-describedby=\"{}\"", described.join(" ")));
        }
        let text: String = errors
            .iter()
            .map(|e| format!("<p class=\"err\" id=\"{id}-error\">{}</p>", escape(e)))
            .collect();
        (attrs, text)
    }

    /// The list at the top of the page under `heading`: every error, each linking to its
    /// input.
    pub fn summary(&self, heading: &str) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut items = String::new();
        for (name, errors) in &self.by_input {
            for e in errors {
                items.push_str(&format!(
                    "<li><a href=\"#{}\">{}</a></li>",
                    input_id(name),
                    escape(e)
                ));
            }
        }
        for e in &self.elsewhere {
            items.push_str(&format!("<li>{}</li>", escape(e)));
        }
        format!(
            "<div class=\"summary\" role=\"alert\" id=\"errors\"><h2>{}</h2><ul>{items}</ul></div>\n",
            escape(heading)
        )
    }
}

/// How an input is shown.
#[derive(Debug, Clone, Copy)]
pub(super) enum Look {
    /// A labelled block of its own, `kind` being the input type.
    Block(&'static str),
    /// A grid cell: the label is for screen readers only.
    Cell,
}

/// A text input with its label and errors.
pub(super) fn text_input(
    look: Look,
    label: &str,
    name: &str,
    value: &str,
    errors: &FieldErrors,
) -> String {
    let id = input_id(name);
    let (attrs, messages) = errors.marks(name);
    match look {
        Look::Block(kind) => block_input(kind, label, name, value, &attrs, &messages),
        Look::Cell => format!(
            "<label class=\"vh\" for=\"{id}\">{}</label><input type=\"text\" size=\"12\" id=\"{id}\" name=\"{}\" value=\"{}\"{attrs}>{messages}",
            escape(label),
            escape(name),
            escape(value)
        ),
    }
}

fn block_input(
    kind: &str,
    label: &str,
    name: &str,
    value: &str,
    attrs: &str,
    after: &str,
) -> String {
    let id = input_id(name);
    format!(
        "<div class=\"field\"><label for=\"{id}\">{}</label><input class=\"wide\" type=\"{kind}\" id=\"{id}\" name=\"{}\" value=\"{}\"{attrs}>{after}</div>\n",
        escape(label),
        escape(name),
        escape(value)
    )
}

/// A block text input of `kind` with a `hint` under it, which screen readers read with the
/// input (after its errors, if any).
pub(super) fn hinted_input(
    kind: &'static str,
    label: &str,
    name: &str,
    value: &str,
    errors: &FieldErrors,
    hint: &str,
) -> String {
    let (attrs, messages) = errors.marks_with_hint(name, true);
    let after = format!(
        "{messages}<p class=\"hint\" id=\"{}-hint\">{}</p>",
        input_id(name),
        escape(hint)
    );
    block_input(kind, label, name, value, &attrs, &after)
}

/// A checkbox with its label and errors.
pub(super) fn checkbox(
    look: Look,
    label: &str,
    name: &str,
    checked: bool,
    errors: &FieldErrors,
) -> String {
    let id = input_id(name);
    let (attrs, messages) = errors.marks(name);
    let on = if checked { " checked" } else { "" };
    let class = match look {
        Look::Block(_) => "",
        Look::Cell => " class=\"vh\"",
    };
    let input = format!(
        "<input type=\"checkbox\" id=\"{id}\" name=\"{}\" value=\"on\"{on}{attrs}>",
        escape(name)
    );
    match look {
        Look::Block(_) => format!(
            "<div class=\"field\">{input} <label for=\"{id}\" style=\"display:inline\">{}</label>{messages}</div>\n",
            escape(label)
        ),
        Look::Cell => format!(
            "{input}<label{class} for=\"{id}\">{}</label>{messages}",
            escape(label)
        ),
    }
}

/// A drop-down with its label and errors; `options` are (value, text) pairs. A `selected`
/// value that is not among them is kept as an extra option, so a stored value is never
/// silently replaced by the first one.
pub(super) fn select(
    look: Look,
    label: &str,
    name: &str,
    options: &[(String, String)],
    selected: &str,
    errors: &FieldErrors,
) -> String {
    let id = input_id(name);
    let (attrs, messages) = errors.marks(name);
    let mut opts = String::new();
    if !options.iter().any(|(v, _)| v == selected) {
        opts.push_str(&format!(
            "<option value=\"{0}\" selected>{0}</option>",
            escape(selected)
        ));
    }
    for (value, text) in options {
        let on = if value == selected { " selected" } else { "" };
        opts.push_str(&format!(
            "<option value=\"{}\"{on}>{}</option>",
            escape(value),
            escape(text)
        ));
    }
    let label_class = match look {
        Look::Block(_) => "",
        Look::Cell => " class=\"vh\"",
    };
    let field = format!(
        "<label{label_class} for=\"{id}\">{}</label><select id=\"{id}\" name=\"{}\"{attrs}>{opts}</select>{messages}",
        escape(label),
        escape(name)
    );
    match look {
        Look::Block(_) => format!("<div class=\"field\">{field}</div>\n"),
        Look::Cell => field,
    }
}

/// `blank` (the empty value, e.g. "(choose)") then `names`, each its own value and label.
pub(super) fn blank_then(blank: &str, names: &[String]) -> Vec<(String, String)> {
    let mut options = vec![(String::new(), blank.to_owned())];
    options.extend(plain_options(names.iter().map(String::as_str)));
    options
}

/// The same text as value and label.
pub(super) fn plain_options<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Vec<(String, String)> {
    values
        .into_iter()
        .map(|v| (v.to_owned(), v.to_owned()))
        .collect()
}

/// A notice after a change, from a fixed list: the query string is never echoed.
pub(super) fn notice(done: Option<&str>) -> String {
    let text = match done {
        Some("saved") => "Settings saved.",
        Some("created") => "Provider created and autoconfigured from its issuer.",
        Some("autoconfigured") => {
            "Autoconfigured: the endpoints were filled in from the provider's metadata and saved."
        }
        Some("renamed") => "Provider renamed.",
        Some("user-saved") => "User saved.",
        Some("invited") => "Invitation created: the user is pre-created.",
        Some("user-created") => "Internal user created.",
        _ => return String::new(),
    };
    format!("<p class=\"notice\" role=\"status\" id=\"notice\">{text}</p>\n")
}

//! The admin pages over HTTP: providers added from their issuer, the provider form with its
//! buttons and rule grids, errors beside the field they concern, the user directory with its
//! edit rules and invitations, recent sign-ins, and the admin guard in front of the forms.

#[path = "../common/mod.rs"]
mod common;

mod guard;
mod provider_flavour;
mod provider_form;
mod providers;
mod users;

use common::Rig;
use relying_party::app::FORM_TOKEN_FIELD;
use reqwest::StatusCode;

/// An answer: status, `Location` and body.
#[derive(Debug)]
pub(crate) struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The error shown beside the input with `id`, unescaped enough to compare.
    pub fn error_beside(&self, id: &str) -> Option<String> {
        let start = self.body.find(&format!("id=\"{id}-error\">"))?;
        let rest = &self.body[start..];
        let text = &rest[rest.find('>')? + 1..rest.find("</p>")?];
        Some(text.replace("&quot;", "\"").replace("&#39;", "'"))
    }

    /// Asserts the input `id` shows an error containing `expected`, and is marked invalid.
    pub fn assert_error_beside(&self, id: &str, expected: &str) {
        let error = self.error_beside(id).unwrap_or_else(|| {
            panic!(
                "expected an error beside #{id}, found none ({}):\n{}",
                self.status,
                self.errors()
            )
        });
        assert!(
            error.contains(expected),
            "beside #{id}: expected {expected:?}, found {error:?}"
        );
        assert!(
            self.body.contains(&format!("id=\"{id}\"")),
            "expected the input #{id} on the page"
        );
        // The roles are a group of checkboxes: the fieldset holds the message.
        if id != "roles" {
            assert!(
                self.body
                    .contains(&format!("aria-describedby=\"{id}-error")),
                "expected #{id} to point at its error"
            );
        }
    }

    /// The error summary, for failure messages.
    pub fn errors(&self) -> String {
        self.body
            .find("id=\"errors\"")
            .map(|i| self.body[i..].chars().take(1200).collect())
            .unwrap_or_else(|| "no error summary".into())
    }
}

/// A client that does not follow redirects (the tests read them) and sends no browser
/// headers.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub(crate) async fn read(res: reqwest::Response) -> Page {
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Page {
        status,
        location,
        body: res.text().await.expect("body"),
    }
}

pub(crate) async fn get(rig: &Rig, path: &str) -> Page {
    read(
        client()
            .get(format!("{}{path}", rig.rp.url))
            .send()
            .await
            .expect("GET"),
    )
    .await
}

/// Posts `form` with the form token, as the page's own form would.
pub(crate) async fn post(rig: &Rig, path: &str, form: &[(&str, &str)]) -> Page {
    let mut form = form.to_vec();
    if !form.iter().any(|(k, _)| *k == FORM_TOKEN_FIELD) {
        form.push((FORM_TOKEN_FIELD, rig.rp.rp.form_token()));
    }
    read(
        client()
            .post(format!("{}{path}", rig.rp.url))
            .form(&form)
            .send()
            .await
            .expect("POST"),
    )
    .await
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// What a browser would submit from the form `form_id` as the page shows it (without the
/// button): text and hidden inputs, checked checkboxes, the selected option of each select.
pub(crate) fn form_fields(page: &Page, form_id: &str) -> Vec<(String, String)> {
    let start = page
        .body
        .find(&format!("id=\"{form_id}\""))
        .unwrap_or_else(|| panic!("expected a form #{form_id}"));
    let form = &page.body[start..start + page.body[start..].find("</form>").expect("</form>")];
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').expect("a closed tag");
        let tag = &rest[..=end];
        if tag.starts_with("<input") {
            let kind = attr(tag, "type").unwrap_or_default();
            let checked = tag.contains(" checked");
            if let Some(name) = attr(tag, "name")
                && (kind != "checkbox" || checked)
            {
                fields.push((name, attr(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<select") {
            let name = attr(tag, "name").expect("a named select");
            let close = rest.find("</select>").expect("</select>");
            let options = &rest[..close];
            let value = options
                .split("<option")
                .skip(1)
                .find(|o| o.contains(" selected>"))
                .or_else(|| options.split("<option").nth(1))
                .and_then(|o| attr(o, "value"))
                .unwrap_or_default();
            fields.push((name, value));
            rest = &rest[close..];
            continue;
        }
        rest = &rest[end + 1..];
    }
    fields
}

/// Sets `name` to `value` in `fields`, adding it when absent.
pub(crate) fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(field) => field.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
}

pub(crate) async fn submit(
    rig: &Rig,
    path: &str,
    fields: &[(String, String)],
    action: &str,
) -> Page {
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if !action.is_empty() {
        form.push(("action", action));
    }
    post(rig, path, &form).await
}

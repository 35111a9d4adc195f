//! Steps that check what a sign-in did: who got in and how, what was refused and why, what
//! was stored, and which provider endpoints the relying party called.

use anyhow::{anyhow, bail};
use relying_party::users::{User, UserField};
use serde_json::Value;

use super::args::{StepArgs, column_key, list};
use crate::scenario::world::{ScenarioWorld, SignInAttempt};

/// The last sign-in, which must have succeeded.
fn succeeded(w: &ScenarioWorld) -> anyhow::Result<&SignInAttempt> {
    let attempt = w.attempt()?;
    if attempt.landing.status == 200 && attempt.landing.url.path() == "/me" {
        return Ok(attempt);
    }
    let code = attempt
        .landing
        .element_text("error-code")
        .unwrap_or_else(|| "no error code".into());
    let message = attempt
        .record
        .as_ref()
        .map(|r| r.message.clone())
        .unwrap_or_default();
    bail!(
        "expected \"{}\" to be signed in, found status {} at {} ({code}) {message}",
        attempt.person,
        attempt.landing.status,
        attempt.landing.url.path()
    )
}

/// The user the last successful sign-in opened a session for, and how it was found.
fn signed_in_user(w: &ScenarioWorld) -> anyhow::Result<(String, String)> {
    let attempt = succeeded(w)?;
    let signed_in = attempt
        .record
        .as_ref()
        .and_then(|r| r.user.as_ref())
        .ok_or_else(|| {
            anyhow!("expected the relying party to record the signed-in user, found none")
        })?;
    Ok((signed_in.user.username.clone(), signed_in.how.to_string()))
}

fn signed_in_how(w: &ScenarioWorld, a: &StepArgs, how: &str) -> anyhow::Result<()> {
    let (username, found) = signed_in_user(w)?;
    let want = a.get(1);
    if username != want || found != how {
        bail!("expected the {how} user \"{want}\", found the {found} user \"{username}\"");
    }
    Ok(())
}

/// `she is signed in`
pub async fn signed_in(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    succeeded(w).map(drop)
}

/// `she is signed in as "alice.local"`
pub async fn signed_in_as(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let (username, _) = signed_in_user(w)?;
    if username != a.get(1) {
        bail!(
            "expected to be signed in as \"{}\", found \"{username}\"",
            a.get(1)
        );
    }
    Ok(())
}

/// `she is bound to the existing user "alice.local"`
pub async fn bound(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    signed_in_how(w, &a, "bound")
}

/// `she is signed in as the new external user "alice@example.com"`
pub async fn created(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    signed_in_how(w, &a, "created")
}

/// `she is signed in as the invited user "carol@example.com"`
pub async fn invited(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    signed_in_how(w, &a, "invited")
}

fn without_login_page(w: &ScenarioWorld) -> anyhow::Result<()> {
    if w.attempt()?.landing.is_login_page() {
        bail!("expected no login page, found the provider's login page");
    }
    succeeded(w).map(drop)
}

/// `she is signed in without seeing the provider's login page`
pub async fn no_login_page(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    without_login_page(w)
}

/// `she is no longer signed in to the application`
pub async fn signed_out(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    let person = w.person()?;
    let me = w.open(&person, "/api/me").await?;
    if me.status != 401 {
        bail!(
            "expected no application session (401), found status {}",
            me.status
        );
    }
    Ok(())
}

/// `she is still signed in at the identity provider`: a new authorization request without
/// a login hint is answered without the login page.
pub async fn idp_session_kept(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    let person = w.person()?;
    let provider = w
        .current_provider
        .clone()
        .ok_or_else(|| anyhow!("expected a provider named by an earlier step, found none"))?;
    w.sign_in(&person, &provider, false).await?;
    without_login_page(w)
}

/// `the sign-in is refused with "id_token.wrong_audience"`
pub async fn refused(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let attempt = w.attempt()?;
    let shown = attempt.landing.element_text("error-code");
    let want = a.get(0);
    if !(400..500).contains(&attempt.landing.status) || shown.as_deref() != Some(want) {
        bail!(
            "expected the sign-in refused with \"{want}\", found status {} at {} with code {}",
            attempt.landing.status,
            attempt.landing.url.path(),
            shown.unwrap_or_else(|| "none".into())
        );
    }
    // A sign-in refused before it reaches the provider (an inactive provider) leaves no
    // record; one that came back must be recorded with the code shown.
    let recorded = attempt.record.as_ref().map(|r| r.code.clone());
    if recorded.is_some_and(|code| code.as_deref() != Some(want)) {
        bail!(
            "expected the relying party to record \"{want}\", found {:?}",
            attempt.record
        );
    }
    Ok(())
}

/// `nothing is stored`: no external user and no identity exist.
pub async fn nothing_stored(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    let users = w.rp.rp.store.users().map_err(|e| anyhow!("{e}"))?;
    let external: Vec<&str> = users
        .iter()
        .filter(|u| u.identity.is_some())
        .map(|u| u.username.as_str())
        .collect();
    if !external.is_empty() {
        bail!("expected no user with an identity, found {external:?}");
    }
    Ok(())
}

/// `the relying party did not call the provider's token endpoint`
pub async fn endpoint_not_called(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let endpoint: mock_idp::Endpoint = a.get(0).parse()?;
    let calls = w.idp.calls(endpoint).len();
    if calls > 0 {
        bail!("expected no call to the {endpoint} endpoint, found {calls}");
    }
    Ok(())
}

/// `the application has 2 users`
pub async fn user_count(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let users = w.rp.rp.store.users().map_err(|e| anyhow!("{e}"))?;
    let want: usize = a.get(0).parse()?;
    if users.len() != want {
        let names: Vec<&str> = users.iter().map(|u| u.username.as_str()).collect();
        bail!("expected {want} users, found {}: {names:?}", users.len());
    }
    Ok(())
}

/// `the user "alice" is an external user`
pub async fn kind(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let user = w.app_user(a.get(0))?;
    if user.kind.as_str() != a.get(1) {
        bail!("expected an {} user, found an {} user", a.get(1), user.kind);
    }
    Ok(())
}

/// `the user "alice" is of type "employee"`
pub async fn user_type(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let user = w.app_user(a.get(0))?;
    if user.user_type != a.get(1) {
        bail!(
            "expected the user type \"{}\", found \"{}\"",
            a.get(1),
            user.user_type
        );
    }
    Ok(())
}

fn field_of(user: &User, name: &str) -> anyhow::Result<Option<String>> {
    let key = column_key(name);
    if key == "external_id" {
        return Ok(user.identity.as_ref().map(|i| i.external_id.clone()));
    }
    let field = UserField::ALL
        .into_iter()
        .find(|f| f.as_str() == key)
        .ok_or_else(|| anyhow!("expected a user field, found \"{name}\""))?;
    Ok(user.field(field).map(str::to_owned))
}

/// `the user "alice" has the last name "Smith"`
pub async fn field(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let user = w.app_user(a.get(0))?;
    let found = field_of(&user, a.get(1))?;
    if found.as_deref() != Some(a.get(2)) {
        bail!("expected {} \"{}\", found {found:?}", a.get(1), a.get(2));
    }
    Ok(())
}

/// `the user "alice" has an empty phone`
pub async fn no_field(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let user = w.app_user(a.get(0))?;
    if let Some(v) = field_of(&user, a.get(1))? {
        bail!("expected no {}, found \"{v}\"", a.get(1));
    }
    Ok(())
}

/// `the user "alice" has the roles "billing, viewer" in "de"` (exactly those)
pub async fn roles_in(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let user = w.app_user(a.get(0))?;
    let mut want = list(a.get(1));
    want.sort();
    let found: Vec<String> = user
        .roles
        .get(a.get(2))
        .map(|r| r.iter().cloned().collect())
        .unwrap_or_default();
    if found != want {
        bail!(
            "expected the roles {want:?} in \"{}\", found {found:?} (all: {:?})",
            a.get(2),
            user.roles
        );
    }
    Ok(())
}

/// `the user "alice" has no roles`
pub async fn no_roles(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let user = w.app_user(a.get(0))?;
    if user.roles.values().any(|r| !r.is_empty()) {
        bail!("expected no roles, found {:?}", user.roles);
    }
    Ok(())
}

/// `the role "admin" was dropped with the reason "not_allowed_for_user_type"`
pub async fn dropped(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    succeeded(w)?;
    let dropped = w
        .attempt()?
        .record
        .as_ref()
        .and_then(|r| r.user.as_ref())
        .map_or(Value::Null, |u| serde_json::json!(u.dropped_roles));
    let hit = dropped.as_array().is_some_and(|entries| {
        entries.iter().any(|e| {
            e.get("role").and_then(Value::as_str) == Some(a.get(0))
                && e.get("reason").and_then(Value::as_str) == Some(a.get(1))
        })
    });
    if !hit {
        bail!(
            "expected the role \"{}\" dropped with the reason \"{}\", found {dropped}",
            a.get(0),
            a.get(1)
        );
    }
    Ok(())
}

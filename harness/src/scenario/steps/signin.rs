//! Steps that sign people in and out, the way a browser would.

use anyhow::{anyhow, bail};
use mock_idp::agent::forms;

use super::args::StepArgs;
use crate::scenario::world::ScenarioWorld;

/// `"alice" signs in through "Contoso"` (she names herself to the provider, so no login
/// page is needed).
pub async fn signs_in(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.sign_in(a.get(0), a.get(1), true).await
}

/// `"alice" signs in through "Contoso" with max_age 0`
pub async fn signs_in_with_max_age(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.max_age = Some(a.get(2).parse()?);
    w.sign_in(a.get(0), a.get(1), true).await
}

/// `"alice" signs in through "Contoso" on the provider's login page`
pub async fn signs_in_on_login_page(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.sign_in_on_login_page(a.get(0), a.get(1)).await
}

/// `"alice" opens the sign-in response "mallory" started through "Acme"`: mallory starts a
/// sign-in, stops at the provider and lets it authenticate him, but the response reaches
/// alice's browser (login CSRF, RFC 6749 §10.12).
pub async fn opens_foreign_response(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let (victim, attacker) = (a.get(0), a.get(1));
    w.sign_in(attacker, a.get(2), false).await?;
    let page = w.attempt()?.landing.clone();
    if !page.is_login_page() {
        bail!(
            "expected the provider's login page for \"{attacker}\", found status {} at {}",
            page.status,
            page.url.path()
        );
    }
    let mut authenticated_as_attacker = page.url;
    authenticated_as_attacker
        .query_pairs_mut()
        .append_pair("login_hint", attacker);
    let before = w.rp.rp.sign_ins().len();
    let landing = w
        .browser(victim)
        .await?
        .navigate(authenticated_as_attacker.as_str())
        .await?;
    w.record_attempt(victim, landing, before);
    Ok(())
}

/// `she signs out of the application`
pub async fn signs_out(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    let person = w.person()?;
    let landing = w.open(&person, "/logout").await?;
    if landing.status != 200 {
        bail!(
            "expected the sign-out page, found status {}",
            landing.status
        );
    }
    Ok(())
}

/// `she signs in through "Contoso" again without naming herself`: the provider decides from
/// its own session who she is.
pub async fn signs_in_again_unnamed(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let person = w.person()?;
    w.sign_in(&person, a.get(1), false).await
}

/// `she refreshes her session`: the application refreshes its tokens at the provider.
pub async fn refreshes(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    let person = w.person()?;
    let me = w.open(&person, "/me").await?;
    let form = forms(&me.body)
        .into_iter()
        .find(|f| f.action == "/session/refresh")
        .ok_or_else(|| {
            anyhow!(
                "expected a session the application can refresh, found none: it needs `Given provider \"Acme\" asks for offline access` and a successful sign-in"
            )
        })?;
    let before = w.rp.rp.sign_ins().len();
    let landing = w.browser(&person).await?.submit(&me, &form, &[]).await?;
    w.record_attempt(&person, landing, before);
    Ok(())
}

/// `she delivers the same authorization response again`: her browser repeats the delivery of
/// the last authorization response (redirect, form post or fragment relay), as a replay.
pub async fn delivers_again(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    let person = w.person()?;
    let before = w.rp.rp.sign_ins().len();
    let landing = w.browser(&person).await?.deliver_again().await?;
    w.record_attempt(&person, landing, before);
    Ok(())
}

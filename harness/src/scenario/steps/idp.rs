//! Steps arranging the identity provider: its users, their claims, and its misbehaviour.

use anyhow::{anyhow, bail};
use mock_idp::catalog::catalog;
use mock_idp::{Alg, Client, Fault, FaultRule, User};

use super::args::{StepArgs, claim_value, column_key};
use crate::scenario::world::{CLIENT_ID, ScenarioWorld};

/// `the identity provider has a user "alice" with verified email "…"`
pub async fn user_with_verified_email(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.put_idp_user(User::new(a.get(0)).email(a.get(1), true))
}

/// `… with unverified email "…"`
pub async fn user_with_unverified_email(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.put_idp_user(User::new(a.get(0)).email(a.get(1), false))
}

/// `the identity provider has a user "alice" with the claims:` (`claim | value` rows; a
/// `sub` row fixes the subject).
pub async fn user_with_claims(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let mut user = User::new(a.get(0));
    let table = a.table()?;
    let header: Vec<String> = table
        .first()
        .map(|h| h.iter().map(|c| column_key(c)).collect())
        .unwrap_or_default();
    if header != ["claim", "value"] {
        bail!("expected the header row | claim | value |, found {header:?}");
    }
    for row in table.iter().skip(1) {
        let [claim, value] = row.as_slice() else {
            bail!("expected two columns (claim, value), found {}", row.len());
        };
        if claim == "sub" {
            user = user.with_sub(value.trim());
        } else {
            user = user.claim(claim.trim(), claim_value(value));
        }
    }
    w.put_idp_user(user)
}

/// `the identity provider sets the claim "family_name" of "alice" to Smith`
pub async fn set_claim(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let user = w.idp_user(a.get(1))?.claim(a.get(0), claim_value(a.get(2)));
    w.put_idp_user(user)
}

/// `the identity provider removes the claim "email_verified" of "alice"`
pub async fn remove_claim(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let mut user = w.idp_user(a.get(1))?;
    if user.claims.remove(a.get(0)).is_none() {
        bail!(
            "expected \"{}\" to have the claim \"{}\", found none",
            a.get(1),
            a.get(0)
        );
    }
    w.put_idp_user(user)
}

/// `the identity provider serves https`: with a fresh self-signed certificate that the
/// relying party and the people's browsers trust. Comes before other tenants, faults and
/// sign-ins (the identity provider starts again with its users).
pub async fn serves_https(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    w.serve_https().await
}

/// `the identity provider signs the relying party's ID tokens with ES256`
pub async fn signs_with(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let alg = Alg::ALL
        .into_iter()
        .find(|x| x.as_str() == a.get(0))
        .ok_or_else(|| {
            let names: Vec<&str> = Alg::ALL.iter().map(|x| x.as_str()).collect();
            anyhow!("expected one of {names:?}, found \"{}\"", a.get(0))
        })?;
    let provider = w.current_name()?;
    let client = w.client().signing_alg(alg);
    w.tenant_of(&provider)?
        .put_client(client)
        .map_err(|e| anyhow!("{e}"))
}

/// `the identity provider misbehaves with "aud_changed"`: injects the catalog's fault for
/// the relying party's client into the current provider's tenant. What else the fault
/// needs to show (the catalog's setup) is arranged by the scenario's own steps.
pub async fn misbehaves(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let name = a.get(0);
    let entry = catalog()
        .into_iter()
        .find(|e| e.name == name)
        .ok_or_else(|| {
            let names: Vec<String> = catalog().into_iter().map(|e| e.name).collect();
            anyhow!("expected a fault of the catalog, found \"{name}\" (known: {names:?})")
        })?;
    let provider = w.current_name()?;
    w.tenant_of(&provider)?
        .inject(FaultRule::new(entry.fault).for_client(CLIENT_ID));
    Ok(())
}

/// `the sign-ins at "Google" come from "android-app", another client of the same Google
/// project`: the relying party's client and `android-app` share a project at the provider's
/// tenant, and every ID token for the relying party names `android-app` in `azp` (the
/// mock's `azp_same_project` quirk, Google's documented behaviour).
pub async fn from_project_sibling(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let tenant = w.tenant_of(a.get(0))?;
    let project = format!("{}-project", tenant.name());
    let sibling = Client::public(a.get(1)).project(&project);
    for client in [w.client().project(&project), sibling] {
        tenant.put_client(client).map_err(|e| anyhow!("{e}"))?;
    }
    tenant.inject(FaultRule::new(Fault::AzpSameProject).for_client(CLIENT_ID));
    Ok(())
}

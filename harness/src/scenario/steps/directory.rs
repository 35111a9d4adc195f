//! Steps arranging and changing the application's directory: roles, legal entities, user
//! types, internal users, invitations and the administrator's edits.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, bail};
use relying_party::users::{
    Invitation, LegalEntity, NewInternalUser, RolePolicy, UserPatch, UserType,
};
use serde_json::{Map, Value, json};

use super::args::{StepArgs, column_key, list};
use crate::scenario::world::{AdminOutcome, ScenarioWorld};

fn set(text: &str) -> BTreeSet<String> {
    list(text).into_iter().collect()
}

/// `the application has the roles "viewer, billing"`
pub async fn roles(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    for role in list(a.get(0)) {
        w.rp.rp
            .store
            .create_role(&role)
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

/// `the application has the legal entities "de, fr"` (id and name alike)
pub async fn legal_entities(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    for id in list(a.get(0)) {
        w.rp.rp
            .store
            .create_legal_entity(&LegalEntity {
                id: id.clone(),
                name: id,
            })
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

/// `the application has a user type "employee" allowing "viewer, billing" with default
/// roles "viewer"`
pub async fn user_type(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    w.rp.rp
        .store
        .create_user_type(&UserType {
            name: a.get(0).to_owned(),
            allowed_roles: set(a.get(1)),
            default_roles: set(a.get(2)),
        })
        .map_err(|e| anyhow!("{e}"))
}

/// `the application has the internal users:` with a `username` column and any of email,
/// phone, first name, last name, display name, user type (default `employee`).
pub async fn internal_users(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let table = a.table()?;
    let Some((header, body)) = table.split_first() else {
        bail!("expected a header row, found an empty table");
    };
    let keys: Vec<String> = header.iter().map(|h| column_key(h)).collect();
    for row in body {
        let mut fields = Map::new();
        fields.insert("user_type".into(), json!("employee"));
        for (key, cell) in keys.iter().zip(row) {
            if !cell.trim().is_empty() {
                fields.insert(key.clone(), json!(cell.trim()));
            }
        }
        let user: NewInternalUser = serde_json::from_value(Value::Object(fields))
            .map_err(|e| anyhow!("expected the columns of an internal user, found: {e}"))?;
        w.rp.rp
            .store
            .create_internal_user(&user)
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

async fn invite_user(w: &mut ScenarioWorld, invitation: Invitation) -> anyhow::Result<()> {
    w.save_changed().await?;
    let policy =
        w.rp.rp
            .provider(&invitation.provider)
            .map_or(RolePolicy::ManagedInApplication, |p| {
                p.role_mapping.policy()
            });
    w.last_admin = Some(match w.rp.rp.store.invite(&invitation, policy) {
        Ok(_) => AdminOutcome::Accepted,
        Err(e) => AdminOutcome::Refused {
            code: e.code().to_owned(),
            problems: vec![e.to_string()],
        },
    });
    Ok(())
}

fn invitation(a: &StepArgs) -> Invitation {
    Invitation {
        email: a.get(0).to_owned(),
        user_type: a.get(1).to_owned(),
        external_id: a.get(2).to_owned(),
        provider: a.get(3).to_owned(),
        roles: None,
    }
}

/// `the administrator invites "carol@example.com" as an external user of type "employee"
/// with external id "carol" at "Acme"`
pub async fn invite(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let i = invitation(&a);
    invite_user(w, i).await
}

/// `the administrator invites "…" of type "…" with external id "…" at "Acme" with the roles
/// "billing" in "de"`
pub async fn invite_with_roles(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let mut i = invitation(&a);
    i.roles = Some(BTreeMap::from([(a.get(5).to_owned(), set(a.get(4)))]));
    invite_user(w, i).await
}

async fn edit(w: &mut ScenarioWorld, username: &str, patch: Value) -> anyhow::Result<()> {
    let user = w.app_user(username)?;
    let patch: UserPatch = serde_json::from_value(patch)
        .map_err(|e| anyhow!("expected a field the directory knows, found: {e}"))?;
    let policy = user
        .identity
        .as_ref()
        .and_then(|i| w.rp.rp.provider(&i.provider))
        .map_or(RolePolicy::ManagedInApplication, |p| {
            p.role_mapping.policy()
        });
    w.last_admin = Some(match w.rp.rp.store.edit_user(user.id, &patch, |_| policy) {
        Ok(_) => AdminOutcome::Accepted,
        Err(e) => AdminOutcome::Refused {
            code: e.code().to_owned(),
            problems: vec![e.to_string()],
        },
    });
    Ok(())
}

/// `the administrator changes the last name of "alice" to "Smith"`
pub async fn edit_field(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let field = column_key(a.get(0));
    edit(w, a.get(1), json!({ field: a.get(2) })).await
}

/// `the administrator gives "alice" the roles "billing" in "de"`
pub async fn edit_roles(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let roles = json!({ a.get(2): list(a.get(1)) });
    edit(w, a.get(0), json!({ "roles": roles })).await
}

fn outcome(w: &ScenarioWorld) -> anyhow::Result<&AdminOutcome> {
    w.last_admin
        .as_ref()
        .ok_or_else(|| anyhow!("expected an administrator action by an earlier step, found none"))
}

/// `the change is accepted`
pub async fn accepted(w: &mut ScenarioWorld, _: StepArgs) -> anyhow::Result<()> {
    match outcome(w)? {
        AdminOutcome::Accepted => Ok(()),
        AdminOutcome::Refused { code, problems } => {
            bail!(
                "expected the change to be accepted, found {code}: {}",
                problems.join("; ")
            )
        }
    }
}

/// `the change is refused because the email cannot be edited`
pub async fn not_editable(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    let field = column_key(a.get(0));
    match outcome(w)? {
        AdminOutcome::Refused { code, problems }
            if code == "edit.not_editable" && problems.iter().any(|p| p.starts_with(&field)) =>
        {
            Ok(())
        }
        other => bail!("expected edit.not_editable for the field {field}, found {other:?}"),
    }
}

/// `the invitation is refused with "invitation.roles_from_provider"`
pub async fn invitation_refused(w: &mut ScenarioWorld, a: StepArgs) -> anyhow::Result<()> {
    match outcome(w)? {
        AdminOutcome::Refused { code, .. } if code == a.get(0) => Ok(()),
        other => bail!(
            "expected the invitation refused with {}, found {other:?}",
            a.get(0)
        ),
    }
}

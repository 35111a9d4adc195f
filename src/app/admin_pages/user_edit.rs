//! `/admin/users/{id}`: one user's fields and roles per legal entity. Only what changed is
//! sent to the edit rules ([`Rp::edit_user`], the admin API's `PATCH`), so an untouched
//! field is never refused; a changed field the rules forbid is refused beside the input,
//! naming the rule. Each field also says in advance whether the rules let it change.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::html::{
    Done, FieldErrors, Look, Submitted, admin_page, hinted_input, notice, see_other, text_input,
};
use super::users::{directory_input, roles_fieldset, roles_of};
use crate::app::pages::escape;
use crate::app::state::Rp;
use crate::users::{
    EditError, EditField, RolePolicy, RolesByEntity, User, UserId, UserKind, UserPatch,
    check_editable,
};

/// The text fields of the form, with their labels.
const TEXT_FIELDS: [(EditField, &str); 8] = [
    (EditField::Username, "Username"),
    (EditField::Email, "Email"),
    (EditField::Phone, "Phone"),
    (EditField::FirstName, "First name"),
    (EditField::LastName, "Last name"),
    (EditField::DisplayName, "Display name"),
    (EditField::UserType, "User type"),
    (EditField::ExternalId, "External id"),
];

fn current(user: &User, field: EditField) -> String {
    let value = match field {
        EditField::Username => Some(user.username.as_str()),
        EditField::Email => user.email.as_deref(),
        EditField::Phone => user.phone.as_deref(),
        EditField::FirstName => user.first_name.as_deref(),
        EditField::LastName => user.last_name.as_deref(),
        EditField::DisplayName => user.display_name.as_deref(),
        EditField::UserType => Some(user.user_type.as_str()),
        EditField::ExternalId => user.identity.as_ref().map(|i| i.external_id.as_str()),
        EditField::Roles => None,
    };
    value.unwrap_or_default().to_owned()
}

fn set(patch: &mut UserPatch, field: EditField, value: String) {
    let slot = match field {
        EditField::Username => &mut patch.username,
        EditField::Email => &mut patch.email,
        EditField::Phone => &mut patch.phone,
        EditField::FirstName => &mut patch.first_name,
        EditField::LastName => &mut patch.last_name,
        EditField::DisplayName => &mut patch.display_name,
        EditField::UserType => &mut patch.user_type,
        EditField::ExternalId => &mut patch.external_id,
        EditField::Roles => return,
    };
    *slot = Some(value);
}

/// Why the rules forbid changing `field` of `user`, if they do.
fn forbidden(user: &User, policy: RolePolicy, field: EditField) -> Option<String> {
    let mut patch = UserPatch::default();
    if field == EditField::Roles {
        patch.roles = Some(RolesByEntity::new());
    } else {
        set(&mut patch, field, String::new());
    }
    match check_editable(user.kind, policy, &patch) {
        Err(EditError::NotEditable { reason, .. }) => Some(reason.to_string()),
        _ => None,
    }
}

fn without_empty(roles: &RolesByEntity) -> RolesByEntity {
    roles
        .iter()
        .filter(|(_, r)| !r.is_empty())
        .map(|(e, r)| (e.clone(), r.clone()))
        .collect()
}

fn page(
    rp: &Rp,
    user: &User,
    form: Option<&Submitted>,
    errors: &FieldErrors,
    status: StatusCode,
    done: Option<&str>,
) -> Response {
    let policy = rp.policy_for(user);
    let mut fields = String::new();
    for (field, label) in TEXT_FIELDS {
        // Internal users have no identity: no external id to show.
        if field == EditField::ExternalId && user.kind == UserKind::Internal {
            continue;
        }
        let name = field.as_str();
        let value = form.map_or_else(|| current(user, field), |f| f.text(name));
        fields.push_str(&match forbidden(user, policy, field) {
            Some(rule) => hinted_input(
                "text",
                label,
                name,
                &value,
                errors,
                &format!("Not editable: {rule}."),
            ),
            None => text_input(Look::Block("text"), label, name, &value, errors),
        });
    }
    let roles = match (&user.identity, policy) {
        (Some(identity), RolePolicy::FromProvider) => format!(
            "<p id=\"roles\">Roles are assigned by {} at each sign-in and are not shown here.</p>\n",
            escape(&identity.provider)
        ),
        _ => {
            let selected = form.map_or_else(|| user.roles.clone(), roles_of);
            let hint = forbidden(user, policy, EditField::Roles).map_or_else(
                || "Roles are checked against the user type's allowed roles.".to_owned(),
                |rule| format!("Not editable: {rule}."),
            );
            format!(
                "<input type=\"hidden\" name=\"roles_shown\" value=\"1\">{}",
                roles_fieldset(rp, "Roles per legal entity", &hint, &selected, errors)
            )
        }
    };
    let kind = match (user.kind, &user.identity) {
        (UserKind::Internal, _) => "Internal user, managed here.".to_owned(),
        (UserKind::External, Some(i)) => format!(
            "External user of {} ({}).",
            escape(&i.provider),
            if policy == RolePolicy::FromProvider {
                "the provider assigns roles: read-only"
            } else {
                "roles managed here: only roles are editable"
            }
        ),
        (UserKind::External, None) => "External user.".to_owned(),
    };
    let body = format!(
        "<p><a href=\"/admin/users\">Back to the users</a></p>\n{}{}<p id=\"kind\">{kind}</p>\n\
<form method=\"post\" action=\"/admin/users/{}\" id=\"user-form\">\n{fields}{roles}\
<div class=\"toolbar\"><button type=\"submit\" id=\"save\">Save</button></div>\n</form>\n",
        notice(done),
        errors.summary("The edit was refused"),
        user.id,
    );
    admin_page(status, &format!("User {}", user.username), &body)
}

fn unknown(id: &str) -> Response {
    admin_page(
        StatusCode::NOT_FOUND,
        "Unknown user",
        &format!(
            "<p class=\"err\" id=\"error-message\">No user with id {}. <a href=\"/admin/users\">Back to the users</a></p>",
            escape(id)
        ),
    )
}

fn stored(rp: &Rp, id: &str) -> Option<User> {
    let id: UserId = id.parse().ok()?;
    rp.store.user(id).ok().flatten()
}

/// `GET /admin/users/{id}`.
pub(super) async fn show(
    State(rp): State<Arc<Rp>>,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    match stored(&rp, &id) {
        Some(user) => page(
            &rp,
            &user,
            None,
            &FieldErrors::default(),
            StatusCode::OK,
            done.done.as_deref(),
        ),
        None => unknown(&id),
    }
}

/// `POST /admin/users/{id}`: the changed fields, as a patch.
pub(super) async fn submit(
    State(rp): State<Arc<Rp>>,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Some(user) = stored(&rp, &id) else {
        return unknown(&id);
    };
    let form = Submitted(pairs);
    let mut patch = UserPatch::default();
    for (field, _) in TEXT_FIELDS {
        if let Some(value) = form.get(field.as_str()) {
            let value = value.trim().to_owned();
            if value != current(&user, field) {
                set(&mut patch, field, value);
            }
        }
    }
    if form.checked("roles_shown") {
        let roles = roles_of(&form);
        if roles != without_empty(&user.roles) {
            patch.roles = Some(roles);
        }
    }
    match rp.edit_user(user.id, &patch) {
        Ok(_) => see_other(&format!("/admin/users/{}?done=user-saved", user.id)),
        Err(e) => {
            let mut errors = FieldErrors::default();
            let input = match &e {
                EditError::NotEditable { field, .. } => Some(field.as_str().to_owned()),
                EditError::Invalid(e) => directory_input(e),
            };
            errors.add(input, e.to_string());
            let status = match &e {
                EditError::Invalid(crate::users::DirectoryError::Store(_)) => {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
                _ => StatusCode::BAD_REQUEST,
            };
            page(&rp, &user, Some(&form), &errors, status, None)
        }
    }
}

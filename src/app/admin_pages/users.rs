//! `/admin/users`: the user directory — internal and external users, their type and roles per
//! legal entity — with invitations of external users and new internal users, through the
//! same store methods as the admin API.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::html::{
    Done, FieldErrors, Submitted, admin_page, blank_then, first_view, notice, see_other,
};
use crate::app::pages::escape;
use crate::app::state::Rp;
use crate::users::{
    DirectoryError, Invitation, LegalEntity, NewInternalUser, RolePolicy, RolesByEntity, User,
    UserKind,
};

/// The input a directory refusal concerns, by the names the user forms give their inputs.
pub(super) fn directory_input(e: &DirectoryError) -> Option<String> {
    let input = match e {
        DirectoryError::Empty { field } => field,
        DirectoryError::UnknownLegalEntity { .. }
        | DirectoryError::UnknownRole { .. }
        | DirectoryError::RoleNotAllowed { .. }
        | DirectoryError::RolesFromProvider { .. } => "roles",
        DirectoryError::UnknownUserType { .. } => "user_type",
        DirectoryError::UnknownProvider { .. } => "provider",
        DirectoryError::UsernameTaken { .. } => "username",
        DirectoryError::IdentityTaken { .. } => "external_id",
        _ => return None,
    };
    Some(input.to_owned())
}

/// Roles per legal entity from the checkboxes named `roles.{legal entity id}`.
pub(super) fn roles_of(form: &Submitted) -> RolesByEntity {
    let mut roles = RolesByEntity::new();
    for (k, v) in &form.0 {
        if let Some(entity) = k.strip_prefix("roles.") {
            roles
                .entry(entity.to_owned())
                .or_default()
                .insert(v.clone());
        }
    }
    roles
}

/// Checkboxes for `roles` in every legal entity, `selected` checked, errors under them.
pub(super) fn roles_fieldset(
    rp: &Rp,
    legend: &str,
    hint: &str,
    selected: &RolesByEntity,
    errors: &FieldErrors,
) -> String {
    let entities = rp.store.legal_entities().unwrap_or_default();
    let roles = rp.store.roles().unwrap_or_default();
    let (_, messages) = errors.marks("roles");
    let mut groups = String::new();
    for (i, LegalEntity { id, name }) in entities.iter().enumerate() {
        let boxes: String = roles
            .iter()
            .enumerate()
            .map(|(j, role)| {
                let on = if selected.get(id).is_some_and(|r| r.contains(role)) {
                    " checked"
                } else {
                    ""
                };
                format!(
                    "<input type=\"checkbox\" id=\"roles-{i}-{j}\" name=\"roles.{}\" value=\"{}\"{on}> <label for=\"roles-{i}-{j}\">{}</label> ",
                    escape(id),
                    escape(role),
                    escape(role)
                )
            })
            .collect();
        groups.push_str(&format!(
            "<fieldset><legend>{} <code>{}</code></legend>{boxes}</fieldset>\n",
            escape(name),
            escape(id)
        ));
    }
    if entities.is_empty() || roles.is_empty() {
        groups.push_str("<p class=\"hint\">No legal entity or no role exists yet.</p>");
    }
    format!(
        "<fieldset id=\"roles\"><legend>{}</legend><p class=\"hint\">{}</p>{groups}{messages}</fieldset>\n",
        escape(legend),
        escape(hint)
    )
}

fn roles_cell(rp: &Rp, user: &User, entity_names: &[LegalEntity]) -> String {
    if let Some(identity) = &user.identity
        && rp.role_policy(&identity.provider) == RolePolicy::FromProvider
    {
        // The billing seed: roles provided by the identity provider are not shown.
        return format!(
            "<em>Assigned by {} at each sign-in</em>",
            escape(&identity.provider)
        );
    }
    let items: String = user
        .roles
        .iter()
        .filter(|(_, roles)| !roles.is_empty())
        .map(|(entity, roles)| {
            let name = entity_names
                .iter()
                .find(|e| &e.id == entity)
                .map_or(entity.as_str(), |e| e.name.as_str());
            let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
            format!("<li>{}: {}</li>", escape(name), escape(&roles.join(", ")))
        })
        .collect();
    if items.is_empty() {
        "none".into()
    } else {
        format!("<ul>{items}</ul>")
    }
}

fn users_table(rp: &Rp) -> String {
    let users = rp.store.users().unwrap_or_default();
    let entities = rp.store.legal_entities().unwrap_or_default();
    let mut rows = String::new();
    for u in &users {
        let kind = match (u.kind, u.invited) {
            (UserKind::Internal, _) => "Internal".to_owned(),
            (UserKind::External, false) => "External".to_owned(),
            (UserKind::External, true) => "External (invited, not signed in yet)".to_owned(),
        };
        let identity = u
            .identity
            .as_ref()
            .map(|i| {
                format!(
                    "{} <code>{}</code>",
                    escape(&i.provider),
                    escape(&i.external_id)
                )
            })
            .unwrap_or_else(|| "—".into());
        rows.push_str(&format!(
            "<tr id=\"user-{id}\"><th scope=\"row\"><a href=\"/admin/users/{id}\">{}</a></th><td>{kind}</td><td>{}</td><td>{identity}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&u.username),
            escape(&u.user_type),
            escape(u.email.as_deref().unwrap_or("")),
            roles_cell(rp, u, &entities),
            id = u.id,
        ));
    }
    if rows.is_empty() {
        rows = "<tr><td colspan=\"6\">No users yet.</td></tr>\n".into();
    }
    format!(
        "<table id=\"users\"><caption>Users</caption><thead><tr><th scope=\"col\">Username</th>\
<th scope=\"col\">Kind</th><th scope=\"col\">User type</th><th scope=\"col\">Identity provider and external id</th>\
<th scope=\"col\">Email</th><th scope=\"col\">Roles per legal entity</th></tr></thead>\n<tbody>{rows}</tbody></table>\n"
    )
}

fn user_types_table(rp: &Rp) -> String {
    let rows: String = rp
        .store
        .user_types()
        .unwrap_or_default()
        .iter()
        .map(|t| {
            let join = |s: &std::collections::BTreeSet<String>| {
                escape(&s.iter().cloned().collect::<Vec<_>>().join(", "))
            };
            format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
                escape(&t.name),
                join(&t.allowed_roles),
                join(&t.default_roles)
            )
        })
        .collect();
    format!(
        "<table id=\"user-types\"><caption>User types</caption><thead><tr><th scope=\"col\">Name</th>\
<th scope=\"col\">Allowed roles</th><th scope=\"col\">Default roles</th></tr></thead><tbody>{rows}</tbody></table>\n"
    )
}

/// The names of the user types, for drop-downs.
pub(super) fn user_type_names(rp: &Rp) -> Vec<String> {
    rp.store
        .user_types()
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.name)
        .collect()
}

fn user_type_select(rp: &Rp, form: &Submitted, errors: &FieldErrors) -> String {
    let options = blank_then("(choose)", &user_type_names(rp));
    form.choice("User type", "user_type", &options, errors)
}

fn page(
    rp: &Rp,
    status: StatusCode,
    form: &Submitted,
    errors: &FieldErrors,
    done: Option<&str>,
) -> Response {
    let providers: Vec<String> = rp.providers().into_iter().map(|p| p.name).collect();
    let provider_options = blank_then("(choose)", &providers);
    let body = format!(
        "{notice}<p>Internal users are managed here. External users come from an identity provider: \
created at their first sign-in, or invited (pre-created) below, and updated at each sign-in. \
An external user's external id and email belong to the provider; when the provider assigns roles \
the user is read-only, otherwise only roles are editable.</p>\n\
<p><a class=\"button\" href=\"/admin/users/new\" id=\"add-internal\">Add an internal user</a></p>\n\
{users}{types}<h2 id=\"invite\">Invite an external user</h2>\n{summary}\
<form method=\"post\" action=\"/admin/invitations\" id=\"invite-form\">\n\
{provider}{external_id}{email}{user_type}{roles}\
<div class=\"toolbar\"><button type=\"submit\">Invite</button></div>\n</form>\n",
        notice = notice(done),
        users = users_table(rp),
        types = user_types_table(rp),
        summary = errors.summary("The invitation was refused"),
        provider = form.choice("Identity provider", "provider", &provider_options, errors),
        external_id = form.input(
            "text",
            "External id (the user's identity claim at the provider)",
            "external_id",
            errors
        ),
        email = form.input("email", "Email (also the username)", "email", errors),
        user_type = user_type_select(rp, form, errors),
        roles = roles_fieldset(
            rp,
            "Roles",
            "Leave empty for the user type's default roles. Not possible when the provider assigns roles (one role for all legal entities, role per legal entity): its roles are assigned at the first sign-in.",
            &roles_of(form),
            errors
        ),
    );
    admin_page(status, "Users", &body)
}

fn new_user_page(rp: &Rp, status: StatusCode, form: &Submitted, errors: &FieldErrors) -> Response {
    let body = format!(
        "<p><a href=\"/admin/users\">Back to the users</a></p>\n{summary}\
<form method=\"post\" action=\"/admin/users\" id=\"internal-form\">\n{username}{email}{user_type}{roles}\
<div class=\"toolbar\"><button type=\"submit\">Add user</button></div>\n</form>\n",
        summary = errors.summary("The user was not added"),
        username = form.input("text", "Username", "username", errors),
        email = form.input("email", "Email", "email", errors),
        user_type = user_type_select(rp, form, errors),
        roles = roles_fieldset(
            rp,
            "Roles",
            "Leave empty for the user type's default roles.",
            &roles_of(form),
            errors
        ),
    );
    admin_page(status, "Add an internal user", &body)
}

/// `GET /admin/users`.
pub(super) async fn directory(State(rp): State<Arc<Rp>>, Query(done): Query<Done>) -> Response {
    first_view(page, &rp, &done)
}

/// `GET /admin/users/new`.
pub(super) async fn new_user(State(rp): State<Arc<Rp>>) -> Response {
    new_user_page(
        &rp,
        StatusCode::OK,
        &Submitted::default(),
        &FieldErrors::default(),
    )
}

fn status_of(e: &DirectoryError) -> StatusCode {
    match e {
        DirectoryError::UsernameTaken { .. } | DirectoryError::IdentityTaken { .. } => {
            StatusCode::CONFLICT
        }
        DirectoryError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn refusal(e: &DirectoryError) -> FieldErrors {
    let mut errors = FieldErrors::default();
    errors.add(directory_input(e), e.to_string());
    errors
}

/// `POST /admin/invitations`: pre-creates an external user.
pub(super) async fn invite(
    State(rp): State<Arc<Rp>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = Submitted(pairs);
    let roles = roles_of(&form);
    let invitation = Invitation {
        provider: form.text("provider"),
        external_id: form.text("external_id").trim().to_owned(),
        email: form.text("email").trim().to_owned(),
        user_type: form.text("user_type"),
        roles: (!roles.is_empty()).then_some(roles),
    };
    match rp.invite(&invitation) {
        Ok(_) => see_other("/admin/users?done=invited"),
        Err(e) => page(&rp, status_of(&e), &form, &refusal(&e), None),
    }
}

/// `POST /admin/users`: creates an internal user.
pub(super) async fn add_internal(
    State(rp): State<Arc<Rp>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = Submitted(pairs);
    let roles = roles_of(&form);
    let user = NewInternalUser {
        username: form.text("username").trim().to_owned(),
        user_type: form.text("user_type"),
        email: form.optional("email"),
        roles: (!roles.is_empty()).then_some(roles),
        ..NewInternalUser::default()
    };
    match rp.store.create_internal_user(&user) {
        Ok(_) => see_other("/admin/users?done=user-created"),
        Err(e) => new_user_page(&rp, status_of(&e), &form, &refusal(&e)),
    }
}

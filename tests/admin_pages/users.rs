//! `/admin/users` and `/admin/sign-ins`: the directory, edits where the rules allow them and
//! refusals naming the rule where they do not, invitations, recent sign-in outcomes.

use relying_party::users::{NewInternalUser, User};
use reqwest::StatusCode;

use crate::common::Rig;
use crate::{form_fields, get, post, set, submit};

/// Acme stored (roles from the provider), alice signed in once (external, created), and an
/// internal user.
async fn directory() -> (Rig, User, User) {
    let rig = Rig::new().await;
    rig.configure(rig.settings("authorization_code", None))
        .await
        .expect("configured");
    let landing = rig.sign_in(&rig.agent(), "Acme", "login_hint=alice").await;
    assert_eq!(landing.url.path(), "/me", "{:?}", rig.last_refusal());
    let internal = rig
        .rp
        .rp
        .store
        .create_internal_user(&NewInternalUser {
            username: "ines".into(),
            user_type: "employee".into(),
            email: Some("ines@example.test".into()),
            ..NewInternalUser::default()
        })
        .expect("internal user");
    let alice = rig
        .rp
        .rp
        .store
        .user_by_identity("Acme", "alice-sub")
        .expect("store")
        .expect("alice");
    (rig, alice, internal)
}

#[tokio::test]
async fn the_directory_shows_kind_type_and_roles_per_legal_entity() {
    let (rig, alice, internal) = directory().await;
    let page = get(&rig, "/admin/users").await;
    assert_eq!(page.status, StatusCode::OK);
    let row = |id: i64| {
        let start = page
            .body
            .find(&format!("<tr id=\"user-{id}\">"))
            .expect("row");
        page.body[start..start + page.body[start..].find("</tr>").expect("end")].to_owned()
    };
    let ines = row(internal.id);
    for shown in ["ines", "Internal", "employee", "Acme GmbH: viewer"] {
        assert!(ines.contains(shown), "expected {shown:?} in {ines}");
    }
    let alice_row = row(alice.id);
    for shown in [
        "External",
        "Acme <code>alice-sub</code>",
        "Assigned by Acme at each sign-in",
    ] {
        assert!(
            alice_row.contains(shown),
            "expected {shown:?} in {alice_row}"
        );
    }
    assert!(
        !alice_row.contains("billing"),
        "roles the provider assigns are not shown"
    );
}

#[tokio::test]
async fn edits_pass_where_allowed_and_name_the_rule_where_refused() {
    let (rig, alice, internal) = directory().await;
    let path = format!("/admin/users/{}", internal.id);
    let mut fields = form_fields(&get(&rig, &path).await, "user-form");
    set(&mut fields, "first_name", "Ines");
    fields.push(("roles.de".into(), "billing".into()));
    let saved = submit(&rig, &path, &fields, "").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.errors());
    let ines = rig
        .rp
        .rp
        .store
        .user(internal.id)
        .expect("store")
        .expect("ines");
    assert_eq!(ines.first_name.as_deref(), Some("Ines"));
    assert!(ines.roles["de"].contains("billing"));

    let path = format!("/admin/users/{}", alice.id);
    let page = get(&rig, &path).await;
    assert!(
        page.body
            .contains("id=\"first_name-hint\">Not editable: the user is read-only")
    );
    let fields = form_fields(&page, "user-form");
    let unchanged = submit(&rig, &path, &fields, "").await;
    assert_eq!(
        unchanged.status,
        StatusCode::SEE_OTHER,
        "untouched fields are not edits"
    );

    let mut renamed = fields.clone();
    set(&mut renamed, "first_name", "Alicia");
    let refused = submit(&rig, &path, &renamed, "").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_error_beside(
        "first_name",
        "first_name: expected an editable field, found a change to it: the user is read-only (its provider assigns roles on sign-in)",
    );
    assert!(
        refused.body.contains("value=\"Alicia\""),
        "the typed value stays"
    );

    let mut email = fields;
    set(&mut email, "email", "alice@elsewhere.test");
    submit(&rig, &path, &email, "")
        .await
        .assert_error_beside("email", "the identity provider owns it for external users");

    // With roles managed in the application, only roles are editable.
    let mut settings = rig.rp.rp.provider("Acme").expect("acme");
    settings.role_mapping = Default::default();
    rig.rp.rp.save_provider(&settings).expect("saved");
    let page = get(&rig, &path).await;
    let mut fields = form_fields(&page, "user-form");
    fields.push(("roles.de".into(), "billing".into()));
    let saved = submit(&rig, &path, &fields, "").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.errors());
    set(&mut fields, "phone", "+49 30 1234");
    submit(&rig, &path, &fields, "")
        .await
        .assert_error_beside("phone", "only roles are editable for external users");
}

#[tokio::test]
async fn invitations_follow_the_provider_role_policy() {
    let (rig, _, _) = directory().await;
    let invite = |roles: bool| {
        let mut form = vec![
            ("provider", "Acme"),
            ("external_id", "carol-sub"),
            ("email", "carol@acme.test"),
            ("user_type", "employee"),
        ];
        if roles {
            form.push(("roles.de", "viewer"));
        }
        let rig = &rig;
        async move { post(rig, "/admin/invitations", &form).await }
    };
    let refused = invite(true).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_error_beside(
        "roles",
        "roles: expected none, since provider \"Acme\" assigns roles on sign-in",
    );
    let invited = invite(false).await;
    assert_eq!(
        invited.status,
        StatusCode::SEE_OTHER,
        "{}",
        invited.errors()
    );
    let page = get(&rig, "/admin/users?done=invited").await;
    assert!(page.body.contains("External (invited, not signed in yet)"));
    let again = invite(false).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    again.assert_error_beside("external_id", "already bound");

    let missing = post(&rig, "/admin/invitations", &[("provider", "Acme")]).await;
    missing.assert_error_beside("external_id", "external_id: expected a non-empty value");
}

#[tokio::test]
async fn internal_users_are_added_from_their_own_page() {
    let (rig, _, _) = directory().await;
    let page = get(&rig, "/admin/users/new").await;
    assert!(
        page.body
            .contains("<label for=\"username\">Username</label>")
    );
    let zoe = [("username", "zoe"), ("user_type", "employee")];
    assert_eq!(
        post(&rig, "/admin/users", &zoe).await.status,
        StatusCode::SEE_OTHER
    );
    let taken = post(
        &rig,
        "/admin/users",
        &[("username", "ZOE"), ("user_type", "employee")],
    )
    .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    taken.assert_error_beside("username", "already taken");
    assert_eq!(
        get(&rig, "/admin/users/999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&rig, "/admin/users/x").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn recent_sign_ins_show_provider_code_and_message() {
    let (rig, _, _) = directory().await;
    // A secret the provider does not know: the token request fails at the relying party.
    let mut settings = rig.rp.rp.provider("Acme").expect("acme");
    settings.client_secret = Some(relying_party::settings::Secret::new("wrong"));
    rig.rp.rp.save_provider(&settings).expect("saved");
    let refused = rig.sign_in(&rig.agent(), "Acme", "login_hint=alice").await;
    assert_ne!(refused.url.path(), "/me");
    let page = get(&rig, "/admin/sign-ins").await;
    assert_eq!(page.status, StatusCode::OK);
    let newest = &page.body[page.body.find("<tr id=\"sign-in-0\">").expect("a row")..];
    let newest = &newest[..newest.find("</tr>").expect("end")];
    assert!(
        newest.contains("Refused") && newest.contains("<td>Acme</td>"),
        "{newest}"
    );
    let code = rig.last_refusal().expect("a refusal");
    let code = code.split(' ').next().expect("code");
    assert!(newest.contains(&format!("<code>{code}</code>")), "{newest}");
    let older = &page.body[page.body.find("<tr id=\"sign-in-1\">").expect("a row")..];
    assert!(older.contains("Signed in") && older.contains("(created)"));
    assert!(page.body.contains(" UTC</time>"));
}

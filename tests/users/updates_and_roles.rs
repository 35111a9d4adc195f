//! What later sign-ins change, role mapping, invitations, edit rules and provider renames.

use super::*;

#[test]
fn second_sign_in_updates_fields_and_replaces_roles() {
    let dir = TempDir::new("refresh");
    let store = open(&dir);
    let rules = Rules::new().roles_for_all();
    let mut first_claims = ann_claims();
    first_claims.insert(
        "groups".into(),
        json!(["app-viewers", "app-editors", "app-admins"]),
    );
    let first = rules.sign_in(&store, "sub-ann", &first_claims).unwrap();
    assert_eq!(first.how, SignInHow::Created);
    // Customers may not be admins: dropped and reported.
    assert_eq!(
        first.user.roles,
        roles(&[
            ("le1", &["editor", "viewer"]),
            ("le2", &["editor", "viewer"])
        ])
    );
    assert_eq!(
        first.dropped_roles,
        [DroppedRole {
            role: "admin".into(),
            legal_entity: None,
            reason: DropReason::NotAllowedForUserType
        }]
    );

    // The provider changed the name and groups; the email claim is unverified this time.
    let second_claims = claims(json!({
        "email": "new@example.com", "email_verified": false,
        "given_name": "Anne", "family_name": "Lee", "name": "Anne Lee",
        "groups": "app-viewers",
    }));
    let second = rules.sign_in(&store, "sub-ann", &second_claims).unwrap();
    assert_eq!(second.how, SignInHow::Existing);
    assert_eq!(second.user.id, first.user.id);
    assert_eq!(
        second.updated_fields,
        [UserField::FirstName, UserField::DisplayName]
    );
    assert_eq!(second.user.first_name.as_deref(), Some("Anne"));
    assert_eq!(
        second.user.email.as_deref(),
        Some("ANN@example.com"),
        "kept: unverified"
    );
    assert_eq!(
        second.user.roles,
        roles(&[("le1", &["viewer"]), ("le2", &["viewer"])])
    );
    assert!(second.dropped_roles.is_empty());

    // No matching group at all: every role is taken away.
    let third = rules
        .sign_in(&store, "sub-ann", &claims(json!({})))
        .unwrap();
    assert!(third.user.roles.is_empty());
    assert_eq!(store.user(first.user.id).unwrap().unwrap(), third.user);
}

#[test]
fn role_per_legal_entity_assigns_in_each_rows_entity() {
    let dir = TempDir::new("per-entity");
    let store = open(&dir);
    let mut rules = Rules::new();
    rules.role_mapping = RoleMapping {
        roles_from_provider: true,
        strategy: RoleStrategy::RolePerLegalEntity,
        rows: vec![
            role_row("le1-editors", "editor", Some("le1")),
            role_row("le2-viewers", "viewer", Some("le2")),
        ],
    };
    store
        .validate_user_rules(&rules.binding, &rules.creation, &rules.role_mapping)
        .unwrap();
    let mut c = ann_claims();
    c.insert("groups".into(), json!(["le1-editors", "le2-viewers"]));
    let outcome = rules.sign_in(&store, "sub-ann", &c).unwrap();
    assert_eq!(
        outcome.user.roles,
        roles(&[("le1", &["editor"]), ("le2", &["viewer"])])
    );

    // A row without a legal entity is refused when saved — and at sign-in.
    rules.role_mapping.rows[1].legal_entity = None;
    let error = store
        .validate_user_rules(&rules.binding, &rules.creation, &rules.role_mapping)
        .unwrap_err();
    assert_eq!(error.code(), "role_mapping.missing_legal_entity");
    let error = rules.sign_in(&store, "sub-ann", &c).unwrap_err();
    assert_eq!(error.code(), "role_mapping.invalid_rules");
}

#[test]
fn managed_roles_are_left_alone_by_sign_in() {
    let dir = TempDir::new("managed");
    let store = open(&dir);
    let rules = Rules::new();
    let created = rules.sign_in(&store, "sub-ann", &ann_claims()).unwrap();
    let edited = store
        .edit_user(
            created.user.id,
            &UserPatch {
                roles: Some(roles(&[("le2", &["editor"])])),
                ..UserPatch::default()
            },
            |_| rules.role_mapping.policy(),
        )
        .unwrap();
    let mut c = ann_claims();
    c.insert("groups".into(), json!(["app-admins"]));
    let again = rules.sign_in(&store, "sub-ann", &c).unwrap();
    assert_eq!(again.user.roles, edited.roles);
}

#[test]
fn invitations_are_bound_on_first_sign_in() {
    let dir = TempDir::new("invite");
    let store = open(&dir);
    let rules = Rules::new();
    let invited = store
        .invite(
            &Invitation {
                provider: PROVIDER.into(),
                external_id: "sub-ann".into(),
                email: "ann@example.com".into(),
                user_type: "staff".into(),
                roles: Some(roles(&[("le1", &["admin"])])),
            },
            rules.role_mapping.policy(),
        )
        .unwrap();
    assert!(invited.invited);
    // An internal user with the same email does not steal the invitation.
    internal(&store, "ann-internal", "ann@example.com", "Lee");

    let first = rules.sign_in(&store, "sub-ann", &ann_claims()).unwrap();
    assert_eq!(first.how, SignInHow::Invited);
    assert_eq!(first.user.id, invited.id);
    assert!(!first.user.invited);
    assert_eq!(
        first.user.user_type, "staff",
        "the invitation's type, not the creation rules'"
    );
    assert_eq!(first.user.roles, roles(&[("le1", &["admin"])]));
    assert_eq!(first.user.first_name.as_deref(), Some("Ann"));
    let second = rules.sign_in(&store, "sub-ann", &ann_claims()).unwrap();
    assert_eq!(second.how, SignInHow::Existing);
    assert_eq!(store.users().unwrap().len(), 2);
}

#[test]
fn invitations_take_no_roles_when_the_provider_assigns_them() {
    let dir = TempDir::new("invite-provider-roles");
    let store = open(&dir);
    let rules = Rules::new().roles_for_all();
    let mut invitation = Invitation {
        provider: PROVIDER.into(),
        external_id: "sub-ann".into(),
        email: "ann@example.com".into(),
        user_type: "customer".into(),
        roles: Some(roles(&[("le1", &["viewer"])])),
    };
    let error = store
        .invite(&invitation, rules.role_mapping.policy())
        .unwrap_err();
    assert_eq!(error.code(), "invitation.roles_from_provider");
    assert!(error.to_string().starts_with("roles:"));
    invitation.roles = None;
    let invited = store.invite(&invitation, RolePolicy::FromProvider).unwrap();
    assert!(invited.roles.is_empty());
    let mut c = ann_claims();
    c.insert("groups".into(), json!(["app-editors"]));
    let first = rules.sign_in(&store, "sub-ann", &c).unwrap();
    assert_eq!(first.how, SignInHow::Invited);
    assert_eq!(
        first.user.roles,
        roles(&[("le1", &["editor"]), ("le2", &["editor"])])
    );
}

#[test]
fn external_users_edit_rules() {
    let dir = TempDir::new("edit");
    let store = open(&dir);
    let rules = Rules::new();
    let user = rules
        .sign_in(&store, "sub-ann", &ann_claims())
        .unwrap()
        .user;
    let email = UserPatch {
        email: Some("other@example.com".into()),
        ..UserPatch::default()
    };
    let error = store
        .edit_user(user.id, &email, |_| RolePolicy::ManagedInApplication)
        .unwrap_err();
    assert!(matches!(
        error,
        EditError::NotEditable {
            reason: Refusal::ProviderIdentity,
            ..
        }
    ));
    let name = UserPatch {
        first_name: Some("X".into()),
        ..UserPatch::default()
    };
    let error = store
        .edit_user(user.id, &name, |_| RolePolicy::FromProvider)
        .unwrap_err();
    assert!(error.to_string().starts_with("first_name: "), "{error}");
    assert_eq!(store.user(user.id).unwrap().unwrap(), user);
}

#[test]
fn providers_rename_with_their_users_and_are_not_deleted_while_in_use() {
    let dir = TempDir::new("providers");
    let store = open(&dir);
    let created = Rules::new()
        .sign_in(&store, "sub-ann", &ann_claims())
        .unwrap();
    let error = store.delete_provider(PROVIDER).unwrap_err();
    assert_eq!(error.code(), "provider.in_use");
    store.rename_provider(PROVIDER, "corp2").unwrap();
    let moved = store.user_by_identity("corp2", "sub-ann").unwrap().unwrap();
    assert_eq!(moved.id, created.user.id);
    store.delete_user(moved.id).unwrap();
    store.delete_provider("corp2").unwrap();
    assert!(store.providers().unwrap().is_empty());
}

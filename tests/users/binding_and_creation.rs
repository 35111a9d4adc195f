//! Which user a sign-in binds to or creates, and how created users are named.

use super::*;

#[test]
fn open_creates_directories_and_keeps_data_across_reopen() {
    let dir = TempDir::new("reopen");
    let store = open(&dir);
    let version = store.schema_version().unwrap();
    assert!(version >= 2);
    assert!(dir.db().exists());
    drop(store);
    let store = Store::open(dir.db()).unwrap();
    assert_eq!(store.schema_version().unwrap(), version);
    assert_eq!(store.roles().unwrap(), ["admin", "editor", "viewer"]);
    assert_eq!(
        store.provider(PROVIDER).unwrap().as_deref(),
        Some(r#"{"issuer":"https://idp.example"}"#)
    );
}

#[test]
fn binding_binds_exactly_one_match() {
    let dir = TempDir::new("bind-one");
    let store = open(&dir);
    let ann = internal(&store, "ann", "ann@example.com", "Lee");
    let bob = internal(&store, "bob", "bob@example.com", "Lee");

    let outcome = Rules::new()
        .sign_in(&store, "sub-ann", &ann_claims())
        .unwrap();
    assert_eq!(outcome.how, SignInHow::Bound);
    assert_eq!(outcome.user.id, ann.id);
    assert_eq!(outcome.user.kind, UserKind::External);
    let identity = outcome.user.identity.clone().unwrap();
    assert_eq!(
        (identity.provider.as_str(), identity.external_id.as_str()),
        (PROVIDER, "sub-ann")
    );
    // Bound users are refreshed from the claims right away, but keep their username.
    assert_eq!(outcome.user.username, "ann");
    assert_eq!(outcome.user.email.as_deref(), Some("ANN@example.com"));
    assert_eq!(outcome.user.first_name.as_deref(), Some("Ann"));
    assert_eq!(
        outcome.updated_fields,
        [
            UserField::Email,
            UserField::FirstName,
            UserField::DisplayName
        ]
    );
    // Roles are managed in the application: untouched.
    assert_eq!(outcome.user.roles, ann.roles);
    assert_eq!(store.user(bob.id).unwrap().unwrap(), bob);
    assert_eq!(store.users().unwrap().len(), 2);

    // The next sign-in finds the bound user.
    let again = Rules::new()
        .sign_in(&store, "sub-ann", &ann_claims())
        .unwrap();
    assert_eq!(again.how, SignInHow::Existing);
    assert_eq!(again.user.id, ann.id);
    assert!(again.updated_fields.is_empty());
}

#[test]
fn binding_with_an_unverified_email_does_not_bind() {
    let dir = TempDir::new("bind-unverified");
    let store = open(&dir);
    let ann = internal(&store, "ann", "ann@example.com", "Lee");
    let mut unverified = ann_claims();
    unverified.insert("email_verified".into(), json!("true"));
    let mut rules = Rules::new();
    rules.creation.enabled = false;
    let error = rules.sign_in(&store, "sub-ann", &unverified).unwrap_err();
    assert_eq!(error.code(), "binding.no_user");
    assert_eq!(store.user(ann.id).unwrap().unwrap(), ann);
}

#[test]
fn binding_several_matches_is_ambiguous_and_stores_nothing() {
    let dir = TempDir::new("bind-many");
    let store = open(&dir);
    let ann = internal(&store, "ann", "ann@example.com", "Lee");
    let bob = internal(&store, "bob", "bob@example.com", "Lee");
    let mut rules = Rules::new();
    // email OR family name: Ann by email, Bob (and Ann) by family name.
    rules.binding.rows[0].operator = Op::Or;
    rules.binding.rows.push(binding_row(
        UserField::LastName,
        "family_name",
        "profile",
        false,
    ));

    let error = rules.sign_in(&store, "sub-ann", &ann_claims()).unwrap_err();
    assert_eq!(error.code(), "binding.ambiguous");
    match &error {
        UserRulesError::AmbiguousBinding { candidates } => assert_eq!(candidates, &["ann", "bob"]),
        other => panic!("{other}"),
    }
    assert!(
        error
            .to_string()
            .contains("expected exactly one matching user, found 2")
    );
    // Nothing bound, nothing created (creation is enabled but not reached).
    assert_eq!(store.users().unwrap(), [ann, bob]);
    assert_eq!(store.user_by_identity(PROVIDER, "sub-ann").unwrap(), None);
}

#[test]
fn binding_without_a_match_falls_through_to_creation() {
    let dir = TempDir::new("bind-none");
    let store = open(&dir);
    let bob = internal(&store, "bob", "bob@example.com", "Lee");

    let outcome = Rules::new()
        .sign_in(&store, "sub-ann", &ann_claims())
        .unwrap();
    assert_eq!(outcome.how, SignInHow::Created);
    assert_ne!(outcome.user.id, bob.id);
    assert_eq!(store.users().unwrap().len(), 2);
    assert_eq!(store.user(bob.id).unwrap().unwrap(), bob);

    // With creation off, the same sign-in is refused.
    let mut rules = Rules::new();
    rules.creation.enabled = false;
    let error = rules
        .sign_in(
            &store,
            "sub-carl",
            &claims(json!({"email": "carl@example.com", "email_verified": true})),
        )
        .unwrap_err();
    assert_eq!(error.code(), "binding.no_user");
    assert!(matches!(error, UserRulesError::NoUser { .. }));
}

#[test]
fn users_bound_elsewhere_are_not_binding_candidates() {
    let dir = TempDir::new("bind-elsewhere");
    let store = open(&dir);
    store.put_provider("other", "{}").unwrap();
    let ann = internal(&store, "ann", "ann@example.com", "Lee");
    let rules = Rules::new();
    let bound = rules.sign_in(&store, "sub-ann", &ann_claims()).unwrap();
    assert_eq!((bound.how, bound.user.id), (SignInHow::Bound, ann.id));
    // Another identity with Ann's email: Ann is taken, so a new user is created.
    let created = rules.sign_in(&store, "sub-ann-2", &ann_claims()).unwrap();
    assert_eq!(created.how, SignInHow::Created);
    assert_ne!(created.user.id, ann.id);
}

#[test]
fn creation_maps_claims_and_uses_the_type_template() {
    let dir = TempDir::new("create");
    let store = open(&dir);
    let mut rules = Rules::new();
    rules.binding.enabled = false;
    let outcome = rules
        .sign_in(
            &store,
            "sub-ann",
            &claims(json!({
                "preferred_username": "ann.lee",
                "email": "ann@example.com", "email_verified": true,
                "phone_number": "+1 555 0100", "phone_number_verified": false,
                "given_name": "Ann", "family_name": "Lee",
            })),
        )
        .unwrap();
    assert_eq!(outcome.how, SignInHow::Created);
    let user = &outcome.user;
    assert_eq!(user.username, "ann.lee");
    assert_eq!(user.kind, UserKind::External);
    assert!(!user.invited);
    assert_eq!(user.user_type, "customer");
    assert_eq!(user.email.as_deref(), Some("ann@example.com"));
    assert_eq!(user.phone, None, "the phone number was not verified");
    assert_eq!(user.display_name, None);
    assert_eq!(
        outcome.updated_fields,
        [
            UserField::Username,
            UserField::Email,
            UserField::FirstName,
            UserField::LastName
        ]
    );
    // Managed in the application: the type's default roles in every legal entity.
    assert_eq!(
        user.roles,
        roles(&[("le1", &["viewer"]), ("le2", &["viewer"])])
    );
    assert_eq!(
        store
            .user_by_identity(PROVIDER, "sub-ann")
            .unwrap()
            .as_ref(),
        Some(user)
    );
}

#[test]
fn created_usernames_fall_back_and_are_deduplicated() {
    let dir = TempDir::new("usernames");
    let store = open(&dir);
    internal(&store, "Ann@Example.com", "x@example.com", "X");
    let mut rules = Rules::new();
    rules.binding.enabled = false;
    // No preferred_username: the email, taken (ignoring case), so suffixed.
    let first = rules
        .sign_in(
            &store,
            "s1",
            &claims(json!({"email": "ann@example.com", "email_verified": true})),
        )
        .unwrap();
    assert_eq!(first.user.username, "ann@example.com-2");
    let second = rules
        .sign_in(
            &store,
            "s2",
            &claims(json!({"email": "ann@example.com", "email_verified": true})),
        )
        .unwrap();
    assert_eq!(second.user.username, "ann@example.com-3");
    // Neither username nor email: provider and external id.
    let third = rules
        .sign_in(&store, "s3", &claims(json!({"name": "Anon"})))
        .unwrap();
    assert_eq!(third.user.username, "corp:s3");
    assert_eq!(third.user.display_name.as_deref(), Some("Anon"));
    // An email the provider did not verify may fill the field, but names no account.
    let mut loose = rules.clone();
    for row in &mut loose.creation.rows {
        row.verified &= row.user_field != UserField::Email;
    }
    let fourth = loose
        .sign_in(&store, "s4", &claims(json!({"email": "boss@example.com"})))
        .unwrap();
    assert_eq!(fourth.user.username, "corp:s4");
    assert_eq!(fourth.user.email.as_deref(), Some("boss@example.com"));
}

#[test]
fn creation_off_and_binding_off_refuses() {
    let dir = TempDir::new("create-off");
    let store = open(&dir);
    let mut rules = Rules::new();
    rules.binding.enabled = false;
    rules.creation.enabled = false;
    let error = rules.sign_in(&store, "sub-ann", &ann_claims()).unwrap_err();
    assert_eq!(error.code(), "binding.no_user");
    assert!(store.users().unwrap().is_empty());
}

//! The users side against a real SQLite file: binding, creation, updates from the provider,
//! role mapping, invitations, edits, concurrency and all-or-nothing sign-ins.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use relying_party::store::Store;
use relying_party::users::{
    BindingRow, BindingRules, Claims, CreationRow, CreationRules, DropReason, DroppedRole,
    EditError, Invitation, LegalEntity, NewInternalUser, Op, Refusal, RoleMapping, RolePolicy,
    RoleRow, RoleStrategy, RolesByEntity, SignInError, SignInHow, SignInOutcome, SignInRequest,
    User, UserField, UserKind, UserPatch, UserType,
};
use serde_json::json;

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rp-users-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }

    fn db(&self) -> PathBuf {
        self.0.join("data").join("users.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const PROVIDER: &str = "corp";

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

fn roles(pairs: &[(&str, &[&str])]) -> RolesByEntity {
    pairs
        .iter()
        .map(|(entity, names)| ((*entity).to_owned(), set(names)))
        .collect()
}

fn claims(value: serde_json::Value) -> Claims {
    value.as_object().expect("claims are an object").clone()
}

fn scopes() -> Vec<String> {
    ["openid", "email", "profile", "phone", "roles"]
        .into_iter()
        .map(String::from)
        .collect()
}

/// A store on a fresh file with two legal entities, three roles, two user types and the
/// provider.
fn open(dir: &TempDir) -> Store {
    let store = Store::open(dir.db()).expect("open");
    seed(&store);
    store
}

fn seed(store: &Store) {
    store
        .put_provider(PROVIDER, r#"{"issuer":"https://idp.example"}"#)
        .unwrap();
    for role in ["viewer", "editor", "admin"] {
        store.create_role(role).unwrap();
    }
    for (id, name) in [("le1", "One Ltd"), ("le2", "Two GmbH")] {
        store
            .create_legal_entity(&LegalEntity {
                id: id.into(),
                name: name.into(),
            })
            .unwrap();
    }
    store
        .create_user_type(&UserType {
            name: "staff".into(),
            default_roles: set(&["editor"]),
            allowed_roles: set(&["viewer", "editor", "admin"]),
        })
        .unwrap();
    store
        .create_user_type(&UserType {
            name: "customer".into(),
            default_roles: set(&["viewer"]),
            allowed_roles: set(&["viewer", "editor"]),
        })
        .unwrap();
}

fn internal(store: &Store, username: &str, email: &str, last_name: &str) -> User {
    store
        .create_internal_user(&NewInternalUser {
            username: username.into(),
            user_type: "staff".into(),
            email: Some(email.into()),
            last_name: Some(last_name.into()),
            ..NewInternalUser::default()
        })
        .unwrap()
}

fn binding_row(field: UserField, claim: &str, scope: &str, verified: bool) -> BindingRow {
    BindingRow {
        active: true,
        open_brackets: String::new(),
        user_field: field,
        claim_type: claim.into(),
        verified,
        scope: scope.into(),
        close_brackets: String::new(),
        operator: Op::And,
    }
}

fn creation_row(field: UserField, claim: &str, scope: &str, verified: bool) -> CreationRow {
    CreationRow {
        active: true,
        user_field: field,
        claim_type: claim.into(),
        verified,
        scope: scope.into(),
    }
}

/// The provider's user rules, varied per test.
#[derive(Clone)]
struct Rules {
    binding: BindingRules,
    creation: CreationRules,
    role_mapping: RoleMapping,
}

impl Rules {
    /// Binding on verified email, creation of customers, roles managed in the application.
    fn new() -> Self {
        Self {
            binding: BindingRules {
                enabled: true,
                rows: vec![binding_row(UserField::Email, "email", "email", true)],
            },
            creation: CreationRules {
                enabled: true,
                user_type: "customer".into(),
                rows: vec![
                    creation_row(UserField::Username, "preferred_username", "profile", false),
                    creation_row(UserField::Email, "email", "email", true),
                    creation_row(UserField::Phone, "phone_number", "phone", true),
                    creation_row(UserField::FirstName, "given_name", "profile", false),
                    creation_row(UserField::LastName, "family_name", "profile", false),
                    creation_row(UserField::DisplayName, "name", "profile", false),
                ],
            },
            role_mapping: RoleMapping::default(),
        }
    }

    fn roles_for_all(mut self) -> Self {
        self.role_mapping = RoleMapping {
            roles_from_provider: true,
            strategy: RoleStrategy::OneRoleForAllLegalEntities,
            rows: vec![
                role_row("app-viewers", "viewer", None),
                role_row("app-editors", "editor", None),
                role_row("app-admins", "admin", None),
            ],
        };
        self
    }

    fn sign_in(
        &self,
        store: &Store,
        external_id: &str,
        claims: &Claims,
    ) -> Result<SignInOutcome, SignInError> {
        let scopes = scopes();
        store.apply_sign_in(&SignInRequest {
            provider: PROVIDER,
            external_id,
            claims,
            scopes: &scopes,
            binding: &self.binding,
            creation: &self.creation,
            role_mapping: &self.role_mapping,
        })
    }
}

fn role_row(value: &str, role: &str, entity: Option<&str>) -> RoleRow {
    RoleRow {
        active: true,
        claim_type: "groups".into(),
        scope: "roles".into(),
        claim_value: value.into(),
        role_name: role.into(),
        legal_entity: entity.map(Into::into),
    }
}

fn ann_claims() -> Claims {
    claims(json!({
        "sub": "sub-ann",
        "email": "ANN@example.com",
        "email_verified": true,
        "given_name": "Ann",
        "family_name": "Lee",
        "name": "Ann Lee",
    }))
}

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
        SignInError::AmbiguousBinding { candidates } => assert_eq!(candidates, &["ann", "bob"]),
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
    assert!(matches!(error, SignInError::NoUser { .. }));
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

#[test]
fn concurrent_first_sign_ins_create_one_user() {
    const THREADS: usize = 16;
    let dir = TempDir::new("concurrent");
    let shared = open(&dir);
    let rules = Rules::new().roles_for_all();
    let barrier = Arc::new(Barrier::new(THREADS));
    let db: &Path = &dir.db();
    let outcomes: Vec<Result<SignInOutcome, SignInError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let barrier = Arc::clone(&barrier);
                let rules = rules.clone();
                let shared = shared.clone();
                scope.spawn(move || {
                    // Half the threads share one store, half open their own connection.
                    let store = if i % 2 == 0 {
                        shared
                    } else {
                        Store::open(db).unwrap()
                    };
                    let mut c = ann_claims();
                    c.insert("groups".into(), json!(["app-viewers"]));
                    barrier.wait();
                    rules.sign_in(&store, "sub-race", &c)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let outcomes: Vec<SignInOutcome> = outcomes
        .into_iter()
        .map(|outcome| outcome.expect("every concurrent sign-in succeeds"))
        .collect();
    let users = shared.users().unwrap();
    assert_eq!(users.len(), 1, "{users:?}");
    assert!(outcomes.iter().all(|o| o.user.id == users[0].id));
    let created = outcomes
        .iter()
        .filter(|o| o.how == SignInHow::Created)
        .count();
    let existing = outcomes
        .iter()
        .filter(|o| o.how == SignInHow::Existing)
        .count();
    assert_eq!((created, existing), (1, THREADS - 1));
    assert_eq!(
        users[0].roles,
        roles(&[("le1", &["viewer"]), ("le2", &["viewer"])])
    );
}

#[test]
fn concurrent_sign_ins_of_different_identities_all_land() {
    const THREADS: usize = 8;
    let dir = TempDir::new("concurrent-many");
    let shared = open(&dir);
    let mut rules = Rules::new();
    rules.binding.enabled = false;
    let db = dir.db();
    std::thread::scope(|scope| {
        for i in 0..THREADS {
            let rules = rules.clone();
            let db = db.clone();
            scope.spawn(move || {
                let store = Store::open(db).unwrap();
                for round in 0..3 {
                    // Same email for everyone: usernames must still come out unique.
                    let outcome = rules
                        .sign_in(&store, &format!("sub-{i}"), &ann_claims())
                        .unwrap();
                    let expected = if round == 0 {
                        SignInHow::Created
                    } else {
                        SignInHow::Existing
                    };
                    assert_eq!(outcome.how, expected);
                }
            });
        }
    });
    let users = shared.users().unwrap();
    assert_eq!(users.len(), THREADS);
    let usernames: BTreeSet<_> = users.iter().map(|u| u.username.to_lowercase()).collect();
    assert_eq!(usernames.len(), THREADS);
}

#[test]
fn nothing_is_stored_when_a_sign_in_fails() {
    let dir = TempDir::new("atomic");
    let store = open(&dir);

    // Creation with a user type that does not exist.
    let mut rules = Rules::new();
    rules.creation.user_type = "ghost".into();
    let error = rules.sign_in(&store, "sub-ann", &ann_claims()).unwrap_err();
    assert_eq!(error.code(), "creation.unknown_user_type");
    assert!(store.users().unwrap().is_empty());

    // Invalid binding rules refuse the sign-in before anything happens.
    let mut rules = Rules::new();
    rules.binding.rows[0].open_brackets = "(".into();
    let error = rules.sign_in(&store, "sub-ann", &ann_claims()).unwrap_err();
    assert_eq!(error.code(), "binding.invalid_rules");
    assert!(store.users().unwrap().is_empty());

    // A failure after the invitation flag, fields and roles were written rolls all back.
    let invited = store
        .invite(
            &Invitation {
                provider: PROVIDER.into(),
                external_id: "sub-ann".into(),
                email: "ann@example.com".into(),
                user_type: "customer".into(),
                roles: None,
            },
            RolePolicy::FromProvider,
        )
        .unwrap();
    let raw = rusqlite::Connection::open(dir.db()).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER refuse_editors BEFORE INSERT ON user_roles
         WHEN NEW.role = 'editor' BEGIN SELECT RAISE(ABORT, 'no editors today'); END;",
    )
    .unwrap();
    drop(raw);
    let rules = Rules::new().roles_for_all();
    let mut c = ann_claims();
    c.insert("groups".into(), json!(["app-viewers", "app-editors"]));
    let error = rules.sign_in(&store, "sub-ann", &c).unwrap_err();
    assert!(matches!(error, SignInError::Store(_)), "{error}");
    let after = store.user(invited.id).unwrap().unwrap();
    assert_eq!(after, invited, "flag, fields and roles are as before");
    assert_eq!(store.users().unwrap().len(), 1);
}

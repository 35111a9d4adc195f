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
    RoleRow, RoleStrategy, RolesByEntity, SignInHow, SignInOutcome, SignInRequest, User, UserField,
    UserKind, UserPatch, UserRulesError, UserType,
};
use serde_json::json;

mod binding_and_creation;
mod concurrency;
mod updates_and_roles;

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
    ) -> Result<SignInOutcome, UserRulesError> {
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

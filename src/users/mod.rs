//! # The users side of the relying party
//!
//! Once the OpenID Connect side has validated an ID token, it hands the claims to
//! [`Store::apply_sign_in`](crate::store::Store::apply_sign_in), which finds, binds or creates
//! the application user and refreshes its fields and roles. The admin API manages the rest
//! through the [`Store`](crate::store::Store) methods of this module: legal entities, roles,
//! user types, internal users, invitations and edits.
//!
//! The behaviour follows two vendor documents: a billing product's single sign-on (internal
//! and external users, just-in-time creation, updates from the identity provider,
//! invitations, fields that cannot be edited, role assignment strategies) and an ERP's
//! OpenID provider form (binding rules, creation rules with a user type template, role
//! mapping rules). Where they are vague, the choices below are this implementation's.
//!
//! ## Model
//!
//! - **Legal entities** (`id`, `name`): the companies roles are assigned in.
//! - **Roles**: names.
//! - **User types**: templates with `allowed_roles` (the only roles a user of the type may
//!   hold) and `default_roles` (given to new users when roles are managed in the
//!   application). Default roles must be among the allowed roles, and every allowed role
//!   must exist. An empty `allowed_roles` means the type can hold no role at all.
//! - **Users**: `id`, `username` (unique, ignoring ASCII case), `kind` (`internal` or
//!   `external`), `user_type`, the fields `email`, `phone`, `first_name`, `last_name`,
//!   `display_name` (optional; an empty value is stored as absent), an optional identity
//!   `(provider, external_id)`, roles per legal entity, and an `invited` flag.
//!   - A user has **at most one identity**, at one provider; `(provider, external_id)` is
//!     unique. A user is `external` exactly when it has an identity (a database constraint),
//!     and only external users can be `invited`.
//!   - Roles are stored per legal entity. "In every legal entity" means the legal entities
//!     that exist at that moment; a legal entity created later gives nobody roles until the
//!     next assignment (for provider-assigned roles: the next sign-in).
//!   - Every assignment is limited to the user type's `allowed_roles`: admin assignments
//!     outside it are refused, mapped roles outside it are dropped and reported.
//!
//! ## Claims
//!
//! Binding, creation and role mapping rows each name a `claim_type` and the `scope` it
//! comes with. A row may use a claim only when:
//! - the claim is present in the ID token and not `null`;
//! - its `scope` is among the granted scopes the caller passes (the requested ones when the
//!   provider does not say which it granted);
//! - when the row is `verified` — allowed only for `email` and `phone_number` — the
//!   companion claim `email_verified` / `phone_number_verified` is JSON `true`. A missing
//!   companion, `false`, or the *string* `"true"` all count as unverified.
//!
//! Claim values are read as text: strings as they are, numbers and booleans as their JSON
//! text; empty strings, arrays and objects give no value (role mapping also reads arrays,
//! see below).
//!
//! ## Settings as JSON
//!
//! The rule types are serde types (snake_case enums) meant to be embedded in the provider
//! settings: every field with a natural default may be omitted — `enabled` and
//! `roles_from_provider` default to off, `strategy` to `managed_in_application`, rows'
//! `active` to **true**, `verified` to false, brackets to empty, `operator` to `and`,
//! `legal_entity` to none — and unknown fields are refused, so a typo fails when settings
//! are saved instead of silently doing nothing.
//!
//! ## Binding rules ([`BindingRules`])
//!
//! On a first sign-in (no user has the identity), when `enabled`, the rules are tested
//! against every user without an identity — that is, every internal user. Users bound to
//! another provider are not candidates: their identity belongs to that provider.
//!
//! - Each **active** row is a condition: the user's `user_field` equals the claim's value.
//!   Emails compare ignoring case (Unicode lowercase); phones compare on their digits and a
//!   leading `+` (so `+1 (555) 010` equals `+1555010` but not `1555010`); every other field
//!   compares exactly. A user field that is not set, or a claim without a value, never
//!   matches.
//! - **Inactive rows are removed first, brackets and operator included**; the operator of
//!   each remaining row joins it to the next remaining row, and the last row's operator is
//!   ignored.
//! - `open_brackets` may hold only `(` and `close_brackets` only `)` (no spaces). AND binds
//!   tighter than OR; brackets override.
//! - Exactly one matching user is bound: it gets the identity and **becomes external** —
//!   from then on its provider manages it (fields refreshed on sign-in, the edit rules of
//!   external users apply). This keeps "external ⇔ has an identity" without exception.
//! - Several matches refuse the sign-in (`binding.ambiguous`, naming the candidates); none
//!   falls through to creation.
//! - [`BindingRules::validate`] (called when settings are saved) parses the active rows and
//!   names the 1-based row (counted among all rows) of: a bracket column with another
//!   character, an unclosed `(` (the row that opened it), an unmatched `)`, an empty
//!   `claim_type` or `scope`, `verified` on a claim other than `email` / `phone_number`; and
//!   refuses enabled rules without an active row. Disabled rules are checked too, so
//!   enabling them later cannot fail. [`BindingExpr`] displays the parsed expression, e.g.
//!   `#1 OR (#2 AND #3)`.
//!
//! ## Creation rules ([`CreationRules`])
//!
//! When no user is bound or bound by the rules and creation is `enabled`, an external user
//! is created from the `user_type` template.
//!
//! - Active rows map claims into fields; a row whose claim is unusable (see Claims) assigns
//!   nothing. **The first active row that yields a value wins** for its field, so later rows
//!   are fallbacks (e.g. `display_name` from `name`, else from `nickname`).
//! - Username: the mapped `username`, else the mapped `email`, else
//!   `{provider}:{external_id}`; if taken (ignoring ASCII case), `-2`, `-3`, … is appended.
//! - **Updates from the provider**: on every sign-in of a bound user (existing, invited or
//!   just bound), the same active rows refresh its fields — whether creation is enabled or
//!   not (`enabled` only governs creating users). The username is never changed after
//!   creation. A claim that is absent, unverified or of an ungranted scope leaves the field
//!   as it is (absence is not a statement that the value is empty).
//! - [`CreationRules::validate`] requires a `user_type` when enabled and checks the active
//!   rows like binding rows. Whether the user type exists is checked by
//!   [`Store::validate_user_rules`](crate::store::Store::validate_user_rules); if it
//!   vanished anyway, sign-in fails with `creation.unknown_user_type`.
//!
//! ## Role mapping ([`RoleMapping`])
//!
//! The [`RolePolicy`] is `from_provider` exactly when `roles_from_provider` is on and the
//! `strategy` is not `managed_in_application`; otherwise roles are managed in the
//! application.
//!
//! - **From the provider**: every sign-in *replaces* the user's roles with the mapped ones.
//!   An active row applies when its claim (with its scope granted) is a string equal to
//!   `claim_value`, or an array with an element equal to it. **A string is never split**:
//!   `"sales admin"` is one value, so a role named with a space cannot grant a shorter one.
//!   Comparison is exact.
//!   - `one_role_for_all_legal_entities`: each mapped role in every legal entity (rows must
//!     not name a legal entity).
//!   - `role_per_legal_entity`: each row's role in its `legal_entity` only (rows must name
//!     one).
//!   - The user's own type limits the roles (for created users, the creation rules' type).
//!     Roles that do not exist, legal entities that do not exist, and roles the type does
//!     not allow are dropped and reported in [`SignInOutcome::dropped_roles`].
//!   - No matching claim means no roles.
//! - **Managed in the application**: sign-in never touches roles. Created users get their
//!   type's `default_roles` in every legal entity.
//! - [`RoleMapping::validate`] refuses `roles_from_provider` with the
//!   `managed_in_application` strategy (a contradiction that would silently do nothing),
//!   `roles_from_provider` without an active row (every sign-in would strip all roles),
//!   empty `claim_type`, `scope`, `claim_value` or `role_name`, and a legal entity missing
//!   (`role_per_legal_entity`) or present (`one_role_for_all_legal_entities`) on an active
//!   row.
//!
//! ## Invitations ([`Invitation`])
//!
//! [`Store::invite`](crate::store::Store::invite) pre-creates an external, `invited` user
//! with its identity at an existing provider; its email is also its username (deduplicated).
//! When the provider's policy is `from_provider`, giving roles is refused (`roles`,
//! `invitation.roles_from_provider`) and the user has no roles until its first sign-in;
//! otherwise the given roles (checked against the type), or without any the type's default
//! roles in every legal entity. The first sign-in with the identity finds the user, clears
//! the flag and reports [`SignInHow::Invited`]; fields and roles are then refreshed like on
//! any sign-in.
//!
//! ## Edits ([`UserPatch`], [`check_editable`])
//!
//! A patch lists the fields to change (absent = unchanged, empty string = clear); the first
//! field that may not change is refused with [`EditError::NotEditable`] naming it:
//! - internal users: everything is editable but `external_id` (they have no identity);
//! - external users: `external_id` and `email` never; when their provider assigns roles, no
//!   field at all (read-only); when roles are managed in the application, only `roles`.
//!
//! A field is refused when present, even with its current value. The store does not parse
//! provider settings: [`Store::edit_user`](crate::store::Store::edit_user) asks the caller
//! for the [`RolePolicy`] of an external user's provider by name. Accepted values are
//! checked like at creation (free username, existing user type, existing roles and legal
//! entities, roles allowed by the — possibly new — user type).
//!
//! ## Sign-in ([`SignInRequest`] → [`SignInOutcome`])
//!
//! In one write transaction (nothing is written when it fails):
//! 1. a user with the identity → [`SignInHow::Existing`], or [`SignInHow::Invited`] if it was
//!    invited (the flag is cleared); fields and roles are refreshed;
//! 2. else binding, when enabled (see above) → [`SignInHow::Bound`], refreshed likewise;
//! 3. else creation, when enabled → [`SignInHow::Created`]; else `binding.no_user`.
//!
//! The three rule sets are validated first; invalid ones refuse the sign-in with
//! `binding.invalid_rules`, `creation.invalid_rules` or `role_mapping.invalid_rules` (they
//! should have been refused when saved). Every error has a stable
//! [`code`](UserRulesError::code).
//!
//! **Concurrency**: writes are `BEGIN IMMEDIATE` transactions, so concurrent sign-ins queue
//! on SQLite's write lock; should two first sign-ins of one identity still race, the UNIQUE
//! `(provider, external_id)` constraint fails the second insert, the transaction is rolled
//! back and run again, and then finds the first one's user. Either way exactly one user is
//! created. Candidates for binding are all users without identity, tested in memory: fine
//! for a reference relying party's user counts.
//!
//! ## Providers
//!
//! Provider settings are the OpenID Connect side's JSON (see [`crate::store`]); renaming a
//! provider moves its users' identities along, and deleting one is refused while users are
//! bound to it (a later provider of the same name, maybe another issuer, must not inherit
//! them).

mod binding;
mod claim_path;
mod claims;
mod creation;
mod db;
mod directory;
mod edit;
mod invitation;
mod model;
mod role_mapping;
mod rules;
mod sign_in;

pub use binding::{BindingExpr, BindingRow, BindingRuleError, BindingRules, BracketSide, Op};
pub use claim_path::{ClaimPath, ClaimPathError};
pub use claims::{ClaimRowError, Claims};
pub use creation::{CreationRow, CreationRuleError, CreationRules};
pub use directory::DirectoryError;
pub use edit::{EditError, EditField, Refusal, UserPatch, check_editable};
pub use invitation::Invitation;
pub use model::{
    Identity, LegalEntity, NewInternalUser, RolesByEntity, User, UserField, UserId, UserKind,
    UserType,
};
pub use role_mapping::{
    DropReason, DroppedRole, MappedRoles, RoleMapping, RoleMappingError, RolePolicy, RoleRow,
    RoleStrategy, RoleTargets,
};
pub use rules::RulesError;
pub use sign_in::{SignInHow, SignInOutcome, SignInRequest, UserRulesError};

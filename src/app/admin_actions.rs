//! The admin changes and checks that both the JSON admin API and the admin pages make: one
//! implementation of each, so the two surfaces cannot drift apart. Problems with provider
//! settings carry the place they concern ([`SettingsField`]), which the API flattens into
//! `"field: problem"` lines and the pages show beside the input.

use serde_json::Value;

use super::state::Rp;
use crate::discovery::{self, Finding};
use crate::settings::ProviderSettings;
use crate::store::StoreError;
use crate::users::{
    BindingRuleError, ClaimRowError, CreationRuleError, EditError, Invitation, RoleMappingError,
    RolePolicy, RulesError, User, UserId, UserPatch,
};

/// One of the three rule grids of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSet {
    /// User binding rules.
    Binding,
    /// User creation rules.
    Creation,
    /// Role mapping rules.
    RoleMapping,
}

impl RuleSet {
    /// The settings key of the rule set, also the prefix of its form inputs.
    pub fn key(self) -> &'static str {
        match self {
            Self::Binding => "binding",
            Self::Creation => "creation",
            Self::RoleMapping => "role_mapping",
        }
    }
}

/// Where a problem with provider settings lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsField {
    /// A field of the settings themselves (`issuer`, `token_endpoint`, ...).
    Setting(&'static str),
    /// A field of a rule set itself (`enabled`, `user_type`, `strategy`, ...).
    RuleSet {
        /// The rule set.
        rules: RuleSet,
        /// Its field.
        field: &'static str,
    },
    /// A column of one row of a rule grid.
    Row {
        /// The rule set.
        rules: RuleSet,
        /// The row, 1-based as in the messages.
        row: usize,
        /// The column.
        column: &'static str,
    },
    /// Nowhere on the form (the store failed).
    Nowhere,
}

/// A broken rule of provider settings, where it lies and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsProblem {
    /// Where.
    pub at: SettingsField,
    /// The line the admin API shows, "field: expected X, found Y".
    pub message: String,
}

fn claim_row_column(problem: &ClaimRowError) -> &'static str {
    match problem {
        ClaimRowError::EmptyClaimType | ClaimRowError::BadClaimPath(_) => "claim_type",
        ClaimRowError::EmptyScope => "scope",
        ClaimRowError::VerifiedNotSupported { .. } => "verified",
    }
}

fn binding_field(e: &BindingRuleError) -> SettingsField {
    let rules = RuleSet::Binding;
    let column = match e {
        BindingRuleError::NoActiveRows => {
            return SettingsField::RuleSet {
                rules,
                field: "enabled",
            };
        }
        BindingRuleError::BadBracket { side, .. } => match side {
            crate::users::BracketSide::Open => "open_brackets",
            crate::users::BracketSide::Close => "close_brackets",
        },
        BindingRuleError::UnclosedBracket { .. } => "open_brackets",
        BindingRuleError::UnmatchedCloseBracket { .. } => "close_brackets",
        BindingRuleError::Row { problem, .. } => claim_row_column(problem),
    };
    SettingsField::Row {
        rules,
        row: e.row().unwrap_or_default(),
        column,
    }
}

fn creation_field(e: &CreationRuleError) -> SettingsField {
    let rules = RuleSet::Creation;
    match e {
        CreationRuleError::MissingUserType => SettingsField::RuleSet {
            rules,
            field: "user_type",
        },
        CreationRuleError::Row { row, problem } => SettingsField::Row {
            rules,
            row: *row,
            column: claim_row_column(problem),
        },
    }
}

fn role_mapping_field(e: &RoleMappingError) -> SettingsField {
    let rules = RuleSet::RoleMapping;
    match e {
        RoleMappingError::ManagedStrategyWithProviderRoles => SettingsField::RuleSet {
            rules,
            field: "strategy",
        },
        RoleMappingError::NoActiveRows => SettingsField::RuleSet {
            rules,
            field: "roles_from_provider",
        },
        RoleMappingError::EmptyField { row, field } => SettingsField::Row {
            rules,
            row: *row,
            column: field,
        },
        RoleMappingError::BadClaimPath { row, .. } => SettingsField::Row {
            rules,
            row: *row,
            column: "claim_type",
        },
        RoleMappingError::MissingLegalEntity { row }
        | RoleMappingError::UnexpectedLegalEntity { row, .. } => SettingsField::Row {
            rules,
            row: *row,
            column: "legal_entity",
        },
    }
}

fn rules_field(e: &RulesError) -> SettingsField {
    match e {
        RulesError::Binding(e) => binding_field(e),
        RulesError::Creation(e) => creation_field(e),
        RulesError::RoleMapping(e) => role_mapping_field(e),
        RulesError::UnknownUserType { .. } => SettingsField::RuleSet {
            rules: RuleSet::Creation,
            field: "user_type",
        },
        RulesError::UnknownRole { row, .. } => SettingsField::Row {
            rules: RuleSet::RoleMapping,
            row: *row,
            column: "role_name",
        },
        RulesError::UnknownLegalEntity { row, .. } => SettingsField::Row {
            rules: RuleSet::RoleMapping,
            row: *row,
            column: "legal_entity",
        },
        RulesError::Store(_) => SettingsField::Nowhere,
    }
}

/// Why provider settings were not stored.
#[derive(Debug)]
pub enum StoreProviderError {
    /// Settings without endpoints, and the provider's metadata could not fill them in.
    Autoconfiguration(Vec<Finding>),
    /// The settings break rules.
    Invalid(Vec<SettingsProblem>),
}

/// Why a provider was not renamed.
#[derive(Debug, thiserror::Error)]
pub enum RenameError {
    /// The new name is empty.
    #[error("name: expected a display name, found an empty one")]
    EmptyName,
    /// Another provider has the new name.
    #[error("name: a provider named \"{0}\" exists")]
    Taken(String),
    /// The store failed, or the provider does not exist.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Rp {
    /// Every rule `settings` break, where: the checks of [`ProviderSettings::check`], then the
    /// store's check that the names the rules use exist.
    pub fn provider_problems(&self, settings: &ProviderSettings) -> Vec<SettingsProblem> {
        let mut problems: Vec<SettingsProblem> = settings
            .check(self.dev_mode())
            .into_iter()
            .map(|e| {
                // `check` reports a rule set's first error as one line under the set's name;
                // the rule set itself knows which row and column.
                let at = match e.field {
                    "binding" => settings.binding.validate().err().map(|e| binding_field(&e)),
                    "creation" => settings
                        .creation
                        .validate()
                        .err()
                        .map(|e| creation_field(&e)),
                    "role_mapping" => settings
                        .role_mapping
                        .validate()
                        .err()
                        .map(|e| role_mapping_field(&e)),
                    field => Some(SettingsField::Setting(field)),
                };
                SettingsProblem {
                    at: at.unwrap_or(SettingsField::Nowhere),
                    message: e.to_string(),
                }
            })
            .collect();
        if let Err(e) = self.store.validate_user_rules(
            &settings.binding,
            &settings.creation,
            &settings.role_mapping,
        ) {
            let line = e.to_string();
            if !problems.iter().any(|p| p.message.contains(&line)) {
                problems.push(SettingsProblem {
                    at: rules_field(&e),
                    message: line,
                });
            }
        }
        problems
    }

    /// Stores settings as `POST /api/admin/providers` and the provider pages do: without a
    /// client secret the stored one is kept (neither surface shows it back); without
    /// endpoints they are autoconfigured first, so issuer, client credentials and flow are
    /// enough to create a provider.
    pub async fn store_provider(
        &self,
        mut settings: ProviderSettings,
    ) -> Result<ProviderSettings, StoreProviderError> {
        if settings.client_secret.is_none() {
            settings.client_secret = self.provider(&settings.name).and_then(|p| p.client_secret);
        }
        let settings = self
            .with_discovered_endpoints(settings)
            .await
            .map_err(StoreProviderError::Autoconfiguration)?;
        self.save_provider(&settings).map_err(|_| {
            StoreProviderError::Invalid(match self.provider_problems(&settings) {
                problems if problems.is_empty() => vec![SettingsProblem {
                    at: SettingsField::Nowhere,
                    message: "the settings could not be stored".into(),
                }],
                problems => problems,
            })
        })?;
        Ok(settings)
    }

    /// Renames a provider ("Change Name"); its users' identities move along.
    pub fn rename_provider(&self, old: &str, new: &str) -> Result<ProviderSettings, RenameError> {
        let mut settings = self.provider(old).ok_or_else(|| {
            RenameError::Store(StoreError::UnknownProvider {
                name: old.to_owned(),
            })
        })?;
        if new.trim().is_empty() {
            return Err(RenameError::EmptyName);
        }
        if self.provider(new).is_some() {
            return Err(RenameError::Taken(new.to_owned()));
        }
        settings.name = new.to_owned();
        let json = serde_json::to_string(&settings).map_err(|e| {
            RenameError::Store(StoreError::ProviderSettingsNotJson {
                name: new.to_owned(),
                source: e,
            })
        })?;
        self.store.rename_provider(old, new)?;
        self.store.put_provider(new, &json)?;
        Ok(settings)
    }

    /// The provider's metadata document ("View Provider Metadata").
    pub async fn provider_metadata(&self, settings: &ProviderSettings) -> Result<Value, Finding> {
        discovery::fetch_document(&self.http, &settings.metadata_location()).await
    }

    /// What the provider's metadata says against `settings` ("Validate"); an empty list when
    /// they agree. A metadata document that cannot be read is the one finding.
    pub async fn validate_provider(&self, settings: &ProviderSettings) -> Vec<Finding> {
        match self.provider_metadata(settings).await {
            Ok(metadata) => discovery::validate(&metadata, settings),
            Err(f) => vec![f],
        }
    }

    /// Who manages the roles of `provider`'s users, from its stored role mapping; roles are
    /// managed in the application for a provider that is not stored.
    pub fn role_policy(&self, provider: &str) -> RolePolicy {
        self.provider(provider)
            .map(|p| p.role_mapping.policy())
            .unwrap_or(RolePolicy::ManagedInApplication)
    }

    /// The role policy that governs edits of `user`: its provider's, for external users.
    pub fn policy_for(&self, user: &User) -> RolePolicy {
        user.identity
            .as_ref()
            .map_or(RolePolicy::ManagedInApplication, |i| {
                self.role_policy(&i.provider)
            })
    }

    /// Edits a user under the field rules of [`crate::users::check_editable`].
    pub fn edit_user(&self, id: UserId, patch: &UserPatch) -> Result<User, EditError> {
        // The store holds its connection while it asks for the policy, so the policy is
        // looked up first: asking the store from inside the callback would deadlock.
        let policy = self
            .store
            .user(id)
            .ok()
            .flatten()
            .map_or(RolePolicy::ManagedInApplication, |u| self.policy_for(&u));
        self.store.edit_user(id, patch, |_| policy)
    }

    /// Pre-creates an invited external user, under its provider's role policy.
    pub fn invite(&self, invitation: &Invitation) -> Result<User, crate::users::DirectoryError> {
        self.store
            .invite(invitation, self.role_policy(&invitation.provider))
    }
}

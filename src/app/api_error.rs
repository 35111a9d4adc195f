//! The admin API's one error shape: `{"error": code, "details": ...}`, with the HTTP status
//! chosen by the variant, never guessed from the code's wording.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::store::StoreError;
use crate::users::{DirectoryError, EditError};

/// A refused or failed admin API request.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the request breaks a rule.
    Invalid {
        /// The stable code.
        code: &'static str,
        /// What was wrong: a message, or a list of problems.
        details: Value,
    },
    /// 404: the named thing does not exist.
    NotFound {
        /// The stable code.
        code: &'static str,
        /// What was looked for.
        details: Value,
    },
    /// 409: the change clashes with what is stored.
    Conflict {
        /// The stable code.
        code: &'static str,
        /// The clash.
        details: Value,
    },
    /// 422: well-formed, but the provider's metadata cannot be used for it.
    Unprocessable {
        /// The stable code.
        code: &'static str,
        /// The findings or problems.
        details: Value,
    },
    /// 502: the provider did not answer usefully.
    Upstream {
        /// The stable code.
        code: &'static str,
        /// What happened.
        details: Value,
    },
    /// 500: the store failed.
    Internal {
        /// The stable code.
        code: &'static str,
        /// What happened.
        details: Value,
    },
}

impl ApiError {
    /// 400 with `code`.
    pub fn invalid(code: &'static str, details: impl serde::Serialize) -> Self {
        Self::Invalid {
            code,
            details: json!(details),
        }
    }

    /// 404 for a provider name that is not stored.
    pub fn unknown_provider(name: &str) -> Self {
        Self::NotFound {
            code: "provider.unknown",
            details: json!(format!("no provider named \"{name}\"")),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Invalid { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Upstream { .. } => StatusCode::BAD_GATEWAY,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (Self::Invalid { code, details }
        | Self::NotFound { code, details }
        | Self::Conflict { code, details }
        | Self::Unprocessable { code, details }
        | Self::Upstream { code, details }
        | Self::Internal { code, details }) = self;
        (status, Json(json!({ "error": code, "details": details }))).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let (code, details) = (e.code(), json!(e.to_string()));
        match e {
            StoreError::UnknownProvider { .. } => Self::NotFound { code, details },
            StoreError::ProviderExists { .. } | StoreError::ProviderInUse { .. } => {
                Self::Conflict { code, details }
            }
            StoreError::EmptyProviderName | StoreError::ProviderSettingsNotJson { .. } => {
                Self::Invalid { code, details }
            }
            StoreError::CreateDir { .. }
            | StoreError::SchemaTooNew { .. }
            | StoreError::Migration { .. }
            | StoreError::Sqlite(_) => Self::Internal { code, details },
        }
    }
}

impl From<DirectoryError> for ApiError {
    fn from(e: DirectoryError) -> Self {
        let (code, details) = (e.code(), json!(e.to_string()));
        match e {
            DirectoryError::Store(e) => e.into(),
            DirectoryError::UnknownLegalEntity { .. }
            | DirectoryError::UnknownRole { .. }
            | DirectoryError::UnknownUserType { .. }
            | DirectoryError::UnknownUser { .. }
            | DirectoryError::UnknownProvider { .. } => Self::NotFound { code, details },
            DirectoryError::LegalEntityExists { .. }
            | DirectoryError::RoleExists { .. }
            | DirectoryError::UserTypeExists { .. }
            | DirectoryError::UsernameTaken { .. }
            | DirectoryError::IdentityTaken { .. } => Self::Conflict { code, details },
            DirectoryError::Empty { .. }
            | DirectoryError::DefaultRoleNotAllowed { .. }
            | DirectoryError::RoleNotAllowed { .. }
            | DirectoryError::RolesFromProvider { .. } => Self::Invalid { code, details },
        }
    }
}

impl From<EditError> for ApiError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::Invalid(e) => e.into(),
            EditError::NotEditable { .. } => Self::invalid(e.code(), e.to_string()),
        }
    }
}

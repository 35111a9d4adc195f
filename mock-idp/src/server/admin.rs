//! The admin API under `/_admin` (JSON) and the operations it shares with the Rust handle:
//! tenants, users and claims, clients, key rotation, faults, claim overrides, the clock and
//! the request log; plus the dashboard at `/_admin` ([`dashboard`]), which acts through the
//! same JSON endpoints. Loopback peers only, unless the server was started with
//! `--admin-public`.

mod dashboard;
mod log_query;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use server_guard::AdminGuard;

use crate::faults::FaultRule;
use crate::model::client::Client;
use crate::model::config::ConfigError;
use crate::model::tenant::Tenant;
use crate::model::types::ClientId;
use crate::model::user::User;
use crate::server::state::{ClaimOverride, Server, TenantState};
use crate::tokens::jwks::Alg;

use log_query::LogQuery;

/// Why an admin operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No such tenant.
    #[error("no tenant named \"{0}\"")]
    UnknownTenant(String),
    /// No such user.
    #[error("no user \"{user}\" in tenant \"{tenant}\"")]
    UnknownUser {
        /// Tenant.
        tenant: String,
        /// Username.
        user: String,
    },
    /// No such client.
    #[error("no client \"{client}\" in tenant \"{tenant}\"")]
    UnknownClient {
        /// Tenant.
        tenant: String,
        /// Client id.
        client: String,
    },
    /// No such fault rule.
    #[error("no fault rule {0}")]
    UnknownFault(u64),
    /// Already there.
    #[error("{0} already exists; use PUT to replace it")]
    Exists(String),
    /// The input breaks a configuration rule.
    #[error(transparent)]
    Invalid(#[from] ConfigError),
    /// A key could not be made.
    #[error("{0}")]
    Key(#[from] crate::tokens::jwks::KeyError),
}

impl AdminError {
    fn status(&self) -> StatusCode {
        match self {
            Self::UnknownTenant(_)
            | Self::UnknownUser { .. }
            | Self::UnknownClient { .. }
            | Self::UnknownFault(_) => StatusCode::NOT_FOUND,
            Self::Exists(_) => StatusCode::CONFLICT,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Key(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let code = match self.status() {
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::CONFLICT => "conflict",
            StatusCode::BAD_REQUEST => "invalid_request",
            _ => "server_error",
        };
        (
            self.status(),
            axum::Json(json!({ "error": code, "error_description": self.to_string() })),
        )
            .into_response()
    }
}

const ORIGIN: &str = "admin API";

/// The operations, shared by the admin API and `MockIdp`.
impl Server {
    pub(crate) fn tenant_or(&self, name: &str) -> Result<Arc<TenantState>, AdminError> {
        self.tenant(name)
            .ok_or_else(|| AdminError::UnknownTenant(name.to_owned()))
    }
}

impl TenantState {
    fn check(&self, f: impl FnOnce(&mut Tenant)) -> Result<(), AdminError> {
        let mut snapshot = self.snapshot();
        f(&mut snapshot);
        crate::model::config::validate_tenant(&snapshot, ORIGIN, "tenant")?;
        Ok(())
    }

    /// Adds a user, refused when the username exists.
    pub(crate) fn add_user(&self, user: User) -> Result<(), AdminError> {
        if self.data().users.contains_key(&user.username) {
            return Err(AdminError::Exists(format!("user \"{}\"", user.username)));
        }
        self.put_user(user)
    }

    /// Adds or replaces a user.
    pub(crate) fn put_user(&self, user: User) -> Result<(), AdminError> {
        let candidate = user.clone();
        self.check(|t| {
            t.users.retain(|u| u.username != candidate.username);
            t.users.push(candidate);
        })?;
        self.data().users.insert(user.username.clone(), user);
        Ok(())
    }

    pub(crate) fn user(&self, username: &str) -> Result<User, AdminError> {
        self.data()
            .users
            .get(username)
            .cloned()
            .ok_or_else(|| AdminError::UnknownUser {
                tenant: self.name.clone(),
                user: username.to_owned(),
            })
    }

    pub(crate) fn patch_claims(
        &self,
        username: &str,
        patch: Map<String, Value>,
    ) -> Result<User, AdminError> {
        let mut d = self.data();
        let user = d
            .users
            .get_mut(username)
            .ok_or_else(|| AdminError::UnknownUser {
                tenant: self.name.clone(),
                user: username.to_owned(),
            })?;
        for (k, v) in patch {
            if v.is_null() {
                user.claims.remove(&k);
            } else {
                user.claims.insert(k, v);
            }
        }
        Ok(user.clone())
    }

    pub(crate) fn remove_user(&self, username: &str) -> Result<(), AdminError> {
        let mut d = self.data();
        let referenced = d.auto_login.as_deref() == Some(username)
            || d.clients
                .values()
                .any(|c| c.auto_login.as_deref() == Some(username));
        if referenced {
            return Err(ConfigError::new(
                ORIGIN,
                "users",
                format!("user \"{username}\" is an auto_login user"),
                "change auto_login first",
            )
            .into());
        }
        d.users
            .remove(username)
            .map(|_| ())
            .ok_or_else(|| AdminError::UnknownUser {
                tenant: self.name.clone(),
                user: username.to_owned(),
            })
    }

    /// Adds a client, refused when the id exists.
    pub(crate) fn add_client(&self, client: Client) -> Result<(), AdminError> {
        if self.data().clients.contains_key(&client.client_id) {
            return Err(AdminError::Exists(format!(
                "client \"{}\"",
                client.client_id
            )));
        }
        self.put_client(client)
    }

    /// Adds or replaces a client.
    pub(crate) fn put_client(&self, client: Client) -> Result<(), AdminError> {
        let candidate = client.clone();
        self.check(|t| {
            t.clients.retain(|c| c.client_id != candidate.client_id);
            t.clients.push(candidate);
        })?;
        self.data().clients.insert(client.client_id.clone(), client);
        Ok(())
    }

    pub(crate) fn remove_client(&self, client_id: &str) -> Result<(), AdminError> {
        self.data()
            .clients
            .remove(&ClientId::new(client_id))
            .map(|_| ())
            .ok_or_else(|| AdminError::UnknownClient {
                tenant: self.name.clone(),
                client: client_id.to_owned(),
            })
    }

    pub(crate) fn add_fault(&self, rule: FaultRule) -> u64 {
        self.data().faults.add(rule)
    }

    pub(crate) fn remove_fault(&self, id: u64) -> Result<(), AdminError> {
        if self.data().faults.remove(id) {
            Ok(())
        } else {
            Err(AdminError::UnknownFault(id))
        }
    }
}

type Shared = State<Arc<Server>>;

fn created(v: Value) -> Response {
    (StatusCode::CREATED, axum::Json(v)).into_response()
}

async fn list_tenants(State(s): Shared) -> Response {
    let list: Vec<Value> = s
        .tenants()
        .iter()
        .map(|t| {
            let d = t.data();
            json!({
                "name": t.name,
                "path": t.path,
                "issuer": format!("{}/{}", s.public_base.as_deref().unwrap_or(&s.bound_base), t.path),
                "clients": d.clients.len(),
                "users": d.users.len(),
            })
        })
        .collect();
    axum::Json(list).into_response()
}

/// Points each key file of a tenant added over the admin API inside a folder the server
/// reads keys from (the configuration file's, or `server.key_dir`), before any is opened: a
/// request must not make the server read `/etc/passwd` or `/dev/zero`.
fn confine_key_files(server: &Server, tenant: &mut Tenant) -> Result<(), AdminError> {
    let allowed: Vec<std::path::PathBuf> = server
        .key_dirs
        .iter()
        .filter_map(|d| d.canonicalize().ok())
        .collect();
    for (k, key) in tenant.keys.iter_mut().enumerate() {
        let field = format!("tenant.keys[{k}].file");
        let Some(first) = allowed.first() else {
            return Err(ConfigError::new(
                ORIGIN,
                field,
                "the admin API reads key files only from the configuration file's folder or server.key_dir, and this server has neither",
                "start mock-idp with --config or set server.key_dir, or leave keys out to have them generated",
            )
            .into());
        };
        let named = key.file.display().to_string();
        let resolved = first.join(&key.file).canonicalize().map_err(|_| {
            ConfigError::new(
                ORIGIN,
                field.clone(),
                format!("expected an existing key file, found none at \"{named}\""),
                "name a PEM file inside the key folder",
            )
        })?;
        if !allowed.iter().any(|d| resolved.starts_with(d)) {
            let dirs: Vec<String> = allowed.iter().map(|d| d.display().to_string()).collect();
            return Err(ConfigError::new(
                ORIGIN,
                field,
                format!(
                    "expected a file inside {}, found \"{named}\" outside",
                    dirs.join(" or ")
                ),
                "copy the key into the key folder and name it relative to it",
            )
            .into());
        }
        key.file = resolved;
    }
    Ok(())
}

async fn add_tenant(
    State(s): Shared,
    axum::Json(mut t): axum::Json<Tenant>,
) -> Result<Response, AdminError> {
    confine_key_files(&s, &mut t)?;
    s.add_tenant(&t, ORIGIN)?;
    Ok(created(json!({ "name": t.name, "path": t.path() })))
}

async fn get_tenant(State(s): Shared, Path(t): Path<String>) -> Result<Response, AdminError> {
    Ok(axum::Json(s.tenant_or(&t)?.snapshot()).into_response())
}

async fn delete_tenant(State(s): Shared, Path(t): Path<String>) -> Result<Response, AdminError> {
    if s.remove_tenant(&t) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(AdminError::UnknownTenant(t))
    }
}

async fn list_users(State(s): Shared, Path(t): Path<String>) -> Result<Response, AdminError> {
    let users: Vec<User> = s.tenant_or(&t)?.data().users.values().cloned().collect();
    Ok(axum::Json(users).into_response())
}

async fn add_user(
    State(s): Shared,
    Path(t): Path<String>,
    axum::Json(u): axum::Json<User>,
) -> Result<Response, AdminError> {
    s.tenant_or(&t)?.add_user(u.clone())?;
    Ok(created(json!(u)))
}

async fn get_user(
    State(s): Shared,
    Path((t, u)): Path<(String, String)>,
) -> Result<Response, AdminError> {
    Ok(axum::Json(s.tenant_or(&t)?.user(&u)?).into_response())
}

async fn put_user(
    State(s): Shared,
    Path((t, u)): Path<(String, String)>,
    axum::Json(mut user): axum::Json<User>,
) -> Result<Response, AdminError> {
    user.username = u;
    s.tenant_or(&t)?.put_user(user.clone())?;
    Ok(axum::Json(user).into_response())
}

async fn patch_claims(
    State(s): Shared,
    Path((t, u)): Path<(String, String)>,
    axum::Json(patch): axum::Json<Map<String, Value>>,
) -> Result<Response, AdminError> {
    Ok(axum::Json(s.tenant_or(&t)?.patch_claims(&u, patch)?).into_response())
}

async fn delete_user(
    State(s): Shared,
    Path((t, u)): Path<(String, String)>,
) -> Result<Response, AdminError> {
    s.tenant_or(&t)?.remove_user(&u)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_clients(State(s): Shared, Path(t): Path<String>) -> Result<Response, AdminError> {
    let clients: Vec<Client> = s.tenant_or(&t)?.data().clients.values().cloned().collect();
    Ok(axum::Json(clients).into_response())
}

async fn add_client(
    State(s): Shared,
    Path(t): Path<String>,
    axum::Json(c): axum::Json<Client>,
) -> Result<Response, AdminError> {
    s.tenant_or(&t)?.add_client(c.clone())?;
    Ok(created(json!(c)))
}

async fn put_client(
    State(s): Shared,
    Path((t, c)): Path<(String, String)>,
    axum::Json(mut client): axum::Json<Client>,
) -> Result<Response, AdminError> {
    client.client_id = ClientId::new(c);
    s.tenant_or(&t)?.put_client(client.clone())?;
    Ok(axum::Json(client).into_response())
}

async fn delete_client(
    State(s): Shared,
    Path((t, c)): Path<(String, String)>,
) -> Result<Response, AdminError> {
    s.tenant_or(&t)?.remove_client(&c)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RotateBody {
    #[serde(default)]
    alg: Option<Alg>,
}

async fn rotate(
    State(s): Shared,
    Path(t): Path<String>,
    body: Option<axum::Json<RotateBody>>,
) -> Result<Response, AdminError> {
    let tenant = s.tenant_or(&t)?;
    let alg = body
        .and_then(|b| b.0.alg)
        .unwrap_or_else(|| tenant.data().default_alg);
    let now = s.clock.now();
    let kid = tokio::task::spawn_blocking(move || tenant.rotate(alg, now))
        .await
        .map_err(|e| {
            AdminError::Invalid(ConfigError::new(ORIGIN, "keys", e.to_string(), "retry"))
        })??;
    Ok(axum::Json(json!({ "kid": kid, "alg": alg })).into_response())
}

async fn keys(State(s): Shared, Path(t): Path<String>) -> Result<Response, AdminError> {
    Ok(axum::Json(s.tenant_or(&t)?.jwks(s.clock.now())).into_response())
}

async fn list_faults(State(s): Shared, Path(t): Path<String>) -> Result<Response, AdminError> {
    Ok(axum::Json(s.tenant_or(&t)?.data().faults.list()).into_response())
}

async fn add_fault(
    State(s): Shared,
    Path(t): Path<String>,
    axum::Json(rule): axum::Json<FaultRule>,
) -> Result<Response, AdminError> {
    let id = s.tenant_or(&t)?.add_fault(rule);
    Ok(created(json!({ "id": id })))
}

async fn clear_faults(State(s): Shared, Path(t): Path<String>) -> Result<Response, AdminError> {
    s.tenant_or(&t)?.data().faults.clear();
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_fault(
    State(s): Shared,
    Path((t, id)): Path<(String, u64)>,
) -> Result<Response, AdminError> {
    s.tenant_or(&t)?.remove_fault(id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_overrides(State(s): Shared, Path(t): Path<String>) -> Result<Response, AdminError> {
    Ok(axum::Json(s.tenant_or(&t)?.data().overrides.clone()).into_response())
}

async fn add_override(
    State(s): Shared,
    Path(t): Path<String>,
    axum::Json(o): axum::Json<ClaimOverride>,
) -> Result<Response, AdminError> {
    s.tenant_or(&t)?.data().overrides.push(o);
    Ok(StatusCode::CREATED.into_response())
}

async fn clear_overrides(State(s): Shared, Path(t): Path<String>) -> Result<Response, AdminError> {
    s.tenant_or(&t)?.data().overrides.clear();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /_admin/clock` bodies.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action", deny_unknown_fields)]
enum ClockAction {
    Set { now: i64 },
    Advance { seconds: i64 },
    Freeze,
    Unfreeze,
    Reset,
}

async fn get_clock(State(s): Shared) -> Response {
    axum::Json(s.clock.status()).into_response()
}

async fn set_clock(State(s): Shared, axum::Json(a): axum::Json<ClockAction>) -> Response {
    match a {
        ClockAction::Set { now } => s.clock.set(now),
        ClockAction::Advance { seconds } => s.clock.advance(seconds),
        ClockAction::Freeze => s.clock.freeze(),
        ClockAction::Unfreeze => s.clock.unfreeze(),
        ClockAction::Reset => s.clock.reset(),
    }
    axum::Json(s.clock.status()).into_response()
}

async fn requests(State(s): Shared, RawQuery(q): RawQuery) -> Result<Response, AdminError> {
    let filter = LogQuery::requests(q.as_deref())?;
    Ok(axum::Json(filter.select_requests(s.log.requests())).into_response())
}

async fn clear_log(State(s): Shared) -> Response {
    s.log.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn tokens(State(s): Shared, RawQuery(q): RawQuery) -> Result<Response, AdminError> {
    let filter = LogQuery::tokens(q.as_deref())?;
    Ok(axum::Json(filter.select_tokens(s.log.tokens())).into_response())
}

/// Who may reach the admin API: loopback peers under a loopback `Host` (or the host of
/// the public base URL), and no cross-site state change — unless `--admin-public` opens it
/// to every peer and host (cross-site changes stay refused).
fn guard(server: &Server) -> AdminGuard {
    if server.admin_public {
        return AdminGuard::public();
    }
    let public_host = server
        .public_base
        .as_deref()
        .and_then(|b| url::Url::parse(b).ok())
        .and_then(|u| u.host_str().map(str::to_owned));
    match public_host {
        Some(host) => AdminGuard::loopback_only().allow_host(host),
        None => AdminGuard::loopback_only(),
    }
}

/// The `/_admin` router.
pub(crate) fn router(server: Arc<Server>) -> Router {
    let guard = guard(&server);
    let routes = Router::new()
        .route("/_admin", get(dashboard::page))
        .route("/_admin/dashboard.js", get(dashboard::script))
        .route("/_admin/dashboard.css", get(dashboard::stylesheet))
        .route("/_admin/tenants", get(list_tenants).post(add_tenant))
        .route("/_admin/tenants/{t}", get(get_tenant).delete(delete_tenant))
        .route("/_admin/tenants/{t}/users", get(list_users).post(add_user))
        .route(
            "/_admin/tenants/{t}/users/{u}",
            get(get_user).put(put_user).delete(delete_user),
        )
        .route(
            "/_admin/tenants/{t}/users/{u}/claims",
            axum::routing::patch(patch_claims),
        )
        .route(
            "/_admin/tenants/{t}/clients",
            get(list_clients).post(add_client),
        )
        .route(
            "/_admin/tenants/{t}/clients/{c}",
            axum::routing::put(put_client).delete(delete_client),
        )
        .route("/_admin/tenants/{t}/keys", get(keys))
        .route("/_admin/tenants/{t}/keys/rotate", post(rotate))
        .route(
            "/_admin/tenants/{t}/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_admin/tenants/{t}/faults/{id}", delete(delete_fault))
        .route(
            "/_admin/tenants/{t}/overrides",
            get(list_overrides)
                .post(add_override)
                .delete(clear_overrides),
        )
        .route("/_admin/clock", get(get_clock).post(set_clock))
        .route("/_admin/requests", get(requests).delete(clear_log))
        .route("/_admin/tokens", get(tokens))
        .with_state(server);
    guard.protect(routes)
}

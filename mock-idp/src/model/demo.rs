//! The built-in demo content served when no configuration file is found, and the users a
//! library-started `MockIdp` has by default.

use crate::model::client::Client;
use crate::model::tenant::Tenant;
use crate::model::types::{AuthMethod, ResponseType};
use crate::model::user::User;

/// Demo users: verified and unverified email and phone, roles and groups, no email.
pub fn demo_users() -> Vec<User> {
    vec![
        User::new("alice")
            .with_sub("alice")
            .email("alice@example.com", true)
            .phone("+1 555 0100", true)
            .name("Alice Anders")
            .claim("given_name", "Alice")
            .claim("family_name", "Anders")
            .roles(["admin", "billing"])
            .groups(["staff"]),
        User::new("bob")
            .with_sub("bob")
            .email("bob@example.com", false)
            .phone("+1 555 0101", false)
            .name("Bob Brown")
            .roles(["viewer"]),
        User::new("carol")
            .with_sub("carol")
            .name("Carol Chen")
            .roles(["auditor"]),
    ]
}

/// Demo clients for a relying party on `rp_base` (e.g. `http://127.0.0.1:8080`): one
/// confidential client per flow family and a public PKCE client.
pub fn demo_clients(rp_base: &str) -> Vec<Client> {
    let cb = format!("{rp_base}/callback");
    let out = format!("{rp_base}/signed-out");
    vec![
        Client::confidential("demo-code", "demo-code-secret")
            .redirect_uri(&cb)
            .post_logout_redirect_uri(&out)
            .response_types([ResponseType::Code]),
        Client::confidential("demo-implicit", "demo-implicit-secret")
            .redirect_uri(&cb)
            .post_logout_redirect_uri(&out)
            .response_types([ResponseType::IdToken, ResponseType::IdTokenToken]),
        Client::confidential("demo-hybrid", "demo-hybrid-secret")
            .redirect_uri(&cb)
            .post_logout_redirect_uri(&out)
            .response_types([
                ResponseType::CodeIdToken,
                ResponseType::CodeToken,
                ResponseType::CodeIdTokenToken,
            ]),
        Client::public("demo-spa")
            .redirect_uri(&cb)
            .auth_method(AuthMethod::None)
            .response_types([ResponseType::Code]),
    ]
}

/// The built-in tenant `demo`.
pub fn demo_tenant() -> Tenant {
    let mut t = Tenant::new("demo").scope("roles", ["roles", "groups"]);
    t.users = demo_users();
    t.clients = demo_clients("http://127.0.0.1:8080");
    t
}

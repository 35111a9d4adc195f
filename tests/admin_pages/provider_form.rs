//! `/admin/providers/{name}`: the form's fields, buttons and rule grids, with server-side
//! errors beside the field or grid cell they concern.

use reqwest::StatusCode;

use crate::common::Rig;
use crate::{Page, form_fields, get, post, set, submit};

pub(crate) const FORM: &str = "/admin/providers/Acme";

/// A rig with Acme stored (creation and role rules on) and its form as the browser sees it.
pub(crate) async fn acme() -> (Rig, Vec<(String, String)>) {
    let rig = Rig::new().await;
    rig.configure(rig.settings("authorization_code", None))
        .await
        .expect("configured");
    let page = get(&rig, FORM).await;
    assert_eq!(page.status, StatusCode::OK);
    let fields = form_fields(&page, "provider-form");
    (rig, fields)
}

async fn save(rig: &Rig, fields: &[(String, String)]) -> Page {
    submit(rig, FORM, fields, "save").await
}

#[tokio::test]
async fn the_form_shows_the_settings_and_saves_them_keeping_the_secret() {
    let (rig, mut fields) = acme().await;
    let page = get(&rig, FORM).await;
    for button in [
        ">Save<",
        ">Autoconfigure<",
        ">Validate<",
        ">View provider metadata<",
        ">Redirect URI<",
        ">Rename<",
    ] {
        assert!(page.body.contains(button), "expected the {button} button");
    }
    for flow in [
        "Authorization Code Flow",
        "Implicit Flow (Form Post)",
        "Implicit Flow (Fragment)",
        "Hybrid Flow (Form Post)",
        "Hybrid Flow (Fragment)",
    ] {
        assert!(page.body.contains(flow), "expected the flow {flow}");
    }
    assert!(
        !page.body.contains("rp-secret"),
        "the secret is never shown"
    );
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("client_id").as_deref(), Some("rp"));
    assert_eq!(field("client_secret").as_deref(), Some(""));
    assert_eq!(field("identity_claim").as_deref(), Some("sub"));
    assert_eq!(field("creation.user_type").as_deref(), Some("employee"));
    assert_eq!(
        field("creation.3.claim_type").as_deref(),
        Some("family_name")
    );
    assert_eq!(
        field("role_mapping.strategy").as_deref(),
        Some("one_role_for_all_legal_entities")
    );

    set(&mut fields, "client_id", "rp-renewed");
    fields.retain(|(k, _)| k != "creation.1.active");
    let saved = save(&rig, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.errors());
    assert_eq!(
        saved.location.as_deref(),
        Some("/admin/providers/Acme?done=saved")
    );
    let stored = rig.rp.rp.provider("Acme").expect("stored");
    assert_eq!(stored.client_id, "rp-renewed");
    assert!(!stored.creation.rows[1].active, "row 2 deactivated");
    assert_eq!(stored.creation.rows.len(), 4, "a deactivated row is kept");
    assert_eq!(
        stored.client_secret.as_ref().map(|s| s.expose()),
        Some("rp-secret"),
        "a blank secret keeps the stored one"
    );
    let page = get(&rig, FORM).await;
    assert!(
        page.body
            .contains("<tr class=\"inactive\" id=\"creation-row-1\">")
    );
}

#[tokio::test]
async fn a_bad_operator_is_refused_beside_its_cell_and_shown_as_typed() {
    let (rig, mut fields) = acme().await;
    let add = submit(&rig, FORM, &fields, "add:binding").await;
    assert_eq!(add.status, StatusCode::OK);
    let mut with_row = form_fields(&add, "provider-form");
    assert!(with_row.iter().any(|(k, _)| k == "binding.0.claim_type"));
    set(&mut with_row, "binding.0.claim_type", "email");
    set(&mut with_row, "binding.0.scope", "email");
    set(&mut with_row, "binding.0.operator", "xor");
    let refused = save(&rig, &with_row).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_error_beside(
        "binding-0-operator",
        "operator: expected one of and, or, found \"xor\"",
    );
    assert!(
        refused
            .body
            .contains("<option value=\"xor\" selected>xor</option>")
    );
    assert!(
        refused.body.contains("id=\"errors\""),
        "listed at the top too"
    );
    assert!(
        refused.body.contains("href=\"#binding-0-operator\""),
        "the list links to the cell"
    );
    assert!(
        rig.rp
            .rp
            .provider("Acme")
            .expect("stored")
            .binding
            .rows
            .is_empty()
    );

    set(&mut fields, "creation.0.user_field", "shoe_size");
    let refused = save(&rig, &fields).await;
    refused.assert_error_beside("creation-0-user_field", "found \"shoe_size\"");
}

#[tokio::test]
async fn rule_errors_from_the_domain_are_beside_their_cells() {
    let (rig, fields) = acme().await;
    let mut binding = form_fields(
        &submit(&rig, FORM, &fields, "add:binding").await,
        "provider-form",
    );
    binding = form_fields(
        &submit(&rig, FORM, &binding, "add:binding").await,
        "provider-form",
    );
    for (k, v) in [
        ("binding.enabled", "on"),
        ("binding.0.open_brackets", "(("),
        ("binding.0.claim_type", "email"),
        ("binding.0.scope", "email"),
        ("binding.1.claim_type", "name"),
        ("binding.1.scope", "profile"),
    ] {
        set(&mut binding, k, v);
    }
    let refused = save(&rig, &binding).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_error_beside(
        "binding-0-open_brackets",
        "binding rule row 1: open_brackets: expected a matching ')'",
    );

    // The rules report their first problem: the brackets balanced, the next one shows.
    set(&mut binding, "binding.0.open_brackets", "");
    set(&mut binding, "binding.1.verified", "on");
    let refused = save(&rig, &binding).await;
    refused.assert_error_beside(
        "binding-1-verified",
        "verified: expected claim_type email or phone_number, found \"name\"",
    );

    let mut roles = fields.clone();
    set(&mut roles, "role_mapping.0.role_name", "ghost");
    let refused = save(&rig, &roles).await;
    refused.assert_error_beside(
        "role_mapping-0-role_name",
        "role mapping row 1: role_name: expected an existing role, found \"ghost\"",
    );
    set(&mut roles, "role_mapping.0.role_name", "billing");
    set(&mut roles, "role_mapping.0.legal_entity", "de");
    save(&rig, &roles)
        .await
        .assert_error_beside("role_mapping-0-legal_entity", "expected none for strategy");
    set(
        &mut roles,
        "role_mapping.strategy",
        "managed_in_application",
    );
    save(&rig, &roles).await.assert_error_beside(
        "role_mapping-strategy",
        "strategy: expected one_role_for_all",
    );

    let mut creation = fields.clone();
    set(&mut creation, "creation.user_type", "");
    save(&rig, &creation)
        .await
        .assert_error_beside("creation-user_type", "user_type: expected a user type");

    let mut general = fields;
    set(&mut general, "issuer", "ftp://idp.example");
    set(&mut general, "token_endpoint", "");
    general.retain(|(k, v)| !(k == "identity_scopes" && v == "profile"));
    set(&mut general, "identity_claim", "oid");
    let refused = save(&rig, &general).await;
    refused.assert_error_beside("issuer", "found \"ftp\"");
    refused.assert_error_beside("token_endpoint", "Authorization Code Flow needs one");
    refused.assert_error_beside("identity_scopes", "expected profile among the scopes");
}

#[tokio::test]
async fn rows_are_added_and_removed_on_the_page_until_saved() {
    let (rig, fields) = acme().await;
    let removed = submit(&rig, FORM, &fields, "remove:creation:1").await;
    assert_eq!(removed.status, StatusCode::OK);
    let after = form_fields(&removed, "provider-form");
    let claims: Vec<&str> = after
        .iter()
        .filter(|(k, _)| k.starts_with("creation.") && k.ends_with(".claim_type"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(claims, ["email", "given_name", "family_name"]);
    assert!(
        after
            .iter()
            .any(|(k, v)| k == "creation.2.claim_type" && v == "family_name")
    );
    let stored_rows = || {
        rig.rp
            .rp
            .provider("Acme")
            .expect("stored")
            .creation
            .rows
            .len()
    };
    assert_eq!(stored_rows(), 4, "nothing saved yet");
    let saved = save(&rig, &after).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.errors());
    assert_eq!(stored_rows(), 3);

    let added = submit(&rig, FORM, &after, "add:role_mapping").await;
    let with_row = form_fields(&added, "provider-form");
    assert!(
        with_row
            .iter()
            .any(|(k, v)| k == "role_mapping.1.active" && v == "on")
    );
    save(&rig, &with_row)
        .await
        .assert_error_beside("role_mapping-1-claim_type", "expected a value");
}

#[tokio::test]
async fn grids_hold_at_most_fifty_rows() {
    let (rig, mut fields) = acme().await;
    for i in 0..relying_party::app::MAX_ROWS {
        fields.push((format!("binding.{i}.claim_type"), "email".into()));
    }
    let full = submit(&rig, FORM, &fields, "add:binding").await;
    full.assert_error_beside("binding-add", "expected at most 50 rows");
    fields.push(("binding.999999999999.claim_type".into(), "email".into()));
    let over = save(&rig, &fields).await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST);
    over.assert_error_beside("binding-add", "expected at most 50 rows, found more");
}

#[tokio::test]
async fn validate_autoconfigure_and_the_dialog_pages() {
    let (rig, mut fields) = acme().await;
    let valid = submit(&rig, FORM, &fields, "validate").await;
    assert_eq!(valid.status, StatusCode::OK);
    assert!(valid.body.contains("id=\"result\""), "{}", valid.errors());
    assert!(
        valid
            .body
            .contains("Valid: the settings on this page agree")
    );

    let mut elsewhere = fields.clone();
    set(&mut elsewhere, "issuer", "http://127.0.0.1:9/nobody");
    let invalid = submit(&rig, FORM, &elsewhere, "validate").await;
    invalid.assert_error_beside("issuer", "discovery.unreachable");
    assert!(
        invalid
            .body
            .contains("The provider&#39;s metadata disagrees")
    );

    for endpoint in ["authorization_endpoint", "token_endpoint", "jwks_uri"] {
        set(&mut fields, endpoint, "");
    }
    let configured = submit(&rig, FORM, &fields, "autoconfigure").await;
    assert_eq!(
        configured.status,
        StatusCode::SEE_OTHER,
        "{}",
        configured.errors()
    );
    assert_eq!(
        configured.location.as_deref(),
        Some("/admin/providers/Acme?done=autoconfigured")
    );
    let stored = rig.rp.rp.provider("Acme").expect("stored");
    assert_eq!(
        stored.token_endpoint,
        Some(format!("{}/token", rig.idp.issuer()))
    );
    let failed = submit(&rig, FORM, &elsewhere, "autoconfigure").await;
    assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    failed.assert_error_beside("issuer", "discovery.unreachable");

    let metadata = get(&rig, "/admin/providers/Acme/metadata").await;
    assert_eq!(metadata.status, StatusCode::OK);
    assert!(metadata.body.contains("&quot;authorization_endpoint&quot;"));
    let redirect = get(&rig, "/admin/providers/Acme/redirect-uri").await;
    assert!(
        redirect
            .body
            .contains(&format!("value=\"{}/callback\"", rig.rp.url))
    );
    assert_eq!(
        get(&rig, "/admin/providers/Nobody").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn rename_refuses_an_empty_or_taken_name_beside_the_field() {
    let (rig, _) = acme().await;
    rig.configure(rig.entra_settings("authorization_code"))
        .await
        .expect("contoso");
    let path = "/admin/providers/Acme/rename";
    let form = get(&rig, path).await;
    assert!(
        form.body
            .contains("<label for=\"name\">New display name</label>")
    );
    post(&rig, path, &[("name", "  ")])
        .await
        .assert_error_beside("name", "name: expected a display name");
    let taken = post(&rig, path, &[("name", "Contoso")]).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    taken.assert_error_beside("name", "a provider named \"Contoso\" exists");
    let renamed = post(&rig, path, &[("name", "Acme Corp")]).await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        renamed.location.as_deref(),
        Some("/admin/providers/Acme%20Corp?done=renamed")
    );
    let page = get(&rig, "/admin/providers/Acme%20Corp").await;
    assert!(
        page.body
            .contains("<strong id=\"display-name\">Acme Corp</strong>")
    );
}

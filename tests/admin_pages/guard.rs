//! The admin pages behind the admin API's guard: cross-site form posts and foreign `Host`
//! names are refused, same-origin posts pass, and a form body has a limit.

use reqwest::StatusCode;

use crate::common::Rig;
use relying_party::app::FORM_TOKEN_FIELD;

use crate::{client, get, post, read};

fn add_form(rig: &Rig) -> Vec<(&'static str, String)> {
    vec![
        (FORM_TOKEN_FIELD, rig.rp.rp.form_token().to_owned()),
        ("name", "Evil".to_owned()),
        ("issuer", rig.idp.issuer()),
        ("client_id", "rp".to_owned()),
        ("client_secret", "rp-secret".to_owned()),
        ("flow", "authorization_code".to_owned()),
    ]
}

#[tokio::test]
async fn cross_site_form_posts_are_refused_and_same_origin_ones_pass() {
    let rig = Rig::new().await;
    let url = format!("{}/admin/providers", rig.rp.url);
    let host = rig.rp.url.trim_start_matches("http://").to_owned();
    let refusals = [
        ("origin", "http://evil.example".to_owned()),
        ("sec-fetch-site", "cross-site".to_owned()),
        ("sec-fetch-site", "same-site".to_owned()),
    ];
    for (header, value) in refusals {
        let page = read(
            client()
                .post(&url)
                .header(header, &value)
                .form(&add_form(&rig))
                .send()
                .await
                .expect("POST"),
        )
        .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{header}: {value}");
        assert!(page.body.contains("admin.cross_site"), "{}", page.body);
    }
    assert!(rig.rp.rp.provider("Evil").is_none());
    let edit = read(
        client()
            .post(format!("{}/admin/users/1", rig.rp.url))
            .header("origin", "null")
            .form(&[("first_name", "Mallory")])
            .send()
            .await
            .expect("POST"),
    )
    .await;
    assert_eq!(
        edit.status,
        StatusCode::FORBIDDEN,
        "an opaque origin is cross-site"
    );

    let same = read(
        client()
            .post(&url)
            .header("origin", format!("http://{host}"))
            .header("sec-fetch-site", "same-origin")
            .form(&add_form(&rig))
            .send()
            .await
            .expect("POST"),
    )
    .await;
    assert_eq!(same.status, StatusCode::SEE_OTHER, "{}", same.errors());
}

#[tokio::test]
async fn every_form_carries_the_token_and_a_post_without_it_is_refused() {
    let rig = Rig::new().await;
    rig.configure(rig.settings("authorization_code", None))
        .await
        .expect("configured");
    let token = format!(
        "<input type=\"hidden\" name=\"form_token\" value=\"{}\">",
        rig.rp.rp.form_token()
    );
    for (path, forms) in [
        ("/admin/providers", 1),
        ("/admin/providers/Acme", 1),
        ("/admin/providers/Acme/rename", 1),
        ("/admin/users", 1),
        ("/admin/users/new", 1),
    ] {
        let page = get(&rig, path).await;
        assert_eq!(page.body.matches(&token).count(), forms, "{path}");
        assert_eq!(
            page.body.matches("<form method=\"post\"").count(),
            forms,
            "{path}"
        );
    }
    let mut without = add_form(&rig);
    without.retain(|(k, _)| *k != FORM_TOKEN_FIELD);
    let mut wrong = without.clone();
    wrong.push((FORM_TOKEN_FIELD, "guessed".to_owned()));
    for form in [without, wrong] {
        let page = read(
            client()
                .post(format!("{}/admin/providers", rig.rp.url))
                .form(&form)
                .send()
                .await
                .expect("POST"),
        )
        .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(
            page.body
                .contains("form_token: expected the token of a form this server showed")
        );
    }
    assert!(rig.rp.rp.provider("Evil").is_none());
    let with = post(&rig, "/admin/providers/Acme/rename", &[("name", "Acme 2")]).await;
    assert_eq!(with.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_foreign_host_is_misdirected() {
    let rig = Rig::new().await;
    for path in ["/admin/providers", "/admin/users", "/admin/sign-ins"] {
        let page = read(
            client()
                .get(format!("{}{path}", rig.rp.url))
                .header("host", "rebound.example:80")
                .send()
                .await
                .expect("GET"),
        )
        .await;
        assert_eq!(page.status, StatusCode::MISDIRECTED_REQUEST, "{path}");
        assert!(page.body.contains("admin.foreign_host"));
    }
    assert_eq!(get(&rig, "/admin/providers").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_oversized_form_is_refused_with_413() {
    let rig = Rig::new().await;
    let big = "a".repeat(relying_party::app::FORM_LIMIT + 1);
    let page = read(
        client()
            .post(format!("{}/admin/providers", rig.rp.url))
            .form(&[("name", big.as_str())])
            .send()
            .await
            .expect("POST"),
    )
    .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    let garbled = read(
        client()
            .post(format!("{}/admin/providers", rig.rp.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("name=%ZZ&&=")
            .send()
            .await
            .expect("POST"),
    )
    .await;
    assert!(
        garbled.status.is_client_error(),
        "a garbled form is the client's error, found {}",
        garbled.status
    );
}

//! Configuration mistakes name their field and the fix, and stop the command with exit code 2.

use std::path::Path;

use harness::check::{self, CheckConfig};

use super::files::{scratch, write};

const GOOD: &str = r#"
[idp.embedded]
bind = "127.0.0.1:0"
[[idp.embedded.users]]
username = "alice"

[client]
client_id = "app"
redirect_uris = ["http://127.0.0.1:3000/cb"]

[[flows]]
flow = "authorization_code"
signin_url = "http://127.0.0.1:3000/login?hint={login_hint}"
success = { url = "/home" }
"#;

#[test]
fn configuration_errors_name_the_field_and_the_fix() {
    let dir = scratch("config-errors");
    let good = write(&dir, "good.toml", GOOD);
    assert!(CheckConfig::load(&good).is_ok());
    let cases = [
        (
            GOOD.replace("flow = \"authorization_code\"", "flow = \"implicit\""),
            "flows[0].flow",
            "expected one of authorization_code",
        ),
        (
            GOOD.replace("success = { url = \"/home\" }", "success = {}"),
            "flows[0].success",
            "expected at least one of status, url, cookie or json",
        ),
        (
            GOOD.replace(
                "client_id = \"app\"",
                "client_id = \"app\"\nclient_scret = \"x\"",
            ),
            "[client] (line 9)",
            "unknown field `client_scret`",
        ),
        (
            GOOD.replace("username = \"alice\"", "username = \"bob\""),
            "login_hint",
            "expected a user of tenant \"acme\"",
        ),
        (
            GOOD.replace(
                "[idp.embedded]\nbind = \"127.0.0.1:0\"",
                "[idp.embedded]\nbind = \"localhost\"",
            ),
            "idp.embedded.bind",
            "expected an address",
        ),
        (
            GOOD.replace("http://127.0.0.1:3000/login", "/login"),
            "flows[0].signin_url",
            "expected an absolute URL",
        ),
        (
            format!("{GOOD}\n[idp.external]\nurl = \"http://127.0.0.1:9\"\n"),
            "idp",
            "found both",
        ),
        (
            GOOD.replace(
                "success = { url = \"/home\" }",
                "success = { url = \"/home\" }\nreconfigure = { url = \"http://127.0.0.1:3000/admin\", method = \"PATCH\" }",
            ),
            "flows[0].reconfigure.method",
            "expected one of POST, PUT, GET, found \"PATCH\"",
        ),
        (
            GOOD.replace(
                "[idp.embedded]\nbind = \"127.0.0.1:0\"\n[[idp.embedded.users]]\nusername = \"alice\"",
                "[idp.external]\nurl = \"https://127.0.0.1:9443\"\ntrust_certificate = \"no-such-cert.pem\"",
            ),
            "idp.external.trust_certificate",
            "no-such-cert.pem cannot be read",
        ),
        (
            GOOD.replace(
                "success = { url = \"/home\" }",
                "success = { url = \"/home\" }\nrefresh_url = \"/refresh\"",
            ),
            "flows[0].refresh_url",
            "expected an absolute URL",
        ),
    ];
    for (i, (text, field, problem)) in cases.iter().enumerate() {
        let path = write(&dir, &format!("bad{i}.toml"), text);
        let err = CheckConfig::load(&path).expect_err(field);
        assert_eq!(err.field, *field, "{err}");
        assert!(err.problem.contains(problem), "{err}");
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
        assert!(!err.fix.is_empty());
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn an_embedded_idp_can_take_its_tenants_from_a_fixture() {
    let dir = scratch("fixture");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/idp.toml");
    let with_fixture = GOOD.replace(
        "[[idp.embedded.users]]\nusername = \"alice\"",
        &format!("fixture = {:?}", fixture.display().to_string()),
    );
    let path = write(&dir, "fixture.toml", &with_fixture);
    let loaded = CheckConfig::load(&path).expect("fixture config");
    match &loaded.idp {
        check::config::IdpChoice::Embedded { config, tenant, .. } => {
            assert_eq!(tenant, "acme");
            assert!(
                config.tenants.len() > 1,
                "every tenant of the fixture is served"
            );
        }
        other => panic!("expected an embedded IdP, found {other:?}"),
    }
    let wrong = write(
        &dir,
        "wrong.toml",
        &with_fixture.replace("[idp.embedded]", "[idp.embedded]\ntenant = \"nope\""),
    );
    let err = CheckConfig::load(&wrong).expect_err("unknown tenant");
    assert_eq!(err.field, "idp.embedded.tenant", "{err}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_command_exits_2_on_configuration_and_usage_errors() {
    let dir = scratch("exit-2");
    let bad = write(
        &dir,
        "bad.toml",
        &GOOD.replace("success = { url = \"/home\" }", "success = {}"),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["check", "--config"])
        .arg(&bad)
        .output()
        .expect("harness");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("flows[0].success"), "{stderr}");

    let good = write(&dir, "good.toml", GOOD);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["check", "--only", "no_such_fault", "--config"])
        .arg(&good)
        .output()
        .expect("harness");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--only"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_example_configurations_load() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(&fixtures).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("check-") && name.ends_with(".toml") {
            CheckConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
            seen += 1;
        }
    }
    assert!(
        seen >= 2,
        "expected the example and the reference RP configs"
    );
}

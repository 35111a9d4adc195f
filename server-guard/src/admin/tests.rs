use super::*;
use axum::body::Body;

fn request(method: &str, peer: &str, headers: &[(&str, &str)]) -> Request {
    let mut builder = Request::builder().method(method).uri("/_admin/keys/rotate");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(Body::empty()).unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

#[test]
fn loopback_peers_pass_including_v4_mapped_ones() {
    let guard = AdminGuard::loopback_only();
    for peer in [
        "127.0.0.1:5000",
        "127.3.4.5:1",
        "[::1]:5000",
        "[::ffff:127.0.0.1]:5000",
    ] {
        assert_eq!(guard.check(&request("GET", peer, &[])), Ok(()), "{peer}");
    }
    let refused = guard.check(&request("GET", "[::ffff:10.0.0.7]:5000", &[]));
    assert_eq!(refused.unwrap_err().code(), "admin.peer_not_loopback");
    let refused = guard.check(&request("GET", "192.168.1.9:5000", &[]));
    assert!(matches!(refused, Err(Refusal::PeerNotLoopback(_))));
}

#[test]
fn a_request_without_a_recorded_peer_is_refused() {
    let bare = Request::builder().uri("/").body(Body::empty()).unwrap();
    assert_eq!(
        AdminGuard::loopback_only().check(&bare),
        Err(Refusal::PeerUnknown)
    );
    assert_eq!(AdminGuard::public().check(&bare), Ok(()));
}

#[test]
fn foreign_hosts_are_refused_and_loopback_names_or_allowed_hosts_pass() {
    let guard = AdminGuard::loopback_only().allow_host("idp.test:9443");
    for host in [
        "127.0.0.1:9090",
        "localhost",
        "LOCALHOST:80",
        "app.localhost:3000",
        "[::1]:9090",
        "idp.test",
        "idp.test:1234",
    ] {
        let ok = guard.check(&request("GET", "127.0.0.1:1", &[("host", host)]));
        assert_eq!(ok, Ok(()), "{host}");
    }
    for host in [
        "attacker.example",
        "attacker.example:9090",
        "localhost.attacker.example",
        "10.0.0.1",
    ] {
        let refused = guard.check(&request("GET", "127.0.0.1:1", &[("host", host)]));
        assert_eq!(refused, Err(Refusal::ForeignHost(host.into())), "{host}");
    }
    let public = AdminGuard::public();
    assert_eq!(
        public.check(&request(
            "GET",
            "10.1.1.1:1",
            &[("host", "attacker.example")]
        )),
        Ok(())
    );
}

#[test]
fn cross_site_state_changes_are_refused_even_when_public() {
    for guard in [AdminGuard::loopback_only(), AdminGuard::public()] {
        let hostile_origin = request(
            "POST",
            "127.0.0.1:1",
            &[
                ("host", "127.0.0.1:9090"),
                ("origin", "https://attacker.example"),
            ],
        );
        assert_eq!(
            guard.check(&hostile_origin).unwrap_err().code(),
            "admin.cross_site"
        );
        let other_port = request(
            "DELETE",
            "127.0.0.1:1",
            &[
                ("host", "127.0.0.1:9090"),
                ("origin", "http://127.0.0.1:8080"),
            ],
        );
        assert!(guard.check(&other_port).is_err());
        let null_origin = request(
            "POST",
            "127.0.0.1:1",
            &[("host", "127.0.0.1:9090"), ("origin", "null")],
        );
        assert!(guard.check(&null_origin).is_err());
        let fetch_site = request(
            "POST",
            "127.0.0.1:1",
            &[("host", "127.0.0.1:9090"), ("sec-fetch-site", "same-site")],
        );
        assert!(guard.check(&fetch_site).is_err());
        // Reads are not state changes; a form on the server's own page and curl pass.
        let read = request(
            "GET",
            "127.0.0.1:1",
            &[
                ("host", "127.0.0.1:9090"),
                ("origin", "https://attacker.example"),
            ],
        );
        assert_eq!(guard.check(&read), Ok(()));
        let own_page = request(
            "POST",
            "127.0.0.1:1",
            &[
                ("host", "127.0.0.1:9090"),
                ("origin", "http://127.0.0.1:9090"),
                ("sec-fetch-site", "same-origin"),
            ],
        );
        assert_eq!(guard.check(&own_page), Ok(()));
        let curl = request("POST", "127.0.0.1:1", &[("host", "127.0.0.1:9090")]);
        assert_eq!(guard.check(&curl), Ok(()));
    }
}

#[test]
fn ports_are_stripped_from_names_and_bracketed_addresses() {
    assert_eq!(strip_port("[::1]:8080"), "[::1]");
    assert_eq!(strip_port("[::1]"), "[::1]");
    assert_eq!(strip_port("localhost:80"), "localhost");
    assert_eq!(strip_port("localhost"), "localhost");
}

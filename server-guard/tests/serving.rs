//! Real servers on loopback, attacked with raw sockets.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::{get, post};
use server_guard::{AdminGuard, ServerLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn app() -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() }),
        )
}

fn limits(header_ms: u64, idle_ms: u64, max_connections: usize) -> ServerLimits {
    ServerLimits {
        header_read_timeout: Duration::from_millis(header_ms),
        idle_timeout: Duration::from_millis(idle_ms),
        max_connections,
    }
}

async fn start(app: Router, limits: ServerLimits) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (
        addr,
        tokio::spawn(server_guard::serve(listener, app, limits)),
    )
}

/// Reads until the server closes; panics if it keeps the connection open for `within`.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> Vec<u8> {
    let mut seen = Vec::new();
    tokio::time::timeout(within, async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server kept the connection open");
    seen
}

#[tokio::test]
async fn a_half_sent_request_head_is_cut_off() {
    let (addr, _server) = start(app(), limits(300, 60_000, 16)).await;
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    let answer = closed_by_server(&mut slow, Duration::from_secs(5)).await;
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
}

#[tokio::test]
async fn a_silent_or_kept_alive_idle_connection_is_closed() {
    let (addr, _server) = start(app(), limits(60_000, 300, 16)).await;
    let mut silent = TcpStream::connect(addr).await.unwrap();
    closed_by_server(&mut silent, Duration::from_secs(5)).await;

    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let answer = closed_by_server(&mut kept, Duration::from_secs(5)).await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200 OK"));
}

#[tokio::test]
async fn past_the_connection_limit_clients_wait_for_a_free_slot() {
    let (addr, _server) = start(app(), limits(60_000, 60_000, 2)).await;
    let holders = [
        TcpStream::connect(addr).await.unwrap(),
        TcpStream::connect(addr).await.unwrap(),
    ];
    let url = format!("http://{addr}/healthz");
    let waiting =
        tokio::spawn(async move { reqwest::get(url).await.unwrap().text().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !waiting.is_finished(),
        "a third connection was served beyond the limit of two"
    );
    drop(holders);
    let body = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(body, "ok");
}

#[tokio::test]
async fn a_flood_of_half_requests_does_not_keep_healthz_down() {
    let (addr, _server) = start(app(), limits(300, 1_000, 64)).await;
    let mut flood = Vec::new();
    for _ in 0..400 {
        if let Ok(mut stream) = TcpStream::connect(addr).await {
            let _ = stream
                .write_all(b"POST /healthz HTTP/1.1\r\nContent-")
                .await;
            flood.push(stream);
        }
    }
    let client = reqwest::Client::new();
    let answer = tokio::time::timeout(
        Duration::from_secs(20),
        client.get(format!("http://{addr}/healthz")).send(),
    )
    .await
    .expect("healthz stayed down while the flood held every slot")
    .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn handlers_see_the_peer_address() {
    let (addr, _server) = start(app(), ServerLimits::default()).await;
    let peer = reqwest::get(format!("http://{addr}/peer"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(peer, "127.0.0.1");
}

#[tokio::test]
async fn tls_serves_and_cuts_off_a_silent_handshake() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let config = server_guard::tls_config_from_pem(
        cert.cert.pem().as_bytes(),
        cert.signing_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _server = tokio::spawn(server_guard::serve_tls(
        listener,
        app(),
        limits(300, 60_000, 16),
        config,
    ));

    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .resolve("localhost", addr)
        .build()
        .unwrap();
    let body = client
        .get(format!("https://localhost:{}/healthz", addr.port()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "ok");

    let mut silent = TcpStream::connect(addr).await.unwrap();
    closed_by_server(&mut silent, Duration::from_secs(5)).await;
}

#[test]
fn a_pem_without_a_certificate_is_named() {
    let err = server_guard::tls_config_from_pem(b"not a pem", b"").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the certificate PEM holds no readable certificate"
    );
}

#[tokio::test]
async fn the_admin_guard_refuses_rebinding_and_cross_site_posts_on_the_wire() {
    let admin = AdminGuard::loopback_only()
        .protect(Router::new().route("/_admin/rotate", post(|| async { "rotated" })));
    let (addr, _server) = start(admin, ServerLimits::default()).await;
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/_admin/rotate");

    let rebound = client
        .post(&url)
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);
    let body: serde_json::Value = rebound.json().await.unwrap();
    assert_eq!(body["error"], "admin.foreign_host");

    let cross = client
        .post(&url)
        .header("origin", "https://attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let body: serde_json::Value = cross.json().await.unwrap();
    assert_eq!(body["error"], "admin.cross_site");

    let own = client.post(&url).send().await.unwrap();
    assert_eq!(own.text().await.unwrap(), "rotated");
}

/// Sends one request on `stream` and reads its whole answer (`Content-Length: 2`, "ok").
async fn ask_healthz(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.ends_with(b"\r\n\r\nok") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "closed mid-answer: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test]
async fn an_idle_connection_is_closed_no_sooner_than_the_idle_timeout() {
    let (addr, _server) = start(app(), limits(60_000, 400, 16)).await;
    let mut kept = TcpStream::connect(addr).await.unwrap();
    ask_healthz(&mut kept).await;
    let last_byte = std::time::Instant::now();
    closed_by_server(&mut kept, Duration::from_secs(5)).await;
    let quiet = last_byte.elapsed();
    assert!(
        quiet >= Duration::from_millis(400),
        "closed after {quiet:?} of silence, under the 400 ms idle timeout"
    );
}

#[tokio::test]
async fn a_kept_alive_connection_waits_for_its_next_request_no_longer_than_the_head_timeout() {
    // docs/limits.md: after an answer the head timer runs again, so the 300 ms head timeout
    // ends the wait for a next request long before the 60 s idle timeout.
    let (addr, _server) = start(app(), limits(300, 60_000, 16)).await;
    let mut kept = TcpStream::connect(addr).await.unwrap();
    let answer = ask_healthz(&mut kept).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(
        closed_by_server(&mut kept, Duration::from_secs(5))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_connection_that_keeps_moving_bytes_outlives_the_idle_timeout() {
    let (addr, _server) = start(app(), limits(60_000, 400, 16)).await;
    let mut busy = TcpStream::connect(addr).await.unwrap();
    // Five idle timeouts long, never quiet for more than 150 ms.
    for _ in 0..14 {
        let answer = ask_healthz(&mut busy).await;
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

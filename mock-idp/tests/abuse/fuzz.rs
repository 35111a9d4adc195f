//! Malformed input from every side — methods, paths, queries, bodies, headers — gets a
//! 4xx, never a 5xx, and `/healthz` keeps answering; a half-sent request head is cut off by
//! the header-read timeout instead of holding its connection.

use std::time::{Duration, Instant};

use mock_idp::{Limits, MockIdp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::http;
use crate::idp;

/// A small deterministic generator, so a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    /// Bytes a parser may choke on: percent signs without hex, controls, non-UTF-8
    /// escapes, separators, long runs.
    fn junk(&mut self) -> String {
        const PIECES: [&str; 14] = [
            "%", "%zz", "%ff%fe", "&", "=", "==", "+", ";", "\u{0}", "é", "{", "\"]}", "%00", "a",
        ];
        let mut s = String::new();
        for _ in 0..self.next() % 12 {
            s.push_str(PIECES[(self.next() % PIECES.len() as u64) as usize]);
        }
        if self.one_in(10) {
            s.push_str(&"x".repeat((self.next() % 20_000) as usize));
        }
        s
    }
}

const PATHS: [&str; 14] = [
    "/default/authorize",
    "/default/token",
    "/default/userinfo",
    "/default/logout",
    "/default/login",
    "/default/jwks",
    "/default/jwks/zzz",
    "/default/.well-known/openid-configuration",
    "/default/nope",
    "/common/v2.0/authorize",
    "/_admin/tenants",
    "/_admin/tenants/default/faults",
    "/_admin/clock",
    "/%ff/../default/token",
];
const PARAMS: [&str; 16] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "response_mode",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "claims",
    "code",
    "grant_type",
    "refresh_token",
    "mock_fault",
    "code_challenge",
    "txn",
];
const VALUES: [&str; 12] = [
    "rp",
    "code",
    "id_token token",
    "form_post",
    "openid",
    "none login",
    "-1",
    "{}",
    "[1]",
    "authorization_code",
    "delay",
    "http://127.0.0.1:9/cb",
];

#[tokio::test]
async fn malformed_requests_never_get_a_5xx_and_healthz_stays_up() {
    let idp = idp(Limits::default()).await;
    let client = http();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut tried = 0;
    for _batch in 0..60 {
        let mut batch = Vec::new();
        for _ in 0..25 {
            let path = rng.pick(&PATHS);
            let mut query = String::new();
            for _ in 0..rng.next() % 6 {
                let value = if rng.one_in(2) {
                    rng.pick(&VALUES).to_owned()
                } else {
                    rng.junk()
                };
                query.push_str(&format!("{}={}&", rng.pick(&PARAMS), value));
            }
            let url = format!("{}{path}?{query}", idp.url());
            let method = rng.pick(&["GET", "POST", "PUT", "DELETE", "PATCH"]);
            let mut req = client.request(method.parse().unwrap(), &url);
            if rng.one_in(2) {
                let ct = rng.pick(&[
                    "application/x-www-form-urlencoded",
                    "application/json",
                    "text/plain",
                    "multipart/form-data; boundary=x",
                ]);
                req = req.header("content-type", ct).body(format!(
                    "{}={}&{}",
                    rng.pick(&PARAMS),
                    rng.junk(),
                    rng.junk()
                ));
            }
            if rng.one_in(3) {
                let auth = rng.pick(&[
                    "Basic !!!",
                    "Basic cnA6",
                    "Bearer ",
                    "bearer x y",
                    "Basic cnA6cnAtc2VjcmV0",
                ]);
                req = req.header("authorization", auth);
            }
            if rng.one_in(4) {
                req = req.header(
                    "cookie",
                    format!(
                        "mock_idp_session={}",
                        rng.junk().replace(['\u{0}', ';'], "")
                    ),
                );
            }
            batch.push(tokio::spawn(async move {
                req.send().await.map(|r| (r.status().as_u16(), url))
            }));
        }
        for b in batch {
            tried += 1;
            // A request the client itself cannot build (a header it refuses) is not sent.
            if let Ok((status, url)) = b.await.unwrap() {
                assert!(status < 500, "{status} for {}", &url[..url.len().min(300)]);
            }
        }
    }
    assert_eq!(tried, 1500);
    let health = client
        .get(format!("{}/healthz", idp.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn a_half_sent_request_head_is_cut_off_and_healthz_answers_meanwhile() {
    let idp = MockIdp::builder()
        .limits(Limits {
            header_read_timeout_secs: 1,
            idle_timeout_secs: 5,
            max_injected_delay_ms: 1000,
            ..Limits::default()
        })
        .start()
        .await;
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut s = tokio::net::TcpStream::connect(idp.address()).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .await
            .unwrap();
        stalled.push(s);
    }
    let health = http()
        .get(format!("{}/healthz", idp.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let started = Instant::now();
    for mut s in stalled {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
        assert!(read.is_ok(), "the server closed the stalled connection");
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

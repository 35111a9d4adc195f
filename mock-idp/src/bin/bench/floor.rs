//! The floor: a server that does as little as a server can for a discovery request — one
//! thread, one tokio reactor, each connection finding the end of each request head and
//! writing the same prepared answer — measured in the same run as the providers. What it
//! costs is mostly the kernel's loopback TCP and the wake-ups; a target below it would ask a
//! provider for less than answering takes on that machine at that time.

use std::path::Path;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The answer to every request: `200` with `body` as JSON, kept alive unless the client
/// asked to close.
pub fn answer(body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Serves `body` on 127.0.0.1:`port` until the process is killed; call it on a
/// current-thread runtime, so that one thread does everything.
pub async fn serve(port: u16, body_file: &Path) -> anyhow::Result<()> {
    let body =
        std::fs::read(body_file).with_context(|| format!("cannot read {}", body_file.display()))?;
    let answer: &'static [u8] = Box::leak(answer(&body).into_boxed_slice());
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer_each_request(stream, answer));
        }
    }
}

async fn answer_each_request(mut stream: TcpStream, answer: &[u8]) {
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; 16 * 1024];
    let mut held = 0;
    loop {
        let n = match stream.read(&mut buf[held..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        held += n;
        while let Some(end) = head_end(&buf[..held]) {
            if stream.write_all(answer).await.is_err() || asks_to_close(&buf[..end]) {
                return;
            }
            buf.copy_within(end..held, 0);
            held -= end;
        }
        if held == buf.len() {
            // A head longer than the buffer: not a client of this bench.
            return;
        }
    }
}

/// Where the first request head in `bytes` ends (after its blank line).
fn head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

fn asks_to_close(head: &[u8]) -> bool {
    String::from_utf8_lossy(head)
        .to_ascii_lowercase()
        .contains("\r\nconnection: close")
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::{Read, Write};

    #[test]
    fn each_head_gets_the_answer_and_close_is_honoured() {
        let dir = std::env::temp_dir().join(format!("floor-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let body = dir.join("body.json");
        std::fs::write(&body, br#"{"issuer":"x"}"#).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(serve(port, &body))
        });
        let mut stream = loop {
            if let Ok(s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                break s;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        // Two pipelined heads, the second asking to close: two answers, then end of stream.
        stream
            .write_all(
                b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nConnection: close\r\n\r\n",
            )
            .unwrap();
        let mut got = Vec::new();
        stream.read_to_end(&mut got).unwrap();
        let one = answer(br#"{"issuer":"x"}"#);
        assert_eq!(got, [one.clone(), one].concat());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

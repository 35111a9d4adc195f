//! The accept loop and the per-connection driver shared by plain and TLS serving.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tower::{Service, ServiceExt};

use crate::limits::ServerLimits;

/// What [`serve`] and [`serve_tls`] answer requests with: an axum `Router`, or any service
/// of the same shape (a server that routes some paths itself before a `Router` sees them).
pub trait App:
    Service<Request, Response = Response, Error = Infallible, Future: Send>
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> App for S where
    S: Service<Request, Response = Response, Error = Infallible, Future: Send>
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// Serves `app` over plain HTTP/1.1 and HTTP/2 on `listener` within `limits`, until the task
/// is dropped or aborted. Handlers see the peer as `ConnectInfo<SocketAddr>`.
pub async fn serve(listener: TcpListener, app: impl App, limits: ServerLimits) {
    accept_loop(listener, app, limits, None).await;
}

/// Serves `app` over TLS on `listener` within `limits`; the handshake must finish within
/// `limits.header_read_timeout`.
pub async fn serve_tls(
    listener: TcpListener,
    app: impl App,
    limits: ServerLimits,
    tls: Arc<rustls::ServerConfig>,
) {
    accept_loop(listener, app, limits, Some(TlsAcceptor::from(tls))).await;
}

/// Why a PEM certificate and key could not make a TLS configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate PEM held no readable certificate.
    #[error("the certificate PEM holds no readable certificate")]
    Certificate(#[source] Option<rustls::pki_types::pem::Error>),
    /// The key PEM held no readable private key.
    #[error("the key PEM holds no readable private key")]
    Key(#[source] rustls::pki_types::pem::Error),
    /// rustls refused the pair (e.g. the key does not match the certificate).
    #[error("the certificate and key do not make a TLS configuration")]
    Config(#[source] rustls::Error),
}

/// A TLS server configuration (HTTP/2 and HTTP/1.1 by ALPN) from a PEM chain and key.
pub fn tls_config_from_pem(
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Certificate(Some(e)))?;
    if chain.is_empty() {
        return Err(TlsError::Certificate(None));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(TlsError::Key)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Config)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(TlsError::Config)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

async fn accept_loop(
    listener: TcpListener,
    app: impl App,
    limits: ServerLimits,
    tls: Option<TlsAcceptor>,
) {
    // A permit is taken before accepting, so past the limit clients wait in the kernel's
    // backlog instead of costing this process a file descriptor each.
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors or a connection reset before accept: transient, and
                // spinning on it would burn a core.
                tracing::warn!(error = %e, "accept failed; retrying shortly");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let app = app.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            serve_connection(stream, peer, app, limits, tls).await;
            drop(permit);
        });
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: impl App,
    limits: ServerLimits,
    tls: Option<TlsAcceptor>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Activity::default();
    let stream = Watched {
        inner: stream,
        activity: activity.clone(),
    };
    match tls {
        None => drive(stream, peer, app, limits, activity).await,
        Some(acceptor) => {
            match tokio::time::timeout(limits.header_read_timeout, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => drive(stream, peer, app, limits, activity).await,
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        }
    }
}

async fn drive<I>(io: I, peer: SocketAddr, app: impl App, limits: ServerLimits, activity: Activity)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            let Ok(response) = app.oneshot(request.map(axum::body::Body::new)).await;
            Ok::<_, Infallible>(response)
        }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    // No upgrades (WebSocket, CONNECT): neither server has a use for them.
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::select! {
        result = connection => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        }
        () = activity.idle_for(limits.idle_timeout) => {
            tracing::debug!(%peer, "closing an idle connection");
        }
    }
}

/// How many times per idle timeout a connection's watcher looks for movement.
const IDLE_LOOKS: u32 = 4;

/// Whether a connection moved a byte since its watcher last looked. Reads and writes only
/// set a flag: reading a clock on each of them cost more than the rest of this layer.
#[derive(Debug, Clone, Default)]
struct Activity {
    moved: Arc<AtomicBool>,
}

impl Activity {
    fn touch(&self) {
        self.moved.store(true, Ordering::Relaxed);
    }

    /// Completes once no byte has moved for `idle`. The watcher looks every `idle / 4` and
    /// ends after four looks in a row found nothing: never sooner than `idle` after the last
    /// byte, and at most a quarter of `idle` later.
    async fn idle_for(&self, idle: Duration) {
        let step = (idle / IDLE_LOOKS).max(Duration::from_millis(1));
        let mut looks = tokio::time::interval_at(Instant::now() + step, step);
        looks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut quiet = 0;
        while quiet < IDLE_LOOKS {
            looks.tick().await;
            quiet = if self.moved.swap(false, Ordering::Relaxed) {
                0
            } else {
                quiet + 1
            };
        }
    }
}

/// A stream that records every byte it moves in its [`Activity`].
#[derive(Debug)]
struct Watched<S> {
    inner: S,
    activity: Activity,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

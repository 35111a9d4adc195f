//! A relying party serving on an ephemeral loopback port, for tests and the harness.

use std::sync::Arc;

use server_guard::ServerLimits;

use super::router::serve;
use super::state::Rp;
use crate::store::Store;

/// A relying party serving on an ephemeral loopback port; stops when dropped. For tests and
/// the harness.
#[derive(Debug)]
pub struct RunningRp {
    /// The application state.
    pub rp: Arc<Rp>,
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl RunningRp {
    /// Starts on `127.0.0.1:0` over `store`, in development mode (loopback http issuers).
    pub async fn start(store: Store) -> std::io::Result<Self> {
        Self::start_with(store, None, "127.0.0.1").await
    }

    /// As [`RunningRp::start`], reached as `http://{host}:{port}` (e.g. `localhost`): a
    /// browser counts it as another site than a mock IdP on `127.0.0.1`, which is how a test
    /// sees what a provider on another site does to the relying party's cookies.
    pub async fn start_reached_as(store: Store, host: &str) -> std::io::Result<Self> {
        Self::start_with(store, None, host).await
    }

    /// As [`RunningRp::start`], also trusting the certificates in `pem` (see
    /// [`Rp::trusting`]), e.g. a mock IdP's serving https.
    pub async fn start_trusting(store: Store, pem: &[u8]) -> std::io::Result<Self> {
        Self::start_with(store, Some(pem), "127.0.0.1").await
    }

    async fn start_with(store: Store, pem: Option<&[u8]>, host: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{host}:{}", listener.local_addr()?.port());
        let mut rp = Rp::new(store, &url, true);
        if let Some(pem) = pem {
            rp = rp
                .trusting(pem)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        }
        let rp = Arc::new(rp);
        let served = rp.clone();
        let task = tokio::spawn(serve(listener, served, ServerLimits::default()));
        Ok(Self { rp, url, task })
    }
}

impl Drop for RunningRp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

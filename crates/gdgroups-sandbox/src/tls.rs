//! HTTPS for the sandbox: the certificate and key it serves ([`TlsConfig`]), and the listener
//! that completes TLS handshakes before axum sees a connection, so the router, its middleware
//! and fault injection are the same over HTTP and HTTPS.
//!
//! Handshakes run in their own tasks, not in `accept`: a client that connects and says nothing
//! (or speaks plain HTTP to the HTTPS port) must not hold up everyone else.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// A handshake that takes longer than this is abandoned.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Finished handshakes waiting for axum; more only wait for room.
const QUEUE: usize = 64;

/// The certificate chain and private key the sandbox serves HTTPS with, checked when made.
#[derive(Clone)]
pub struct TlsConfig {
    server: Arc<ServerConfig>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The server config holds the private key; it has no business in a debug dump.
        f.debug_struct("TlsConfig").finish_non_exhaustive()
    }
}

/// Why a certificate or key cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read (the message names the path).
    #[error("{0}")]
    Read(#[source] std::io::Error),
    /// The PEM holds no usable certificate or key, or they do not belong together.
    #[error("{origin}: {problem}")]
    Invalid {
        /// The file, or what the bytes were (`the certificate PEM`).
        origin: String,
        /// What is wrong.
        problem: String,
    },
}

impl TlsConfig {
    /// Reads a PEM certificate chain (the server's certificate first, then intermediates) and
    /// a PEM private key (PKCS#8, PKCS#1 or SEC1). Errors name the file.
    pub fn from_pem_files(cert_chain: &Path, key: &Path) -> Result<Self, TlsError> {
        let cert_pem = fs_err::read(cert_chain).map_err(TlsError::Read)?;
        let key_pem = fs_err::read(key).map_err(TlsError::Read)?;
        build(
            &cert_pem,
            &cert_chain.display().to_string(),
            &key_pem,
            &key.display().to_string(),
        )
    }

    /// The same from bytes already in memory.
    pub fn from_pem(cert_chain: &[u8], key: &[u8]) -> Result<Self, TlsError> {
        build(cert_chain, "the certificate PEM", key, "the key PEM")
    }
}

fn build(
    cert_pem: &[u8],
    cert_origin: &str,
    key_pem: &[u8],
    key_origin: &str,
) -> Result<TlsConfig, TlsError> {
    let invalid = |origin: &str, problem: String| TlsError::Invalid {
        origin: origin.to_string(),
        problem,
    };
    let certs = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            invalid(
                cert_origin,
                format!("not a valid PEM certificate chain ({e})"),
            )
        })?;
    if certs.is_empty() {
        return Err(invalid(
            cert_origin,
            "no certificate in it (expected a `-----BEGIN CERTIFICATE-----` block)".to_string(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| match e {
        pem::Error::NoItemsFound => invalid(
            key_origin,
            "no private key in it (expected a `-----BEGIN PRIVATE KEY-----`, `RSA PRIVATE KEY` or `EC PRIVATE KEY` block)"
                .to_string(),
        ),
        e => invalid(key_origin, format!("not a valid PEM private key ({e})")),
    })?;
    // The provider is named rather than taken from the process default: ring is the one
    // compiled in (reqwest uses it too), and nothing has to be installed globally first.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(cert_origin, format!("cannot set up TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            let problem = match e {
                rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => format!(
                    "the key in {key_origin} is not this certificate's key (the server's certificate must come first)"
                ),
                e => format!("cannot be served with the key in {key_origin}: {e}"),
            };
            invalid(cert_origin, problem)
        })?;
    // The router speaks HTTP/1.1 only (axum's `http1` feature); saying so stops a client from
    // trying h2.
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConfig {
        server: Arc::new(server),
    })
}

/// An axum listener that yields connections whose TLS handshake is done.
pub(crate) struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
    acceptor: JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `listener`; must be called on a tokio runtime.
    pub(crate) fn new(listener: TcpListener, config: &TlsConfig) -> std::io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let tls = TlsAcceptor::from(config.server.clone());
        let (sender, ready) = mpsc::channel(QUEUE);
        let acceptor = tokio::spawn(accept_loop(listener, tls, sender));
        Ok(Self {
            ready,
            local_addr,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        // axum drops the listener on shutdown; the port must close with it.
        self.acceptor.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Mostly "too many open files": wait for some to close, as axum does.
                tracing::warn!(%error, "the sandbox could not accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let tls = tls.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    // Fails only when the server is shutting down; the connection just closes.
                    let _ = ready.send((stream, peer)).await;
                }
                Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accept loop never ends on its own, and is only aborted when this listener is
            // dropped, so the channel stays open while `accept` can be called.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

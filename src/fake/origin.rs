//! A fake origin: a TLS server on 127.0.0.1 presenting a given chain, or misbehaving on purpose.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::origin::Origin;

/// What a [`FakeOrigin`] does with each connection.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Behavior {
    /// A TLS handshake presenting the chain, then reads (and counts) whatever the client sends
    /// until it closes.
    Handshake,
    /// Accepts the connection and never sends a byte.
    Silent,
    /// Sends this many bytes of garbage (not TLS), then waits for the client to close.
    Garbage(usize),
}

/// How a [`FakeOrigin`] is made: see [`FakeOrigin::builder`].
pub struct FakeOriginBuilder {
    config: Option<Arc<ServerConfig>>,
    behavior: Behavior,
    latency: Duration,
}

impl fmt::Debug for FakeOriginBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeOriginBuilder")
            .field("tls", &self.config.is_some())
            .field("behavior", &self.behavior)
            .field("latency", &self.latency)
            .finish()
    }
}

impl FakeOriginBuilder {
    /// What to do with each connection (a handshake by default; [`Behavior::Handshake`] needs a
    /// chain, given to [`FakeOrigin::builder`]).
    pub fn behavior(mut self, behavior: Behavior) -> Self {
        self.behavior = behavior;
        self
    }

    /// A wait before each connection is answered, as a network far away would add.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Binds 127.0.0.1 on a free port and serves until dropped.
    pub async fn start(self) -> io::Result<FakeOrigin> {
        if self.behavior == Behavior::Handshake && self.config.is_none() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "a handshake needs a chain and its key"));
        }
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let serving = Serving { config: self.config, behavior: self.behavior, latency: self.latency };
        let task = tokio::spawn(accept_loop(listener, Arc::new(serving), counters.clone()));
        Ok(FakeOrigin { address, counters, task })
    }
}

/// A TLS server on 127.0.0.1 presenting a given chain, for testing a pipeline's origin checks
/// without an origin: [`Behavior::Handshake`] (the default), or one that never answers
/// ([`Behavior::Silent`]) or sends garbage ([`Behavior::Garbage`]). It counts connections,
/// completed handshakes, and the application data it received after them (an origin check
/// sends none).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use cloudflare_origin_trust_store::fake::FakeOrigin;
/// use cloudflare_origin_trust_store::origin::OriginChain;
///
/// let key = rcgen::KeyPair::generate()?;
/// let leaf = rcgen::CertificateParams::new(vec!["www.example.com".to_owned()])?.self_signed(&key)?;
/// let origin = FakeOrigin::builder(&leaf.pem(), &key.serialize_pem())?.start().await?;
/// let chain = OriginChain::fetch(&origin.origin("www.example.com")?, Duration::from_secs(5)).await?;
/// assert_eq!(chain.certificates().len(), 1);
/// origin.closed(1).await;
/// assert_eq!(origin.handshakes(), 1);
/// # Ok(())
/// # }
/// ```
pub struct FakeOrigin {
    address: SocketAddr,
    counters: Arc<Counters>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    handshakes: AtomicU64,
    application_bytes: AtomicU64,
    closed: AtomicU64,
    closing: tokio::sync::Notify,
}

struct Serving {
    config: Option<Arc<ServerConfig>>,
    behavior: Behavior,
    latency: Duration,
}

impl FakeOrigin {
    /// A fake origin presenting `chain_pem` (leaf first) with the private key `key_pem` (PKCS#8,
    /// SEC1 or PKCS#1 PEM). Refused when either does not parse or they do not match.
    pub fn builder(chain_pem: &str, key_pem: &str) -> io::Result<FakeOriginBuilder> {
        let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| invalid(format!("the chain's PEM: {e}")))?;
        if chain.is_empty() {
            return Err(invalid("the chain holds no certificate".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| invalid(format!("the key's PEM: {e}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| invalid(format!("the chain and key: {e}")))?;
        Ok(FakeOriginBuilder {
            config: Some(Arc::new(config)),
            behavior: Behavior::Handshake,
            latency: Duration::ZERO,
        })
    }

    /// A fake origin that accepts connections and never sends a byte.
    pub async fn silent() -> io::Result<Self> {
        FakeOriginBuilder { config: None, behavior: Behavior::Silent, latency: Duration::ZERO }.start().await
    }

    /// A fake origin that sends `bytes` bytes of garbage on each connection.
    pub async fn garbage(bytes: usize) -> io::Result<Self> {
        FakeOriginBuilder { config: None, behavior: Behavior::Garbage(bytes), latency: Duration::ZERO }
            .start()
            .await
    }

    /// Its address on 127.0.0.1.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The origin `host` reached at this server: `host@127.0.0.1:PORT`.
    pub fn origin(&self, host: &str) -> crate::Result<Origin> {
        Origin::new(host)?.at(self.address.ip()).with_port(self.address.port())
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.counters.connections.load(Ordering::SeqCst)
    }

    /// TLS handshakes completed so far.
    pub fn handshakes(&self) -> u64 {
        self.counters.handshakes.load(Ordering::SeqCst)
    }

    /// Waits until `count` connections have been served and closed: the counters are final for
    /// them (a client's handshake can end before the server has counted it).
    pub async fn closed(&self, count: u64) {
        loop {
            let notified = self.counters.closing.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.counters.closed.load(Ordering::SeqCst) >= count {
                return;
            }
            notified.await;
        }
    }

    /// Bytes of application data received after handshakes, so far.
    pub fn application_bytes(&self) -> u64 {
        self.counters.application_bytes.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for FakeOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeOrigin")
            .field("address", &self.address)
            .field("connections", &self.connections())
            .field("handshakes", &self.handshakes())
            .finish()
    }
}

impl Drop for FakeOrigin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, serving: Arc<Serving>, counters: Arc<Counters>) {
    let mut connections = tokio::task::JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        counters.connections.fetch_add(1, Ordering::SeqCst);
        connections.spawn(serve(stream, serving.clone(), counters.clone()));
        while connections.try_join_next().is_some() {}
    }
}

async fn serve(stream: TcpStream, serving: Arc<Serving>, counters: Arc<Counters>) {
    answer(stream, &serving, &counters).await;
    counters.closed.fetch_add(1, Ordering::SeqCst);
    counters.closing.notify_waiters();
}

async fn answer(mut stream: TcpStream, serving: &Serving, counters: &Counters) {
    tokio::time::sleep(serving.latency).await;
    match (&serving.behavior, &serving.config) {
        (Behavior::Handshake, Some(config)) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
            if let Ok(mut tls) = acceptor.accept(stream).await {
                counters.handshakes.fetch_add(1, Ordering::SeqCst);
                let received = drain(&mut tls).await;
                counters.application_bytes.fetch_add(received, Ordering::SeqCst);
            }
        }
        (Behavior::Garbage(bytes), _) => {
            let chunk: Vec<u8> =
                (0..16_384u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
            let mut left = *bytes;
            while left > 0 {
                let part = left.min(chunk.len());
                if stream.write_all(&chunk[..part]).await.is_err() {
                    return;
                }
                left -= part;
            }
            drain(&mut stream).await;
        }
        _ => {
            drain(&mut stream).await;
        }
    }
}

/// Reads until the peer closes or fails; returns how many bytes came.
async fn drain(stream: &mut (impl AsyncRead + Unpin)) -> u64 {
    let mut buffer = [0u8; 4096];
    let mut total = 0;
    while let Ok(read) = stream.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        total += read as u64;
    }
    total
}

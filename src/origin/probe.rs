//! The TLS handshake that records what an origin presents: bounded in time and bytes, sending no
//! application data, trusting nothing.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, ring};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout, timeout_at};

use crate::origin::address::{Address, Origin};

/// Bounds of one probe: how long connecting and the handshake may each take, and how many bytes
/// the origin may send before the handshake is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeLimits {
    pub(crate) connect_timeout: Duration,
    pub(crate) handshake_timeout: Duration,
    pub(crate) max_bytes: u64,
}

impl ProbeLimits {
    /// 5 s to resolve and connect, 10 s for the handshake.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    /// 256 KiB: a handshake with a long chain of ML-DSA certificates (some 7 KiB each) fits many
    /// times over.
    pub const DEFAULT_MAX_BYTES: u64 = 256 << 10;

    /// The defaults: 5 s to connect, 10 s for the handshake, 256 KiB read at most.
    pub fn new() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            handshake_timeout: Self::DEFAULT_TIMEOUT,
            max_bytes: Self::DEFAULT_MAX_BYTES,
        }
    }

    /// `timeout` for connecting (resolving included) and again for the handshake.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self.handshake_timeout = timeout;
        self
    }

    /// The most bytes read from the origin.
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

impl Default for ProbeLimits {
    fn default() -> Self {
        Self::new()
    }
}

/// Why an origin's chain could not be recorded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProbeError {
    /// The name to connect to does not resolve.
    #[error("cannot resolve {name}: {reason}")]
    Resolve {
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
    /// Resolving or connecting took longer than the connect timeout.
    #[error("connecting to {address} timed out after {} ms", timeout_ms)]
    ConnectTimeout {
        /// What was being connected to.
        address: String,
        /// The timeout.
        timeout_ms: u64,
    },
    /// The connection was refused or failed.
    #[error("cannot connect to {address}: {reason}")]
    Connect {
        /// The address.
        address: String,
        /// Why.
        reason: String,
    },
    /// The origin accepted the connection but did not complete a handshake in time.
    #[error("the TLS handshake with {address} did not complete within {} ms", timeout_ms)]
    HandshakeTimeout {
        /// The address.
        address: String,
        /// The timeout.
        timeout_ms: u64,
    },
    /// The origin sent more bytes than the limit without completing a handshake.
    #[error("{address} sent over {limit} bytes without completing a TLS handshake")]
    TooMuchData {
        /// The address.
        address: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The handshake failed: not TLS, an alert, a bad handshake signature...
    #[error("the TLS handshake with {address} failed: {reason}")]
    Tls {
        /// The address.
        address: String,
        /// Why, as rustls says it.
        reason: String,
    },
    /// The handshake completed without a certificate.
    #[error("{address} presented no certificate")]
    NoCertificate {
        /// The address.
        address: String,
    },
}

/// What a handshake recorded.
pub(crate) struct Handshake {
    pub(crate) address: SocketAddr,
    pub(crate) protocol: String,
    pub(crate) certificates: Vec<CertificateDer<'static>>,
}

/// Connects to `origin`, makes a TLS handshake with its host name as SNI, and closes.
pub(crate) async fn handshake(origin: &Origin, limits: &ProbeLimits) -> Result<Handshake, ProbeError> {
    let server_name = ServerName::try_from(origin.host().to_owned())
        .map_err(|e| ProbeError::Tls { address: origin.to_string(), reason: e.to_string() })?;
    let (stream, address) = connect(origin, limits.connect_timeout).await?;
    let shown = address.to_string();
    let stream = Bounded { inner: stream, left: limits.max_bytes };
    let connector = tokio_rustls::TlsConnector::from(CONFIG.clone());
    let tls = match timeout(limits.handshake_timeout, connector.connect(server_name, stream)).await {
        Err(_) => {
            return Err(ProbeError::HandshakeTimeout {
                address: shown,
                timeout_ms: millis(limits.handshake_timeout),
            });
        }
        Ok(Err(error)) if is_over_limit(&error) => {
            return Err(ProbeError::TooMuchData { address: shown, limit: limits.max_bytes });
        }
        Ok(Err(error)) => return Err(ProbeError::Tls { address: shown, reason: tls_reason(&error) }),
        Ok(Ok(tls)) => tls,
    };
    let (_, connection) = tls.get_ref();
    let certificates: Vec<CertificateDer<'static>> =
        connection.peer_certificates().unwrap_or_default().iter().map(|c| c.clone().into_owned()).collect();
    let protocol = connection.protocol_version().map(|v| format!("{v:?}")).unwrap_or_default();
    // Closed at once: nothing but the handshake is ever written.
    drop(tls);
    if certificates.is_empty() {
        return Err(ProbeError::NoCertificate { address: shown });
    }
    Ok(Handshake { address, protocol, certificates })
}

/// rustls's words for a failed handshake, and what they mean when the origin does not speak TLS.
fn tls_reason(error: &io::Error) -> String {
    let not_tls = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|inner| matches!(inner, rustls::Error::InvalidMessage(_)));
    if not_tls {
        format!("{error} (what it sent is not TLS: another protocol on this port?)")
    } else {
        error.to_string()
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A TCP connection to the origin's address (or the first of its host's addresses that
/// connects), all within `limit`.
async fn connect(origin: &Origin, limit: Duration) -> Result<(TcpStream, SocketAddr), ProbeError> {
    let name = origin.connect_name();
    let shown = match origin.address() {
        Some(address) => format!("{address}:{}", origin.port()),
        None => format!("{name}:{}", origin.port()),
    };
    let timed_out = || ProbeError::ConnectTimeout { address: shown.clone(), timeout_ms: millis(limit) };
    let deadline = Instant::now() + limit;
    let addresses: Vec<SocketAddr> = match origin.address() {
        Some(Address::Ip(ip)) => vec![SocketAddr::new(*ip, origin.port())],
        _ => {
            let resolved =
                timeout_at(deadline, tokio::net::lookup_host((name.as_str(), origin.port()))).await;
            match resolved {
                Err(_) => return Err(timed_out()),
                Ok(Err(error)) => {
                    return Err(ProbeError::Resolve { name: name.clone(), reason: error.to_string() });
                }
                Ok(Ok(found)) => found.take(16).collect(),
            }
        }
    };
    let mut last = None;
    for address in &addresses {
        match timeout_at(deadline, TcpStream::connect(address)).await {
            Err(_) => return Err(timed_out()),
            Ok(Ok(stream)) => return Ok((stream, *address)),
            Ok(Err(error)) => last = Some((address, error)),
        }
    }
    Err(match last {
        Some((address, error)) => {
            ProbeError::Connect { address: address.to_string(), reason: error.to_string() }
        }
        None => ProbeError::Resolve { name, reason: "no address".into() },
    })
}

/// The marker of a read past the byte limit, inside the `io::Error` the handshake fails with.
#[derive(Debug, thiserror::Error)]
#[error("read limit reached")]
struct OverLimit;

fn is_over_limit(error: &io::Error) -> bool {
    error.get_ref().is_some_and(|inner| inner.is::<OverLimit>())
}

/// A stream that fails a read once `left` bytes have been read.
struct Bounded<S> {
    inner: S,
    left: u64,
}

impl<S: AsyncRead + Unpin> AsyncRead for Bounded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.left == 0 {
            return Poll::Ready(Err(io::Error::other(OverLimit)));
        }
        let mut scratch = [0u8; 8192];
        let room = buf.remaining().min(scratch.len()).min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let mut part = ReadBuf::new(&mut scratch[..room]);
        ready!(Pin::new(&mut self.inner).poll_read(cx, &mut part))?;
        let read = part.filled();
        self.left -= read.len() as u64;
        buf.put_slice(read);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Bounded<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// One client configuration for every probe: TLS 1.2 and 1.3 with the ring provider, and a
/// verifier that records.
static CONFIG: LazyLock<Arc<ClientConfig>> = LazyLock::new(|| {
    let provider = Arc::new(ring::default_provider());
    let algorithms = provider.signature_verification_algorithms;
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports TLS 1.2 and 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Recorder { algorithms }))
        .with_no_client_auth();
    Arc::new(config)
});

/// Accepts any certificate (it is recorded, then judged by `verify` against a trust set, never
/// trusted by the handshake). The handshake signature is checked against the leaf's key where
/// ring can check it; ML-DSA schemes are offered so that a post-quantum origin completes the
/// handshake, and their signatures are accepted unchecked (the chain is then judged *unknown*).
#[derive(Debug)]
struct Recorder {
    algorithms: WebPkiSupportedAlgorithms,
}

const ML_DSA: [SignatureScheme; 3] =
    [SignatureScheme::ML_DSA_44, SignatureScheme::ML_DSA_65, SignatureScheme::ML_DSA_87];

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if ML_DSA.contains(&dss.scheme) {
            return Ok(HandshakeSignatureValid::assertion());
        }
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = self.algorithms.supported_schemes();
        schemes.extend(ML_DSA);
        schemes
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn a_bounded_stream_fails_the_read_past_its_limit() {
        let (mut writer, reader) = tokio::io::duplex(1 << 16);
        let sender = tokio::spawn(async move {
            let chunk = [0xAB_u8; 4096];
            for _ in 0..64 {
                if writer.write_all(&chunk).await.is_err() {
                    break;
                }
            }
        });
        let mut bounded = Bounded { inner: reader, left: 10_000 };
        let mut seen = Vec::new();
        let error = bounded.read_to_end(&mut seen).await.unwrap_err();
        assert!(is_over_limit(&error), "{error:?}");
        assert_eq!(seen.len(), 10_000);
        drop(bounded);
        sender.await.unwrap();
    }
}

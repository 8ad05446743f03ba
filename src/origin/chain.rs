//! What an origin presents: its certificate chain, from a TLS handshake or a PEM file.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use serde::Serialize;
use x509_cert::Certificate;
use x509_cert::der::Decode;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use crate::certificate::{CertificateDetails, CertificateProblem, encode_pem};
use crate::error::{Error, Result};
use crate::origin::address::{Origin, checked_host};
use crate::origin::probe::{self, ProbeError, ProbeLimits};

/// The largest chain [`OriginChain::from_pem`] reads: 1 MiB of PEM.
pub const MAX_CHAIN_BYTES: usize = 1 << 20;

/// The most certificates a chain may hold (a leaf and its intermediates; real chains hold 2 to 4).
pub const MAX_CHAIN_CERTIFICATES: usize = 16;

/// Where a chain came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "from", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChainSource {
    /// A TLS handshake with the origin.
    Handshake {
        /// The address the handshake was made with.
        #[cfg_attr(feature = "schemars", schemars(with = "String"))]
        address: SocketAddr,
        /// The TLS version agreed (`TLSv1_3`, `TLSv1_2`).
        protocol: String,
    },
    /// A PEM file or text.
    Pem,
}

/// The certificates an origin presents for a host name, leaf first, as they were sent: not
/// trusted, only recorded ([`verify`](crate::origin::verify) judges them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginChain {
    host: String,
    certificates: Vec<CertificateDer<'static>>,
    source: ChainSource,
}

/// What the leaf of a chain says, for reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Leaf {
    /// The leaf's subject.
    pub subject: String,
    /// Its issuer.
    pub issuer: String,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
    /// The DNS names of its subjectAltName.
    pub names: Vec<String>,
    /// The SHA-256 fingerprint of its DER.
    pub sha256_fingerprint: String,
    /// Its signature algorithm (an OID where the name is not known, as for ML-DSA).
    pub signature_algorithm: String,
}

impl OriginChain {
    /// The chain in `pem` (every `CERTIFICATE` block, leaf first; other blocks, a key say, are
    /// skipped) as presented for `host`. Refused when `host` is not a host name, the PEM holds no
    /// certificate or over [`MAX_CHAIN_CERTIFICATES`], or is over [`MAX_CHAIN_BYTES`].
    pub fn from_pem(host: &str, pem: &str) -> Result<Self> {
        let host = checked_host(host).map_err(|reason| Error::invalid("host", reason))?;
        if pem.len() > MAX_CHAIN_BYTES {
            return Err(CertificateProblem::TooLarge { limit: MAX_CHAIN_BYTES }.into());
        }
        let mut certificates = Vec::new();
        for der in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            certificates.push(der.map_err(|error| CertificateProblem::MalformedPem(error.to_string()))?);
        }
        Self::from_der(&host, certificates, ChainSource::Pem)
    }

    /// A chain recorded elsewhere, leaf first.
    pub fn from_der(
        host: &str,
        certificates: Vec<CertificateDer<'static>>,
        source: ChainSource,
    ) -> Result<Self> {
        let host = checked_host(host).map_err(|reason| Error::invalid("host", reason))?;
        if certificates.is_empty() {
            return Err(CertificateProblem::NoCertificate.into());
        }
        if certificates.len() > MAX_CHAIN_CERTIFICATES {
            return Err(Error::invalid(
                "chain",
                format!("it holds {} certificates; at most {MAX_CHAIN_CERTIFICATES}", certificates.len()),
            ));
        }
        Ok(Self { host, certificates, source })
    }

    /// The chain `origin` presents in a TLS handshake, each step bounded by `timeout` (connect,
    /// then handshake), reading at most [`ProbeLimits::DEFAULT_MAX_BYTES`]. See
    /// [`OriginChain::fetch_with`].
    pub async fn fetch(origin: &Origin, timeout: Duration) -> std::result::Result<Self, ProbeError> {
        Self::fetch_with(origin, &ProbeLimits::new().timeout(timeout)).await
    }

    /// The chain `origin` presents in a TLS handshake (TLS 1.2 or 1.3, SNI its host name), within
    /// `limits`. Nothing is trusted: the certificates are recorded and accepted; the handshake's
    /// signature is checked against the leaf's key where the algorithm can be checked here.
    /// No application data is sent: the connection is closed as soon as the handshake is done.
    pub async fn fetch_with(origin: &Origin, limits: &ProbeLimits) -> std::result::Result<Self, ProbeError> {
        let shake = probe::handshake(origin, limits).await?;
        let source = ChainSource::Handshake { address: shake.address, protocol: shake.protocol };
        Ok(Self { host: origin.host().to_owned(), certificates: shake.certificates, source })
    }

    /// The host name the chain is presented for.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Every certificate, leaf first.
    pub fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.certificates
    }

    /// The leaf.
    pub fn leaf_der(&self) -> &CertificateDer<'static> {
        &self.certificates[0]
    }

    /// The certificates sent after the leaf, to build a path with.
    pub fn intermediates(&self) -> &[CertificateDer<'static>] {
        &self.certificates[1..]
    }

    /// Where the chain came from.
    pub fn source(&self) -> &ChainSource {
        &self.source
    }

    /// What the leaf says, or why it does not parse.
    pub fn leaf(&self) -> std::result::Result<Leaf, CertificateProblem> {
        let der = self.leaf_der().as_ref();
        let details = CertificateDetails::from_pem(&encode_pem(der))?;
        Ok(Leaf {
            subject: details.subject,
            issuer: details.issuer,
            not_before: details.not_before,
            not_after: details.not_after,
            names: dns_names(der),
            sha256_fingerprint: details.sha256_fingerprint,
            signature_algorithm: details.signature_algorithm,
        })
    }
}

/// The DNS names of a certificate's subjectAltName (at most 100, each at most 255 characters).
fn dns_names(der: &[u8]) -> Vec<String> {
    const SAN: x509_cert::der::asn1::ObjectIdentifier =
        x509_cert::der::asn1::ObjectIdentifier::new_unwrap("2.5.29.17");
    let Ok(cert) = Certificate::from_der(der) else { return Vec::new() };
    let extensions = cert.tbs_certificate.extensions.unwrap_or_default();
    let Some(san) = extensions.iter().find(|extension| extension.extn_id == SAN) else {
        return Vec::new();
    };
    let Ok(names) = SubjectAltName::from_der(san.extn_value.as_bytes()) else { return Vec::new() };
    names
        .0
        .iter()
        .filter_map(|name| match name {
            GeneralName::DnsName(name) => Some(name.as_str().chars().take(255).collect()),
            _ => None,
        })
        .take(100)
        .collect()
}

//! Local certificate checks before an upload, and details of a listed certificate.
//!
//! Cloudflare accepts only root CA certificates in a Custom Origin Trust Store. [`check_root_ca`]
//! catches a wrong file before anything is sent: the input must be PEM holding exactly one
//! certificate (and nothing else, a private key least of all), which must be a CA
//! (`basicConstraints CA=true`, and `keyCertSign` when it has a `keyUsage`), self-issued (issuer
//! equal to subject) and self-signed (its signature verifies with its own key, for the algorithms
//! the parser can verify), and valid now.

use std::fmt::Write as _;

mod pem;
mod signature;

use chrono::{DateTime, Utc};
use x509_cert::Certificate;
use x509_cert::der::Decode;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

pub use pem::{MAX_CERTIFICATE_BYTES, pem_text};
pub(crate) use pem::{encode_pem, single_certificate};
use signature::{Signature, self_signature, signature_name};

use crate::model::CustomTrustStore;

/// What is wrong with a certificate given for upload. Each is a distinct refusal; nothing is sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// The input is over [`MAX_CERTIFICATE_BYTES`].
    #[error("the input is over {} KiB; a root CA certificate is a few kilobytes", limit >> 10)]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The input is DER (binary), not PEM.
    #[error(
        "the input is DER (binary){}, not PEM; convert it with: openssl x509 -inform der -in FILE -out FILE.pem",
        if *certificate { ", a certificate" } else { " but not a certificate (a key or a PKCS#12 bundle?)" }
    )]
    Der {
        /// Whether the DER parses as a certificate.
        certificate: bool,
    },
    /// The input is not UTF-8 text.
    #[error(
        "the input is not text (not UTF-8); give a PEM file holding one -----BEGIN CERTIFICATE----- block"
    )]
    NotText,
    /// No `-----BEGIN CERTIFICATE-----` block in the input.
    #[error("no PEM certificate found (expected a -----BEGIN CERTIFICATE----- block)")]
    NoCertificate,
    /// More than one certificate in the input.
    #[error("the input holds {0} certificates; upload one root CA at a time")]
    MultipleCertificates(usize),
    /// A PEM block other than a certificate (a private key, say).
    #[error("the input holds a {0} block; give only the certificate (one -----BEGIN CERTIFICATE----- block)")]
    UnexpectedBlock(String),
    /// The PEM framing or base64 is broken.
    #[error("the PEM is malformed: {0}")]
    MalformedPem(String),
    /// The DER inside the PEM is not an X.509 certificate.
    #[error("the certificate cannot be parsed: {0}")]
    Unparsable(String),
    /// No `basicConstraints CA=true`.
    #[error("certificate is not a CA: {subject} lacks basicConstraints CA=true")]
    NotCa {
        /// The certificate's subject.
        subject: String,
    },
    /// A `keyUsage` extension without `keyCertSign`.
    #[error("certificate is not a CA: the keyUsage of {subject} lacks keyCertSign")]
    NoCertSign {
        /// The certificate's subject.
        subject: String,
    },
    /// Issuer and subject differ: an intermediate or a leaf.
    #[error("certificate is not a root CA: issuer {issuer} differs from subject {subject}")]
    NotSelfIssued {
        /// The certificate's issuer.
        issuer: String,
        /// The certificate's subject.
        subject: String,
    },
    /// An RSA key under 2,048 bits: too weak to trust, whatever its signature.
    #[error("certificate {subject} has a {bits}-bit RSA key; a root CA needs at least 2048 bits")]
    WeakKey {
        /// The certificate's subject.
        subject: String,
        /// The key's size.
        bits: usize,
    },
    /// A signature with a broken digest (MD2, MD5).
    #[error(
        "certificate {subject} is signed with {algorithm}, a broken digest; a root CA needs SHA-1 or better"
    )]
    WeakSignature {
        /// The certificate's subject.
        subject: String,
        /// The signature algorithm.
        algorithm: String,
    },
    /// The signature does not verify with the certificate's own key.
    #[error("certificate is not self-signed: the signature of {subject} does not verify with its own key")]
    BadSignature {
        /// The certificate's subject.
        subject: String,
    },
    /// Past its `notAfter`.
    #[error("certificate {subject} expired on {}", not_after.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))]
    Expired {
        /// The certificate's subject.
        subject: String,
        /// When it expired.
        not_after: DateTime<Utc>,
    },
    /// Before its `notBefore`.
    #[error("certificate {subject} is not valid before {}", not_before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))]
    NotYetValid {
        /// The certificate's subject.
        subject: String,
        /// When it becomes valid.
        not_before: DateTime<Utc>,
    },
}

impl CertificateProblem {
    /// The message, for the file at `path`: the DER hint names the file and a file to convert it
    /// into (quoted for a POSIX shell when it needs to be), instead of `FILE`.
    ///
    /// ```
    /// use cloudflare_origin_trust_store::CertificateProblem;
    ///
    /// let problem = CertificateProblem::Der { certificate: true };
    /// assert!(problem.for_file("my root.der".as_ref()).ends_with("-in 'my root.der' -out 'my root.pem'"));
    /// assert!(problem.for_file("root.pem".as_ref()).ends_with("-in root.pem -out root.pem.pem"));
    /// ```
    pub fn for_file(&self, path: &std::path::Path) -> String {
        let message = self.to_string();
        if !matches!(self, Self::Der { .. }) {
            return message;
        }
        let mut converted = path.with_extension("pem");
        if converted == path {
            converted = std::path::PathBuf::from(format!("{}.pem", path.to_string_lossy()));
        }
        let quoted = |path: &std::path::Path| crate::text::shell_quoted(&path.to_string_lossy()).into_owned();
        message
            .replace("-in FILE -out FILE.pem", &format!("-in {} -out {}", quoted(path), quoted(&converted)))
    }
}

/// What a certificate says about itself, read from its PEM.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct CertificateDetails {
    /// The subject, such as `CN=Example Root CA, O=Example`.
    pub subject: String,
    /// The issuer; equal to the subject for a root CA.
    pub issuer: String,
    /// The serial number, hex bytes separated by `:`.
    pub serial: String,
    /// The SHA-256 fingerprint of the DER, hex bytes separated by `:` (as `openssl x509
    /// -fingerprint -sha256` prints it).
    pub sha256_fingerprint: String,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
    /// Whether `basicConstraints CA=true`.
    pub is_ca: bool,
    /// Whether issuer equals subject.
    pub is_self_issued: bool,
    /// The signature algorithm, in Cloudflare's spelling where known (`SHA256WithRSA`,
    /// `ECDSAWithSHA384`...), else its OID.
    pub signature_algorithm: String,
    /// What [`check_root_ca`] found of the self-signature; [`SelfSignature::NotChecked`] for
    /// details read without the checks.
    pub self_signature: SelfSignature,
}

/// Whether a certificate's self-signature was verified locally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SelfSignature {
    /// Not checked (details read with [`CertificateDetails::from_pem`]).
    NotChecked,
    /// Verified with the certificate's own key.
    Verified,
    /// Its algorithm is one the local checks cannot verify (RSA-PSS, ECDSA P-521, RSA over 8,192
    /// bits...): the certificate is not refused, and Cloudflare checks it.
    Unverifiable,
}

impl CertificateDetails {
    /// Reads the one certificate in `pem` (exactly one certificate and no other PEM block).
    pub fn from_pem(pem: &str) -> Result<Self, CertificateProblem> {
        let der = single_certificate(pem)?;
        let cert = parse(&der)?;
        Ok(details(&der, &cert))
    }

    /// Whole days from `now` until `not_after` (negative once expired).
    pub fn days_until_expiry(&self, now: DateTime<Utc>) -> i64 {
        (self.not_after - now).num_days()
    }
}

impl CustomTrustStore {
    /// Parses this certificate's PEM: subject, issuer, serial, fingerprint, validity.
    pub fn details(&self) -> Result<CertificateDetails, CertificateProblem> {
        CertificateDetails::from_pem(&self.certificate)
    }

    /// Whole days from `now` until `expires_on` (negative once expired), from the API's field.
    pub fn days_until_expiry(&self, now: DateTime<Utc>) -> i64 {
        (self.expires_on - now).num_days()
    }
}

/// Checks that `pem` holds exactly one root CA certificate, valid at `now`; returns its details.
///
/// ```
/// use cloudflare_origin_trust_store::{check_root_ca, CertificateProblem};
///
/// let problem = check_root_ca("not a certificate", chrono::Utc::now()).unwrap_err();
/// assert_eq!(problem, CertificateProblem::NoCertificate);
/// assert_eq!(problem.to_string(), "no PEM certificate found (expected a -----BEGIN CERTIFICATE----- block)");
/// ```
pub fn check_root_ca(pem: &str, now: DateTime<Utc>) -> Result<CertificateDetails, CertificateProblem> {
    checked_root_ca(pem, now).map(|(details, _)| details)
}

/// [`check_root_ca`] at the current time.
pub fn check_root_ca_now(pem: &str) -> Result<CertificateDetails, CertificateProblem> {
    check_root_ca(pem, Utc::now())
}

/// [`check_root_ca`], returning also the certificate re-encoded as clean PEM (no text around it),
/// as it is uploaded.
pub(crate) fn checked_root_ca(
    pem: &str,
    now: DateTime<Utc>,
) -> Result<(CertificateDetails, String), CertificateProblem> {
    let der = single_certificate(pem)?;
    let cert = parse(&der)?;
    let details = details(&der, &cert);
    let subject = details.subject.clone();
    if !details.is_ca {
        return Err(CertificateProblem::NotCa { subject });
    }
    if let Some(usage) = extension::<KeyUsage>(&cert, KEY_USAGE)
        && !usage.key_cert_sign()
    {
        return Err(CertificateProblem::NoCertSign { subject });
    }
    if !details.is_self_issued {
        return Err(CertificateProblem::NotSelfIssued { issuer: details.issuer, subject });
    }
    let mut details = details;
    details.self_signature = match self_signature(&der, &cert) {
        Signature::Valid => SelfSignature::Verified,
        Signature::Unverifiable => SelfSignature::Unverifiable,
        Signature::Invalid => return Err(CertificateProblem::BadSignature { subject }),
        Signature::WeakKey(bits) => return Err(CertificateProblem::WeakKey { subject, bits }),
        Signature::WeakDigest => {
            return Err(CertificateProblem::WeakSignature {
                subject,
                algorithm: details.signature_algorithm,
            });
        }
    };
    if now > details.not_after {
        return Err(CertificateProblem::Expired { subject, not_after: details.not_after });
    }
    if now < details.not_before {
        return Err(CertificateProblem::NotYetValid { subject, not_before: details.not_before });
    }
    Ok((details, encode_pem(&der)))
}

fn parse(der: &[u8]) -> Result<Certificate, CertificateProblem> {
    Certificate::from_der(der).map_err(|error| CertificateProblem::Unparsable(error.to_string()))
}

const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");

/// The decoded extension `oid` of `cert`, if present and well-formed.
fn extension<'a, T: Decode<'a>>(cert: &'a Certificate, oid: ObjectIdentifier) -> Option<T> {
    let extensions = cert.tbs_certificate.extensions.as_ref()?;
    let found = extensions.iter().find(|extension| extension.extn_id == oid)?;
    T::from_der(found.extn_value.as_bytes()).ok()
}

fn details(der: &[u8], cert: &Certificate) -> CertificateDetails {
    let tbs = &cert.tbs_certificate;
    let time = |t: x509_cert::time::Time| {
        i64::try_from(t.to_unix_duration().as_secs())
            .ok()
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    };
    CertificateDetails {
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        serial: colon_hex(tbs.serial_number.as_bytes()),
        sha256_fingerprint: colon_hex(ring::digest::digest(&ring::digest::SHA256, der).as_ref()),
        not_before: time(tbs.validity.not_before),
        not_after: time(tbs.validity.not_after),
        is_ca: extension::<BasicConstraints>(cert, BASIC_CONSTRAINTS).is_some_and(|bc| bc.ca),
        is_self_issued: tbs.issuer == tbs.subject,
        signature_algorithm: signature_name(&cert.signature_algorithm.oid.to_string()),
        self_signature: SelfSignature::NotChecked,
    }
}

/// The SHA-256 fingerprint of the DER of the one `CERTIFICATE` block in `pem`, as
/// [`CertificateDetails::sha256_fingerprint`] writes it, without parsing the certificate itself
/// (so a block the local checks cannot read is still matched).
pub(crate) fn der_fingerprint(pem: &str) -> Result<String, CertificateProblem> {
    let der = single_certificate(pem)?;
    Ok(colon_hex(ring::digest::digest(&ring::digest::SHA256, &der).as_ref()))
}

fn colon_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        let _ = write!(out, "{byte:02X}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colon_hex_is_uppercase_pairs() {
        assert_eq!(colon_hex(&[0x0a, 0xff, 0x00]), "0A:FF:00");
        assert_eq!(colon_hex(&[]), "");
    }
}

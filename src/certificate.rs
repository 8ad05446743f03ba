//! Local certificate checks before an upload, and details of a listed certificate.
//!
//! Cloudflare accepts only root CA certificates in a Custom Origin Trust Store. [`check_root_ca`]
//! catches a wrong file before anything is sent: the input must be PEM holding exactly one
//! certificate (and nothing else, a private key least of all), which must be a CA
//! (`basicConstraints CA=true`, and `keyCertSign` when it has a `keyUsage`), self-issued (issuer
//! equal to subject) and self-signed (its signature verifies with its own key, for the algorithms
//! the parser can verify), and valid now.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use rustls_pki_types::pem::{self, SectionKind};
use x509_cert::Certificate;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, Reader, SliceReader};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

use crate::model::CustomTrustStore;

/// What is wrong with a certificate given for upload. Each is a distinct refusal; nothing is sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// No `-----BEGIN CERTIFICATE-----` block in the input.
    #[error("no PEM certificate found (expected a -----BEGIN CERTIFICATE----- block)")]
    NoCertificate,
    /// More than one certificate in the input.
    #[error("the input holds {0} certificates; upload one root CA at a time")]
    MultipleCertificates(usize),
    /// A PEM block other than a certificate (a private key, say).
    #[error("the input holds a {0} block besides the certificate; give only the certificate")]
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

/// What a certificate says about itself, read from its PEM.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    if self_signature(&der, &cert) == Signature::Invalid {
        return Err(CertificateProblem::BadSignature { subject });
    }
    if now > details.not_after {
        return Err(CertificateProblem::Expired { subject, not_after: details.not_after });
    }
    if now < details.not_before {
        return Err(CertificateProblem::NotYetValid { subject, not_before: details.not_before });
    }
    Ok((details, encode_pem(&der)))
}

/// The DER of the one certificate block of `pem`. Any other block is refused, a private key above
/// all, including the kinds rustls-pki-types does not know (and would skip) such as `ENCRYPTED
/// PRIVATE KEY`. Text around the blocks is ignored.
fn single_certificate(pem: &str) -> Result<Vec<u8>, CertificateProblem> {
    if let Some(other) = block_labels(pem).find(|label| *label != "CERTIFICATE") {
        return Err(CertificateProblem::UnexpectedBlock(other.to_owned()));
    }
    let mut certificates = Vec::new();
    let mut rest = pem.as_bytes();
    loop {
        match pem::from_buf(&mut rest) {
            Ok(Some((SectionKind::Certificate, der))) => certificates.push(der),
            Ok(Some((kind, _))) => return Err(CertificateProblem::UnexpectedBlock(format!("{kind:?}"))),
            Ok(None) => break,
            Err(error) => return Err(CertificateProblem::MalformedPem(error.to_string())),
        }
    }
    match certificates.len() {
        0 => Err(CertificateProblem::NoCertificate),
        1 => Ok(certificates.remove(0)),
        n => Err(CertificateProblem::MultipleCertificates(n)),
    }
}

/// The label of every `-----BEGIN LABEL-----` line of `text`, as a PEM reader sees them (at the
/// start of a line).
fn block_labels(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| line.strip_prefix("-----BEGIN ")?.trim_end().strip_suffix("-----"))
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
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Signature {
    Valid,
    Invalid,
    /// An algorithm ring cannot verify (RSA-PSS, ECDSA with SHA-512, P-521...): not checked.
    Unsupported,
}

/// Whether `cert`'s signature verifies with its own public key.
fn self_signature(der: &[u8], cert: &Certificate) -> Signature {
    use ring::signature as sig;
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    let curve = curve.map(|oid| oid.to_string());
    let algorithm: &dyn sig::VerificationAlgorithm =
        match (cert.signature_algorithm.oid.to_string().as_str(), curve.as_deref()) {
            ("1.2.840.113549.1.1.5", _) => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            ("1.2.840.113549.1.1.11", _) => &sig::RSA_PKCS1_2048_8192_SHA256,
            ("1.2.840.113549.1.1.12", _) => &sig::RSA_PKCS1_2048_8192_SHA384,
            ("1.2.840.113549.1.1.13", _) => &sig::RSA_PKCS1_2048_8192_SHA512,
            ("1.2.840.10045.4.3.2", Some("1.2.840.10045.3.1.7")) => &sig::ECDSA_P256_SHA256_ASN1,
            ("1.2.840.10045.4.3.2", Some("1.3.132.0.34")) => &sig::ECDSA_P384_SHA256_ASN1,
            ("1.2.840.10045.4.3.3", Some("1.2.840.10045.3.1.7")) => &sig::ECDSA_P256_SHA384_ASN1,
            ("1.2.840.10045.4.3.3", Some("1.3.132.0.34")) => &sig::ECDSA_P384_SHA384_ASN1,
            ("1.3.101.112", _) => &sig::ED25519,
            _ => return Signature::Unsupported,
        };
    let (Some(tbs), Some(signature)) = (tbs_bytes(der), cert.signature.as_bytes()) else {
        return Signature::Invalid;
    };
    let key = sig::UnparsedPublicKey::new(algorithm, spki.subject_public_key.raw_bytes());
    if key.verify(tbs, signature).is_ok() { Signature::Valid } else { Signature::Invalid }
}

/// The TBSCertificate exactly as signed: the first element of the certificate's SEQUENCE, as it
/// is in `der` (not re-encoded).
fn tbs_bytes(der: &[u8]) -> Option<&[u8]> {
    let mut outer = SliceReader::new(der).ok()?;
    let header = x509_cert::der::Header::decode(&mut outer).ok()?;
    let content = outer.read_slice(header.length).ok()?;
    SliceReader::new(content).ok()?.tlv_bytes().ok()
}

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.5" => "SHA1WithRSA",
        "1.2.840.113549.1.1.11" => "SHA256WithRSA",
        "1.2.840.113549.1.1.12" => "SHA384WithRSA",
        "1.2.840.113549.1.1.13" => "SHA512WithRSA",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10045.4.3.2" => "ECDSAWithSHA256",
        "1.2.840.10045.4.3.3" => "ECDSAWithSHA384",
        "1.2.840.10045.4.3.4" => "ECDSAWithSHA512",
        "1.3.101.112" => "Ed25519",
        other => other,
    }
    .to_owned()
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

pub(crate) fn encode_pem(der: &[u8]) -> String {
    let base64 = data_encoding::BASE64.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in base64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_encoding_matches_base64_with_padding() {
        assert_eq!(encode_pem(b"Man"), "-----BEGIN CERTIFICATE-----\nTWFu\n-----END CERTIFICATE-----\n");
        assert_eq!(encode_pem(b"Ma"), "-----BEGIN CERTIFICATE-----\nTWE=\n-----END CERTIFICATE-----\n");
        assert_eq!(encode_pem(b"M"), "-----BEGIN CERTIFICATE-----\nTQ==\n-----END CERTIFICATE-----\n");
        let long = encode_pem(&[0u8; 60]);
        assert_eq!(long.lines().nth(1).unwrap().len(), 64);
        assert_eq!(long.lines().nth(2).unwrap(), "AAAAAAAAAAAAAAAA", "80 characters: 64, then 16");
    }

    #[test]
    fn colon_hex_is_uppercase_pairs() {
        assert_eq!(colon_hex(&[0x0a, 0xff, 0x00]), "0A:FF:00");
        assert_eq!(colon_hex(&[]), "");
    }
}

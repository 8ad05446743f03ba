//! Sample certificates: real, self-signed root CAs (Ed25519, from one fixed key), so that what the
//! fake lists parses, has a fingerprint, and can be matched like Cloudflare's.

use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, TimeZone, Utc};
use ring::signature::{Ed25519KeyPair, KeyPair};
use x509_cert::der::Encode;
use x509_cert::der::asn1::{BitString, OctetString};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate, Version};

use super::store::FakeZone;
use crate::lock::lock;
use crate::{CertificateStatus, CustomTrustStore};

const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");

const ISSUERS: [&str; 4] =
    ["Example Root CA", "Internal Origin Root R1", "Acme Corp Root G2", "Lab Root CA 2031"];

/// `count` certificates with distinct ids, a few issuers, statuses mostly `active` (every 10th from
/// the 8th `pending_deployment`, every 10th from the 10th `initializing`), and expiry dates spread
/// over the years to come. Each carries the PEM of a real root CA whose subject, validity and
/// signature match the listed fields; the same index always gives the same certificate.
pub fn sample_certificates(count: usize) -> Vec<CustomTrustStore> {
    let base: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 1, 5, 9, 30, 0).single().expect("valid date");
    (0..count)
        .map(|i| {
            let n = i as i64;
            let uploaded_on = base + chrono::Duration::hours(7 * n);
            let status = match i % 10 {
                7 => CertificateStatus::PendingDeployment,
                9 => CertificateStatus::Initializing,
                _ => CertificateStatus::Active,
            };
            let issuer = ISSUERS[i % ISSUERS.len()];
            let expires_on = uploaded_on + chrono::Duration::days(400 + 37 * n);
            let mut certificate = CustomTrustStore::new(
                format!("{:032x}", 0x5eed_0000_0000_0000_0000_0000_0000_0000u128 + i as u128),
                pem(i, issuer, uploaded_on - chrono::Duration::days(1), expires_on),
            );
            certificate.expires_on = expires_on;
            certificate.issuer = issuer.to_owned();
            certificate.signature = "Ed25519".to_owned();
            certificate.status = status;
            certificate.updated_at = uploaded_on + chrono::Duration::minutes(5);
            certificate.uploaded_on = uploaded_on;
            certificate
        })
        .collect()
}

/// `count` sample zones: zone `i` (from 1) is `zone-<i>.example.net`, with id
/// `<i>` in 32 hex digits under a fixed prefix, and 1 to 3 [`sample_certificates`] (ids unique
/// across zones). In every tenth zone, from the 3rd, the first certificate is replaced by a fresh
/// root expiring `i % 45` days from now (so within 30 days in two zones of three of those), for
/// audits to find. To serve them after the fake's own zone, add each with
/// [`FakeCloudflareBuilder::zone`](super::FakeCloudflareBuilder::zone);
/// [`FakeCloudflareBuilder::zones`](super::FakeCloudflareBuilder::zones) replaces the fake's own.
pub fn sample_zones(count: usize) -> Vec<FakeZone> {
    // Whole seconds, as a certificate's validity has them.
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 0);
    (1..=count)
        .map(|i| {
            let mut certificates = sample_certificates(1 + i % 3);
            for (n, certificate) in certificates.iter_mut().enumerate() {
                certificate.id = format!("{:016x}{:016x}", 0x2a0e_0000_0000_0000u64 + i as u64, n);
            }
            if i % 10 == 3 {
                let expires_on = now + chrono::Duration::days((i % 45) as i64) + chrono::Duration::hours(1);
                let uploaded_on = now - chrono::Duration::days(365);
                let first = &mut certificates[0];
                first.certificate = self_signed(100_000 + i, "Soon Expiring Root", uploaded_on, expires_on);
                first.issuer = "Soon Expiring Root".to_owned();
                first.expires_on = expires_on;
                first.uploaded_on = uploaded_on;
                first.updated_at = uploaded_on;
                first.status = CertificateStatus::Active;
            }
            FakeZone::new(format!("{:032x}", 0x2a0e_u128 << 112 | i as u128), format!("zone-{i}.example.net"))
                .certificates(certificates)
        })
        .collect()
}

/// The PEM of sample `index`: subject `CN=<issuer> #<index>`, self-signed. Made once per process.
fn pem(index: usize, issuer: &str, not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> String {
    static MADE: Mutex<Vec<Option<String>>> = Mutex::new(Vec::new());
    let mut made = lock(&MADE);
    if made.len() <= index {
        made.resize(index + 1, None);
    }
    made[index].get_or_insert_with(|| self_signed(index, issuer, not_before, not_after)).clone()
}

fn self_signed(index: usize, issuer: &str, not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> String {
    static KEY: OnceLock<Ed25519KeyPair> = OnceLock::new();
    let key = KEY.get_or_init(|| Ed25519KeyPair::from_seed_unchecked(&[0x5e; 32]).expect("a 32-byte seed"));
    let name = Name::from_str(&format!("CN={issuer} #{index}")).expect("a valid name");
    let time = |at: DateTime<Utc>| {
        let secs = std::time::Duration::from_secs(u64::try_from(at.timestamp()).unwrap_or(0));
        Time::try_from(std::time::UNIX_EPOCH + secs).expect("a representable time")
    };
    let algorithm = AlgorithmIdentifierOwned { oid: ED25519, parameters: None };
    let extension = |oid, value: Vec<u8>| Extension {
        extn_id: oid,
        critical: true,
        extn_value: OctetString::new(value).expect("a short value"),
    };
    let constraints = BasicConstraints { ca: true, path_len_constraint: None }.to_der().expect("encodable");
    let usage = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign).to_der().expect("encodable");
    let extensions: Extensions = vec![extension(BASIC_CONSTRAINTS, constraints), extension(KEY_USAGE, usage)];
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&(index as u64 + 1).to_be_bytes()).expect("a valid serial"),
        signature: algorithm.clone(),
        issuer: name.clone(),
        validity: Validity { not_before: time(not_before), not_after: time(not_after) },
        subject: name,
        subject_public_key_info: SubjectPublicKeyInfoOwned {
            algorithm: algorithm.clone(),
            subject_public_key: BitString::from_bytes(key.public_key().as_ref()).expect("a key"),
        },
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let signature = key.sign(&tbs.to_der().expect("encodable"));
    let certificate = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(signature.as_ref()).expect("a signature"),
    };
    crate::certificate::encode_pem(&certificate.to_der().expect("encodable"))
}

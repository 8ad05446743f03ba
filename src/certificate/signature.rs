//! Whether a certificate signs itself: the signature verified with its own key, where the local
//! checks can verify the algorithm, and keys and digests too weak to trust refused.

use x509_cert::Certificate;
use x509_cert::der::asn1::{ObjectIdentifier, UintRef};
use x509_cert::der::{Decode, Reader, SliceReader};

/// What the self-signature check found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Signature {
    Valid,
    Invalid,
    /// An algorithm these checks cannot verify (RSA-PSS, ECDSA P-521, RSA over 8,192 bits...).
    Unverifiable,
    /// An RSA key under 2,048 bits.
    WeakKey(usize),
    /// An MD2 or MD5 signature.
    WeakDigest,
}

const RSA: &str = "1.2.840.113549.1.1.1";

/// Whether `cert`'s signature verifies with its own public key.
pub(super) fn self_signature(der: &[u8], cert: &Certificate) -> Signature {
    use ring::signature as sig;
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let oid = cert.signature_algorithm.oid.to_string();
    if matches!(oid.as_str(), "1.2.840.113549.1.1.2" | "1.2.840.113549.1.1.4") {
        return Signature::WeakDigest;
    }
    let rsa_bits = (spki.algorithm.oid.to_string() == RSA)
        .then(|| rsa_modulus_bits(spki.subject_public_key.raw_bytes()));
    match rsa_bits {
        Some(Some(bits)) if bits < 2048 => return Signature::WeakKey(bits),
        Some(Some(bits)) if bits > 8192 => return Signature::Unverifiable,
        Some(None) => return Signature::Invalid,
        _ => {}
    }
    let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    let curve = curve.map(|oid| oid.to_string());
    let algorithm: &dyn sig::VerificationAlgorithm = match (oid.as_str(), curve.as_deref()) {
        ("1.2.840.113549.1.1.5", _) => &sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        ("1.2.840.113549.1.1.11", _) => &sig::RSA_PKCS1_2048_8192_SHA256,
        ("1.2.840.113549.1.1.12", _) => &sig::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.13", _) => &sig::RSA_PKCS1_2048_8192_SHA512,
        ("1.2.840.10045.4.3.2", Some("1.2.840.10045.3.1.7")) => &sig::ECDSA_P256_SHA256_ASN1,
        ("1.2.840.10045.4.3.2", Some("1.3.132.0.34")) => &sig::ECDSA_P384_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", Some("1.2.840.10045.3.1.7")) => &sig::ECDSA_P256_SHA384_ASN1,
        ("1.2.840.10045.4.3.3", Some("1.3.132.0.34")) => &sig::ECDSA_P384_SHA384_ASN1,
        ("1.3.101.112", _) => &sig::ED25519,
        _ => return Signature::Unverifiable,
    };
    let (Some(tbs), Some(signature)) = (tbs_bytes(der), cert.signature.as_bytes()) else {
        return Signature::Invalid;
    };
    let key = sig::UnparsedPublicKey::new(algorithm, spki.subject_public_key.raw_bytes());
    if key.verify(tbs, signature).is_ok() { Signature::Valid } else { Signature::Invalid }
}

/// The size in bits of an RSA public key's modulus (`RSAPublicKey ::= SEQUENCE { modulus INTEGER,
/// publicExponent INTEGER }`), or `None` when it does not decode.
fn rsa_modulus_bits(key: &[u8]) -> Option<usize> {
    let mut outer = SliceReader::new(key).ok()?;
    let header = x509_cert::der::Header::decode(&mut outer).ok()?;
    let mut fields = SliceReader::new(outer.read_slice(header.length).ok()?).ok()?;
    let modulus = UintRef::decode(&mut fields).ok()?;
    let bytes = modulus.as_bytes();
    let first = *bytes.first()?;
    Some(bytes.len() * 8 - first.leading_zeros() as usize)
}

/// The TBSCertificate exactly as signed: the first element of the certificate's SEQUENCE, as it
/// is in `der` (not re-encoded).
fn tbs_bytes(der: &[u8]) -> Option<&[u8]> {
    let mut outer = SliceReader::new(der).ok()?;
    let header = x509_cert::der::Header::decode(&mut outer).ok()?;
    let content = outer.read_slice(header.length).ok()?;
    SliceReader::new(content).ok()?.tlv_bytes().ok()
}

pub(super) fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.2" => "MD2WithRSA",
        "1.2.840.113549.1.1.4" => "MD5WithRSA",
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

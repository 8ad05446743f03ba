//! The input of an upload: bytes to PEM text, PEM to the one certificate's DER, and back.

use rustls_pki_types::pem::{self, SectionKind};

use super::CertificateProblem;

/// The largest certificate input read (1 MiB): a root CA certificate is a few kilobytes.
pub const MAX_CERTIFICATE_BYTES: usize = 1 << 20;

/// The text of a certificate file, for [`check_root_ca`](crate::check_root_ca) and uploads.
/// Refuses input over [`MAX_CERTIFICATE_BYTES`], DER (binary) with a hint to convert it, and
/// anything that is not UTF-8 text.
///
/// ```
/// use cloudflare_origin_trust_store::{pem_text, CertificateProblem};
///
/// assert_eq!(pem_text(b"-----BEGIN CERTIFICATE-----"), Ok("-----BEGIN CERTIFICATE-----"));
/// assert!(matches!(pem_text(&[0x30, 0x03, 0x02, 0x01, 0x01]), Err(CertificateProblem::Der { .. })));
/// ```
pub fn pem_text(bytes: &[u8]) -> Result<&str, CertificateProblem> {
    if bytes.len() > MAX_CERTIFICATE_BYTES {
        return Err(CertificateProblem::TooLarge { limit: MAX_CERTIFICATE_BYTES });
    }
    let text = std::str::from_utf8(bytes).ok();
    if !text.is_some_and(|text| text.contains("-----BEGIN")) && is_der(bytes) {
        use x509_cert::der::Decode;
        let certificate = x509_cert::Certificate::from_der(bytes).is_ok();
        return Err(CertificateProblem::Der { certificate });
    }
    // A byte order mark, as some Windows editors write one, is not part of the PEM.
    text.map(|text| text.strip_prefix('\u{feff}').unwrap_or(text)).ok_or(CertificateProblem::NotText)
}

/// Whether `bytes` are one DER SEQUENCE, exactly (as a certificate, a key or a PKCS#12 file is).
fn is_der(bytes: &[u8]) -> bool {
    use x509_cert::der::{Decode, Encode, Header, SliceReader, Tag};
    let Some(header) = SliceReader::new(bytes).ok().and_then(|mut reader| Header::decode(&mut reader).ok())
    else {
        return false;
    };
    let total = header.encoded_len().and_then(|len| len + header.length);
    header.tag == Tag::Sequence && total.is_ok_and(|total| usize::try_from(total) == Ok(bytes.len()))
}

/// The DER of the one certificate block of `pem`. Any other block is refused, a private key above
/// all, including the kinds rustls-pki-types does not know (and would skip) such as `ENCRYPTED
/// PRIVATE KEY`. Text around the blocks is ignored.
pub(crate) fn single_certificate(pem: &str) -> Result<Vec<u8>, CertificateProblem> {
    let pem = pem.strip_prefix('\u{feff}').unwrap_or(pem);
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

/// `der` as a clean PEM certificate block, lines of 64 characters.
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
    fn input_that_is_not_pem_text_is_named() {
        assert_eq!(
            pem_text(&[0x30, 0x03, 0x02, 0x01, 0x01]),
            Err(CertificateProblem::Der { certificate: false })
        );
        assert_eq!(pem_text(&[0xff, 0xfe, 0x00]), Err(CertificateProblem::NotText));
        assert_eq!(
            pem_text(&vec![b'a'; MAX_CERTIFICATE_BYTES + 1]),
            Err(CertificateProblem::TooLarge { limit: MAX_CERTIFICATE_BYTES })
        );
        assert_eq!(pem_text(b"0 is text"), Ok("0 is text"));
    }
}

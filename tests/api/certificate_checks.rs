//! The local root-CA checks of an upload (nothing is sent for a refused file) and the details a
//! certificate's PEM gives.

use crate::common;

use chrono::{TimeZone, Utc};
use cloudflare_origin_trust_store::check_root_ca;
use cloudflare_origin_trust_store::fake::FakeCloudflare;
use cloudflare_origin_trust_store::{CertificateDetails, CertificateProblem, ErrorKind, SelfSignature};
use common::certs;
use rcgen::KeyUsagePurpose;
use sha2::Digest;

async fn fake() -> FakeCloudflare {
    FakeCloudflare::builder().sample_certificates(3).start().await.unwrap()
}

/// The upload refusal for `pem`, and proof that nothing was sent.
async fn refused(pem: &str) -> CertificateProblem {
    let fake = fake().await;
    let err = fake.client().unwrap().upload(fake.zone_id(), pem).await.unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    assert_eq!(fake.request_count(), 0, "nothing is sent for a refused certificate");
    match err.into_kind() {
        ErrorKind::InvalidCertificate(problem) => problem,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_intermediate_is_refused_naming_issuer_and_subject() {
    let intermediate =
        certs::signed_by_root(&certs::params("Test Intermediate CA", true, 2020, 2050), "Test Root CA");

    let problem = refused(&intermediate).await;

    assert_eq!(
        problem.to_string(),
        "certificate is not a root CA: issuer CN=Test Root CA differs from subject CN=Test Intermediate CA"
    );
}

#[tokio::test]
async fn a_leaf_is_refused_as_not_a_ca() {
    let leaf = certs::signed_by_root(&certs::params("www.example.com", false, 2020, 2050), "Test Root CA");

    assert_eq!(
        refused(&leaf).await.to_string(),
        "certificate is not a CA: CN=www.example.com lacks basicConstraints CA=true"
    );
    let self_signed_leaf = certs::self_signed(&certs::params("self.example.com", false, 2020, 2050)).0.pem();
    assert!(matches!(refused(&self_signed_leaf).await, CertificateProblem::NotCa { .. }));
}

#[tokio::test]
async fn an_expired_or_not_yet_valid_root_is_refused_with_its_dates() {
    let expired = certs::self_signed(&certs::params("Old Root CA", true, 2000, 2020)).0.pem();
    assert_eq!(
        refused(&expired).await.to_string(),
        "certificate CN=Old Root CA expired on 2020-01-01T00:00:00Z"
    );

    let future = certs::self_signed(&certs::params("Future Root CA", true, 2090, 2100)).0.pem();
    assert_eq!(
        refused(&future).await.to_string(),
        "certificate CN=Future Root CA is not valid before 2090-01-01T00:00:00Z"
    );
}

#[tokio::test]
async fn garbage_two_certificates_and_a_private_key_are_refused() {
    assert_eq!(
        refused("hello, I am not a certificate").await.to_string(),
        "no PEM certificate found (expected a -----BEGIN CERTIFICATE----- block)"
    );
    assert_eq!(refused("").await, CertificateProblem::NoCertificate);

    let two = format!("{}{}", certs::root("First Root"), certs::root("Second Root"));
    assert_eq!(
        refused(&two).await.to_string(),
        "the input holds 2 certificates; upload one root CA at a time"
    );

    let (cert, key) = certs::self_signed(&certs::params("Keyed Root", true, 2020, 2060));
    let with_key = format!("{}{}", cert.pem(), key.serialize_pem());
    assert_eq!(
        refused(&with_key).await.to_string(),
        "the input holds a PRIVATE KEY block; give only the certificate (one -----BEGIN CERTIFICATE----- block)"
    );

    let bad_base64 = "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n";
    assert!(matches!(refused(bad_base64).await, CertificateProblem::MalformedPem(_)));
    let not_der = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
    assert!(matches!(refused(not_der).await, CertificateProblem::Unparsable(_)));
    let unterminated = "-----BEGIN CERTIFICATE-----\nMIIB\n";
    assert!(matches!(refused(unterminated).await, CertificateProblem::MalformedPem(_)));
}

#[tokio::test]
async fn every_block_other_than_one_certificate_is_refused_whatever_its_label() {
    let root = certs::root("Labelled Root");
    let body = "MIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8AgEAAkEA\n";
    for label in [
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "DSA PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "PUBLIC KEY",
        "X509 CRL",
        "CERTIFICATE REQUEST",
        "TRUSTED CERTIFICATE",
        "X509 CERTIFICATE",
        "PGP PRIVATE KEY BLOCK",
    ] {
        let other = format!("-----BEGIN {label}-----\n{body}-----END {label}-----\n");
        for input in [format!("{root}{other}"), format!("{other}{root}")] {
            assert_eq!(
                refused(&input).await.to_string(),
                format!(
                    "the input holds a {label} block; give only the certificate (one -----BEGIN CERTIFICATE----- block)"
                ),
            );
        }
    }
}

#[tokio::test]
async fn pem_with_other_line_widths_crlf_and_text_around_is_accepted() {
    let pem = certs::root("Lenient PEM Root");
    let base64: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    let rewrapped = |width: usize, newline: &str| {
        let lines: Vec<String> =
            base64.as_bytes().chunks(width).map(|chunk| String::from_utf8(chunk.to_vec()).unwrap()).collect();
        format!(
            "Subject: CN=Lenient PEM Root{newline}-----BEGIN CERTIFICATE-----{newline}{}{newline}-----END CERTIFICATE-----{newline}trailing text{newline}",
            lines.join(newline)
        )
    };
    let marked = format!("\u{feff}{pem}"); // a byte order mark before the PEM
    for input in
        [rewrapped(76, "\n"), rewrapped(64, "\r\n"), rewrapped(10_000, "\n"), rewrapped(17, "\r\n"), marked]
    {
        let details = check_root_ca(&input, Utc::now()).unwrap();
        assert_eq!(details.subject, "CN=Lenient PEM Root");
    }
}

#[tokio::test]
async fn a_self_issued_certificate_signed_by_another_key_is_not_self_signed() {
    // Issuer and subject are both CN=Twin Root, but the signing key is another certificate's.
    let forged = certs::signed_by_root(&certs::params("Twin Root", true, 2020, 2050), "Twin Root");

    assert_eq!(
        refused(&forged).await.to_string(),
        "certificate is not self-signed: the signature of CN=Twin Root does not verify with its own key"
    );
}

#[tokio::test]
async fn a_ca_whose_key_usage_lacks_cert_sign_is_refused() {
    let mut params = certs::params("Signing Only Root", true, 2020, 2060);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let pem = certs::self_signed(&params).0.pem();

    assert_eq!(
        refused(&pem).await.to_string(),
        "certificate is not a CA: the keyUsage of CN=Signing Only Root lacks keyCertSign"
    );
}

#[tokio::test]
async fn upload_unchecked_skips_only_the_ca_checks_and_cloudflare_decides() {
    let fake = fake().await;
    let intermediate = certs::signed_by_root(&certs::params("Sneaky Intermediate", true, 2020, 2050), "Root");

    let err = fake.client().unwrap().upload_unchecked(fake.zone_id(), &intermediate).await.unwrap_err();

    assert_eq!(
        err.to_string(),
        "cloudflare api error (http 400): code 1002: Only root CA certificates are accepted"
    );
    assert_eq!(fake.request_count(), 1);
    let sent: serde_json::Value = serde_json::from_slice(&fake.requests()[0].body).unwrap();
    assert_eq!(sent["certificate"], intermediate.as_str());

    // Only the CA checks are skipped: the input must still be one certificate block, and nothing
    // else (a private key least of all) is ever sent.
    let client = fake.client().unwrap();
    let empty = client.upload_unchecked(fake.zone_id(), "  \n").await.unwrap_err();
    assert_eq!(empty.to_string(), "no PEM certificate found (expected a -----BEGIN CERTIFICATE----- block)");
    let (cert, key) = certs::self_signed(&certs::params("Keyed Unchecked Root", true, 2020, 2060));
    for input in
        [format!("{}{}", cert.pem(), key.serialize_pem()), format!("{}{}", key.serialize_pem(), cert.pem())]
    {
        let err = client.upload_unchecked(fake.zone_id(), &input).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the input holds a PRIVATE KEY block; give only the certificate (one -----BEGIN CERTIFICATE----- block)"
        );
        assert!(err.is_invalid_input());
    }
    let two = format!("{}{}", certs::root("One"), certs::root("Two"));
    let err = client.upload_unchecked(fake.zone_id(), &two).await.unwrap_err();
    assert_eq!(err.to_string(), "the input holds 2 certificates; upload one root CA at a time");
    assert_eq!(fake.request_count(), 1);
    // What is sent is the clean block, without the text around it.
    client.upload_unchecked(fake.zone_id(), &format!("notes\n{}more notes", cert.pem())).await.unwrap();
    let sent: serde_json::Value = serde_json::from_slice(&fake.requests()[1].body).unwrap();
    assert_eq!(sent["certificate"], cert.pem().as_str());
}

#[tokio::test]
async fn weak_roots_are_refused_with_their_own_reason_and_unverifiable_ones_are_reported() {
    let fixture = |name: &str| {
        std::fs::read_to_string(format!("{}/tests/fixtures/roots/{name}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
    };
    assert_eq!(
        refused(&fixture("rsa1024.pem")).await.to_string(),
        "certificate CN=Weak RSA-1024 Root has a 1024-bit RSA key; a root CA needs at least 2048 bits"
    );
    assert_eq!(
        refused(&fixture("md5-rsa2048.pem")).await.to_string(),
        "certificate CN=MD5 Root is signed with MD5WithRSA, a broken digest; a root CA needs SHA-1 or better"
    );
    let rsa = check_root_ca(&fixture("rsa2048.pem"), Utc::now()).unwrap();
    assert_eq!(
        (rsa.signature_algorithm.as_str(), rsa.self_signature),
        ("SHA256WithRSA", SelfSignature::Verified)
    );
    for (name, algorithm) in [("rsa-pss.pem", "RSASSA-PSS"), ("p521.pem", "ECDSAWithSHA256")] {
        let details = check_root_ca(&fixture(name), Utc::now()).unwrap();
        assert_eq!(details.self_signature, SelfSignature::Unverifiable, "{name}");
        assert_eq!(details.signature_algorithm, algorithm, "{name}");
    }
}

#[test]
fn a_der_file_gets_a_hint_to_convert_it_and_other_binary_input_is_named() {
    let der =
        std::fs::read(format!("{}/tests/fixtures/roots/rsa2048.der", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let problem = cloudflare_origin_trust_store::pem_text(&der).unwrap_err();
    assert_eq!(
        problem.to_string(),
        "the input is DER (binary), a certificate, not PEM; convert it with: openssl x509 -inform der -in FILE -out FILE.pem"
    );
    let (_, key) = certs::self_signed(&certs::params("Key Only", true, 2020, 2060));
    let problem = cloudflare_origin_trust_store::pem_text(&key.serialize_der()).unwrap_err();
    assert!(problem.to_string().contains("but not a certificate (a key or a PKCS#12 bundle?)"), "{problem}");
    let problem = cloudflare_origin_trust_store::pem_text(b"\xff\xfe\x00garbage").unwrap_err();
    assert_eq!(problem, CertificateProblem::NotText);
}

#[test]
fn details_expose_subject_issuer_serial_fingerprint_and_validity() {
    let (cert, _) = certs::self_signed(&certs::params("Details Root CA", true, 2021, 2041));
    let pem = cert.pem();

    let details = CertificateDetails::from_pem(&pem).unwrap();

    assert_eq!(details.subject, "CN=Details Root CA");
    assert_eq!(details.issuer, "CN=Details Root CA");
    assert!(details.is_ca && details.is_self_issued);
    let fingerprint: Vec<String> =
        sha2::Sha256::digest(cert.der()).iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(details.sha256_fingerprint, fingerprint.join(":"));
    assert!(!details.serial.is_empty());
    assert!(details.serial.chars().all(|c| c.is_ascii_hexdigit() || c == ':'), "{}", details.serial);
    assert_eq!(details.not_before, Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
    assert_eq!(details.not_after, Utc.with_ymd_and_hms(2041, 1, 1, 0, 0, 0).unwrap());
    assert_eq!(details.signature_algorithm, "ECDSAWithSHA256");
    assert_eq!(details.days_until_expiry(Utc.with_ymd_and_hms(2040, 12, 1, 0, 0, 0).unwrap()), 31);
    assert_eq!(details.days_until_expiry(Utc.with_ymd_and_hms(2041, 1, 3, 0, 0, 0).unwrap()), -2);

    assert_eq!(details.self_signature, SelfSignature::NotChecked);
    let mut checked = check_root_ca(&pem, Utc.with_ymd_and_hms(2030, 6, 1, 0, 0, 0).unwrap()).unwrap();
    assert_eq!(checked.self_signature, SelfSignature::Verified);
    checked.self_signature = SelfSignature::NotChecked;
    assert_eq!(checked, details);
    assert!(matches!(
        check_root_ca(&pem, Utc.with_ymd_and_hms(2042, 1, 1, 0, 0, 0).unwrap()).unwrap_err(),
        CertificateProblem::Expired { .. }
    ));
}

#[tokio::test]
async fn a_listed_certificate_gives_its_details() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    let uploaded = client.upload(fake.zone_id(), &certs::root("Listed Root")).await.unwrap();

    let listed = client.collect_all(fake.zone_id()).await.unwrap();
    let found = listed.iter().find(|c| c.id == uploaded.id).unwrap();

    let details = found.details().unwrap();
    assert_eq!(details.subject, "CN=Listed Root");
    assert_eq!(details.not_after, found.expires_on);
    assert_eq!(found.days_until_expiry(Utc.with_ymd_and_hms(2059, 12, 22, 0, 0, 0).unwrap()), 10);
}

#[test]
fn roots_signed_with_other_algorithms_pass_and_are_named() {
    for (algorithm, name) in [
        (&rcgen::PKCS_ECDSA_P256_SHA256, "ECDSAWithSHA256"),
        (&rcgen::PKCS_ECDSA_P384_SHA384, "ECDSAWithSHA384"),
        (&rcgen::PKCS_ED25519, "Ed25519"),
    ] {
        let mut params = certs::params("Algorithm Root", true, 2020, 2060);
        params.distinguished_name.push(rcgen::DnType::OrganizationName, "Example Org");
        let key = rcgen::KeyPair::generate_for(algorithm).unwrap();
        let pem = params.self_signed(&key).unwrap().pem();

        let details = check_root_ca(&pem, Utc::now()).unwrap_or_else(|e| panic!("{name}: {e}"));

        assert_eq!(details.signature_algorithm, name);
        assert_eq!(details.subject, "O=Example Org,CN=Algorithm Root", "RFC 4514 order: last RDN first");
    }
}

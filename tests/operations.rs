//! Upload (with the local root-CA checks), get and delete, against the fake and wiremock.

mod common;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use cloudflare_origin_trust_store::check_root_ca;
use cloudflare_origin_trust_store::fake::{FakeCloudflare, Fault};
use cloudflare_origin_trust_store::{
    CertificateDetails, CertificateProblem, CertificateStatus, Error, ErrorKind, Jitter, ListParams,
    RetryPolicy, SelfSignature,
};
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
async fn upload_get_list_delete_round_trip() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    let pem = certs::root("Round Trip Root CA");
    let with_text =
        format!("Subject: CN=Round Trip Root CA\nsome openssl -text output\n{pem}trailing notes\n");

    let uploaded = client.upload(fake.zone_id(), &with_text).await.unwrap();

    assert_eq!(uploaded.issuer, "Round Trip Root CA");
    assert_eq!(uploaded.status, CertificateStatus::PendingDeployment);
    assert_eq!(uploaded.expires_on, Utc.with_ymd_and_hms(2060, 1, 1, 0, 0, 0).unwrap());
    let sent: serde_json::Value = serde_json::from_slice(&fake.requests()[0].body).unwrap();
    assert_eq!(sent, serde_json::json!({ "certificate": pem }), "only the clean PEM block is sent");
    assert_eq!(fake.requests()[0].method, "POST");

    // The fake's default life of a certificate: one read shows the pending status, the next the
    // final one.
    let got = client.get(fake.zone_id(), &uploaded.id).await.unwrap();
    assert_eq!(got, uploaded, "the first read: still pending_deployment");
    let all = client.collect_all(fake.zone_id()).await.unwrap();
    assert_eq!(all.len(), 4);
    let listed = all.iter().find(|c| c.id == uploaded.id).unwrap();
    assert_eq!(listed.status, CertificateStatus::Active, "the second read: active");
    assert_eq!((&listed.certificate, listed.expires_on), (&uploaded.certificate, uploaded.expires_on));

    assert_eq!(client.delete(fake.zone_id(), &uploaded.id).await.unwrap(), uploaded.id);
    assert_eq!(
        client.delete(fake.zone_id(), &uploaded.id).await.unwrap(),
        uploaded.id,
        "deleting again is fine"
    );
    let deleting = client.get(fake.zone_id(), &uploaded.id).await.unwrap();
    assert_eq!(deleting.status, CertificateStatus::PendingDeletion);
    let err = client.get(fake.zone_id(), &uploaded.id).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.api_errors()[0].code, 1404);
    let err = client.delete(fake.zone_id(), &uploaded.id).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(
        fake.requests().iter().map(|r| r.method.as_str()).collect::<Vec<_>>(),
        ["POST", "GET", "GET", "DELETE", "DELETE", "GET", "GET", "DELETE"]
    );
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
        "the input holds a PRIVATE KEY block besides the certificate; give only the certificate"
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
                format!("the input holds a {label} block besides the certificate; give only the certificate"),
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
    for input in [rewrapped(76, "\n"), rewrapped(64, "\r\n"), rewrapped(10_000, "\n"), rewrapped(17, "\r\n")]
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
            "the input holds a PRIVATE KEY block besides the certificate; give only the certificate"
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

#[tokio::test]
async fn an_upload_is_retried_on_429_but_not_on_5xx() {
    let retry = RetryPolicy::new().initial_backoff(Duration::from_millis(1)).jitter(Jitter::none());
    let fake = fake().await;
    let client = fake.client_builder().retry(retry).build().unwrap();
    fake.set_faults(|r| (r.index == 1).then(|| Fault::rate_limited("0")));

    client.upload(fake.zone_id(), &certs::root("Rate Limited Root")).await.unwrap();
    assert_eq!(fake.request_count(), 2, "a 429 proves the upload was not processed: retried");

    fake.set_faults(|r| (r.index == 3).then(|| Fault::html(503, 0)));
    let err = client.upload(fake.zone_id(), &certs::root("Unlucky Root")).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.attempts(), 1, "a 503 may have been processed: not retried");
    assert_eq!(fake.request_count(), 3);

    // A GET with the same fault is retried.
    fake.set_faults(|r| (r.index == 4).then(|| Fault::html(503, 0)));
    let id = fake.certificates()[0].id.clone();
    client.get(fake.zone_id(), &id).await.unwrap();
    assert_eq!(fake.request_count(), 5);

    // A body cut after the head: the upload was processed, so it is not sent again; a GET is.
    fake.set_faults(|r| (r.method == "POST").then_some(Fault::CutBody));
    let err = client.upload(fake.zone_id(), &certs::root("Cut Root")).await.unwrap_err();
    assert_eq!(err.attempts(), 1, "{err:?}");
    assert_eq!(fake.request_count(), 6);
    assert_eq!(fake.certificates().len(), 5, "the upload was stored before the answer was cut");
    fake.set_faults(|r| (r.index == 7).then_some(Fault::CutBody));
    client.get(fake.zone_id(), &id).await.unwrap();
    assert_eq!(fake.request_count(), 8, "the cut GET, then its retry");
}

#[tokio::test]
async fn a_duplicate_upload_gets_cloudflares_error() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    let pem = certs::root("Twice Root");
    client.upload(fake.zone_id(), &pem).await.unwrap();

    let err = client.upload(fake.zone_id(), &pem).await.unwrap_err();

    assert_eq!(
        err.to_string(),
        "cloudflare api error (http 400): code 1003: This certificate is already in the trust store"
    );
}

#[tokio::test]
async fn ids_are_checked_before_sending() {
    let fake = fake().await;
    let client = fake.client().unwrap();

    for result in [
        client.get(fake.zone_id(), "").await.map(drop),
        client.delete(fake.zone_id(), &"f".repeat(33)).await.map(drop),
    ] {
        let err = result.unwrap_err();
        assert!(
            err.to_string().starts_with("invalid certificate_id: must be 1 to 32 ASCII letters"),
            "{err}"
        );
    }
    let err = client.get("", "abc").await.unwrap_err();
    assert!(err.to_string().starts_with("invalid zone_id: must be 1 to 32 ASCII letters"), "{err}");
    assert_eq!(fake.request_count(), 0);
}

/// Ids that a URL parser would turn into another path (dot segments, `\\` read as `/`), that an
/// encoder might leave alone, or that are simply not ids: each refused, for every operation, with
/// zero requests sent.
const HOSTILE_IDS: &[&str] = &[
    ".",
    "..",
    "...",
    "..\\..",
    "a\\b",
    "\\",
    "/",
    "a/b",
    "../../x",
    "%2e%2e",
    "%2F",
    "%",
    "a b",
    " ",
    "a\tb",
    "a\nb",
    "\u{1b}[2J",
    "\0",
    "é",
    "ｆｕｌｌ",
    "a\u{202e}b",
    "a?b",
    "a#b",
    "a;b",
    "a:b",
    "a.b",
    ".hidden",
    "~",
    "+",
    "a@b",
    "0123456789abcdef0123456789abcdef0",
];

#[tokio::test]
async fn hostile_ids_are_refused_by_every_operation_and_nothing_is_sent() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    let zone = fake.zone_id();
    let root = certs::root("Hostile Id Root CA");
    for &id in HOSTILE_IDS {
        let results: Vec<(&str, Result<(), Error>)> = vec![
            ("certificate_id", client.get(zone, id).await.map(drop)),
            ("certificate_id", client.delete(zone, id).await.map(drop)),
            ("zone_id", client.get(id, "abc").await.map(drop)),
            ("zone_id", client.delete(id, "abc").await.map(drop)),
            ("zone_id", client.upload(id, &root).await.map(drop)),
            ("zone_id", client.upload_unchecked(id, &root).await.map(drop)),
            (
                "zone_id",
                client.list_page(id, &cloudflare_origin_trust_store::ListParams::new()).await.map(drop),
            ),
            ("zone_id", client.list_all(id).map(drop)),
            ("zone_id", client.collect_all(id).await.map(drop)),
        ];
        for (parameter, result) in results {
            let err = result.unwrap_err();
            assert!(err.is_invalid_input(), "{id:?}: {err}");
            assert!(err.to_string().starts_with(&format!("invalid {parameter}: ")), "{id:?}: {err}");
        }
    }
    assert_eq!(fake.request_count(), 0, "{:?}", fake.requests());
    assert_eq!(fake.certificates().len(), 3, "nothing was deleted");
}

#[tokio::test]
async fn a_domain_name_given_as_zone_id_gets_a_hint() {
    let fake = fake().await;
    let client = fake.client().unwrap();
    for name in ["example.com", "www.example.co.uk", "example.com."] {
        let err = client.get(name, "abc").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "invalid zone_id: {name:?} looks like a domain name, but a zone id is expected (32 hex characters, shown on the zone's Overview page in the dashboard); to go by name, use Client::zone_id or the CLI's --zone"
            )
        );
    }
    let err = client.get(fake.zone_id(), "example.com").await.unwrap_err();
    assert!(!err.to_string().contains("domain"), "only a zone id gets the hint: {err}");
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn a_delete_answer_naming_another_id_is_an_error() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    let server = common::server().await;
    let asked = "ca000000000000000000000000000001";
    Mock::given(method("DELETE"))
        .and(path(format!("{}/{asked}", common::LIST_PATH)))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "success": true, "errors": [], "messages": [], "result": {"id": "ca000000000000000000000000000002"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = common::token_client(&server).delete(common::ZONE, asked).await.unwrap_err();
    assert!(
        matches!(&err.kind(), ErrorKind::IdMismatch { requested, returned }
        if requested == asked && returned == "ca000000000000000000000000000002"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the delete answer names certificate \"ca000000000000000000000000000002\", not the requested \"ca000000000000000000000000000001\""
    );
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

/// A wiremock server answering `DELETE` of certificate `ID` (and `POST` of an upload) with `template`.
async fn answering(method_name: &str, template: wiremock::ResponseTemplate) -> wiremock::MockServer {
    use wiremock::matchers::method;
    let server = common::server().await;
    wiremock::Mock::given(method(method_name)).respond_with(template).expect(1).mount(&server).await;
    server
}

const ID: &str = "ca000000000000000000000000000001";

#[tokio::test]
async fn every_delete_answer_the_official_definition_allows_is_a_success() {
    use serde_json::json;
    use wiremock::ResponseTemplate;
    let envelope = |result: Option<serde_json::Value>| {
        let mut body = json!({"success": true, "errors": [], "messages": []});
        if let Some(result) = result {
            body["result"] = result;
        }
        body
    };
    for (case, template) in [
        ("result {id}", ResponseTemplate::new(200).set_body_json(envelope(Some(json!({"id": ID}))))),
        ("result {}", ResponseTemplate::new(200).set_body_json(envelope(Some(json!({}))))),
        ("result null", ResponseTemplate::new(200).set_body_json(envelope(Some(json!(null))))),
        ("no result", ResponseTemplate::new(200).set_body_json(envelope(None))),
        ("202 accepted", ResponseTemplate::new(202).set_body_json(envelope(Some(json!({"id": ID}))))),
        ("204 no content", ResponseTemplate::new(204)),
        (
            "errors and messages null",
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": true, "errors": null, "messages": null})),
        ),
    ] {
        let server = answering("DELETE", template).await;
        let deleted = common::token_client(&server).delete(common::ZONE, ID).await;
        assert_eq!(deleted.unwrap_or_else(|e| panic!("{case}: {e}")), ID, "{case}");
    }
    let server =
        answering("DELETE", ResponseTemplate::new(200).set_body_json(envelope(Some(json!({"id": 7}))))).await;
    let err = common::token_client(&server).delete(common::ZONE, ID).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Decode { .. }),
        "an id that is not a string is not an id: {err:?}"
    );
}

#[tokio::test]
async fn an_upload_answered_with_any_2xx_and_a_valid_envelope_succeeds() {
    use serde_json::json;
    use wiremock::ResponseTemplate;
    for status in [200, 201, 202] {
        let body = json!({"success": true, "errors": [], "messages": [], "result": common::certificate(ID)});
        let server = answering("POST", ResponseTemplate::new(status).set_body_json(body)).await;
        let uploaded = common::token_client(&server).upload(common::ZONE, &certs::root("Any 2xx Root")).await;
        assert_eq!(uploaded.unwrap().id, ID, "{status}");
    }
}

#[tokio::test]
async fn null_or_malformed_messages_never_fail_a_page_and_malformed_errors_keep_their_text() {
    use serde_json::json;
    use wiremock::ResponseTemplate;
    let page = |messages: serde_json::Value| json!({"success": true, "errors": null, "messages": messages, "result": [common::certificate(ID)]});
    for messages in [
        json!(null),
        json!([]),
        json!([{"code": 1000, "message": "fine"}, {"foo": 1}, "text", 7, {"code": "x", "message": 2}]),
        json!("one string"),
        json!({"code": 1001}),
    ] {
        let server = answering("GET", ResponseTemplate::new(200).set_body_json(page(messages.clone()))).await;
        let listed = common::token_client(&server).list_page(common::ZONE, &ListParams::new()).await;
        let listed = listed.unwrap_or_else(|e| panic!("{messages}: {e}"));
        assert_eq!(listed.items.len(), 1, "{messages}");
        if messages.is_array() && messages.as_array().unwrap().len() == 5 {
            let kept: Vec<(i64, &str)> =
                listed.messages.iter().map(|m| (m.code, m.message.as_str())).collect();
            assert_eq!(
                kept,
                [
                    (1000, "fine"),
                    (0, "{\"foo\":1}"),
                    (0, "\"text\""),
                    (0, "7"),
                    (0, "{\"code\":\"x\",\"message\":2}")
                ]
            );
        }
    }
    let failure = json!({"success": false, "errors": [{"code": "9109", "message": ["Unauthorized"]}], "messages": null});
    let server = answering("GET", ResponseTemplate::new(403).set_body_json(failure)).await;
    let err = common::token_client(&server).list_page(common::ZONE, &ListParams::new()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cloudflare api error (http 403): code 0: {\"code\":\"9109\",\"message\":[\"Unauthorized\"]}; the request \
         used an API token (Authorization: Bearer): check that it is valid, not expired, and allowed \"SSL and \
         Certificates\" on this zone (Read to list and get, Edit to upload and delete)"
    );
    let server =
        answering("GET", ResponseTemplate::new(400).set_body_json(json!({"success": false, "errors": null})))
            .await;
    let err = common::token_client(&server).list_page(common::ZONE, &ListParams::new()).await.unwrap_err();
    assert_eq!(err.to_string(), "cloudflare api error (http 400): no error details");
}

//! What an origin check takes in, without a network: origins as written, the vendored Origin CA
//! roots, PEM chains and bundles, ML-DSA roots, and the warnings of a check.

use crate::support_origin_pki as pki;

use chrono::{TimeZone, Utc};
use cloudflare_origin_trust_store::fake::FakeCloudflare;
use cloudflare_origin_trust_store::origin::{
    Address, AnchorSource, Change, CheckOptions, Origin, OriginChain, OriginWarning, Outcome, TrustSet,
    post_quantum_mix, verify,
};
use cloudflare_origin_trust_store::{CertificateStatus, CustomTrustStore, SelfSignature, check_root_ca};
use pki::{Ca, id};

#[test]
fn origins_parse_in_every_documented_form() {
    let cases: [(&str, &str, Option<&str>, u16); 8] = [
        ("www.example.com", "www.example.com", None, 443),
        ("WWW.Example.COM:8443", "www.example.com", None, 8443),
        ("www.example.com@192.0.2.10", "www.example.com", Some("192.0.2.10"), 443),
        ("www.example.com@192.0.2.10:8443", "www.example.com", Some("192.0.2.10"), 8443),
        ("www.example.com:8443@192.0.2.10", "www.example.com", Some("192.0.2.10"), 8443),
        ("www.example.com@[2001:db8::1]", "www.example.com", Some("[2001:db8::1]"), 443),
        ("www.example.com@[2001:db8::1]:65535", "www.example.com", Some("[2001:db8::1]"), 65535),
        (
            "api.example.com@origin-1.internal.example:1",
            "api.example.com",
            Some("origin-1.internal.example"),
            1,
        ),
    ];
    for (written, host, address, port) in cases {
        let origin: Origin = written.parse().unwrap_or_else(|e| panic!("{written}: {e}"));
        assert_eq!(origin.host(), host, "{written}");
        assert_eq!(origin.address().map(Address::to_string).as_deref(), address, "{written}");
        assert_eq!(origin.port(), port, "{written}");
        assert_eq!(origin.to_string().parse::<Origin>().unwrap(), origin, "{written} shown and read back");
    }
}

#[test]
fn bad_origins_are_refused_naming_the_value_and_the_rule() {
    let cases = [
        ("", "it is empty"),
        (" www.example.com", "it holds a space"),
        ("www.example.com\u{1b}[2J", "\\u{1b}"),
        ("www..example.com", "has an empty label"),
        (".example.com", "has an empty label"),
        ("www.example.com.", "ends with `.`"),
        ("www.example.com:0", "port 0 is not a port"),
        ("www.example.com:65536", "port 65536 is over 65535"),
        ("www.example.com:99999999", "is not a number from 1 to 65535"),
        ("www.example.com:+443", "is not a number from 1 to 65535"),
        ("www.example.com:", "`:` is not followed by a port"),
        ("bücher.example", "is not ASCII; give an internationalized name in its xn-- (punycode) form"),
        ("-www.example.com", "starts or ends with `-`"),
        ("www_1.example.com", "holds '_'"),
        ("*.example.com", "HOST is a wildcard"),
        ("192.0.2.1", "HOST must be the host name Cloudflare connects with"),
        ("[2001:db8::1]:443", "HOST must be the host name Cloudflare connects with"),
        ("www.example.com@2001:db8::1", "an IPv6 address goes in brackets: [2001:db8::1]"),
        ("www.example.com@[2001:db8::1", "`[` without a closing `]`"),
        ("www.example.com@[192.0.2.1]", "is not an IPv6 address"),
        ("www.example.com@", "nothing follows `@`"),
        ("a.example@b.example@c.example", "more than one `@`"),
        ("www.example.com:443@192.0.2.1:443", "the port is given twice"),
        ("www.example.com@999.1.1.1", "is neither a name"),
    ];
    for (value, reason) in cases {
        let error = value.parse::<Origin>().expect_err(value);
        assert!(error.is_invalid_input(), "{value}");
        let message = error.to_string();
        assert!(message.starts_with("invalid origin: \""), "{message}");
        assert!(message.contains(reason), "{value:?}: {message}");
        assert!(message.ends_with("443 by default)"), "names what is allowed: {message}");
        assert!(!message.contains('\u{1b}'), "escaped: {message:?}");
    }
    let long = format!("{}.example", "a".repeat(600));
    assert!(long.parse::<Origin>().unwrap_err().to_string().contains("over 520 bytes"));
}

#[test]
fn the_vendored_origin_ca_roots_are_the_published_ones_and_current() {
    // The default trust's Origin CA roots, with the fingerprints recorded in src/origin/roots/.
    let defaults = TrustSet::cloudflare_default();
    let mut origin_ca: Vec<_> =
        defaults.roots().iter().filter(|root| root.source == AnchorSource::OriginCa).collect();
    origin_ca.sort_by_key(|root| root.subject.clone());
    let fingerprints: Vec<&str> =
        origin_ca.iter().map(|r| r.sha256_fingerprint.as_deref().unwrap()).collect();
    assert_eq!(
        fingerprints,
        [
            "AA:63:69:7A:22:76:4B:67:B2:13:4C:E1:4C:B5:69:0E:A3:36:94:0B:93:98:61:13:F4:95:45:91:78:32:D8:0D",
            "D3:C7:E8:5C:91:70:7F:C0:A1:2A:BC:5D:88:26:67:47:AA:4F:A8:E7:B1:62:F6:33:FF:B3:C9:D9:89:94:76:20",
        ]
    );
    for pem in [
        include_str!("../../src/origin/roots/origin_ca_ecc_root.pem"),
        include_str!("../../src/origin/roots/origin_ca_rsa_root.pem"),
    ] {
        let details = check_root_ca(pem, Utc::now()).expect("a current, self-signed root CA");
        assert_eq!(details.self_signature, SelfSignature::Verified);
        let expired_ecc_root = Utc.with_ymd_and_hms(2021, 2, 22, 0, 24, 0).unwrap();
        assert_ne!(details.not_after, expired_ecc_root, "the ECC root that expired in 2021 is not vendored");
    }
    assert!(defaults.roots().iter().filter(|r| r.source == AnchorSource::PublicCa).count() > 100);
}

#[test]
fn an_ml_dsa_65_root_passes_the_upload_checks_as_not_verifiable_locally() {
    let pem = include_str!("../fixtures/roots/mldsa65.pem");
    let details = check_root_ca(pem, Utc::now()).unwrap();
    assert_eq!(details.signature_algorithm, "2.16.840.1.101.3.4.3.18");
    assert_eq!(details.self_signature, SelfSignature::Unverifiable);
}

#[test]
fn an_ml_dsa_root_beside_classical_roots_is_flagged_and_alone_is_not() {
    let mut ml_dsa = CustomTrustStore::new(id(1), include_str!("../fixtures/roots/mldsa65.pem"));
    ml_dsa.status = CertificateStatus::Active;
    let classical = Ca::root("Classical Root").stored(&id(2), CertificateStatus::Active);
    let mixed = TrustSet::from_store(&[ml_dsa.clone(), classical]);
    let mix = post_quantum_mix(mixed.roots()).expect("a mix");
    assert_eq!(mix.ml_dsa, ["CN=Example ML-DSA-65 Root CA"]);
    assert_eq!(mix.classical.len(), 1);
    assert!(mix.to_string().contains("upload only ML-DSA roots"), "{mix}");
    assert_eq!(post_quantum_mix(TrustSet::from_store(&[ml_dsa]).roots()), None);
}

#[test]
fn a_pem_chain_is_read_leaf_first_and_bad_chains_are_refused() {
    let root = Ca::root("Root");
    let leaf = root.intermediate("Issuing").leaf(&["www.example.test"]);
    let text = format!("{}{}", leaf.chain, leaf.key);
    let chain = OriginChain::from_pem("www.example.test", &text).unwrap();
    assert_eq!(chain.certificates().len(), 2, "the key is skipped");
    assert_eq!(chain.intermediates().len(), 1);
    let trust = TrustSet::from_store(&[root.stored(&id(1), CertificateStatus::Active)]);
    assert_eq!(verify(&chain, &trust, Utc::now()).outcome, Outcome::Trusted);

    assert_eq!(
        OriginChain::from_pem("www.example.test", "no pem").unwrap_err().to_string(),
        "no PEM certificate found (expected a -----BEGIN CERTIFICATE----- block)"
    );
    let bad_host = OriginChain::from_pem("www..example", &leaf.chain).unwrap_err();
    assert!(
        bad_host.to_string().starts_with("invalid host: HOST \"www..example\" has an empty label"),
        "{bad_host}"
    );
    let many = leaf.pem.repeat(17);
    assert!(OriginChain::from_pem("www.example.test", &many).unwrap_err().to_string().contains("at most 16"));
}

#[test]
fn a_trust_bundle_must_hold_a_certificate() {
    assert!(TrustSet::from_pem_bundle("").is_err());
    let bundle = format!("{}{}", Ca::root("One").pem, Ca::root("Two").pem);
    let set = TrustSet::from_pem_bundle(&bundle).unwrap();
    assert_eq!(set.roots().len(), 2);
    assert!(set.roots().iter().all(|root| root.source == AnchorSource::Bundle));
}

#[test]
fn a_store_certificate_that_does_not_parse_is_reported_unusable_not_trusted() {
    let mut broken =
        CustomTrustStore::new(id(1), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    broken.status = CertificateStatus::Active;
    let set = TrustSet::from_store(&[broken]);
    assert_eq!(set.unusable().len(), 1);
    assert!(set.is_default(), "no usable root: the default trust applies");
}

#[tokio::test]
async fn an_address_in_cloudflares_edge_ranges_is_warned_about() {
    // The chain is given, so nothing connects to the address.
    let root = Ca::root("Root");
    let leaf = root.leaf(&["www.example.test"]);
    let fake = FakeCloudflare::builder().certificates(vec![root.stored(&id(1), CertificateStatus::Active)]);
    let fake = fake.start().await.unwrap();
    let origins: Vec<Origin> = ["www.example.test@104.16.0.1", "www.example.test@192.0.2.1"]
        .iter()
        .map(|o| o.parse().unwrap())
        .collect();
    let options = CheckOptions::new().chain(OriginChain::from_pem("www.example.test", &leaf.chain).unwrap());
    let client = fake.client().unwrap();
    let report = client.check_origins_with(fake.zone_id(), &origins, &Change::None, &options).await.unwrap();
    let edge = OriginWarning::CloudflareEdge { address: "104.16.0.1".parse().unwrap() };
    assert_eq!(report.checks[0].warnings, std::slice::from_ref(&edge));
    assert!(report.checks[1].warnings.is_empty());
    assert!(edge.to_string().contains("the host is proxied"), "{edge}");
    assert!(report.checks.iter().all(|check| check.now.outcome == Outcome::Trusted));
    let json = serde_json::to_value(&report.checks[0]).unwrap();
    assert_eq!(json["origin"], "www.example.test@104.16.0.1");
    assert_eq!(json["now"]["outcome"], "trusted");
    assert_eq!(json["now"]["anchor"]["id"], id(1));
    assert_eq!(json["chain"]["from"], "pem");
    assert_eq!(json["warnings"][0]["kind"], "cloudflare_edge");
}

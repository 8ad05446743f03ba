//! Certificates for origin checks, made with rcgen: roots, intermediates, leaves and their keys.
#![allow(dead_code)]

use cloudflare_origin_trust_store::{CertificateStatus, CustomTrustStore};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose, date_time_ymd,
};

/// A CA: its certificate, and what it takes to sign with it.
pub struct Ca {
    /// Its certificate.
    pub pem: String,
    /// The intermediates from it up to (not including) its root: empty for a root.
    pub chain: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A leaf: the chain an origin presents (leaf first, then the intermediates), and its key.
pub struct LeafCert {
    pub chain: String,
    pub key: String,
    /// The leaf alone.
    pub pem: String,
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn.push(DnType::OrganizationName, "Origin Check Tests");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = date_time_ymd(2025, 1, 1);
    params.not_after = date_time_ymd(2035, 1, 1);
    params
}

impl Ca {
    /// A self-signed root CA valid 2025 to 2035.
    pub fn root(name: &str) -> Self {
        Self::root_with(name, |_| {})
    }

    /// A root CA, its parameters changed by `change` first.
    pub fn root_with(name: &str, change: impl FnOnce(&mut CertificateParams)) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = ca_params(name);
        change(&mut params);
        let pem = params.self_signed(&key).unwrap().pem();
        Self { pem, chain: String::new(), issuer: Issuer::new(params, key) }
    }

    /// An intermediate CA signed by this one.
    pub fn intermediate(&self, name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let params = ca_params(name);
        let pem = params.signed_by(&key, &self.issuer).unwrap().pem();
        let chain = format!("{pem}{}", self.chain);
        Self { pem, chain, issuer: Issuer::new(params, key) }
    }

    /// A leaf for `names`, valid 2025 to 2035, with EKU serverAuth.
    pub fn leaf(&self, names: &[&str]) -> LeafCert {
        self.leaf_with(names, |_| {})
    }

    /// A leaf, its parameters changed by `change` first.
    pub fn leaf_with(&self, names: &[&str], change: impl FnOnce(&mut CertificateParams)) -> LeafCert {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names.clone()).unwrap();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, names.first().cloned().unwrap_or_default());
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.not_before = date_time_ymd(2025, 1, 1);
        params.not_after = date_time_ymd(2035, 1, 1);
        change(&mut params);
        let pem = params.signed_by(&key, &self.issuer).unwrap().pem();
        LeafCert { chain: format!("{pem}{}", self.chain), key: key.serialize_pem(), pem }
    }

    /// This CA as a certificate of a zone's store, with `id` and `status`.
    pub fn stored(&self, id: &str, status: CertificateStatus) -> CustomTrustStore {
        let mut certificate = CustomTrustStore::new(id, self.pem.clone());
        certificate.status = status;
        certificate
    }
}

/// A store id made of `n`.
pub fn id(n: u32) -> String {
    format!("ca{n:030}")
}

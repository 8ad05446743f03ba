//! Trust sets: the roots Cloudflare would anchor an origin's chain to, now or after a change.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor};
use serde::Serialize;
use x509_cert::der::Decode;

use crate::certificate::{CertificateDetails, CertificateProblem, checked_root_ca, single_certificate};
use crate::model::{CertificateStatus, CustomTrustStore};

/// Where a root of a [`TrustSet`] comes from: what a verdict's anchor says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnchorSource {
    /// A root of the zone's Custom Origin Trust Store (its id is known).
    Store,
    /// A root a planned change uploads.
    Upload,
    /// A publicly trusted CA of Cloudflare's default trust (Mozilla's set, as the `webpki-roots`
    /// crate ships it, standing in for Cloudflare's cfssl_trust bundle).
    PublicCa,
    /// Cloudflare's Origin CA (RSA or ECC root), part of the default trust under Full (strict).
    OriginCa,
    /// A root of a bundle given to replace the default trust ([`TrustSet::from_pem_bundle`]).
    Bundle,
}

/// One root of a [`TrustSet`], as a verdict names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct TrustRoot {
    /// Where it comes from.
    pub source: AnchorSource,
    /// Its id in the zone's store, for [`AnchorSource::Store`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its status in the zone's store, for [`AnchorSource::Store`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<CertificateStatus>,
    /// The file it came from, for an upload read from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Its subject.
    pub subject: String,
    /// The SHA-256 fingerprint of its DER, when the certificate is known (not for the public CAs,
    /// of which only the subject and key are shipped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256_fingerprint: Option<String>,
    /// When it expires, when the certificate is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<DateTime<Utc>>,
    /// Its signature algorithm, when the certificate is known (`ECDSAWithSHA256`, or an OID such
    /// as `2.16.840.1.101.3.4.3.18` for ML-DSA-65).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_algorithm: Option<String>,
}

/// A certificate of the store that cannot anchor anything locally (its PEM does not parse).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct UnusableRoot {
    /// Its id in the store.
    pub id: String,
    /// Why it cannot be used.
    pub reason: String,
}

/// A root CA a planned change uploads, checked locally as [`check_root_ca`](crate::check_root_ca)
/// checks an upload. (The same checks as [`DesiredRoot`](crate::DesiredRoot), which does not
/// expose its certificate.)
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedRoot {
    /// What the certificate says.
    pub details: CertificateDetails,
    /// The file it came from, if any.
    pub file: Option<String>,
    der: Vec<u8>,
}

impl PlannedRoot {
    /// The root CA in `pem`, checked at `now`.
    pub fn from_pem(pem: &str, now: DateTime<Utc>) -> Result<Self, CertificateProblem> {
        let (details, _) = checked_root_ca(pem, now)?;
        let der = single_certificate(pem)?;
        Ok(Self { details, file: None, der })
    }

    /// The same, saying which file it came from.
    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub(crate) fn root(&self) -> Option<(TrustRoot, TrustAnchor<'static>)> {
        let anchor = anchor_of(&self.der)?;
        let mut root = known(AnchorSource::Upload, &self.details);
        root.file = self.file.clone();
        Some((root, anchor))
    }
}

/// The roots an origin's chain may end at: a zone's usable roots, or Cloudflare's default trust
/// when the zone has none ("When a CA has been uploaded, Cloudflare will ignore all default
/// publicly trusted CAs and exclusively use the CA or CAs that have been uploaded").
///
/// Statuses, as [`TrustSet::from_store`] reads them for *now*: only `active` roots anchor
/// chains. `initializing` and `pending_deployment` roots are kept apart as
/// [`TrustSet::pending`]: a chain they would anchor is reported as
/// [`Outcome::Pending`](crate::origin::Outcome::Pending), trusted once they are active (Cloudflare
/// documents no deployment time). When a store holds pending roots but no active one, *now* is
/// the default trust, which stops applying once they deploy. *After* a change
/// ([`TrustSet::after`]), `initializing` and `pending_deployment` roots count as usable: the
/// change is judged once everything it started has deployed. `pending_deletion`, `deleted`,
/// `expired` and statuses this crate does not know never count.
#[derive(Clone, Debug)]
pub struct TrustSet {
    pub(crate) roots: Vec<TrustRoot>,
    pub(crate) anchors: Vec<TrustAnchor<'static>>,
    pub(crate) pending: Vec<TrustRoot>,
    pub(crate) pending_anchors: Vec<TrustAnchor<'static>>,
    pub(crate) default: bool,
    pub(crate) unusable: Vec<UnusableRoot>,
}

/// The largest bundle [`TrustSet::from_pem_bundle`] reads: 8 MiB (Mozilla's whole set is some
/// 250 KiB of PEM).
pub const MAX_BUNDLE_BYTES: usize = 8 << 20;

/// Cloudflare's Origin CA roots: source and SHA-256 fingerprints in `roots/README.md`.
static ORIGIN_CA: [(&str, &str); 2] = [
    ("origin_ca_rsa_root.pem", include_str!("roots/origin_ca_rsa_root.pem")),
    ("origin_ca_ecc_root.pem", include_str!("roots/origin_ca_ecc_root.pem")),
];

static DEFAULT: LazyLock<TrustSet> = LazyLock::new(|| {
    let mut set = TrustSet::empty(true);
    for anchor in webpki_roots::TLS_SERVER_ROOTS {
        let subject = anchor_subject(anchor);
        set.push(TrustRoot { subject, ..bare(AnchorSource::PublicCa) }, anchor.clone());
    }
    for (file, pem) in ORIGIN_CA {
        let der = single_certificate(pem).expect("the vendored Origin CA roots are PEM");
        let details = CertificateDetails::from_pem(pem).expect("the vendored Origin CA roots parse");
        let anchor = anchor_of(&der).expect("the vendored Origin CA roots are trust anchors");
        let mut root = known(AnchorSource::OriginCa, &details);
        root.file = Some(file.to_owned());
        set.push(root, anchor);
    }
    set
});

impl TrustSet {
    /// Cloudflare's default trust under Full (strict): publicly trusted CAs (Mozilla's set as the
    /// `webpki-roots` crate ships it, an approximation of Cloudflare's cfssl_trust bundle, which
    /// differs in a few roots) and Cloudflare's Origin CA roots (RSA and ECC, vendored in
    /// `src/origin/roots/`).
    pub fn cloudflare_default() -> Self {
        DEFAULT.clone()
    }

    /// A default trust read from a PEM bundle (every `CERTIFICATE` block; other blocks are
    /// skipped), replacing [`TrustSet::cloudflare_default`]: for a closer copy of cfssl_trust, or
    /// a test's own "public" CA. Refused when the bundle holds no certificate, is over
    /// [`MAX_BUNDLE_BYTES`], or a certificate in it does not parse.
    pub fn from_pem_bundle(pem: &str) -> Result<Self, CertificateProblem> {
        if pem.len() > MAX_BUNDLE_BYTES {
            return Err(CertificateProblem::TooLarge { limit: MAX_BUNDLE_BYTES });
        }
        let mut set = Self::empty(true);
        for der in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let der = der.map_err(|error| CertificateProblem::MalformedPem(error.to_string()))?;
            let details = CertificateDetails::from_pem(&crate::certificate::encode_pem(&der))?;
            let anchor = anchor_of(&der).ok_or_else(|| {
                CertificateProblem::Unparsable(format!("{} cannot be a trust anchor", details.subject))
            })?;
            set.push(known(AnchorSource::Bundle, &details), anchor);
        }
        if set.roots.is_empty() {
            return Err(CertificateProblem::NoCertificate);
        }
        Ok(set)
    }

    /// The zone's trust *now*, from its listed store: its `active` roots (see the statuses
    /// above), else Cloudflare's default trust.
    pub fn from_store(store: &[CustomTrustStore]) -> Self {
        Self::from_store_with_defaults(store, &DEFAULT)
    }

    /// [`TrustSet::from_store`] with another default trust.
    pub fn from_store_with_defaults(store: &[CustomTrustStore], defaults: &TrustSet) -> Self {
        let mut set = Self::empty(false);
        for certificate in store {
            let usable = match certificate.status {
                CertificateStatus::Active => true,
                CertificateStatus::Initializing | CertificateStatus::PendingDeployment => false,
                _ => continue,
            };
            set.add_stored(certificate, usable);
        }
        set.or_defaults(defaults)
    }

    /// The zone's trust *after* `change` is made to `store`; see [`Change`](crate::origin::Change).
    pub fn after(
        store: &[CustomTrustStore],
        change: &crate::origin::Change,
        defaults: &TrustSet,
    ) -> crate::Result<Self> {
        let (kept, uploads) = change.apply_to(store)?;
        let mut set = Self::empty(false);
        for certificate in kept {
            set.add_stored(certificate, true);
        }
        for planned in uploads {
            if let Some((root, anchor)) = planned.root() {
                set.push(root, anchor);
            }
        }
        Ok(set.or_defaults(defaults))
    }

    /// The roots that anchor chains.
    pub fn roots(&self) -> &[TrustRoot] {
        &self.roots
    }

    /// Roots of the store not usable yet (`initializing`, `pending_deployment`).
    pub fn pending(&self) -> &[TrustRoot] {
        &self.pending
    }

    /// Whether this is a default trust (the store had no usable root).
    pub fn is_default(&self) -> bool {
        self.default
    }

    /// Certificates of the store whose PEM does not parse, so that they cannot anchor a chain
    /// here (Cloudflare may still use them).
    pub fn unusable(&self) -> &[UnusableRoot] {
        &self.unusable
    }

    fn empty(default: bool) -> Self {
        Self {
            roots: Vec::new(),
            anchors: Vec::new(),
            pending: Vec::new(),
            pending_anchors: Vec::new(),
            default,
            unusable: Vec::new(),
        }
    }

    fn push(&mut self, root: TrustRoot, anchor: TrustAnchor<'static>) {
        self.roots.push(root);
        self.anchors.push(anchor);
    }

    fn add_stored(&mut self, certificate: &CustomTrustStore, usable: bool) {
        let parsed = certificate.details().and_then(|details| {
            let der = single_certificate(&certificate.certificate)?;
            let anchor = anchor_of(&der)
                .ok_or_else(|| CertificateProblem::Unparsable("not usable as a trust anchor".into()))?;
            Ok((details, anchor))
        });
        let (details, anchor) = match parsed {
            Ok(parsed) => parsed,
            Err(problem) => {
                let reason = problem.to_string();
                self.unusable.push(UnusableRoot { id: certificate.id.clone(), reason });
                return;
            }
        };
        let mut root = known(AnchorSource::Store, &details);
        root.id = Some(certificate.id.clone());
        root.status = Some(certificate.status.clone());
        if usable {
            self.push(root, anchor);
        } else {
            self.pending.push(root);
            self.pending_anchors.push(anchor);
        }
    }

    /// This set, or `defaults` (keeping what this one knows of pending and unusable roots) when
    /// it has no usable root.
    fn or_defaults(self, defaults: &TrustSet) -> Self {
        if !self.roots.is_empty() {
            return self;
        }
        let mut set = defaults.clone();
        set.default = true;
        set.pending = self.pending;
        set.pending_anchors = self.pending_anchors;
        set.unusable = self.unusable;
        set
    }
}

fn bare(source: AnchorSource) -> TrustRoot {
    TrustRoot {
        source,
        id: None,
        status: None,
        file: None,
        subject: String::new(),
        sha256_fingerprint: None,
        not_after: None,
        signature_algorithm: None,
    }
}

fn known(source: AnchorSource, details: &CertificateDetails) -> TrustRoot {
    TrustRoot {
        subject: details.subject.clone(),
        sha256_fingerprint: Some(details.sha256_fingerprint.clone()),
        not_after: Some(details.not_after),
        signature_algorithm: Some(details.signature_algorithm.clone()),
        ..bare(source)
    }
}

fn anchor_of(der: &[u8]) -> Option<TrustAnchor<'static>> {
    let der = CertificateDer::from(der);
    webpki::anchor_from_trusted_cert(&der).ok().map(|anchor| anchor.to_owned())
}

/// A trust anchor's subject as text: its `subject` holds the Name's contents without the
/// SEQUENCE header, which is put back to decode it.
fn anchor_subject(anchor: &TrustAnchor<'_>) -> String {
    const UNREADABLE: &str = "(unreadable subject)";
    let contents: &[u8] = anchor.subject.as_ref();
    let mut der = vec![0x30];
    match contents.len() {
        len @ 0..=0x7f => der.push(len as u8),
        len @ 0x80..=0xff => der.extend([0x81, len as u8]),
        len @ 0x100..=0xffff => der.extend([0x82, (len >> 8) as u8, len as u8]),
        _ => return UNREADABLE.to_owned(),
    }
    der.extend_from_slice(contents);
    x509_cert::name::Name::from_der(&der)
        .map_or_else(|_| "(unreadable subject)".to_owned(), |n| n.to_string())
}

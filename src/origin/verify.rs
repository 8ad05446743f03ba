//! Whether Cloudflare, under Full (strict), would accept an origin's chain with a trust set.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use rustls_pki_types::{ServerName, TrustAnchor, UnixTime};
use serde::Serialize;
use webpki::{EndEntityCert, KeyUsage};

use crate::origin::chain::{Leaf, OriginChain};
use crate::origin::trust::{AnchorSource, TrustRoot, TrustSet};
use crate::text::terminal_safe;

/// The outcome of a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// The chain verifies to a root of the trust set.
    Trusted,
    /// It would verify to a root of the store that is not active yet (`initializing`,
    /// `pending_deployment`).
    Pending,
    /// It does not verify: Cloudflare would answer 526.
    Untrusted,
    /// A signature in the chain uses an algorithm that cannot be checked here (ML-DSA with the
    /// ring provider): never reported as trusted.
    Unknown,
    /// The origin's chain could not be recorded.
    Unreachable,
}

/// Why a verdict is what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// Anchored by a root of the trust set (see the verdict's anchor).
    Anchored,
    /// Anchored by a root not yet active.
    PendingDeployment,
    /// The leaf expired.
    Expired,
    /// The leaf is not valid yet.
    NotYetValid,
    /// The leaf does not name the host (subjectAltName, wildcard rules).
    WrongName,
    /// The leaf's extended key usage does not allow serving TLS (no serverAuth).
    NotForServerAuth,
    /// The chain ends at a root of the trust set that has expired.
    RootExpired,
    /// No path from the leaf through the intermediates sent to a root of the trust set.
    NoPath,
    /// A path exists but a certificate on it is unfit (an intermediate expired, a bad signature,
    /// a path length or name constraint violated...).
    InvalidChain,
    /// A signature algorithm that cannot be checked here.
    UnknownAlgorithm,
    /// The leaf does not parse.
    Malformed,
    /// The chain could not be recorded.
    Unreachable,
}

/// The root a verdict's chain is anchored by.
pub type Anchor = TrustRoot;

/// Whether one chain is trusted by one trust set, why, and by which root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Verdict {
    /// Trusted, pending, untrusted, unknown or unreachable.
    pub outcome: Outcome,
    /// Why.
    pub reason: Reason,
    /// The anchoring root (for `trusted` and `pending`, and `root_expired`).
    pub anchor: Option<Anchor>,
    /// One line for people, saying the reason with its particulars (escaped for a terminal).
    pub detail: String,
}

impl Verdict {
    /// Whether the outcome is [`Outcome::Trusted`].
    pub fn is_trusted(&self) -> bool {
        self.outcome == Outcome::Trusted
    }

    pub(crate) fn unreachable(detail: String) -> Self {
        Self::new(Outcome::Unreachable, Reason::Unreachable, None, detail)
    }

    fn new(outcome: Outcome, reason: Reason, anchor: Option<Anchor>, detail: String) -> Self {
        Self { outcome, reason, anchor, detail: terminal_safe(&detail).into_owned() }
    }

    fn anchored(outcome: Outcome, reason: Reason, root: &TrustRoot, prefix: &str) -> Self {
        let detail = format!("{prefix}{}", anchor_text(root));
        Self::new(outcome, reason, Some(root.clone()), detail)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

/// How a root is named in a verdict: by its id in the store, as a public CA, as the Origin CA.
pub(crate) fn anchor_text(root: &TrustRoot) -> String {
    let subject = &root.subject;
    match (root.source, &root.id, &root.file) {
        (AnchorSource::Store, Some(id), _) => format!("root {id} ({subject})"),
        (AnchorSource::Upload, _, Some(file)) => format!("the uploaded root {file} ({subject})"),
        (AnchorSource::Upload, _, None) | (AnchorSource::Store, None, _) => format!("the root {subject}"),
        (AnchorSource::PublicCa, _, _) => format!("a public CA ({subject})"),
        (AnchorSource::OriginCa, _, _) => format!("Cloudflare's Origin CA ({subject})"),
        (AnchorSource::Bundle, _, _) => format!("{subject} of the default trust bundle"),
    }
}

/// Whether Cloudflare, under Full (strict), would accept `chain` at time `at` with `trust`: the
/// leaf valid at `at`, naming the chain's host, allowed to serve TLS (EKU serverAuth when it has
/// an EKU), and a path through the intermediates sent to a root of `trust` that has not expired,
/// every signature on it verified (rustls-webpki, ring's algorithms). A chain that needs an
/// algorithm ring cannot check (ML-DSA) is [`Outcome::Unknown`], never trusted.
pub fn verify(chain: &OriginChain, trust: &TrustSet, at: DateTime<Utc>) -> Verdict {
    let leaf = match chain.leaf() {
        Ok(leaf) => leaf,
        Err(problem) => {
            return Verdict::new(Outcome::Untrusted, Reason::Malformed, None, format!("the leaf {problem}"));
        }
    };
    let end_entity = match EndEntityCert::try_from(chain.leaf_der()) {
        Ok(end_entity) => end_entity,
        Err(error) => {
            let detail = format!("the leaf cannot be read as a TLS certificate ({error:?})");
            return Verdict::new(Outcome::Untrusted, Reason::Malformed, None, detail);
        }
    };
    if let Some(verdict) = leaf_problem(&leaf, &end_entity, chain.host(), at) {
        return verdict;
    }
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(at.timestamp().max(0) as u64));
    let current: Vec<usize> = (0..trust.roots.len()).filter(|&i| valid_at(&trust.roots[i], at)).collect();
    let anchors: Vec<TrustAnchor<'static>> = current.iter().map(|&i| trust.anchors[i].clone()).collect();
    let error = match path(&end_entity, chain, &anchors, time) {
        Ok(found) => {
            return Verdict::anchored(
                Outcome::Trusted,
                Reason::Anchored,
                &trust.roots[current[found]],
                "anchored by ",
            );
        }
        Err(error) => error,
    };
    if let Ok(found) = path(&end_entity, chain, &trust.pending_anchors, time) {
        let root = &trust.pending[found];
        let status = root.status.as_ref().map_or_else(String::new, |s| format!(", still {s}"));
        let prefix = format!("not trusted until it is active{status}: would be anchored by ");
        return Verdict::anchored(Outcome::Pending, Reason::PendingDeployment, root, &prefix);
    }
    if let Ok(found) = path(&end_entity, chain, &trust.anchors, time) {
        let root = &trust.roots[found];
        let expired = root.not_after.map(stamp).unwrap_or_default();
        let prefix = format!("the chain ends at a root that expired {expired}: ");
        return Verdict::anchored(Outcome::Untrusted, Reason::RootExpired, root, &prefix);
    }
    path_failure(error, &leaf, chain, trust)
}

/// The leaf's own problems: validity at `at`, the host name, the extended key usage.
fn leaf_problem(
    leaf: &Leaf,
    end_entity: &EndEntityCert<'_>,
    host: &str,
    at: DateTime<Utc>,
) -> Option<Verdict> {
    if at > leaf.not_after {
        let detail = format!("the leaf expired {}", stamp(leaf.not_after));
        return Some(Verdict::new(Outcome::Untrusted, Reason::Expired, None, detail));
    }
    if at < leaf.not_before {
        let detail = format!("the leaf is not valid before {}", stamp(leaf.not_before));
        return Some(Verdict::new(Outcome::Untrusted, Reason::NotYetValid, None, detail));
    }
    let name = ServerName::try_from(host).ok()?;
    if end_entity.verify_is_valid_for_subject_name(&name).is_err() {
        let names = if leaf.names.is_empty() { "no DNS name".to_owned() } else { leaf.names.join(", ") };
        let detail = format!("the leaf does not name {host} (it names {names})");
        return Some(Verdict::new(Outcome::Untrusted, Reason::WrongName, None, detail));
    }
    None
}

/// A path from the leaf to one of `anchors`: the index of the anchor it ends at.
fn path(
    end_entity: &EndEntityCert<'_>,
    chain: &OriginChain,
    anchors: &[TrustAnchor<'static>],
    time: UnixTime,
) -> Result<usize, webpki::Error> {
    let verified = end_entity.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        anchors,
        chain.intermediates(),
        time,
        KeyUsage::server_auth(),
        None,
        None,
    )?;
    let anchor = verified.anchor();
    Ok(anchors
        .iter()
        .position(|a| {
            a.subject == anchor.subject && a.subject_public_key_info == anchor.subject_public_key_info
        })
        .unwrap_or_default())
}

fn path_failure(error: webpki::Error, leaf: &Leaf, chain: &OriginChain, trust: &TrustSet) -> Verdict {
    use webpki::Error as E;
    let set = if trust.is_default() { "the default trust" } else { "the zone's trust store" };
    #[allow(deprecated)]
    match error {
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            let detail = format!(
                "a signature in the chain to {set} uses an algorithm that cannot be checked here (leaf signed with {}); Cloudflare may accept it",
                leaf.signature_algorithm
            );
            Verdict::new(Outcome::Unknown, Reason::UnknownAlgorithm, None, detail)
        }
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => {
            let detail =
                "the leaf's extended key usage does not allow serving TLS (no serverAuth)".to_owned();
            Verdict::new(Outcome::Untrusted, Reason::NotForServerAuth, None, detail)
        }
        E::UnknownIssuer => {
            let sent = chain.intermediates().len();
            let detail = format!(
                "no path to a root of {set} ({} root(s)) from the leaf, issued by {}, through the {sent} intermediate(s) sent",
                trust.roots().len(),
                leaf.issuer
            );
            Verdict::new(Outcome::Untrusted, Reason::NoPath, None, detail)
        }
        other => {
            let detail = format!("the chain to {set} is not valid: {}", chain_error(&other));
            Verdict::new(Outcome::Untrusted, Reason::InvalidChain, None, detail)
        }
    }
}

fn chain_error(error: &webpki::Error) -> String {
    use webpki::Error as E;
    match error {
        E::CertExpired { .. } => "an intermediate has expired".into(),
        E::CertNotValidYet { .. } => "an intermediate is not valid yet".into(),
        E::InvalidSignatureForPublicKey => "a signature does not verify".into(),
        E::PathLenConstraintViolated => "a path length constraint is violated".into(),
        E::NameConstraintViolation => "a name constraint is violated".into(),
        E::CaUsedAsEndEntity => "the leaf is a CA certificate".into(),
        E::EndEntityUsedAsCa => "an intermediate is not a CA".into(),
        other => format!("{other:?}").chars().take(200).collect(),
    }
}

/// Whether a root has not expired (or its expiry is not known, as for the public CAs).
fn valid_at(root: &TrustRoot, at: DateTime<Utc>) -> bool {
    root.not_after.is_none_or(|not_after| at <= not_after)
}

fn stamp(at: DateTime<Utc>) -> String {
    format!("on {}", at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

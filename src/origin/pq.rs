//! The post-quantum lint: an ML-DSA root beside classical roots leaves classical chains trusted.

use std::fmt;

use serde::Serialize;

use crate::origin::trust::TrustRoot;

/// The OIDs of ML-DSA-44, ML-DSA-65 and ML-DSA-87 (FIPS 204), as a root's signature algorithm.
const ML_DSA_OIDS: [&str; 3] =
    ["2.16.840.1.101.3.4.3.17", "2.16.840.1.101.3.4.3.18", "2.16.840.1.101.3.4.3.19"];

/// A planned store that mixes ML-DSA roots with classical ones. Cloudflare: "Upload only ML-DSA
/// certificate authorities. If you leave classical CAs in the trust store alongside the ML-DSA
/// CA, Cloudflare will still accept an origin certificate that chains to a classical CA."
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct PostQuantumMix {
    /// The ML-DSA roots, by subject.
    pub ml_dsa: Vec<String>,
    /// The classical roots beside them, by subject.
    pub classical: Vec<String>,
}

impl fmt::Display for PostQuantumMix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the store would hold {} ML-DSA root(s) beside {} classical root(s) ({}): Cloudflare still accepts origin certificates that chain to a classical root, so origins are not held to post-quantum signatures; upload only ML-DSA roots for that",
            self.ml_dsa.len(),
            self.classical.len(),
            self.classical.join("; ")
        )
    }
}

/// Whether a root is signed with ML-DSA (by its signature algorithm: a root signs itself).
pub fn is_ml_dsa(root: &TrustRoot) -> bool {
    root.signature_algorithm.as_deref().is_some_and(|algorithm| {
        ML_DSA_OIDS.contains(&algorithm) || algorithm.to_ascii_uppercase().starts_with("ML-DSA")
    })
}

/// The mix of ML-DSA and classical roots among `roots` (the planned store's), if there is one.
/// Roots whose algorithm is not known (the public CAs of the default trust) are not counted.
///
/// ```
/// use cloudflare_origin_trust_store::origin::{TrustSet, post_quantum_mix};
///
/// // Cloudflare's default trust holds no ML-DSA root: nothing to say.
/// assert_eq!(post_quantum_mix(TrustSet::cloudflare_default().roots()), None);
/// ```
pub fn post_quantum_mix(roots: &[TrustRoot]) -> Option<PostQuantumMix> {
    let (ml_dsa, classical): (Vec<&TrustRoot>, Vec<&TrustRoot>) =
        roots.iter().filter(|root| root.signature_algorithm.is_some()).partition(|root| is_ml_dsa(root));
    if ml_dsa.is_empty() || classical.is_empty() {
        return None;
    }
    let subjects = |roots: Vec<&TrustRoot>| roots.into_iter().map(|root| root.subject.clone()).collect();
    Some(PostQuantumMix { ml_dsa: subjects(ml_dsa), classical: subjects(classical) })
}

//! A change to a zone's store, as far as its trust goes: which roots stay and which arrive.

use crate::error::{Error, Result};
use crate::model::{CertificateStatus, CustomTrustStore};
use crate::origin::trust::PlannedRoot;

/// A change whose effect on the origins is checked: what the store would hold after it.
///
/// Roots already in the store count after the change when they are `active`,
/// `pending_deployment` or `initializing` (see [`TrustSet`](crate::origin::TrustSet)); roots are
/// matched by the SHA-256 fingerprint of their DER, as [`Client::plan`](crate::Client::plan)
/// matches them, so uploading a root the store holds changes nothing.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Change {
    /// No change: only the store as it is is checked.
    None,
    /// Uploads of these roots.
    Upload(Vec<PlannedRoot>),
    /// Deletes of the certificates with these ids (each must be in the store).
    Delete(Vec<String>),
    /// Uploads and deletes together (the store after them does not depend on their order).
    Edit {
        /// The roots uploaded.
        upload: Vec<PlannedRoot>,
        /// The ids of the certificates deleted (each must be in the store).
        delete: Vec<String>,
    },
    /// What `sync` would do with these roots: [`Client::plan`](crate::Client::plan)`(zone, roots,
    /// prune)` then [`Client::apply`](crate::Client::apply). After it, the store holds the roots
    /// given and, unless `prune`, those it held. (A [`Plan`](crate::Plan) itself does not carry
    /// its uploads' certificates, so the change is described by its roots.)
    Sync {
        /// The desired roots.
        roots: Vec<PlannedRoot>,
        /// Whether roots not desired are deleted.
        prune: bool,
    },
    /// A rotation ([`Client::rotate`](crate::Client::rotate)): `new` uploaded, then `old` deleted.
    Rotate {
        /// The id of the root replaced.
        old: String,
        /// The root replacing it.
        new: PlannedRoot,
    },
}

impl Change {
    /// Whether this is [`Change::None`].
    pub fn is_none(&self) -> bool {
        matches!(self, Self::None)
    }

    /// Checks what can be checked before anything is sent: the ids' syntax.
    pub(crate) fn check(&self) -> Result<()> {
        let ids: &[String] = match self {
            Self::Delete(ids) | Self::Edit { delete: ids, .. } => ids,
            Self::Rotate { old, .. } => std::slice::from_ref(old),
            _ => &[],
        };
        ids.iter().try_for_each(|id| CustomTrustStore::check_id(id))
    }

    /// The store's certificates that stay, and the roots that arrive.
    pub(crate) fn apply_to<'a>(
        &'a self,
        store: &'a [CustomTrustStore],
    ) -> Result<(Vec<&'a CustomTrustStore>, Vec<&'a PlannedRoot>)> {
        let counted: Vec<&CustomTrustStore> = store.iter().filter(|c| counts_after(&c.status)).collect();
        let fingerprint = |c: &CustomTrustStore| c.details().ok().map(|d| d.sha256_fingerprint);
        let held = |root: &PlannedRoot, kept: &[&CustomTrustStore]| {
            kept.iter().any(|c| fingerprint(c).as_ref() == Some(&root.details.sha256_fingerprint))
        };
        let (kept, arriving): (Vec<&CustomTrustStore>, Vec<&PlannedRoot>) = match self {
            Self::None => (counted, Vec::new()),
            Self::Upload(roots) => (counted, roots.iter().collect()),
            Self::Delete(ids) => (without(store, counted, ids, "delete")?, Vec::new()),
            Self::Edit { upload, delete } => {
                (without(store, counted, delete, "delete")?, upload.iter().collect())
            }
            Self::Rotate { old, new } => {
                let kept = without(store, counted, std::slice::from_ref(old), "rotate")?;
                (kept, vec![new])
            }
            Self::Sync { roots, prune } => {
                let kept = if *prune {
                    let desired = |c: &&CustomTrustStore| {
                        let fp = fingerprint(c);
                        roots.iter().any(|root| fp.as_ref() == Some(&root.details.sha256_fingerprint))
                    };
                    counted.into_iter().filter(desired).collect()
                } else {
                    counted
                };
                (kept, roots.iter().collect())
            }
        };
        let arriving = arriving.into_iter().filter(|root| !held(root, &kept)).collect();
        Ok((kept, arriving))
    }
}

/// Whether a root in this status counts once a change has deployed.
fn counts_after(status: &CertificateStatus) -> bool {
    matches!(
        status,
        CertificateStatus::Active | CertificateStatus::PendingDeployment | CertificateStatus::Initializing
    )
}

/// `counted` without the certificates `ids`, each of which must be in `store`.
fn without<'a>(
    store: &[CustomTrustStore],
    counted: Vec<&'a CustomTrustStore>,
    ids: &[String],
    parameter: &'static str,
) -> Result<Vec<&'a CustomTrustStore>> {
    if let Some(missing) = ids.iter().find(|id| !store.iter().any(|c| &c.id == *id)) {
        return Err(Error::invalid(
            parameter,
            format!(
                "certificate {missing} is not in the zone's trust store; give the id of a listed certificate"
            ),
        ));
    }
    Ok(counted.into_iter().filter(|c| !ids.contains(&c.id)).collect())
}

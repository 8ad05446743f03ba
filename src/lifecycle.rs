//! A certificate's life after an upload: waiting until Cloudflare deploys it (`pending_deployment`
//! → `active`), and rotating a root (the new one active before the old one goes).

use std::time::Duration;

use crate::error::{Error, Result};
use crate::model::{CertificateStatus, CustomTrustStore};

/// How [`Client::wait_until_active_with`](crate::Client::wait_until_active_with) polls: the first poll at once, then after `initial`,
/// doubling up to `max`, until `timeout` has passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Polling {
    pub(crate) timeout: Duration,
    pub(crate) initial: Duration,
    pub(crate) max: Duration,
}

impl Polling {
    /// The longest wait between two polls [`Polling::interval`] accepts.
    pub const MAX_INTERVAL: Duration = Duration::from_secs(60 * 60);

    /// Polls for at most `timeout` (any length): at once, then after 1 s, doubling up to 15 s.
    pub fn new(timeout: Duration) -> Self {
        Self { timeout, initial: Duration::from_secs(1), max: Duration::from_secs(15) }
    }

    /// The wait before the second poll, doubled for each one after it, at most `max` (`max`
    /// shorter than `initial` is taken as `initial`). `Err` ([`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)) when
    /// `initial` is zero (a poll loop with no pause) or either is over
    /// [`Polling::MAX_INTERVAL`].
    pub fn interval(mut self, initial: Duration, max: Duration) -> Result<Self> {
        let within = |name: &'static str, value: Duration| {
            if value > Self::MAX_INTERVAL {
                return Err(Error::invalid(
                    name,
                    format!("must be at most {} s, got {} s", Self::MAX_INTERVAL.as_secs(), value.as_secs()),
                ));
            }
            Ok(())
        };
        if initial.is_zero() {
            return Err(Error::invalid("initial", "must be greater than zero (a wait between two polls)"));
        }
        within("initial", initial)?;
        within("max", max)?;
        self.initial = initial;
        self.max = max.max(initial);
        Ok(self)
    }
}

/// What a rotation did: the new root, active, and the id of the old one, deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rotation {
    /// The new root, as it was once active.
    pub new: CustomTrustStore,
    /// The old root's id (deleted).
    pub old_id: String,
}

/// The certificate of `store` that holds the root CA in `pem` (the same DER, by its SHA-256),
/// unless it is on its way out (`pending_deletion` or `deleted`): what
/// [`Client::find_root`](crate::Client::find_root) finds, for a store already listed. A `pem` that
/// is not one `CERTIFICATE` block is [`ErrorKind::InvalidCertificate`](crate::ErrorKind::InvalidCertificate).
pub fn held_root<'a>(store: &'a [CustomTrustStore], pem: &str) -> Result<Option<&'a CustomTrustStore>> {
    let wanted = crate::certificate::der_fingerprint(pem)?;
    let leaving = |c: &CustomTrustStore| {
        matches!(c.status, CertificateStatus::PendingDeletion | CertificateStatus::Deleted)
    };
    Ok(store.iter().find(|c| {
        !leaving(c) && crate::certificate::der_fingerprint(&c.certificate).is_ok_and(|held| held == wanted)
    }))
}

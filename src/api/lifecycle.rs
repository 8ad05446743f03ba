//! `impl Client` for a certificate's life after an upload: waiting until it is active, finding a
//! root in a store, rotating one root for another.

use crate::api::client::Client;
use crate::certificate::checked_root_ca;
use crate::error::{ErrorKind, Result};
use crate::id::same_id;
use crate::lifecycle::{Polling, Rotation};
use crate::model::{CertificateStatus, CustomTrustStore};
use crate::text::one_line;
use chrono::Utc;
use std::time::Duration;
use tokio::time::Instant;

impl Client {
    /// Polls [`Client::get`](crate::Client::get) until certificate `certificate_id` is `active` (at once, then after
    /// 1 s, doubling up to 15 s), for at most `timeout`; returns it active. Ends with
    /// [`ErrorKind::NotActive`](crate::ErrorKind::NotActive) when it turns `expired`, `deleted` or `pending_deletion`, and with
    /// [`ErrorKind::WaitTimedOut`](crate::ErrorKind::WaitTimedOut) when `timeout` passes first. Each poll is a request like any
    /// other: retried as the policy says, and held by the client's rate-limit gate.
    pub async fn wait_until_active(
        &self,
        zone_id: &str,
        certificate_id: &str,
        timeout: Duration,
    ) -> Result<CustomTrustStore> {
        self.wait_until_active_with(zone_id, certificate_id, Polling::new(timeout)).await
    }

    /// [`Client::wait_until_active`](crate::Client::wait_until_active) with a chosen [`Polling`].
    pub async fn wait_until_active_with(
        &self,
        zone_id: &str,
        certificate_id: &str,
        polling: Polling,
    ) -> Result<CustomTrustStore> {
        let started = Instant::now();
        let mut interval = polling.initial;
        loop {
            let certificate = self.get(zone_id, certificate_id).await?;
            match &certificate.status {
                CertificateStatus::Active => return Ok(certificate),
                CertificateStatus::Expired
                | CertificateStatus::Deleted
                | CertificateStatus::PendingDeletion => {
                    let status = certificate.status.clone();
                    return Err(ErrorKind::NotActive { id: certificate.id, status }.into());
                }
                _ => {}
            }
            let left = polling.timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                let (id, status) = (certificate.id, certificate.status);
                return Err(ErrorKind::WaitTimedOut { id, status, waited: polling.timeout }.into());
            }
            // The status is the server's text: escaped for whatever subscriber shows it.
            let status = crate::text::terminal_safe(certificate.status.as_str());
            tracing::debug!(
                target: "cloudflare_origin_trust_store::wait",
                certificate_id, status = %status, wait_ms = interval.min(left).as_millis() as u64,
                "certificate {certificate_id} is {status}: polling again in {}", crate::text::seconds(interval.min(left))
            );
            tokio::time::sleep(interval.min(left)).await;
            interval = interval.saturating_mul(2).min(polling.max);
        }
    }

    /// The certificate of zone `zone_id`'s store that holds the root CA in `pem` (the same DER,
    /// by its SHA-256), unless it is on its way out (`pending_deletion` or `deleted`); `None` when
    /// the store does not hold it. Lists the store (see [`Client::collect_all`](crate::Client::collect_all)); a `pem` that is
    /// not one `CERTIFICATE` block is [`ErrorKind::InvalidCertificate`](crate::ErrorKind::InvalidCertificate)
    /// and nothing is sent. The certificate in `pem` need not pass the local checks.
    pub async fn find_root(&self, zone_id: &str, pem: &str) -> Result<Option<CustomTrustStore>> {
        crate::certificate::der_fingerprint(pem)?;
        let store = self.collect_all(zone_id).await?;
        Ok(crate::lifecycle::held_root(&store, pem)?.cloned())
    }

    /// Replaces root `old_id` with the root CA in `new_pem`: checks the new one locally (nothing
    /// is sent if it fails) and that the old one exists, uploads the new one, waits until it is
    /// `active` (see [`Client::wait_until_active`](crate::Client::wait_until_active)), and only then deletes the old one. If the new
    /// one never becomes active, the old one stays (and the new one too, pending: the error says
    /// its id).
    ///
    /// A rotation can be run again after it stopped: when the store already holds the new root
    /// ([`Client::find_root`](crate::Client::find_root)), it is not uploaded again but waited for. A new root that is the
    /// old one is [`ErrorKind::SameRoot`](crate::ErrorKind::SameRoot), after the old one's GET and before anything else.
    pub async fn rotate(
        &self,
        zone_id: &str,
        old_id: &str,
        new_pem: &str,
        polling: Polling,
    ) -> Result<Rotation> {
        let (wanted, _) = checked_root_ca(new_pem, Utc::now())?;
        // `get` checks that its answer describes `old_id`; the root deleted at the end is `old_id`
        // itself, never an id an answer named.
        let old = self.get(zone_id, old_id).await?;
        if old.details().is_ok_and(|details| details.sha256_fingerprint == wanted.sha256_fingerprint) {
            return Err(ErrorKind::SameRoot { id: old_id.to_owned() }.into());
        }
        let (new_id, operation) = match self.find_root(zone_id, new_pem).await? {
            Some(present) => (present.id, "list"),
            None => (self.upload(zone_id, new_pem).await?.id, "upload"),
        };
        // The new root under the old one's id: waiting for it and deleting `old_id` would delete
        // the root just put in its place.
        if same_id(&new_id, old_id) {
            let detail =
                format!("names the new root {:?}, the id of the root being replaced", one_line(&new_id, 64));
            return Err(ErrorKind::UntrustedAnswer { operation, detail }.into());
        }
        let new = self.wait_until_active_with(zone_id, &new_id, polling).await?;
        let old_id = self.delete(zone_id, old_id).await?;
        Ok(Rotation { new, old_id })
    }
}

//! Get, upload and delete one certificate.

use crate::certificate::checked_root_ca;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::generated::types::{Identifier, UploadRequest};
use crate::model::CustomTrustStore;
use crate::pagination::{checked_id, checked_zone_id};

impl Client {
    /// Fetches one certificate of a zone's trust store by id. Both ids (1 to 32 characters) are
    /// checked before anything is sent.
    pub async fn get(&self, zone_id: &str, certificate_id: &str) -> Result<CustomTrustStore> {
        let (zone, id) = checked_ids(zone_id, certificate_id)?;
        let path = format!("/zones/{}/acm/custom_trust_store/{}", &*zone, &*id);
        self.run(path, |client| async move { client.get_custom_trust_store(&zone, &id).await }).await
    }

    /// Uploads a root CA certificate (PEM) to a zone's trust store, after checking it locally with
    /// [`check_root_ca`](crate::certificate::check_root_ca): exactly one certificate, a CA,
    /// self-issued, self-signed and valid now. A certificate that fails is refused with
    /// [`Error::InvalidCertificate`] and nothing is sent. The certificate is sent as clean PEM
    /// (any text around the block is dropped).
    ///
    /// An upload is not idempotent: it is retried only when it cannot have been processed (a 429,
    /// or a connection that failed before the request was sent).
    pub async fn upload(&self, zone_id: &str, pem: &str) -> Result<CustomTrustStore> {
        let zone = checked_zone_id(zone_id)?;
        let (_, clean_pem) = checked_root_ca(pem, chrono::Utc::now())?;
        self.send_upload(zone, clean_pem).await
    }

    /// Uploads `pem` as given, without the local checks of [`Client::upload`], for the rare
    /// caller who knows better than them. Cloudflare still checks it.
    pub async fn upload_unchecked(&self, zone_id: &str, pem: &str) -> Result<CustomTrustStore> {
        let zone = checked_zone_id(zone_id)?;
        if pem.trim().is_empty() {
            return Err(Error::invalid("certificate", "must not be empty"));
        }
        self.send_upload(zone, pem.to_owned()).await
    }

    async fn send_upload(&self, zone: Identifier, certificate: String) -> Result<CustomTrustStore> {
        let body = UploadRequest { certificate };
        let path = format!("/zones/{}/acm/custom_trust_store", &**zone);
        self.run(path, |client| async move { client.create_custom_trust_store(&zone, &body).await }).await
    }

    /// Deletes one certificate from a zone's trust store; returns the deleted id. Origins whose
    /// certificates chain to it are no longer trusted.
    ///
    /// When Cloudflare's answer names another id than the one asked for, the call fails with
    /// [`Error::IdMismatch`].
    pub async fn delete(&self, zone_id: &str, certificate_id: &str) -> Result<String> {
        let (zone, id) = checked_ids(zone_id, certificate_id)?;
        let path = format!("/zones/{}/acm/custom_trust_store/{}", &*zone, &*id);
        let deleted = self
            .run(path, |client| async move { client.delete_custom_trust_store(&zone, &id).await })
            .await?;
        if deleted != certificate_id {
            return Err(Error::IdMismatch { requested: certificate_id.to_owned(), returned: deleted });
        }
        Ok(deleted)
    }
}

/// A zone id and a certificate id, both checked ([`checked_id`]).
fn checked_ids(zone_id: &str, certificate_id: &str) -> Result<(Identifier, Identifier)> {
    Ok((checked_zone_id(zone_id)?, checked_id("certificate_id", certificate_id)?))
}

//! Every endpoint's `impl Client` methods (list, get, upload, delete) and the checks of their
//! parameters, made before anything is sent.

use crate::api::client::Client;
use crate::certificate::checked_root_ca;
use crate::certificate::der_fingerprint;
use crate::error::{ErrorKind, Result};
use crate::generated::types::{CertificateIdentifier, Identifier, UploadRequest};
use crate::request::route::Route;
use std::num::NonZeroU64;

use futures_util::TryStreamExt;

use crate::id::{checked_answer_id, checked_certificate_id, checked_zone_id};
use crate::model::{CustomTrustStore, Page};
use crate::pagination::{CertificateStream, PageStream, Pagination};
use crate::pagination::{check_per_page, checked_page};

impl Client {
    /// Fetches one certificate of a zone's trust store by id. Both ids are checked before
    /// anything is sent: the zone's 1 to 32 characters, the certificate's 1 to 255 (any id a list
    /// returns), ASCII letters, digits, `-` or `_`.
    ///
    /// The answer must describe the certificate asked for: one naming another id (in any case but
    /// the requested one's) fails with [`ErrorKind::IdMismatch`](crate::ErrorKind::IdMismatch), never retried, so that no poll
    /// takes another certificate's `active` for this one's and no caller acts on a root nobody
    /// named.
    pub async fn get(&self, zone_id: &str, certificate_id: &str) -> Result<CustomTrustStore> {
        let (zone, id) = checked_ids(zone_id, certificate_id)?;
        let route = Route::get_custom_trust_store(&zone, &id);
        let certificate =
            self.run(route, |client| async move { client.get_custom_trust_store(&zone, &id).await }).await?;
        checked_answer_id("get", certificate_id, &certificate.id)?;
        Ok(certificate)
    }

    /// Uploads a root CA certificate (PEM) to a zone's trust store, after checking it locally with
    /// [`check_root_ca`](crate::certificate::check_root_ca): exactly one certificate, a CA,
    /// self-issued, self-signed and valid now. A certificate that fails is refused with
    /// [`ErrorKind::InvalidCertificate`](crate::ErrorKind::InvalidCertificate) and nothing is sent. The certificate is sent as clean PEM
    /// (any text around the block is dropped).
    ///
    /// An upload is not idempotent: it is retried only when it cannot have been processed (a 429,
    /// or a connection that failed before the request was sent).
    pub async fn upload(&self, zone_id: &str, pem: &str) -> Result<CustomTrustStore> {
        let zone = checked_zone_id(zone_id)?;
        let (_, clean_pem) = checked_root_ca(pem, chrono::Utc::now())?;
        self.send_upload(zone, clean_pem).await
    }

    /// Uploads `pem` without the root-CA checks of [`Client::upload`](crate::Client::upload), for the rare caller who
    /// knows better than them; Cloudflare still checks it. Only those checks are skipped: the
    /// input must still be exactly one `CERTIFICATE` block (a private key, or any other block, is
    /// refused and nothing is sent), and it is sent as a clean PEM block.
    pub async fn upload_unchecked(&self, zone_id: &str, pem: &str) -> Result<CustomTrustStore> {
        let zone = checked_zone_id(zone_id)?;
        let der = crate::certificate::single_certificate(pem)?;
        self.send_upload(zone, crate::certificate::encode_pem(&der)).await
    }

    /// Sends an upload, and checks that the answer describes the certificate sent: an answer whose
    /// certificate is another one (by the SHA-256 of its DER) is
    /// [`ErrorKind::UntrustedAnswer`](crate::ErrorKind::UntrustedAnswer), so that nobody waits for,
    /// or deletes anything on the word of, a certificate that was not uploaded. An answer whose
    /// certificate is left out or does not parse is not evidence either way.
    pub(crate) async fn send_upload(
        &self,
        zone: Identifier,
        certificate: String,
    ) -> Result<CustomTrustStore> {
        let sent = der_fingerprint(&certificate)?;
        let uploaded = self.post_upload(zone, certificate).await?;
        match der_fingerprint(&uploaded.certificate) {
            Ok(answered) if answered != sent => Err(ErrorKind::UntrustedAnswer {
                operation: "upload",
                detail: format!(
                    "describes another certificate (id {:?}, SHA-256 {answered}) than the one uploaded ({sent})",
                    crate::text::one_line(&uploaded.id, 64)
                ),
            }
            .into()),
            _ => Ok(uploaded),
        }
    }

    async fn post_upload(&self, zone: Identifier, certificate: String) -> Result<CustomTrustStore> {
        let body = UploadRequest { certificate };
        let route = Route::create_custom_trust_store(&zone);
        self.run(route, |client| async move { client.create_custom_trust_store(&zone, &body).await }).await
    }

    /// Deletes one certificate from a zone's trust store; returns the deleted id. Origins whose
    /// certificates chain to it are no longer trusted.
    ///
    /// Any 2xx with a valid envelope is a success, a 204 without a body included. Cloudflare's
    /// definition makes the answer's `result.id` optional: without one (`{}`, `null`, no
    /// `result`), the requested id is returned. When the answer names another id than the one
    /// asked for, the call fails with [`ErrorKind::IdMismatch`](crate::ErrorKind::IdMismatch).
    pub async fn delete(&self, zone_id: &str, certificate_id: &str) -> Result<String> {
        let (zone, id) = checked_ids(zone_id, certificate_id)?;
        let route = Route::delete_custom_trust_store(&zone, &id);
        let deleted = self
            .run(route, |client| async move { client.delete_custom_trust_store(&zone, &id).await })
            .await?;
        match deleted {
            Some(returned) => checked_answer_id("delete", certificate_id, &returned),
            None => Ok(certificate_id.to_owned()),
        }
    }
}

/// A zone id and a certificate id, both checked ([`checked_zone_id`], [`checked_certificate_id`]).
fn checked_ids(zone_id: &str, certificate_id: &str) -> Result<(Identifier, CertificateIdentifier)> {
    Ok((checked_zone_id(zone_id)?, checked_certificate_id(certificate_id)?))
}

impl Client {
    /// Fetches one page of a zone's trust store.
    ///
    /// `zone_id` ([`Client::MAX_ID_LEN`](crate::Client::MAX_ID_LEN)), `page` (1 or more) and `per_page` (5 to 50) are checked
    /// before anything is sent.
    pub async fn list_page(&self, zone_id: &str, params: &ListParams) -> Result<Page<CustomTrustStore>> {
        let zone = checked_zone_id(zone_id)?;
        params.check()?;
        self.fetch_page(&zone, params).await
    }

    /// Every certificate of a zone as a lazy stream, in the API's order, 50 to a page, several
    /// pages at once: see the [termination guarantees](crate::ApiStream#termination-guarantees).
    pub fn list_all(&self, zone_id: &str) -> Result<CertificateStream> {
        Ok(self.pages(zone_id, Pagination::default())?.items())
    }

    /// Every certificate of a zone, collected (see [`Client::list_all`](crate::Client::list_all)).
    pub async fn collect_all(&self, zone_id: &str) -> Result<Vec<CustomTrustStore>> {
        self.list_all(zone_id)?.try_collect().await
    }

    /// The pages of a zone's trust store as a lazy stream, walked as `pagination` says, with the
    /// [termination guarantees](crate::ApiStream#termination-guarantees) of every walk;
    /// [`ApiStream::items`](crate::ApiStream::items) turns it into a stream of certificates.
    pub fn pages(&self, zone_id: &str, pagination: Pagination) -> Result<PageStream> {
        let zone = checked_zone_id(zone_id)?;
        self.walk_pages(pagination, move |client, page, per_page| {
            let zone = zone.clone();
            async move { client.fetch_page(&zone, &ListParams::new().page(page).per_page(per_page)).await }
        })
    }

    async fn fetch_page(&self, zone: &Identifier, params: &ListParams) -> Result<Page<CustomTrustStore>> {
        let page = params.checked_page()?;
        let route = Route::list_custom_trust_store(zone);
        self.run(route, |client| async move {
            client.list_custom_trust_store(zone, params.limit, params.offset, page, params.per_page).await
        })
        .await
    }
}

/// Query parameters of one list request. Unset parameters are not sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListParams {
    page: Option<u64>,
    per_page: Option<u64>,
    limit: Option<u64>,
    offset: Option<u64>,
}

impl ListParams {
    /// No parameters: Cloudflare's defaults (page 1, 20 per page).
    pub fn new() -> Self {
        Self::default()
    }

    /// Page number, 1 or more.
    pub fn page(mut self, page: u64) -> Self {
        self.page = Some(page);
        self
    }

    /// Certificates per page, 5 to 50.
    pub fn per_page(mut self, per_page: u64) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// Limit to the number of records returned.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Offset of the results.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    fn checked_page(&self) -> Result<Option<NonZeroU64>> {
        self.page.map(checked_page).transpose()
    }

    fn check(&self) -> Result<()> {
        self.checked_page()?;
        if let Some(per_page) = self.per_page {
            check_per_page(per_page)?;
        }
        Ok(())
    }
}

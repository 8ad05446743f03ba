//! Running one generated operation: the route it may take, a tracing span around it, what its
//! envelope carries, or the crate's [`Error`] (see [`super::failure`]).

use std::sync::Arc;

use tracing::Instrument;

use crate::client::Client;
use crate::error::{ErrorKind, Result};
use crate::generated;
use crate::generated::types::{
    CertificateIdentifier, CustomTrustStoreIdOnly, CustomTrustStoreList, CustomTrustStoreSingle, Identifier,
    ZoneList,
};
use crate::model::{CustomTrustStore, Page, ResponseMessage, Zone};
use crate::request::seam::Exchange;

/// Where one operation goes: its name, the only path it may take (the template with its checked
/// ids), and the ids, for the tracing span.
pub(crate) struct Route {
    pub(crate) operation: &'static str,
    pub(crate) path: String,
    zone_id: Option<String>,
    certificate_id: Option<String>,
}

impl Route {
    /// `/zones/{zone_id}/acm/custom_trust_store`
    pub(crate) fn store(operation: &'static str, zone: &Identifier) -> Self {
        let path = format!("/zones/{}/acm/custom_trust_store", &**zone);
        Self { operation, path, zone_id: Some(zone.to_string()), certificate_id: None }
    }

    /// `/zones/{zone_id}/acm/custom_trust_store/{id}`
    pub(crate) fn item(operation: &'static str, zone: &Identifier, id: &CertificateIdentifier) -> Self {
        let path = format!("/zones/{}/acm/custom_trust_store/{}", &**zone, &**id);
        Self { operation, path, zone_id: Some(zone.to_string()), certificate_id: Some(id.to_string()) }
    }
}

impl Route {
    /// `/zones`
    pub(crate) fn zones() -> Self {
        Self { operation: "list_zones", path: "/zones".into(), zone_id: None, certificate_id: None }
    }
}

impl Client {
    /// The generated client for one call along `route`, and the call's record. The seam refuses
    /// to send a request to any other path.
    pub(crate) fn generated_for(&self, route: &Route) -> (generated::Client, Exchange) {
        let expected_path = format!("{}{}", self.inner.base_path, route.path);
        let call = Exchange::new(Arc::clone(&self.inner.shared), route.operation, expected_path);
        let client =
            generated::Client::new_with_client(&self.inner.base_url, self.inner.http.clone(), call.clone());
        (client, call)
    }

    /// Runs one generated operation along `route`, inside a tracing span naming it and its ids:
    /// what its envelope carries, or the crate's error (`success: false` included).
    pub(crate) async fn run<T, F, Fut>(&self, route: Route, operation: F) -> Result<T::Item>
    where
        T: Envelope + serde::de::DeserializeOwned,
        F: FnOnce(generated::Client) -> Fut,
        Fut: Future<
            Output = std::result::Result<
                progenitor_client::ResponseValue<T>,
                progenitor_client::Error<generated::types::ApiFailure>,
            >,
        >,
    {
        let span = tracing::info_span!(
            "cloudflare",
            operation = route.operation,
            zone_id = route.zone_id.as_deref(),
            certificate_id = route.certificate_id.as_deref(),
        );
        let (client, call) = self.generated_for(&route);
        async move {
            let error = match operation(client).await {
                Ok(value) => return into_result(value, call.record().body_bytes),
                Err(error) => error,
            };
            // A success with no body at all (a 204 after a delete) carries nothing to decode.
            let success = call.record().status.is_some_and(|status| (200..300).contains(&status));
            if let progenitor_client::Error::InvalidResponsePayload(body, _) = &error
                && body.is_empty()
                && success
                && let Some(item) = T::no_content()
            {
                return Ok(item);
            }
            let error = super::failure::into_error::<T>(&call, error).await;
            tracing::debug!(error = %error, "{} failed", route.operation);
            Err(error)
        }
        .instrument(span)
        .await
    }
}

/// A success envelope: `success`, `errors`, and what it carries (which may want to know the size
/// of the body it came in).
pub(crate) trait Envelope {
    type Item;
    fn split(self, body_bytes: u64) -> (bool, Vec<ResponseMessage>, Self::Item);
    /// What a success without a body (a 204) carries, when the operation allows one.
    fn no_content() -> Option<Self::Item> {
        None
    }
}

/// What the envelope carries, or [`ErrorKind::Api`] when it says `success: false`.
pub(crate) fn into_result<E: Envelope>(
    response: progenitor_client::ResponseValue<E>,
    body_bytes: u64,
) -> Result<E::Item> {
    let status = response.status().as_u16();
    match response.into_inner().split(body_bytes) {
        (true, _, item) => Ok(item),
        (false, errors, _) => Err(ErrorKind::Api { status, errors }.into()),
    }
}

impl Envelope for CustomTrustStoreSingle {
    type Item = CustomTrustStore;
    fn split(self, _: u64) -> (bool, Vec<ResponseMessage>, CustomTrustStore) {
        (self.success, self.errors.unwrap_or_default().0, self.result)
    }
}

/// The deleted id, when the answer names one (Cloudflare's definition makes it optional).
impl Envelope for CustomTrustStoreIdOnly {
    type Item = Option<String>;
    fn split(self, _: u64) -> (bool, Vec<ResponseMessage>, Option<String>) {
        (self.success, self.errors.unwrap_or_default().0, self.result.and_then(|result| result.id))
    }
    fn no_content() -> Option<Option<String>> {
        Some(None)
    }
}

impl Envelope for CustomTrustStoreList {
    type Item = Page<CustomTrustStore>;
    fn split(self, body_bytes: u64) -> (bool, Vec<ResponseMessage>, Page<CustomTrustStore>) {
        let mut page = Page::new(self.result);
        page.body_bytes = body_bytes;
        page.messages = self.messages.unwrap_or_default().0;
        page.result_info = self.result_info;
        (self.success, self.errors.unwrap_or_default().0, page)
    }
}

impl Envelope for ZoneList {
    type Item = Page<Zone>;
    fn split(self, body_bytes: u64) -> (bool, Vec<ResponseMessage>, Page<Zone>) {
        let mut page = Page::new(self.result);
        page.body_bytes = body_bytes;
        page.messages = self.messages.unwrap_or_default().0;
        page.result_info = self.result_info;
        (self.success, self.errors.unwrap_or_default().0, page)
    }
}

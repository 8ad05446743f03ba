//! Every `impl Client`, one file per resource: [`client`] (building one), [`trust_store`] (list,
//! get, upload, delete), [`zones`], [`lifecycle`] (wait, find, rotate), [`audit`], [`sync`] (plan,
//! apply); and here, the one way an operation is run along its route.

use crate::api::client::Client;
use crate::error::Result;
use crate::generated;
use crate::model::Page;
use crate::pagination::{Listed, PageStream, Pagination, walk};
use crate::request::route::{Envelope, Route, into_result};
use crate::request::seam::Exchange;
use std::sync::Arc;
use tracing::Instrument;
pub(crate) mod audit;
mod base_url;
pub(crate) mod client;
pub(crate) mod lifecycle;
#[cfg(feature = "origins")]
pub(crate) mod origins;
pub(crate) mod sync;
pub(crate) mod trust_store;
pub(crate) mod zones;

impl Client {
    /// A lazy walk over a resource's pages ([`walk`]), `pagination` checked first: `fetch` gets
    /// a clone of this client, the page's number and its size, and fetches that page.
    pub(crate) fn walk_pages<T, F, Fut>(&self, pagination: Pagination, fetch: F) -> Result<PageStream<T>>
    where
        T: Listed + Send + 'static,
        F: Fn(Client, u64, u64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Page<T>>> + Send + 'static,
    {
        pagination.check()?;
        let client = self.clone();
        Ok(walk(pagination, Arc::new(move |page, per_page| Box::pin(fetch(client.clone(), page, per_page)))))
    }

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
            let error = crate::request::failure::into_error::<T>(&call, error).await;
            tracing::debug!(error = %error, "{} failed", route.operation);
            Err(error)
        }
        .instrument(span)
        .await
    }
}

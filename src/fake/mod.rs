//! An in-process fake of Cloudflare's API for the Custom Origin Trust Store (and List Zones), on
//! 127.0.0.1.
//!
//! Enabled by the `test-util` feature. It serves one or more zones, each with its trust store,
//! with real pagination and `result_info`, accepts both auth schemes (and nothing else), answers
//! Cloudflare's error envelope otherwise, and validates `page` and `per_page` as the API does. What
//! it answers on success conforms to Cloudflare's official definition. It records every request,
//! so a test can count them and check their headers.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use cloudflare_origin_trust_store::fake::FakeCloudflare;
//!
//! let fake = FakeCloudflare::builder().sample_certificates(120).start().await?;
//! let client = fake.client()?;
//! let all = client.collect_all(fake.zone_id()).await?;
//! assert_eq!(all.len(), 120);
//! assert_eq!(fake.request_count(), 3); // 50 + 50 + 20
//! # Ok(())
//! # }
//! ```
//!
//! What the fake answers (its error codes follow Cloudflare's where Cloudflare documents them):
//!
//! | request | answer |
//! |---|---|
//! | no credentials, wrong ones, or both schemes at once | 403, code 10000 `Authentication error` |
//! | a zone it does not serve, or one whose plan lacks the trust store ([`FakeZone::without_trust_store`]) | 404, code 7003 |
//! | a path other than the trust store's or `/zones` | 404, code 7000 `No route for that URI` |
//! | a method a path does not serve | 405, code 10405 |
//! | an upload that is not `{"certificate": "<PEM>"}` | 400, code 1001 |
//! | an upload that is not one parsable PEM certificate, or not a root CA | 400, code 1002 |
//! | an upload of a certificate already in the store | 400, code 1003 |
//! | get or delete of an id not in the store | 404, code 1404 |
//! | `page` not a whole number of 1 or more; `per_page` not one from 5 to 50 | 400, code 1001 |
//! | `limit` or `offset` not a whole number | 400, code 1001 |
//! | a zone `status` filter other than `initializing`, `pending`, `active`, `moved`, or an unknown `name` operator | 400, code 1001 |
//! | past the request budget ([`FakeCloudflareBuilder::rate_limit`]) | 429, code 971, `Retry-After` |
//!
//! It serves five operations: list (`GET .../custom_trust_store`), upload (`POST`), get and delete
//! (`GET` and `DELETE` of `.../custom_trust_store/{id}`), and List Zones (`GET /zones`, with the
//! `name` filter and its operators, `status`, `account.id`, `page`, `per_page`). A list applies
//! `offset` then `limit` to the zone's certificates, then pages the rest with `page` (default 1)
//! and `per_page` (default 20).
//!
//! A certificate's life is Cloudflare's: an upload starts `pending_deployment` and becomes
//! `active`, a delete makes it `pending_deletion` and then takes it out of the store, each when its
//! [`Transition`] says (by default after one read that shows the pending status: a get, or a list
//! page holding it). A delete of a certificate already `pending_deletion` succeeds again.
//!
//! Faults can be switched on with [`FakeCloudflare::set_faults`]: a rule sees each request's
//! [`RequestInfo`] (its number, method, path, the page asked, and how many times that method,
//! path and page have been asked) and may answer with a [`Fault`] instead of the normal answer.

mod faults;
#[cfg(feature = "origins")]
mod origin;
mod routes;
mod samples;
mod server;
mod state;
mod store;
mod wire;
mod zones;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[cfg(feature = "origins")]
pub use origin::{Behavior, FakeOrigin, FakeOriginBuilder};
pub use samples::{sample_certificates, sample_zones};
pub use server::{MAX_REQUEST_BODY_BYTES, ray_id};
pub use state::RequestInfo;
pub use store::{FakeZone, Transition};
pub use wire::{ACCOUNT_ID, API_KEY, EMAIL, Fault, PATH_PREFIX, RecordedRequest, TOKEN, ZONE_ID, ZONE_NAME};

use crate::lock::lock;
use crate::{Client, ClientBuilder, Credentials, CustomTrustStore};
use server::serve;
use state::{Limits, State};
use store::Store;

/// The longest window or timeout the fake's builder takes (longer ones are a day): a clock plus
/// `Duration::MAX` would overflow.
const LONGEST_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// Configures a [`FakeCloudflare`].
#[derive(Clone, Debug)]
pub struct FakeCloudflareBuilder {
    zones: Vec<FakeZone>,
    latency: Duration,
    activation: Transition,
    deletion: Transition,
    rate_limit: Option<(u32, Duration)>,
    limits: Limits,
}

impl Default for FakeCloudflareBuilder {
    fn default() -> Self {
        Self {
            zones: vec![FakeZone::new(ZONE_ID, ZONE_NAME)],
            latency: Duration::ZERO,
            activation: Transition::AfterReads(1),
            deletion: Transition::AfterReads(1),
            rate_limit: None,
            limits: Limits::default(),
        }
    }
}

impl FakeCloudflareBuilder {
    /// The id of the first zone (default [`ZONE_ID`]).
    pub fn zone_id(mut self, zone_id: impl Into<String>) -> Self {
        self.zones[0].id = zone_id.into();
        self
    }

    /// The certificates in the first zone's trust store, in list order (default none).
    pub fn certificates(mut self, certificates: Vec<CustomTrustStore>) -> Self {
        self.zones[0].certificates = certificates;
        self
    }

    /// `count` generated certificates in the first zone ([`sample_certificates`]).
    pub fn sample_certificates(self, count: usize) -> Self {
        self.certificates(sample_certificates(count))
    }

    /// A DNS record of the first zone: see [`FakeZone::dns_record`].
    pub fn dns_record(mut self, record_type: &str, name: &str, content: &str, proxied: bool) -> Self {
        self.zones[0] = self.zones[0].clone().dns_record(record_type, name, content, proxied);
        self
    }

    /// Another zone (listed after the first, in the order added).
    pub fn zone(mut self, zone: FakeZone) -> Self {
        self.zones.push(zone);
        self
    }

    /// Only these zones (the first one is what [`FakeCloudflare::zone_id`] names).
    ///
    /// # Panics
    ///
    /// When `zones` is empty.
    pub fn zones(mut self, zones: impl IntoIterator<Item = FakeZone>) -> Self {
        self.zones = zones.into_iter().collect();
        assert!(!self.zones.is_empty(), "a fake serves at least one zone");
        self
    }

    /// A delay before every answer, to stand in for the network's round trip (default none).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// When an uploaded certificate turns from `pending_deployment` to `active` (default after
    /// one read).
    pub fn activation(mut self, transition: Transition) -> Self {
        self.activation = transition;
        self
    }

    /// When a deleted certificate, `pending_deletion`, leaves the store (default after one read).
    pub fn deletion(mut self, transition: Transition) -> Self {
        self.deletion = transition;
        self
    }

    /// A request budget: at most `limit` requests in any `window` (a sliding window, as
    /// Cloudflare's 1,200 per 5 minutes); past it, a 429 with `Retry-After`. Every answer then
    /// carries `Ratelimit` (`"default";r=<left>;t=<seconds until one frees>`) and
    /// `Ratelimit-Policy` (`"default";q=<limit>;w=<window seconds>`).
    /// A `window` over a day is taken as a day.
    pub fn rate_limit(mut self, limit: u32, window: Duration) -> Self {
        self.rate_limit = Some((limit, window.min(LONGEST_WAIT)));
        self
    }

    /// The most requests [`FakeCloudflare::requests`] keeps (default 20,000; the oldest go
    /// first, and [`FakeCloudflare::request_count`] still counts every one); 0 keeps none.
    pub fn max_recorded(mut self, requests: usize) -> Self {
        self.limits.max_recorded = requests;
        self
    }

    /// How long a connection may take to send a request's headers, an idle keep-alive
    /// connection included, before the fake closes it (default 30 s).
    /// It bounds a request body's arrival too; a `timeout` over a day is taken as a day.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout.min(LONGEST_WAIT);
        self
    }

    /// Binds 127.0.0.1 on a free port (or `port`, with [`FakeCloudflareBuilder::start_on`]) and
    /// starts serving on the current Tokio runtime.
    pub async fn start(self) -> io::Result<FakeCloudflare> {
        self.start_on(0).await
    }

    /// [`FakeCloudflareBuilder::start`] on 127.0.0.1:`port` (0 picks a free one).
    pub async fn start_on(self, port: u16) -> io::Result<FakeCloudflare> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let first = self.zones[0].id.clone();
        let store = Store::new(self.zones, self.activation, self.deletion);
        let state = Arc::new(State::new(self.latency, store, self.rate_limit, self.limits));
        let task = tokio::spawn(serve(listener, Arc::clone(&state)));
        Ok(FakeCloudflare { addr, zone_id: first, state, task })
    }
}

/// A running fake; it stops when dropped.
pub struct FakeCloudflare {
    addr: SocketAddr,
    zone_id: String,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl fmt::Debug for FakeCloudflare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeCloudflare")
            .field("base_url", &self.base_url())
            .field("zones", &lock(&self.state.store).zones.len())
            .field("requests", &self.request_count())
            .finish()
    }
}

impl Drop for FakeCloudflare {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeCloudflare {
    /// A fake with the defaults: zone [`ZONE_ID`] (`example.com`), no certificates, no latency.
    pub fn builder() -> FakeCloudflareBuilder {
        FakeCloudflareBuilder::default()
    }

    /// The base URL to give the client, such as `http://127.0.0.1:41234/client/v4`.
    pub fn base_url(&self) -> String {
        format!("http://{}{PATH_PREFIX}", self.addr)
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first zone's id.
    pub fn zone_id(&self) -> &str {
        &self.zone_id
    }

    /// A client for this fake, authenticated with [`TOKEN`], with the default settings.
    pub fn client(&self) -> crate::Result<Client> {
        self.client_builder().build()
    }

    /// A client builder for this fake: its base URL and [`TOKEN`], the other settings default
    /// (so a test can set its own retry policy or timeouts).
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder().base_url(self.base_url()).credentials(Credentials::token(TOKEN))
    }

    /// How many requests the fake has received (recorded or not).
    pub fn request_count(&self) -> usize {
        self.state.received.load(Ordering::SeqCst)
    }

    /// The most requests the fake was answering at the same time (with [`latency`], a measure of
    /// a client's concurrency).
    ///
    /// [`latency`]: FakeCloudflareBuilder::latency
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// How many requests were refused with a 429 because the budget of
    /// [`FakeCloudflareBuilder::rate_limit`] was spent.
    pub fn rate_limited_count(&self) -> usize {
        self.state.window.as_ref().map_or(0, |window| lock(window).refused)
    }

    /// The requests the fake has received, in order: the most recent
    /// [`max_recorded`](FakeCloudflareBuilder::max_recorded) of them (by default 20,000).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.requests).iter().cloned().collect()
    }

    /// The certificates in the first zone's trust store now (pending ones included, as a read
    /// would see them, without counting as one).
    pub fn certificates(&self) -> Vec<CustomTrustStore> {
        self.certificates_of(&self.zone_id)
    }

    /// The certificates in zone `zone_id`'s trust store now; none for a zone it does not serve.
    pub fn certificates_of(&self, zone_id: &str) -> Vec<CustomTrustStore> {
        lock(&self.state.store).zone(zone_id).map(|zone| zone.certificates()).unwrap_or_default()
    }

    /// Replaces the certificates of the first zone from now on (say, to delete some between two
    /// pages).
    pub fn set_certificates(&self, certificates: Vec<CustomTrustStore>) {
        if let Some(zone) = lock(&self.state.store).zone(&self.zone_id) {
            zone.replace(certificates);
        }
    }

    /// Switches faults on: `rule` sees every request from now on and may return a [`Fault`].
    ///
    /// ```
    /// # use cloudflare_origin_trust_store::fake::{Fault, FakeCloudflare};
    /// # async fn example(fake: FakeCloudflare) {
    /// // A 503 on the first attempt of every list page.
    /// fake.set_faults(|request| (request.is_list() && request.attempt == 1).then(|| Fault::html(503, 0)));
    /// # }
    /// ```
    pub fn set_faults(&self, rule: impl Fn(&RequestInfo) -> Option<Fault> + Send + Sync + 'static) {
        *lock(&self.state.faults) = Some(Arc::new(rule));
    }

    /// Switches faults off.
    pub fn clear_faults(&self) {
        *lock(&self.state.faults) = None;
    }
}

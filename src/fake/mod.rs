//! An in-process fake of Cloudflare's Custom Origin Trust Store API, on 127.0.0.1.
//!
//! Enabled by the `test-util` feature. It serves a configurable set of certificates with real
//! pagination and `result_info`, accepts both auth schemes (and nothing else), answers Cloudflare's
//! error envelope otherwise, and validates `page` and `per_page` as the API does. It records every
//! request, so a test can count them and check their headers.
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
//! | a zone other than the fake's | 404, code 7003 |
//! | a path other than the trust store's | 404, code 7000 `No route for that URI` |
//! | a method a path does not serve | 405, code 10405 |
//! | an upload that is not `{"certificate": "<PEM>"}` | 400, code 1001 |
//! | an upload that is not one parsable PEM certificate, or not a root CA | 400, code 1002 |
//! | an upload of a certificate already in the store | 400, code 1003 |
//! | get or delete of an id not in the store | 404, code 1404 |
//! | `page` not a whole number of 1 or more | 400, code 1001 |
//! | `per_page` not a whole number from 5 to 50 | 400, code 1001 |
//! | `limit` or `offset` not a whole number | 400, code 1001 |
//!
//! It serves the four operations: list (`GET`), upload (`POST`, the new certificate gets status
//! `pending_deployment`), get and delete (`GET` and `DELETE` of `.../custom_trust_store/{id}`).
//! A list applies `offset` then `limit` to the zone's certificates, then pages the rest with
//! `page` (default 1) and `per_page` (default 20).
//!
//! Faults can be switched on with [`FakeCloudflare::set_faults`]: a rule sees each request's
//! [`RequestInfo`] (its number, the page asked, and how many times that page has been asked) and
//! may answer with a [`Fault`] instead of the normal answer.

mod faults;
mod routes;
mod server;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use faults::{Fault, RequestInfo};

use crate::lock::lock;
use crate::{CertificateStatus, Client, ClientBuilder, Credentials, CustomTrustStore};
use server::{State, serve};

/// The zone the fake serves unless told otherwise.
pub const ZONE_ID: &str = "023e105f4ecef8ad9ca31a8372d0c353";
/// The API token the fake accepts unless told otherwise. Not a real credential.
pub const TOKEN: &str = "fake-token-0123456789";
/// The account email the fake accepts unless told otherwise.
pub const EMAIL: &str = "user@example.com";
/// The Global API key the fake accepts unless told otherwise. Not a real credential.
pub const API_KEY: &str = "fake-global-api-key-0123456789";
/// The path prefix of the fake's base URL, as Cloudflare's.
pub const PATH_PREFIX: &str = "/client/v4";

/// One request the fake received.
#[derive(Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`...
    pub method: String,
    /// The path, still percent-encoded as sent.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Every header, names in lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The decoded query parameters, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes()).into_owned().collect()
    }
}

impl fmt::Debug for RecordedRequest {
    // The credential headers' values are redacted, like everywhere else in the crate.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| match name.as_str() {
                "authorization" | "x-auth-key" => (name.as_str(), "** redacted **"),
                _ => (name.as_str(), value.as_str()),
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// Configures a [`FakeCloudflare`].
#[derive(Clone, Debug)]
pub struct FakeCloudflareBuilder {
    zone_id: String,
    certificates: Vec<CustomTrustStore>,
    latency: Duration,
}

impl Default for FakeCloudflareBuilder {
    fn default() -> Self {
        Self { zone_id: ZONE_ID.to_owned(), certificates: Vec::new(), latency: Duration::ZERO }
    }
}

impl FakeCloudflareBuilder {
    /// The zone served (default [`ZONE_ID`]).
    pub fn zone_id(mut self, zone_id: impl Into<String>) -> Self {
        self.zone_id = zone_id.into();
        self
    }

    /// The certificates in the zone's trust store, in list order (default none).
    pub fn certificates(mut self, certificates: Vec<CustomTrustStore>) -> Self {
        self.certificates = certificates;
        self
    }

    /// `count` generated certificates ([`sample_certificates`]).
    pub fn sample_certificates(self, count: usize) -> Self {
        self.certificates(sample_certificates(count))
    }

    /// A delay before every answer, to stand in for the network's round trip (default none).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Binds 127.0.0.1 on a free port and starts serving on the current Tokio runtime.
    pub async fn start(self) -> io::Result<FakeCloudflare> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            zone_id: self.zone_id,
            latency: self.latency,
            certificates: Mutex::new(self.certificates),
            requests: Mutex::new(Vec::new()),
            page_attempts: Mutex::new(HashMap::new()),
            faults: Mutex::new(None),
            next_id: std::sync::atomic::AtomicU64::new(1),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let task = tokio::spawn(serve(listener, Arc::clone(&state)));
        Ok(FakeCloudflare { addr, state, task })
    }
}

/// A running fake; it stops when dropped.
pub struct FakeCloudflare {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl fmt::Debug for FakeCloudflare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeCloudflare")
            .field("base_url", &self.base_url())
            .field("zone_id", &self.state.zone_id)
            .field("certificates", &lock(&self.state.certificates).len())
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
    /// A fake with the defaults: zone [`ZONE_ID`], no certificates, no latency.
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

    /// The zone the fake serves.
    pub fn zone_id(&self) -> &str {
        &self.state.zone_id
    }

    /// A client for this fake, authenticated with [`TOKEN`], with the default settings.
    pub fn client(&self) -> crate::Result<Client> {
        self.client_builder().build()
    }

    /// How many requests the fake has received.
    pub fn request_count(&self) -> usize {
        lock(&self.state.requests).len()
    }

    /// The most requests the fake was answering at the same time (with [`latency`], a measure of
    /// a client's concurrency).
    ///
    /// [`latency`]: FakeCloudflareBuilder::latency
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Every request the fake has received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.requests).clone()
    }

    /// The certificates the fake serves now.
    pub fn certificates(&self) -> Vec<CustomTrustStore> {
        lock(&self.state.certificates).clone()
    }

    /// Replaces the certificates served from now on (say, to delete some between two pages).
    pub fn set_certificates(&self, certificates: Vec<CustomTrustStore>) {
        *lock(&self.state.certificates) = certificates;
    }

    /// Switches faults on: `rule` sees every request from now on and may return a [`Fault`].
    ///
    /// ```
    /// # use cloudflare_origin_trust_store::fake::{Fault, FakeCloudflare};
    /// # async fn example(fake: FakeCloudflare) {
    /// // A 503 on the first attempt of every page.
    /// fake.set_faults(|request| (request.attempt == 1).then(|| Fault::html(503, 0)));
    /// # }
    /// ```
    pub fn set_faults(&self, rule: impl Fn(&RequestInfo) -> Option<Fault> + Send + Sync + 'static) {
        *lock(&self.state.faults) = Some(Arc::new(rule));
    }

    /// Switches faults off.
    pub fn clear_faults(&self) {
        *lock(&self.state.faults) = None;
    }

    /// A client builder for this fake: its base URL and [`TOKEN`], the other settings default
    /// (so a test can set its own retry policy or timeouts).
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder().base_url(self.base_url()).credentials(Credentials::token(TOKEN))
    }
}

/// `count` certificates with distinct ids, a few issuers and signatures, and expiry dates spread
/// over the years to come. Their PEM is a stand-in: the fake never parses it.
pub fn sample_certificates(count: usize) -> Vec<CustomTrustStore> {
    const ISSUERS: [&str; 4] =
        ["Example Root CA", "Internal Origin Root R1", "Acme Corp Root G2", "Lab Root CA 2031"];
    const SIGNATURES: [&str; 3] = ["SHA256WithRSA", "ECDSAWithSHA384", "SHA384WithRSA"];
    let base: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 1, 5, 9, 30, 0).single().expect("valid date");
    (0..count)
        .map(|i| {
            let n = i as i64;
            let uploaded_on = base + chrono::Duration::hours(7 * n);
            let status = match i % 10 {
                7 => CertificateStatus::PendingDeployment,
                9 => CertificateStatus::Initializing,
                _ => CertificateStatus::Active,
            };
            CustomTrustStore {
                id: format!("{:032x}", 0x5eed_0000_0000_0000_0000_0000_0000_0000u128 + i as u128),
                certificate: format!(
                    "-----BEGIN CERTIFICATE-----\nMIIBfakeSampleCertificate{i:06}AAAA\n-----END CERTIFICATE-----\n"
                ),
                expires_on: uploaded_on + chrono::Duration::days(400 + 37 * n),
                issuer: ISSUERS[i % ISSUERS.len()].to_owned(),
                signature: SIGNATURES[i % SIGNATURES.len()].to_owned(),
                status,
                updated_at: uploaded_on + chrono::Duration::minutes(5),
                uploaded_on,
                ..Default::default()
            }
        })
        .collect()
}

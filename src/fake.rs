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

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::lock::lock;
use crate::{CertificateStatus, Client, ClientBuilder, Credentials, CustomTrustStore};

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

/// What a fault rule knows of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestInfo {
    /// The request's number since the fake started, from 1.
    pub index: usize,
    /// The `page` asked for (1 when not given or not a number).
    pub page: u64,
    /// How many times this page has been asked for, this request included (so 1 is a first
    /// attempt, 2 the first retry).
    pub attempt: usize,
}

/// Something the fake does instead of (or to) its normal answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answers this status, headers and body instead.
    Respond {
        /// The HTTP status.
        status: u16,
        /// Headers to send (`content-type` among them, if any).
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Waits this long, then gives the normal answer.
    Delay(Duration),
    /// Closes the connection without answering.
    Reset,
    /// The normal answer, cut to half its length.
    TruncateBody,
    /// The first half of the normal answer, then the connection is closed mid-body.
    CutBody,
    /// The normal answer with one more header (such as Cloudflare's `Ratelimit`).
    Header(String, String),
    /// The normal answer without `result_info`.
    DropResultInfo,
    /// Page 1's certificates whatever page was asked, with a `total_pages` one more than the page
    /// asked: a server whose list never ends and repeats itself.
    RepeatFirstPage,
    /// The normal answer with an extra top-level field of this many bytes.
    Pad(usize),
}

impl Fault {
    /// A JSON answer with this status.
    pub fn json(status: u16, body: &Value) -> Self {
        Self::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// 429 with `Retry-After: <retry_after>` and Cloudflare's rate-limit error (code 971).
    pub fn rate_limited(retry_after: &str) -> Self {
        Self::rate_limited_with("retry-after", retry_after)
    }

    /// 429 with `retry-after-ms: <millis>` (and Cloudflare's rate-limit error).
    pub fn rate_limited_ms(millis: u64) -> Self {
        Self::rate_limited_with("retry-after-ms", &millis.to_string())
    }

    /// 429 with Cloudflare's rate-limit error (code 971) and the wait in header `name`.
    fn rate_limited_with(name: &str, value: &str) -> Self {
        let (_, body) = failure(
            StatusCode::TOO_MANY_REQUESTS,
            971,
            "Please wait and consider throttling your request speed",
        );
        let mut fault = Self::json(429, &body);
        if let Self::Respond { headers, .. } = &mut fault {
            headers.push((name.into(), value.into()));
        }
        fault
    }

    /// An HTML error page with this status, as an edge sends it, padded to at least `min_len`
    /// bytes.
    pub fn html(status: u16, min_len: usize) -> Self {
        let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
        let mut page = format!(
            "<!DOCTYPE html>\n<html>\n<head><title>{status} {reason}</title></head>\n<body>\n<center><h1>{status} {reason}</h1></center>\n<hr><center>cloudflare</center>\n"
        );
        while page.len() < min_len {
            page.push_str("<!-- a padding comment to make the page longer -->\n");
        }
        page.push_str("</body>\n</html>\n");
        Self::Respond {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: page.into_bytes(),
        }
    }

    /// A 302 redirect to `location`.
    pub fn redirect(location: &str) -> Self {
        Self::Respond { status: 302, headers: vec![("location".into(), location.into())], body: Vec::new() }
    }

    /// HTTP 200 with Cloudflare's failure envelope (`success: false`, code 1000).
    pub fn success_false() -> Self {
        Self::json(200, &failure(StatusCode::OK, 1000, "An internal error occurred").1)
    }

    /// HTTP 200 with an empty body.
    pub fn empty_body() -> Self {
        Self::Respond {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Vec::new(),
        }
    }
}

type FaultRule = dyn Fn(&RequestInfo) -> Option<Fault> + Send + Sync;

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
            }
        })
        .collect()
}

struct State {
    zone_id: String,
    latency: Duration,
    certificates: Mutex<Vec<CustomTrustStore>>,
    requests: Mutex<Vec<RecordedRequest>>,
    page_attempts: Mutex<HashMap<u64, usize>>,
    faults: Mutex<Option<Arc<FaultRule>>>,
    next_id: std::sync::atomic::AtomicU64,
    /// Requests being answered now, and the most there have been at once.
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

async fn serve(listener: TcpListener, state: Arc<State>) {
    // Connections live in this set, so aborting the accept task closes them all.
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let state = Arc::clone(&state);
        let service = hyper::service::service_fn(move |request| {
            let state = Arc::clone(&state);
            async move { handle(&state, request).await }
        });
        connections.spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            // A client that hangs up mid-request is not the fake's problem.
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
        });
        while connections.try_join_next().is_some() {}
    }
}

/// The error that makes hyper close a connection without answering ([`Fault::Reset`]).
#[derive(Debug)]
struct ResetConnection;

impl fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection reset by a fault rule")
    }
}

impl std::error::Error for ResetConnection {}

async fn handle(state: &State, request: Request<Incoming>) -> Result<Response<FakeBody>, ResetConnection> {
    /// Counts a request out when it is answered or dropped (a client that hung up).
    struct InFlight<'a>(&'a AtomicUsize);
    impl Drop for InFlight<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let _counted = InFlight(&state.in_flight);
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    answer_request(state, request).await
}

async fn answer_request(
    state: &State,
    request: Request<Incoming>,
) -> Result<Response<FakeBody>, ResetConnection> {
    let (parts, body) = request.into_parts();
    // A body that fails to arrive is treated as empty; the answer then says what is missing.
    let body = body.collect().await.map(|body| body.to_bytes().to_vec()).unwrap_or_default();
    let recorded = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
            })
            .collect(),
        body,
    };
    let info = state.record(recorded.clone());
    let rule = lock(&state.faults).clone();
    let fault = rule.and_then(|rule| rule(&info));
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    let (status, headers, body) = match fault {
        Some(Fault::Respond { status, headers, body }) => (status, headers, body),
        Some(Fault::Reset) => return Err(ResetConnection),
        Some(Fault::CutBody) => {
            let (status, mut body) = answer(state, &recorded, info.page, None);
            body.truncate(body.len() / 2);
            let frames: Vec<Result<Frame<Bytes>, ResetConnection>> =
                vec![Ok(Frame::data(Bytes::from(body))), Err(ResetConnection)];
            let body = StreamBody::new(futures_util::stream::iter(frames)).boxed();
            return Ok(Response::builder().status(status).body(body).expect("a valid response"));
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            json_answer(answer(state, &recorded, info.page, None))
        }
        Some(Fault::Header(name, value)) => {
            let (status, mut headers, body) = json_answer(answer(state, &recorded, info.page, None));
            headers.push((name, value));
            (status, headers, body)
        }
        Some(fault) => json_answer(answer(state, &recorded, info.page, Some(fault))),
        None => json_answer(answer(state, &recorded, info.page, None)),
    };
    let mut response = Response::builder().status(status);
    for (name, value) in headers {
        response = response.header(name, value);
    }
    let body = Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed();
    Ok(response.body(body).expect("a valid response"))
}

/// A response body: whole, or cut by [`Fault::CutBody`].
type FakeBody = BoxBody<Bytes, ResetConnection>;

type Answer = (u16, Vec<(String, String)>, Vec<u8>);

fn json_answer((status, body): (StatusCode, Vec<u8>)) -> Answer {
    (status.as_u16(), vec![("content-type".into(), "application/json".into())], body)
}

impl State {
    /// Records a request; returns what a fault rule knows of it.
    fn record(&self, request: RecordedRequest) -> RequestInfo {
        let page = request
            .query_pairs()
            .iter()
            .rev()
            .find(|(key, _)| key == "page")
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(1);
        let mut requests = lock(&self.requests);
        requests.push(request);
        let mut attempts = lock(&self.page_attempts);
        let attempt = attempts.entry(page).or_insert(0);
        *attempt += 1;
        RequestInfo { index: requests.len(), page, attempt: *attempt }
    }
}

fn answer(
    state: &State,
    request: &RecordedRequest,
    page: u64,
    fault: Option<Fault>,
) -> (StatusCode, Vec<u8>) {
    let (status, mut body) = route(state, request, page, fault.as_ref());
    if status == StatusCode::OK {
        match fault {
            Some(Fault::DropResultInfo) => {
                body.as_object_mut().map(|body| body.remove("result_info"));
            }
            Some(Fault::Pad(bytes)) => body["padding"] = Value::String("x".repeat(bytes)),
            _ => {}
        }
    }
    let mut bytes = body.to_string().into_bytes();
    if fault == Some(Fault::TruncateBody) {
        bytes.truncate(bytes.len() / 2);
    }
    (status, bytes)
}

fn route(state: &State, request: &RecordedRequest, page: u64, fault: Option<&Fault>) -> (StatusCode, Value) {
    let Some(rest) = request.path.strip_prefix(PATH_PREFIX).and_then(|path| path.strip_prefix("/zones/"))
    else {
        return no_route();
    };
    let (zone, item) = match rest.split_once("/acm/custom_trust_store") {
        Some((zone, "")) => (zone, None),
        Some((zone, id)) => match id.strip_prefix('/') {
            Some(id) if !id.is_empty() && !id.contains('/') => (zone, Some(percent_decode(id))),
            _ => return no_route(),
        },
        None => return no_route(),
    };
    if zone.contains('/') {
        return no_route();
    }
    if !authenticated(request) {
        return failure(StatusCode::FORBIDDEN, 10000, "Authentication error");
    }
    let zone = percent_decode(zone);
    if zone != state.zone_id {
        return failure(
            StatusCode::NOT_FOUND,
            7003,
            &format!(
                "Could not route to /zones/{zone}/acm/custom_trust_store, perhaps your object identifier is invalid?"
            ),
        );
    }
    match (request.method.as_str(), item) {
        ("GET", None) => list_answer(state, request, page, fault),
        ("POST", None) => create(state, &request.body),
        ("GET", Some(id)) => match lock(&state.certificates).iter().find(|c| c.id == id) {
            Some(found) => (StatusCode::OK, single(json!(found))),
            None => not_found(&id),
        },
        ("DELETE", Some(id)) => {
            let mut certificates = lock(&state.certificates);
            match certificates.iter().position(|c| c.id == id) {
                Some(index) => {
                    certificates.remove(index);
                    (StatusCode::OK, single(json!({ "id": id })))
                }
                None => not_found(&id),
            }
        }
        _ => failure(StatusCode::METHOD_NOT_ALLOWED, 10405, "Method not allowed for this route"),
    }
}

fn no_route() -> (StatusCode, Value) {
    failure(StatusCode::NOT_FOUND, 7000, "No route for that URI")
}

fn not_found(id: &str) -> (StatusCode, Value) {
    failure(StatusCode::NOT_FOUND, 1404, &format!("Certificate {id} not found in the trust store"))
}

fn single(result: Value) -> Value {
    json!({ "errors": [], "messages": [], "success": true, "result": result })
}

fn list_answer(
    state: &State,
    request: &RecordedRequest,
    page: u64,
    fault: Option<&Fault>,
) -> (StatusCode, Value) {
    let mut query = request.query_pairs();
    let repeat = fault == Some(&Fault::RepeatFirstPage);
    if repeat {
        query.retain(|(key, _)| key != "page");
    }
    match list(state, &query) {
        Ok(mut body) if repeat => {
            body["result_info"]["page"] = page.into();
            body["result_info"]["total_pages"] = page.saturating_add(1).into();
            (StatusCode::OK, body)
        }
        Ok(body) => (StatusCode::OK, body),
        Err(message) => failure(StatusCode::BAD_REQUEST, 1001, &message),
    }
}

/// An upload: Cloudflare accepts one root CA certificate per request, and not twice.
fn create(state: &State, body: &[u8]) -> (StatusCode, Value) {
    #[derive(serde::Deserialize)]
    struct Upload {
        certificate: String,
    }
    let Ok(Upload { certificate }) = serde_json::from_slice::<Upload>(body) else {
        return failure(
            StatusCode::BAD_REQUEST,
            1001,
            "The request body must be a JSON object with a certificate string",
        );
    };
    let details = match crate::CertificateDetails::from_pem(&certificate) {
        Ok(details) => details,
        Err(_) => {
            return failure(
                StatusCode::BAD_REQUEST,
                1002,
                "The certificate could not be parsed as one PEM certificate",
            );
        }
    };
    if !details.is_ca || !details.is_self_issued {
        return failure(StatusCode::BAD_REQUEST, 1002, "Only root CA certificates are accepted");
    }
    let mut certificates = lock(&state.certificates);
    if certificates.iter().any(|c| {
        crate::CertificateDetails::from_pem(&c.certificate)
            .is_ok_and(|d| d.sha256_fingerprint == details.sha256_fingerprint)
    }) {
        return failure(StatusCode::BAD_REQUEST, 1003, "This certificate is already in the trust store");
    }
    let now = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default();
    let serial = state.next_id.fetch_add(1, Ordering::SeqCst);
    let created = CustomTrustStore {
        id: format!("{:032x}", 0xca00_0000_0000_0000_0000_0000_0000_0000u128 + u128::from(serial)),
        certificate,
        expires_on: details.not_after,
        issuer: common_name(&details.issuer),
        signature: details.signature_algorithm,
        status: CertificateStatus::PendingDeployment,
        updated_at: now,
        uploaded_on: now,
    };
    certificates.push(created.clone());
    (StatusCode::OK, single(json!(created)))
}

/// The `CN=` value of a distinguished name (RFC 4514, such as `CN=Example Root,O=Example`), or
/// the whole name.
fn common_name(name: &str) -> String {
    name.split(',').find_map(|part| part.trim().strip_prefix("CN=")).unwrap_or(name).to_owned()
}

/// Exactly one scheme, with the fake's credentials.
fn authenticated(request: &RecordedRequest) -> bool {
    let bearer = request.header("authorization");
    let email = request.header("x-auth-email");
    let key = request.header("x-auth-key");
    match (bearer, email, key) {
        (Some(bearer), None, None) => bearer == format!("Bearer {TOKEN}"),
        (None, Some(email), Some(key)) => email == EMAIL && key == API_KEY,
        _ => false,
    }
}

fn list(state: &State, query: &[(String, String)]) -> Result<Value, String> {
    let param = |name: &str, min: u64, max: u64| -> Result<Option<u64>, String> {
        match query.iter().rev().find(|(key, _)| key == name) {
            None => Ok(None),
            Some((_, raw)) => match raw.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ if max == u64::MAX => {
                    Err(format!("{name} must be a whole number of {min} or more, got {raw:?}"))
                }
                _ => Err(format!("{name} must be a whole number from {min} to {max}, got {raw:?}")),
            },
        }
    };
    let page = param("page", 1, u64::MAX)?.unwrap_or(1);
    let per_page = param("per_page", 5, 50)?.unwrap_or(20);
    let offset = param("offset", 0, u64::MAX)?.unwrap_or(0);
    let limit = param("limit", 0, u64::MAX)?;

    let certificates = lock(&state.certificates);
    let selected: Vec<&CustomTrustStore> = certificates
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)))
        .collect();
    let total = selected.len() as u64;
    let start = page.saturating_sub(1).saturating_mul(per_page);
    let items: Vec<&CustomTrustStore> = selected
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(per_page as usize)
        .collect();
    Ok(json!({
        "errors": [],
        "messages": [],
        "success": true,
        "result": items,
        "result_info": {
            "count": items.len(),
            "page": page,
            "per_page": per_page,
            "total_count": total,
            "total_pages": total.div_ceil(per_page),
        },
    }))
}

fn failure(status: StatusCode, code: u32, message: &str) -> (StatusCode, Value) {
    let body = json!({
        "errors": [{ "code": code, "message": message }],
        "messages": [],
        "result": null,
        "success": false,
    });
    (status, body)
}

fn percent_decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

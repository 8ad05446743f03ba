//! The fake's server: the accept loop, the per-request bookkeeping, and where faults are applied.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::RecordedRequest;
use super::faults::{Fault, FaultRule, RequestInfo};
use super::routes::answer;
use crate::CustomTrustStore;
use crate::lock::lock;

pub(crate) struct State {
    pub(crate) zone_id: String,
    pub(crate) latency: Duration,
    pub(crate) certificates: Mutex<Vec<CustomTrustStore>>,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
    pub(crate) page_attempts: Mutex<HashMap<u64, usize>>,
    pub(crate) faults: Mutex<Option<Arc<FaultRule>>>,
    pub(crate) next_id: std::sync::atomic::AtomicU64,
    /// Requests being answered now, and the most there have been at once.
    pub(crate) in_flight: AtomicUsize,
    pub(crate) max_in_flight: AtomicUsize,
}

pub(crate) async fn serve(listener: TcpListener, state: Arc<State>) {
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

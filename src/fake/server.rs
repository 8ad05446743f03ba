//! The fake's server: the accept loop, the per-request bookkeeping (records, attempts, requests in
//! flight), the rate-limit window, and sending what [`faults::apply`] decided.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::faults::{self, Action};
use super::state::State;
use super::wire::{RecordedRequest, Reply, failure};
use crate::lock::lock;

/// The largest request body the fake reads; a larger one is answered 413, unread. Twice the
/// largest certificate an upload may carry, as JSON.
pub const MAX_REQUEST_BODY_BYTES: u64 = 2 * crate::certificate::MAX_CERTIFICATE_BYTES as u64;

/// The first and the longest pause after a failed accept (out of file descriptors, say): the
/// loop backs off instead of spinning, and serves again once accepting works.
const ACCEPT_BACKOFF: (Duration, Duration) = (Duration::from_millis(5), Duration::from_secs(1));

pub(crate) async fn serve(listener: TcpListener, state: Arc<State>) {
    // Connections live in this set, so aborting the accept task closes them all.
    let mut connections = JoinSet::new();
    let mut backoff = ACCEPT_BACKOFF.0;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => {
                backoff = ACCEPT_BACKOFF.0;
                stream
            }
            Err(_) => {
                while connections.try_join_next().is_some() {}
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(ACCEPT_BACKOFF.1);
                continue;
            }
        };
        let state = Arc::clone(&state);
        let header_read_timeout = state.limits.header_read_timeout;
        let service = hyper::service::service_fn(move |request| {
            let state = Arc::clone(&state);
            async move { handle(&state, request).await }
        });
        connections.spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            // A client that hangs up mid-request is not the fake's problem.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(io, service)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
}

/// The error that makes hyper close a connection ([`faults::Fault::Reset`],
/// [`faults::Fault::CutBody`]).
#[derive(Debug)]
struct ResetConnection;

impl fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection reset by a fault rule")
    }
}

impl std::error::Error for ResetConnection {}

/// A response body: whole, or cut by [`faults::Fault::CutBody`].
type FakeBody = BoxBody<Bytes, ResetConnection>;

/// Counts a request in while it is answered, out when it is answered or dropped (a client that
/// hung up); the most at once is kept.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn count(state: &'a State) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(&state.in_flight)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn handle(state: &State, request: Request<Incoming>) -> Result<Response<FakeBody>, ResetConnection> {
    let _counted = InFlight::count(state);

    let (parts, body) = request.into_parts();
    let (body, too_large) = read_body(&parts.headers, body, state.limits.header_read_timeout).await?;
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
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    let admitted = state.window.as_ref().map(|window| lock(window).admit(Instant::now()));
    let action = match admitted {
        _ if too_large => Action::Send(payload_too_large(), Duration::ZERO),
        Some(Err(wait)) => Action::Send(rate_limited(wait), Duration::ZERO),
        _ => {
            let rule = lock(&state.faults).clone();
            let fault = rule.and_then(|rule| rule(&info));
            faults::apply(state, &recorded, info.page, fault)
        }
    };
    // Every answer carries a Ray ID, as Cloudflare's do, and the budget's headers when there is one.
    let with_window = |mut reply: Reply| {
        reply.headers.push(("cf-ray".into(), ray_id(info.index)));
        if let Some(window) = &state.window {
            reply.headers.extend(lock(window).headers(Instant::now()));
        }
        reply
    };
    match action {
        Action::Reset => Err(ResetConnection),
        Action::Send(reply, delay) => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let reply = with_window(reply);
            let body = Full::new(Bytes::from(reply.body.clone())).map_err(|never| match never {}).boxed();
            Ok(response(&reply, body))
        }
        Action::Cut(reply) => Ok(cut_short(with_window(reply))),
    }
}

/// A request's body: at most [`MAX_REQUEST_BODY_BYTES`] (a larger one is not read: `true`, for a
/// 413), arriving within `timeout` (else the connection is closed); one that fails to arrive is
/// empty, and the answer then says what is missing.
async fn read_body(
    headers: &hyper::HeaderMap,
    body: Incoming,
    timeout: Duration,
) -> Result<(Vec<u8>, bool), ResetConnection> {
    let declared =
        headers.get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_REQUEST_BODY_BYTES) {
        return Ok((Vec::new(), true));
    }
    let limited = http_body_util::Limited::new(body, MAX_REQUEST_BODY_BYTES as usize).collect();
    match tokio::time::timeout(timeout, limited).await {
        Err(_) => Err(ResetConnection),
        Ok(Ok(body)) => Ok((body.to_bytes().to_vec(), false)),
        Ok(Err(error)) => Ok((Vec::new(), error.is::<http_body_util::LengthLimitError>())),
    }
}

/// The headers (with the whole length) and half the body of `reply`; then the connection closes,
/// so the client sees a body cut short after a complete head.
fn cut_short(reply: Reply) -> Response<FakeBody> {
    let half = Bytes::from(reply.body[..reply.body.len() / 2].to_vec());
    let frames = futures_util::stream::unfold(0, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok(Frame::data(half)), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Some((Err(ResetConnection), 2))
                }
                _ => None,
            }
        }
    });
    let mut response = response(&reply, StreamBody::new(frames).boxed());
    response.headers_mut().insert(hyper::header::CONTENT_LENGTH, reply.body.len().into());
    response
}

/// The `CF-Ray` of request `index`: 16 hex digits and a data center, as Cloudflare's
/// (`8f2c0a1b3d4e5f60-AMS`); the fake's end in `-FAKE`.
pub fn ray_id(index: usize) -> String {
    format!("{:016x}-FAKE", 0x7a1e_0000_0000_0000u64 + index as u64)
}

fn response(reply: &Reply, body: FakeBody) -> Response<FakeBody> {
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    response.body(body).expect("a valid response")
}

/// The answer to a body over [`MAX_REQUEST_BODY_BYTES`]: 413, and the connection closed (the rest
/// of the body is not read).
fn payload_too_large() -> Reply {
    let (status, body) = failure(
        StatusCode::PAYLOAD_TOO_LARGE,
        1001,
        &format!("Request body is larger than {MAX_REQUEST_BODY_BYTES} bytes"),
    );
    let mut reply = Reply::json(status, &body);
    reply.headers.push(("connection".into(), "close".into()));
    reply
}

/// The answer past the request budget: 429, `Retry-After`, Cloudflare's code 971.
fn rate_limited(wait: Duration) -> Reply {
    let (status, body) =
        failure(StatusCode::TOO_MANY_REQUESTS, 971, "Please wait and consider throttling your request speed");
    let mut reply = Reply::json(status, &body);
    reply.headers.push(("retry-after".into(), (wait.as_secs_f64().ceil() as u64).max(1).to_string()));
    reply
}

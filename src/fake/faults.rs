//! Faults: what the fake can do instead of (or to) its normal answer, and [`apply`], the one place
//! where a fault meets a request.

use std::time::Duration;

use hyper::StatusCode;
use serde_json::Value;

use super::routes;
use super::state::State;
use super::wire::{Fault, RecordedRequest, Reply};

/// What the server does with a request.
pub(crate) enum Action {
    /// Sends this answer, after waiting this long.
    Send(Reply, Duration),
    /// Sends the headers and the first half of this answer's body, then closes the connection.
    Cut(Reply),
    /// Closes the connection without answering.
    Reset,
}

/// The one place a fault is applied: the normal answer to `request` (from `routes`), changed or
/// replaced as `fault` says. A request answered by [`Fault::Respond`] or [`Fault::Reset`] is not
/// processed (an upload stores nothing).
pub(crate) fn apply(state: &State, request: &RecordedRequest, page: u64, fault: Option<Fault>) -> Action {
    let normal = || routes::answer(state, request, None);
    let edited = |edit: &dyn Fn(&mut Value)| {
        let (status, mut body) = routes::answer(state, request, None);
        if status == StatusCode::OK {
            edit(&mut body);
        }
        Reply::json(status, &body)
    };
    let Some(fault) = fault else { return Action::Send(Reply::from(normal()), Duration::ZERO) };
    match fault {
        Fault::Respond { status, headers, body } => {
            Action::Send(Reply { status, headers, body }, Duration::ZERO)
        }
        Fault::Delay(delay) => Action::Send(Reply::from(normal()), delay),
        Fault::Reset => Action::Reset,
        Fault::TruncateBody => {
            let mut reply = Reply::from(normal());
            reply.body.truncate(reply.body.len() / 2);
            Action::Send(reply, Duration::ZERO)
        }
        Fault::CutBody => Action::Cut(Reply::from(normal())),
        Fault::Header(name, value) => {
            let mut reply = Reply::from(normal());
            reply.headers.push((name, value));
            Action::Send(reply, Duration::ZERO)
        }
        Fault::DropResultInfo => Action::Send(
            edited(&|body| {
                body.as_object_mut().map(|body| body.remove("result_info"));
            }),
            Duration::ZERO,
        ),
        Fault::Pad(bytes) => {
            Action::Send(edited(&|body| body["padding"] = Value::String("x".repeat(bytes))), Duration::ZERO)
        }
        Fault::RepeatFirstPage => {
            let (status, mut body) = routes::answer(state, request, Some(1));
            if status == StatusCode::OK {
                body["result_info"]["page"] = page.into();
                body["result_info"]["total_pages"] = page.saturating_add(1).into();
            }
            Action::Send(Reply::json(status, &body), Duration::ZERO)
        }
    }
}

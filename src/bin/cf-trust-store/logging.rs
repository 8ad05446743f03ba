//! What the CLI says on stderr besides errors: the library's `tracing` events, as `-v`, `-vv`,
//! `RUST_LOG` and `-q` ask, and (without `-v`, on a terminal) one notice for any wait over 2 s, so
//! nothing looks hung.
//!
//! - `-v`: one line per request (`GET /client/v4/zones/…/acm/custom_trust_store?page=2 → 200 in
//!   52 ms`), per retry and per rate-limit pause;
//! - `-vv`: every debug event of the crate, with its level, target and fields;
//! - `RUST_LOG` (`target=level,…`, as `tracing_subscriber::filter::Targets` reads it): overrides
//!   both;
//! - `-q`: nothing but errors.
//!
//! Every write to stderr ignores a closed stderr.

use std::fmt::Debug;
use std::io::{self, IsTerminal};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use crate::{Failure, progress};

const CRATE: &str = "cloudflare_origin_trust_store";

/// Installs the subscriber `verbose` (`-v` count), `quiet` and `RUST_LOG` ask for.
pub(crate) fn init(verbose: u8, quiet: bool) -> Result<(), Failure> {
    let rust_log = match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => Some(value),
        Ok(_) | Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(Failure::usage("RUST_LOG is set but is not valid UTF-8; fix or unset it".into()));
        }
    };
    let fmt = || {
        tracing_subscriber::fmt::layer().with_writer(io::stderr).with_ansi(false).fmt_fields(escaped_fields())
    };
    let registry = tracing_subscriber::registry();
    let result = match (rust_log, verbose, quiet) {
        (Some(filter), ..) => {
            let targets: Targets = filter.parse().map_err(|e| {
                Failure::usage(format!("RUST_LOG={filter:?} is not a filter (target=level,…): {e}"))
            })?;
            registry.with(fmt().with_filter(targets)).try_init()
        }
        (None, 0, true) => Ok(()),
        (None, 0, false) => {
            if !io::stderr().is_terminal() {
                return Ok(());
            }
            registry
                .with(Lines::notices().with_filter(Targets::new().with_target(CRATE, Level::INFO)))
                .try_init()
        }
        (None, 1, _) => registry
            .with(Lines::requests().with_filter(Targets::new().with_target(CRATE, Level::DEBUG)))
            .try_init(),
        (None, _, _) => registry
            .with(fmt().with_filter(
                Targets::new().with_target(CRATE, Level::DEBUG).with_target("cf_trust_store", Level::DEBUG),
            ))
            .try_init(),
    };
    result.map_err(|e| Failure::usage(format!("cannot set up logging: {e}")))
}

/// How `-vv` and `RUST_LOG` write an event's (and a span's) fields: `name=value`, space
/// separated, the message bare, every value through [`terminal_safe`] (the one escaping path of
/// everything the CLI shows), so that a status or message from a server can neither move the
/// cursor, retitle the terminal nor forge a log line of its own.
///
/// [`terminal_safe`]: cloudflare_origin_trust_store::terminal_safe
fn escaped_fields() -> impl for<'writer> tracing_subscriber::fmt::FormatFields<'writer> + 'static {
    use tracing_subscriber::field::MakeExt;
    type Writer<'a> = tracing_subscriber::fmt::format::Writer<'a>;
    fn field(writer: &mut Writer<'_>, field: &Field, value: &dyn Debug) -> std::fmt::Result {
        let value = format!("{value:?}");
        let value = cloudflare_origin_trust_store::terminal_safe(&value);
        match field.name() {
            "message" => write!(writer, "{value}"),
            name => write!(writer, "{name}={value}"),
        }
    }
    tracing_subscriber::fmt::format::debug_fn(
        field as fn(&mut Writer<'_>, &Field, &dyn Debug) -> std::fmt::Result,
    )
    .delimited(" ")
}

/// Prints the message of the crate's request, retry and rate-limit events, one line each: all of
/// them (`-v`), or only the waits over [`NOTICE_AFTER`] (notices, on a terminal).
struct Lines {
    notices_only: bool,
}

/// The shortest wait that gets a notice without `-v`.
const NOTICE_AFTER: Duration = Duration::from_secs(2);

impl Lines {
    fn requests() -> Self {
        Self { notices_only: false }
    }

    fn notices() -> Self {
        Self { notices_only: true }
    }
}

impl<S: Subscriber> Layer<S> for Lines {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        const TARGETS: [&str; 3] = [
            "cloudflare_origin_trust_store::request",
            "cloudflare_origin_trust_store::retry",
            "cloudflare_origin_trust_store::rate_limit",
        ];
        if !TARGETS.contains(&event.metadata().target()) {
            return;
        }
        let mut fields = Message::default();
        event.record(&mut fields);
        if self.notices_only
            && (fields.wait_ms.is_none_or(|ms| Duration::from_millis(ms) < NOTICE_AFTER)
                || progress::is_showing())
        {
            // Short waits say nothing; a progress bar shows the long ones itself.
            return;
        }
        let line = if self.notices_only { format!("note: {}", fields.message) } else { fields.message };
        progress::eprintln(&cloudflare_origin_trust_store::terminal_safe(&line));
    }
}

/// The `message` and `wait_ms` fields of an event.
#[derive(Default)]
struct Message {
    message: String,
    wait_ms: Option<u64>,
}

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "wait_ms" {
            self.wait_ms = Some(value);
        }
    }
}

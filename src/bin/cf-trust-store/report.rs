//! Errors a pipeline can read: with `-o json` or `-o jsonl`, a failure also prints one JSON object
//! on stderr, after the line for people:
//! `{"error": {"kind", "message", "status", "cloudflare_codes", "ray_id", "attempts"}}`.

use std::ffi::OsString;
use std::io::{self, Write};
use std::sync::Mutex;

use cloudflare_origin_trust_store::Error;
use serde::Serialize;

use crate::args::Output;
use crate::{ExitStatus, Failure};

/// The `error` member of the object: `kind` is the library's [`ErrorKind::name`](cloudflare_origin_trust_store::ErrorKind::name) for an API,
/// network or configuration error, `invalid_input` for a command line refused before anything
/// was sent, `zones_failed` when zones of an audit failed, `failure` for the CLI's other failures
/// (an output not written).
///
/// [`ErrorKind::name`](cloudflare_origin_trust_store::ErrorKind::name): cloudflare_origin_trust_store::ErrorKind::name
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ErrorReport {
    kind: &'static str,
    message: String,
    status: Option<u16>,
    cloudflare_codes: Vec<i64>,
    ray_id: Option<String>,
    /// Requests made; 0 when nothing was sent (a usage error), null when not one request's.
    attempts: Option<u32>,
}

impl ErrorReport {
    fn of(error: &Error, message: String) -> Self {
        Self {
            kind: error.kind().name(),
            message,
            status: error.status(),
            cloudflare_codes: error.cloudflare_codes(),
            ray_id: error.ray_id().map(str::to_owned),
            attempts: Some(error.attempts()),
        }
    }

    /// A failure of the CLI's own, not of one request.
    fn cli(kind: &'static str, message: String) -> Self {
        Self { kind, message, status: None, cloudflare_codes: Vec::new(), ray_id: None, attempts: None }
    }

    fn usage(message: String) -> Self {
        Self {
            kind: "invalid_input",
            message,
            status: None,
            cloudflare_codes: Vec::new(),
            ray_id: None,
            attempts: Some(0),
        }
    }
}

/// The last library error a command turned into a [`Failure`], with the line it gave: commands
/// build their failures as plain `Failure { status, message }` values, so the error behind one
/// rides here rather than in it. It describes the failure the CLI ends with only when that
/// failure's line holds its line (a command may add to the line, as audit does).
static LAST_ERROR: Mutex<Option<(String, ErrorReport)>> = Mutex::new(None);

/// Keeps what `error` says for the JSON report of the failure made of it, whose line is `line`.
pub(crate) fn remember(error: &Error, line: &str) {
    let report = ErrorReport::of(error, line.to_owned());
    *LAST_ERROR.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((line.to_owned(), report));
}

/// Keeps `kind` for the JSON report of a failure of the CLI's own, whose line is `line`.
pub(crate) fn remember_kind(kind: &'static str, line: &str) {
    let report = ErrorReport::cli(kind, line.to_owned());
    *LAST_ERROR.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((line.to_owned(), report));
}

/// What the JSON report says of the failure the CLI ends with.
fn report_of(failure: &Failure, message: &str) -> ErrorReport {
    let last = LAST_ERROR.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
    match last {
        Some((line, mut report)) if message.contains(&line) => {
            report.message = message.to_owned();
            report
        }
        _ if failure.status == ExitStatus::Usage => ErrorReport::usage(message.to_owned()),
        _ => ErrorReport::cli("failure", message.to_owned()),
    }
}

/// Prints the JSON report of `failure` on stderr, for the JSON outputs only.
pub(crate) fn print(output: Output, failure: &Failure) {
    if let (Output::Json | Output::Jsonl, Some(message)) = (output, &failure.message) {
        print_report(&report_of(failure, message));
    }
}

fn print_report(report: &ErrorReport) {
    #[derive(Serialize)]
    struct Wrapper<'a> {
        error: &'a ErrorReport,
    }
    let line = crate::output::json(&Wrapper { error: report }, false);
    // A closed stderr is no reason to panic: the exit status still says what happened.
    let _ = writeln!(io::stderr(), "{line}");
}

/// Exits as clap does for `error` (its message, and status 2 for a usage error), adding the JSON
/// report when the command line asked for a JSON output.
pub(crate) fn exit_clap(error: clap::Error) -> ! {
    if error.use_stderr() && json_asked(std::env::args_os().skip(1)) {
        let _ = error.print();
        let rendered = error.render().to_string();
        let first = rendered.lines().next().unwrap_or_default();
        print_report(&ErrorReport::usage(first.strip_prefix("error: ").unwrap_or(first).to_owned()));
        std::process::exit(error.exit_code());
    }
    error.exit()
}

/// Whether the words ask for `-o json` or `-o jsonl` (`-o V`, `-oV`, `--output V`,
/// `--output=V`), read before clap could make sense of them.
fn json_asked(args: impl IntoIterator<Item = OsString>) -> bool {
    let words: Vec<String> = args
        .into_iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .take_while(|arg| arg != "--")
        .collect();
    let json = |value: &str| matches!(value.trim_start_matches('='), "json" | "jsonl");
    words.iter().enumerate().any(|(i, word)| {
        let next = || words.get(i + 1).is_some_and(|value| json(value));
        match word.strip_prefix("--output") {
            Some("") => next(),
            Some(rest) => rest.starts_with('=') && json(rest),
            None => match word.strip_prefix("-o") {
                Some("") => next(),
                Some(rest) => !word.starts_with("--") && json(rest),
                None => false,
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::json_asked;

    #[test]
    fn json_is_seen_in_every_spelling_of_the_output_option() {
        let asked = |line: &str| json_asked(line.split(' ').map(Into::into));
        for line in
            ["-o json", "-ojsonl", "-o=json", "--output json", "--output=jsonl", "list --pag 2 -o json"]
        {
            assert!(asked(line), "{line}");
        }
        for line in ["-o table", "--output=table", "list json", "-- -o json", "--outputs json"] {
            assert!(!asked(line), "{line}");
        }
    }
}

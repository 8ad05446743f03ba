//! `cf-trust-store`: read and manage a Cloudflare zone's Custom Origin Trust Store.
//!
//! Credentials come from the environment (`CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_EMAIL` and
//! `CLOUDFLARE_API_KEY`); the base URL from `--base-url`, else `CLOUDFLARE_BASE_URL`, else
//! Cloudflare's. Exit codes: 0 success, 1 API or network error, 2 usage or invalid input (nothing
//! was sent), 3 when `list --expiring-within` found certificates.

mod args;
mod commands;
mod input;
mod logging;
mod metrics;
mod output;
mod progress;
mod report;
mod values;

use std::io::{self, Write};
use std::process::ExitCode;

use cloudflare_origin_trust_store::{Error, terminal_safe};

use args::Cli;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::read();
    let output = cli.global.output;
    let result = match logging::init(cli.global.verbose, cli.global.quiet) {
        Ok(()) => commands::run(cli).await,
        Err(failure) => Err(failure),
    };
    let status = result.unwrap_or_else(|failure| {
        if let Some(message) = &failure.message {
            // A closed stderr is no reason to panic: the exit status still says what happened.
            let _ = writeln!(io::stderr(), "error: {}", terminal_safe(message));
        }
        report::print(output, &failure);
        failure.status
    });
    ExitCode::from(status as u8)
}

/// How the CLI exits; scripts rely on these numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Done.
    Success = 0,
    /// An API, network or output error.
    Failure = 1,
    /// Usage or invalid input: nothing was changed (nothing sent, or for a sync plan that deletes
    /// without `--yes` off a terminal, only the stores listed).
    Usage = 2,
    /// `--expiring-within` (or audit) found certificates.
    Expiring = 3,
    /// `sync --dry-run` found changes pending.
    ChangesPending = 4,
    /// `check-origins` found an origin that would not be trusted.
    Untrusted = 5,
}

/// Why a command stopped: the exit status, and the one line for stderr (none when there is nothing
/// to say, such as standard output closed by the reader).
pub(crate) struct Failure {
    pub(crate) status: ExitStatus,
    pub(crate) message: Option<String>,
}

impl Failure {
    pub(crate) fn usage(message: String) -> Self {
        Self { status: ExitStatus::Usage, message: Some(message) }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let usage = error.is_invalid_input() || error.is_config();
        let status = if usage { ExitStatus::Usage } else { ExitStatus::Failure };
        // The error's line names its final cause; the Ray ID is what Cloudflare support asks for.
        let mut message = error.to_string();
        if let Some(ray_id) = error.ray_id() {
            message.push_str(&format!(" [cf-ray {ray_id}]"));
        }
        report::remember(&error, &message);
        Self { status, message: Some(message) }
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        // A closed standard output is not an error here: the Printer reports it, and the command
        // decides (see Printer::closed).
        Self { status: ExitStatus::Failure, message: Some(format!("cannot write the output: {error}")) }
    }
}

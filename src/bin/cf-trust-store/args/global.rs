//! The options every command takes (`Global`), and the ones each command does not use: hidden
//! from its help, completions and manual page, and refused when given.

use std::time::Duration;

use clap::Args;
use cloudflare_origin_trust_store::{RetryPolicy, ZoneRef};

use super::Output;
use crate::values::{parse_duration, variable_name};

/// The global options each command does not use: not offered in its help, its completions or its
/// manual page, and refused when given (exit 2), rather than silently ignored.
const UNUSED_GLOBALS: &[(&str, &[&str])] = &[
    ("fake-server", &["zone_id", "zone", "token_env", "output", "base_url", "timeout", "retries"]),
    (
        "schema",
        &["zone_id", "zone", "token_env", "output", "base_url", "timeout", "retries", "verbose", "quiet"],
    ),
    (
        "completions",
        &["zone_id", "zone", "token_env", "output", "base_url", "timeout", "retries", "verbose", "quiet"],
    ),
    (
        "man",
        &["zone_id", "zone", "token_env", "output", "base_url", "timeout", "retries", "verbose", "quiet"],
    ),
];

/// `command` with every global option propagated to the subcommands and hidden from those that
/// do not use it ([`UNUSED_GLOBALS`]).
pub(super) fn hide_unused(mut command: clap::Command) -> clap::Command {
    for (name, unused) in UNUSED_GLOBALS {
        // A subcommand's own argument of a global's id takes its place (clap propagates a
        // global only where no argument has its id): the same flag, hidden, and not global.
        let shadows: Vec<clap::Arg> = command
            .get_arguments()
            .filter(|arg| unused.contains(&arg.get_id().as_str()))
            .map(|arg| arg.clone().global(false).hide(true))
            .collect();
        command = command.mut_subcommand(name, |sub| sub.args(shadows));
    }
    command
}

/// A global option given to a command that does not use it: a usage error naming both.
pub(super) fn refuse_unused(matches: &clap::ArgMatches) {
    let Some((name, sub)) = matches.subcommand() else { return };
    let Some((_, unused)) = UNUSED_GLOBALS.iter().find(|(command, _)| *command == name) else { return };
    let given = |id: &str| {
        [matches, sub].iter().any(|m| m.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
    };
    if let Some(id) = unused.iter().find(|id| given(id)) {
        let flag = format!("--{}", id.replace('_', "-"));
        crate::report::exit_clap(super::Cli::built().error(
            clap::error::ErrorKind::ArgumentConflict,
            format!("{flag} is not used by `{name}`; leave it out"),
        ));
    }
}

/// Options every command takes, before or after its name.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    /// A zone's id (32 hex characters); repeat it for sync and audit. Without --zone-id or
    /// --zone, CLOUDFLARE_ZONE_ID gives it.
    #[arg(long, global = true, value_name = "ID")]
    pub(crate) zone_id: Vec<String>,
    /// A zone's name (such as example.com), resolved to its id with one List Zones request;
    /// accepted wherever --zone-id is, and repeatable for sync and audit.
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) zone: Vec<String>,
    /// --zone-id and --zone, in the order they were given (filled in by [`Cli::read`](super::Cli::read)).
    #[arg(skip)]
    pub(crate) zones: Vec<ZoneRef>,
    /// Read the API token from this environment variable instead of CLOUDFLARE_API_TOKEN (such
    /// as CF_API_TOKEN, flarectl's name), so that no token is written on a command line.
    #[arg(long, global = true, value_name = "VAR", value_parser = variable_name)]
    pub(crate) token_env: Option<String>,
    /// Output format.
    #[arg(short, long, global = true, value_enum, default_value_t = Output::Table)]
    pub(crate) output: Output,
    /// The API's base URL (overrides CLOUDFLARE_BASE_URL); must be https except on loopback.
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Timeout of each request: 30s, 2m, 500ms, or a number of seconds (fractions allowed).
    #[arg(long, global = true, value_name = "DURATION", allow_negative_numbers = true, value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,
    /// Retries of a failed request (connection errors, timeouts, 408, 429, 5xx); 0 disables them.
    #[arg(long, global = true, value_name = "N", allow_negative_numbers = true, default_value_t = RetryPolicy::DEFAULT_MAX_RETRIES)]
    pub(crate) retries: u32,
    /// Show each request on stderr (-v), and debug events too (-vv); RUST_LOG overrides both.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub(crate) verbose: u8,
    /// Print nothing on stderr but errors.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
}

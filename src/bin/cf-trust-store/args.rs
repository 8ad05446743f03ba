//! The command line, as clap reads it. Names here are a contract: scripts rely on them.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use cloudflare_origin_trust_store::{
    Audit, CertificateStatus, ClientBuilder, CustomTrustStore, Pagination, ZoneRef,
};

mod global;
mod meta;
mod origins;

pub(crate) use global::Global;
pub(crate) use meta::{CompletionsArgs, FakeServerArgs, ManArgs, Permission, SchemaArgs, SchemaOf};
pub(crate) use origins::{CheckOriginsArgs, GuardArgs, OriginTargets};

use crate::values::parse_duration;

const AFTER_HELP: &str = "\
Credentials: CLOUDFLARE_API_TOKEN (or the variable --token-env names), or CLOUDFLARE_EMAIL and
CLOUDFLARE_API_KEY (the token wins when both are set). CLOUDFLARE_BASE_URL overrides the API's address; CLOUDFLARE_ZONE_ID is the zone when
neither --zone-id nor --zone is given.

Exit codes: 0 success; 1 API, network or output error (sync: applying failed; audit: a zone failed);
2 usage or invalid input (nothing was changed: nothing sent, or for a sync plan that deletes
without --yes off a terminal, only the lists read); 3 expiring certificates found (list --expiring-within,
audit); 4 changes pending (sync --dry-run); 5 an origin would not be trusted (check-origins, and
the guards of upload, delete, rotate and sync); 130 interrupted by Ctrl-C (a progress bar is cleared first).";

#[derive(Debug, Parser)]
#[command(
    name = "cf-trust-store",
    version,
    about = "Read and manage the Custom Origin Trust Store of Cloudflare zones",
    after_help = AFTER_HELP
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

impl Cli {
    /// The command, with the global options hidden from the commands that do not use them
    /// (see [`global::hide_unused`]): what is parsed, completed and documented.
    pub(crate) fn built() -> clap::Command {
        global::hide_unused(Self::command())
    }

    /// The command line, read as clap reads it (exiting with its message and status 2 on a usage
    /// error), with the zones in the order they were given.
    pub(crate) fn read() -> Self {
        let matches = Self::built().try_get_matches().unwrap_or_else(|e| crate::report::exit_clap(e));
        global::refuse_unused(&matches);
        let mut cli = Self::from_arg_matches(&matches).unwrap_or_else(|e| crate::report::exit_clap(e));
        let mut zones: Vec<(usize, ZoneRef)> = Vec::new();
        for (id, make) in [("zone_id", ZoneRef::Id as fn(String) -> ZoneRef), ("zone", ZoneRef::Name)] {
            if let (Some(values), Some(indices)) = (matches.get_many::<String>(id), matches.indices_of(id)) {
                zones.extend(indices.zip(values.cloned().map(make)));
            }
        }
        zones.sort_by_key(|(index, _)| *index);
        // A global option repeated both before and after the subcommand keeps only the values
        // after it (clap's rule): refuse rather than lose zones.
        let written = std::env::args_os()
            .skip(1)
            .take_while(|arg| arg != "--")
            .filter(|arg| {
                let arg = arg.to_string_lossy();
                ["--zone-id", "--zone"].iter().any(|flag| {
                    arg.strip_prefix(flag).is_some_and(|rest| rest.is_empty() || rest.starts_with('='))
                })
            })
            .count();
        if written != zones.len() {
            crate::report::exit_clap(Self::built().error(
                clap::error::ErrorKind::ArgumentConflict,
                "--zone-id and --zone were given both before and after the subcommand; give them all on one side of it",
            ));
        }
        cli.global.zones = zones.into_iter().map(|(_, zone)| zone).collect();
        cli
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List the certificates of a zone's trust store (one page, or every page with --all).
    List(ListArgs),
    /// Show one certificate, with what its PEM says (subject, issuer, fingerprint, validity).
    Get(ItemArgs),
    /// Upload a root CA certificate (PEM), after checking it locally.
    Upload(UploadArgs),
    /// Delete one certificate (asks first on a terminal; needs --yes otherwise).
    Delete(DeleteArgs),
    /// Make zones' trust stores match a directory of root CAs (*.pem, *.crt).
    Sync(SyncArgs),
    /// Replace a root: upload the new one, wait until it is active, then delete the old one.
    Rotate(RotateArgs),
    /// Report the certificates expiring soon in many zones' trust stores (exit 3 when any are).
    ///
    /// The table shows one row per expiring certificate (and one per zone that could not be
    /// audited), soonest first within each zone, then a summary; --by-zone shows one row per zone
    /// instead. JSON output is one report per zone either way.
    ///
    /// Exit status: 1 when any zone could not be audited, even when certificates are expiring
    /// too (1 wins over 3); else 3 when any certificate is expiring; else 0.
    Audit(AuditArgs),
    /// Check that the zone's origins are trusted by its store now, and after a change (exit 5 when
    /// any is not).
    CheckOrigins(CheckOriginsArgs),
    /// Run the crate's fake Cloudflare API on 127.0.0.1, to try the CLI without an account.
    FakeServer(FakeServerArgs),
    /// Print the JSON Schema of what `--output json|jsonl` prints.
    Schema(SchemaArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write every command's page into a directory.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// List only this page (1 or more), and say on stderr how many certificates come after it;
    /// without it, every page is listed.
    #[arg(long, value_name = "N", allow_negative_numbers = true, conflicts_with = "all")]
    pub(crate) page: Option<u64>,
    /// Certificates per page (5 to 50); 50 when walking every page, else Cloudflare's default
    /// of 20.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub(crate) per_page: Option<u64>,
    /// Walk every page (what `list` does without --page; kept for scripts).
    #[arg(long)]
    pub(crate) all: bool,
    #[command(flatten)]
    pub(crate) walk: WalkArgs,
    #[command(flatten)]
    pub(crate) expiry: ExpiryArgs,
    #[command(flatten)]
    pub(crate) metrics: MetricsArgs,
}

/// How a walk over pages goes.
#[derive(Debug, Args)]
pub(crate) struct WalkArgs {
    /// Pages fetched at once when walking every page (1 to 32; 1 fetches one at a time).
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = Pagination::DEFAULT_CONCURRENCY)]
    pub(crate) concurrency: usize,
    /// The most pages a walk fetches before it stops with an error (a server that never ends).
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = Pagination::DEFAULT_MAX_PAGES)]
    pub(crate) max_pages: u64,
}

/// The expiry gate and the status filter.
#[derive(Debug, Args)]
pub(crate) struct ExpiryArgs {
    /// Only certificates whose expires_on is within DAYS from now (0 to 36500; expired ones
    /// included); walks every page unless --page is given, and exits 3 when any are found.
    /// Counts only the statuses of --status: by default every status but deleted and
    /// pending_deletion.
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(0..=36500))]
    pub(crate) expiring_within: Option<u32>,
    /// Only certificates with this status (repeatable).
    #[arg(long, value_name = "STATUS", value_parser = statuses())]
    pub(crate) status: Vec<String>,
}

/// A certificate id, given as an argument or with --id.
#[derive(Debug, Args)]
pub(crate) struct ItemArgs {
    /// The certificate's id.
    #[arg(value_name = "ID", required_unless_present = "id", conflicts_with = "id", value_parser = certificate_id)]
    pub(crate) id_arg: Option<String>,
    /// The certificate's id (the same as the argument).
    #[arg(long, value_name = "ID", value_parser = certificate_id)]
    pub(crate) id: Option<String>,
}

impl ItemArgs {
    pub(crate) fn id(&self) -> &str {
        self.id.as_deref().or(self.id_arg.as_deref()).expect("clap requires one of them")
    }
}

#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    #[command(flatten)]
    pub(crate) item: ItemArgs,
    /// Delete without asking (required when standard input is not a terminal).
    #[arg(short, long)]
    pub(crate) yes: bool,
    #[command(flatten)]
    pub(crate) guard: GuardArgs,
}

/// Waiting until an upload is active.
#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    /// How long to wait for `active`: 5m, 90s, 1h, or a number of seconds.
    #[arg(long, value_name = "DURATION", allow_negative_numbers = true, default_value = "5m", value_parser = parse_duration)]
    pub(crate) wait_timeout: Duration,
}

#[derive(Debug, Args)]
pub(crate) struct UploadArgs {
    /// The PEM file holding one root CA certificate; `-` reads standard input.
    #[arg(long, value_name = "PATH")]
    pub(crate) certificate_file: String,
    /// Send the certificate without the local root-CA checks (Cloudflare still checks it); the
    /// file must still hold exactly one certificate and nothing else.
    #[arg(long)]
    pub(crate) skip_local_checks: bool,
    /// Return only once the certificate is active (exit 1 if it ends otherwise or times out).
    #[arg(long)]
    pub(crate) wait: bool,
    #[command(flatten)]
    pub(crate) wait_args: WaitArgs,
    #[command(flatten)]
    pub(crate) guard: GuardArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// The directory of root CAs: every *.pem and *.crt file in it, one certificate each.
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: PathBuf,
    /// Delete the certificates that are not in the directory (without it, nothing is deleted).
    #[arg(long)]
    pub(crate) prune: bool,
    /// Allow --prune with an empty directory (which deletes every root of the zone).
    #[arg(long)]
    pub(crate) allow_empty: bool,
    /// Print the plan and change nothing; exit 4 when changes are pending.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Wait until each uploaded certificate is active, even when the plan deletes nothing (a plan
    /// that uploads and deletes waits anyway, unless --no-wait).
    #[arg(long, conflicts_with = "no_wait")]
    pub(crate) wait: bool,
    /// Delete without waiting for the uploads of the same plan to be active (origins chaining
    /// to a pending root are not trusted yet).
    #[arg(long)]
    pub(crate) no_wait: bool,
    #[command(flatten)]
    pub(crate) wait_args: WaitArgs,
    /// Apply a plan that deletes roots without asking (required when standard input is not a
    /// terminal).
    #[arg(short, long)]
    pub(crate) yes: bool,
    /// Zones synced at once (1 to 32).
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=32))]
    pub(crate) concurrency: u8,
    #[command(flatten)]
    pub(crate) guard: GuardArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RotateArgs {
    /// The id of the root to replace.
    #[arg(long, value_name = "ID", value_parser = certificate_id)]
    pub(crate) old: String,
    /// The PEM file of the new root; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    pub(crate) new: String,
    #[command(flatten)]
    pub(crate) wait_args: WaitArgs,
    #[command(flatten)]
    pub(crate) guard: GuardArgs,
}

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// A file of zone ids or names, one a line (blank lines and `#` comments are skipped); `-`
    /// reads standard input.
    #[arg(long, value_name = "FILE")]
    pub(crate) zones_file: Option<String>,
    /// Every zone the credentials can see (instead of --zone-id, --zone and --zones-file).
    #[arg(long)]
    pub(crate) all_zones: bool,
    /// With --all-zones, only this account's zones.
    #[arg(long, value_name = "ID", requires = "all_zones")]
    pub(crate) account_id: Option<String>,
    /// Report certificates whose expires_on is within DAYS from now, expired ones included (0 to
    /// 36500).
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true, default_value_t = Audit::DEFAULT_EXPIRING_WITHIN.num_days() as u32, value_parser = clap::value_parser!(u32).range(0..=36500))]
    pub(crate) expiring_within: u32,
    /// Only certificates with this status can be reported as expiring (repeatable); by default,
    /// every status but deleted and pending_deletion.
    #[arg(long, value_name = "STATUS", value_parser = statuses())]
    pub(crate) status: Vec<String>,
    /// Zones listed at once (1 to 32).
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = Audit::DEFAULT_CONCURRENCY as u8, value_parser = clap::value_parser!(u8).range(1..=Audit::MAX_CONCURRENCY as i64))]
    pub(crate) concurrency: u8,
    /// The most requests sent in any 5 minutes (Cloudflare allows 1,200 per user); the audit
    /// paces itself to it, and to the server's Ratelimit headers. A 429 is waited out (its
    /// Retry-After, up to 5 minutes), up to 20 times for one request unless --retries is 0.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = ClientBuilder::DEFAULT_BUDGET.0, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) budget: u32,
    /// In table output, one row per zone (its certificates, how many expire, the first expiry,
    /// its error) instead of one per expiring certificate.
    #[arg(long)]
    pub(crate) by_zone: bool,
    #[command(flatten)]
    pub(crate) metrics: MetricsArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    /// A readable table.
    Table,
    /// JSON with the API's field names: an array for lists, an object otherwise.
    Json,
    /// One JSON object per line, written as they come.
    Jsonl,
    /// Prometheus' text exposition format, for list and audit: x509_cert_not_after,
    /// x509_cert_not_before and x509_cert_expired per certificate (x509-certificate-exporter's
    /// names and labels), cf_trust_store_zone_up per zone, the run's time; list walks every page.
    Prometheus,
}

/// Where `-o prometheus` writes.
#[derive(Debug, Args)]
pub(crate) struct MetricsArgs {
    /// With -o prometheus, write the metrics to PATH instead of standard output, atomically (a
    /// temporary file beside it, renamed over it), as node_exporter's textfile collector reads.
    #[arg(long, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub(crate) output_file: Option<PathBuf>,
}

/// The statuses `--status` takes: the ones Cloudflare documents (a typo must not empty a gate).
fn statuses() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(CertificateStatus::KNOWN.iter().copied())
}

/// A certificate id, checked as the library checks it, so that clap refuses a bad one naming the
/// option before anything else happens (a zone name is resolved, a file read).
fn certificate_id(value: &str) -> Result<String, String> {
    match CustomTrustStore::check_id(value) {
        Ok(()) => Ok(value.to_owned()),
        Err(error) => match error.into_kind() {
            cloudflare_origin_trust_store::ErrorKind::InvalidInput { reason, .. } => Err(reason),
            other => Err(other.to_string()),
        },
    }
}

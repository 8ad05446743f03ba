//! The command line, as clap reads it.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "cf-trust-store",
    version,
    about = "Read and manage a Cloudflare zone's Custom Origin Trust Store",
    after_help = "Credentials: CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY (the token wins \
                  when both are set).\nExit codes: 0 success, 1 API or network error, 2 usage or invalid input \
                  (nothing sent), 3 expiring certificates found."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List the certificates of a zone's trust store (one page, or every page with --all).
    List(ListArgs),
    /// Show one certificate.
    Get(ItemArgs),
    /// Upload a root CA certificate (PEM), after checking it locally.
    Upload(UploadArgs),
    /// Delete one certificate; prints the deleted id.
    Delete(ItemArgs),
}

#[derive(Debug, Args)]
pub(crate) struct Common {
    /// The zone's id (32 characters).
    #[arg(long, env = "CLOUDFLARE_ZONE_ID", value_name = "ZONE")]
    pub(crate) zone_id: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub(crate) output: Output,
    /// The API's base URL (overrides CLOUDFLARE_BASE_URL); must be https except on loopback.
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Timeout of each request, in seconds (fractions allowed).
    #[arg(long, value_name = "SECS", value_parser = parse_timeout)]
    pub(crate) timeout: Option<Duration>,
    /// Retries of a failed request (connection errors, timeouts, 408, 429, 5xx); 0 disables them.
    #[arg(long, value_name = "N", default_value_t = cloudflare_origin_trust_store::RetryPolicy::DEFAULT_MAX_RETRIES)]
    pub(crate) retries: u32,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The page to list (1 or more); Cloudflare's default is 1.
    #[arg(long, value_name = "N", conflicts_with = "all")]
    pub(crate) page: Option<u64>,
    /// Certificates per page (5 to 50); 50 with --all, else Cloudflare's default of 20.
    #[arg(long, value_name = "N")]
    pub(crate) per_page: Option<u64>,
    /// Walk every page.
    #[arg(long)]
    pub(crate) all: bool,
    /// Pages fetched at once when walking every page (1 to 32; 1 fetches one at a time).
    #[arg(long, value_name = "N", default_value_t = cloudflare_origin_trust_store::Pagination::DEFAULT_CONCURRENCY)]
    pub(crate) concurrency: usize,
    /// The most pages a walk fetches before it stops with an error (a server that never ends).
    #[arg(long, value_name = "N", default_value_t = cloudflare_origin_trust_store::Pagination::DEFAULT_MAX_PAGES)]
    pub(crate) max_pages: u64,
    /// Only certificates whose expires_on is within DAYS from now (0 to 36500; expired ones
    /// included); walks every page unless --page is given, and exits 3 when any are found. Counts
    /// only the statuses of --status: by default every status but deleted and pending_deletion.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(0..=36500))]
    pub(crate) expiring_within: Option<u32>,
    /// Only certificates with this status (repeatable): initializing, pending_deployment,
    /// active, pending_deletion, deleted, expired, or any other Cloudflare sends.
    #[arg(long, value_name = "STATUS")]
    pub(crate) status: Vec<String>,
    #[command(flatten)]
    pub(crate) common: Common,
}

#[derive(Debug, Args)]
pub(crate) struct ItemArgs {
    /// The certificate's id.
    #[arg(long, value_name = "ID")]
    pub(crate) id: String,
    #[command(flatten)]
    pub(crate) common: Common,
}

#[derive(Debug, Args)]
pub(crate) struct UploadArgs {
    /// The PEM file holding one root CA certificate; `-` reads standard input.
    #[arg(long, value_name = "PATH")]
    pub(crate) certificate_file: String,
    /// Send the file as it is, without the local root-CA checks (Cloudflare still checks it).
    #[arg(long)]
    pub(crate) skip_local_checks: bool,
    #[command(flatten)]
    pub(crate) common: Common,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    /// A readable table.
    Table,
    /// JSON with the API's field names: an array for list, an object otherwise.
    Json,
    /// One JSON object per line, written as pages arrive.
    Jsonl,
}

pub(crate) fn parse_timeout(raw: &str) -> Result<Duration, String> {
    let secs: f64 = raw.parse().map_err(|_| format!("{raw:?} is not a number of seconds"))?;
    if secs.is_nan() || secs <= 0.0 {
        return Err(format!("must be greater than 0, got {raw}"));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{raw} seconds is too long"))
}

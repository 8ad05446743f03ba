//! The options of `check-origins`, and the origin options other commands can flatten in.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use cloudflare_origin_trust_store::origin::{CheckOptions, DEFAULT_PORT, Origin};

use super::certificate_id;
use crate::values::parse_duration;

/// Which origins to check, and how: shared by `check-origins` and every command that checks
/// origins before it changes a store (`upload`, `delete`, `rotate`, `sync`).
#[derive(Debug, Args)]
pub(crate) struct OriginTargets {
    // The help is an attribute, not a doc comment: rustdoc would read `[:PORT]` as a link.
    #[arg(
        long,
        value_name = "HOST[:PORT][@ADDR[:PORT]]",
        value_parser = origin,
        help = "An origin: HOST[:PORT] (resolved normally) or HOST[:PORT]@ADDR[:PORT] (connect to ADDR, HOST as SNI; an IPv6 ADDR in brackets); port 443 by default. A proxied HOST resolves to Cloudflare's edge, not the origin: give ADDR. Repeatable"
    )]
    pub(crate) origin: Vec<Origin>,
    /// A file of origins, one a line (blank lines and `#` comments skipped); `-` reads standard
    /// input.
    #[arg(long, value_name = "FILE")]
    pub(crate) origins_file: Option<String>,
    /// Judge the PEM chain in FILE (leaf first) for HOST instead of connecting to it (HOST is
    /// checked even without --origin). Repeatable.
    #[arg(long, value_name = "HOST=FILE", value_parser = host_file)]
    pub(crate) chain: Vec<(String, String)>,
    /// Also check the origins of the zone's proxied DNS records: each A, AAAA and CNAME record
    /// is probed as NAME@CONTENT (on --dns-origin-port); wildcard names are listed as not
    /// probeable. The token then needs "DNS Read" on the zone.
    #[arg(long)]
    pub(crate) origins_from_dns: bool,
    /// The port the origins found in DNS are probed on (Cloudflare connects on 443 unless an
    /// Origin Rule says otherwise; 1 to 65535).
    #[arg(long, value_name = "PORT", allow_negative_numbers = true, default_value_t = DEFAULT_PORT, value_parser = clap::value_parser!(u16).range(1..), requires = "origins_from_dns")]
    pub(crate) dns_origin_port: u16,
    /// A PEM bundle of roots that replaces the default trust (publicly trusted CAs and
    /// Cloudflare's Origin CA) used while the store holds no usable root.
    #[arg(long, value_name = "FILE")]
    pub(crate) default_trust: Option<String>,
    /// The most each origin may take to connect, and again to complete its TLS handshake (`10s`,
    /// `1m`, or a number of seconds).
    #[arg(long, value_name = "DURATION", allow_negative_numbers = true, default_value = "10s", value_parser = parse_duration)]
    pub(crate) probe_timeout: Duration,
}

impl OriginTargets {
    /// Whether any origin is given (`--origin`, `--origins-file`, `--chain`, `--origins-from-dns`).
    pub(crate) fn any(&self) -> bool {
        !self.origin.is_empty()
            || self.origins_file.is_some()
            || !self.chain.is_empty()
            || self.origins_from_dns
    }
}

/// The origin options of `check-origins`.
#[derive(Debug, Args)]
pub(crate) struct OriginArgs {
    #[command(flatten)]
    pub(crate) targets: OriginTargets,
    /// Origins checked at once (1 to 256).
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = CheckOptions::DEFAULT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=CheckOptions::MAX_CONCURRENCY as i64))]
    pub(crate) concurrency: u16,
}

/// The guard of a command that changes a store: with origins given, it checks them against the
/// store after the change before anything is written, and refuses (exit 5) a change that would
/// make an origin trusted now untrusted, unless `--force`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Origin checks (before anything is written)")]
pub(crate) struct GuardArgs {
    #[command(flatten)]
    pub(crate) targets: OriginTargets,
    /// Origins checked at once by the guard (1 to 256).
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = CheckOptions::DEFAULT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=CheckOptions::MAX_CONCURRENCY as i64))]
    pub(crate) origin_concurrency: u16,
    /// Make the change even when an origin trusted now would not be (or cannot be checked), and
    /// without asking about the switch between the store's roots and the default trust.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CheckOriginsArgs {
    #[command(flatten)]
    pub(crate) origins: OriginArgs,
    /// Also check after uploading the root CA in FILE (PEM; `-` reads standard input).
    /// Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) after_upload: Vec<String>,
    /// Also check after deleting the certificate ID. Repeatable.
    #[arg(long, value_name = "ID", value_parser = certificate_id)]
    pub(crate) after_delete: Vec<String>,
    /// Also check after `sync --dir DIR` (its *.pem and *.crt files).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["after_upload", "after_delete"])]
    pub(crate) after_dir: Option<PathBuf>,
    /// With --after-dir: the sync prunes (deletes the roots not in DIR).
    #[arg(long, requires = "after_dir")]
    pub(crate) prune: bool,
}

/// An origin, checked as the library checks it, so that clap names the option.
fn origin(value: &str) -> Result<Origin, String> {
    value.parse().map_err(|error: cloudflare_origin_trust_store::Error| error.to_string())
}

/// `HOST=FILE`, HOST checked as an origin's host.
fn host_file(value: &str) -> Result<(String, String), String> {
    let (host, file) =
        value.split_once('=').ok_or("expected HOST=FILE, such as www.example.com=chain.pem")?;
    if file.is_empty() {
        return Err("no FILE after `=`; expected HOST=FILE".into());
    }
    let origin = Origin::new(host).map_err(|error| error.to_string())?;
    Ok((origin.host().to_owned(), file.to_owned()))
}

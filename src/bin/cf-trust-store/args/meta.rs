//! The options of the commands about the tool itself: `fake-server`, `schema`, `completions`,
//! `man`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

#[derive(Debug, Args)]
pub(crate) struct FakeServerArgs {
    /// Sample certificates in the zone's trust store.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = 25, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub(crate) certificates: u32,
    /// Sample zones besides the first (zone-1.example.net, …), each with 1 to 3 certificates, a
    /// few expiring within 30 days: something for `audit --all-zones` to find.
    #[arg(long, value_name = "N", allow_negative_numbers = true, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub(crate) zones: u32,
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, value_name = "P", allow_negative_numbers = true, default_value_t = 0)]
    pub(crate) port: u16,
    /// A DNS record of the zone, for `check-origins --origins-from-dns`: TYPE,NAME,CONTENT, and
    /// `,proxied` for a proxied one (`A,www.example.com,127.0.0.1,proxied`). Repeatable.
    #[arg(long, value_name = "TYPE,NAME,CONTENT[,proxied]", value_parser = dns_record)]
    pub(crate) dns_record: Vec<FakeDnsRecord>,
    /// Play a zone whose plan lacks the Custom Origin Trust Store: its trust store answers 404
    /// (code 7003), as Cloudflare's does.
    #[arg(long)]
    pub(crate) without_trust_store: bool,
    /// Play a token that lacks PERMISSION: every request that needs it answers 403 (code 9109),
    /// so the CLI's error for it can be seen. Repeatable.
    #[arg(long, value_enum, value_name = "PERMISSION")]
    pub(crate) deny: Vec<Permission>,
}

/// A DNS record `fake-server` serves.
#[derive(Clone, Debug)]
pub(crate) struct FakeDnsRecord {
    pub(crate) record_type: String,
    pub(crate) name: String,
    pub(crate) content: String,
    pub(crate) proxied: bool,
}

fn dns_record(value: &str) -> Result<FakeDnsRecord, String> {
    let parts: Vec<&str> = value.split(',').map(str::trim).collect();
    let (record_type, name, content, proxied) = match parts.as_slice() {
        [record_type, name, content] => (record_type, name, content, false),
        [record_type, name, content, "proxied"] => (record_type, name, content, true),
        _ => return Err("expected TYPE,NAME,CONTENT or TYPE,NAME,CONTENT,proxied".into()),
    };
    if [record_type, name, content].iter().any(|part| part.is_empty()) {
        return Err("TYPE, NAME and CONTENT must not be empty".into());
    }
    let record_type = record_type.to_ascii_uppercase();
    Ok(FakeDnsRecord { record_type, name: name.to_string(), content: content.to_string(), proxied })
}

/// A permission a token can lack, as Cloudflare's dashboard names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Permission {
    /// SSL and Certificates Read: every trust store request.
    SslRead,
    /// SSL and Certificates Edit: uploads and deletes.
    SslEdit,
    /// Zone Read: List Zones (zone names, `--all-zones`).
    ZoneRead,
    /// DNS Read: List DNS Records (`--origins-from-dns`).
    DnsRead,
}

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// Which command's output.
    #[arg(value_enum, default_value_t = SchemaOf::List)]
    pub(crate) of: SchemaOf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SchemaOf {
    /// A certificate, as list prints each (an array of them with `-o json`), and upload prints one.
    List,
    /// A certificate with its `details`, as get prints it.
    Get,
    /// A step of a plan, as sync prints each (an array of them with `-o json`).
    Sync,
    /// A zone's report, as audit prints each (an array of them with `-o json`).
    Audit,
    /// An origin's verdicts, as check-origins prints each (an array of them with `-o json`).
    CheckOrigins,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write one page per command into DIR (cf-trust-store.1, cf-trust-store-list.1, …) instead
    /// of printing the main page.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub(crate) dir: Option<PathBuf>,
}

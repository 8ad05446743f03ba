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

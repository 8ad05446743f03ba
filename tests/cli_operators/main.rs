//! What operators expect of the `cf-trust-store` binary: shell completions a shell can use,
//! manual pages `man` can read, metrics Prometheus can scrape, durations as people write them,
//! errors a pipeline can read and credentials named the way other Cloudflare tools name them.

#[path = "../cli_support/mod.rs"]
mod cli_support;
#[path = "../common/mod.rs"]
mod common;

mod audit_table;
mod completions;
mod credentials;
mod durations;
mod errors;
mod man;
mod metrics;
mod tools;

//! The `cf-trust-store` binary end to end against the fake: items, failures, conventions, sync and rotate, audits, zone names, write paths under attack, origin checks and guards. One binary, one module per concern.

#[path = "../cli_support/mod.rs"]
mod cli_support;
#[path = "../common/mod.rs"]
mod common;
#[path = "../support/origin_pki.rs"]
mod support_origin_pki;
#[path = "../support/schema_check.rs"]
mod support_schema_check;
#[path = "../support/zones.rs"]
mod support_zones;

mod cli;
mod cli_attacks;
mod cli_audit;
mod cli_conventions;
mod cli_failures;
mod cli_items;
mod cli_origins;
mod cli_origins_dns;
mod cli_sync;
mod cli_zones;

//! The library against the fake API, wiremock servers and real TLS origins: listing, operations, pagination, zones, audits, trust store as code, retries and faults, certificate checks, origin checks, the fake itself, and property tests. One binary, one module per concern.

#[path = "../common/mod.rs"]
mod common;
#[path = "../support/faulty.rs"]
mod support_faulty;
#[path = "../support/origin_pki.rs"]
mod support_origin_pki;
#[path = "../support/raw_http.rs"]
mod support_raw_http;
#[path = "../support/schema_check.rs"]
mod support_schema_check;
#[path = "../support/zones.rs"]
mod support_zones;

mod attacks;
mod audit;
mod certificate_checks;
mod client;
mod concurrency;
mod dns_records;
mod errors;
mod fake;
mod fake_conformance;
mod fake_zones;
mod faults;
mod faults_retry;
mod list;
mod operations;
#[cfg(feature = "origins")]
mod origin_inputs;
#[cfg(feature = "origins")]
mod origins;
mod pagination;
mod properties;
mod root_files;
mod sync;
mod tls;
mod zones;

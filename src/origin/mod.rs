//! Know before you change: will a zone's origins still be trusted?
//!
//! With the `origins` feature. Cloudflare, under Full (strict), accepts an origin's certificate
//! when it is valid, names the host, and chains to a root it trusts: the roots of the zone's
//! Custom Origin Trust Store, or, while the store holds none, its default trust (publicly trusted
//! CAs and Cloudflare's Origin CA). Uploading the first root therefore takes the default trust
//! away, and deleting a root takes away every origin it anchored. A check compares, for each
//! origin, the store as it is with the store after a change:
//!
//! - an [`Origin`] is a host name and where to reach it (`HOST[:PORT]`, `HOST@ADDR[:PORT]`);
//! - its [`OriginChain`] comes from a TLS handshake that records and trusts nothing
//!   ([`OriginChain::fetch`]), or from PEM ([`OriginChain::from_pem`]);
//! - a [`TrustSet`] is the store's usable roots or the default trust;
//! - [`verify`] judges a chain with a trust set at a time: a [`Verdict`];
//! - [`Client::check_origins`](crate::Client::check_origins) does it all for a [`Change`].
//!
//! A host proxied through Cloudflare resolves to Cloudflare's edge, not to the origin: give the
//! origin's address (`HOST@ADDR`). A check warns when an address is in Cloudflare's published
//! edge ranges ([`is_cloudflare_edge`]).
//!
//! ```
//! use chrono::Utc;
//! use cloudflare_origin_trust_store::origin::{Outcome, OriginChain, TrustSet, verify};
//!
//! let key = rcgen::KeyPair::generate()?;
//! let leaf = rcgen::CertificateParams::new(vec!["www.example.com".to_owned()])?.self_signed(&key)?;
//! let chain = OriginChain::from_pem("www.example.com", &leaf.pem())?;
//! // A self-signed leaf chains to nothing Cloudflare trusts by default.
//! let verdict = verify(&chain, &TrustSet::cloudflare_default(), Utc::now());
//! assert_eq!(verdict.outcome, Outcome::Untrusted);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod address;
mod chain;
mod change;
mod check;
mod dns;
mod edge;
mod pq;
mod probe;
mod trust;
mod verify;

pub use address::{Address, DEFAULT_PORT, Origin};
pub use chain::{ChainSource, Leaf, MAX_CHAIN_BYTES, MAX_CHAIN_CERTIFICATES, OriginChain};
pub use change::Change;
pub use check::{CheckOptions, OriginCheck, OriginReport, OriginWarning, check_against};
pub use dns::{DnsOrigins, NotProbeable, origins_from_dns_records};
pub use edge::{CLOUDFLARE_IPV4_RANGES, CLOUDFLARE_IPV6_RANGES, is_cloudflare_edge};
pub use pq::{PostQuantumMix, is_ml_dsa, post_quantum_mix};
pub use probe::{ProbeError, ProbeLimits};
pub use trust::{AnchorSource, MAX_BUNDLE_BYTES, PlannedRoot, TrustRoot, TrustSet, UnusableRoot};
pub use verify::{Anchor, Outcome, Reason, Verdict, verify};

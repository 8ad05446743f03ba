//! Read and manage the **Custom Origin Trust Store** of Cloudflare zones: the root CAs Cloudflare
//! trusts when it connects to your origin.
//!
//! - [`Client`] (built with [`Client::builder`](crate::Client::builder) or [`Client::from_env`](crate::Client::from_env)) lists a zone's
//!   certificates as lazy streams ([`Client::list_all`](crate::Client::list_all), [`Client::pages`](crate::Client::pages), with the
//!   [termination guarantees](ApiStream#termination-guarantees) of every walk), uploads root CAs
//!   after checking them locally ([`Client::upload`](crate::Client::upload), [`check_root_ca`]), gets and deletes them,
//!   waits until they are active, rotates them ([`Client::rotate`](crate::Client::rotate)).
//! - A trust store as code: [`DesiredRoot`], [`Client::plan`](crate::Client::plan), [`Client::apply`](crate::Client::apply).
//! - Many zones: [`Client::zones`](crate::Client::zones), [`Client::zone_id`](crate::Client::zone_id), and [`Client::audit`](crate::Client::audit), paced to one
//!   request budget per client ([`ClientBuilder::rate_budget`]).
//! - One [`Error`], whose [`ErrorKind`] is what went wrong, whatever the retries
//!   ([`RetryPolicy`]).
//! - With the `origins` feature, [`origin`]: will the zone's origins still be trusted after a
//!   change to its store? ([`Client::check_origins`](crate::Client::check_origins))
//! - With the `test-util` feature, [`fake::FakeCloudflare`]: an in-process fake of the API on
//!   127.0.0.1, for tests that need no account.
//!
//! ```
//! use cloudflare_origin_trust_store::fake::FakeCloudflare;
//! use futures_util::TryStreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fake = FakeCloudflare::builder().sample_certificates(120).start().await?;
//! let client = fake.client()?; // in real use: Client::from_env()?
//! let mut certificates = client.list_all(fake.zone_id())?;
//! while let Some(certificate) = certificates.try_next().await? {
//!     println!("{} {} expires {}", certificate.id, certificate.status, certificate.expires_on);
//! }
//! assert_eq!(fake.request_count(), 3); // 50 + 50 + 20
//! # Ok(())
//! # }
//! ```
//!
//! The README (on the repository) covers installation, the CLI, and how the crate behaves when
//! servers and operators do not.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
mod audit;
mod auth;
mod certificate;
mod error;
mod generated;
mod id;
mod input;
mod lifecycle;
mod lock;
mod model;
#[cfg(feature = "origins")]
#[cfg_attr(docsrs, doc(cfg(feature = "origins")))]
pub mod origin;
mod pagination;
mod request;
mod status;
mod sync;
mod text;
mod zones;

#[cfg(feature = "test-util")]
pub mod fake;

pub use api::client::{Client, ClientBuilder};
pub use api::trust_store::ListParams;
pub use audit::{Audit, AuditStream, ZoneRef, ZoneReport};
pub use auth::Credentials;
pub use certificate::{
    CertificateDetails, CertificateProblem, MAX_CERTIFICATE_BYTES, SelfSignature, check_root_ca,
    check_root_ca_now, pem_text,
};
pub use error::{Error, ErrorKind, Result};
pub use input::read_regular_file;
pub use lifecycle::{Polling, Rotation, held_root};
// Every public model (the generated ones are the spec's schemas marked `x-crate-public`), so a
// model added to the spec needs no line here; tests/snapshots/public-models.txt pins the list.
pub use model::*;
pub use pagination::{ApiStream, CertificateStream, PageStream, Pagination};
pub use request::retry::{Jitter, RetryPolicy};
pub use sync::{
    Action, BeforeDeletes, DesiredRoot, Outcome, Plan, RootDir, RootFileError, SkippedFile, Step, Undesired,
};
pub use text::terminal_safe;
pub use zones::ZoneFilter;

/// The `chrono` this crate's API takes and returns (certificates' dates, [`Audit::expiring_within`]),
/// so callers need not depend on a matching version themselves.
pub use chrono;

/// What most callers import: the client and its builder, the errors, the models, and
/// `TryStreamExt` to walk the lazy streams (`try_next`, `try_collect`).
///
/// ```
/// use cloudflare_origin_trust_store::prelude::*;
/// # async fn run(client: Client) -> Result<()> {
/// let mut all = client.list_all("023e105f4ecef8ad9ca31a8372d0c353")?;
/// while let Some(certificate) = all.try_next().await? {
///     println!("{} {}", certificate.id, certificate.status);
/// }
/// # Ok(())
/// # }
/// ```
pub mod prelude {
    pub use crate::{
        Action, Audit, BeforeDeletes, CertificateStatus, Client, ClientBuilder, Credentials,
        CustomTrustStore, DesiredRoot, Error, ErrorKind, ListParams, Outcome, Pagination, Plan, Polling,
        Result, Undesired, ZoneFilter, ZoneRef,
    };
    pub use futures_util::TryStreamExt;
}

/// The README's code blocks, compiled and run as doctests so that what it shows keeps working.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The code blocks of the README's reference pages in `docs/`, run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../docs/errors.md")]
pub struct ErrorsDoctests;

/// See [`ErrorsDoctests`].
#[cfg(doctest)]
#[doc = include_str!("../docs/reliability.md")]
pub struct ReliabilityDoctests;

/// See [`ErrorsDoctests`].
#[cfg(doctest)]
#[doc = include_str!("../docs/performance.md")]
pub struct PerformanceDoctests;

/// See [`ErrorsDoctests`].
#[cfg(doctest)]
#[doc = include_str!("../docs/development.md")]
pub struct DevelopmentDoctests;

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod audit;
mod auth;
mod call;
mod certificate;
mod client;
mod error;
mod generated;
mod lifecycle;
mod lock;
mod model;
mod operations;
mod pagination;
mod rate_limit;
mod retry;
mod status;
mod sync;
mod text;
mod transport;
mod zones;

#[cfg(feature = "test-util")]
pub mod fake;

pub use audit::{Audit, AuditStream, ZoneRef, ZoneReport};
pub use auth::Credentials;
pub use certificate::{
    CertificateDetails, CertificateProblem, MAX_CERTIFICATE_BYTES, SelfSignature, check_root_ca, pem_text,
};
pub use client::{Client, ClientBuilder};
pub use error::{Error, ErrorKind, Result};
pub use lifecycle::{Polling, Rotation};
pub use model::{
    CertificateStatus, CustomTrustStore, Page, ResponseMessage, ResponseMessageSource, ResultInfo, Zone,
    ZoneAccount, ZoneStatus,
};
pub use operations::ListParams;
pub use pagination::{ApiStream, CertificateStream, PageStream, Pagination};
pub use retry::{Jitter, RetryPolicy};
pub use sync::{Action, DesiredRoot, Plan, Step};
pub use text::terminal_safe;
pub use zones::ZoneFilter;

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod call;
pub mod certificate;
mod client;
mod error;
mod generated;
mod lock;
pub mod model;
mod operations;
mod pagination;
mod rate_limit;
mod retry;
mod transport;

#[cfg(feature = "test-util")]
pub mod fake;

pub use auth::{Credentials, ENV_API_KEY, ENV_API_TOKEN, ENV_EMAIL};
pub use certificate::{CertificateDetails, CertificateProblem};
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ENV_BASE_URL,
    USER_AGENT,
};
pub use error::{Error, Result};
pub use model::{
    CertificateStatus, CustomTrustStore, Page, ResponseMessage, ResponseMessageSource, ResultInfo,
};
pub use operations::ListParams;
pub use pagination::{
    CertificateStream, DEFAULT_CONCURRENCY, DEFAULT_MAX_PAGES, MAX_PER_PAGE, MAX_ZONE_ID_LEN, MIN_PER_PAGE,
    PageStream, Pagination,
};
pub use retry::{
    DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_AFTER, Jitter,
    RetryPolicy,
};
pub use transport::MAX_BODY_BYTES;

//! Checking many origins against a zone's trust now and after a change, concurrently.

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::origin::address::{Address, Origin};
use crate::origin::chain::{ChainSource, Leaf, OriginChain};
use crate::origin::edge::is_cloudflare_edge;
use crate::origin::probe::ProbeLimits;
use crate::origin::trust::TrustSet;
use crate::origin::verify::{Verdict, verify};

/// How [`Client::check_origins_with`](crate::Client::check_origins_with) goes: how many origins are probed at once, the bounds of
/// each probe, the default trust, chains given instead of probing, and the time judged at.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub(crate) concurrency: usize,
    pub(crate) limits: ProbeLimits,
    pub(crate) defaults: TrustSet,
    pub(crate) chains: Vec<OriginChain>,
    pub(crate) at: Option<DateTime<Utc>>,
}

impl CheckOptions {
    /// Origins probed at once unless told otherwise.
    pub const DEFAULT_CONCURRENCY: usize = 16;
    /// The most origins probed at once.
    pub const MAX_CONCURRENCY: usize = 256;

    /// 16 origins at once, [`ProbeLimits::new`], Cloudflare's default trust, judged now.
    pub fn new() -> Self {
        Self {
            concurrency: Self::DEFAULT_CONCURRENCY,
            limits: ProbeLimits::new(),
            defaults: TrustSet::cloudflare_default(),
            chains: Vec::new(),
            at: None,
        }
    }

    /// Origins probed at once: 1 to [`CheckOptions::MAX_CONCURRENCY`] (checked when the check
    /// starts, before any request).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// The bounds of each probe.
    pub fn limits(mut self, limits: ProbeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The trust used when the store has no usable root, instead of Cloudflare's default.
    pub fn default_trust(mut self, defaults: TrustSet) -> Self {
        self.defaults = defaults;
        self
    }

    /// A chain to judge for its host instead of probing the origins of that host.
    pub fn chain(mut self, chain: OriginChain) -> Self {
        self.chains.push(chain);
        self
    }

    /// Judge at `at` instead of now (certificates' validity).
    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.at = Some(at);
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        if !(1..=Self::MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(Error::invalid(
                "concurrency",
                format!("{} is not from 1 to {}", self.concurrency, Self::MAX_CONCURRENCY),
            ));
        }
        if self.limits.connect_timeout.is_zero() || self.limits.handshake_timeout.is_zero() {
            return Err(Error::invalid("timeout", "must be greater than 0"));
        }
        Ok(())
    }
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// Something a check noticed beside its verdicts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum OriginWarning {
    /// The address reached is in Cloudflare's published edge ranges: the host is proxied, and the
    /// chain seen is Cloudflare's edge certificate, not the origin's.
    CloudflareEdge {
        /// The address.
        #[cfg_attr(feature = "schemars", schemars(with = "String"))]
        address: IpAddr,
    },
}

impl fmt::Display for OriginWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CloudflareEdge { address } => write!(
                f,
                "{address} is in Cloudflare's edge ranges: the host is proxied and the certificate seen is Cloudflare's, not the origin's; give the origin's address with HOST@ADDR"
            ),
        }
    }
}

/// One origin's verdicts: now, and after the change when one was given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct OriginCheck {
    /// The origin as given.
    pub origin: Origin,
    /// Its host name.
    pub host: String,
    /// Where its chain came from (`handshake` with the address reached, or `pem`); null when it
    /// could not be recorded.
    pub chain: Option<ChainSource>,
    /// What its leaf says; null when there is no chain or the leaf does not parse.
    pub leaf: Option<Leaf>,
    /// The verdict with the store as it is.
    pub now: Verdict,
    /// The verdict after the change; null when no change was given.
    pub after: Option<Verdict>,
    /// What else the check noticed.
    pub warnings: Vec<OriginWarning>,
}

impl OriginCheck {
    /// Whether the origin is trusted now, and after the change when one was given.
    pub fn passed(&self) -> bool {
        self.now.is_trusted() && self.after.as_ref().is_none_or(Verdict::is_trusted)
    }
}

/// What [`Client::check_origins_with`](crate::Client::check_origins_with) found: the trust sets judged with, and each origin's
/// verdicts, in the order the origins were given.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OriginReport {
    /// The zone's trust now.
    pub now: TrustSet,
    /// Its trust after the change; `None` for [`Change::None`](crate::origin::Change::None).
    pub after: Option<TrustSet>,
    /// One per origin.
    pub checks: Vec<OriginCheck>,
}

impl OriginReport {
    /// A report of `checks` made against `now` and `after` (see [`check_against`]).
    pub fn new(now: TrustSet, after: Option<TrustSet>, checks: Vec<OriginCheck>) -> Self {
        Self { now, after, checks }
    }
}

/// Checks `origins` against trust sets already made (no API request): each origin's chain
/// recorded (concurrently, in the options' bounds) and judged with `now` and `after`.
pub async fn check_against(
    origins: &[Origin],
    now: &TrustSet,
    after: Option<&TrustSet>,
    options: &CheckOptions,
) -> Vec<OriginCheck> {
    let at = options.at.unwrap_or_else(Utc::now);
    let concurrency = options.concurrency.clamp(1, CheckOptions::MAX_CONCURRENCY);
    futures_util::stream::iter(origins)
        .map(|origin| check_one(origin, now, after, options, at))
        .buffered(concurrency)
        .collect()
        .await
}

async fn check_one(
    origin: &Origin,
    now: &TrustSet,
    after: Option<&TrustSet>,
    options: &CheckOptions,
    at: DateTime<Utc>,
) -> OriginCheck {
    let given = options.chains.iter().find(|chain| chain.host() == origin.host()).cloned();
    let chain = match given {
        Some(chain) => Ok(chain),
        None => OriginChain::fetch_with(origin, &options.limits).await,
    };
    let mut warnings = Vec::new();
    if let Some(Address::Ip(ip)) = origin.address()
        && is_cloudflare_edge(*ip)
    {
        warnings.push(OriginWarning::CloudflareEdge { address: *ip });
    }
    let chain = match chain {
        Ok(chain) => chain,
        Err(error) => {
            let verdict = Verdict::unreachable(error.to_string());
            return OriginCheck {
                origin: origin.clone(),
                host: origin.host().to_owned(),
                chain: None,
                leaf: None,
                after: after.map(|_| verdict.clone()),
                now: verdict,
                warnings,
            };
        }
    };
    if let ChainSource::Handshake { address, .. } = chain.source()
        && origin.address().is_none()
        && is_cloudflare_edge(address.ip())
    {
        warnings.push(OriginWarning::CloudflareEdge { address: address.ip() });
    }
    OriginCheck {
        origin: origin.clone(),
        host: origin.host().to_owned(),
        chain: Some(chain.source().clone()),
        leaf: chain.leaf().ok(),
        now: verify(&chain, now, at),
        after: after.map(|after| verify(&chain, after, at)),
        warnings,
    }
}

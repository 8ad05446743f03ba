//! `impl Client` for origin checks: will a zone's origins still be trusted after a change?

use crate::api::client::Client;
use crate::error::{Error, Result};
use crate::origin::{
    Change, CheckOptions, DnsOrigins, Origin, OriginCheck, OriginReport, TrustSet, check_against,
    origins_from_dns_records,
};
use crate::pagination::Pagination;
use futures_util::TryStreamExt;

impl Client {
    /// Checks `origins` against zone `zone_id`'s trust now and after `change`, with
    /// [`CheckOptions::new`]: see [`Client::check_origins_with`](crate::Client::check_origins_with).
    pub async fn check_origins(
        &self,
        zone_id: &str,
        origins: &[Origin],
        change: &Change,
    ) -> Result<Vec<OriginCheck>> {
        Ok(self.check_origins_with(zone_id, origins, change, &CheckOptions::new()).await?.checks)
    }

    /// Lists the zone's store ([`Client::collect_all`](crate::Client::collect_all)), makes its trust now
    /// ([`TrustSet::from_store_with_defaults`]) and after `change` ([`TrustSet::after`]), then
    /// records each origin's chain (a TLS handshake, [`OriginChain::fetch_with`](crate::origin::OriginChain::fetch_with), up to
    /// `concurrency` at once, or a chain given in the options) and judges it with both
    /// ([`verify`](crate::origin::verify())). An origin that cannot be reached is a verdict, not an error. Errors: invalid
    /// options, ids or origins (before any request), the listing's own, and a change naming a
    /// certificate the store does not hold.
    pub async fn check_origins_with(
        &self,
        zone_id: &str,
        origins: &[Origin],
        change: &Change,
        options: &CheckOptions,
    ) -> Result<OriginReport> {
        options.check()?;
        change.check()?;
        if origins.is_empty() {
            return Err(Error::invalid("origins", "none given; give at least one origin"));
        }
        let store = self.collect_all(zone_id).await?;
        let now = TrustSet::from_store_with_defaults(&store, &options.defaults);
        let after = match change {
            Change::None => None,
            change => Some(TrustSet::after(&store, change, &options.defaults)?),
        };
        let checks = check_against(origins, &now, after.as_ref(), options).await;
        Ok(OriginReport { now, after, checks })
    }

    /// The origins of zone `zone_id`'s proxied DNS records, each on `port` (Cloudflare connects
    /// on 443 unless an Origin Rule says otherwise): lists its records with `proxied=true`
    /// ([`Client::dns_records`]) and maps them with [`origins_from_dns_records`]. The token needs
    /// "DNS Read" on the zone.
    pub async fn origins_from_dns(&self, zone_id: &str, port: u16) -> Result<DnsOrigins> {
        if port == 0 {
            return Err(Error::invalid("port", "must be 1 to 65535, got 0"));
        }
        let records: Vec<_> =
            self.dns_records(zone_id, Some(true), Pagination::default())?.items().try_collect().await?;
        Ok(origins_from_dns_records(&records, port))
    }
}

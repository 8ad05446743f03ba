//! `impl Client` for List Zones (the zones a token can see, and a name's id) and for a zone's DNS
//! records (List DNS Records: where its proxied names' origins are).

use crate::api::client::Client;
use crate::error::{ErrorKind, Result};
use crate::generated::types::{Identifier, ListZonesName, ListZonesStatus};
use crate::id::{checked_zone_id, checked_zone_name};
use crate::model::{DnsRecord, Page, Zone};
use crate::pagination::{Listed, PageStream, Pagination, check_per_page, checked_page};
use crate::request::route::Route;
use crate::zones::ZoneFilter;

impl Client {
    /// The zones `filter` selects, as a lazy stream of pages (50 zones a page by default), with
    /// the [termination guarantees](crate::ApiStream#termination-guarantees) of every walk;
    /// [`ApiStream::items`](crate::ApiStream::items) turns it into a stream of zones. The filters
    /// are checked before anything is sent.
    pub fn zones(&self, filter: &ZoneFilter, pagination: Pagination) -> Result<PageStream<Zone>> {
        let (name, status, account) = filter.checked()?;
        self.walk_pages(pagination, move |client, page, per_page| {
            let (name, account) = (name.clone(), account.clone());
            async move { client.zones_page(name, status, account, page, per_page).await }
        })
    }

    /// The id of the zone named `name`, with one List Zones request. An error when no zone of that
    /// name is visible to these credentials ([`ErrorKind::ZoneNotFound`](crate::ErrorKind::ZoneNotFound)), when several are
    /// ([`ErrorKind::AmbiguousZone`](crate::ErrorKind::AmbiguousZone), naming their ids), or when the answer announces more than
    /// the one page it holds ([`ErrorKind::IncompleteList`](crate::ErrorKind::IncompleteList): never a "not found" from part of a
    /// list).
    pub async fn zone_id(&self, name: &str) -> Result<String> {
        let checked = checked_zone_name(name)?;
        let page = self.zones_page(Some(checked), None, None, 1, Pagination::MAX_PER_PAGE).await?;
        // One page holds every zone of one name; a server announcing more (one that ignored the
        // filter) may hold the zone, or its twin, further on: no answer from part of the list.
        let received = page.items.len() as u64;
        let (announced_pages, announced_count) =
            page.result_info.as_ref().map_or((None, None), |info| (info.total_pages, info.total_count));
        if announced_pages.is_some_and(|pages| pages > 1)
            || announced_count.is_some_and(|count| count > received)
        {
            return Err(
                ErrorKind::IncompleteList { pages: 1, announced_pages, received, announced_count }.into()
            );
        }
        let wanted = name.trim_end_matches('.');
        let found: Vec<&Zone> = page
            .items
            .iter()
            .filter(|zone| zone.name.trim_end_matches('.').eq_ignore_ascii_case(wanted))
            .collect();
        match found.as_slice() {
            [zone] => Ok(zone.id.clone()),
            [] => Err(ErrorKind::ZoneNotFound { name: name.to_owned() }.into()),
            several => {
                let ids = several.iter().map(|zone| zone.id.clone()).collect();
                Err(ErrorKind::AmbiguousZone { name: name.to_owned(), ids }.into())
            }
        }
    }

    /// The DNS records of zone `zone_id` (only the proxied ones with `proxied: Some(true)`, only
    /// the others with `Some(false)`), as a lazy stream of pages with the
    /// [termination guarantees](crate::ApiStream#termination-guarantees) of every walk. The token
    /// needs "DNS Read" on the zone; a refusal's hint says so.
    pub fn dns_records(
        &self,
        zone_id: &str,
        proxied: Option<bool>,
        pagination: Pagination,
    ) -> Result<PageStream<DnsRecord>> {
        let zone = checked_zone_id(zone_id)?;
        self.walk_pages(pagination, move |client, page, per_page| {
            let zone = zone.clone();
            async move { client.dns_records_page(&zone, proxied, page, per_page).await }
        })
    }

    async fn dns_records_page(
        &self,
        zone: &Identifier,
        proxied: Option<bool>,
        page: u64,
        per_page: u64,
    ) -> Result<Page<DnsRecord>> {
        let (page, per_page) = (checked_page(page)?, check_per_page(per_page)?);
        self.run(Route::list_dns_records(zone), |client| async move {
            client.list_dns_records(zone, Some(page), Some(per_page), proxied).await
        })
        .await
    }

    async fn zones_page(
        &self,
        name: Option<ListZonesName>,
        status: Option<ListZonesStatus>,
        account: Option<String>,
        page: u64,
        per_page: u64,
    ) -> Result<Page<Zone>> {
        check_per_page(per_page)?;
        let page = checked_page(page)?;
        let route = Route::list_zones();
        self.run(route, |client| async move {
            client.list_zones(account.as_deref(), name.as_ref(), Some(page), Some(per_page), status).await
        })
        .await
    }
}

impl Listed for DnsRecord {
    const NOUN: &'static str = "DNS record";
    fn id(&self) -> &str {
        &self.id
    }
}

//! Walking the pages of a list: [`Pagination`] (how), the walk's rules, the fetcher, and the
//! streams it yields ([`ApiStream`]).
//!

use std::collections::HashSet;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::stream::FuturesOrdered;
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::error::{Error, ErrorKind, Result};
use crate::model::{CustomTrustStore, Page};

mod params;

pub(crate) use params::{check_per_page, checked_page};

/// How a walk fetches the pages (see the [termination guarantees](ApiStream#termination-guarantees)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pagination {
    per_page: u64,
    max_pages: u64,
    max_bytes: u64,
    concurrency: usize,
}

impl Default for Pagination {
    fn default() -> Self {
        Self {
            per_page: Self::MAX_PER_PAGE,
            max_pages: Self::DEFAULT_MAX_PAGES,
            max_bytes: Self::DEFAULT_MAX_BYTES,
            concurrency: Self::DEFAULT_CONCURRENCY,
        }
    }
}

impl Pagination {
    /// Smallest `per_page` the API accepts.
    pub const MIN_PER_PAGE: u64 = 5;
    /// Largest `per_page` the API accepts, and what a walk asks for by default.
    pub const MAX_PER_PAGE: u64 = 50;
    /// Default cap on the pages one walk may fetch (500,000 items at 50 a page).
    pub const DEFAULT_MAX_PAGES: u64 = 10_000;
    /// Default cap on the response bodies one walk reads, in bytes (256 MiB: a page of 50
    /// certificates is tens of kilobytes).
    pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;
    /// Default number of pages a walk fetches at once, once the first page has told how many there
    /// are.
    pub const DEFAULT_CONCURRENCY: usize = 8;
    /// The most pages a walk may fetch at once.
    pub const MAX_CONCURRENCY: usize = 32;

    /// 50 items a page (the most the API allows, so the fewest requests), at most 10,000 pages, 8
    /// pages at once.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many pages are fetched at once after the first (default 8, at most
    /// [`Pagination::MAX_CONCURRENCY`]; 1 fetches one page at a time). Pages are still yielded in
    /// order, and at most this many are held in memory.
    ///
    /// Cloudflare allows 1,200 requests per 5 minutes per user: a walk makes one request per page
    /// whatever the concurrency, which only decides how fast they are spent.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Items per page, 5 to 50 (default 50).
    pub fn per_page(mut self, per_page: u64) -> Self {
        self.per_page = per_page;
        self
    }

    /// The most pages one walk fetches; past it the walk ends with [`ErrorKind::TooManyPages`](crate::ErrorKind::TooManyPages)
    /// (default 10,000). Bounds the walk on a server that never stops.
    pub fn max_pages(mut self, max_pages: u64) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// The most response-body bytes one walk reads; past it the walk ends with
    /// [`ErrorKind::WalkTooLarge`](crate::ErrorKind::WalkTooLarge) (default 256 MiB). With the page cap and the concurrency, it bounds
    /// the memory a walk (and whoever collects it) can be made to use, whatever the server sends.
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        check_per_page(self.per_page)?;
        if self.max_pages == 0 {
            return Err(Error::invalid("max_pages", "must be 1 or more, got 0"));
        }
        if self.max_bytes == 0 {
            return Err(Error::invalid("max_bytes", "must be 1 or more, got 0"));
        }
        if !(1..=Self::MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(Error::invalid(
                "concurrency",
                format!("must be 1 to {}, got {}", Self::MAX_CONCURRENCY, self.concurrency),
            ));
        }
        Ok(())
    }
}

/// A lazy stream of results from the API: the pages of a walk ([`PageStream`]) or their items
/// ([`CertificateStream`]), fetched as it is polled. An error ends it.
///
/// # Termination guarantees
///
/// Every walk ([`Client::pages`](crate::Client::pages), [`Client::list_all`](crate::Client::list_all), [`Client::collect_all`](crate::Client::collect_all)) asks for 50 items
/// a page, the API's maximum. Page 1 is fetched alone; once it has told `result_info.total_pages`,
/// the other pages are fetched up to [`Pagination::concurrency`] at once (8 by default), taken
/// back and yielded in page order, with at most that many pages held in memory. Without
/// `total_pages`, pages are fetched one at a time.
///
/// The walk stops after `result_info.total_pages`, with no request for an empty page; without
/// `result_info` it stops at an empty or short page. It always ends:
///
/// - a page that repeats an item already seen ends it with [`ErrorKind::RepeatedPage`](crate::ErrorKind::RepeatedPage) (a server
///   that never stops repeating itself cannot loop it);
/// - a `total_count` that changes between pages ends it with [`ErrorKind::ListChanged`](crate::ErrorKind::ListChanged) (items may
///   have been skipped or seen twice);
/// - more pages than [`Pagination::max_pages`] (10,000 by default) end it with
///   [`ErrorKind::TooManyPages`](crate::ErrorKind::TooManyPages), and more response bytes than [`Pagination::max_bytes`] (256 MiB) with
///   [`ErrorKind::WalkTooLarge`](crate::ErrorKind::WalkTooLarge);
/// - a walk never ends short as if it were complete: when page 1 announced `total_pages` and the
///   walk ends before that page (an empty page, or a later page announcing fewer), or with fewer
///   items than an unchanged `total_count`, it ends with [`ErrorKind::IncompleteList`](crate::ErrorKind::IncompleteList).
///
/// What a walk holds in memory is bounded whatever the server sends: at most
/// [`Pagination::concurrency`] pages (each body at most [`Client::MAX_BODY_BYTES`](crate::Client::MAX_BODY_BYTES)), and 16 bytes
/// (a digest of its id) for each item seen.
///
/// Dropping the stream cancels the requests in flight and sends no more.
///
/// [`Client::MAX_BODY_BYTES`](crate::Client::MAX_BODY_BYTES): crate::Client::MAX_BODY_BYTES
/// [`Client::pages`](crate::Client::pages): crate::Client::pages
/// [`Client::list_all`](crate::Client::list_all): crate::Client::list_all
/// [`Client::collect_all`](crate::Client::collect_all): crate::Client::collect_all
#[must_use = "streams do nothing unless polled"]
pub struct ApiStream<T>(Pin<Box<dyn Stream<Item = Result<T>> + Send>>);

/// The pages of a walk, in order.
pub type PageStream<T = CustomTrustStore> = ApiStream<Page<T>>;

/// Every certificate of a zone's trust store, in the API's order.
pub type CertificateStream = ApiStream<CustomTrustStore>;

impl<T> Stream for ApiStream<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.as_mut().poll_next(cx)
    }
}

impl<T> fmt::Debug for ApiStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiStream<{}>", std::any::type_name::<T>())
    }
}

impl<T: Send + 'static> ApiStream<Page<T>> {
    /// The items of these pages, in order, as one stream.
    pub fn items(self) -> ApiStream<T> {
        let items = self.map_ok(|page| stream::iter(page.items.into_iter().map(Ok))).try_flatten();
        ApiStream(Box::pin(items))
    }
}

/// An item of a listed resource: what a walk needs to tell items apart.
pub(crate) trait Listed {
    /// What an item is, in messages: `certificate`, `zone`.
    const NOUN: &'static str;
    fn id(&self) -> &str;
}

impl Listed for CustomTrustStore {
    const NOUN: &'static str = "certificate";
    fn id(&self) -> &str {
        &self.id
    }
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>>> + Send>>;

/// Fetches page `number` with `per_page` items: one list request of the resource walked.
pub(crate) type FetchPage<T> = Arc<dyn Fn(u64, u64) -> PageFuture<T> + Send + Sync>;

/// The walk over a resource's pages; `pagination` is checked.
pub(crate) fn walk<T: Listed + Send + 'static>(pagination: Pagination, fetch: FetchPage<T>) -> PageStream<T> {
    {
        let fetcher = Fetcher {
            fetch,
            walk: Walk::new(pagination),
            in_flight: FuturesOrdered::new(),
            next_to_send: 1,
            planned_last: 1,
        };
        let pages = stream::try_unfold(fetcher, |mut fetcher| async move {
            match fetcher.next_page().await? {
                Some(page) => Ok(Some((page, fetcher))),
                None => Ok(None),
            }
        });
        ApiStream(pages.boxed())
    }
}

type NumberedPage<T> = Pin<Box<dyn Future<Output = (u64, Result<Page<T>>)> + Send>>;

/// Fetches the pages of one walk: the first alone, then, once it has told `total_pages`, up to
/// `concurrency` at once, taken back in page order and each checked by the [`Walk`] before it is
/// yielded. Dropping it drops (and so cancels) the requests in flight.
struct Fetcher<T> {
    fetch: FetchPage<T>,
    walk: Walk,
    in_flight: FuturesOrdered<NumberedPage<T>>,
    /// The next page number not yet requested.
    next_to_send: u64,
    /// The last page the walk knows it will need (page 1's `total_pages`, within the cap).
    planned_last: u64,
}

impl<T: Listed + Send + 'static> Fetcher<T> {
    async fn next_page(&mut self) -> Result<Option<Page<T>>> {
        if self.in_flight.is_empty() {
            // Nothing planned is left: the walk decides whether another page follows.
            match self.walk.next_request()? {
                None => return Ok(None),
                Some(number) => self.planned_last = self.planned_last.max(number),
            }
        }
        self.fill();
        let Some((number, page)) = self.in_flight.next().await else { return Ok(None) };
        let page = page?;
        self.walk.accept(number, &page)?;
        match self.walk.next {
            None => self.in_flight = FuturesOrdered::new(),
            Some(_) if number == 1 => {
                let total = page.result_info.and_then(|info| info.total_pages).unwrap_or(1);
                self.planned_last = total.min(self.walk.pagination.max_pages);
            }
            Some(_) => {}
        }
        Ok(Some(page))
    }

    /// Sends requests for the planned pages, up to the concurrency.
    fn fill(&mut self) {
        while self.in_flight.len() < self.walk.pagination.concurrency
            && self.next_to_send <= self.planned_last
        {
            let number = self.next_to_send;
            let page = (self.fetch)(number, self.walk.pagination.per_page);
            self.in_flight.push_back(Box::pin(async move { (number, page.await) }));
            self.next_to_send += 1;
        }
    }
}

/// The rules of one walk over the pages, apart from fetching them.
#[derive(Debug)]
pub(crate) struct Walk {
    pagination: Pagination,
    next: Option<u64>,
    /// A digest of each id seen: 16 bytes an item, however long the ids a server sends.
    seen: HashSet<[u8; 16]>,
    /// The `total_pages` page 1 announced.
    announced_pages: Option<u64>,
    /// The `total_count` of the first page that had one.
    total_count: Option<u64>,
    received: u64,
    bytes: u64,
}

impl Walk {
    pub(crate) fn new(pagination: Pagination) -> Self {
        Self {
            pagination,
            next: Some(1),
            seen: HashSet::new(),
            announced_pages: None,
            total_count: None,
            received: 0,
            bytes: 0,
        }
    }

    /// The page to fetch next; `None` when the walk is over; an error past the page cap.
    pub(crate) fn next_request(&self) -> Result<Option<u64>> {
        match self.next {
            Some(number) if number > self.pagination.max_pages => {
                Err(ErrorKind::TooManyPages { max_pages: self.pagination.max_pages }.into())
            }
            next => Ok(next),
        }
    }

    /// Takes page `number` in: fails if it repeats an item, shows the list changed, goes over the
    /// byte budget, or ends the walk short of what page 1 announced; decides whether another page
    /// follows.
    pub(crate) fn accept<T: Listed>(&mut self, number: u64, page: &Page<T>) -> Result<()> {
        self.bytes = self.bytes.saturating_add(page.body_bytes);
        if self.bytes > self.pagination.max_bytes {
            return Err(ErrorKind::WalkTooLarge { limit: self.pagination.max_bytes }.into());
        }
        for item in &page.items {
            if !self.seen.insert(digest(item.id())) {
                return Err(ErrorKind::RepeatedPage {
                    page: number,
                    item: T::NOUN,
                    id: shortened(item.id()),
                }
                .into());
            }
        }
        self.received += page.items.len() as u64;
        let info = page.result_info.unwrap_or_default();
        match (self.total_count, info.total_count) {
            (Some(before), Some(after)) if before != after => {
                return Err(ErrorKind::ListChanged { page: number, before, after }.into());
            }
            (None, Some(_)) => self.total_count = info.total_count,
            _ => {}
        }
        if number == 1 {
            self.announced_pages = info.total_pages;
        }
        self.next = next_page(number, self.pagination.per_page, page);
        let short_of_pages = self.announced_pages.is_some_and(|announced| number < announced);
        let short_of_items = self.total_count.is_some_and(|count| self.received < count);
        if self.next.is_none() && (short_of_pages || short_of_items) {
            return Err(ErrorKind::IncompleteList {
                pages: number,
                announced_pages: self.announced_pages,
                received: self.received,
                announced_count: self.total_count,
            }
            .into());
        }
        Ok(())
    }
}

/// A fixed-size digest of an id (the first 16 bytes of its SHA-256).
fn digest(id: &str) -> [u8; 16] {
    let hash = ring::digest::digest(&ring::digest::SHA256, id.as_bytes());
    let mut first = [0; 16];
    first.copy_from_slice(&hash.as_ref()[..16]);
    first
}

/// An id as an error may carry it: at most 64 characters.
fn shortened(id: &str) -> String {
    if id.chars().count() <= 64 {
        id.to_owned()
    } else {
        format!("{}…", id.chars().take(64).collect::<String>())
    }
}

/// The page after `number`, or `None` when `page` was the last.
fn next_page<T>(number: u64, requested_per_page: u64, page: &Page<T>) -> Option<u64> {
    if page.items.is_empty() {
        return None;
    }
    let info = page.result_info.unwrap_or_default();
    let more = match info.total_pages {
        Some(total_pages) => number < total_pages,
        None => {
            // A server may cap the page size below what was asked; a page is full at that size.
            let per_page = info.per_page.filter(|&n| n > 0).unwrap_or(requested_per_page);
            page.items.len() as u64 >= per_page.min(requested_per_page)
        }
    };
    more.then(|| number.checked_add(1)).flatten()
}

#[cfg(test)]
mod tests;

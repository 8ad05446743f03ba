//! Reports in the order the zones were given, with a bound on how many wait in memory.
//!
//! Zones are audited concurrently and finish in any order; in-order output keeps those that
//! finish early until the ones before them are done. Without a bound, one slow zone (waiting out
//! 429s) would let every later zone's report, every certificate's PEM included, pile up in memory.
//! The [`Window`] caps how far ahead of the next report to yield a zone may start: at most
//! `ahead` reports ever wait.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_core::Stream;
use futures_util::{StreamExt, future, stream};

/// How far ahead of the next report to yield a zone may start.
#[derive(Debug)]
pub(crate) struct Window {
    /// The index of the next report to yield.
    next: AtomicUsize,
    ahead: usize,
    /// Wakes the zones waiting to start when a report is yielded.
    moved: tokio::sync::Notify,
}

impl Window {
    pub(crate) fn new(ahead: usize) -> Arc<Self> {
        Arc::new(Self { next: AtomicUsize::new(0), ahead: ahead.max(1), moved: tokio::sync::Notify::new() })
    }

    /// Waits until the zone numbered `index` may start: fewer than `ahead` zones before it
    /// remain to be yielded.
    pub(crate) async fn admit(&self, index: usize) {
        loop {
            // Registered before the index is read, so that no move between the two is missed.
            let moved = self.moved.notified();
            if index < self.next.load(Ordering::Acquire) + self.ahead {
                return;
            }
            moved.await;
        }
    }

    fn advance_to(&self, next: usize) {
        self.next.store(next, Ordering::Release);
        self.moved.notify_waiters();
    }
}

/// Items numbered in the order they were started, yielded in that order: each as soon as it and
/// those before it are done. The ones done early wait in memory, at most `window.ahead` of them
/// when every item first waits for [`Window::admit`].
pub(crate) fn in_order<T>(
    done: impl Stream<Item = (usize, T)>,
    window: Arc<Window>,
) -> impl Stream<Item = T> {
    let waiting = (0, BTreeMap::new());
    done.scan(waiting, move |(next, waiting), (index, item)| {
        waiting.insert(index, item);
        let mut ready = Vec::new();
        while let Some(item) = waiting.remove(next) {
            ready.push(item);
            *next += 1;
        }
        if !ready.is_empty() {
            window.advance_to(*next);
        }
        future::ready(Some(stream::iter(ready)))
    })
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_item_starts_more_than_ahead_past_the_next_to_yield() {
        let window = Window::new(3);
        for index in 0..3 {
            tokio::time::timeout(std::time::Duration::from_secs(1), window.admit(index)).await.unwrap();
        }
        let fourth = tokio::spawn({
            let window = Arc::clone(&window);
            async move { window.admit(3).await }
        });
        tokio::task::yield_now().await;
        assert!(!fourth.is_finished(), "3 ahead at most");
        // Item 1 done first waits; item 0 done yields both and lets 3 and 4 start.
        let done = stream::iter([(1, "b"), (0, "a")]);
        let yielded: Vec<&str> = in_order(done, Arc::clone(&window)).collect().await;
        assert_eq!(yielded, ["a", "b"]);
        tokio::time::timeout(std::time::Duration::from_secs(1), fourth).await.unwrap().unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(1), window.admit(4)).await.unwrap();
        assert!(tokio::time::timeout(std::time::Duration::from_millis(20), window.admit(5)).await.is_err());
    }
}

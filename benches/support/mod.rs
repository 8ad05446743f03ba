//! What the benchmarks share: the fake API on a thread and runtime of its own, so that the
//! client's thread measures the client alone.
#![allow(dead_code)]

use std::sync::Arc;

use cloudflare_origin_trust_store::Client;
use cloudflare_origin_trust_store::fake::{FakeCloudflare, FakeCloudflareBuilder};

/// The fake API on a thread and runtime of its own.
pub struct Server {
    pub fake: Arc<FakeCloudflare>,
    pub base_url: String,
    pub zone: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts the fake `builder` makes (called on the fake's own thread).
    pub fn start(builder: impl FnOnce() -> FakeCloudflareBuilder + Send + 'static) -> Self {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let fake = builder().start().await.unwrap();
                ready_tx.send(Arc::new(fake)).unwrap();
                let _ = stop_rx.await;
            });
        });
        let fake = ready_rx.recv().unwrap();
        let (base_url, zone) = (fake.base_url(), fake.zone_id().to_owned());
        Self { fake, base_url, zone, stop: Some(stop), thread: Some(thread) }
    }

    /// A client of the fake, with the crate's defaults.
    pub fn client(&self) -> Client {
        self.fake.client().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

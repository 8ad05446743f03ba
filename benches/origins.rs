//! 200 origins checked against a zone's store, at the default concurrency (16 at once) and one at
//! a time, side by side in one run:
//!
//! ```text
//! cargo bench --bench origins --features origins,test-util
//! ```
//!
//! Each origin is a real TLS handshake (ECDSA P-256, TLS 1.3) with a FakeOrigin on 127.0.0.1 that
//! waits 20 ms before answering each connection, standing in for the round trip to an origin far
//! away; the store is listed once from the fake API. Both runs check the same origins with the
//! same trust, and must agree on every verdict.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudflare_origin_trust_store::CertificateStatus;
use cloudflare_origin_trust_store::fake::{FakeCloudflare, FakeOrigin};
use cloudflare_origin_trust_store::origin::{Change, CheckOptions, Origin, OriginCheck};
use support::Server;

#[path = "../tests/support/origin_pki.rs"]
mod pki;
#[path = "support/mod.rs"]
mod support;

const ORIGINS: usize = 200;
const LATENCY: Duration = Duration::from_millis(20);

fn main() {
    let root = pki::Ca::root("Bench Root");
    let leaf = root.leaf(&["*.bench.test"]);
    let stored = root.stored(&pki::id(1), CertificateStatus::Active);
    let api = Server::start(move || FakeCloudflare::builder().certificates(vec![stored]));
    let (origin_server, stop) = origin_thread(leaf.chain, leaf.key);
    let origins: Vec<Origin> = (0..ORIGINS)
        .map(|i| {
            Origin::new(&format!("o{i}.bench.test"))
                .unwrap()
                .at(origin_server.ip())
                .with_port(origin_server.port())
                .unwrap()
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = api.client();
    let run = |concurrency: usize| {
        let options = CheckOptions::new().concurrency(concurrency);
        let started = Instant::now();
        let report = runtime
            .block_on(client.check_origins_with(&api.zone, &origins, &Change::None, &options))
            .expect("the check runs");
        let wall = started.elapsed();
        assert!(report.checks.iter().all(OriginCheck::passed), "every origin is trusted");
        (wall, report.checks)
    };
    println!("{ORIGINS} origins, one TLS handshake each, {} ms before each answer\n", LATENCY.as_millis());
    let (concurrent, concurrent_checks) = run(CheckOptions::DEFAULT_CONCURRENCY);
    let (sequential, sequential_checks) = run(1);
    assert_eq!(concurrent_checks, sequential_checks, "the same verdicts either way");
    println!("| check | wall time | vs one at a time |");
    println!("|---|---:|---:|");
    for (name, wall) in [
        ("one origin at a time", sequential),
        (&*format!("default concurrency ({} at once)", CheckOptions::DEFAULT_CONCURRENCY), concurrent),
    ] {
        println!(
            "| {name} | {:.3} s | {:.3}× |",
            wall.as_secs_f64(),
            wall.as_secs_f64() / sequential.as_secs_f64()
        );
    }
    println!(
        "\ndefault concurrency vs one at a time: {:.3} of the wall time ({:.1}× faster)",
        concurrent.as_secs_f64() / sequential.as_secs_f64(),
        sequential.as_secs_f64() / concurrent.as_secs_f64()
    );
    let _ = stop.send(());
}

/// A FakeOrigin on a thread and runtime of its own, so that the client's thread measures the
/// client alone.
fn origin_thread(chain: String, key: String) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        runtime.block_on(async move {
            let origin = FakeOrigin::builder(&chain, &key).unwrap().latency(LATENCY).start().await.unwrap();
            let origin = Arc::new(origin);
            ready_tx.send(origin.address()).unwrap();
            let _ = stop_rx.await;
        });
    });
    (ready_rx.recv().unwrap(), stop)
}

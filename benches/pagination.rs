//! Side-by-side walks of 2,000 certificates against the fake API with 50 ms of latency per
//! request, and the client's CPU cost of decoding, in one run:
//!
//! ```text
//! cargo bench --bench pagination
//! ```
//!
//! The walks: the one Cloudflare's official SDKs make (their default 20 a page, then page + 1
//! until a page comes back empty), this crate one page at a time at 50 a page, and this crate at
//! concurrency 4 and 8 (the default). Each is run `RUNS` times; the median wall time is shown.
//! The fake runs on a thread of its own, so the CPU time measured on the client's thread
//! (`/proc/thread-self/schedstat`, Linux) is the client's alone.

use std::time::{Duration, Instant};

use cloudflare_origin_trust_store::fake::{FakeCloudflare, TOKEN};
use cloudflare_origin_trust_store::{Client, CustomTrustStore, ListParams, Pagination, ResultInfo};
use futures_util::TryStreamExt;
use support::Server;

#[path = "support/mod.rs"]
mod support;

const CERTIFICATES: usize = 2_000;
const LATENCY: Duration = Duration::from_millis(50);
const RUNS: usize = 5;
const DECODE_ROUNDS: usize = 20;

fn main() {
    let slow = Server::start(|| FakeCloudflare::builder().sample_certificates(CERTIFICATES).latency(LATENCY));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = slow.client();

    println!(
        "{CERTIFICATES} certificates, {} ms latency per request, median of {RUNS} runs\n",
        LATENCY.as_millis()
    );
    let official = measure(&slow, || runtime.block_on(official_sdk_walk(&client, &slow.zone)));
    let sequential = measure(&slow, || runtime.block_on(walk(&client, &slow.zone, 1)));
    let four = measure(&slow, || runtime.block_on(walk(&client, &slow.zone, 4)));
    let eight = measure(&slow, || runtime.block_on(walk(&client, &slow.zone, 8)));

    println!("| walk | requests | wall time | vs official SDKs | vs one page at a time |");
    println!("|---|---:|---:|---:|---:|");
    for (name, result) in [
        ("official SDKs (20 a page, until an empty page)", &official),
        ("this crate, one page at a time (50 a page)", &sequential),
        ("this crate, concurrency 4", &four),
        ("this crate, concurrency 8 (default)", &eight),
    ] {
        println!(
            "| {name} | {} | {:.0} ms | {:.2}× | {:.2}× |",
            result.requests,
            result.wall.as_secs_f64() * 1000.0,
            result.wall.as_secs_f64() / official.wall.as_secs_f64(),
            result.wall.as_secs_f64() / sequential.wall.as_secs_f64(),
        );
    }
    let goal = eight.wall.as_secs_f64() <= sequential.wall.as_secs_f64() / 5.0 && eight.requests == 40;
    println!(
        "\ndefault concurrency vs one page at a time: {:.3} of the wall time (goal: at most 0.200, with 40 requests): {}",
        eight.wall.as_secs_f64() / sequential.wall.as_secs_f64(),
        if goal { "met" } else { "NOT met" }
    );

    drop(slow);
    decode_cost(&runtime);
}

struct Measured {
    requests: usize,
    wall: Duration,
}

fn measure(server: &Server, mut run: impl FnMut() -> usize) -> Measured {
    let mut walls = Vec::new();
    let mut requests = 0;
    for _ in 0..RUNS {
        let before = server.fake.request_count();
        let start = Instant::now();
        let certificates = run();
        walls.push(start.elapsed());
        assert_eq!(certificates, CERTIFICATES, "every walk sees every certificate");
        requests = server.fake.request_count() - before;
    }
    walls.sort();
    Measured { requests, wall: walls[RUNS / 2] }
}

/// What Cloudflare's official SDKs do: the API's default page size, and one more request for the
/// empty page that ends the walk.
async fn official_sdk_walk(client: &Client, zone: &str) -> usize {
    let mut seen = 0;
    for page in 1.. {
        let items = client.list_page(zone, &ListParams::new().page(page)).await.unwrap().items;
        if items.is_empty() {
            return seen;
        }
        seen += items.len();
    }
    unreachable!()
}

async fn walk(client: &Client, zone: &str, concurrency: usize) -> usize {
    let pagination = Pagination::new().concurrency(concurrency);
    let all: Vec<CustomTrustStore> =
        client.pages(zone, pagination).unwrap().items().try_collect().await.unwrap();
    all.len()
}

/// CPU time on the client's thread per 1,000 certificates: a whole walk through the client
/// (HTTP, decoding, checks), beside `serde_json` alone decoding the same bodies.
fn decode_cost(runtime: &tokio::runtime::Runtime) {
    let Some(_) = thread_cpu() else {
        println!("\n(no /proc/thread-self/schedstat here: CPU time not measured)");
        return;
    };
    let fast = Server::start(|| FakeCloudflare::builder().sample_certificates(CERTIFICATES));
    let client = fast.client();
    runtime.block_on(walk(&client, &fast.zone, 8)); // warm up the connections
    let start = thread_cpu().unwrap();
    for _ in 0..DECODE_ROUNDS {
        runtime.block_on(walk(&client, &fast.zone, 8));
    }
    let client_ns = (thread_cpu().unwrap() - start) as f64;

    let bodies: Vec<Vec<u8>> = runtime.block_on(async {
        // reqwest is built without a default crypto provider (the crate sets ring on its own
        // clients); this plain client needs one for the process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::new();
        let mut bodies = Vec::new();
        for page in 1..=CERTIFICATES.div_ceil(50) {
            let url = format!(
                "{}/zones/{}/acm/custom_trust_store?page={page}&per_page=50",
                fast.base_url, fast.zone
            );
            let response = http.get(url).bearer_auth(TOKEN).send().await.unwrap();
            bodies.push(response.bytes().await.unwrap().to_vec());
        }
        bodies
    });
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Envelope {
        success: bool,
        result: Vec<CustomTrustStore>,
        result_info: Option<ResultInfo>,
    }
    let start = thread_cpu().unwrap();
    for _ in 0..DECODE_ROUNDS {
        for body in &bodies {
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(body).unwrap());
        }
    }
    let value_ns = (thread_cpu().unwrap() - start) as f64;
    let start = thread_cpu().unwrap();
    for _ in 0..DECODE_ROUNDS {
        for body in &bodies {
            std::hint::black_box(serde_json::from_slice::<Envelope>(body).unwrap());
        }
    }
    let typed_ns = (thread_cpu().unwrap() - start) as f64;

    let thousands = (DECODE_ROUNDS * CERTIFICATES) as f64 / 1000.0;
    let per = |ns: f64| ns / thousands / 1e6;
    println!(
        "\nCPU time per 1,000 certificates on the client's thread ({} walks of {CERTIFICATES}, no latency):\n",
        DECODE_ROUNDS
    );
    println!("| what | CPU ms per 1,000 | vs `serde_json::Value` |");
    println!("|---|---:|---:|");
    println!("| `serde_json::from_slice::<Value>` of the same bodies | {:.2} | 1.00× |", per(value_ns));
    println!(
        "| `serde_json::from_slice` into the public types | {:.2} | {:.2}× |",
        per(typed_ns),
        typed_ns / value_ns
    );
    println!(
        "| this crate's whole walk (HTTP, decode, checks) | {:.2} | {:.2}× |",
        per(client_ns),
        client_ns / value_ns
    );
}

/// Nanoseconds this thread has run on a CPU, from `/proc/thread-self/schedstat`.
fn thread_cpu() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

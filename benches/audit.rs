//! The audit of 500 zones (1 to 3 certificates each) against the fake API with 50 ms of latency
//! per request, side by side in one run:
//!
//! ```text
//! cargo bench --bench audit
//! ```
//!
//! 1. The audit at the default concurrency (8 zones at once) vs. one zone at a time: requests,
//!    wall time, ratio. Beside them, the requests of the loop Cloudflare's official SDKs invite
//!    (walk List Zones at its default 20 a page until an empty page, then each zone's store at
//!    its default page size until an empty page), made against a fake without latency: only
//!    its requests are measured.
//! 2. The audit under a budget smaller than the work, Cloudflare's limits scaled down 150 times:
//!    the fake allows 120 requests in any 2 s (as Cloudflare 1,200 in 5 minutes) and answers 429
//!    past it, with `Ratelimit` headers on every answer; the client's budget is 110 per 2 s (as
//!    the default 1,100 per 5 minutes). Then, for comparison, a client whose budget is the
//!    server's own limit (120 per 2 s), and one with no budget of its own going by the server's
//!    headers alone. Requests, 429s received, and the wall time against the least the binding
//!    budget allows: the last of N requests cannot leave before floor((N - 1) / budget) windows,
//!    and is answered a round trip later.

use std::time::{Duration, Instant};

use cloudflare_origin_trust_store::fake::{FakeCloudflare, TOKEN, sample_zones};
use cloudflare_origin_trust_store::{Audit, Client, ZoneFilter, ZoneReport};
use futures_util::TryStreamExt;
use support::Server;

#[path = "support/mod.rs"]
mod support;

const ZONES: usize = 500;
const LATENCY: Duration = Duration::from_millis(50);
/// The fake's limit, in any `WINDOW`.
const SERVER_LIMIT: u32 = 120;
/// The client's budget, in any `WINDOW`.
const BUDGET: u32 = 110;
const WINDOW: Duration = Duration::from_secs(2);

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    println!("{ZONES} zones of 1 to 3 certificates, {} ms latency per request\n", LATENCY.as_millis());

    let slow = Server::start(|| FakeCloudflare::builder().zones(sample_zones(ZONES)).latency(LATENCY));
    let default = audit(&runtime, &slow, &slow.client(), Audit::DEFAULT_CONCURRENCY);
    let sequential = audit(&runtime, &slow, &slow.client(), 1);
    drop(slow);
    let fast = Server::start(|| FakeCloudflare::builder().zones(sample_zones(ZONES)));
    let official = runtime.block_on(official_sdk_loop(&fast));
    assert_eq!(official.0, ZONES);
    drop(fast);

    println!("| audit | requests | wall time | vs one zone at a time |");
    println!("|---|---:|---:|---:|");
    println!("| official SDKs' loop (one zone at a time, until empty pages) | {} | not run | |", official.1);
    for (name, run) in [
        ("this crate, one zone at a time", &sequential),
        ("this crate, default concurrency (8 zones at once)", &default),
    ] {
        println!(
            "| {name} | {} | {:.2} s | {:.3}× |",
            run.requests,
            run.wall.as_secs_f64(),
            run.wall.as_secs_f64() / sequential.wall.as_secs_f64()
        );
    }
    let ratio = default.wall.as_secs_f64() / sequential.wall.as_secs_f64();
    let met = ratio <= 0.2 && default.requests == sequential.requests;
    println!(
        "\ndefault concurrency vs one zone at a time: {ratio:.3} of the wall time, {} vs {} requests (goal: at most 0.200, same requests): {}\n",
        default.requests,
        sequential.requests,
        if met { "met" } else { "NOT met" }
    );

    println!(
        "Under a budget: the fake allows {SERVER_LIMIT} requests in any {} s (429 past it)\n",
        WINDOW.as_secs()
    );
    println!("| client | requests | 429s | wall time | least the budget allows | ratio |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut goal = true;
    for (name, own_budget) in [
        ("budget 110 per 2 s (`rate_budget`, as the default 1,100 per 5 min)", Some(BUDGET)),
        ("budget 120 per 2 s: the server's limit itself", Some(SERVER_LIMIT)),
        ("no budget of its own: the server's Ratelimit headers alone", None),
    ] {
        let limited = Server::start(|| {
            FakeCloudflare::builder()
                .zones(sample_zones(ZONES))
                .latency(LATENCY)
                .rate_limit(SERVER_LIMIT, WINDOW)
        });
        let mut builder = limited.fake.client_builder();
        if let Some(requests) = own_budget {
            builder = builder.rate_budget(requests, WINDOW);
        }
        let run = audit(&runtime, &limited, &builder.build().unwrap(), Audit::DEFAULT_CONCURRENCY);
        let refused = limited.fake.rate_limited_count();
        let binding = own_budget.unwrap_or(SERVER_LIMIT);
        let least = WINDOW * ((run.requests as u32 - 1) / binding) + LATENCY;
        let ratio = run.wall.as_secs_f64() / least.as_secs_f64();
        if own_budget == Some(BUDGET) {
            goal = refused == 0 && ratio <= 1.2;
        }
        println!(
            "| {name} | {} | {refused} | {:.2} s | {:.2} s | {ratio:.3}× |",
            run.requests,
            run.wall.as_secs_f64(),
            least.as_secs_f64()
        );
    }
    println!(
        "\nunder the budget of 110 per 2 s: no 429 and at most 1.2× the least it allows: {}",
        if goal { "met" } else { "NOT met" }
    );
}

struct Measured {
    requests: usize,
    wall: Duration,
}

/// One audit of every zone; every zone must be audited without error.
fn audit(
    runtime: &tokio::runtime::Runtime,
    server: &Server,
    client: &Client,
    concurrency: usize,
) -> Measured {
    let before = server.fake.request_count();
    let start = Instant::now();
    let reports: Vec<ZoneReport> = runtime.block_on(async {
        let audit = Audit::all_zones(ZoneFilter::new()).concurrency(concurrency);
        client.audit(&audit).unwrap().try_collect().await.unwrap()
    });
    let wall = start.elapsed();
    assert_eq!(reports.len(), ZONES);
    assert!(reports.iter().all(|report| report.error.is_none()));
    Measured { requests: server.fake.request_count() - before, wall }
}

/// The loop the official SDKs invite, over plain HTTP: List Zones at its default page size (20)
/// until a page comes back empty, then each zone's store at its default page size until a page
/// comes back empty, one request at a time. Returns the zones seen and the requests made.
async fn official_sdk_loop(server: &Server) -> (usize, usize) {
    // reqwest is built without a default crypto provider (the crate sets ring on its own clients).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let before = server.fake.request_count();
    let get = |url: String| {
        let http = http.clone();
        async move {
            let response = http.get(url).bearer_auth(TOKEN).send().await.unwrap();
            let body: serde_json::Value = response.json().await.unwrap();
            body["result"].as_array().unwrap().clone()
        }
    };
    let mut zones = Vec::new();
    for page in 1.. {
        let items = get(format!("{}/zones?page={page}", server.base_url)).await;
        if items.is_empty() {
            break;
        }
        zones.extend(items.into_iter().map(|zone| zone["id"].as_str().unwrap().to_owned()));
    }
    for zone in &zones {
        for page in 1.. {
            let url = format!("{}/zones/{zone}/acm/custom_trust_store?page={page}", server.base_url);
            if get(url).await.is_empty() {
                break;
            }
        }
    }
    (zones.len(), server.fake.request_count() - before)
}

//! The fake is a product too: what it answers on success conforms to Cloudflare's official
//! definition (the excerpts in `openapi/official/`), as Cloudflare's answers would.

use crate::support_schema_check as schema_check;

use cloudflare_origin_trust_store::fake::{FakeCloudflare, TOKEN, sample_certificates};
use serde_json::Value;

fn official(file: &str) -> Value {
    let path = format!("{}/openapi/official/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The schema of the official success answer of `method path`.
fn success_schema(document: &Value, path: &str, method: &str) -> Value {
    let responses = &document["paths"][path][method]["responses"];
    responses["200"]["content"]["application/json"]["schema"].clone()
}

async fn answer(method: &str, url: String, body: Option<Value>) -> (u16, Value) {
    #[cfg(feature = "rustls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut request = reqwest::Client::new().request(method.parse().unwrap(), url).bearer_auth(TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn every_success_of_the_trust_store_conforms_to_the_official_definition() {
    let document = official("custom-trust-store.yaml");
    let store = "/zones/{zone_id}/acm/custom_trust_store";
    let item = "/zones/{zone_id}/acm/custom_trust_store/{custom_origin_trust_store_id}";
    let fake = FakeCloudflare::builder().sample_certificates(55).start().await.unwrap();
    let base = format!("{}/zones/{}/acm/custom_trust_store", fake.base_url(), fake.zone_id());
    let id = fake.certificates()[0].id.clone();
    let upload = serde_json::json!({"certificate": sample_certificates(56)[55].certificate});
    let cases = [
        ("get", store, "GET", format!("{base}?per_page=50"), None),
        ("get", store, "GET", format!("{base}?page=2&per_page=50"), None),
        ("get", store, "GET", format!("{base}?page=9"), None),
        ("post", store, "POST", base.clone(), Some(upload)),
        ("get", item, "GET", format!("{base}/{id}"), None),
        ("delete", item, "DELETE", format!("{base}/{id}"), None),
    ];
    for (operation, path, method, url, body) in cases {
        let (status, answer) = answer(method, url.clone(), body).await;
        assert_eq!(status, 200, "{method} {url}: {answer}");
        let schema = success_schema(&document, path, operation);
        assert_eq!(
            schema_check::violations(&answer, &schema, &document),
            Vec::<String>::new(),
            "{method} {url}"
        );
    }
}

#[tokio::test]
async fn list_zones_conforms_to_the_official_definition() {
    use cloudflare_origin_trust_store::fake::FakeZone;
    let document = official("zones-list.yaml");
    let mut builder = FakeCloudflare::builder();
    for i in 0..60 {
        builder = builder.zone(FakeZone::new(format!("{i:032x}"), format!("zone{i}.example.org")));
    }
    let fake = builder.start().await.unwrap();
    for query in [
        "",
        "?per_page=50",
        "?page=2&per_page=50",
        "?name=zone7.example.org",
        "?status=active&account.id=01a7362d577a6c3019a474fd6f485823",
    ] {
        let (status, answer) = answer("GET", format!("{}/zones{query}", fake.base_url()), None).await;
        assert_eq!(status, 200, "{query}: {answer}");
        let schema = success_schema(&document, "/zones", "get");
        assert_eq!(schema_check::violations(&answer, &schema, &document), Vec::<String>::new(), "{query}");
    }
}

#[tokio::test]
async fn list_dns_records_conforms_to_the_official_definition() {
    let document = official("dns-records-list.yaml");
    let mut fake = FakeCloudflare::builder()
        .dns_record("A", "www.example.com", "192.0.2.10", true)
        .dns_record("AAAA", "v6.example.com", "2001:db8::1", true)
        .dns_record("CNAME", "app.example.com", "app.example.net", true)
        .dns_record("A", "grey.example.com", "192.0.2.20", false);
    for i in 0..120 {
        fake = fake.dns_record("A", &format!("host{i}.example.com"), "192.0.2.30", i % 2 == 0);
    }
    let fake = fake.start().await.unwrap();
    let path = format!("/zones/{}/dns_records", fake.zone_id());
    for query in
        ["", "?proxied=true", "?proxied=false&per_page=5", "?page=2", "?page=9&per_page=50", "?type=CNAME"]
    {
        let (status, answer) = answer("GET", format!("{}{path}{query}", fake.base_url()), None).await;
        assert_eq!(status, 200, "{query}: {answer}");
        assert!(
            !answer["result"].as_array().unwrap().is_empty() || query == "?page=9&per_page=50",
            "{query}"
        );
        let schema = success_schema(&document, "/zones/{zone_id}/dns_records", "get");
        assert_eq!(schema_check::violations(&answer, &schema, &document), Vec::<String>::new(), "{query}");
    }
}

//! The spec stays true: our hand-written fragment (`openapi/custom-trust-store.yaml`) against
//! Cloudflare's official definition (the excerpts vendored in `openapi/official/`), flattened to
//! `location → what it allows`. Every difference must be listed, with why, in
//! `openapi/deviations.yaml`; a difference that is not, or an entry that no longer matches
//! anything, fails with one line a maintainer can act on.

use crate::support_normalize as normalize;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

const OURS: &str = "openapi/custom-trust-store.yaml";
const OFFICIAL: &str = "openapi/official";
const DEVIATIONS: &str = "openapi/deviations.yaml";

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every official excerpt, merged into one document (paths and components).
fn official() -> Value {
    let mut merged = serde_json::json!({"paths": {}, "components": {"schemas": {}, "parameters": {}, "securitySchemes": {}}});
    let mut files: Vec<_> =
        std::fs::read_dir(root().join(OFFICIAL)).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "yaml")) {
        let document = yaml(file);
        for section in ["paths", "components/schemas", "components/parameters", "components/securitySchemes"]
        {
            let pointer = format!("/{section}");
            let target = merged.pointer_mut(&pointer).unwrap().as_object_mut().unwrap();
            for (key, value) in document.pointer(&pointer).and_then(Value::as_object).into_iter().flatten() {
                target.insert(key.clone(), value.clone());
            }
        }
    }
    merged
}

/// A deviation the project chose: where, what each side says, and why. A `location` ending in
/// `*` with `official: "*"` and `ours: absent` covers every location below it that ours lacks
/// (fields a model keeps without naming them).
#[derive(serde::Deserialize)]
struct Deviation {
    location: String,
    official: String,
    ours: String,
    why: String,
}

/// The lines a maintainer acts on: each difference not on the list, and each entry of the list that
/// no longer matches a difference.
fn drift(official: &Value, ours: &Value, deviations: &[Deviation]) -> Vec<String> {
    let names = normalize::operation_names(ours);
    let theirs = normalize::flatten(official, &names);
    let ours = normalize::flatten(ours, &names);
    let absent = "absent".to_owned();
    let mut differences: BTreeMap<&String, (&String, &String)> = BTreeMap::new();
    for location in theirs.keys().chain(ours.keys()) {
        let (a, b) = (theirs.get(location).unwrap_or(&absent), ours.get(location).unwrap_or(&absent));
        if a != b {
            differences.insert(location, (a, b));
        }
    }
    let covers = |d: &Deviation, location: &str, a: &str, b: &str| match d.location.strip_suffix('*') {
        Some(prefix) => {
            d.official == "*" && d.ours == "absent" && b == "absent" && location.starts_with(prefix)
        }
        None => d.location == location && d.official == a && d.ours == b,
    };
    let mut lines = Vec::new();
    for (location, (a, b)) in &differences {
        if !deviations.iter().any(|d| covers(d, location, a, b)) {
            lines.push(format!("{location}: official {a}, ours {b}"));
        }
    }
    for deviation in deviations {
        if deviation.location.ends_with('*') {
            if !differences.iter().any(|(location, (a, b))| covers(deviation, location, a, b)) {
                lines.push(format!(
                    "{DEVIATIONS} entry no longer matches: {}: nothing below it differs",
                    deviation.location
                ));
            }
        } else {
            let current = differences.get(&deviation.location);
            if current != Some(&(&deviation.official, &deviation.ours)) {
                let now =
                    current.map_or("no difference".to_owned(), |(a, b)| format!("official {a}, ours {b}"));
                lines.push(format!(
                    "{DEVIATIONS} entry no longer matches: {}: listed official {}, ours {}; now {now}",
                    deviation.location, deviation.official, deviation.ours
                ));
            }
        }
        assert!(!deviation.why.trim().is_empty(), "{}: every deviation says why", deviation.location);
    }
    lines
}

fn deviations() -> Vec<Deviation> {
    serde_norway::from_str(&std::fs::read_to_string(root().join(DEVIATIONS)).unwrap()).unwrap()
}

#[test]
fn our_fragment_differs_from_the_official_definition_only_where_the_deviations_say() {
    let lines = drift(&official(), &yaml(&root().join(OURS)), &deviations());
    assert!(
        lines.is_empty(),
        "\n{} difference(s) between {OURS} and {OFFICIAL}/: edit the fragment, or list the deviation (with why) in {DEVIATIONS}\n{}\n",
        lines.len(),
        lines.join("\n")
    );
}

/// What the "done when" asks, checked on an edited copy of the official definition in
/// memory: a new property and a new status value each make a line naming them.
#[test]
fn a_new_official_property_or_status_value_is_named() {
    let mut official = official();
    let certificate = "/components/schemas/tls-certificates-and-hostnames_custom-trust-store/properties";
    official.pointer_mut(certificate).unwrap().as_object_mut().unwrap().insert(
        "sha256_fingerprint".into(),
        serde_json::json!({"type": "string", "description": "The certificate's SHA-256 fingerprint."}),
    );
    let status = "/components/schemas/tls-certificates-and-hostnames_status-7/enum";
    official.pointer_mut(status).unwrap().as_array_mut().unwrap().push("quarantined".into());

    let lines = drift(&official, &yaml(&root().join(OURS)), &deviations());

    assert!(
        lines.contains(&"response list_custom_trust_store.result[].sha256_fingerprint: official string (optional), ours absent".to_owned()),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|line| line.starts_with("response list_custom_trust_store.result[].status: official string, enum [initializing, pending_deployment, active, pending_deletion, deleted, expired, quarantined]")),
        "{lines:#?}"
    );
}

#[test]
fn every_official_status_is_a_known_certificate_status() {
    use cloudflare_origin_trust_store::CertificateStatus;
    let official = official();
    let values = official["components"]["schemas"]["tls-certificates-and-hostnames_status-7"]["enum"]
        .as_array()
        .unwrap();
    assert!(!values.is_empty());
    for value in values {
        let status = CertificateStatus::from(value.as_str().unwrap());
        assert!(!matches!(status, CertificateStatus::Unknown(_)), "{value} is not a known CertificateStatus");
        assert_eq!(status.as_str(), value.as_str().unwrap());
    }
}

/// The official examples, assembled into a list answer, decode through the generated types (the
/// client's list) to what they say.
#[tokio::test]
async fn the_official_examples_decode_through_the_client() {
    use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};
    let official = official();
    let schemas = &official["components"]["schemas"];
    let example = |name: &str| schemas[format!("tls-certificates-and-hostnames_{name}")]["example"].clone();
    let certificate = serde_json::json!({
        "certificate": example("certificate-3"),
        "expires_on": example("expires_on-2"),
        "id": example("identifier"),
        "issuer": example("issuer"),
        "signature": example("signature"),
        "status": example("status-7"),
        "updated_at": example("updated_at-2"),
        "uploaded_on": example("uploaded_on"),
    });
    let info = &schemas["tls-certificates-and-hostnames_api-response-collection"]["allOf"][1]["properties"]["result_info"]
        ["properties"];
    let result_info: serde_json::Map<String, Value> =
        info.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v["example"].clone())).collect();
    let body = serde_json::json!({
        "errors": [], "messages": [], "success": true, "result": [certificate], "result_info": result_info,
    });
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200).set_body_json(&body)).mount(&server).await;
    let client = cloudflare_origin_trust_store::Client::builder()
        .base_url(format!("{}/client/v4", server.uri()))
        .credentials(cloudflare_origin_trust_store::Credentials::token("example"))
        .build()
        .unwrap();
    let page = client
        .list_page("023e105f4ecef8ad9ca31a8372d0c353", &cloudflare_origin_trust_store::ListParams::new())
        .await
        .unwrap();
    let listed = &page.items[0];
    assert_eq!(serde_json::to_value(listed).unwrap(), body["result"][0]);
    assert_eq!(listed.status, cloudflare_origin_trust_store::CertificateStatus::Active);
    let info = page.result_info.unwrap();
    assert_eq!(
        (info.count, info.page, info.per_page, info.total_count, info.total_pages),
        (Some(1), Some(1), Some(20), Some(2000), Some(100))
    );
}

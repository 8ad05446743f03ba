//! A snapshot of the public model types (the generated structs' names, fields and types), so that
//! an upgrade of progenitor or typify, or an edit of the spec, that changes the public API fails
//! here instead of reaching users unnoticed. After a deliberate change, refresh the snapshot with
//! `UPDATE_SNAPSHOT=1 cargo test --all-features --test spec public_models` and review its diff.
#![cfg(feature = "schemars")]

use cloudflare_origin_trust_store::{
    CertificateStatus, CustomTrustStore, DnsRecord, ResponseMessage, ResponseMessageSource, ResultInfo, Zone,
    ZoneAccount, ZoneStatus,
};
use serde_json::Value;

const SNAPSHOT: &str = "tests/snapshots/public-models.txt";

/// One line per field: `Type.field: type [format] (required|optional)`, and one per enum.
fn describe<T: schemars::JsonSchema>(lines: &mut Vec<String>) {
    let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap();
    let name = T::schema_name();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match schema["properties"].as_object() {
        Some(properties) => {
            for (field, property) in properties {
                let need = if required.contains(&field.as_str()) { "required" } else { "optional" };
                lines.push(format!("{name}.{field}: {} ({need})", kind(property)));
            }
        }
        None => lines.push(format!("{name}: {}", kind(&schema))),
    }
}

/// A property's type as the schema says it: its type (or types), format, reference or choices.
fn kind(property: &Value) -> String {
    let mut parts = Vec::new();
    for key in ["type", "format", "$ref", "enum", "anyOf", "oneOf", "items"] {
        if let Some(value) = property.get(key) {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Object(map) if key == "items" => kind(&Value::Object(map.clone())),
                other => other.to_string(),
            };
            parts.push(format!("{key}={text}"));
        }
    }
    parts.join(" ")
}

#[test]
fn the_public_model_types_match_their_snapshot() {
    let mut lines = Vec::new();
    describe::<CustomTrustStore>(&mut lines);
    describe::<CertificateStatus>(&mut lines);
    describe::<ResponseMessage>(&mut lines);
    describe::<ResponseMessageSource>(&mut lines);
    describe::<ResultInfo>(&mut lines);
    describe::<DnsRecord>(&mut lines);
    describe::<Zone>(&mut lines);
    describe::<ZoneAccount>(&mut lines);
    describe::<ZoneStatus>(&mut lines);
    let now = lines.join("\n") + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
    if std::env::var_os("UPDATE_SNAPSHOT").is_some() {
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let before = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        now == before,
        "the public model types changed; if that is deliberate, run UPDATE_SNAPSHOT=1 cargo test --all-features --test spec public_models and review {SNAPSHOT}\nnow:\n{now}\nsnapshot:\n{before}"
    );
}

/// Every model the spec marks public (`x-crate-public: true`, which build.rs re-exports) is in the
/// snapshot, so a model added to the spec cannot reach users without being described above.
#[test]
fn every_model_the_spec_marks_public_is_in_the_snapshot() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec: Value = serde_norway::from_str(
        &std::fs::read_to_string(root.join("openapi/custom-trust-store.yaml")).unwrap(),
    )
    .unwrap();
    let public: Vec<&String> = spec["components"]["schemas"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, schema)| schema["x-crate-public"] == Value::Bool(true))
        .map(|(name, _)| name)
        .collect();
    assert!(public.len() >= 6, "{public:?}");
    let snapshot = std::fs::read_to_string(root.join(SNAPSHOT)).unwrap();
    let described: std::collections::BTreeSet<&str> =
        snapshot.lines().filter_map(|line| line.split([':', '.']).next()).collect();
    let missing: Vec<&&String> = public.iter().filter(|name| !described.contains(name.as_str())).collect();
    assert!(
        missing.is_empty(),
        "add these public models to the_public_model_types_match_their_snapshot: {missing:?}"
    );
}

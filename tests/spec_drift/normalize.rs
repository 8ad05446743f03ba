//! An OpenAPI 3.0 document flattened to `location → what it allows`: parameters, request bodies,
//! success responses and security, with local `$ref`s resolved and `allOf` merged. Descriptions,
//! examples and `x-` extensions are left out: only what a client or a server must agree on.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One location of an operation (`param list_custom_trust_store.page (query)`,
/// `response list_custom_trust_store.result[].status`...) and what it allows there
/// (`string, enum [a, b] (required)`).
pub type Flat = BTreeMap<String, String>;

/// Every operation of `document`, keyed by `METHOD path`, with the name locations use: the
/// operation id of `names` for the same method and path when it has one (ours), else its own.
pub fn flatten(document: &Value, names: &BTreeMap<String, String>) -> Flat {
    let spec = Spec { document };
    let mut flat = Flat::new();
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in &paths {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let key = format!("{} {path}", method.to_uppercase());
            let name = names.get(&key).cloned().unwrap_or_else(|| text(&operation["operationId"]));
            spec.operation(&name, &key, item, operation, &mut flat);
        }
    }
    for (scheme, definition) in document["components"]["securitySchemes"].as_object().into_iter().flatten() {
        let keys = ["type", "scheme", "in", "name"];
        let shown: Vec<String> = keys.iter().filter_map(|k| definition.get(*k).map(text)).collect();
        flat.insert(format!("security scheme {scheme}"), shown.join(" "));
    }
    flat
}

/// `METHOD path` → operation id, for naming the other document's operations alike.
pub fn operation_names(document: &Value) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if let Some(id) = operation["operationId"].as_str() {
                names.insert(format!("{} {path}", method.to_uppercase()), id.to_owned());
            }
        }
    }
    names
}

struct Spec<'a> {
    document: &'a Value,
}

impl Spec<'_> {
    fn operation(&self, name: &str, key: &str, item: &Value, operation: &Value, flat: &mut Flat) {
        flat.insert(format!("operation {name}"), key.to_owned());
        let parameters = item["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(operation["parameters"].as_array().into_iter().flatten());
        for parameter in parameters {
            let parameter = self.resolve(parameter);
            let location = format!("param {name}.{} ({})", text(&parameter["name"]), text(&parameter["in"]));
            let required = parameter["required"].as_bool().unwrap_or(false);
            flat.insert(location, describe(&self.merged(&parameter["schema"]), required));
        }
        if let Some(body) = operation["requestBody"].as_object() {
            let schema =
                &body.get("content").and_then(|c| c.get("application/json")).map(|m| m["schema"].clone());
            let required = body.get("required").and_then(Value::as_bool).unwrap_or(false);
            self.schema(&format!("request {name}"), schema.as_ref().unwrap_or(&Value::Null), required, flat);
        }
        let responses = operation["responses"].as_object().cloned().unwrap_or_default();
        let success: Vec<&String> = responses.keys().filter(|code| code.starts_with('2')).collect();
        flat.insert(
            format!("status {name}"),
            success.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
        );
        for code in success {
            let schema = &responses[code]["content"]["application/json"]["schema"];
            self.schema(&format!("response {name}"), schema, true, flat);
        }
        let security: Vec<String> = operation["security"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|requirement| {
                let mut names: Vec<&String> =
                    requirement.as_object().map(|o| o.keys().collect()).unwrap_or_default();
                names.sort();
                names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(" + ")
            })
            .collect();
        flat.insert(format!("security {name}"), security.join(" | "));
    }

    /// The schema at `location` and, for an object, each property; for an array, its items (`[]`).
    fn schema(&self, location: &str, schema: &Value, required: bool, flat: &mut Flat) {
        let schema = self.merged(schema);
        flat.insert(location.to_owned(), describe(&schema, required));
        if let Some(properties) = schema["properties"].as_object() {
            let required: Vec<&str> =
                schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            for (name, property) in properties {
                self.schema(&format!("{location}.{name}"), property, required.contains(&name.as_str()), flat);
            }
        }
        if schema["type"] == "array" {
            self.schema(&format!("{location}[]"), &schema["items"], true, flat);
        }
    }

    /// `value`, or what its local `$ref` points to (followed to the end).
    fn resolve(&self, value: &Value) -> Value {
        let mut value = value.clone();
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else { break };
            let Some(pointer) = reference.strip_prefix('#') else { panic!("only local $refs: {reference}") };
            value = self
                .document
                .pointer(pointer)
                .unwrap_or_else(|| panic!("a dangling $ref: {reference}"))
                .clone();
        }
        value
    }

    /// A schema with its `$ref` resolved and its `allOf` merged: properties and `required`
    /// united, other keys from every part (the schema's own last).
    fn merged(&self, schema: &Value) -> Value {
        let schema = self.resolve(schema);
        let Some(parts) = schema.get("allOf").and_then(Value::as_array) else { return schema };
        let mut merged = Map::new();
        let mut properties = Map::new();
        let mut required: Vec<Value> = Vec::new();
        let own = schema.as_object().cloned().unwrap_or_default();
        for part in parts.iter().map(|part| self.merged(part)).chain(std::iter::once(Value::Object(own))) {
            for (key, value) in part.as_object().into_iter().flatten() {
                match key.as_str() {
                    "allOf" => {}
                    "properties" => properties.extend(value.as_object().cloned().unwrap_or_default()),
                    "required" => required.extend(value.as_array().cloned().unwrap_or_default()),
                    _ => {
                        merged.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        if !properties.is_empty() {
            merged.insert("properties".into(), Value::Object(properties));
            merged.entry("type").or_insert("object".into());
        }
        if !required.is_empty() {
            required.dedup();
            merged.insert("required".into(), Value::Array(required));
        }
        Value::Object(merged)
    }
}

/// What a schema allows, on one line: `integer/int64, min 1, max 50, default 20, enum [a, b],
/// nullable (required)`.
fn describe(schema: &Value, required: bool) -> String {
    let mut parts = vec![match (schema.get("type"), schema.get("format")) {
        (Some(kind), Some(format)) => format!("{}/{}", text(kind), text(format)),
        (Some(kind), None) => text(kind),
        (None, _) if schema.get("properties").is_some() => "object".into(),
        (None, _) => "any".into(),
    }];
    for (key, label) in [
        ("minimum", "min"),
        ("maximum", "max"),
        ("minLength", "minLength"),
        ("maxLength", "maxLength"),
        ("minItems", "minItems"),
        ("pattern", "pattern"),
        ("default", "default"),
    ] {
        if let Some(value) = schema.get(key) {
            parts.push(format!("{label} {}", text(value)));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        parts.push(format!("enum [{}]", values.iter().map(text).collect::<Vec<_>>().join(", ")));
    }
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        parts.push("nullable".into());
    }
    format!("{} ({})", parts.join(", "), if required { "required" } else { "optional" })
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

//! Checks a JSON value against a schema: the subset of JSON Schema 2020-12 that schemars writes
//! (`$ref` to `$defs`, `type` (or a list of them), `properties`, `required`, `items`, `enum`,
//! `const`, `anyOf`, `oneOf`, `allOf`, `format: date-time`) and of OpenAPI 3.0 schemas (`$ref` to
//! `components`, `nullable`, `allOf`, `number` taking integers). Enough to pin what the CLI prints
//! and what the fake answers; every keyword outside the subset fails loudly rather than passing.
#![allow(dead_code)]

use serde_json::Value;

/// Every place `value` breaks `schema`, as `path: what`; empty when it conforms. `root` is the
/// document `$ref`s point into.
pub fn violations(value: &Value, schema: &Value, root: &Value) -> Vec<String> {
    let mut found = Vec::new();
    check(value, schema, root, "$", &mut found);
    found
}

const KNOWN: &[&str] = &[
    "$ref",
    "$schema",
    "$defs",
    "type",
    "properties",
    "required",
    "items",
    "enum",
    "const",
    "anyOf",
    "oneOf",
    "allOf",
    "format",
    "nullable",
    "title",
    "description",
    "examples",
    "example",
    "default",
    "minimum",
    "maximum",
    "maxLength",
    "minLength",
    "readOnly",
    "x-auditable",
    "pattern",
    "deprecated",
    "uniqueItems",
    "additionalProperties",
    "x-stainless-deprecation-message",
];

fn check(value: &Value, schema: &Value, root: &Value, path: &str, found: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            found.push(format!("{path}: nothing is allowed here"));
        }
        return;
    };
    // `x-` keys are OpenAPI extensions: annotations for code generators, never constraints.
    for key in schema.keys().filter(|key| !key.starts_with("x-")) {
        assert!(
            KNOWN.contains(&key.as_str()),
            "{path}: the schema uses `{key}`, which this checker does not know"
        );
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target =
            root.pointer(reference.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling {reference}"));
        check(value, target, root, path, found);
    }
    if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
        return;
    }
    if let Some(kinds) = schema.get("type") {
        let kinds: Vec<&str> = match kinds {
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            other => vec![other.as_str().unwrap()],
        };
        if !kinds.iter().any(|kind| is(value, kind)) {
            found.push(format!("{path}: {value} is not {}", kinds.join(" or ")));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        found.push(format!("{path}: {value} is not one of {options:?}"));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        found.push(format!("{path}: {value} is not {constant}"));
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time")
        && let Some(text) = value.as_str()
        && chrono::DateTime::parse_from_rfc3339(text).is_err()
    {
        found.push(format!("{path}: {text:?} is not a date-time"));
    }
    if let (Some(minimum), Some(number)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64())
        && number < minimum
    {
        found.push(format!("{path}: {number} is under {minimum}"));
    }
    if let (Some(maximum), Some(number)) = (schema.get("maximum").and_then(Value::as_f64), value.as_f64())
        && number > maximum
    {
        found.push(format!("{path}: {number} is over {maximum}"));
    }
    if let (Some(max), Some(text)) = (schema.get("maxLength").and_then(Value::as_u64), value.as_str())
        && text.chars().count() as u64 > max
    {
        found.push(format!("{path}: longer than {max}"));
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        check(value, part, root, path, found);
    }
    for (keyword, exactly_one) in [("anyOf", false), ("oneOf", true)] {
        if let Some(options) = schema.get(keyword).and_then(Value::as_array) {
            let passing =
                options.iter().filter(|option| violations_in(value, option, root, path).is_empty()).count();
            if passing == 0 || (exactly_one && passing > 1) {
                found.push(format!("{path}: {passing} of the {keyword} options match"));
            }
        }
    }
    if let Some(object) = value.as_object() {
        for name in
            schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                found.push(format!("{path}: `{name}` is required"));
            }
        }
        for (name, property) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
            if let Some(inner) = object.get(name) {
                check(inner, property, root, &format!("{path}.{name}"), found);
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(item, items, root, &format!("{path}[{i}]"), found);
        }
    }
}

fn violations_in(value: &Value, schema: &Value, root: &Value, path: &str) -> Vec<String> {
    let mut found = Vec::new();
    check(value, schema, root, path, &mut found);
    found
}

fn is(value: &Value, kind: &str) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        other => panic!("unknown type {other}"),
    }
}

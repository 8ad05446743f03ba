//! Generates the low-level client from `openapi/custom-trust-store.yaml` into `$OUT_DIR/codegen.rs`,
//! and from the same spec the wrapper's index of it (`$OUT_DIR/models.rs`, `$OUT_DIR/routes.rs`),
//! so that adding an endpoint edits the spec rather than lists in the wrapper.
//!
//! The generated code is private to the crate (see `src/generated.rs`); the handwritten wrapper is the
//! public API. Some generated types are replaced by handwritten ones (see `src/model.rs`), and the
//! public models (schemas marked `x-crate-public: true`) are patched `#[non_exhaustive]` with a
//! `Default`, so a field Cloudflare adds later breaks no user's code. Every name below must be a
//! schema of the spec: a rename in the spec fails the build here, naming the spec, instead of
//! silently generating a different type.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::{env, fs, path::Path};

#[path = "build/index.rs"]
mod index;

use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl, TypePatch};

const SPEC: &str = "openapi/custom-trust-store.yaml";

/// Schemas replaced by handwritten types, with the traits those types implement.
const REPLACEMENTS: &[(&str, &str, &[TypeImpl])] = &[
    ("ResultInfo", "crate::model::ResultInfo", &[TypeImpl::Default]),
    ("Messages", "crate::model::Messages", &[TypeImpl::Default]),
    (
        "CertificateStatus",
        "crate::model::CertificateStatus",
        &[TypeImpl::Default, TypeImpl::Display, TypeImpl::FromStr],
    ),
    ("ZoneStatus", "crate::model::ZoneStatus", &[TypeImpl::Default, TypeImpl::Display, TypeImpl::FromStr]),
];

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");

    let text = fs::read_to_string(SPEC).unwrap_or_else(|e| fail(format!("cannot read it: {e}")));
    let spec: openapiv3::OpenAPI =
        serde_norway::from_str(&text).unwrap_or_else(|e| fail(format!("it is not valid OpenAPI 3.0: {e}")));

    let schemas = spec.components.as_ref().map(|c| &c.schemas);
    for (name, ..) in REPLACEMENTS {
        if !schemas.is_some_and(|schemas| schemas.contains_key(*name)) {
            fail(format!(
                "build.rs replaces schema `{name}`, but the spec has no such schema under \
                 components.schemas (renamed?); rename it back, or update REPLACEMENTS in build.rs and \
                 src/model.rs together"
            ));
        }
    }
    // The wrapper's index first: its refusals name the spec's own words, before the generator sees them.
    let public = index::public_models(&spec);
    let routes = index::routes_file(&spec);

    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote_path("crate::request::seam::Exchange"))
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("PartialEq")
        .with_derive("Eq");
    // Feature `schemars`: every model gets a JSON Schema (the replacements implement it by hand).
    println!("cargo:rerun-if-env-changed=CARGO_FEATURE_SCHEMARS");
    if env::var_os("CARGO_FEATURE_SCHEMARS").is_some() {
        settings.with_derive("schemars::JsonSchema");
    }
    for (name, path, impls) in REPLACEMENTS {
        settings.with_replacement(name, path, impls.iter().cloned());
    }
    let mut patch = TypePatch::default();
    patch.with_attr("#[non_exhaustive]").with_derive("Default");
    for name in &public {
        settings.with_patch(name, &patch);
    }

    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).to_path_buf();
    let write = |file: &str, code: String| {
        let path = out.join(file);
        fs::write(&path, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    };
    write("codegen.rs", generate(&settings, &spec));
    write("models.rs", index::models_file(&public));
    write("routes.rs", routes);
}

/// Runs the generator. progenitor and typify panic on some specs (a bad `type:`, a dangling
/// `$ref`, two success schemas): the panic is caught and reported naming the spec.
fn generate(settings: &GenerationSettings, spec: &openapiv3::OpenAPI) -> String {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // the message is reported below, once
    let result = catch_unwind(AssertUnwindSafe(|| Generator::new(settings).generate_tokens(spec)));
    std::panic::set_hook(default_hook);
    let tokens = match result {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => fail(format!("progenitor cannot generate a client from it: {e}")),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            fail(format!("the generator (progenitor/typify) panicked on it: {message}"))
        }
    };
    let ast: syn::File = syn::parse2(tokens)
        .unwrap_or_else(|e| fail(format!("progenitor produced invalid Rust from it: {e}")));
    prettyplease::unparse(&ast)
}

fn fail(problem: String) -> ! {
    panic!("the OpenAPI spec {SPEC}: {problem}")
}

fn quote_path(path: &str) -> proc_macro2::TokenStream {
    path.parse().expect("a Rust path")
}

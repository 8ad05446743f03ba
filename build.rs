//! Generates the low-level client from `openapi/custom-trust-store.yaml` into `$OUT_DIR/codegen.rs`.
//!
//! The generated code is private to the crate (see `src/generated.rs`); the handwritten wrapper is the
//! public API. Two generated types are replaced by handwritten ones (see `src/model.rs`).

use std::{env, fs, path::Path};

const SPEC: &str = "openapi/custom-trust-store.yaml";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");

    let text =
        fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("cannot read the OpenAPI spec {SPEC}: {e}"));
    let spec: openapiv3::OpenAPI = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("the OpenAPI spec {SPEC} is not valid OpenAPI 3.0: {e}"));

    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(quote_path("crate::transport::Call"))
        .with_hooks(progenitor::HooksMode::Expected)
        .with_replacement(
            "ResultInfo",
            "crate::model::ResultInfo",
            [progenitor::TypeImpl::Default].into_iter(),
        )
        .with_replacement(
            "CertificateStatus",
            "crate::model::CertificateStatus",
            [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
        )
        .with_derive("PartialEq")
        .with_derive("Eq");

    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("progenitor cannot generate a client from {SPEC}: {e}"));
    let ast: syn::File =
        syn::parse2(tokens).unwrap_or_else(|e| panic!("progenitor produced invalid Rust from {SPEC}: {e}"));
    let code = prettyplease::unparse(&ast);

    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("codegen.rs");
    fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

fn quote_path(path: &str) -> proc_macro2::TokenStream {
    path.parse().expect("a Rust path")
}

//! The low-level client progenitor generates from `openapi/custom-trust-store.yaml` (see build.rs).
//! Private: the wrapper is the public API, and only model types are re-exported.
#![allow(missing_docs, missing_debug_implementations, unreachable_pub, dead_code, clippy::all)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

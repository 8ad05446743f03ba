//! The spec stays true and the docs say what is: the drift check against the official definition, what an edit of the spec does to the build, the snapshot of the public model types, and the tests the README names.

#[path = "../spec_drift/normalize.rs"]
mod support_normalize;

mod public_models;
mod readme;
mod spec_changes;
mod spec_drift;

//! What an edit of the spec does to the build, tried on a copy of this package built with cargo
//! (sharing this build's target directory, so only the copy's own crate is compiled).

use std::path::{Path, PathBuf};
use std::process::Command;

const SPEC: &str = "openapi/custom-trust-store.yaml";

/// A copy of this package (without `target/` and `.git/`) in a fresh directory of its own, under
/// a package and binary name of its own: cargo names a path package's artifacts after its name and
/// its path relative to the workspace, so a copy under the same name would overwrite this build's
/// own library and `cf-trust-store` binary in the shared target directory.
fn copy_of_package(name: &str) -> PathBuf {
    let to = Path::new(env!("CARGO_TARGET_TMPDIR")).join("spec-changes").join(name);
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(Path::new(env!("CARGO_MANIFEST_DIR")), &to);
    let manifest = std::fs::read_to_string(to.join("Cargo.toml")).unwrap();
    let renamed = manifest
        .replacen("name = \"cloudflare-origin-trust-store\"", &format!("name = \"spec-change-{name}\""), 1)
        .replacen("name = \"cf-trust-store\"", &format!("name = \"spec-change-{name}\""), 1)
        .lines()
        .filter(|line| !line.starts_with("cloudflare-origin-trust-store = { path = \".\""))
        .collect::<Vec<_>>()
        .join("\n")
        // The test dependencies as dependencies of every target (a target table may name a
        // dependency [dependencies] names too), so the copy's library resolves its dependencies'
        // features as this test build did (tokio's test-util, hyper's full) and reuses them
        // instead of compiling tokio, hyper and reqwest again.
        .replacen("[dev-dependencies]", "[target.'cfg(all())'.dependencies]", 1);
    assert_eq!(renamed.matches(&format!("spec-change-{name}")).count(), 2, "{renamed}");
    assert!(renamed.contains("[target.'cfg(all())'.dependencies]"), "{renamed}");
    std::fs::write(to.join("Cargo.toml"), renamed).unwrap();
    to
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&entry.path(), &to.join(&name));
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

fn edit_spec(package: &Path, edit: impl FnOnce(String) -> String) {
    let path = package.join(SPEC);
    let before = std::fs::read_to_string(&path).unwrap();
    let after = edit(before.clone());
    assert_ne!(before, after, "the edit changed nothing");
    std::fs::write(path, after).unwrap();
}

/// `cargo build` of the copy, with the features this test was built with (so every dependency is
/// already built in the shared target directory). Returns whether it succeeded, and its stderr.
fn build(package: &Path, targets: &[&str]) -> (bool, String) {
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let features: Vec<&str> = [
        ("rustls", cfg!(feature = "rustls")),
        ("native-tls", cfg!(feature = "native-tls")),
        ("test-util", cfg!(feature = "test-util")),
        ("cli", cfg!(feature = "cli")),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect();
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--offline", "--quiet", "--no-default-features", "--features", &features.join(",")])
        .args(targets)
        .current_dir(package)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .expect("cargo runs");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn renaming_a_replaced_schema_fails_the_build_naming_the_spec() {
    let package = copy_of_package("renamed-replacement");
    edit_spec(&package, |spec| {
        spec.replace("CertificateStatus:", "CertificateState:")
            .replace("schemas/CertificateStatus'", "schemas/CertificateState'")
    });

    let (ok, stderr) = build(&package, &["--lib"]);

    assert!(!ok, "the build must fail:\n{stderr}");
    assert!(
        stderr.contains(
            "the OpenAPI spec openapi/custom-trust-store.yaml: build.rs replaces schema \
             `CertificateStatus`, but the spec has no such schema"
        ),
        "{stderr}"
    );
}

#[test]
fn a_generator_panic_is_reported_naming_the_spec() {
    let package = copy_of_package("dangling-ref");
    edit_spec(&package, |spec| {
        spec.replacen(
            "$ref: '#/components/schemas/ResponseMessageSource'",
            "$ref: '#/components/schemas/Nowhere'",
            1,
        )
    });

    let (ok, stderr) = build(&package, &["--lib"]);

    assert!(!ok, "the build must fail:\n{stderr}");
    assert!(
        stderr.contains("the OpenAPI spec openapi/custom-trust-store.yaml: the generator (progenitor/typify) panicked on it"),
        "{stderr}"
    );
}

/// Spec edits the wrapper's index cannot follow, each tried on one copy (its build script is
/// compiled once and run for each): the build fails naming the operation, schema or parameter and
/// what it must be, before the generator sees them.
#[test]
fn spec_edits_the_wrapper_cannot_index_fail_the_build_naming_them() {
    const DNS_ZONE_ID: &str = "      description: List, search, sort, and filter a zones' DNS records.\n      parameters:\n        - name: zone_id\n";
    const ZONES: &str = "      operationId: list_zones\n      x-crate-permission: 'allowed \"Zone Read\" on the zones it should see'\n";
    let cases: &[(&str, &str, &str)] = &[
        (
            ZONES,
            "      operationId: list_zones\n",
            "GET /zones (list_zones): x-crate-permission must say, as a string, what a token needs for it",
        ),
        (
            ZONES,
            "      operationId: list_zones\n      x-crate-permission: ''\n",
            "GET /zones (list_zones): x-crate-permission must say",
        ),
        (
            ZONES,
            "      operationId: list_zones\n      x-crate-permission: 3\n",
            "GET /zones (list_zones): x-crate-permission must say",
        ),
        (
            "      operationId: list_zones\n",
            "      operationId: list-zones\n",
            "GET /zones: operationId `list-zones` must be a snake_case Rust name",
        ),
        (
            "      operationId: list_zones\n",
            "      operationId: type\n",
            "GET /zones: operationId `type` must be a snake_case Rust name (a-z, 0-9, _; not a keyword)",
        ),
        (
            "      operationId: list_zones\n",
            "      operationId: Zones\n",
            "GET /zones: operationId `Zones` must be a snake_case Rust name",
        ),
        (
            "    ZoneAccount:\n      description: The account a zone belongs to.\n      x-crate-public: true\n",
            "    ZoneAccount:\n      description: The account a zone belongs to.\n      x-crate-public: 'yes'\n",
            "schema `ZoneAccount`: x-crate-public must be true or false, not \"yes\"",
        ),
        (
            DNS_ZONE_ID,
            &DNS_ZONE_ID.replace("name: zone_id", "name: zone.id"),
            "GET /zones/{zone_id}/dns_records: path parameter `zone.id` must be a snake_case Rust name",
        ),
        (
            DNS_ZONE_ID,
            &DNS_ZONE_ID.replace("name: zone_id", "name: zone"),
            "GET /zones/{zone_id}/dns_records: path parameter `zone` is not in the path",
        ),
    ];
    let package = copy_of_package("unindexable");
    let original = std::fs::read_to_string(package.join(SPEC)).unwrap();
    for (from, to, expected) in cases {
        assert_eq!(original.matches(from).count(), 1, "{from}");
        std::fs::write(package.join(SPEC), original.replacen(from, to, 1)).unwrap();

        let (ok, stderr) = build(&package, &["--lib"]);

        assert!(!ok, "{to}: the build must fail:\n{stderr}");
        let expected = format!("the OpenAPI spec openapi/custom-trust-store.yaml: {expected}");
        assert!(stderr.contains(&expected), "{to}: expected {expected:?} in\n{stderr}");
    }
}

/// A list endpoint of a new resource, as the spec declares it: its operation, its envelope and
/// its model marked public.
const LOAD_BALANCERS: &str = "  /zones/{zone_id}/load_balancers:
    get:
      operationId: list_load_balancers
      x-crate-permission: 'allowed \"Load Balancers Read\" on this zone'
      parameters:
        - name: zone_id
          in: path
          required: true
          schema:
            $ref: '#/components/schemas/Identifier'
      responses:
        '200':
          description: List Load Balancers response.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/LoadBalancerList'
        4XX:
          description: List Load Balancers response failure.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/ApiFailure'
";

const LOAD_BALANCER_SCHEMAS: &str = "  schemas:
    LoadBalancerList:
      type: object
      required: [success]
      properties:
        errors:
          $ref: '#/components/schemas/Messages'
        messages:
          $ref: '#/components/schemas/Messages'
        success:
          type: boolean
        result:
          type: array
          items:
            $ref: '#/components/schemas/LoadBalancer'
        result_info:
          $ref: '#/components/schemas/ResultInfo'
    LoadBalancer:
      x-crate-public: true
      type: object
      required: [id, name]
      properties:
        id:
          type: string
        name:
          type: string
";

/// The wrapper's whole part of that endpoint: one method in its resource's file, which uses the
/// route constructor, the envelope and the public re-export that build.rs derived from the spec.
const LOAD_BALANCER_METHOD: &str = "
impl Client {
    /// One page of the zone's load balancers.
    pub async fn load_balancers(&self, zone_id: &str) -> Result<Page<crate::LoadBalancer>> {
        let zone = checked_zone_id(zone_id)?;
        self.run(Route::list_load_balancers(&zone), |client| async move {
            client.list_load_balancers(&zone).await
        })
        .await
    }
}
";

/// Two additions in one copy (each build of a copy costs a compile of the crate): an optional field
/// Cloudflare could add to the certificate needs no edit at all, and a list endpoint needs only its
/// method; the library and the CLI build without a warning.
#[test]
fn an_optional_field_needs_no_other_edit_and_a_list_endpoint_only_its_method() {
    let package = copy_of_package("additions");
    edit_spec(&package, |spec| {
        spec.replacen(
            "      properties:\n        id:\n          description: Identifier.\n          type: string\n",
            "      properties:\n        id:\n          description: Identifier.\n          type: string\n        \
             fingerprint_sha256:\n          description: A field Cloudflare could add.\n          type: string\n",
            1,
        )
        .replacen(
            "  /zones/{zone_id}/dns_records:\n",
            &format!("{LOAD_BALANCERS}  /zones/{{zone_id}}/dns_records:\n"),
            1,
        )
        .replacen("  schemas:\n", LOAD_BALANCER_SCHEMAS, 1)
    });
    let file = package.join("src/api/zones.rs");
    let code = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, code + LOAD_BALANCER_METHOD).unwrap();

    let (ok, stderr) = build(&package, &["--lib", "--bins"]);

    assert!(ok, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

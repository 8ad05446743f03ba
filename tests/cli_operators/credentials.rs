//! Credentials named the way other Cloudflare tools name them, and `--token-env VAR`.

use cloudflare_origin_trust_store::fake::{self, FakeCloudflare};

use crate::cli_support::{assert_failed, run, stderr};

#[tokio::test]
async fn a_token_in_cf_api_token_alone_is_named_in_the_error() {
    let zone = "023e105f4ecef8ad9ca31a8372d0c353";
    let secret = "tok-from-flarectl-0123456789";
    let output = run(&["list", "--zone-id", zone], &[("CF_API_TOKEN", secret)]).await;
    assert_failed(
        &output,
        2,
        "error: configuration error: no credentials: set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and \
         CLOUDFLARE_API_KEY; CF_API_TOKEN is set (the name flarectl and older wrangler read), but this tool \
         reads CLOUDFLARE_API_TOKEN: set that, or give --token-env CF_API_TOKEN\n",
    );
    // Without CF_API_TOKEN, or with CLOUDFLARE_API_TOKEN set too, nothing is said of it.
    let output = run(&["list", "--zone-id", zone], &[]).await;
    assert!(!stderr(&output).contains("CF_API_TOKEN"), "{}", stderr(&output));
    let output = run(
        &["list", "--zone-id", zone, "--base-url", "ftp://x"],
        &[("CF_API_TOKEN", secret), ("CLOUDFLARE_API_TOKEN", "t")],
    )
    .await;
    assert!(!stderr(&output).contains("CF_API_TOKEN"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_env_reads_the_token_from_the_variable_it_names() {
    let fake = FakeCloudflare::builder().sample_certificates(3).start().await.unwrap();
    let base = fake.base_url();
    let env = [("CF_API_TOKEN", fake::TOKEN), ("CLOUDFLARE_BASE_URL", base.as_str())];
    let output =
        run(&["list", "--token-env", "CF_API_TOKEN", "--zone-id", fake.zone_id(), "-o", "json", "-vv"], &env)
            .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert!(!stderr(&output).contains(fake::TOKEN), "the token is never printed");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("authorization"), Some(format!("Bearer {}", fake::TOKEN).as_str()));

    // It wins over CLOUDFLARE_API_TOKEN: the token sent is the variable's.
    let env = [("MY_TOKEN", fake::TOKEN), ("CLOUDFLARE_API_TOKEN", "not-this-one")];
    let output =
        run(&["list", "--token-env", "MY_TOKEN", "--zone-id", fake.zone_id(), "--base-url", &base], &env)
            .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn token_env_naming_an_unset_empty_or_non_utf8_variable_is_refused_without_sending() {
    use std::os::unix::ffi::OsStrExt;
    let zone = "023e105f4ecef8ad9ca31a8372d0c353";
    let args = ["list", "--zone-id", zone, "--token-env", "MY_TOKEN", "--base-url", "http://127.0.0.1:9"];
    let output = run(&args, &[]).await;
    assert_failed(&output, 2, "error: --token-env MY_TOKEN: MY_TOKEN is not set\n");
    let output = run(&args, &[("MY_TOKEN", "")]).await;
    assert_failed(&output, 2, "error: --token-env MY_TOKEN: MY_TOKEN is set but empty\n");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cf-trust-store"))
        .env_clear()
        .env("MY_TOKEN", std::ffi::OsStr::from_bytes(b"secret\xffbyte"))
        .args(args)
        .output()
        .unwrap();
    assert_failed(
        &output,
        2,
        "error: --token-env MY_TOKEN: MY_TOKEN is not valid UTF-8 (a stray byte?); fix it\n",
    );

    for name in ["", "A=B"] {
        let output = run(&["list", "--zone-id", zone, "--token-env", name], &[]).await;
        assert_eq!(output.status.code(), Some(2));
        assert!(
            stderr(&output).contains(&format!(
                "invalid value '{name}' for '--token-env <VAR>': give the name of an environment variable"
            )),
            "{}",
            stderr(&output)
        );
    }
}

//! The client and its builder: base URL, credentials, timeouts.

use std::fmt;

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{Credentials, env_var};
use crate::error::{Error, Result};
use crate::request::rate_limit::{Budget, Gate};
use crate::request::retry::RetryPolicy;
use crate::request::seam::Shared;

/// A client for one Cloudflare account's credentials. Cheap to clone; clones share connections.
///
/// `Debug` shows the base URL, the auth scheme and the timeouts, never a secret.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) base_url: String,
    /// The path of the base URL (`/client/v4`), without a trailing slash.
    pub(crate) base_path: String,
    pub(crate) http: reqwest::Client,
    pub(crate) shared: Arc<Shared>,
    credentials: Credentials,
    connect_timeout: Duration,
    timeout: Duration,
}

impl Client {
    /// The `User-Agent` every request carries.
    pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
    /// The largest response body read (32 MiB). A page of 50 certificates is tens of kilobytes;
    /// a larger body is not Cloudflare's, and is not read into memory.
    pub const MAX_BODY_BYTES: usize = 32 << 20;
    /// The longest zone id the API accepts (a certificate id may be up to 255 characters).
    pub const MAX_ID_LEN: usize = crate::id::MAX_ID_LEN;

    /// A builder with the defaults: Cloudflare's base URL, 5 s connect and 60 s request timeouts.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: see [`ClientBuilder::from_env`].
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env()?.build()
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// How much longer this client (and its clones) holds requests back: because the server said
    /// it was rate limited (a 429, or a `Ratelimit` header with no request left), or because the
    /// client's own [budget](ClientBuilder::rate_budget) is spent; `None` when it does not.
    pub fn rate_limit_pause(&self) -> Option<std::time::Duration> {
        self.inner.shared.gate.paused_for()
    }

    /// How many requests this client (and its clones) has sent, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.inner.shared.sent.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.shared.retry)
            .finish()
    }
}

/// Configures a [`Client`]. `build()` checks everything and fails with [`ErrorKind::Config`](crate::ErrorKind::Config).
///
/// Its `Debug` prints every field; the credentials print redacted (see [`Credentials`]).
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<Credentials>,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    budget: Budget,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: Self::DEFAULT_BASE_URL.to_owned(),
            credentials: None,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            timeout: Self::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            budget: Budget { requests: Self::DEFAULT_BUDGET.0, window: Self::DEFAULT_BUDGET.1 },
        }
    }
}

impl ClientBuilder {
    /// Default request budget: 1,100 requests per 5 minutes, under Cloudflare's 1,200.
    pub const DEFAULT_BUDGET: (u32, Duration) = (1_100, Duration::from_secs(300));
    /// Cloudflare's API base URL.
    pub const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";
    /// Environment variable that overrides the base URL.
    pub const ENV_BASE_URL: &str = "CLOUDFLARE_BASE_URL";
    /// Default connect timeout (as in Cloudflare's official SDKs).
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default timeout of one whole request (as in Cloudflare's official SDKs).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// A builder from the environment: credentials as [`Credentials::from_env`] reads them
    /// (`CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_EMAIL` + `CLOUDFLARE_API_KEY`; the token wins when
    /// both are set) and the base URL from `CLOUDFLARE_BASE_URL` when it is set and not empty.
    ///
    /// A variable whose value is not valid UTF-8 is an [`ErrorKind::Config`](crate::ErrorKind::Config) naming it, never ignored
    /// (a token with a stray byte must not fall back to the Global API key, nor a base URL to
    /// Cloudflare's).
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(env_var)
    }

    /// [`ClientBuilder::from_env`] over any lookup function.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        Self::from_env_with(|name| Ok(lookup(name)))
    }

    fn from_env_with(lookup: impl Fn(&str) -> Result<Option<String>>) -> Result<Self> {
        let mut builder = Self::default().credentials(Credentials::from_env_with(&lookup)?);
        if let Some(url) = lookup(Self::ENV_BASE_URL)?.filter(|url| !url.is_empty()) {
            builder = builder.base_url(url);
        }
        Ok(builder)
    }

    /// The API's base URL (default [`ClientBuilder::DEFAULT_BASE_URL`]). It must use `https`, except on a
    /// loopback host (`127.0.0.0/8`, `::1`, `localhost`), where `http` is allowed for local
    /// testing. A trailing slash is ignored.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The credentials (required).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Timeout for establishing a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Timeout for one whole request, connect to last byte (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How failed requests are retried (default [`RetryPolicy::default`]: 2 retries, 0.5 s initial
    /// backoff, 8 s cap, full jitter, `Retry-After` honoured up to 60 s).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The request budget every request of the client (and its clones) shares: at most
    /// `requests` in any `window`, kept on a sliding window (default
    /// [`ClientBuilder::DEFAULT_BUDGET`]). Past it, requests wait for a slot
    /// (a wait over the retry ceiling ends the call with
    /// [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited)); so a long job (an audit of many
    /// zones) never exceeds it and finishes as soon as it allows.
    pub fn rate_budget(mut self, requests: u32, window: Duration) -> Self {
        self.budget = Budget { requests, window };
        self
    }

    /// The timeouts and the budget: none zero, the budget's window at most a day.
    fn check_limits(&self) -> Result<()> {
        for (name, value) in [
            ("connect_timeout", self.connect_timeout),
            ("timeout", self.timeout),
            ("rate_budget window", self.budget.window),
        ] {
            if value.is_zero() {
                return Err(Error::config(format!("{name} must be greater than zero")));
            }
        }
        // Larger windows would overflow the clock when the gate adds them to a request's time.
        if self.budget.window > Budget::MAX_WINDOW {
            return Err(Error::config(format!(
                "rate_budget window must be at most {} s (a day), got {} s",
                Budget::MAX_WINDOW.as_secs(),
                self.budget.window.as_secs()
            )));
        }
        if self.budget.requests == 0 {
            return Err(Error::config("rate_budget requests must be 1 or more, got 0"));
        }
        Ok(())
    }

    /// Checks the settings and builds the client.
    ///
    /// A plain `http` base URL (loopback only) never goes through a proxy: the token would travel
    /// in clear to it. An `https` one uses `HTTPS_PROXY` / `ALL_PROXY` (minus `NO_PROXY`) as the
    /// environment says, through a `CONNECT` tunnel, so a proxy sees only the host name.
    pub fn build(self) -> Result<Client> {
        let base_url = crate::api::base_url::checked_base_url(&self.base_url)?;
        let plain_http = base_url.starts_with("http:");
        if !plain_http && !cfg!(any(feature = "rustls", feature = "native-tls")) {
            return Err(Error::config(
                "this build of cloudflare-origin-trust-store has no TLS, so it cannot reach an https \
                 base URL: enable its `rustls` (default) or `native-tls` feature",
            ));
        }
        self.check_limits()?;
        let credentials = self.credentials.ok_or_else(|| {
            Error::config("no credentials: call ClientBuilder::credentials or use from_env")
        })?;
        let mut http = tls(reqwest::Client::builder())?;
        if plain_http {
            http = http.no_proxy();
        }
        let http = http
            .user_agent(Client::USER_AGENT)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            // Cloudflare's API does not redirect; following one could send credentials elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        let shared = Arc::new(Shared {
            auth_headers: credentials.headers()?,
            scheme: credentials.scheme(),
            retry: self.retry,
            gate: Gate::new(self.budget),
            sent: std::sync::atomic::AtomicU64::new(0),
        });
        let base_path = reqwest::Url::parse(&base_url)
            .map(|url| url.path().trim_end_matches('/').to_owned())
            .map_err(|e| Error::config(format!("cannot parse the checked base URL: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                base_url,
                base_path,
                http,
                shared,
                credentials,
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
            }),
        })
    }
}

/// TLS through rustls with the ring provider and the platform's verifier (feature `rustls`). Set on
/// the client itself, so the process-wide default provider is neither needed nor changed.
#[cfg(feature = "rustls")]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|e| Error::config(format!("cannot set up TLS: {e}")))?
        .with_no_client_auth();
    Ok(builder.tls_backend_preconfigured(config))
}

/// TLS as reqwest's enabled backend sets it up (feature `native-tls`), or none at all.
#[cfg(not(feature = "rustls"))]
fn tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder> {
    Ok(builder)
}

#[cfg(test)]
mod tests {
    // The client is built only by the test without a TLS feature.
    #[allow(unused_imports)]
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted_without_trailing_slash() {
        for (raw, expected) in [
            ("https://api.cloudflare.com/client/v4/", "https://api.cloudflare.com/client/v4"),
            ("https://api.cloudflare.com/client/v4", "https://api.cloudflare.com/client/v4"),
            ("http://127.0.0.1:8080/client/v4/", "http://127.0.0.1:8080/client/v4"),
            ("http://127.1.2.3:9/", "http://127.1.2.3:9"),
            ("http://[::1]:8080/v4", "http://[::1]:8080/v4"),
            ("http://LOCALHOST:1/x", "http://localhost:1/x"),
        ] {
            assert_eq!(crate::api::base_url::checked_base_url(raw).unwrap(), expected, "{raw}");
        }
    }

    #[test]
    fn plain_http_to_another_host_is_refused() {
        for raw in [
            "http://api.cloudflare.com/client/v4",
            "http://10.0.0.1/",
            "http://localhost.example.com/",
            "http://[::2]/",
        ] {
            let err = crate::api::base_url::checked_base_url(raw).unwrap_err().to_string();
            assert!(err.contains("uses plain http"), "{raw}: {err}");
        }
        for raw in ["ftp://example.com", "not a url", "https://u:p@example.com", "https://x.com/?a=1"] {
            assert!(crate::api::base_url::checked_base_url(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn a_base_url_error_never_repeats_a_user_name_or_password() {
        for raw in [
            "https://user:s3cret-pass@api.example.com/client/v4",
            "https://user:s3cret pass@api.example.com",
            "https://user:s3cret/pass@api.example.com",
            "https://:s3cret-pass@[::1",
            "user:s3cret-pass@api.example.com",
            "http://user:s3cret@10.0.0.1/",
            "ftp://user:s3cret@example.com",
            "https://a@b:s3cret@example.com/x?y#z",
        ] {
            let err = crate::api::base_url::checked_base_url(raw).unwrap_err().to_string();
            assert!(!err.contains("s3cret"), "{raw}: {err}");
            assert!(!err.contains("user:") && !err.contains("a@b"), "{raw}: {err}");
        }
        assert_eq!(crate::api::base_url::redacted("https://u:p@h/x"), "https://***@h/x");
        assert_eq!(crate::api::base_url::redacted("https://h/x"), "https://h/x");
    }

    /// Built with `cargo test --lib --no-default-features --features test-util` (CI does).
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    #[test]
    fn without_a_tls_feature_an_https_client_is_refused_in_build_naming_the_features() {
        let err = Client::builder().credentials(Credentials::token("t")).build().unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration error: this build of cloudflare-origin-trust-store has no TLS, so it cannot reach an \
             https base URL: enable its `rustls` (default) or `native-tls` feature"
        );
        let loopback =
            Client::builder().credentials(Credentials::token("t")).base_url("http://127.0.0.1:9/v4");
        assert!(loopback.build().is_ok(), "plain http on loopback needs no TLS");
    }
}

//! Credentials: one authentication scheme per client, secrets redacted.

use std::fmt;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

const X_AUTH_EMAIL: HeaderName = HeaderName::from_static("x-auth-email");
const X_AUTH_KEY: HeaderName = HeaderName::from_static("x-auth-key");

/// How the client authenticates. Exactly one scheme is ever sent.
///
/// `Debug` never shows the token or the key.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// An API token, sent as `Authorization: Bearer <token>` (the preferred scheme).
    Token(SecretString),
    /// An account email and Global API key, sent as `X-Auth-Email` and `X-Auth-Key`.
    EmailKey {
        /// The account email.
        email: String,
        /// The Global API key.
        key: SecretString,
    },
}

impl Credentials {
    /// Environment variable holding an API token (the preferred scheme).
    pub const ENV_API_TOKEN: &str = "CLOUDFLARE_API_TOKEN";
    /// Environment variable holding the account email for the Global API key scheme.
    pub const ENV_EMAIL: &str = "CLOUDFLARE_EMAIL";
    /// Environment variable holding the Global API key.
    pub const ENV_API_KEY: &str = "CLOUDFLARE_API_KEY";

    /// An API token.
    pub fn token(token: impl Into<String>) -> Self {
        Self::Token(SecretString::from(token.into()))
    }

    /// An account email with its Global API key.
    pub fn email_key(email: impl Into<String>, key: impl Into<String>) -> Self {
        Self::EmailKey { email: email.into(), key: SecretString::from(key.into()) }
    }

    /// Reads credentials from the environment, as Cloudflare's official SDKs name them.
    ///
    /// - `CLOUDFLARE_API_TOKEN` set: the token is used, **even when `CLOUDFLARE_EMAIL` and
    ///   `CLOUDFLARE_API_KEY` are set too** (the token is the preferred scheme, and only one scheme
    ///   is ever sent).
    /// - otherwise `CLOUDFLARE_EMAIL` and `CLOUDFLARE_API_KEY` together; one without the other is an
    ///   error naming the missing variable.
    ///
    /// A variable set to the empty string counts as unset. A variable whose value is not valid
    /// UTF-8 is an error naming it: never ignored, so a token with a stray byte cannot fall back to
    /// the more powerful Global API key.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(env_var)
    }

    /// [`Credentials::from_env`] over any lookup function (the environment, a config map, a test).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        Self::from_env_with(|name| Ok(lookup(name)))
    }

    pub(crate) fn from_env_with(lookup: impl Fn(&str) -> Result<Option<String>>) -> Result<Self> {
        let get = |name: &str| Ok::<_, Error>(lookup(name)?.filter(|value| !value.is_empty()));
        if let Some(token) = get(Self::ENV_API_TOKEN)? {
            return Ok(Self::token(token));
        }
        let (env_api_token, env_email, env_api_key) =
            (Self::ENV_API_TOKEN, Self::ENV_EMAIL, Self::ENV_API_KEY);
        match (get(env_email)?, get(env_api_key)?) {
            (Some(email), Some(key)) => Ok(Self::email_key(email, key)),
            (Some(_), None) => Err(Error::config(format!(
                "{env_email} is set but {env_api_key} is missing (set both, or set {env_api_token})"
            ))),
            (None, Some(_)) => Err(Error::config(format!(
                "{env_api_key} is set but {env_email} is missing (set both, or set {env_api_token})"
            ))),
            (None, None) => Err(Error::config(format!(
                "no credentials: set {env_api_token}, or {env_email} and {env_api_key}"
            ))),
        }
    }

    /// The scheme's name, for messages: never a value.
    pub(crate) fn scheme(&self) -> &'static str {
        match self {
            Self::Token(_) => "an API token (Authorization: Bearer)",
            Self::EmailKey { .. } => "an email and Global API key (X-Auth-Email, X-Auth-Key)",
        }
    }

    /// The headers of this scheme, values marked sensitive. Fails on characters HTTP headers cannot
    /// carry (a newline pasted with a token, say), naming the variable but never the value.
    pub(crate) fn headers(&self) -> Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        match self {
            Self::Token(token) => {
                let value = format!("Bearer {}", token.expose_secret());
                headers.insert(AUTHORIZATION, sensitive(&value, "api token")?);
            }
            Self::EmailKey { email, key } => {
                headers.insert(X_AUTH_EMAIL, sensitive(email, "email")?);
                headers.insert(X_AUTH_KEY, sensitive(key.expose_secret(), "api key")?);
            }
        }
        Ok(headers)
    }
}

/// An environment variable: `None` when unset, an error naming it when its value is not UTF-8.
pub(crate) fn env_var(name: &str) -> Result<Option<String>> {
    match std::env::var_os(name) {
        None => Ok(None),
        Some(value) => value.into_string().map(Some).map_err(|_| {
            Error::config(format!("{name} is set but is not valid UTF-8 (a stray byte?); fix or unset it"))
        }),
    }
}

fn sensitive(value: &str, what: &'static str) -> Result<HeaderValue> {
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        Error::config(format!(
            "the {what} contains characters not allowed in an HTTP header (a newline or control character?)"
        ))
    })?;
    header.set_sensitive(true);
    Ok(header)
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(_) => f.debug_tuple("Token").field(&"** redacted **").finish(),
            Self::EmailKey { email, .. } => {
                f.debug_struct("EmailKey").field("email", email).field("key", &"** redacted **").finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn scheme(creds: &Credentials) -> Vec<String> {
        let mut names: Vec<String> = creds.headers().unwrap().keys().map(|k| k.as_str().to_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn token_wins_over_a_full_email_key_pair() {
        let creds = Credentials::from_lookup(lookup(&[
            (Credentials::ENV_API_TOKEN, "tok-123"),
            (Credentials::ENV_EMAIL, "ops@example.com"),
            (Credentials::ENV_API_KEY, "key-456"),
        ]))
        .unwrap();
        assert!(matches!(creds, Credentials::Token(_)));
        assert_eq!(scheme(&creds), ["authorization"]);
    }

    #[test]
    fn email_and_key_are_used_together_without_a_token() {
        let creds = Credentials::from_lookup(lookup(&[
            (Credentials::ENV_EMAIL, "ops@example.com"),
            (Credentials::ENV_API_KEY, "key-456"),
        ]))
        .unwrap();
        assert_eq!(scheme(&creds), ["x-auth-email", "x-auth-key"]);
    }

    #[test]
    fn half_a_pair_names_the_missing_variable() {
        let err =
            Credentials::from_lookup(lookup(&[(Credentials::ENV_EMAIL, "ops@example.com")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration error: CLOUDFLARE_EMAIL is set but CLOUDFLARE_API_KEY is missing \
             (set both, or set CLOUDFLARE_API_TOKEN)"
        );
        let err = Credentials::from_lookup(lookup(&[(Credentials::ENV_API_KEY, "key-456")])).unwrap_err();
        assert!(err.to_string().contains("CLOUDFLARE_API_KEY is set but CLOUDFLARE_EMAIL is missing"));
        assert!(!format!("{err:?}").contains("key-456"));
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let creds = Credentials::from_lookup(lookup(&[
            (Credentials::ENV_API_TOKEN, ""),
            (Credentials::ENV_EMAIL, "ops@example.com"),
            (Credentials::ENV_API_KEY, "key-456"),
        ]))
        .unwrap();
        assert!(matches!(creds, Credentials::EmailKey { .. }));
        let err = Credentials::from_lookup(lookup(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration error: no credentials: set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY"
        );
    }

    #[test]
    fn headers_are_sensitive_and_debug_is_redacted() {
        for creds in [Credentials::token("tok-secret"), Credentials::email_key("a@b.c", "key-secret")] {
            let headers = creds.headers().unwrap();
            assert!(headers.values().all(HeaderValue::is_sensitive));
            let shown = format!("{creds:?} {headers:?}");
            assert!(!shown.contains("secret"), "{shown}");
        }
    }

    #[test]
    fn a_token_with_a_newline_is_refused_without_echoing_it() {
        let err = Credentials::token("tok-secret\n").headers().unwrap_err();
        assert!(err.to_string().contains("api token contains characters not allowed"));
        assert!(!format!("{err} {err:?}").contains("tok-secret"));
    }
}

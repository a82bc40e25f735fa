//! The environment-variable tier on its own, as aws-config's
//! `EnvironmentVariableCredentialsProvider`.
//!
//! ```
//! use awscred_core::{Env, EnvProvider};
//!
//! let env = Env::from_vars([
//!     ("AWS_ACCESS_KEY_ID", "AKID"),
//!     ("AWS_SECRET_ACCESS_KEY", "SECRET"),
//!     ("AWS_SESSION_TOKEN", "TOKEN"),
//! ]);
//! let creds = EnvProvider::new(env).credentials().unwrap();
//! assert_eq!((creds.access_key_id(), creds.provider()), ("AKID", "env"));
//! assert_eq!(creds.origins()[0].from, "env AWS_ACCESS_KEY_ID");
//!
//! // Without AWS_ACCESS_KEY_ID the tier is not configured: a chain moves on.
//! assert!(EnvProvider::new(Env::from_vars([("HOME", "/h")])).credentials().unwrap_err().is_not_configured());
//! ```
//!
//! It is a [`ProvideCredentials`] too, which reads the variables again on every call.

use crate::provider::BoxFuture;
use crate::{Credentials, Detail, Env, Error, ProvideCredentials, Secret, timestamp};

/// The name of the credentials' provider (`Credentials::provider`): botocore's `env`.
const PROVIDER_NAME: &str = crate::Tier::Env.name();

/// Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SECURITY_TOKEN /
/// AWS_SESSION_TOKEN (the former wins, as in botocore), AWS_CREDENTIAL_EXPIRATION and
/// AWS_ACCOUNT_ID.
///
/// Not configured when AWS_ACCESS_KEY_ID is unset or empty; a key without a secret, or an
/// expiration that is not an ISO 8601 timestamp, is an error naming the variable.
#[derive(Debug, Clone)]
pub struct EnvProvider {
    env: Env,
    /// The profile whose `credential_source = Environment` this provider answers for.
    source_of: Option<String>,
}

impl EnvProvider {
    /// The provider reading `env`'s variables ([`Env::real`] for the process's own).
    pub fn new(env: Env) -> Self {
        EnvProvider {
            env,
            source_of: None,
        }
    }

    /// The same provider as the `credential_source = Environment` of `profile`: when the
    /// variables hold no key, the error is botocore's for a source with nothing to give
    /// (`No credentials found in credential_source referenced in profile P`).
    pub fn as_credential_source_of(mut self, profile: impl Into<String>) -> Self {
        self.source_of = Some(profile.into());
        self
    }

    /// The credentials the variables hold now.
    pub fn credentials(&self) -> Result<Credentials, Error> {
        let result = resolve(&self.env);
        match (&self.source_of, result) {
            (Some(profile), Err(e)) if e.is_not_configured() => {
                // botocore's words for a credential_source that has nothing.
                Err(Error::not_configured(format!(
                    "No credentials found in credential_source referenced in profile {profile} \
                     (Environment: {})",
                    e.message()
                )))
            }
            (_, result) => result,
        }
    }
}

impl ProvideCredentials for EnvProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        let result = self.credentials();
        Box::pin(async move { result })
    }
}

fn resolve(env: &Env) -> Result<Credentials, Error> {
    let Some(access_key) = env.non_empty_var("AWS_ACCESS_KEY_ID") else {
        return Err(Error::not_configured("AWS_ACCESS_KEY_ID is not set"));
    };
    let Some(secret) = env.non_empty_var("AWS_SECRET_ACCESS_KEY") else {
        return Err(Error::invalid_config(
            "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY",
        )
        .with_detail(variable("AWS_SECRET_ACCESS_KEY")));
    };
    let mut origins = vec![
        ("access_key_id", "env AWS_ACCESS_KEY_ID"),
        ("secret_access_key", "env AWS_SECRET_ACCESS_KEY"),
    ];
    let token = ["AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"]
        .into_iter()
        .find_map(|name| env.non_empty_var(name).map(|v| (name, v)));
    let session_token = token.map(|(name, value)| {
        origins.push((
            "session_token",
            if name == "AWS_SECURITY_TOKEN" {
                "env AWS_SECURITY_TOKEN"
            } else {
                "env AWS_SESSION_TOKEN"
            },
        ));
        Secret::new(value)
    });
    let expiration = match env.non_empty_var("AWS_CREDENTIAL_EXPIRATION") {
        None => None,
        Some(text) => {
            origins.push(("expiration", "env AWS_CREDENTIAL_EXPIRATION"));
            Some(timestamp::parse(&text).ok_or_else(|| {
                Error::invalid_config(format!(
                    "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 timestamp: {text:?}"
                ))
                .with_detail(variable("AWS_CREDENTIAL_EXPIRATION"))
            })?)
        }
    };
    let account_id = env.non_empty_var("AWS_ACCOUNT_ID");
    if account_id.is_some() {
        origins.push(("account_id", "env AWS_ACCOUNT_ID"));
    }
    let mut creds = Credentials::new(access_key, secret, session_token, expiration, PROVIDER_NAME)
        .with_account_id(account_id);
    for (what, from) in origins {
        creds = creds.with_origin(what, from);
    }
    Ok(creds)
}

/// The detail of a variable with a value the tier cannot use.
fn variable(name: &str) -> Detail {
    Detail::InvalidSetting {
        file: None,
        line: None,
        key: name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_token_wins_over_session_token() {
        let env = Env::from_vars([
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_SESSION_TOKEN", "session"),
            ("AWS_SECURITY_TOKEN", "security"),
        ]);
        let creds = resolve(&env).unwrap();
        assert_eq!(creds.session_token().unwrap().expose(), "security");
    }

    #[test]
    fn blank_key_is_not_configured_and_missing_secret_is_an_error() {
        let env = Env::from_vars([("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "x")]);
        assert!(resolve(&env).unwrap_err().is_not_configured());
        let env = Env::from_vars([("AWS_ACCESS_KEY_ID", "AKID")]);
        let err = resolve(&env).unwrap_err();
        assert!(!err.is_not_configured());
        assert!(err.to_string().contains("missing: AWS_SECRET_ACCESS_KEY"));
        assert_eq!(err.detail(), Some(&variable("AWS_SECRET_ACCESS_KEY")));
    }

    #[test]
    fn expiration_and_account() {
        let env = Env::from_vars([
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z"),
            ("AWS_ACCOUNT_ID", "123456789012"),
        ]);
        let creds = resolve(&env).unwrap();
        assert_eq!(
            timestamp::format_z(creds.expiration().unwrap()),
            "2030-01-01T00:00:00Z"
        );
        assert_eq!(creds.account_id(), Some("123456789012"));
        let bad = Env::from_vars([
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_CREDENTIAL_EXPIRATION", "tomorrow"),
        ]);
        assert!(
            resolve(&bad)
                .unwrap_err()
                .to_string()
                .contains("AWS_CREDENTIAL_EXPIRATION")
        );
    }

    #[test]
    fn as_a_credential_source_nothing_is_botocores_error() {
        let empty = EnvProvider::new(Env::from_vars([("HOME", "/h")])).as_credential_source_of("r");
        let err = empty.credentials().unwrap_err();
        assert!(err.is_not_configured());
        assert_eq!(
            err.message(),
            "No credentials found in credential_source referenced in profile r \
             (Environment: AWS_ACCESS_KEY_ID is not set)"
        );
        // Other errors pass unchanged.
        let partial = EnvProvider::new(Env::from_vars([("AWS_ACCESS_KEY_ID", "AKID")]))
            .as_credential_source_of("r");
        let err = partial.credentials().unwrap_err();
        assert!(
            err.message()
                .starts_with("Partial credentials found in env"),
            "{err}"
        );
    }
}

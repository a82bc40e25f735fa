//! The credentials a tier produces.

use std::fmt;
use std::time::SystemTime;

use crate::secret::Secret;

/// Where one value of a set of credentials came from, for `awscred explain`:
/// `("access_key_id", "env AWS_ACCESS_KEY_ID")`, `("role_arn", "/home/u/.aws/config:12")`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Origin {
    /// The value's name.
    pub what: String,
    /// An environment variable's name, `file:line`, or an endpoint.
    pub from: String,
}

/// AWS credentials.
///
/// Invariants: the secret key and session token are [`Secret`]s, so `Debug` never shows them and
/// they are zeroized on drop; `provider` names the tier that produced them.
///
/// ```
/// use awscred_core::Credentials;
/// let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI", None, None, "env");
/// assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
/// assert!(!format!("{creds:?}").contains("wJalrXUtnFEMI"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Option<Secret>,
    expiration: Option<SystemTime>,
    account_id: Option<String>,
    provider: &'static str,
    origins: Vec<Origin>,
}

impl Credentials {
    /// Credentials from their parts. `provider` is the producing tier's name.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<Secret>,
        session_token: Option<Secret>,
        expiration: Option<SystemTime>,
        provider: &'static str,
    ) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token,
            expiration,
            account_id: None,
            provider,
            origins: Vec::new(),
        }
    }

    /// The same credentials with an account id.
    pub fn with_account_id(mut self, account_id: Option<String>) -> Self {
        self.account_id = account_id;
        self
    }

    /// The same credentials with another producing tier's name (a role chain's last step names
    /// itself, not the source profile's tier).
    pub fn with_provider(mut self, provider: &'static str) -> Self {
        self.provider = provider;
        self
    }

    /// Records where a value came from.
    pub fn with_origin(mut self, what: impl Into<String>, from: impl Into<String>) -> Self {
        self.origins.push(Origin {
            what: what.into(),
            from: from.into(),
        });
        self
    }

    /// The access key id (not a secret).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &Secret {
        &self.secret_access_key
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&Secret> {
        self.session_token.as_ref()
    }

    /// When the credentials stop working; `None` for long-term keys.
    pub fn expiration(&self) -> Option<SystemTime> {
        self.expiration
    }

    /// The AWS account the credentials belong to, when known.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }

    /// The tier that produced the credentials.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// Where each value came from, for `explain`.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Credentials");
        d.field("provider", &self.provider)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| crate::REDACTED),
            );
        if let Some(exp) = self.expiration {
            d.field("expiration", &crate::timestamp::format_z(exp));
        }
        d.field("account_id", &self.account_id).finish()
    }
}

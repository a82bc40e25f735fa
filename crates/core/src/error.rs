//! The one error type every tier returns.

use std::fmt;

/// Why a tier did not produce credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The tier is not configured here (no variables, no keys in the profile...). The chain moves
    /// on to the next tier.
    NotConfigured,
    /// The tier is configured, but the configuration is wrong: a missing or conflicting key, an
    /// unknown profile, a cycle. The chain stops with this error.
    InvalidConfiguration,
    /// The tier is configured and asked its source, which failed or answered something unusable:
    /// an STS error, a process that exited non-zero, a malformed response. The chain stops.
    ProviderFailed,
    /// A transport problem: connection refused, timeout, TLS. The chain stops, except where the
    /// CLI itself moves on (IMDS that cannot be reached).
    Network,
    /// Reading or writing a file failed.
    Io,
}

/// A tier's error. The message is written for the person at the terminal: it names the file,
/// profile, key or endpoint involved. It never contains a secret.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    deferred: bool,
    refused_by_service: bool,
}

/// The result type of the providers.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of the given kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            source: None,
            deferred: false,
            refused_by_service: false,
        }
    }

    /// The tier does not apply; the chain goes on.
    pub fn not_configured(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotConfigured, message)
    }

    /// The tier applies but is configured wrongly.
    pub fn invalid_config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidConfiguration, message)
    }

    /// The tier's source failed.
    pub fn provider_failed(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::ProviderFailed, message)
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Whether the chain should move on to the next tier.
    pub fn is_not_configured(&self) -> bool {
        self.kind == ErrorKind::NotConfigured
    }

    /// The message without its cause.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error, marked as met while the credentials were being read rather than while
    /// they were being located: botocore hands some tiers' credentials out unfetched (assume
    /// role, web identity, SSO: `DeferredRefreshableCredentials`) or due for a refresh (`aws
    /// login`), and their failures surface only when the CLI reads them, outside its "Unable to
    /// retrieve credentials" handling. The `awscred` command ends such failures as the CLI does
    /// (its general error, exit status 255).
    pub fn deferred(mut self) -> Self {
        self.deferred = true;
        self
    }

    /// Whether this error, or one of its causes, is marked [`Error::deferred`].
    pub fn is_deferred(&self) -> bool {
        self.any_cause(|e| e.deferred)
    }

    /// The same error, marked as a service's refusal of a request (an error answer: botocore's
    /// `ClientError`), which the `awscred` command ends as the CLI ends a `ClientError` met while
    /// reading credentials (exit status 254).
    pub fn refused_by_service(mut self) -> Self {
        self.refused_by_service = true;
        self
    }

    /// Whether this error, or one of its causes, is marked [`Error::refused_by_service`].
    pub fn is_refused_by_service(&self) -> bool {
        self.any_cause(|e| e.refused_by_service)
    }

    fn any_cause(&self, test: impl Fn(&Error) -> bool) -> bool {
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = current {
            if e.downcast_ref::<Error>().is_some_and(&test) {
                return true;
            }
            current = e.source();
        }
        false
    }

    /// The same error with context put in front of the message: `"{context}: {message}"`.
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        let mut cause = self
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(e) = cause {
            // Our own errors print their sources themselves: write only their message here, so
            // each cause appears once.
            match e.downcast_ref::<Error>() {
                Some(ours) => write!(f, ": {}", ours.message)?,
                None => write!(f, ": {e}")?,
            }
            cause = e.source();
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_is_kept_through_context_and_found_in_causes() {
        let plain = Error::provider_failed("x");
        assert!(!plain.is_deferred());
        let deferred = Error::provider_failed("sts")
            .deferred()
            .context("profile p");
        assert!(deferred.is_deferred());
        assert_eq!(deferred.to_string(), "profile p: sts");
        let wrapped = Error::invalid_config("outer").with_source(deferred);
        assert!(wrapped.is_deferred());
        let deeper = Error::invalid_config("top").with_source(wrapped);
        assert!(deeper.is_deferred());
        let io = std::io::Error::other("io");
        assert!(!Error::provider_failed("y").with_source(io).is_deferred());
        let refused = Error::provider_failed("outer")
            .with_source(Error::provider_failed("403").refused_by_service());
        assert!(refused.is_refused_by_service());
        assert!(!refused.is_deferred());
        assert!(!Error::provider_failed("z").is_refused_by_service());
    }

    #[test]
    fn each_cause_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let inner = Error::provider_failed("inner").with_source(io);
        let outer = Error::invalid_config("outer").with_source(inner);
        assert_eq!(outer.to_string(), "outer: inner: gone");
    }
}

//! The one error type every tier returns.

use std::fmt;
use std::path::PathBuf;

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

/// What exactly went wrong, for callers that act on it rather than print it: the `awscred`
/// command chooses its exit status from this, never from the message's text. Found on the error
/// or any of its causes ([`Error::detail`]); errors that carry none are described by their
/// [`ErrorKind`] alone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detail {
    /// A profile that was asked for by name is in neither file (botocore's `ProfileNotFound`).
    ProfileNotFound {
        /// The profile's name.
        profile: String,
    },
    /// A configuration file that cannot be parsed (botocore's `ConfigParseError`).
    UnparsableFile {
        /// The file.
        path: PathBuf,
        /// The first line that cannot be read, when one is to blame.
        line: Option<u32>,
    },
    /// A setting with a value the tier cannot use (for tiers that name the key and its place).
    InvalidSetting {
        /// The file the value was read from, when it came from a file.
        file: Option<PathBuf>,
        /// Its line.
        line: Option<u32>,
        /// The key or variable.
        key: String,
    },
    /// A request parameter the service's model refuses, found before anything was sent
    /// (botocore's `ParamValidationError`).
    ParameterValidation {
        /// The operation, as `AssumeRole`.
        operation: String,
    },
    /// A service answered with an error (botocore's `ClientError`).
    Service {
        /// The error code, as `AccessDenied`.
        code: String,
        /// The operation.
        operation: String,
        /// The HTTP status.
        status: u16,
    },
    /// Credentials that are still expired after a refresh.
    StillExpired,
    /// A file that could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
    },
    /// An endpoint that could not be reached at all (refused, timed out, TLS, a proxy).
    Unreachable {
        /// The endpoint.
        endpoint: String,
    },
    /// An endpoint that did not answer in time.
    Timeout {
        /// The endpoint.
        endpoint: String,
    },
}

/// A tier's error. The message is written for the person at the terminal: it names the file,
/// profile, key or endpoint involved. It never contains a secret.
///
/// One pointer wide: its parts live behind a box, so a `Result<T, Error>` stays small and
/// every `?` and return moves a pointer rather than the whole error (which, written inline in
/// the hundreds of places errors pass through, cost tens of KiB of the shipped binary).
pub struct Error {
    inner: Box<Inner>,
}

/// The parts of an [`Error`].
#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    deferred: bool,
    refused_by_service: bool,
    detail: Option<Detail>,
}

/// As `#[derive(Debug)]` printed it when the parts were the error's own fields.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner {
            kind,
            message,
            source,
            deferred,
            refused_by_service,
            detail,
        } = &*self.inner;
        f.debug_struct("Error")
            .field("kind", kind)
            .field("message", message)
            .field("source", source)
            .field("deferred", deferred)
            .field("refused_by_service", refused_by_service)
            .field("detail", detail)
            .finish()
    }
}

/// botocore's message for credentials that are still expired after a refresh.
const STILL_EXPIRED: &str =
    "Credentials were refreshed, but the refreshed credentials are still expired.";

/// The result type of the providers.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of the given kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                source: None,
                deferred: false,
                refused_by_service: false,
                detail: None,
            }),
        }
    }

    /// botocore's `ProfileNotFound`: `The config profile (NAME) could not be found`.
    pub fn profile_not_found(profile: &str) -> Self {
        Error::invalid_config(format!("The config profile ({profile}) could not be found"))
            .with_detail(Detail::ProfileNotFound {
                profile: profile.to_owned(),
            })
    }

    /// botocore's `ParamValidationError` for `operation`: the message lists each refused
    /// parameter on its own line after `Parameter validation failed:`.
    pub fn parameter_validation(operation: &str, problems: &[String]) -> Self {
        Error::invalid_config(format!(
            "Parameter validation failed:\n{}",
            problems.join("\n")
        ))
        .with_detail(Detail::ParameterValidation {
            operation: operation.to_owned(),
        })
    }

    /// Credentials still expired after a refresh, with botocore's message first and then
    /// `context` (when they expired, which tier answered).
    pub fn still_expired(context: impl fmt::Display) -> Self {
        let context = context.to_string();
        let message = if context.is_empty() {
            STILL_EXPIRED.to_owned()
        } else {
            format!("{STILL_EXPIRED} {context}")
        };
        Error::provider_failed(message).with_detail(Detail::StillExpired)
    }

    /// Attaches what exactly went wrong ([`Detail`]).
    pub fn with_detail(mut self, detail: Detail) -> Self {
        self.inner.detail = Some(detail);
        self
    }

    /// What exactly went wrong: the detail of this error or of its nearest cause that has one.
    pub fn detail(&self) -> Option<&Detail> {
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = current {
            if let Some(detail) = e
                .downcast_ref::<Error>()
                .and_then(|e| e.inner.detail.as_ref())
            {
                return Some(detail);
            }
            current = e.source();
        }
        None
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
        self.inner.source = Some(Box::new(source));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// Whether the chain should move on to the next tier.
    pub fn is_not_configured(&self) -> bool {
        self.inner.kind == ErrorKind::NotConfigured
    }

    /// The message without its cause.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The same error, marked as met while the credentials were being read rather than while
    /// they were being located: botocore hands some tiers' credentials out unfetched (assume
    /// role, web identity, SSO: `DeferredRefreshableCredentials`) or due for a refresh (`aws
    /// login`), and their failures surface only when the CLI reads them, outside its "Unable to
    /// retrieve credentials" handling. The `awscred` command ends such failures as the CLI does
    /// (its general error, exit status 255).
    pub fn deferred(mut self) -> Self {
        self.inner.deferred = true;
        self
    }

    /// Whether this error, or one of its causes, is marked [`Error::deferred`].
    pub fn is_deferred(&self) -> bool {
        self.any_cause(|e| e.inner.deferred)
    }

    /// The same error, marked as a service's refusal of a request (an error answer: botocore's
    /// `ClientError`), which the `awscred` command ends as the CLI ends a `ClientError` met while
    /// reading credentials (exit status 254).
    pub fn refused_by_service(mut self) -> Self {
        self.inner.refused_by_service = true;
        self
    }

    /// Whether this error, or one of its causes, is marked [`Error::refused_by_service`].
    pub fn is_refused_by_service(&self) -> bool {
        self.any_cause(|e| e.inner.refused_by_service)
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
        self.inner.message = format!("{context}: {}", self.inner.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)?;
        let mut cause = self
            .inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(e) = cause {
            // Our own errors print their sources themselves: write only their message here, so
            // each cause appears once.
            match e.downcast_ref::<Error>() {
                Some(ours) => write!(f, ": {}", ours.inner.message)?,
                None => write!(f, ": {e}")?,
            }
            cause = e.source();
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
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
    fn details_are_found_through_context_and_causes() {
        let missing = Error::profile_not_found("dev");
        assert_eq!(
            missing.to_string(),
            "The config profile (dev) could not be found"
        );
        let wrapped = Error::provider_failed("outer").with_source(missing.context("x"));
        assert_eq!(
            wrapped.detail(),
            Some(&Detail::ProfileNotFound {
                profile: "dev".into()
            })
        );
        assert_eq!(Error::provider_failed("y").detail(), None);
        let refused = Error::parameter_validation("AssumeRole", &["a".into(), "b".into()]);
        assert_eq!(refused.to_string(), "Parameter validation failed:\na\nb");
        assert_eq!(Error::still_expired("").to_string(), STILL_EXPIRED);
        assert_eq!(
            Error::still_expired("").detail(),
            Some(&Detail::StillExpired)
        );
    }

    #[test]
    fn an_error_is_one_pointer_wide() {
        assert_eq!(size_of::<Error>(), size_of::<usize>());
        assert_eq!(size_of::<Result<()>>(), size_of::<usize>());
    }

    #[test]
    fn debug_names_the_parts_as_the_derived_form_did() {
        let e = Error::provider_failed("m").with_detail(Detail::StillExpired);
        assert_eq!(
            format!("{e:?}"),
            "Error { kind: ProviderFailed, message: \"m\", source: None, deferred: false, \
             refused_by_service: false, detail: Some(StillExpired) }"
        );
    }

    #[test]
    fn each_cause_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let inner = Error::provider_failed("inner").with_source(io);
        let outer = Error::invalid_config("outer").with_source(inner);
        assert_eq!(outer.to_string(), "outer: inner: gone");
    }
}

//! How a failed command ends: the AWS CLI v2's exit statuses and error lines
//! (`awscli/errorhandler.py`, `awscli/errorformat.py`), with `awscred` in place of `aws`.

use std::io::Write;

use awscred_core::Detail;

/// The CLI's `PARAM_VALIDATION_ERROR_RC`: the command line is wrong.
pub(crate) const USAGE_ERROR: u8 = 252;
/// The CLI's `CONFIGURATION_ERROR_RC`: what `ConfigurationError` ends with, such as "Unable to
/// retrieve credentials".
pub(crate) const CONFIGURATION_ERROR: u8 = 253;
/// The CLI's `CLIENT_ERROR_RC`: a service refused a request (botocore's `ClientError`), such as
/// STS refusing an `AssumeRole` while the credentials are read.
pub(crate) const CLIENT_ERROR: u8 = 254;
/// The CLI's `GENERAL_ERROR_RC`: any other error, such as a profile that does not exist
/// (botocore's `ProfileNotFound`, raised before the command runs).
pub(crate) const GENERAL_ERROR: u8 = 255;

/// Why a command did not succeed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The CLI's `ConfigurationError`.
    Configuration(String),
    /// A service's refusal (`ClientError`).
    Client(String),
    /// Any other error.
    General(String),
    /// botocore's `ParamValidationError`: a request parameter the service's model refuses,
    /// caught before anything was sent.
    ParamValidation(String),
    /// An error the CLI prints without its code, in its legacy format, with the given exit
    /// status: what it falls back to when the selected profile does not exist (its error
    /// handlers cannot read the profile's `cli_error_format`).
    Plain(u8, String),
}

impl Failure {
    /// The exit status.
    pub(crate) fn code(&self) -> u8 {
        match self {
            Failure::Configuration(_) => CONFIGURATION_ERROR,
            Failure::Client(_) => CLIENT_ERROR,
            Failure::General(_) => GENERAL_ERROR,
            Failure::ParamValidation(_) => USAGE_ERROR,
            Failure::Plain(code, _) => *code,
        }
    }

    /// How an SSO command (`sso login`, `sso logout`, `sso populate`, `configure sso`, `login`
    /// through an SSO profile) ends: an invalid SSO configuration (`InvalidSSOConfigError`, a
    /// `ConfigurationError` in the CLI) with 253, anything else (an OIDC or portal error, an
    /// expired authorization) with 255.
    pub(crate) fn from_sso_error(e: awscred_core::Error) -> Failure {
        match e.kind() {
            awscred_core::ErrorKind::InvalidConfiguration
            | awscred_core::ErrorKind::NotConfigured => Failure::Configuration(e.to_string()),
            _ => Failure::General(e.to_string()),
        }
    }

    /// How a command that needs credentials (`export-credentials`, and `explain`, `exec` and
    /// `serve` after it) ends when the chain fails: the one place that chooses, from the error's
    /// typed [`Detail`] and marks, what `aws configure export-credentials` would end with.
    ///
    /// - a file that cannot be parsed: the general error (255), without the "Unable to retrieve
    ///   credentials" the command puts before the errors it catches (the CLI parses its files
    ///   before the command runs);
    /// - a parameter botocore refuses before calling a service: 252;
    /// - what fails while the credentials are read rather than located (botocore's deferred and
    ///   refreshed credentials: assume role, web identity, SSO, an `aws login` refresh, still
    ///   expired credentials): a service's refusal 254, the rest 255;
    /// - anything else: "Unable to retrieve credentials: ..." (253).
    pub(crate) fn from_credentials_error(e: &awscred_core::Error) -> Failure {
        let message = e.to_string().trim().to_owned();
        match e.detail() {
            Some(Detail::UnparsableFile { .. }) => return Failure::General(message),
            Some(Detail::ParameterValidation { .. }) => return Failure::ParamValidation(message),
            Some(Detail::StillExpired) => return Failure::General(message),
            _ => {}
        }
        if e.is_deferred() && e.is_refused_by_service() {
            Failure::Client(message)
        } else if e.is_deferred() {
            Failure::General(message)
        } else {
            Failure::Configuration(format!("Unable to retrieve credentials: {message}"))
        }
    }

    /// The message as the error line shows it, without `awscred: [ERROR]: `.
    pub(crate) fn message(&self) -> String {
        let rendered = self.render();
        rendered
            .trim()
            .strip_prefix("awscred: [ERROR]: ")
            .unwrap_or(rendered.trim())
            .to_owned()
    }

    /// What goes to stderr: a blank line, then `awscred: [ERROR]: ` and the message, as the CLI's
    /// default ("enhanced") error format writes it, configuration errors with their code.
    pub(crate) fn render(&self) -> String {
        let message = match self {
            Failure::Configuration(m) => format!("An error occurred (Configuration): {}", m.trim()),
            Failure::ParamValidation(m) => {
                format!("An error occurred (ParamValidation): {}", m.trim())
            }
            Failure::Client(m) | Failure::General(m) | Failure::Plain(_, m) => m.trim().to_owned(),
        };
        format!("\nawscred: [ERROR]: {}\n", message.trim())
    }

    /// Prints the message and returns the exit status.
    pub(crate) fn report(&self) -> u8 {
        let _ = std::io::stderr().lock().write_all(self.render().as_bytes());
        self.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_codes_are_the_clis() {
        let f =
            Failure::Configuration("Unable to retrieve credentials: no credentials found\n".into());
        assert_eq!(f.code(), 253);
        assert_eq!(
            f.render(),
            "\nawscred: [ERROR]: An error occurred (Configuration): Unable to retrieve credentials: \
             no credentials found\n"
        );
        let f = Failure::Client("An error occurred (AccessDenied) when calling ...".into());
        assert_eq!(f.code(), 254);
        assert_eq!(
            f.render(),
            "\nawscred: [ERROR]: An error occurred (AccessDenied) when calling ...\n"
        );
        let f = Failure::General("The config profile (x) could not be found".into());
        assert_eq!(f.code(), 255);
        assert_eq!(
            f.render(),
            "\nawscred: [ERROR]: The config profile (x) could not be found\n"
        );
    }

    #[test]
    fn the_exit_status_follows_the_errors_detail() {
        use awscred_core::Error;
        let code = |e: Error| Failure::from_credentials_error(&e).code();
        assert_eq!(code(Error::invalid_config("no keys")), 253);
        let parse = Error::invalid_config("Unable to parse config file: /h/c:1: x").with_detail(
            Detail::UnparsableFile {
                path: "/h/c".into(),
                line: Some(1),
            },
        );
        assert_eq!(code(parse), 255);
        let refused = Error::parameter_validation("AssumeRole", &["x".into()]).deferred();
        assert_eq!(code(refused), 252);
        assert_eq!(code(Error::still_expired("")), 255);
        assert_eq!(code(Error::provider_failed("sts").deferred()), 255);
        let denied = Error::provider_failed("sts")
            .refused_by_service()
            .deferred();
        assert_eq!(code(denied), 254);
        // Only the message's words differ: the text alone decides nothing.
        assert_eq!(
            code(Error::provider_failed(
                "Credentials were refreshed, but the refreshed credentials are still expired."
            )),
            253
        );
    }
}

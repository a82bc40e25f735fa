//! How a failed command ends: the AWS CLI v2's exit statuses and error lines
//! (`awscli/errorhandler.py`, `awscli/errorformat.py`), with `awscred` in place of `aws`.

use std::io::Write;

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
    /// The CLI's `ParamValidationError`: a value the command refuses (252).
    Usage(String),
}

impl Failure {
    /// The exit status.
    pub(crate) fn code(&self) -> u8 {
        match self {
            Failure::Configuration(_) => CONFIGURATION_ERROR,
            Failure::Client(_) => CLIENT_ERROR,
            Failure::General(_) => GENERAL_ERROR,
            Failure::Usage(_) => USAGE_ERROR,
        }
    }

    /// What goes to stderr: a blank line, then `awscred: [ERROR]: ` and the message, as the CLI's
    /// default ("enhanced") error format writes it, configuration errors with their code.
    pub(crate) fn render(&self) -> String {
        let message = match self {
            Failure::Configuration(m) => format!("An error occurred (Configuration): {}", m.trim()),
            Failure::Usage(m) => format!("An error occurred (ParamValidation): {}", m.trim()),
            Failure::Client(m) | Failure::General(m) => m.trim().to_owned(),
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
}

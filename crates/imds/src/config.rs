//! Where IMDS is and how patiently to ask it, from the environment and the profile, with the
//! CLI's precedence (variable over profile key) and defaults.

use std::fmt;
use std::time::Duration;

use awscred_core::{Env, Error};
use awscred_profile::ProfileContext;
use awscred_profile::setting::{Origin, Setting};
use http::Uri;

/// The IPv4 endpoint.
pub const IPV4_ENDPOINT: &str = "http://169.254.169.254";
/// The IPv6 endpoint.
pub const IPV6_ENDPOINT: &str = "http://[fd00:ec2::254]";
/// The CLI's default time limit for one request (`metadata_service_timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// The CLI's default number of attempts per request (`metadata_service_num_attempts`).
pub const DEFAULT_ATTEMPTS: u32 = 1;

/// Which of the two well-known endpoints to use when none is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointMode {
    /// `http://169.254.169.254`.
    IPv4,
    /// `http://[fd00:ec2::254]`.
    IPv6,
}

impl EndpointMode {
    /// Parses a mode case-insensitively (`ipv4`, `IPv6`...), as the CLI does.
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value.to_ascii_lowercase().as_str() {
            "ipv4" => Ok(EndpointMode::IPv4),
            "ipv6" => Ok(EndpointMode::IPv6),
            _ => Err(Error::invalid_config(format!(
                "`{value}` is not a valid endpoint mode (valid modes: IPv4, IPv6)"
            ))),
        }
    }

    /// The endpoint of this mode.
    pub fn endpoint(self) -> &'static str {
        match self {
            EndpointMode::IPv4 => IPV4_ENDPOINT,
            EndpointMode::IPv6 => IPV6_ENDPOINT,
        }
    }
}

impl fmt::Display for EndpointMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndpointMode::IPv4 => "IPv4",
            EndpointMode::IPv6 => "IPv6",
        })
    }
}

/// Settings given in code, which beat the environment and the profile (the SDKs' builder
/// options; the conformance suite exercises them).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// An endpoint that beats every configured one.
    pub endpoint: Option<String>,
    /// A mode that beats the configured modes (but not a configured endpoint).
    pub mode: Option<EndpointMode>,
}

/// The resolved IMDS settings.
///
/// ```
/// use awscred_core::Env;
/// use awscred_imds::ImdsConfig;
/// let env = Env::from_vars([("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")]);
/// let config = ImdsConfig::from_env_and_profile(&env, None, &Default::default()).unwrap();
/// assert_eq!(config.token_uri().to_string(), "http://[fd00:ec2::254]/latest/api/token");
/// assert_eq!(config.timeout, std::time::Duration::from_secs(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImdsConfig {
    /// `AWS_EC2_METADATA_DISABLED=true`: the tier is off.
    pub disabled: bool,
    /// IMDSv1 (requests without a token) is not allowed: `AWS_EC2_METADATA_V1_DISABLED` /
    /// `ec2_metadata_v1_disabled`.
    pub v1_disabled: bool,
    /// The base URI, as configured (`http://169.254.169.254`, or a custom one).
    pub endpoint: String,
    /// The time limit of one request.
    pub timeout: Duration,
    /// How many times each request is tried.
    pub attempts: u32,
}

impl ImdsConfig {
    /// The settings of a resolution: variables first, then the selected profile's keys.
    pub fn from_context(ctx: &ProfileContext, overrides: &Overrides) -> Result<Self, Error> {
        Self::from_env_and_profile(&ctx.env, Some(ctx), overrides)
    }

    /// The settings from variables and, when given, a profile context.
    pub fn from_env_and_profile(
        env: &Env,
        ctx: Option<&ProfileContext>,
        overrides: &Overrides,
    ) -> Result<Self, Error> {
        let setting = |var: &'static str, key: &'static str| -> Option<(String, String)> {
            let found = Setting::new(var, key).lookup(env, ctx)?;
            let place = match &found.origin {
                Origin::Profile {
                    profile,
                    key,
                    location,
                } => format!("{key} in profile {profile} ({location})"),
                other => other.to_string(),
            };
            Some((found.value, place))
        };

        let disabled = env
            .var("AWS_EC2_METADATA_DISABLED")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let v1_disabled = setting("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled")
            .is_some_and(|(v, _)| v.eq_ignore_ascii_case("true"));

        let configured_endpoint = setting(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "ec2_metadata_service_endpoint",
        );
        let configured_mode = setting(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
            "ec2_metadata_service_endpoint_mode",
        )
        .map(|(v, place)| EndpointMode::parse(&v).map_err(|e| e.context(place)))
        .transpose()?;

        let (endpoint, place) = if let Some(e) = &overrides.endpoint {
            (e.clone(), "the endpoint override".to_owned())
        } else if let Some((e, place)) = configured_endpoint {
            if configured_mode == Some(EndpointMode::IPv6) || overrides.mode.is_some() {
                tracing::debug!(
                    "an IMDS endpoint and an endpoint mode are both set; using the endpoint"
                );
            }
            (e, place)
        } else {
            let mode = overrides
                .mode
                .or(configured_mode)
                .unwrap_or(EndpointMode::IPv4);
            (mode.endpoint().to_owned(), format!("endpoint mode {mode}"))
        };
        validate_endpoint(&endpoint).map_err(|e| e.context(place))?;

        let timeout = match setting("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout") {
            None => DEFAULT_TIMEOUT,
            Some((v, place)) => parse_timeout(&v).ok_or_else(|| {
                Error::invalid_config(format!(
                    "{place}: `{v}` is not a positive number of seconds"
                ))
            })?,
        };
        let attempts = match setting(
            "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
            "metadata_service_num_attempts",
        ) {
            None => DEFAULT_ATTEMPTS,
            Some((v, place)) => v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| {
                    Error::invalid_config(format!(
                        "{place}: `{v}` is not a whole number of attempts from 1 to 100"
                    ))
                })?,
        };

        Ok(ImdsConfig {
            disabled,
            v1_disabled,
            endpoint,
            timeout,
            attempts,
        })
    }

    /// The URI of `path` under the endpoint, joined as the CLI joins them (one `/` between).
    pub fn uri(&self, path: &str) -> Uri {
        let sep = if self.endpoint.ends_with('/') {
            ""
        } else {
            "/"
        };
        format!("{}{sep}{path}", self.endpoint)
            .parse()
            .unwrap_or_else(|_| Uri::from_static("http://169.254.169.254/"))
    }

    /// The token URI, `<endpoint>/latest/api/token`.
    pub fn token_uri(&self) -> Uri {
        self.uri(TOKEN_PATH)
    }
}

/// Where IMDSv2 hands out session tokens (a `PUT`), relative to the endpoint.
pub(crate) const TOKEN_PATH: &str = "latest/api/token";
/// Where the instance role's name is listed, and its credentials read under that name.
pub(crate) const ROLE_PATH: &str = "latest/meta-data/iam/security-credentials/";

fn parse_timeout(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0 && secs <= 3600.0).then(|| Duration::from_secs_f64(secs))
}

/// An endpoint must be an absolute http(s) URI with a host, so that every path joined to it is
/// one too.
fn validate_endpoint(endpoint: &str) -> Result<(), Error> {
    let uri: Uri = endpoint.parse().map_err(|e: http::uri::InvalidUri| {
        Error::invalid_config(format!("`{endpoint}` is not a valid IMDS endpoint: {e}"))
    })?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => {
            return Err(Error::invalid_config(format!(
                "`{endpoint}` is not a valid IMDS endpoint: it must start with http:// or https://"
            )));
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(Error::invalid_config(format!(
            "`{endpoint}` is not a valid IMDS endpoint: it has no host"
        )));
    }
    if uri.query().is_some() {
        return Err(Error::invalid_config(format!(
            "`{endpoint}` is not a valid IMDS endpoint: it has a query string"
        )));
    }
    let sep = if endpoint.ends_with('/') { "" } else { "/" };
    format!("{endpoint}{sep}latest/api/token")
        .parse::<Uri>()
        .map(|_| ())
        .map_err(|e| {
            Error::invalid_config(format!("`{endpoint}` is not a valid IMDS endpoint: {e}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<ImdsConfig, Error> {
        ImdsConfig::from_env_and_profile(
            &Env::from_vars(vars.iter().copied()),
            None,
            &Overrides::default(),
        )
    }

    #[test]
    fn defaults_are_the_clis() {
        let c = config(&[]).unwrap();
        assert_eq!(
            c,
            ImdsConfig {
                disabled: false,
                v1_disabled: false,
                endpoint: IPV4_ENDPOINT.into(),
                timeout: Duration::from_secs(1),
                attempts: 1,
            }
        );
    }

    #[test]
    fn switches_and_numbers() {
        let c = config(&[
            ("AWS_EC2_METADATA_DISABLED", "True"),
            ("AWS_EC2_METADATA_V1_DISABLED", "TRUE"),
            ("AWS_METADATA_SERVICE_TIMEOUT", "2.5"),
            ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3"),
        ])
        .unwrap();
        assert!(c.disabled && c.v1_disabled);
        assert_eq!(c.timeout, Duration::from_millis(2500));
        assert_eq!(c.attempts, 3);
        assert!(
            !config(&[("AWS_EC2_METADATA_DISABLED", "1")])
                .unwrap()
                .disabled
        );
    }

    #[test]
    fn bad_numbers_name_the_variable() {
        let e = config(&[("AWS_METADATA_SERVICE_TIMEOUT", "soon")]).unwrap_err();
        assert!(
            e.to_string().contains("AWS_METADATA_SERVICE_TIMEOUT"),
            "{e}"
        );
        let e = config(&[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "0")]).unwrap_err();
        assert!(
            e.to_string().contains("AWS_METADATA_SERVICE_NUM_ATTEMPTS"),
            "{e}"
        );
    }

    #[test]
    fn endpoints_join_like_the_cli() {
        let c = config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:99/")]).unwrap();
        assert_eq!(
            c.token_uri().to_string(),
            "http://127.0.0.1:99/latest/api/token"
        );
        let c = config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://h/prefix")]).unwrap();
        assert_eq!(c.uri("latest/x").to_string(), "http://h/prefix/latest/x");
        for bad in ["ftp://h", "169.254.169.254", "http://h/?q=1"] {
            assert!(
                config(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", bad)]).is_err(),
                "{bad}"
            );
        }
    }
}

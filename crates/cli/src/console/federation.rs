//! The AWS federation endpoint: temporary credentials exchanged for a sign-in token
//! (`Action=getSigninToken`), and the console login URL made of it (`Action=login`).
//!
//! Each partition has its own sign-in and console hosts (from the IAM user guide, "Enable custom
//! identity broker access to the AWS console"): `signin.aws.amazon.com` /
//! `console.aws.amazon.com`, `signin.amazonaws-us-gov.com` / `console.amazonaws-us-gov.com`,
//! `signin.amazonaws.cn` / `console.amazonaws.cn`. The isolated partitions have no public
//! federation endpoint: `AWSCRED_FEDERATION_ENDPOINT` names one.
//!
//! The sign-in token and the login URL are secrets (whoever has the URL has the console session
//! for 15 minutes): they are kept in [`Secret`]s, sent in a POST body rather than a query string,
//! and never logged.

use std::time::Duration;

use awscred_core::http::{self, HttpClient, HttpRequest, Method, Timeouts, header};
use awscred_core::{Credentials, Env, Secret, pyjson};
use serde_json::Value;
use zeroize::Zeroizing;

/// The variable that replaces the federation endpoint (the full URL, path included, e.g.
/// `http://127.0.0.1:8080/federation`), for tests and private partitions.
pub(crate) const ENDPOINT_VARIABLE: &str = "AWSCRED_FEDERATION_ENDPOINT";

/// What appears as the `Issuer` of the login URL (where the console sends a user whose session
/// has ended).
pub(crate) const ISSUER: &str = "awscred";

/// How long the federation endpoint may take.
const TIMEOUTS: Timeouts = Timeouts::new(Duration::from_secs(30), Duration::from_secs(30));

/// The sign-in and console hosts of the region's partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Partition {
    /// The federation endpoint (`https://signin.../federation`).
    pub(crate) federation: String,
    /// The console's domain (`console.aws.amazon.com`).
    pub(crate) console_domain: &'static str,
    /// Whether the console host takes the region as a sub-domain (`eu-west-1.console...`).
    pub(crate) regional_console: bool,
}

impl Partition {
    /// The partition of `region` (the commercial one without a region), the federation endpoint
    /// replaced by [`ENDPOINT_VARIABLE`] when set. An isolated partition without the variable is
    /// an error naming it.
    pub(crate) fn for_region(region: Option<&str>, env: &Env) -> Result<Partition, String> {
        let region = region.unwrap_or("");
        let (signin, console_domain, regional_console) = if region.starts_with("us-gov-") {
            (
                "signin.amazonaws-us-gov.com",
                "console.amazonaws-us-gov.com",
                false,
            )
        } else if region.starts_with("cn-") {
            ("signin.amazonaws.cn", "console.amazonaws.cn", false)
        } else if ["us-iso", "eu-isoe-", "eusc-"]
            .iter()
            .any(|p| region.starts_with(p))
        {
            ("", "", false)
        } else {
            ("signin.aws.amazon.com", "console.aws.amazon.com", true)
        };
        let federation = match env.non_empty_var(ENDPOINT_VARIABLE) {
            Some(url) => url,
            None if signin.is_empty() => {
                return Err(format!(
                    "no public console federation endpoint is known for region {region}: set \
                     {ENDPOINT_VARIABLE} to your partition's federation URL"
                ));
            }
            None => format!("https://{signin}/federation"),
        };
        let console_domain = if console_domain.is_empty() {
            "console.aws.amazon.com"
        } else {
            console_domain
        };
        Ok(Partition {
            federation,
            console_domain,
            regional_console,
        })
    }

    /// The console page of `service` (`console` is the home page; a value with a `/` is a path
    /// of its own) in `region`.
    pub(crate) fn destination(&self, service: &str, region: Option<&str>) -> String {
        let path = service.trim_matches('/');
        let path = if path.contains('/') {
            path.to_owned()
        } else {
            format!("{path}/home")
        };
        match region {
            Some(r) if self.regional_console => {
                format!("https://{r}.{}/{path}?region={r}", self.console_domain)
            }
            Some(r) => format!("https://{}/{path}?region={r}", self.console_domain),
            None => format!("https://{}/{path}", self.console_domain),
        }
    }

    /// The login URL: `Action=login`, the issuer, the destination and the token.
    pub(crate) fn login_url(&self, destination: &str, token: &Secret) -> Secret {
        let mut url = Zeroizing::new(self.federation.clone());
        let separator = if url.contains('?') { '&' } else { '?' };
        url.push(separator);
        url.push_str("Action=login&Issuer=");
        http::percent_encode_into(ISSUER, &mut url);
        url.push_str("&Destination=");
        http::percent_encode_into(destination, &mut url);
        url.push_str("&SigninToken=");
        http::percent_encode_into(token.expose(), &mut url);
        Secret::new(url.as_str())
    }

    /// `getSigninToken`: the credentials (which must carry a session token) for a sign-in
    /// token. `session_duration` is the console session's length in seconds, accepted only for
    /// credentials from AssumeRole (not GetFederationToken, not a role chain).
    pub(crate) async fn signin_token(
        &self,
        http: &dyn HttpClient,
        creds: &Credentials,
        session_duration: Option<u64>,
    ) -> Result<Secret, String> {
        let endpoint = self.federation.split('?').next().unwrap_or_default();
        let token = creds
            .session_token()
            .map(Secret::expose)
            .unwrap_or_default();
        // `{"sessionId": ..., "sessionKey": ..., "sessionToken": ...}`, built in a buffer that is
        // wiped when dropped.
        let mut session = Zeroizing::new(String::from("{"));
        for (i, (key, value)) in [
            ("sessionId", creds.access_key_id()),
            ("sessionKey", creds.secret_access_key().expose()),
            ("sessionToken", token),
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                session.push_str(", ");
            }
            pyjson::write_str(&mut session, key);
            session.push_str(": ");
            pyjson::write_str(&mut session, value);
        }
        session.push('}');
        let mut body = Zeroizing::new(String::from("Action=getSigninToken"));
        if let Some(seconds) = session_duration {
            body.push_str(&format!("&SessionDuration={seconds}"));
        }
        body.push_str("&Session=");
        http::percent_encode_into(&session, &mut body);
        let mut request = HttpRequest::new(body.as_bytes().to_vec());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self
            .federation
            .parse()
            .map_err(|e| format!("invalid federation endpoint {endpoint}: {e}"))?;
        let headers = request.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers.insert(
            header::ACCEPT,
            header::HeaderValue::from_static("application/json"),
        );
        let response = http
            .send(request, TIMEOUTS)
            .await
            .map_err(|e| format!("the federation endpoint could not be reached: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            let reason = status.canonical_reason().unwrap_or("");
            let hint = if status.as_u16() == 400 {
                ": the endpoint refused the credentials (expired; from a role chain or \
                 GetFederationToken and given --duration; or not temporary credentials)"
            } else {
                ""
            };
            return Err(format!(
                "the federation endpoint {endpoint} answered HTTP {} {reason}{hint}",
                status.as_u16()
            ));
        }
        let doc: Value = serde_json::from_slice(response.body()).map_err(|_| {
            format!("the federation endpoint {endpoint} answered something that is not JSON")
        })?;
        match doc.get("SigninToken").and_then(Value::as_str) {
            Some(t) if !t.is_empty() => Ok(Secret::new(t)),
            _ => Err(format!(
                "the federation endpoint {endpoint} answered without a `SigninToken`"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(region: Option<&str>) -> Result<Partition, String> {
        Partition::for_region(region, &Env::from_vars::<&str, &str>([]))
    }

    #[test]
    fn each_partition_has_its_hosts() {
        let aws = partition(Some("eu-west-1")).unwrap();
        assert_eq!(aws.federation, "https://signin.aws.amazon.com/federation");
        assert_eq!(
            aws.destination("console", Some("eu-west-1")),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert_eq!(
            aws.destination("s3", None),
            "https://console.aws.amazon.com/s3/home"
        );
        let gov = partition(Some("us-gov-west-1")).unwrap();
        assert_eq!(
            gov.federation,
            "https://signin.amazonaws-us-gov.com/federation"
        );
        assert_eq!(
            gov.destination("ec2", Some("us-gov-west-1")),
            "https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1"
        );
        let cn = partition(Some("cn-north-1")).unwrap();
        assert_eq!(cn.federation, "https://signin.amazonaws.cn/federation");
        assert_eq!(
            cn.destination("/ec2/v2/home", Some("cn-north-1")),
            "https://console.amazonaws.cn/ec2/v2/home?region=cn-north-1"
        );
        let err = partition(Some("us-iso-east-1")).unwrap_err();
        assert!(err.contains(ENDPOINT_VARIABLE), "{err}");
        let env = Env::from_vars([(ENDPOINT_VARIABLE, "http://127.0.0.1:1/federation")]);
        let iso = Partition::for_region(Some("us-iso-east-1"), &env).unwrap();
        assert_eq!(iso.federation, "http://127.0.0.1:1/federation");
    }

    #[test]
    fn the_login_url_encodes_every_part() {
        let aws = partition(None).unwrap();
        let url = aws.login_url(
            "https://console.aws.amazon.com/s3/home?a=b",
            &Secret::new("t+/="),
        );
        assert_eq!(
            url.expose(),
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=awscred&Destination=\
             https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome%3Fa%3Db&SigninToken=t%2B%2F%3D"
        );
    }
}

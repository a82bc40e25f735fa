//! Where the portal (`sso`), SSO-OIDC (`sso_oidc`) and the sign-in service (`signin`, for `aws
//! login` sessions) are called: the configured endpoint URLs, else the service's regional
//! endpoint (with FIPS and dual-stack variants), through the one resolver every service shares
//! ([`awscred_profile::endpoint`] over [`awscred_core::endpoint`]).

use awscred_core::Error;
use awscred_core::endpoint::{self as core_endpoint, regional_url};
use awscred_profile::{ProfileContext, endpoint as shared};

/// One of the two SSO services this crate calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Service {
    /// The AWS access portal: `GetRoleCredentials`, `Logout`.
    Portal,
    /// SSO-OIDC: `RegisterClient`, `StartDeviceAuthorization`, `CreateToken`.
    Oidc,
}

impl Service {
    /// The service in the shared resolver's terms.
    pub fn shared(self) -> core_endpoint::Service {
        match self {
            Service::Portal => core_endpoint::Service::SsoPortal,
            Service::Oidc => core_endpoint::Service::SsoOidc,
        }
    }
}

/// The base URL (no trailing slash) for `service` in `region`, for the selected profile of `ctx`.
///
/// Order, as botocore's configured-endpoint resolution (`ConfiguredEndpointProvider`):
/// `AWS_ENDPOINT_URL_SSO` / `AWS_ENDPOINT_URL_SSO_OIDC`, `AWS_ENDPOINT_URL`, the profile's
/// `services` section, the profile's `endpoint_url`; all skipped when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` /
/// `ignore_configured_endpoint_urls` is true. Otherwise the regional endpoint, honouring
/// `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint` and `AWS_USE_DUALSTACK_ENDPOINT` /
/// `use_dualstack_endpoint`. A setting that is neither true nor false is an error naming it, as
/// for STS.
pub fn try_resolve(ctx: &ProfileContext, service: Service, region: &str) -> Result<String, Error> {
    let found = shared::resolve(ctx, service.shared(), region)?;
    Ok(found.url.trim_end_matches('/').to_owned())
}

/// [`try_resolve`], reading a setting that is neither true nor false as botocore's
/// `ensure_boolean` does (false: the plain regional endpoint) after a warning. For the
/// interactive `sso login` paths; the credential tiers call [`try_resolve`].
pub fn resolve(ctx: &ProfileContext, service: Service, region: &str) -> String {
    try_resolve(ctx, service, region).unwrap_or_else(|e| {
        tracing::warn!("{e}; using the regional endpoint");
        regional_url(service.shared(), region, false, false)
    })
}

/// The base URL (no trailing slash) of the sign-in service (`CreateOAuth2Token`, which refreshes
/// an `aws login` session) in `region`: the configured endpoint URLs in the same order as
/// [`resolve`] (`AWS_ENDPOINT_URL_SIGNIN`, `AWS_ENDPOINT_URL`, the `signin` key of a `services`
/// section, `endpoint_url`), else the regional endpoint; or why a setting is wrong.
pub fn resolve_signin(ctx: &ProfileContext, region: &str) -> Result<String, String> {
    shared::resolve(ctx, core_endpoint::Service::Signin, region)
        .map(|found| found.url.trim_end_matches('/').to_owned())
        .map_err(|e| e.message().to_owned())
}

/// The sign-in service's endpoint rules (botocore's `signin` endpoint rule set, with
/// `IsControlPlane` false as `CreateOAuth2Token` sets it).
#[cfg(test)]
fn signin_endpoint(region: &str, fips: bool, dual: bool) -> Result<String, String> {
    Ok(regional_url(
        core_endpoint::Service::Signin,
        region,
        fips,
        dual,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_core::Env;
    use awscred_profile::ProfileSet;
    use std::path::Path;
    use std::sync::Arc;

    fn ctx(vars: &[(&str, &str)], config: &str) -> ProfileContext {
        ProfileContext::new(
            Env::from_vars(vars.iter().copied()),
            Arc::new(ProfileSet::parse(Some((Path::new("/c"), config)), None)),
            "default".into(),
        )
    }

    #[test]
    fn defaults_and_variants() {
        let c = ctx(&[], "[default]\n");
        assert_eq!(
            resolve(&c, Service::Portal, "us-east-1"),
            "https://portal.sso.us-east-1.amazonaws.com"
        );
        assert_eq!(
            resolve(&c, Service::Oidc, "eu-west-1"),
            "https://oidc.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            resolve(&c, Service::Oidc, "cn-north-1"),
            "https://oidc.cn-north-1.amazonaws.com.cn"
        );
        let c = ctx(
            &[
                ("AWS_USE_FIPS_ENDPOINT", "true"),
                ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
            ],
            "",
        );
        assert_eq!(
            resolve(&c, Service::Portal, "us-east-2"),
            "https://portal.sso-fips.us-east-2.api.aws"
        );
        let c = ctx(&[], "[default]\nuse_fips_endpoint = true\n");
        assert_eq!(
            resolve(&c, Service::Oidc, "us-east-2"),
            "https://oidc-fips.us-east-2.amazonaws.com"
        );
        assert_eq!(
            resolve(&c, Service::Oidc, "us-gov-west-1"),
            "https://oidc.us-gov-west-1.amazonaws.com"
        );
    }

    #[test]
    fn signin_endpoints_match_botocores_rules() {
        // From botocore 1.44.8's `signin` client (CreateOAuth2Token), per region:
        // plain, FIPS, dual-stack, FIPS + dual-stack.
        let table = [
            (
                "us-east-1",
                "https://us-east-1.signin.aws.amazon.com",
                "https://signin-fips.us-east-1.amazonaws.com",
                "https://signin.us-east-1.api.aws",
                "https://signin-fips.us-east-1.api.aws",
            ),
            (
                "eu-central-1",
                "https://eu-central-1.signin.aws.amazon.com",
                "https://signin-fips.eu-central-1.amazonaws.com",
                "https://signin.eu-central-1.api.aws",
                "https://signin-fips.eu-central-1.api.aws",
            ),
            (
                "cn-north-1",
                "https://cn-north-1.signin.amazonaws.cn",
                "https://signin-fips.cn-north-1.amazonaws.com.cn",
                "https://signin.cn-north-1.api.amazonwebservices.com.cn",
                "https://signin-fips.cn-north-1.api.amazonwebservices.com.cn",
            ),
            (
                "us-gov-west-1",
                "https://us-gov-west-1.signin.amazonaws-us-gov.com",
                "https://signin-fips.amazonaws-us-gov.com",
                "https://signin.us-gov-west-1.api.aws",
                "https://signin-fips.us-gov-west-1.api.aws",
            ),
            (
                "us-gov-east-1",
                "https://us-gov-east-1.signin.amazonaws-us-gov.com",
                "https://us-gov-east-1.signin-fips.amazonaws-us-gov.com",
                "https://signin.us-gov-east-1.api.aws",
                "https://signin-fips.us-gov-east-1.api.aws",
            ),
            (
                "us-iso-east-1",
                "https://us-iso-east-1.signin.c2shome.ic.gov",
                "https://signin-fips.us-iso-east-1.c2s.ic.gov",
                "https://signin.us-iso-east-1.api.aws.ic.gov",
                "https://signin-fips.us-iso-east-1.api.aws.ic.gov",
            ),
            (
                "us-isob-east-1",
                "https://us-isob-east-1.signin.sc2shome.sgov.gov",
                "https://signin-fips.us-isob-east-1.sc2s.sgov.gov",
                "https://signin.us-isob-east-1.api.aws.scloud",
                "https://signin-fips.us-isob-east-1.api.aws.scloud",
            ),
            (
                "eusc-de-east-1",
                "https://eusc-de-east-1.signin.amazonaws-eusc.eu",
                "https://signin-fips.eusc-de-east-1.amazonaws.eu",
                "https://signin.eusc-de-east-1.api.amazonwebservices.eu",
                "https://signin-fips.eusc-de-east-1.api.amazonwebservices.eu",
            ),
        ];
        for (region, plain, fips, dual, both) in table {
            assert_eq!(signin_endpoint(region, false, false).unwrap(), plain);
            assert_eq!(signin_endpoint(region, true, false).unwrap(), fips);
            assert_eq!(signin_endpoint(region, false, true).unwrap(), dual);
            assert_eq!(signin_endpoint(region, true, true).unwrap(), both);
        }
        assert_eq!(
            signin_endpoint("eu-isoe-west-1", false, false).unwrap(),
            "https://eu-isoe-west-1.signin.csphome.adc-e.uk"
        );
        assert_eq!(
            signin_endpoint("us-isof-south-1", true, false).unwrap(),
            "https://signin-fips.us-isof-south-1.csp.hci.ic.gov"
        );
        // botocore 1.44.8 (and the CLI v2's copy) gives every partition a dual-stack sign-in
        // endpoint; this used to be an error here.
        assert_eq!(
            signin_endpoint("us-isof-south-1", false, true).unwrap(),
            "https://signin.us-isof-south-1.api.aws.hci.ic.gov"
        );
        let c = ctx(&[("AWS_ENDPOINT_URL_SIGNIN", "http://127.0.0.1:9/")], "");
        assert_eq!(
            resolve_signin(&c, "us-east-1").unwrap(),
            "http://127.0.0.1:9"
        );
        let c = ctx(
            &[],
            "[default]\nservices = s\n[services s]\nsignin =\n  endpoint_url = http://svc/\n",
        );
        assert_eq!(resolve_signin(&c, "us-east-1").unwrap(), "http://svc");
    }

    #[test]
    fn configured_precedence() {
        let config = "[default]\nservices = s\nendpoint_url = http://profile-global\n\
                      [services s]\nsso =\n  endpoint_url = http://svc-sso/\n";
        let c = ctx(
            &[
                ("AWS_ENDPOINT_URL", "http://env-global"),
                ("AWS_ENDPOINT_URL_SSO_OIDC", "http://env-oidc"),
            ],
            config,
        );
        assert_eq!(resolve(&c, Service::Oidc, "r"), "http://env-oidc");
        // botocore: the global variable comes before the services section.
        assert_eq!(resolve(&c, Service::Portal, "r"), "http://env-global");
        let c = ctx(&[], config);
        assert_eq!(resolve(&c, Service::Portal, "r"), "http://svc-sso");
        let c = ctx(&[], "[default]\nendpoint_url = http://profile-global\n");
        assert_eq!(resolve(&c, Service::Portal, "r"), "http://profile-global");
        let c = ctx(
            &[
                ("AWS_ENDPOINT_URL", "http://env-global"),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ],
            "",
        );
        assert_eq!(
            resolve(&c, Service::Portal, "r"),
            "https://portal.sso.r.amazonaws.com"
        );
    }

    #[test]
    fn the_disagreements_with_sts_of_issue_13_are_gone() {
        // Dual-stack in us-isob: STS's suffix (`api.aws.scloud`), not the regular one.
        let dual = ctx(&[("AWS_USE_DUALSTACK_ENDPOINT", "true")], "");
        assert_eq!(
            try_resolve(&dual, Service::Portal, "us-isob-east-1").unwrap(),
            "https://portal.sso.us-isob-east-1.api.aws.scloud"
        );
        // eusc-de-east-1 is the aws-eusc partition, not `api.aws`.
        assert_eq!(
            try_resolve(&dual, Service::Oidc, "eusc-de-east-1").unwrap(),
            "https://oidc.eusc-de-east-1.api.amazonwebservices.eu"
        );
        assert_eq!(
            try_resolve(&ctx(&[], ""), Service::Portal, "eusc-de-east-1").unwrap(),
            "https://portal.sso.eusc-de-east-1.amazonaws.eu"
        );
        // A FIPS setting that is neither true nor false is an error, as it is for STS.
        let yes = ctx(&[("AWS_USE_FIPS_ENDPOINT", "yes")], "");
        let err = try_resolve(&yes, Service::Portal, "us-east-1").unwrap_err();
        assert!(
            err.message()
                .contains("AWS_USE_FIPS_ENDPOINT must be true or false"),
            "{err}"
        );
        let err = resolve_signin(&yes, "us-east-1").unwrap_err();
        assert!(err.contains("AWS_USE_FIPS_ENDPOINT"), "{err}");
        let c = ctx(&[], "[default]\nuse_fips_endpoint = yes\n");
        let err = try_resolve(&c, Service::Oidc, "us-east-1").unwrap_err();
        assert!(err.message().contains("/c:2"), "{err}");
        // The lenient reading of the interactive paths: botocore's, false.
        assert_eq!(
            resolve(&yes, Service::Portal, "us-east-1"),
            "https://portal.sso.us-east-1.amazonaws.com"
        );
    }
}

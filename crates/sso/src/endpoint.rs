//! Where the portal (`sso`), SSO-OIDC (`sso_oidc`) and the sign-in service (`signin`, for `aws
//! login` sessions) are called: the configured endpoint URLs as the SDKs read them, else the
//! service's regional endpoint (with FIPS and dual-stack variants).

use awscred_profile::ProfileContext;

/// One of the two services this crate calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// The AWS access portal: `GetRoleCredentials`, `Logout`.
    Portal,
    /// SSO-OIDC: `RegisterClient`, `StartDeviceAuthorization`, `CreateToken`.
    Oidc,
}

impl Service {
    fn env_suffix(self) -> &'static str {
        match self {
            Service::Portal => "SSO",
            Service::Oidc => "SSO_OIDC",
        }
    }

    /// The key in a `[services NAME]` section.
    fn services_key(self) -> &'static str {
        match self {
            Service::Portal => "sso",
            Service::Oidc => "sso_oidc",
        }
    }

    fn host_prefix(self, fips: bool) -> &'static str {
        match (self, fips) {
            (Service::Portal, false) => "portal.sso",
            (Service::Portal, true) => "portal.sso-fips",
            (Service::Oidc, false) => "oidc",
            (Service::Oidc, true) => "oidc-fips",
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
/// `use_dualstack_endpoint`.
pub fn resolve(ctx: &ProfileContext, service: Service, region: &str) -> String {
    if let Some(url) = configured(ctx, service.env_suffix(), service.services_key()) {
        return url.trim_end_matches('/').to_owned();
    }
    let fips = flag(ctx, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint");
    let dual = flag(ctx, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint");
    let (suffix, dual_suffix) = partition_suffixes(region);
    if fips && !dual && region.starts_with("us-gov-") {
        // The GovCloud partition's regular endpoints are already FIPS endpoints.
        return format!(
            "https://{}.{region}.amazonaws.com",
            service.host_prefix(false)
        );
    }
    let suffix = if dual { dual_suffix } else { suffix };
    format!("https://{}.{region}.{suffix}", service.host_prefix(fips))
}

/// The base URL (no trailing slash) of the sign-in service (`CreateOAuth2Token`, which refreshes
/// an `aws login` session) in `region`: the configured endpoint URLs in the same order as
/// [`resolve`] (`AWS_ENDPOINT_URL_SIGNIN`, `AWS_ENDPOINT_URL`, the `signin` key of a `services`
/// section, `endpoint_url`), else the regional endpoint, or why there is none (some partitions
/// have no dual-stack endpoint for it).
pub fn resolve_signin(ctx: &ProfileContext, region: &str) -> Result<String, String> {
    if let Some(url) = configured(ctx, "SIGNIN", "signin") {
        return Ok(url.trim_end_matches('/').to_owned());
    }
    let fips = flag(ctx, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint");
    let dual = flag(ctx, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint");
    signin_endpoint(region, fips, dual)
}

/// The sign-in service's endpoint rules (botocore's `signin` endpoint rule set, with
/// `IsControlPlane` false as `CreateOAuth2Token` sets it): the plain endpoint lives under the
/// partition's sign-in domain (`us-east-1.signin.aws.amazon.com`), the variants under its
/// service DNS suffixes.
fn signin_endpoint(region: &str, fips: bool, dual: bool) -> Result<String, String> {
    // (sign-in domain, DNS suffix, dual-stack DNS suffix)
    let (domain, suffix, dual_suffix) = if region.starts_with("cn-") {
        (
            "amazonaws.cn",
            "amazonaws.com.cn",
            Some("api.amazonwebservices.com.cn"),
        )
    } else if region.starts_with("us-gov-") {
        ("amazonaws-us-gov.com", "amazonaws.com", Some("api.aws"))
    } else if region.starts_with("us-isob-") {
        ("sc2shome.sgov.gov", "sc2s.sgov.gov", Some("api.aws.scloud"))
    } else if region.starts_with("us-iso-") {
        ("c2shome.ic.gov", "c2s.ic.gov", Some("api.aws.ic.gov"))
    } else if region.starts_with("eu-isoe-") {
        ("csphome.adc-e.uk", "cloud.adc-e.uk", None)
    } else if region.starts_with("us-isof-") {
        ("csphome.hci.ic.gov", "csp.hci.ic.gov", None)
    } else if region.starts_with("eusc-") {
        (
            "amazonaws-eusc.eu",
            "amazonaws.eu",
            Some("api.amazonwebservices.eu"),
        )
    } else {
        ("aws.amazon.com", "amazonaws.com", Some("api.aws"))
    };
    let prefix = if fips { "signin-fips" } else { "signin" };
    if dual {
        let dual_suffix = dual_suffix
            .ok_or_else(|| format!("the sign-in service has no dual-stack endpoint in {region}"))?;
        return Ok(format!("https://{prefix}.{region}.{dual_suffix}"));
    }
    Ok(match (fips, region) {
        (false, _) => format!("https://{region}.signin.{domain}"),
        (true, "us-gov-west-1") => "https://signin-fips.amazonaws-us-gov.com".to_owned(),
        (true, r) if r.starts_with("us-gov-") => format!("https://{r}.signin-fips.{domain}"),
        (true, _) => format!("https://{prefix}.{region}.{suffix}"),
    })
}

fn configured(ctx: &ProfileContext, env_suffix: &str, services_key: &str) -> Option<String> {
    if flag(
        ctx,
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
    ) {
        return None;
    }
    let env = &ctx.env;
    if let Some(url) = env.non_empty_var(&format!("AWS_ENDPOINT_URL_{env_suffix}")) {
        return Some(url);
    }
    if let Some(url) = env.non_empty_var("AWS_ENDPOINT_URL") {
        return Some(url);
    }
    let profile = ctx.profile();
    if let Some(url) = profile
        .and_then(|p| p.get("services"))
        .and_then(|name| ctx.profiles.services(name))
        .and_then(|s| s.property(services_key))
        .and_then(|p| p.sub_property("endpoint_url"))
        .filter(|u| !u.is_empty())
    {
        return Some(url.to_owned());
    }
    profile
        .and_then(|p| p.get("endpoint_url"))
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
}

fn flag(ctx: &ProfileContext, var: &str, key: &str) -> bool {
    ctx.env
        .non_empty_var(var)
        .or_else(|| ctx.profile_value(key).map(str::to_owned))
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// (DNS suffix, dual-stack DNS suffix) of the partition a region belongs to.
fn partition_suffixes(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("amazonaws.com.cn", "api.amazonwebservices.com.cn")
    } else if region.starts_with("us-isob-") {
        ("sc2s.sgov.gov", "sc2s.sgov.gov")
    } else if region.starts_with("us-iso-") {
        ("c2s.ic.gov", "c2s.ic.gov")
    } else if region.starts_with("eu-isoe-") {
        ("cloud.adc-e.uk", "cloud.adc-e.uk")
    } else if region.starts_with("us-isof-") {
        ("csp.hci.ic.gov", "csp.hci.ic.gov")
    } else {
        ("amazonaws.com", "api.aws")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_core::Env;
    use awscred_profile::ProfileSet;
    use std::path::Path;
    use std::sync::Arc;

    fn ctx(vars: &[(&str, &str)], config: &str) -> ProfileContext {
        ProfileContext {
            env: Env::from_vars(vars.iter().copied()),
            profiles: Arc::new(ProfileSet::parse(Some((Path::new("/c"), config)), None)),
            profile_name: "default".into(),
            profile_explicit: false,
            region_override: None,
        }
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
        let err = signin_endpoint("us-isof-south-1", false, true).unwrap_err();
        assert!(
            err.contains("no dual-stack endpoint in us-isof-south-1"),
            "{err}"
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
}

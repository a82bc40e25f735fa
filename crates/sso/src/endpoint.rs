//! Where the portal (`sso`) and SSO-OIDC (`sso_oidc`) are called: the configured endpoint URLs as
//! the SDKs read them, else the service's regional endpoint (with FIPS and dual-stack variants).

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
    if let Some(url) = configured(ctx, service) {
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

fn configured(ctx: &ProfileContext, service: Service) -> Option<String> {
    if flag(
        ctx,
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
    ) {
        return None;
    }
    let env = &ctx.env;
    if let Some(url) = env.non_empty_var(&format!("AWS_ENDPOINT_URL_{}", service.env_suffix())) {
        return Some(url);
    }
    if let Some(url) = env.non_empty_var("AWS_ENDPOINT_URL") {
        return Some(url);
    }
    let profile = ctx.profile();
    if let Some(url) = profile
        .and_then(|p| p.get("services"))
        .and_then(|name| ctx.profiles.services(name))
        .and_then(|s| s.property(service.services_key()))
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

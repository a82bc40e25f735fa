//! Where STS requests go, worked out as the AWS CLI does.

use awscred_core::Error;
use awscred_core::endpoint::Service;
use awscred_profile::setting::Setting;
use awscred_profile::{ProfileContext, endpoint};

/// An STS endpoint: the URL requests are posted to, the region they are signed for, and where
/// the choice came from (for messages and `awscred explain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsEndpoint {
    /// Scheme, host, optional port and path, e.g. `https://sts.eu-west-1.amazonaws.com`.
    pub url: String,
    /// The SigV4 signing region.
    pub signing_region: String,
    /// `AWS_ENDPOINT_URL_STS`, `/home/u/.aws/config:12`, `region eu-west-1`...
    pub source: String,
}

impl StsEndpoint {
    /// A fixed endpoint (tests, programs that know better).
    pub fn custom(url: impl Into<String>, signing_region: impl Into<String>) -> Self {
        StsEndpoint {
            url: url.into(),
            signing_region: signing_region.into(),
            source: "custom".into(),
        }
    }

    /// The regional endpoint of `region` with the FIPS and dual-stack variants, as botocore's
    /// endpoint rules give them; with no region, the global `https://sts.amazonaws.com` signed
    /// for `us-east-1`, which is what botocore's STS client uses when no region is configured.
    pub fn for_region(region: Option<&str>, fips: bool, dual_stack: bool) -> Self {
        let Some(region) = region.filter(|r| !r.is_empty() && *r != "aws-global") else {
            let url = match (fips, dual_stack) {
                (false, false) => "https://sts.amazonaws.com".to_owned(),
                _ => regional_url("us-east-1", fips, dual_stack),
            };
            return StsEndpoint {
                url,
                signing_region: "us-east-1".into(),
                source: "no region configured: global endpoint".into(),
            };
        };
        StsEndpoint {
            url: regional_url(region, fips, dual_stack),
            signing_region: region.to_owned(),
            source: format!("region {region}"),
        }
    }

    /// The endpoint for the selected profile of `ctx`: the first of `AWS_ENDPOINT_URL_STS`,
    /// `AWS_ENDPOINT_URL`, the profile's `services` section (`sts =\n  endpoint_url = ...`) and
    /// the profile's `endpoint_url`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (or the
    /// profile's `ignore_configured_endpoint_urls`) is true; otherwise the regional endpoint of
    /// [`ProfileContext::region`], honouring `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint`,
    /// `AWS_USE_DUALSTACK_ENDPOINT` / `use_dualstack_endpoint` and `AWS_STS_REGIONAL_ENDPOINTS` /
    /// `sts_regional_endpoints` (`legacy` sends the historical regions to the global endpoint).
    pub fn resolve(ctx: &ProfileContext) -> Result<Self, Error> {
        let region = ctx.region();
        if let Some(configured) = endpoint::configured(ctx, Service::Sts)? {
            return Ok(StsEndpoint {
                url: configured.url,
                signing_region: region.unwrap_or_else(|| "us-east-1".into()),
                source: configured.source,
            });
        }
        let (fips, dual_stack) = endpoint::variants(ctx)?;
        let legacy = REGIONAL_ENDPOINTS
            .read(ctx)
            .is_some_and(|found| found.value.trim().eq_ignore_ascii_case("legacy"));
        if legacy && !fips && !dual_stack {
            if let Some(r) = region
                .as_deref()
                .filter(|r| LEGACY_GLOBAL_REGIONS.contains(r))
            {
                return Ok(StsEndpoint {
                    url: "https://sts.amazonaws.com".into(),
                    signing_region: "us-east-1".into(),
                    source: format!("sts_regional_endpoints = legacy, region {r}"),
                });
            }
        }
        Ok(Self::for_region(region.as_deref(), fips, dual_stack))
    }
}

/// `AWS_STS_REGIONAL_ENDPOINTS` / `sts_regional_endpoints`: `legacy` or `regional`.
const REGIONAL_ENDPOINTS: Setting =
    Setting::new("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints");

/// The regions STS's endpoint rules send to the global endpoint in `legacy` mode
/// (`sts_regional_endpoints = legacy`, `AWS_STS_REGIONAL_ENDPOINTS=legacy`).
const LEGACY_GLOBAL_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// The regional endpoint of STS (see [`awscred_core::endpoint::regional_url`]).
fn regional_url(region: &str, fips: bool, dual_stack: bool) -> String {
    awscred_core::endpoint::regional_url(Service::Sts, region, fips, dual_stack)
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_core::Env;
    use awscred_core::fs::MemFs;
    use awscred_profile::ProfileSet;
    use std::path::Path;
    use std::sync::Arc;

    fn ctx(vars: &[(&str, &str)], config: &str) -> ProfileContext {
        let set = ProfileSet::parse(Some((Path::new("/h/.aws/config"), config)), None);
        ProfileContext::new(
            Env::from_vars(vars.iter().copied()).with_fs(Arc::new(MemFs::default())),
            Arc::new(set),
            "default".into(),
        )
    }

    #[test]
    fn regional_endpoints_by_partition() {
        let url = |r| StsEndpoint::for_region(Some(r), false, false).url;
        assert_eq!(url("eu-west-1"), "https://sts.eu-west-1.amazonaws.com");
        assert_eq!(url("cn-north-1"), "https://sts.cn-north-1.amazonaws.com.cn");
        assert_eq!(url("us-iso-east-1"), "https://sts.us-iso-east-1.c2s.ic.gov");
        assert_eq!(
            url("us-gov-west-1"),
            "https://sts.us-gov-west-1.amazonaws.com"
        );
        let none = StsEndpoint::for_region(None, false, false);
        assert_eq!(
            (none.url.as_str(), none.signing_region.as_str()),
            ("https://sts.amazonaws.com", "us-east-1")
        );
        assert_eq!(
            StsEndpoint::for_region(Some("us-east-1"), true, true).url,
            "https://sts-fips.us-east-1.api.aws"
        );
        assert_eq!(
            StsEndpoint::for_region(Some("us-east-1"), true, false).url,
            "https://sts-fips.us-east-1.amazonaws.com"
        );
        assert_eq!(
            StsEndpoint::for_region(Some("us-east-1"), false, true).url,
            "https://sts.us-east-1.api.aws"
        );
    }

    #[test]
    fn override_order_and_ignore() {
        let config = "[default]\nregion = eu-west-2\nendpoint_url = http://profile\nservices = s\n\
                      [services s]\nsts =\n  endpoint_url = http://service\n";
        let all = [
            ("AWS_ENDPOINT_URL_STS", "http://env-sts"),
            ("AWS_ENDPOINT_URL", "http://env"),
        ];
        assert_eq!(
            StsEndpoint::resolve(&ctx(&all, config)).unwrap().url,
            "http://env-sts"
        );
        assert_eq!(
            StsEndpoint::resolve(&ctx(&all[1..], config)).unwrap().url,
            "http://env"
        );
        let e = StsEndpoint::resolve(&ctx(&[], config)).unwrap();
        assert_eq!(
            (e.url.as_str(), e.signing_region.as_str()),
            ("http://service", "eu-west-2")
        );
        let no_services = "[default]\nregion = eu-west-2\nendpoint_url = http://profile\n";
        assert_eq!(
            StsEndpoint::resolve(&ctx(&[], no_services)).unwrap().url,
            "http://profile"
        );
        let ignore = [("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"), all[0]];
        assert_eq!(
            StsEndpoint::resolve(&ctx(&ignore, config)).unwrap().url,
            "https://sts.eu-west-2.amazonaws.com"
        );
        let cfg = "[default]\nregion = eu-west-2\nendpoint_url = http://profile\nignore_configured_endpoint_urls = true\n";
        assert_eq!(
            StsEndpoint::resolve(&ctx(&[], cfg)).unwrap().url,
            "https://sts.eu-west-2.amazonaws.com"
        );
        let legacy = [("AWS_STS_REGIONAL_ENDPOINTS", "legacy")];
        let e = StsEndpoint::resolve(&ctx(&legacy, "[default]\nregion = eu-west-1\n")).unwrap();
        assert_eq!(
            (e.url.as_str(), e.signing_region.as_str()),
            ("https://sts.amazonaws.com", "us-east-1")
        );
        let e = StsEndpoint::resolve(&ctx(
            &[],
            "[default]\nregion = ap-east-1\nsts_regional_endpoints = legacy\n",
        ))
        .unwrap();
        assert_eq!(e.url, "https://sts.ap-east-1.amazonaws.com");
        let bad = "[default]\nuse_fips_endpoint = maybe\n";
        let err = StsEndpoint::resolve(&ctx(&[], bad)).unwrap_err();
        assert!(err.message().contains("/h/.aws/config:2"), "{err}");
    }

    #[test]
    fn same_answers_as_the_sso_services() {
        // Dual-stack in us-isob and the aws-eusc partition, as for the SSO portal and SSO-OIDC
        // (one table: `awscred_core::endpoint`).
        assert_eq!(
            StsEndpoint::for_region(Some("us-isob-east-1"), false, true).url,
            "https://sts.us-isob-east-1.api.aws.scloud"
        );
        assert_eq!(
            StsEndpoint::for_region(Some("eusc-de-east-1"), false, false).url,
            "https://sts.eusc-de-east-1.amazonaws.eu"
        );
        let yes = [("AWS_USE_FIPS_ENDPOINT", "yes")];
        let err = StsEndpoint::resolve(&ctx(&yes, "[default]\n")).unwrap_err();
        assert!(
            err.message()
                .contains("AWS_USE_FIPS_ENDPOINT must be true or false"),
            "{err}"
        );
    }
}

//! Where a service is called, for the selected profile: the configured endpoint URLs and the
//! FIPS / dual-stack settings, read here once for every service awscred calls, then the regional
//! endpoint of [`awscred_core::endpoint`].
//!
//! ```
//! use std::path::Path;
//! use std::sync::Arc;
//! use awscred_core::Env;
//! use awscred_core::endpoint::Service;
//! use awscred_profile::{ProfileContext, ProfileSet, endpoint};
//!
//! let config = "[default]\nuse_dualstack_endpoint = true\n";
//! let ctx = ProfileContext::new(Env::from_vars([("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")]), Arc::new(ProfileSet::parse(Some((Path::new("/c"), config)), None)), "default".into());
//! let portal = endpoint::resolve(&ctx, Service::SsoPortal, "us-east-1").unwrap();
//! assert_eq!((portal.url.as_str(), portal.source.as_str()), ("http://127.0.0.1:9", "AWS_ENDPOINT_URL_SSO"));
//! let oidc = endpoint::resolve(&ctx, Service::SsoOidc, "us-isob-east-1").unwrap();
//! assert_eq!(oidc.url, "https://oidc.us-isob-east-1.api.aws.scloud");
//! ```

use awscred_core::Error;
use awscred_core::endpoint::{Service, regional_url};

use crate::ProfileContext;
use crate::setting::Setting;

/// An endpoint URL and where it came from (`AWS_ENDPOINT_URL_STS`, `/home/u/.aws/config:12`,
/// `region eu-west-1`...), for messages and `awscred explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoint {
    /// Scheme, host, optional port and path, as configured or as the rules give it.
    pub url: String,
    /// Where the URL came from.
    pub source: String,
}

/// The endpoint URL configured for `service`, in botocore's order
/// (`ConfiguredEndpointProvider`): `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the
/// service's key in the profile's `services` section, the profile's `endpoint_url`; none when
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` / `ignore_configured_endpoint_urls` is true.
pub fn configured(ctx: &ProfileContext, service: Service) -> Result<Option<Endpoint>, Error> {
    if bool_setting(
        ctx,
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
    )? {
        return Ok(None);
    }
    let own_var = format!("AWS_ENDPOINT_URL_{}", service.env_suffix());
    for var in [own_var.as_str(), "AWS_ENDPOINT_URL"] {
        if let Some(url) = ctx.env.non_empty_var(var) {
            return Ok(Some(Endpoint {
                url,
                source: var.to_owned(),
            }));
        }
    }
    let Some(profile) = ctx.profile() else {
        return Ok(None);
    };
    let in_services = profile
        .get("services")
        .and_then(|name| ctx.profiles.services(name))
        .and_then(|s| s.property(service.services_key()))
        .and_then(|p| {
            let url = p.sub_property("endpoint_url").filter(|u| !u.is_empty())?;
            Some(Endpoint {
                url: url.to_owned(),
                source: p.location().to_string(),
            })
        });
    if in_services.is_some() {
        return Ok(in_services);
    }
    Ok(profile
        .property("endpoint_url")
        .filter(|p| !p.value().is_empty())
        .map(|p| Endpoint {
            url: p.value().to_owned(),
            source: p.location().to_string(),
        }))
}

/// A true/false setting: the variable `var`, else the selected profile's `key` (an empty value
/// included), else false. Any other value is an error naming the variable, or the key and its
/// file and line.
pub fn bool_setting(
    ctx: &ProfileContext,
    var: &'static str,
    key: &'static str,
) -> Result<bool, Error> {
    let Some(found) = Setting::new(var, key).keep_empty_profile_value().read(ctx) else {
        return Ok(false);
    };
    crate::setting::parse_bool(&found.value).ok_or_else(|| {
        let value = &found.value;
        Error::invalid_config(match found.origin.location() {
            Some(location) => {
                format!("{key} must be true or false, not {value:?} ({location})")
            }
            None => format!("{var} must be true or false, not {value:?}"),
        })
    })
}

/// (FIPS, dual-stack): `AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint` and
/// `AWS_USE_DUALSTACK_ENDPOINT` / `use_dualstack_endpoint`.
pub fn variants(ctx: &ProfileContext) -> Result<(bool, bool), Error> {
    Ok((
        bool_setting(ctx, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")?,
        bool_setting(ctx, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")?,
    ))
}

/// The endpoint of `service` in `region`: the [`configured`] URL, else the regional endpoint
/// with the [`variants`] the settings ask for.
pub fn resolve(ctx: &ProfileContext, service: Service, region: &str) -> Result<Endpoint, Error> {
    if let Some(configured) = configured(ctx, service)? {
        return Ok(configured);
    }
    let (fips, dual_stack) = variants(ctx)?;
    Ok(Endpoint {
        url: regional_url(service, region, fips, dual_stack),
        source: format!("region {region}"),
    })
}

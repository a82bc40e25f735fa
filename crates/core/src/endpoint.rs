//! The partitions and the regional endpoints of the services awscred calls (STS, the SSO portal,
//! SSO-OIDC and the sign-in service), as botocore's `partitions.json` and the services' endpoint
//! rule sets give them. One table for every caller: `crates/core/tests/endpoints.rs` checks
//! [`regional_url`] against botocore's own answers for every partition, region pattern, FIPS
//! and dual-stack combination (`tests/data/gen_endpoints.py` re-records them).
//!
//! ```
//! use awscred_core::endpoint::{Service, partition, regional_url};
//!
//! assert_eq!(partition("us-isob-east-1").id, "aws-iso-b");
//! assert_eq!(
//!     regional_url(Service::SsoPortal, "us-isob-east-1", false, true),
//!     "https://portal.sso.us-isob-east-1.api.aws.scloud"
//! );
//! assert_eq!(regional_url(Service::Sts, "us-gov-west-1", true, false), "https://sts.us-gov-west-1.amazonaws.com");
//! ```
//!
//! The configured endpoint URLs (`AWS_ENDPOINT_URL_<SERVICE>`, the `services` section,
//! `endpoint_url`) and the FIPS / dual-stack settings are read in one place too, by
//! `awscred_profile::endpoint`, which names a service with [`Service`].

/// An AWS partition: the DNS suffixes its endpoints live under and the regions it holds.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Partition {
    /// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-iso-e`, `aws-iso-f`,
    /// `aws-eusc`.
    pub id: &'static str,
    /// The DNS suffix of regular endpoints (`amazonaws.com`).
    pub dns_suffix: &'static str,
    /// The DNS suffix of dual-stack endpoints (`api.aws`).
    pub dual_stack_dns_suffix: &'static str,
    /// The region global endpoints are signed for (`us-east-1`).
    pub implicit_global_region: &'static str,
    /// The domain of the sign-in service's plain endpoints (`aws.amazon.com`), from its rule set.
    pub signin_domain: &'static str,
    /// What a region name starts with, before `<word>-<digits>`, to belong here by pattern
    /// (botocore's `regionRegex`).
    region_prefixes: &'static [&'static str],
    /// Regions that belong here by name, whatever their pattern.
    regions: &'static [&'static str],
}

/// The partitions of botocore 1.44.8's `partitions.json`, in its order (the first is the
/// fallback for a region no partition claims).
pub const PARTITIONS: &[Partition] = &[
    Partition {
        id: "aws",
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        implicit_global_region: "us-east-1",
        signin_domain: "aws.amazon.com",
        region_prefixes: &[
            "us-", "eu-", "ap-", "sa-", "ca-", "me-", "af-", "il-", "mx-",
        ],
        regions: &["aws-global"],
    },
    Partition {
        id: "aws-cn",
        dns_suffix: "amazonaws.com.cn",
        dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
        implicit_global_region: "cn-northwest-1",
        signin_domain: "amazonaws.cn",
        region_prefixes: &["cn-"],
        regions: &["aws-cn-global"],
    },
    Partition {
        id: "aws-eusc",
        dns_suffix: "amazonaws.eu",
        dual_stack_dns_suffix: "api.amazonwebservices.eu",
        implicit_global_region: "eusc-de-east-1",
        signin_domain: "amazonaws-eusc.eu",
        region_prefixes: &["eusc-de-"],
        regions: &[],
    },
    Partition {
        id: "aws-iso",
        dns_suffix: "c2s.ic.gov",
        dual_stack_dns_suffix: "api.aws.ic.gov",
        implicit_global_region: "us-iso-east-1",
        signin_domain: "c2shome.ic.gov",
        region_prefixes: &["us-iso-"],
        regions: &["aws-iso-global"],
    },
    Partition {
        id: "aws-iso-b",
        dns_suffix: "sc2s.sgov.gov",
        dual_stack_dns_suffix: "api.aws.scloud",
        implicit_global_region: "us-isob-east-1",
        signin_domain: "sc2shome.sgov.gov",
        region_prefixes: &["us-isob-"],
        regions: &["aws-iso-b-global"],
    },
    Partition {
        id: "aws-iso-e",
        dns_suffix: "cloud.adc-e.uk",
        dual_stack_dns_suffix: "api.cloud-aws.adc-e.uk",
        implicit_global_region: "eu-isoe-west-1",
        signin_domain: "csphome.adc-e.uk",
        region_prefixes: &["eu-isoe-"],
        regions: &["aws-iso-e-global"],
    },
    Partition {
        id: "aws-iso-f",
        dns_suffix: "csp.hci.ic.gov",
        dual_stack_dns_suffix: "api.aws.hci.ic.gov",
        implicit_global_region: "us-isof-south-1",
        signin_domain: "csphome.hci.ic.gov",
        region_prefixes: &["us-isof-"],
        regions: &["aws-iso-f-global"],
    },
    Partition {
        id: "aws-us-gov",
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        implicit_global_region: "us-gov-west-1",
        signin_domain: "amazonaws-us-gov.com",
        region_prefixes: &["us-gov-"],
        regions: &["aws-us-gov-global"],
    },
];

/// The partition `region` belongs to, as the rule sets' `aws.partition` decides: by name, then
/// by pattern, else `aws`.
pub fn partition(region: &str) -> &'static Partition {
    PARTITIONS
        .iter()
        .find(|p| p.regions.contains(&region))
        .or_else(|| {
            PARTITIONS.iter().find(|p| {
                p.region_prefixes.iter().any(|prefix| {
                    region
                        .strip_prefix(prefix)
                        .is_some_and(matches_word_dash_digits)
                })
            })
        })
        .unwrap_or(&PARTITIONS[0])
}

/// `\w+-\d+` over the whole of `rest` (the tail of every partition's `regionRegex`).
fn matches_word_dash_digits(rest: &str) -> bool {
    let Some((word, digits)) = rest.rsplit_once('-') else {
        return false;
    };
    !word.is_empty()
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
}

/// A service awscred calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// STS: `AssumeRole`, `AssumeRoleWithWebIdentity`, `GetSessionToken`...
    Sts,
    /// The AWS access portal: `GetRoleCredentials`, `Logout`, `ListAccounts`...
    SsoPortal,
    /// SSO-OIDC: `RegisterClient`, `StartDeviceAuthorization`, `CreateToken`.
    SsoOidc,
    /// The sign-in service of `aws login` sessions: `CreateOAuth2Token`.
    Signin,
}

impl Service {
    /// What follows `AWS_ENDPOINT_URL_` in the service's own endpoint variable.
    pub fn env_suffix(self) -> &'static str {
        match self {
            Service::Sts => "STS",
            Service::SsoPortal => "SSO",
            Service::SsoOidc => "SSO_OIDC",
            Service::Signin => "SIGNIN",
        }
    }

    /// The service's key in a `[services NAME]` section of the config file.
    pub fn services_key(self) -> &'static str {
        match self {
            Service::Sts => "sts",
            Service::SsoPortal => "sso",
            Service::SsoOidc => "sso_oidc",
            Service::Signin => "signin",
        }
    }

    /// The first label(s) of the service's hostnames, regular and FIPS.
    fn host_prefix(self, fips: bool) -> &'static str {
        match (self, fips) {
            (Service::Sts, false) => "sts",
            (Service::Sts, true) => "sts-fips",
            (Service::SsoPortal, false) => "portal.sso",
            (Service::SsoPortal, true) => "portal.sso-fips",
            (Service::SsoOidc, false) => "oidc",
            (Service::SsoOidc, true) => "oidc-fips",
            (Service::Signin, false) => "signin",
            (Service::Signin, true) => "signin-fips",
        }
    }
}

/// The regional endpoint (scheme and host, no trailing slash) of `service` in `region`, with
/// the FIPS and dual-stack variants, as the service's endpoint rules give it. Every partition
/// supports both variants, so every combination has an answer.
pub fn regional_url(service: Service, region: &str, fips: bool, dual_stack: bool) -> String {
    let p = partition(region);
    let gov_cloud = p.id == "aws-us-gov";
    match (service, fips, dual_stack) {
        // STS's rules keep the historical global endpoint for `aws-global`.
        (Service::Sts, false, false) if region == "aws-global" => {
            return "https://sts.amazonaws.com".to_owned();
        }
        // The sign-in service's plain endpoints live under the partition's sign-in domain, and
        // GovCloud's FIPS ones too.
        (Service::Signin, false, false) => {
            return format!("https://{region}.signin.{}", p.signin_domain);
        }
        (Service::Signin, true, false) if gov_cloud => {
            return if region == "us-gov-west-1" {
                format!("https://signin-fips.{}", p.signin_domain)
            } else {
                format!("https://{region}.signin-fips.{}", p.signin_domain)
            };
        }
        // GovCloud's regular endpoints are FIPS endpoints already.
        (_, true, false) if gov_cloud => {
            return format!(
                "https://{}.{region}.{}",
                service.host_prefix(false),
                p.dns_suffix
            );
        }
        _ => {}
    }
    let suffix = if dual_stack {
        p.dual_stack_dns_suffix
    } else {
        p.dns_suffix
    };
    format!("https://{}.{region}.{suffix}", service.host_prefix(fips))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_by_name_then_pattern_then_aws() {
        let id = |r| partition(r).id;
        assert_eq!(id("aws-iso-b-global"), "aws-iso-b");
        assert_eq!(id("us-isob-west-7"), "aws-iso-b");
        assert_eq!(id("us-iso-east-1"), "aws-iso");
        assert_eq!(id("eusc-de-east-1"), "aws-eusc");
        assert_eq!(id("eusc-fr-east-1"), "aws");
        assert_eq!(id("us-gov-east-1"), "aws-us-gov");
        assert_eq!(id("us-east-1x"), "aws");
        assert_eq!(id("us-"), "aws");
        assert_eq!(id(""), "aws");
    }
}

//! `awscred_core::endpoint` against botocore's own endpoint rules: every line of
//! `data/endpoints.tsv` (re-recorded by `data/gen_endpoints.py` from botocore 1.44.8's
//! `partitions.json` and the STS, SSO, SSO-OIDC and sign-in rule sets) must come out the same.

use awscred_core::endpoint::{Service, partition, regional_url};

const TABLE: &str = include_str!("data/endpoints.tsv");

#[test]
fn every_partition_region_and_variant_matches_botocore() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let [service, region, fips, dual, expected] = f[..] else {
            panic!("bad line {line:?}");
        };
        let service = match service {
            "sts" => Service::Sts,
            "sso" => Service::SsoPortal,
            "sso-oidc" => Service::SsoOidc,
            "signin" => Service::Signin,
            other => panic!("unknown service {other}"),
        };
        let got = regional_url(service, region, fips == "1", dual == "1");
        if got != expected {
            wrong.push(format!("{line}: got {got}"));
        }
        checked += 1;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // 4 services x (every listed region + one pattern region per partition + one unknown) x 4.
    assert!(checked >= 1000, "{checked}");
}

#[test]
fn the_disagreements_of_issue_13_are_gone() {
    // Dual-stack in us-isob: one suffix for every service.
    for service in [
        Service::Sts,
        Service::SsoPortal,
        Service::SsoOidc,
        Service::Signin,
    ] {
        assert!(
            regional_url(service, "us-isob-east-1", false, true)
                .ends_with(".us-isob-east-1.api.aws.scloud"),
            "{service:?}"
        );
        assert!(
            regional_url(service, "eusc-de-east-1", true, false).contains(".amazonaws.eu")
                || regional_url(service, "eusc-de-east-1", true, false)
                    .contains(".amazonaws-eusc.eu"),
            "{service:?}"
        );
    }
    assert_eq!(
        regional_url(Service::SsoOidc, "eusc-de-east-1", false, true),
        "https://oidc.eusc-de-east-1.api.amazonwebservices.eu"
    );
    assert_eq!(partition("eusc-de-east-1").dns_suffix, "amazonaws.eu");
}

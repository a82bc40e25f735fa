//! The IMDS tier against a loopback fake through the real HTTP client: the normal exchange, the
//! IMDSv1 fallback, token reuse and renewal, and the ways IMDS fails. Every failure ends in a
//! clear outcome within a stated bound.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use awscred_core::fs::MemFs;
use awscred_core::http::HyperClient;
use awscred_core::{Credentials, Env, Error, ErrorKind, ProvideCredentials, timestamp};
use awscred_imds::ImdsProvider;
use awscred_profile::{ProfileContext, ProfileSet};
use awscred_testkit::imds_fake::{FakeImds, ROLE_PATH, Reply, TOKEN_PATH, credentials_json};

fn run<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn provider_at(endpoint: &str, extra: &[(&str, &str)], config: Option<&str>) -> ImdsProvider {
    let mut vars = vec![(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT".to_owned(),
        endpoint.to_owned(),
    )];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let fs = MemFs::default();
    if let Some(config) = config {
        fs.insert("/cfg", config.as_bytes().to_vec());
        vars.push(("AWS_CONFIG_FILE".into(), "/cfg".into()));
    }
    let env = Env::from_vars(vars).with_fs(Arc::new(fs));
    let ctx = ProfileContext::new(
        env.clone(),
        Arc::new(ProfileSet::load(&env).expect("profiles")),
        "default".into(),
    );
    ImdsProvider::new(&ctx, Arc::new(HyperClient::new(&env)))
}

fn provider(fake: &FakeImds, extra: &[(&str, &str)]) -> ImdsProvider {
    provider_at(&fake.endpoint(), extra, None)
}

/// Runs the provider, timing it.
async fn timed(p: &ImdsProvider) -> (Result<Credentials, Error>, Duration) {
    let start = Instant::now();
    let result = p.provide_credentials().await;
    (result, start.elapsed())
}

fn summary(fake: &FakeImds) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| {
            format!(
                "{} {}{}",
                r.method,
                r.target,
                if r.header("x-aws-ec2-metadata-token").is_some() {
                    " +token"
                } else {
                    ""
                }
            )
        })
        .collect()
}

const CREDS: &str = "GET /latest/meta-data/iam/security-credentials/test-role";

#[test]
fn imdsv2_exchange_then_refresh_with_cached_token() {
    let fake = FakeImds::start();
    let p = provider(&fake, &[]);
    run(async {
        let creds = p.provide_credentials().await.expect("credentials");
        assert_eq!(creds.access_key_id(), "ASIAFAKE");
        assert_eq!(creds.secret_access_key().expose(), "fakesecret");
        assert_eq!(creds.session_token().expect("token").expose(), "faketoken");
        assert_eq!(creds.expiration(), timestamp::parse("2099-01-01T00:00:00Z"));
        assert_eq!(creds.provider(), "iam-role");
        let seen = fake.requests();
        assert_eq!(seen[0].method, "PUT");
        assert_eq!(seen[0].target, TOKEN_PATH);
        assert_eq!(
            seen[0].header("x-aws-ec2-metadata-token-ttl-seconds"),
            Some("21600")
        );
        assert_eq!(
            seen[1].header("x-aws-ec2-metadata-token"),
            Some("AQAEA-fake-token-1==")
        );
        assert_eq!(
            summary(&fake),
            [
                "PUT /latest/api/token".to_owned(),
                format!("GET {ROLE_PATH} +token"),
                format!("{CREDS} +token"),
            ]
        );

        fake.clear_requests();
        p.provide_credentials().await.expect("refresh");
        assert_eq!(
            summary(&fake),
            [format!("GET {ROLE_PATH} +token"), format!("{CREDS} +token")],
            "a refresh reuses the token: two requests"
        );
        assert_eq!(fake.tokens_issued(), 1);
    });
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let fake = FakeImds::start();
    let p = provider(&fake, &[]);
    run(async {
        let creds = p.provide_credentials().await.expect("credentials");
        let shown = format!("{creds:?} {p:?}");
        for secret in ["fakesecret", "faketoken", "AQAEA-fake-token"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    });
}

#[test]
fn several_roles_listed_are_no_role_name_as_in_the_cli() {
    let fake = FakeImds::start();
    fake.set_listing(Some("test-role\nsecond-role\n"));
    let p = provider(&fake, &[]);
    run(async {
        let e = p.provide_credentials().await.expect_err("no role name");
        assert!(e.to_string().contains("several lines"), "{e}");
        let asked = summary(&fake);
        assert!(!asked.iter().any(|r| r.contains(CREDS)), "{asked:?}");
    });
}

#[test]
fn no_role_attached_is_not_configured() {
    let fake = FakeImds::start();
    fake.set_listing(None);
    let p = provider(&fake, &[]);
    run(async {
        let e = p.provide_credentials().await.expect_err("no role");
        assert_eq!(e.kind(), ErrorKind::NotConfigured, "{e}");
        assert!(e.to_string().contains("no IAM role is attached"), "{e}");
    });
}

#[test]
fn disabled_sends_nothing() {
    let fake = FakeImds::start();
    let p = provider(&fake, &[("AWS_EC2_METADATA_DISABLED", "TRUE")]);
    run(async {
        let e = p.provide_credentials().await.expect_err("disabled");
        assert_eq!(e.kind(), ErrorKind::NotConfigured);
        assert!(e.to_string().contains("AWS_EC2_METADATA_DISABLED"), "{e}");
    });
    assert!(fake.requests().is_empty());
}

#[test]
fn connection_refused_is_not_configured_and_quick() {
    let port = awscred_testkit::free_port();
    let p = provider_at(&format!("http://127.0.0.1:{port}"), &[], None);
    run(async {
        let (result, took) = timed(&p).await;
        let e = result.expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::NotConfigured, "{e}");
        assert!(
            e.to_string()
                .contains("no EC2 instance metadata service answered"),
            "{e}"
        );
        assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
        assert!(took < Duration::from_millis(1100), "{took:?}");
    });
}

#[test]
fn black_hole_gives_up_within_one_timeout() {
    let fake = FakeImds::start();
    fake.on("PUT", TOKEN_PATH, Reply::BlackHole);
    fake.on("GET", ROLE_PATH, Reply::BlackHole);
    let p = provider(&fake, &[]);
    run(async {
        let (result, took) = timed(&p).await;
        let e = result.expect_err("black hole");
        assert_eq!(e.kind(), ErrorKind::NotConfigured, "{e}");
        assert!(took < Duration::from_millis(1100), "took {took:?}");
        assert!(took >= Duration::from_millis(900), "took {took:?}");
    });
    // The IMDSv1 fallback was tried within the same deadline.
    assert_eq!(
        summary(&fake),
        [
            "PUT /latest/api/token".to_owned(),
            format!("GET {ROLE_PATH}")
        ]
    );
}

#[test]
fn lost_token_answers_fall_back_to_imdsv1_in_time() {
    // A container behind the hop limit: the PUT is never answered, plain GETs are.
    let fake = FakeImds::start();
    fake.on("PUT", TOKEN_PATH, Reply::BlackHole);
    let p = provider(&fake, &[]);
    run(async {
        let (result, took) = timed(&p).await;
        let creds = result.expect("credentials over IMDSv1");
        assert_eq!(creds.access_key_id(), "ASIAFAKE");
        assert!(took < Duration::from_millis(1100), "took {took:?}");
    });
    assert_eq!(
        summary(&fake),
        [
            "PUT /latest/api/token".to_owned(),
            format!("GET {ROLE_PATH}"),
            CREDS.to_owned()
        ]
    );
}

#[test]
fn token_refused_falls_back_to_imdsv1_at_once() {
    for status in [403, 404, 405] {
        let fake = FakeImds::start();
        fake.on("PUT", TOKEN_PATH, Reply::status(status, ""));
        let p = provider(&fake, &[]);
        run(async {
            let (result, took) = timed(&p).await;
            result.expect("credentials over IMDSv1");
            assert!(took < Duration::from_millis(400), "{status}: took {took:?}");
        });
        assert_eq!(
            summary(&fake),
            [
                "PUT /latest/api/token".to_owned(),
                format!("GET {ROLE_PATH}"),
                CREDS.to_owned()
            ]
        );
    }
}

#[test]
fn token_server_error_falls_back_too() {
    let fake = FakeImds::start();
    fake.on("PUT", TOKEN_PATH, Reply::status(500, "oops"));
    let p = provider(&fake, &[]);
    run(async {
        p.provide_credentials()
            .await
            .expect("credentials over IMDSv1");
    });
}

#[test]
fn imdsv1_disabled_by_variable_or_profile_says_so() {
    for (vars, config) in [
        (&[("AWS_EC2_METADATA_V1_DISABLED", "true")][..], None),
        (
            &[][..],
            Some("[default]\nec2_metadata_v1_disabled = true\n"),
        ),
    ] {
        let fake = FakeImds::start();
        fake.on("PUT", TOKEN_PATH, Reply::status(403, ""));
        let p = provider_at(&fake.endpoint(), vars, config);
        run(async {
            let e = p.provide_credentials().await.expect_err("no v1");
            assert_eq!(e.kind(), ErrorKind::ProviderFailed, "{e}");
            assert!(e.to_string().contains("IMDSv1 has been disabled"), "{e}");
        });
        assert_eq!(summary(&fake), ["PUT /latest/api/token"]);
    }
}

#[test]
fn imdsv2_required_and_no_token_is_not_configured() {
    let fake = FakeImds::start();
    fake.require_token(true);
    fake.on("PUT", TOKEN_PATH, Reply::status(404, ""));
    let p = provider(&fake, &[]);
    run(async {
        let e = p
            .provide_credentials()
            .await
            .expect_err("no token, v1 refused");
        assert_eq!(e.kind(), ErrorKind::NotConfigured, "{e}");
        assert!(e.to_string().contains("HTTP 401"), "{e}");
    });
}

#[test]
fn expired_token_is_renewed_once() {
    let fake = FakeImds::start();
    let p = provider(&fake, &[]);
    run(async {
        p.provide_credentials().await.expect("first");
        fake.expire_tokens();
        fake.clear_requests();
        p.provide_credentials().await.expect("after renewal");
    });
    assert_eq!(
        summary(&fake),
        [
            format!("GET {ROLE_PATH} +token"),
            "PUT /latest/api/token".to_owned(),
            format!("GET {ROLE_PATH} +token"),
            format!("{CREDS} +token"),
        ]
    );
    assert_eq!(fake.tokens_issued(), 2);
}

#[test]
fn a_fresh_token_refused_is_an_error_not_a_loop() {
    let fake = FakeImds::start();
    fake.on("GET", ROLE_PATH, Reply::status(401, ""));
    let p = provider(&fake, &[]);
    run(async {
        let e = p.provide_credentials().await.expect_err("401 forever");
        assert_eq!(e.kind(), ErrorKind::ProviderFailed, "{e}");
        assert!(e.to_string().contains("401"), "{e}");
    });
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn server_error_on_credentials_is_not_configured() {
    let fake = FakeImds::start();
    fake.on(
        "GET",
        &format!("{ROLE_PATH}test-role"),
        Reply::status(500, "oops"),
    );
    let p = provider(&fake, &[]);
    run(async {
        let e = p.provide_credentials().await.expect_err("500");
        assert_eq!(e.kind(), ErrorKind::NotConfigured, "{e}");
        assert!(
            e.to_string().contains("HTTP 500") && e.to_string().contains("test-role"),
            "{e}"
        );
    });
}

#[test]
fn retries_follow_the_attempt_count() {
    let fake = FakeImds::start();
    fake.on(
        "GET",
        &format!("{ROLE_PATH}test-role"),
        Reply::status(500, "oops"),
    );
    let p = provider(&fake, &[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3")]);
    run(async {
        p.provide_credentials().await.expect_err("500");
    });
    let creds_requests = summary(&fake)
        .iter()
        .filter(|r| r.starts_with(CREDS))
        .count();
    assert_eq!(creds_requests, 3);
}

#[test]
fn malformed_json_is_an_error_without_secrets() {
    let fake = FakeImds::start();
    fake.set_document(
        "test-role",
        "{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"hush-hush\",",
    );
    let p = provider(&fake, &[]);
    run(async {
        let e = p.provide_credentials().await.expect_err("malformed");
        assert_eq!(e.kind(), ErrorKind::ProviderFailed, "{e}");
        let text = format!("{e} {e:?}");
        assert!(
            text.contains("not valid JSON") && text.contains("test-role"),
            "{text}"
        );
        assert!(text.contains(&fake.endpoint()), "{text}");
        assert!(!text.contains("hush-hush"), "{text}");
    });
}

#[test]
fn error_code_in_document_is_an_error() {
    let fake = FakeImds::start();
    fake.set_document(
        "test-role",
        "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"EC2 cannot assume the role\",\"LastUpdated\":\"2021-09-20T21:42:26Z\"}",
    );
    let p = provider(&fake, &[]);
    run(async {
        let e = p.provide_credentials().await.expect_err("code");
        assert_eq!(e.kind(), ErrorKind::ProviderFailed, "{e}");
        assert!(
            e.to_string().contains("AssumeRoleUnauthorizedAccess"),
            "{e}"
        );
    });
}

#[test]
fn hostile_role_name_is_refused() {
    let fake = FakeImds::start();
    fake.set_listing(Some("../../../latest/user-data"));
    let p = provider(&fake, &[]);
    run(async {
        let e = p.provide_credentials().await.expect_err("bad role");
        assert_eq!(e.kind(), ErrorKind::ProviderFailed, "{e}");
    });
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn truncated_body_ends_cleanly() {
    let fake = FakeImds::start();
    let doc = credentials_json(
        "ASIAFAKE",
        "fakesecret",
        "faketoken",
        "2099-01-01T00:00:00Z",
    );
    fake.on(
        "GET",
        &format!("{ROLE_PATH}test-role"),
        Reply::Truncated {
            status: 200,
            body: doc.into_bytes(),
            sent: 40,
        },
    );
    let p = provider(&fake, &[]);
    run(async {
        let (result, took) = timed(&p).await;
        let e = result.expect_err("truncated");
        assert_eq!(e.kind(), ErrorKind::NotConfigured, "{e}");
        assert!(!e.to_string().contains("fakesecret"), "{e}");
        assert!(took < Duration::from_millis(1100), "{took:?}");
    });
}

#[test]
fn trickling_body_hits_the_timeout() {
    let fake = FakeImds::start();
    let doc = credentials_json(
        "ASIAFAKE",
        "fakesecret",
        "faketoken",
        "2099-01-01T00:00:00Z",
    );
    fake.on(
        "GET",
        &format!("{ROLE_PATH}test-role"),
        Reply::Trickle {
            status: 200,
            body: doc.into_bytes(),
            every: Duration::from_millis(50),
        },
    );
    let p = provider(&fake, &[]);
    run(async {
        let (result, took) = timed(&p).await;
        let e = result.expect_err("trickle");
        assert_eq!(e.kind(), ErrorKind::NotConfigured, "{e}");
        assert!(e.to_string().contains("timed out"), "{e}");
        assert!(took < Duration::from_millis(1300), "{took:?}");
    });
}

#[test]
fn expired_credentials_are_extended_with_jitter() {
    let fake = FakeImds::start();
    fake.set_document(
        "test-role",
        &credentials_json("ASIAOLD", "s", "t", "2020-01-01T00:00:00Z"),
    );
    let p = provider(&fake, &[]);
    run(async {
        let before = SystemTime::now();
        let creds = p.provide_credentials().await.expect("stale but usable");
        let expiry = creds.expiration().expect("expiry");
        let ahead = expiry.duration_since(before).expect("in the future");
        assert!(
            (Duration::from_secs(715)..=Duration::from_secs(1205)).contains(&ahead),
            "{ahead:?}"
        );
    });
}

#[test]
fn failed_refresh_keeps_previous_credentials() {
    let fake = FakeImds::start();
    let soon = timestamp::format_z(SystemTime::now() + Duration::from_secs(3600));
    fake.set_document("test-role", &credentials_json("ASIAPREV", "s", "t", &soon));
    let p = provider(&fake, &[]);
    run(async {
        let first = p.provide_credentials().await.expect("first");
        assert_eq!(first.expiration(), timestamp::parse(&soon));
        fake.on("GET", ROLE_PATH, Reply::BlackHole);
        let (result, took) = timed(&p).await;
        let kept = result.expect("previous credentials");
        assert_eq!(kept.access_key_id(), "ASIAPREV");
        assert_eq!(
            kept.expiration(),
            first.expiration(),
            "still valid: not shortened"
        );
        assert!(took < Duration::from_millis(1100));

        // Once the previous credentials are close to expiry, a failed refresh extends them.
        let near = timestamp::format_z(SystemTime::now() + Duration::from_secs(60));
        fake.clear_overrides();
        fake.set_document("test-role", &credentials_json("ASIANEAR", "s", "t", &near));
        let near_creds = p.provide_credentials().await.expect("near");
        assert!(
            near_creds.expiration().expect("exp") > SystemTime::now() + Duration::from_secs(700)
        );
        fake.on("GET", ROLE_PATH, Reply::status(500, ""));
        let extended = p.provide_credentials().await.expect("extended");
        assert_eq!(extended.access_key_id(), "ASIANEAR");
        assert!(extended.expiration().expect("exp") > SystemTime::now() + Duration::from_secs(700));
    });
}

#[test]
fn bad_settings_are_errors_naming_the_setting() {
    let p = provider_at(
        "http://127.0.0.1:1",
        &[("AWS_METADATA_SERVICE_TIMEOUT", "fast")],
        None,
    );
    run(async {
        let e = p.provide_credentials().await.expect_err("bad timeout");
        assert_eq!(e.kind(), ErrorKind::InvalidConfiguration);
        assert!(
            e.to_string().contains("AWS_METADATA_SERVICE_TIMEOUT"),
            "{e}"
        );
    });
    let p = provider_at("not a uri", &[], None);
    run(async {
        let e = p.provide_credentials().await.expect_err("bad endpoint");
        assert_eq!(e.kind(), ErrorKind::InvalidConfiguration);
        assert!(
            e.to_string().contains("AWS_EC2_METADATA_SERVICE_ENDPOINT"),
            "{e}"
        );
    });
}

#[test]
fn profile_settings_apply() {
    let fake = FakeImds::start();
    fake.on("GET", ROLE_PATH, Reply::BlackHole);
    let config = format!(
        "[default]\nec2_metadata_service_endpoint = {}\nmetadata_service_timeout = 0.3\n",
        fake.endpoint()
    );
    let env = Env::from_vars([("AWS_CONFIG_FILE", "/cfg")])
        .with_fs(Arc::new(MemFs::default().with_file("/cfg", config)));
    let ctx = ProfileContext::new(
        env.clone(),
        Arc::new(ProfileSet::load(&env).expect("profiles")),
        "default".into(),
    );
    let p = ImdsProvider::new(&ctx, Arc::new(HyperClient::new(&env)));
    run(async {
        let (result, took) = timed(&p).await;
        result.expect_err("black hole");
        assert!(took < Duration::from_millis(500), "{took:?}");
    });
    assert_eq!(fake.requests()[0].target, TOKEN_PATH);
}

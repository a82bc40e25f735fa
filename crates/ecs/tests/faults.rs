//! The container tier against a loopback fake agent through the real HTTP client: the normal
//! exchange, authorization tokens, the host rule, retries, and the ways an endpoint fails. Every
//! failure ends in a clear outcome within a stated bound.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use awscred_core::fs::MemFs;
use awscred_core::http::HyperClient;
use awscred_core::{Credentials, Env, Error, ErrorKind, ProvideCredentials, timestamp};
use awscred_ecs::{ContainerProvider, RetryPolicy};
use awscred_testkit::ecs_fake::{FakeContainerEndpoint, Reply, credentials_json};

fn run<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// Short timeouts and pauses, so the retry tests stay quick; the counts stay the CLI's.
const QUICK: RetryPolicy =
    RetryPolicy::new(Duration::from_millis(300), 3, Duration::from_millis(50));

fn provider_with(vars: &[(&str, &str)], fs: MemFs) -> ContainerProvider {
    let env = Env::from_vars(vars.iter().copied()).with_fs(Arc::new(fs));
    ContainerProvider::new(&env, Arc::new(HyperClient::new(&env)))
}

fn provider(fake: &FakeContainerEndpoint, extra: &[(&str, &str)]) -> ContainerProvider {
    let uri = fake.full_uri();
    let mut vars = vec![("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str())];
    vars.extend_from_slice(extra);
    provider_with(&vars, MemFs::default()).with_retry_policy(QUICK)
}

async fn timed(p: &ContainerProvider) -> (Result<Credentials, Error>, Duration) {
    let start = Instant::now();
    let result = p.provide_credentials().await;
    (result, start.elapsed())
}

#[test]
fn full_uri_exchange() {
    let fake = FakeContainerEndpoint::start();
    let p = provider(&fake, &[]);
    run(async {
        let creds = p.provide_credentials().await.expect("credentials");
        assert_eq!(creds.access_key_id(), "ASIAFAKE");
        assert_eq!(creds.secret_access_key().expose(), "fakesecret");
        assert_eq!(creds.session_token().expect("token").expose(), "faketoken");
        assert_eq!(creds.account_id(), Some("123456789012"));
        assert_eq!(creds.expiration(), timestamp::parse("2099-01-01T00:00:00Z"));
        assert_eq!(creds.provider(), "container-role");
        let shown = format!("{creds:?} {p:?}");
        assert!(
            !shown.contains("fakesecret") && !shown.contains("faketoken"),
            "{shown}"
        );
    });
    let seen = fake.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].target, "/v1/credentials");
    assert_eq!(seen[0].header("accept"), Some("application/json"));
    assert_eq!(seen[0].header("authorization"), None);
}

#[test]
fn not_configured_without_variables() {
    let p = provider_with(&[], MemFs::default());
    assert!(!p.is_configured());
    run(async {
        let e = p.provide_credentials().await.expect_err("not configured");
        assert_eq!(e.kind(), ErrorKind::NotConfigured);
        assert!(
            e.to_string()
                .contains("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
            "{e}"
        );
    });
}

#[test]
fn relative_uri_goes_to_the_ecs_agent_and_wins() {
    let p = provider_with(
        &[
            (
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "/v2/credentials/abc?x=1",
            ),
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://127.0.0.1:1/other",
            ),
        ],
        MemFs::default(),
    );
    run(async {
        let uri = p.endpoint().await.expect("uri");
        assert_eq!(
            uri.to_string(),
            "http://169.254.170.2/v2/credentials/abc?x=1"
        );
    });
}

#[test]
fn token_variable_is_sent() {
    let fake = FakeContainerEndpoint::start();
    fake.expect_token(Some("Bearer abc"));
    let p = provider(
        &fake,
        &[("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer abc")],
    );
    run(async {
        p.provide_credentials().await.expect("credentials");
    });
    assert_eq!(
        fake.requests()[0].header("authorization"),
        Some("Bearer abc")
    );
}

#[test]
fn token_file_wins_and_is_read_on_every_fetch() {
    let fake = FakeContainerEndpoint::start();
    fake.expect_token(Some("from-file-1"));
    let fs = Arc::new(MemFs::default().with_file("/var/run/token", "from-file-1"));
    let uri = fake.full_uri();
    let env = Env::from_vars([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token"),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-variable"),
    ])
    .with_fs(fs.clone());
    let p = ContainerProvider::new(&env, Arc::new(HyperClient::new(&env))).with_retry_policy(QUICK);
    run(async {
        p.provide_credentials().await.expect("first");
        // The agent rotated the token.
        fs.insert("/var/run/token", "from-file-2");
        fake.expect_token(Some("from-file-2"));
        p.provide_credentials()
            .await
            .expect("second, with the new token");
    });
    let tokens: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(tokens, ["from-file-1", "from-file-2"]);
}

#[test]
fn token_with_line_break_is_refused_before_sending() {
    let fake = FakeContainerEndpoint::start();
    for (vars, fs) in [
        (
            vec![("AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\r\nX-Injected: 1")],
            MemFs::default(),
        ),
        (
            vec![("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/t")],
            MemFs::default().with_file("/t", "token\n"),
        ),
    ] {
        let uri = fake.full_uri();
        let mut all = vec![("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str())];
        all.extend(vars);
        let p = provider_with(&all, fs);
        run(async {
            let e = p.provide_credentials().await.expect_err("CR/LF");
            assert_eq!(e.kind(), ErrorKind::InvalidConfiguration);
            assert!(e.to_string().contains("CR or LF"), "{e}");
            assert!(!e.to_string().contains("abc"), "{e}");
        });
    }
    assert!(fake.requests().is_empty());
}

#[test]
fn missing_token_file_names_the_file() {
    let fake = FakeContainerEndpoint::start();
    let path = std::env::temp_dir().join(format!("awscred-ecs-missing-{}", std::process::id()));
    let path = path.to_string_lossy().into_owned();
    let uri = fake.full_uri();
    let env = Env::from_vars([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path.as_str()),
    ]);
    let p = ContainerProvider::new(&env, Arc::new(HyperClient::new(&env)));
    run(async {
        let e = p.provide_credentials().await.expect_err("no file");
        assert_eq!(e.kind(), ErrorKind::Io);
        let text = e.to_string();
        assert!(
            text.contains(&path)
                && text.contains(&std::io::Error::from_raw_os_error(2).to_string()),
            "{text}"
        );
    });
    assert!(fake.requests().is_empty());
}

#[test]
fn plain_http_to_other_hosts_is_refused() {
    for (uri, shown) in [
        ("http://10.0.0.1/creds", "10.0.0.1"),
        ("http://169.254.169.254/latest", "169.254.169.254"),
        ("http://[fd00:ec2::254]/x", "fd00:ec2::254"),
        ("http://[::ffff:127.0.0.1]:9/creds", "::ffff:127.0.0.1"),
        ("http://myhost/creds", "myhost"),
    ] {
        let p = provider_with(
            &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri)],
            MemFs::default(),
        );
        run(async {
            let e = p.provide_credentials().await.expect_err("refused host");
            assert_eq!(e.kind(), ErrorKind::InvalidConfiguration, "{uri}");
            let text = e.to_string();
            assert!(
                text.contains(&format!(
                    "Unsupported host '{shown}'.  Can only retrieve metadata"
                )),
                "{text}"
            );
        });
    }
    for bad in ["ftp://127.0.0.1/x", "/credentials", "http://exa mple/"] {
        let p = provider_with(
            &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", bad)],
            MemFs::default(),
        );
        run(async {
            let e = p.provide_credentials().await.expect_err("bad uri");
            assert_eq!(e.kind(), ErrorKind::InvalidConfiguration, "{bad}: {e}");
        });
    }
}

#[test]
fn localhost_is_allowed_by_name() {
    let fake = FakeContainerEndpoint::start();
    let uri = format!("http://localhost:{}/v1/credentials", fake.port());
    let p = provider_with(
        &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)],
        MemFs::default(),
    );
    run(async {
        p.provide_credentials()
            .await
            .expect("localhost is loopback");
    });
}

#[test]
fn server_error_is_retried_then_recovers() {
    let fake = FakeContainerEndpoint::start();
    fake.script(vec![Reply::status(
        500,
        "{\"code\":\"InternalError\",\"message\":\"try later\"}",
    )]);
    let p = provider(&fake, &[]);
    run(async {
        p.provide_credentials().await.expect("second attempt");
    });
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn server_error_every_time_is_an_error_with_the_agents_message() {
    let fake = FakeContainerEndpoint::start();
    fake.always(Some(Reply::status(
        500,
        "{\"code\":\"InternalError\",\"message\":\"agent is sad\"}",
    )));
    let p = provider(&fake, &[]);
    run(async {
        let (result, took) = timed(&p).await;
        let e = result.expect_err("500s");
        assert_eq!(e.kind(), ErrorKind::ProviderFailed, "{e}");
        let text = e.to_string();
        assert!(
            text.contains("500") && text.contains("agent is sad"),
            "{text}"
        );
        assert!(text.contains(&fake.base_url()), "{text}");
        assert!(took < Duration::from_secs(1), "{took:?}");
    });
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn connection_refused_with_the_clis_policy_is_a_network_error_within_three_seconds() {
    let port = awscred_testkit::free_port();
    let uri = format!("http://127.0.0.1:{port}/v1/credentials");
    let p = provider_with(
        &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)],
        MemFs::default(),
    );
    run(async {
        let (result, took) = timed(&p).await;
        let e = result.expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::Network, "{e}");
        assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
        // Three attempts, two one-second pauses.
        assert!(
            took >= Duration::from_millis(1900) && took < Duration::from_secs(3),
            "{took:?}"
        );
    });
}

#[test]
fn black_hole_gives_up_after_the_attempts() {
    let fake = FakeContainerEndpoint::start();
    fake.always(Some(Reply::BlackHole));
    let p = provider(&fake, &[]);
    run(async {
        let (result, took) = timed(&p).await;
        let e = result.expect_err("black hole");
        assert_eq!(e.kind(), ErrorKind::Network, "{e}");
        assert!(e.to_string().contains("timed out"), "{e}");
        // 3 x 300 ms + 2 x 50 ms.
        assert!(took < Duration::from_millis(1500), "{took:?}");
    });
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn malformed_json_is_retried_then_an_error_without_secrets() {
    let fake = FakeContainerEndpoint::start();
    fake.set_document("{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"hush-hush\",");
    let p = provider(&fake, &[]);
    run(async {
        let e = p.provide_credentials().await.expect_err("malformed");
        assert_eq!(e.kind(), ErrorKind::ProviderFailed);
        let text = format!("{e} {e:?}");
        assert!(text.contains("not valid JSON"), "{text}");
        assert!(!text.contains("hush-hush"), "{text}");
    });
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn missing_field_is_an_error_at_once() {
    let fake = FakeContainerEndpoint::start();
    fake.set_document("{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"hush-hush\",\"Expiration\":\"2099-01-01T00:00:00Z\"}");
    let p = provider(&fake, &[]);
    run(async {
        let e = p.provide_credentials().await.expect_err("no token");
        assert_eq!(e.kind(), ErrorKind::ProviderFailed);
        assert!(e.to_string().contains("no Token"), "{e}");
        assert!(!e.to_string().contains("hush-hush"), "{e}");
    });
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn truncated_body_is_retried() {
    let fake = FakeContainerEndpoint::start();
    let doc = credentials_json(
        "ASIAFAKE",
        "fakesecret",
        "faketoken",
        "2099-01-01T00:00:00Z",
    );
    fake.script(vec![Reply::Truncated {
        status: 200,
        body: doc.into_bytes(),
        sent: 30,
    }]);
    let p = provider(&fake, &[]);
    run(async {
        p.provide_credentials().await.expect("second attempt");
    });
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn trickling_body_hits_the_timeout() {
    let fake = FakeContainerEndpoint::start();
    let doc = credentials_json(
        "ASIAFAKE",
        "fakesecret",
        "faketoken",
        "2099-01-01T00:00:00Z",
    );
    fake.always(Some(Reply::Trickle {
        status: 200,
        body: doc.into_bytes(),
        every: Duration::from_millis(40),
    }));
    let p = provider(&fake, &[]);
    run(async {
        let (result, took) = timed(&p).await;
        let e = result.expect_err("trickle");
        assert_eq!(e.kind(), ErrorKind::Network, "{e}");
        assert!(took < Duration::from_millis(1500), "{took:?}");
    });
}

#[test]
fn huge_body_is_refused() {
    let fake = FakeContainerEndpoint::start();
    fake.always(Some(Reply::ok(vec![b' '; 2 * 1024 * 1024])));
    let p = provider(&fake, &[]);
    run(async {
        let e = p.provide_credentials().await.expect_err("too big");
        assert!(e.to_string().contains("too large"), "{e}");
    });
}

#[test]
fn the_clis_policy_is_the_default() {
    assert_eq!(
        RetryPolicy::default(),
        RetryPolicy::new(Duration::from_secs(2), 3, Duration::from_secs(1))
    );
}

//! `awscred serve`: the real binary serving a profile, read by the project's own container tier,
//! by botocore and by a second awscred; the token, method and path checks; loopback only.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use awscred_core::http::HyperClient;
use awscred_core::{Env, ProvideCredentials};
use common::*;

struct Served {
    _child: KillOnDrop,
    uri: String,
    token: String,
    port: u16,
}

fn serve(home: &Home) -> Served {
    let mut child = home.spawn(&["serve", "--profile", "dev"]);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a first line").unwrap();
    let second = lines.next().expect("a second line").unwrap();
    let uri = first
        .strip_prefix("export AWS_CONTAINER_CREDENTIALS_FULL_URI=")
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let token = second
        .strip_prefix("export AWS_CONTAINER_AUTHORIZATION_TOKEN=")
        .unwrap_or_else(|| panic!("{second}"))
        .to_owned();
    let port = uri
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("not a loopback URI: {uri}"));
    Served {
        _child: child,
        uri,
        token,
        port,
    }
}

/// One raw request; the status and body of the response.
fn request(port: u16, head: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

/// A GET of the credentials with the token.
fn get(port: u16, token: &str) -> (u16, String) {
    request(
        port,
        &format!("GET /credentials HTTP/1.1\r\nAuthorization: {token}\r\n\r\n"),
    )
}

#[test]
fn prints_two_lines_with_a_loopback_uri_and_a_random_token() {
    let home = Home::new().with_dev_profile();
    let a = serve(&home);
    let b = serve(&home);
    assert!(a.uri.ends_with("/credentials"), "{}", a.uri);
    assert_eq!(a.token.len(), 64);
    assert!(a.token.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a.token, b.token);
    assert_ne!(a.port, b.port);
}

#[test]
fn the_container_tier_gets_the_credentials() {
    let home = Home::new().with_dev_profile();
    let served = serve(&home);
    let env = Env::from_vars([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", served.uri.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", served.token.as_str()),
    ]);
    let provider = awscred_ecs::ContainerProvider::new(&env, Arc::new(HyperClient::new(&env)));
    let creds = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(provider.provide_credentials())
        .unwrap();
    assert_eq!(creds.access_key_id(), "ASIADEV");
    assert_eq!(creds.secret_access_key().expose(), SECRET);
    assert_eq!(creds.session_token().unwrap().expose(), TOKEN);
    // Session credentials without an expiry are served for an hour at a time.
    let left = creds
        .expiration()
        .unwrap()
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(left > Duration::from_secs(3500) && left <= Duration::from_secs(3600));
}

// Unix only: botocore is one of the Python reference tools, which do not run under Wine.
#[cfg(unix)]
#[test]
fn botocore_gets_the_credentials() {
    use awscred_testkit::ClearEnv as _;
    let home = Home::new().with_dev_profile();
    let served = serve(&home);
    let empty = awscred_testkit::TempDir::new("botocore-home");
    let out = std::process::Command::new(awscred_testkit::python())
        .args([
            "-c",
            "import botocore.session\n\
             c = botocore.session.Session().get_credentials()\n\
             f = c.get_frozen_credentials()\n\
             print(c.method, f.access_key, f.secret_key, f.token)",
        ])
        .env_clear_but_essentials()
        .env(awscred_testkit::HOME_VAR, empty.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &served.uri)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &served.token)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        format!("container-role ASIADEV {SECRET} {TOKEN}\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_second_awscred_resolves_through_the_container_tier() {
    let home = Home::new().with_dev_profile();
    let served = serve(&home);
    let client = Home::new()
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &served.uri)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &served.token);
    let out = client.run(&["export-credentials"]);
    assert_code(&out, 0);
    let doc: serde_json::Value = serde_json::from_str(stdout(&out)).unwrap();
    assert_eq!(doc["AccessKeyId"], "ASIADEV");
    assert_eq!(doc["SecretAccessKey"], SECRET);
    assert_eq!(doc["SessionToken"], TOKEN);
    let out = client.run(&["explain"]);
    assert_code(&out, 0);
    assert!(
        stdout(&out).contains("credentials: from container-role\n"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains(SECRET));
}

#[test]
fn requests_without_the_token_are_refused() {
    let home = Home::new().with_dev_profile();
    let s = serve(&home);
    let get = |auth: &str| {
        request(
            s.port,
            &format!("GET /credentials HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n"),
        )
    };
    let (status, body) = get("");
    assert_eq!(status, 401);
    assert_eq!(
        body,
        r#"{"code":"Unauthorized","message":"the Authorization header does not hold the token"}"#
    );
    // The token with its last character changed (to one it is not).
    let last = if s.token.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &s.token[..63]);
    for auth in [
        format!("Authorization: {wrong}\r\n"),
        format!("Authorization: {}\r\n", &s.token[..63]),
        format!("Authorization: Bearer {}\r\n", s.token),
        format!("Authorization: {}\r\nAuthorization: {wrong}\r\n", s.token),
    ] {
        let (status, body) = get(&auth);
        assert_eq!(status, 401, "{auth}");
        assert!(!body.contains(SECRET));
    }
    let (status, body) = get(&format!("authorization: {}\r\n", s.token));
    assert_eq!(status, 200);
    assert!(body.contains(SECRET));
}

#[test]
fn other_paths_and_methods_and_garbage() {
    let home = Home::new().with_dev_profile();
    let s = serve(&home);
    let auth = format!("Authorization: {}\r\n", s.token);
    let (status, _) = request(s.port, &format!("GET /other HTTP/1.1\r\n{auth}\r\n"));
    assert_eq!(status, 404);
    let (status, body) = request(s.port, &format!("POST /credentials HTTP/1.1\r\n{auth}\r\n"));
    assert_eq!(status, 405);
    assert!(!body.contains(SECRET));
    let (status, _) = request(s.port, "\x00\x01garbage\r\n\r\n");
    assert_eq!(status, 400);
    // A request head that never ends is cut off at 16 KiB (see also `the_head_cap_is_exact`).
    let mut stream = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream
        .write_all(format!("GET /credentials HTTP/1.1\r\nX: {}", "a".repeat(64 * 1024)).as_bytes());
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 431 "), "{response:.60}");
    // The server is still there.
    let (status, _) = request(s.port, &format!("GET /credentials HTTP/1.1\r\n{auth}\r\n"));
    assert_eq!(status, 200);
}

/// The machine's address on its default route, when it has one (no packet is sent).
fn non_loopback_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn it_listens_on_127_0_0_1_only() {
    let home = Home::new().with_dev_profile();
    let s = serve(&home);
    assert!(s.uri.starts_with("http://127.0.0.1:"), "{}", s.uri);
    let refused = |ip: IpAddr| {
        TcpStream::connect_timeout(&SocketAddr::new(ip, s.port), Duration::from_secs(2)).is_err()
    };
    if let Some(ip) = non_loopback_address() {
        assert!(refused(ip), "reachable on {ip}");
    }
    // Linux only: there all of 127.0.0.0/8 reaches the host, so a listener on 0.0.0.0 or
    // 127.0.0.0/8 would answer on 127.0.0.2; elsewhere that address is not configured.
    #[cfg(target_os = "linux")]
    assert!(refused("127.0.0.2".parse().unwrap()));
    assert!(!refused("127.0.0.1".parse().unwrap()));
}

#[test]
fn it_does_not_start_without_credentials() {
    let out = Home::new().run(&["serve"]);
    assert_code(&out, 253);
    assert_eq!(stdout(&out), "");
    let home = Home::new().with_dev_profile();
    let out = home.run(&["serve", "--profile", "nope"]);
    assert_code(&out, 253);
}

/// moto with an IAM user allowed to call STS, signature checking on; the user's keys.
#[cfg(unix)] // moto (Python) runs on the host, not under Wine.
fn moto_user() -> (awscred_testkit::moto::MotoServer, String, String) {
    let moto = awscred_testkit::moto::MotoServer::start();
    let (id, secret) = moto.iam_user_with_roles(&[]);
    moto.enable_auth();
    (moto, id, secret)
}

// Unix only: moto (Python) runs on the host, not under Wine.
#[cfg(unix)]
#[test]
fn long_term_keys_are_served_as_a_cached_session() {
    let (moto, id, secret) = moto_user();
    let home = Home::new()
        .file(
            ".aws/credentials",
            &format!("[dev]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
        )
        .file(".aws/config", "[profile dev]\nregion = us-east-1\n")
        .env("AWS_ENDPOINT_URL_STS", &moto.endpoint());
    let fetch = || {
        let s = serve(&home);
        let (status, body) = get(s.port, &s.token);
        assert_eq!(status, 200, "{body}");
        assert!(
            !body.contains(&secret),
            "the long-term secret is never served"
        );
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };
    let doc = fetch();
    assert_ne!(doc["AccessKeyId"], id.as_str());
    assert!(!doc["Token"].as_str().unwrap().is_empty(), "{doc}");
    // The session is in the CLI's cache directory, private to the user.
    let cache = home.dir.path().join(".aws/cli/cache");
    let entries: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let text = std::fs::read_to_string(&entries[0]).unwrap();
    assert!(text.contains(doc["AccessKeyId"].as_str().unwrap()));
    assert!(!text.contains(&secret));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&entries[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // With STS gone, a second server starts from the cached session.
    drop(moto);
    let again = fetch();
    assert_eq!(again["AccessKeyId"], doc["AccessKeyId"]);
    assert_eq!(again["Token"], doc["Token"]);
}

#[test]
fn every_request_goes_through_the_chains_refresh() {
    use awscred_testkit::sso_fake::SsoFake;
    let fake = SsoFake::start();
    // Role credentials that are always inside the refresh window: each request refreshes.
    let soon = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        + 5 * 60 * 1000;
    fake.set_role_expiration_ms(soon);
    let home = Home::new()
        .file(
            ".aws/config",
            "[profile dev]\nsso_start_url = https://legacy.awsapps.com/start\n\
             sso_region = us-west-2\nsso_account_id = 444455556666\nsso_role_name = Admin\n",
        )
        .env("AWS_ENDPOINT_URL_SSO", fake.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", fake.url());
    let out = home.run(&["sso", "login", "--no-browser", "--profile", "dev"]);
    assert_code(&out, 0);
    let s = serve(&home);
    let fetched = || fake.requests_to("/federation/credentials").len();
    assert_eq!(fetched(), 1, "resolved once at start");
    let mut keys = Vec::new();
    for n in 2..=3 {
        let (status, body) = get(s.port, &s.token);
        assert_eq!(status, 200, "{body}");
        assert_eq!(fetched(), n);
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(doc["AccountId"], "444455556666");
        keys.push(doc["AccessKeyId"].as_str().unwrap().to_owned());
    }
    assert!(keys.iter().all(|k| k.starts_with("ASIA")), "{keys:?}");

    // Logged out: the next refresh fails, and the credentials held, still valid for minutes, are
    // served (static stability), not the error.
    assert_code(&home.run(&["sso", "logout"]), 0);
    let (status, body) = get(s.port, &s.token);
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["AccessKeyId"], keys[1].as_str());
}

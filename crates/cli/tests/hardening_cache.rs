//! Cache-file safety under contention: 50 `awscred export-credentials` processes at once on
//! one role profile against a slow STS (300 ms per answer), and 50 at once on an SSO profile
//! whose token must be refreshed. Afterwards every file in `~/.aws/cli/cache` and
//! `~/.aws/sso/cache` is complete JSON of the CLI's format, mode 0600, in directories we created
//! with mode 0700, with no temporary file left behind; every process got credentials; and the
//! number of service calls is reported (see docs/hardening.md for why it is what it is). And 50
//! at once on an `aws login` session that must be refreshed: one sign-in call, one answer for all.

use awscred_testkit::ClearEnv as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use awscred_testkit::TempDir;
use awscred_testkit::hostile::{StsFake, sso_config, sso_session_key};
use awscred_testkit::signin_fake::SigninFake;
use awscred_testkit::sso_fake::SsoFake;

const PROCESSES: usize = 50;

fn spawn(home: &Path, vars: &[(&str, String)], profile: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_awscred"))
        .env_clear_but_essentials()
        .env(awscred_testkit::HOME_VAR, home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .args(["export-credentials", "--profile", profile])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("awscred starts")
}

/// Starts all processes before waiting for any, and checks each printed credentials.
fn burst(home: &Path, vars: &[(&str, String)], profile: &str, key_prefix: &str) {
    let children: Vec<Child> = (0..PROCESSES).map(|_| spawn(home, vars, profile)).collect();
    for child in children {
        let out = child.wait_with_output().expect("awscred finishes");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "exit {:?}\nstdout: {stdout}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_str(&stdout).expect("process-format JSON");
        let akid = doc["AccessKeyId"].as_str().expect("AccessKeyId");
        assert!(akid.starts_with(key_prefix), "{akid}");
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

/// Every file of `dir` is a whole JSON object with `required` at the top level, private to the
/// user, and `dir` is private when awscred created it; returns how many files there are.
fn check_cache_dir(dir: &Path, required: &str, created_by_awscred: bool) -> usize {
    if created_by_awscred {
        // No mode bits on Windows: the CLI's 0o600 sets none there either.
        #[cfg(unix)]
        assert_eq!(mode(dir), 0o700, "{} is private", dir.display());
    }
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("cache dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.ends_with(".json") && name.len() == 45,
            "only <sha1>.json files, found {name}"
        );
        // No mode bits on Windows: the CLI's 0o600 sets none there either.
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600, "{name} is private");
        let text = std::fs::read_to_string(&path).expect("UTF-8");
        let doc: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{name} is corrupt or partial ({e}): {text}"));
        assert!(doc.get(required).is_some(), "{name}: {text}");
        n += 1;
    }
    n
}

#[test]
fn fifty_processes_assuming_one_role_leave_one_whole_private_cache_file() {
    let home = TempDir::new("cache-burst-sts");
    home.write(
        ".aws/config",
        "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/burst\nsource_profile = base\nregion = us-east-1\n",
    );
    home.write(
        ".aws/credentials",
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n",
    );
    let sts = StsFake::start(Duration::from_millis(300));
    let vars = [("AWS_ENDPOINT_URL_STS", sts.url())];
    let started = Instant::now();
    burst(home.path(), &vars, "role", "ASIASTSFAKE");
    let elapsed = started.elapsed();
    let calls = sts.calls();
    eprintln!(
        "{PROCESSES} processes, one role: {calls} AssumeRole calls, {:.1} s",
        elapsed.as_secs_f64()
    );

    let aws = home.path().join(".aws");
    // No mode bits on Windows: the CLI's 0o600 sets none there either.
    #[cfg(unix)]
    assert_eq!(mode(&aws.join("cli")), 0o700);
    assert_eq!(
        check_cache_dir(&aws.join("cli/cache"), "Credentials", true),
        1
    );
    // Without a cross-process lock every process that misses the cache calls STS; the lock
    // file in RoleCache makes the others wait for the first answer instead.
    assert!(calls >= 1, "STS was called");
    assert!(
        calls <= 5,
        "{calls} STS calls for {PROCESSES} processes sharing one cache"
    );

    // Afterwards the cache answers: no further call.
    burst(home.path(), &vars, "role", "ASIASTSFAKE");
    assert_eq!(
        sts.calls(),
        calls,
        "the second burst is served by the cache"
    );
}

#[test]
fn fifty_processes_refreshing_one_sso_token_leave_whole_private_cache_files() {
    let home = TempDir::new("cache-burst-sso");
    let fake = SsoFake::start();
    fake.accept_refresh_token("burst-refresh", "burst-client", "burst-client-secret");
    home.write(".aws/config", sso_config());
    home.write(
        &format!(".aws/sso/cache/{}.json", sso_session_key()),
        serde_json::json!({
            "startUrl": "https://d-hard.awsapps.com/start", "region": "us-east-1",
            "accessToken": "expired-access", "expiresAt": "2020-01-01T00:00:00Z",
            "refreshToken": "burst-refresh", "clientId": "burst-client",
            "clientSecret": "burst-client-secret", "registrationExpiresAt": "2199-03-06T19:53:17Z",
        })
        .to_string(),
    );
    let vars = [
        ("AWS_ENDPOINT_URL_SSO", fake.url().to_owned()),
        ("AWS_ENDPOINT_URL_SSO_OIDC", fake.url().to_owned()),
    ];
    burst(home.path(), &vars, "sso", "ASIAFAKE");
    let refreshes = fake.requests_to("/token").len();
    let role_calls = fake.requests_to("/federation/credentials").len();
    eprintln!(
        "{PROCESSES} processes, one SSO profile: {refreshes} token refreshes, {role_calls} GetRoleCredentials calls"
    );
    assert!(refreshes >= 1 && role_calls >= 1);
    // The lock files (`<token file>.lock`, `<role cache entry>.lock`) make the other processes
    // wait for the first one's answer: one call of each in practice (10 of 10 runs; 2-7 token
    // refreshes and 4-15 role calls before the locks). The bounds leave room for a slow machine.
    assert!(
        refreshes <= 2,
        "{refreshes} token refreshes for {PROCESSES} processes sharing one token"
    );
    assert!(
        role_calls <= 5,
        "{role_calls} GetRoleCredentials calls for {PROCESSES} processes sharing one cache"
    );

    let aws = home.path().join(".aws");
    assert_eq!(
        check_cache_dir(&aws.join("sso/cache"), "accessToken", false),
        1
    );
    // No mode bits on Windows: the CLI's 0o600 sets none there either.
    #[cfg(unix)]
    assert_eq!(mode(&aws.join("cli")), 0o700);
    assert_eq!(
        check_cache_dir(&aws.join("cli/cache"), "Credentials", true),
        1
    );
    // The token file holds a token the fake issued, not the expired one.
    let token: serde_json::Value = serde_json::from_slice(
        &std::fs::read(aws.join(format!("sso/cache/{}.json", sso_session_key()))).unwrap(),
    )
    .unwrap();
    assert!(
        token["accessToken"]
            .as_str()
            .unwrap()
            .starts_with("access-token-"),
        "{token}"
    );

    // Afterwards the role cache answers: no further call of either kind.
    burst(home.path(), &vars, "sso", "ASIAFAKE");
    assert_eq!(fake.requests_to("/token").len(), refreshes);
    assert_eq!(
        fake.requests_to("/federation/credentials").len(),
        role_calls
    );
}

// Unix only: botocore writes the cache entry, and the Python reference tools do not run under Wine.
#[cfg(unix)]
#[test]
fn sso_role_credentials_cached_by_botocore_are_used_without_any_call() {
    // botocore's own SSOCredentialFetcher key and entry, written by its JSONFileCache; every
    // endpoint is a closed port, so only the cache can answer.
    let home = TempDir::new("cache-botocore-sso");
    home.write(".aws/config", sso_config());
    let script = r#"
import sys, datetime
from botocore.credentials import SSOCredentialFetcher
from botocore.utils import JSONFileCache
from dateutil.tz import tzutc
cache = JSONFileCache(sys.argv[1])
f = SSOCredentialFetcher("https://d-hard.awsapps.com/start", "us-east-1", "ReadOnly",
    "111122223333", client_creator=None, cache=cache, sso_session_name="hard")
exp = datetime.datetime.now(tzutc()) + datetime.timedelta(hours=1)
cache[f._create_cache_key()] = {"ProviderType": "sso", "Credentials": {
    "AccessKeyId": "ASIABOTOCORE", "SecretAccessKey": "botosecret", "SessionToken": "bototoken",
    "Expiration": exp.strftime(f._UTC_DATE_FORMAT), "AccountId": "111122223333"}}
"#;
    let status = Command::new(awscred_testkit::python())
        .arg("-c")
        .arg(script)
        .arg(home.path().join(".aws/cli/cache"))
        .status()
        .expect("python runs");
    assert!(status.success());
    let closed = format!("http://127.0.0.1:{}", awscred_testkit::free_port());
    let out = spawn(
        home.path(),
        &[
            ("AWS_ENDPOINT_URL_SSO", closed.clone()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", closed),
        ],
        "sso",
    )
    .wait_with_output()
    .expect("awscred finishes");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("\"AccessKeyId\": \"ASIABOTOCORE\""),
        "{stdout}"
    );
}

#[test]
fn fifty_processes_refreshing_one_login_session_make_one_sign_in_call() {
    const SESSION: &str = "arn:aws:iam::123456789012:user/burst";
    const CLIENT: &str = "arn:aws:signin:::devtools/same-device";
    let home = TempDir::new("cache-burst-login");
    home.write(
        ".aws/config",
        format!("[profile web]\nlogin_session = {SESSION}\nregion = us-east-1\n"),
    );
    // The cross-SDK suite's DPoP key.
    let suite: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            awscred_testkit::conformance_dir()
                .join("smithy-rs/aws-config/login-provider-test-cases.json"),
        )
        .expect("the login suite"),
    )
    .unwrap();
    let key = suite[0]["cacheContents"]
        .as_object()
        .and_then(|files| files.values().next())
        .and_then(|token| token["dpopKey"].as_str())
        .expect("the suite's dpopKey")
        .to_owned();
    let env =
        awscred_core::Env::from_vars([(awscred_testkit::HOME_VAR, home.path().to_str().unwrap())]);
    let token_path = awscred_login::login_token_path(&env, SESSION).unwrap();
    let expiring = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 120;
    home.write(
        token_path
            .strip_prefix(home.path())
            .unwrap()
            .to_str()
            .unwrap(),
        serde_json::json!({
            "accessToken": {
                "accessKeyId": "ASIAOLD", "secretAccessKey": "oldSecret",
                "sessionToken": "oldSession", "accountId": "123456789012",
                "expiresAt": awscred_testkit::hostile::iso(expiring),
            },
            "tokenType": "aws_sigv4", "clientId": CLIENT, "refreshToken": "burst-login-refresh",
            "idToken": "id.token.jwt", "dpopKey": key,
        })
        .to_string(),
    );
    let fake = SigninFake::start();
    fake.accept_refresh_token("burst-login-refresh", CLIENT);
    // Slow answers keep the first process's refresh in flight while the others start.
    fake.set_delay(Duration::from_millis(200));
    let vars = [("AWS_ENDPOINT_URL_SIGNIN", fake.url())];
    let children: Vec<Child> = (0..PROCESSES)
        .map(|_| spawn(home.path(), &vars, "web"))
        .collect();
    let mut printed = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("awscred finishes");
        assert!(
            out.status.success(),
            "exit {:?}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        printed.push(String::from_utf8(out.stdout).expect("UTF-8"));
    }
    let requests = fake.requests().len();
    eprintln!(
        "{PROCESSES} processes, one login session: {} CreateOAuth2Token issued, {requests} requests",
        fake.issued()
    );
    // The refresh token rotates: a second call with the old one would be refused, so the lock on
    // the token file must leave exactly one process calling and the others reading its answer.
    assert_eq!(fake.issued(), 1);
    assert_eq!(requests, 1, "only the lock holder calls the service");
    assert!(
        printed.iter().all(|p| *p == printed[0]),
        "every process printed the same credentials: {printed:?}"
    );
    let doc: serde_json::Value = serde_json::from_str(&printed[0]).expect("process-format JSON");
    assert_eq!(doc["AccessKeyId"], "ASIASIGNIN1", "{doc}");
    assert_eq!(doc["SessionToken"], "signinSession1", "{doc}");

    let text = std::fs::read_to_string(&token_path).expect("the token file");
    let token: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the token file is corrupt or partial ({e}): {text}"));
    assert_eq!(token["refreshToken"], "signin-refresh-1", "{text}");
    assert_eq!(token["accessToken"]["accessKeyId"], "ASIASIGNIN1", "{text}");
    assert_eq!(token["dpopKey"], key.as_str());
    // No mode bits on Windows: the CLI's 0o600 sets none there either.
    #[cfg(unix)]
    assert_eq!(mode(&token_path), 0o600);
    assert_eq!(fake.valid_refresh_tokens(), ["signin-refresh-1"]);
    // Nothing left beside the token file: no `.lock`, no temporary file.
    let left: Vec<String> = std::fs::read_dir(token_path.parent().unwrap())
        .expect("the login cache")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        [token_path.file_name().unwrap().to_string_lossy()],
        "{left:?}"
    );
}

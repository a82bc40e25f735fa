//! The refresh of an `aws login` session through the sign-in service (`CreateOAuth2Token` with a
//! DPoP proof), against the loopback fake in `awscred_testkit::signin_fake`: what is written back,
//! when the service is called, which region, the CLI's messages for refusals, retries, invalid
//! answers, a refresh token bound to another key, many processes at once, and secrets.

// The SSO tests' set-up (a temporary home, profile contexts, the fast retry policy).
#[path = "../../sso/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_core::clock::ManualClock;
use awscred_core::http::{HttpClient, HttpError, HttpRequest, HttpResponse, HyperClient, Timeouts};
use awscred_core::provider::BoxFuture;
use awscred_core::{Env, ProvideCredentials, Secret, timestamp};
use awscred_login::{LoginSessionProvider, login_token_path};
use awscred_profile::ProfileContext;
use awscred_testkit::TempDir;
use awscred_testkit::fake_http::{FakeServer, Reply};
use awscred_testkit::hostile::capture_trace;
use awscred_testkit::signin_fake::SigninFake;
#[cfg(unix)]
use common::mode;
use common::{fast_retry, in_minutes};
use serde_json::{Value, json};

/// The cross-SDK suite's key (login-provider-test-cases.json), as the CLI writes keys.
const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\nAwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\nffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";
/// The sign-in session of every profile here.
const SESSION: &str = "arn:aws:iam::123456789012:user/alice";
/// The client id the CLI's `aws login` registers.
const CLIENT: &str = "arn:aws:signin:::devtools/same-device";
/// The fixed "now" of every test (the fake checks the proofs' `iat` against it too).
const NOW: &str = "2026-03-01T12:00:00Z";

/// A temporary home with a config, the fake sign-in service, and an environment pointing at it.
struct Login {
    /// Held so that the directory lives as long as the set-up.
    _home: TempDir,
    fake: SigninFake,
    env: Env,
    http: Arc<dyn HttpClient>,
}

impl Login {
    fn new(config: &str) -> Login {
        Login::with(config, &[])
    }

    /// `vars` are added to (or replace) HOME, `AWS_ENDPOINT_URL_SIGNIN` = the fake and
    /// `AWS_EC2_METADATA_DISABLED`; the clock stands still at [`NOW`] plus 0.7 s (botocore
    /// drops the fraction when it writes `expiresAt`).
    fn with(config: &str, vars: &[(&str, &str)]) -> Login {
        let home = TempDir::new("login");
        home.write(".aws/config", config);
        let fake = SigninFake::start();
        let now = timestamp::parse(NOW).unwrap();
        fake.set_now(unix(now) as i64);
        let mut all: Vec<(String, String)> = vec![
            (
                awscred_testkit::HOME_VAR.into(),
                home.path().to_str().unwrap().into(),
            ),
            ("AWS_ENDPOINT_URL_SIGNIN".into(), fake.url()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ];
        all.retain(|(k, _)| !vars.iter().any(|(name, _)| name == k));
        all.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let clock = ManualClock::new(now + Duration::from_millis(700));
        let env = Env::from_vars(all).with_clock(Arc::new(clock));
        let http: Arc<dyn HttpClient> = Arc::new(HyperClient::new(&env));
        Login {
            _home: home,
            fake,
            env,
            http,
        }
    }

    fn ctx(&self, profile: &str) -> ProfileContext {
        common::profile_context(&self.env, profile)
    }

    fn provider(&self, profile: &str) -> LoginSessionProvider {
        self.provider_with(profile, self.http.clone())
    }

    fn provider_with(&self, profile: &str, http: Arc<dyn HttpClient>) -> LoginSessionProvider {
        LoginSessionProvider::new(&self.ctx(profile), profile, SESSION)
            .with_http(http)
            .with_retry(fast_retry())
    }

    fn token_path(&self) -> PathBuf {
        login_token_path(&self.env, SESSION).unwrap()
    }

    /// Writes the token file, credentials expiring in `minutes`, with `refresh` as its refresh
    /// token (accepted by the fake).
    fn write_token(&self, minutes: i64, refresh: &str) -> Value {
        self.write_token_with(minutes, refresh, |_| {})
    }

    /// The same, with `edit` applied to the document first.
    fn write_token_with(
        &self,
        minutes: i64,
        refresh: &str,
        edit: impl FnOnce(&mut Value),
    ) -> Value {
        self.fake.accept_refresh_token(refresh, CLIENT);
        let mut token = json!({
            "accessToken": {
                "accessKeyId": "ASIAOLD", "secretAccessKey": "oldSecretKEY",
                "sessionToken": "oldSessionTOKEN", "accountId": "123456789012",
                "expiresAt": in_minutes(&self.env, minutes),
            },
            "tokenType": "aws_sigv4",
            "clientId": CLIENT,
            "refreshToken": refresh,
            "idToken": "id.token.jwt",
            "dpopKey": KEY,
        });
        edit(&mut token);
        self.write_json(&token);
        token
    }

    /// Writes `token` indented, a form no rewrite produces, so that any rewrite shows.
    fn write_json(&self, token: &Value) {
        self.write_raw(&serde_json::to_string_pretty(token).unwrap());
    }

    fn write_raw(&self, text: &str) {
        let path = self.token_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }

    fn file(&self) -> Vec<u8> {
        std::fs::read(self.token_path()).unwrap()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.file()).unwrap()
    }

    /// The error of a refresh, after checking that the token file did not change.
    async fn refresh_error(&self, profile: &str) -> String {
        let before = self.file();
        let err = self
            .provider(profile)
            .provide_credentials()
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(self.file(), before, "the token file changed: {err}");
        assert_no_secret(&err);
        err
    }
}

const CONFIG: &str =
    "[profile web]\nlogin_session = arn:aws:iam::123456789012:user/alice\nregion = eu-west-1\n";

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Every secret a refresh handles: the refresh tokens, old and new, the credentials, old and
/// new, and the private key (each line of its body, and pieces of the line with the scalar).
fn secrets() -> Vec<String> {
    let mut all: Vec<String> = [
        "REFRESHzero",
        "signin-refresh-1",
        "signinSecret1",
        "signinSession1",
        "oldSecretKEY",
        "oldSessionTOKEN",
    ]
    .map(str::to_owned)
    .to_vec();
    let body: Vec<&str> = KEY.lines().filter(|l| !l.starts_with("-----")).collect();
    all.extend(body.iter().map(|l| (*l).to_owned()));
    let first = body[0].as_bytes();
    all.extend(
        first
            .chunks_exact(10)
            .map(|c| String::from_utf8(c.to_vec()).unwrap()),
    );
    all
}

fn assert_no_secret(text: &str) {
    for secret in secrets() {
        assert!(!text.contains(&secret), "{secret} in {text}");
    }
}

#[tokio::test]
async fn an_expiring_session_is_refreshed_and_written_back() {
    let s = Login::new(CONFIG);
    s.write_token(3, "refresh-0");
    let creds = s.provider("web").provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIASIGNIN1");
    assert_eq!(creds.secret_access_key().expose(), "signinSecret1");
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(s.fake.issued(), 1);
    let text = std::fs::read_to_string(s.token_path()).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["refreshToken"], "signin-refresh-1");
    assert_eq!(file["accessToken"]["accessKeyId"], "ASIASIGNIN1");
    assert_eq!(file["idToken"], "id.token.jwt");
    assert!(text.starts_with(r#"{"accessToken": {"accessKeyId": "ASIASIGNIN1", "secretAccessKey": "signinSecret1", "sessionToken": "signinSession1", "accountId": "123456789012", "expiresAt": ""#), "{text}");
    // No mode bits on Windows: the CLI's 0o600 sets none there either.
    #[cfg(unix)]
    assert_eq!(mode(&s.token_path()), 0o600);
    // Fresh now: no second call.
    let again = s.provider("web").provide_credentials().await.unwrap();
    assert_eq!(again.access_key_id(), "ASIASIGNIN1");
    assert_eq!(s.fake.issued(), 1);
}

#[tokio::test]
async fn the_rewrite_is_json_dumps_of_the_updated_file() {
    let s = Login::new(CONFIG);
    s.fake.accept_refresh_token("REFRESHzero", CLIENT);
    s.fake.set_expires_in(3600);
    let key = serde_json::to_string(KEY).unwrap();
    // Compact, with unknown keys before and after the known ones, a nested object, an extra
    // key inside `accessToken`, non-ASCII text, a float written with an exponent, the
    // widest 64-bit integers and the optional `signInRegion`.
    let before = format!(
        "{{\"zeta\":{{\"b\":[1,2.5,true,null,\"x/y\",\"tab\\there\"],\"a\":{{\"z\":\"\u{e9}\u{2028}\",\"y\":-0.0,\"x\":{{}}}}}},\
         \"accessToken\":{{\"accessKeyId\":\"ASIAOLD\",\"secretAccessKey\":\"oldSecretKEY\",\"sessionToken\":\"oldSessionTOKEN\",\
         \"accountId\":\"123456789012\",\"expiresAt\":\"2026-03-01T12:03:00Z\",\"inner\":\"dropped\"}},\
         \"tokenType\":\"aws_sigv4\",\"clientId\":\"{CLIENT}\",\"refreshToken\":\"REFRESHzero\",\"idToken\":\"id.token.jwt\",\
         \"dpopKey\":{key},\"signInRegion\":\"eu-west-1\",\"big\":[12345678901234567890,-9223372036854775808],\"e\":1e5,\"tail\":[]}}"
    );
    s.write_raw(&before);
    let creds = s.provider("web").provide_credentials().await.unwrap();
    // What botocore writes from the same file and answer (`token.update(...)` then
    // `json.dumps`; checked with the venv's Python 3.11): every other key in its place, the
    // account kept, `inner` gone with the old `accessToken`, `expiresAt` = now (whole
    // seconds) + expiresIn.
    let want = format!(
        "{{\"zeta\": {{\"b\": [1, 2.5, true, null, \"x/y\", \"tab\\there\"], \"a\": {{\"z\": \"\\u00e9\\u2028\", \"y\": -0.0, \"x\": {{}}}}}}, \
         \"accessToken\": {{\"accessKeyId\": \"ASIASIGNIN1\", \"secretAccessKey\": \"signinSecret1\", \"sessionToken\": \"signinSession1\", \
         \"accountId\": \"123456789012\", \"expiresAt\": \"2026-03-01T13:00:00Z\"}}, \
         \"tokenType\": \"aws_sigv4\", \"clientId\": \"{CLIENT}\", \"refreshToken\": \"signin-refresh-1\", \"idToken\": \"id.token.jwt\", \
         \"dpopKey\": {key}, \"signInRegion\": \"eu-west-1\", \"big\": [12345678901234567890, -9223372036854775808], \"e\": 100000.0, \"tail\": []}}"
    );
    assert_eq!(String::from_utf8(s.file()).unwrap(), want);
    // No mode bits on Windows: the CLI's 0o600 sets none there either.
    #[cfg(unix)]
    assert_eq!(mode(&s.token_path()), 0o600);
    assert_eq!(
        creds.expiration(),
        timestamp::parse("2026-03-01T13:00:00Z"),
        "the credentials expire when the file says"
    );
    assert_eq!(
        creds.session_token().map(Secret::expose),
        Some("signinSession1")
    );
    // Nothing else is left in the cache directory (no temporary file, no lock).
    let names: Vec<String> = std::fs::read_dir(s.token_path().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[tokio::test]
async fn the_service_is_called_in_the_last_five_minutes_only() {
    // More than 5 minutes left: the cached credentials (between 5 and 10 minutes the CLI's
    // fetcher loads the key and hands back the token without calling the service).
    for minutes in [20, 12, 7, 6] {
        let s = Login::new(CONFIG);
        s.write_token(minutes, "REFRESHzero");
        let creds = s.provider("web").provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "ASIAOLD", "{minutes} minutes");
        assert!(s.fake.requests().is_empty(), "{minutes} minutes");
    }
    // Five minutes or less (botocore refreshes unless more than 300 s remain), or expired,
    // long ago too: one call.
    for minutes in [5, 4, 0, -1, -600] {
        let s = Login::new(CONFIG);
        s.write_token(minutes, "REFRESHzero");
        let creds = s.provider("web").provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "ASIASIGNIN1", "{minutes} minutes");
        assert_eq!(s.fake.requests().len(), 1, "{minutes} minutes");
        assert_eq!(s.fake.issued(), 1, "{minutes} minutes");
    }
    // The edge, with the clock at NOW + 0.7 s: botocore calls unless more than 300 s remain.
    for (expires_at, calls) in [
        ("2026-03-01T12:05:00.701Z", 0),
        ("2026-03-01T12:05:00.700Z", 1),
    ] {
        let s = Login::new(CONFIG);
        s.write_token_with(0, "REFRESHzero", |t| {
            t["accessToken"]["expiresAt"] = json!(expires_at);
        });
        s.provider("web").provide_credentials().await.unwrap();
        assert_eq!(s.fake.requests().len(), calls, "{expires_at}");
    }
}

/// An HTTP client that records where requests go and answers every one with fresh credentials,
/// so the regional endpoint can be seen without leaving the machine.
#[derive(Debug, Default)]
struct Recorder {
    uris: Mutex<Vec<String>>,
}

impl HttpClient for Recorder {
    fn send(
        &self,
        request: HttpRequest,
        _timeouts: Timeouts,
    ) -> BoxFuture<'_, Result<HttpResponse, HttpError>> {
        self.uris.lock().unwrap().push(request.uri().to_string());
        let body = json!({
            "accessToken": {"accessKeyId": "ASIARECORDED", "secretAccessKey": "s", "sessionToken": "t"},
            "refreshToken": "r2", "expiresIn": 900,
        });
        Box::pin(async move { Ok(http::Response::new(body.to_string().into_bytes())) })
    }
}

#[tokio::test]
async fn the_tokens_sign_in_region_wins_over_the_profiles() {
    // (signInRegion in the token, the URL called) with the profile in eu-west-1.
    let cases = [
        (
            Some("ap-south-2"),
            "https://ap-south-2.signin.aws.amazon.com/v1/token",
        ),
        (None, "https://eu-west-1.signin.aws.amazon.com/v1/token"),
        // botocore: `if sign_in_region:`, so an empty one is none.
        (Some(""), "https://eu-west-1.signin.aws.amazon.com/v1/token"),
        (
            Some("cn-north-1"),
            "https://cn-north-1.signin.amazonaws.cn/v1/token",
        ),
    ];
    for (sign_in_region, url) in cases {
        let s = Login::with(CONFIG, &[("AWS_ENDPOINT_URL_SIGNIN", "")]);
        s.write_token_with(2, "REFRESHzero", |t| {
            if let Some(r) = sign_in_region {
                t["signInRegion"] = json!(r);
            }
        });
        let recorder = Arc::new(Recorder::default());
        let creds = s
            .provider_with("web", recorder.clone())
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(creds.access_key_id(), "ASIARECORDED");
        assert_eq!(*recorder.uris.lock().unwrap(), [url], "{sign_in_region:?}");
        assert_eq!(s.json()["signInRegion"], json!(sign_in_region), "kept");
    }
}

#[tokio::test]
async fn without_a_region_nothing_is_called() {
    let config = "[profile web]\nlogin_session = arn:aws:iam::123456789012:user/alice\n";
    // With the endpoint configured (botocore still raises NoRegionError: checked) and without.
    for endpoint in [None, Some("")] {
        let vars: Vec<(&str, &str)> = endpoint
            .map(|e| ("AWS_ENDPOINT_URL_SIGNIN", e))
            .into_iter()
            .collect();
        let s = Login::with(config, &vars);
        s.write_token(2, "REFRESHzero");
        let before = s.file();
        let recorder = Arc::new(Recorder::default());
        let err = s
            .provider_with("web", recorder.clone())
            .provide_credentials()
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("You must specify a region."), "{err}");
        assert!(
            err.contains(SESSION) && err.contains("profile web"),
            "{err}"
        );
        assert!(recorder.uris.lock().unwrap().is_empty());
        assert!(s.fake.requests().is_empty());
        assert_eq!(s.file(), before);
    }
    // No signInRegion but a region in the profile, or in AWS_REGION: refreshed.
    for (config, vars) in [
        (CONFIG, &[][..]),
        (config, &[("AWS_REGION", "us-east-2")][..]),
    ] {
        let s = Login::with(config, vars);
        s.write_token(2, "REFRESHzero");
        let creds = s.provider("web").provide_credentials().await.unwrap();
        assert_eq!(creds.access_key_id(), "ASIASIGNIN1");
    }
}

#[tokio::test]
async fn refusals_give_the_clis_messages() {
    let expired = "Your session has expired or credentials have changed. Please reauthenticate \
                   using 'aws login'.";
    let cases = [
        ("TOKEN_EXPIRED", expired),
        ("USER_CREDENTIALS_CHANGED", expired),
        (
            "INSUFFICIENT_PERMISSIONS",
            "Unable to create or refresh login credentials due to insufficient permissions. \
             You may be missing permission for the 'signin:CreateOAuth2Token' action.",
        ),
        (
            "SOMETHING_NEW",
            "An unspecified error happened when resolving AWS credentials or refreshing a \
             login session profile.",
        ),
    ];
    for (code, sentence) in cases {
        let s = Login::new(CONFIG);
        s.write_token(2, "REFRESHzero");
        s.fake.deny_with(code);
        let err = s.refresh_error("web").await;
        assert!(err.contains(sentence), "{code}: {err}");
        assert!(err.contains(code), "{code}: what the service said: {err}");
        assert!(err.contains(SESSION), "{err}");
        assert!(err.contains("profile web"), "{err}");
        assert!(err.contains(&s.token_path().display().to_string()), "{err}");
        assert_eq!(
            s.fake.requests().len(),
            1,
            "{code}: a refusal is not retried"
        );
        // The other sentences are not given.
        for (_, other) in cases.iter().filter(|(_, o)| *o != sentence) {
            assert!(!err.contains(other), "{code}: {err}");
        }
    }
}

/// The `jti` claim of a DPoP proof.
fn jti(proof: &str) -> String {
    let payload = proof.split('.').nth(1).expect("a compact JWS");
    let claims: Value = serde_json::from_slice(&base64_decode(payload)).unwrap();
    claims["jti"].as_str().unwrap().to_owned()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 or base64url, padded or not.
fn base64_decode(text: &str) -> Vec<u8> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        let c = match c {
            b'-' => b'+',
            b'_' => b'/',
            c => c,
        };
        let v = B64.iter().position(|b| *b == c).expect("base64") as u32;
        bits = bits << 6 | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out
}

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn transient_failures_are_retried_with_a_fresh_proof_each_time() {
    let s = Login::new(CONFIG);
    s.write_token(2, "REFRESHzero");
    s.fake.fail_next(&[
        (500, "InternalServerException"),
        (503, "ServiceUnavailableException"),
    ]);
    let creds = s.provider("web").provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIASIGNIN1");
    let requests = s.fake.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(s.fake.issued(), 1);
    let mut jtis: Vec<String> = requests
        .iter()
        .map(|r| jti(r.header("dpop").expect("a DPoP header")))
        .collect();
    jtis.sort();
    jtis.dedup();
    assert_eq!(jtis.len(), 3, "one proof per attempt");
    // The same body each time.
    assert!(requests.iter().all(|r| r.body == requests[0].body));

    // Three failures: the last one's error, the file untouched.
    let s = Login::new(CONFIG);
    s.write_token(2, "REFRESHzero");
    s.fake.fail_next(&[
        (500, "InternalServerException"),
        (503, "ServiceUnavailableException"),
        (500, "InternalServerException"),
    ]);
    let err = s.refresh_error("web").await;
    assert!(err.contains("CreateOAuth2Token"), "{err}");
    assert!(err.contains("500"), "{err}");
    assert_eq!(s.fake.requests().len(), 3);
    assert_eq!(s.fake.issued(), 0);
    // The refresh token was never spent: a later try succeeds.
    let creds = s.provider("web").provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIASIGNIN1");

    // A client error is final.
    let s = Login::new(CONFIG);
    s.write_token(2, "REFRESHzero");
    s.fake.fail_next(&[(400, "ValidationException")]);
    let err = s.refresh_error("web").await;
    assert!(
        err.contains("CreateOAuth2Token") && err.contains("400"),
        "{err}"
    );
    assert_eq!(s.fake.requests().len(), 1);
}

#[tokio::test]
async fn invalid_answers_are_clear_errors_that_quote_nothing() {
    let cases = [
        ("BODYSECRET is not JSON", "not valid JSON"),
        ("[\"BODYSECRET\"]", "not a JSON object"),
        (
            r#"{"tokenType": "aws_sigv4", "expiresIn": 900, "refreshToken": "BODYSECRET"}"#,
            "no object `accessToken`",
        ),
        (
            r#"{"accessToken": {"accessKeyId": "AKBODYSECRET", "sessionToken": "BODYSECRET"}, "refreshToken": "BODYSECRET2", "expiresIn": 900}"#,
            "`accessToken.secretAccessKey`",
        ),
        (
            r#"{"accessToken": {"accessKeyId": "AKBODYSECRET", "secretAccessKey": "BODYSECRET", "sessionToken": "BODYSECRET"}, "refreshToken": "BODYSECRET2", "expiresIn": -5}"#,
            "`expiresIn`",
        ),
        (
            r#"{"accessToken": {"accessKeyId": "AKBODYSECRET", "secretAccessKey": "BODYSECRET", "sessionToken": "BODYSECRET"}, "refreshToken": "BODYSECRET2"}"#,
            "`expiresIn`",
        ),
        (
            r#"{"accessToken": {"accessKeyId": "AKBODYSECRET", "secretAccessKey": "BODYSECRET", "sessionToken": "BODYSECRET"}, "expiresIn": 900}"#,
            "`refreshToken`",
        ),
    ];
    for (body, why) in cases {
        let answer = body.to_owned();
        let server = FakeServer::start(move |_| {
            Reply::ok(answer.clone()).with_header("content-type", "application/json")
        });
        let url = server.url();
        let s = Login::with(CONFIG, &[("AWS_ENDPOINT_URL_SIGNIN", url.as_str())]);
        s.write_token(2, "REFRESHzero");
        let err = s.refresh_error("web").await;
        assert!(err.contains("CreateOAuth2Token"), "{body}: {err}");
        assert!(err.contains(&url), "{body}: {err}");
        assert!(err.contains(why), "{body}: {err}");
        assert!(!err.contains("BODYSECRET"), "{body}: {err}");
        assert_eq!(
            server.requests().len(),
            1,
            "{body}: an answer is not retried"
        );
    }
}

#[tokio::test]
async fn a_refresh_token_bound_to_another_key_is_refused() {
    let s = Login::new(CONFIG);
    s.write_token(2, "REFRESHzero");
    s.provider("web").provide_credentials().await.unwrap();
    // `signin-refresh-1` is now bound to KEY. A second P-256 key, as PKCS#8 PEM.
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &rng,
    )
    .unwrap();
    let body = base64_encode(pkcs8.as_ref());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let other_key = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    let mut token = s.json();
    token["dpopKey"] = json!(other_key);
    token["accessToken"]["expiresAt"] = json!(in_minutes(&s.env, -1));
    s.write_json(&token);
    let err = s.refresh_error("web").await;
    assert!(err.contains("CreateOAuth2Token"), "{err}");
    assert!(
        err.contains("not the key the refresh token is bound to"),
        "{err}"
    );
    assert!(!err.contains(&lines[1][..20]), "{err}");
    assert_eq!(s.fake.issued(), 1);
    // The other key itself is fine: with a refresh token of its own, the refresh works.
    s.fake.accept_refresh_token("fresh-token", CLIENT);
    token["refreshToken"] = json!("fresh-token");
    s.write_json(&token);
    let creds = s.provider("web").provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIASIGNIN2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_processes_at_once_make_one_call() {
    let s = Login::new(CONFIG);
    s.write_token(2, "REFRESHzero");
    // Slow answers keep the others waiting on the lock while the first refreshes.
    s.fake.set_delay(Duration::from_millis(100));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            // Each with its own client, as separate processes.
            let http: Arc<dyn HttpClient> = Arc::new(HyperClient::new(&s.env));
            let provider = s.provider_with("web", http);
            tokio::spawn(async move { provider.provide_credentials().await })
        })
        .collect();
    for task in tasks {
        let creds = task.await.unwrap().unwrap();
        assert_eq!(creds.access_key_id(), "ASIASIGNIN1");
        assert_eq!(creds.secret_access_key().expose(), "signinSecret1");
    }
    assert_eq!(s.fake.issued(), 1);
    assert_eq!(s.fake.requests().len(), 1);
    assert_eq!(s.json()["refreshToken"], "signin-refresh-1");
    let names: Vec<String> = std::fs::read_dir(s.token_path().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".lock")), "{names:?}");
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn no_secret_in_errors_debug_or_logs() {
    let s = Login::new(CONFIG);
    s.write_token(2, "REFRESHzero");
    s.fake.fail_next(&[(500, "InternalServerException")]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let provider = s.provider("web");
    let (creds, log) = capture_trace(|| runtime.block_on(provider.provide_credentials()));
    let creds = creds.unwrap();
    assert_eq!(creds.secret_access_key().expose(), "signinSecret1");
    assert_eq!(s.fake.requests().len(), 2);
    // The capture saw the refresh (the retry of the 500 is logged).
    assert!(log.contains("CreateOAuth2Token"), "{log}");
    assert_no_secret(&log);
    assert_no_secret(&format!("{provider:?}"));
    assert_no_secret(&format!("{creds:?}"));
    // A refusal after the rotation: its message, and the logs while making it.
    s.fake.deny_with("TOKEN_EXPIRED");
    let mut token = s.json();
    token["accessToken"]["expiresAt"] = json!(in_minutes(&s.env, -1));
    s.write_json(&token);
    let (err, log) = capture_trace(|| runtime.block_on(provider.provide_credentials()));
    let err = err.unwrap_err();
    assert_no_secret(&err.to_string());
    assert_no_secret(&format!("{err:?}"));
    assert_no_secret(&log);
}

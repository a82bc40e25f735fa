//! The sign-in service's answer to a `CreateOAuth2Token` refresh of an `aws login` session: a
//! provider whose cached credentials expire in a minute refreshes through an in-process HTTP
//! client that answers the input. A first byte of 0x80 or more picks the status from
//! [`STATUSES`] (the rest is the body); else the status is 200 and the whole input is the body.
//!
//! Invariants: no panic; each attempt sends the file's refresh token with a fresh DPoP proof; on
//! error, the message never quotes the body nor a secret of the file, and the file is left as it
//! was; on success, the credentials are the answer's, their `Debug` does not change when their
//! secrets change, and the token file is valid JSON with the answer's credentials and refresh
//! token, its other keys unchanged and in their places. The service is called holding the token
//! file's lock (`<file>.lock`, made by `MemFs::create_new`), and no lock is left behind.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use awscred_core::clock::ManualClock;
use awscred_core::fs::{Fs, MemFs, ReadLimit};
use awscred_core::http::{HttpClient, HttpError, HttpRequest, HttpResponse, StatusCode, Timeouts};
use awscred_core::provider::BoxFuture;
use awscred_core::retry::RetryConfig;
use awscred_core::{Credentials, Env, ProvideCredentials, Secret, timestamp};
use awscred_login::{LoginSessionProvider, login_token_path};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

/// The fixed clock: 2026-11-28T09:00:00Z.
const NOW: u64 = 1_795_856_400;
/// 1 minute after [`NOW`]: a refresh is due.
const EXPIRY: &str = "2026-11-28T09:01:00Z";
const ENDPOINT: &str = "http://127.0.0.1:1";
/// The cross-SDK suite's key (login-provider-test-cases.json).
const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\n\
    MHcCAQEEIPt/u8InPLpQeQLJTvVX+sNDzni8vMDMt3Liu+nMBigfoAoGCCqGSM49\n\
    AwEHoUQDQgAEILkGG7rNOnxiIJlMgimY1UPP8eDMFP0DAY6WGjngP4bvTAiUCQ/I\n\
    ffut2379uP+OBCm2ovGpBOJRgrl1RspUOQ==\n-----END EC PRIVATE KEY-----\n";
/// The token file's secrets: no error may show them.
const SECRETS: [&str; 5] = [
    "SECREToldKEY",
    "SESSIONoldTOKEN",
    "REFRESHoldTOKEN",
    "IDoldTOKEN",
    "u8InPLpQeQLJ",
];
/// The token file's top-level keys, in its order (kept by the rewrite, as botocore's update).
const KEYS: [&str; 7] = [
    "accessToken",
    "tokenType",
    "refreshToken",
    "idToken",
    "clientId",
    "dpopKey",
    "extra",
];
/// Statuses the first byte picks from: successes, redirects, client and server errors (the
/// last retried).
const STATUSES: [u16; 16] = [
    200, 201, 204, 299, 300, 304, 400, 401, 403, 404, 408, 429, 500, 502, 503, 504,
];
/// Two attempts, so that retried answers are fuzzed too; the paused runtime makes the backoff
/// free.
const RETRY: RetryConfig = RetryConfig::new(2, Duration::from_millis(1), Duration::from_millis(1));

/// The token file, its keys in [`KEYS`]' order (a `json!` object would sort them).
fn token_file() -> String {
    let key = serde_json::to_string(KEY).expect("a JSON string");
    format!(
        r#"{{"accessToken": {{"accessKeyId": "ASIAOLD", "secretAccessKey": "SECREToldKEY", "sessionToken": "SESSIONoldTOKEN", "accountId": "123456789012", "expiresAt": "{EXPIRY}"}}, "tokenType": "aws_sigv4", "refreshToken": "REFRESHoldTOKEN", "idToken": "IDoldTOKEN", "clientId": "arn:aws:signin:::devtools/same-device", "dpopKey": {key}, "extra": {{"kept": [1, 2.5, null, "\u00e9"]}}}}"#
    )
}

/// The sign-in service in process: every request gets `status` and `body`; the requests' bodies
/// and `DPoP` headers are kept for the checks. `lock` is the token file's lock, which must be
/// held (present in `fs`) while the service is called.
#[derive(Debug)]
struct Signin {
    status: StatusCode,
    body: Vec<u8>,
    requests: Mutex<Vec<(Vec<u8>, String)>>,
    fs: Arc<MemFs>,
    lock: PathBuf,
}

impl HttpClient for Signin {
    fn send(
        &self,
        request: HttpRequest,
        _timeouts: Timeouts,
    ) -> BoxFuture<'_, Result<HttpResponse, HttpError>> {
        assert_eq!(request.method(), "POST");
        assert_eq!(request.uri().to_string(), format!("{ENDPOINT}/v1/token"));
        assert!(
            self.fs.read(&self.lock, ReadLimit::LOCK).is_ok(),
            "the service is called without the token file's lock"
        );
        let proof = request
            .headers()
            .get("dpop")
            .and_then(|v| v.to_str().ok())
            .expect("a DPoP header")
            .to_owned();
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((request.body().clone(), proof));
        let mut response = HttpResponse::new(self.body.clone());
        *response.status_mut() = self.status;
        Box::pin(async move { Ok(response) })
    }
}

/// Text the messages cannot spell by themselves (long, with a character no message has), so
/// that finding it in one proves a quotation.
fn distinctive(text: &str) -> bool {
    text.len() >= 24 && text.chars().any(|c| !c.is_ascii() || c.is_ascii_control())
}

/// Every string in a JSON value, keys included.
fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k);
                strings(v, out);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data.split_first() {
        Some((&first, rest)) if first >= 0x80 => (STATUSES[usize::from(first & 15)], rest),
        _ => (200, data),
    };
    let fs = Arc::new(MemFs::default());
    let env = Env::from_vars([
        ("HOME", "/h"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_SIGNIN", ENDPOINT),
    ])
    .with_fs(fs.clone())
    .with_clock(Arc::new(ManualClock::new(
        UNIX_EPOCH + Duration::from_secs(NOW),
    )));
    let path = login_token_path(&env, "fuzz").expect("HOME is set");
    let before = token_file();
    fs.insert(path.clone(), before.clone());
    let mut lock = path.clone().into_os_string();
    lock.push(".lock");
    let lock = PathBuf::from(lock);
    let signin = Arc::new(Signin {
        status: StatusCode::from_u16(status).expect("a valid status"),
        body: body.to_vec(),
        requests: Mutex::new(Vec::new()),
        fs: fs.clone(),
        lock: lock.clone(),
    });
    let provider = LoginSessionProvider::from_parts(env, "p", "fuzz")
        .with_http(signin.clone())
        .with_retry(RETRY);
    let outcome = awscred_fuzz::paused_runtime().block_on(provider.provide_credentials());

    check_requests(&signin);
    assert!(
        fs.read(&lock, ReadLimit::LOCK).is_err(),
        "the lock file is left behind"
    );
    let after = String::from_utf8(
        fs.read(&path, ReadLimit::CACHE_ENTRY)
            .expect("the token file"),
    )
    .expect("UTF-8");
    let answer = serde_json::from_slice::<Value>(body).ok();
    match outcome {
        Ok(creds) => succeeded(&creds, answer.as_ref(), &after),
        Err(e) => {
            let message = e.to_string();
            if let Ok(text) = std::str::from_utf8(body)
                && distinctive(text)
            {
                assert!(
                    !message.contains(text),
                    "the body is quoted in an error: {message}"
                );
            }
            let mut quoted = Vec::new();
            if let Some(answer) = &answer {
                strings(answer, &mut quoted);
            }
            for secret in SECRETS {
                // The service's own message is shown: it may spell anything.
                if !quoted.iter().any(|s| s.contains(secret)) {
                    assert!(!message.contains(secret), "{secret} in an error: {message}");
                }
            }
            // A 2xx answer's strings are never shown (they are credentials).
            if (200..300).contains(&status) {
                for text in quoted.into_iter().filter(|t| distinctive(t)) {
                    assert!(!message.contains(text), "the answer is quoted: {message}");
                }
            }
            assert_eq!(after, before, "a failed refresh changed the token file");
        }
    }
});

/// One or two attempts, each with the file's refresh token and its own proof.
fn check_requests(signin: &Signin) {
    let requests = signin.requests.lock().unwrap_or_else(|p| p.into_inner());
    assert!(
        (1..=2).contains(&requests.len()),
        "{} attempts",
        requests.len()
    );
    for (body, _) in requests.iter() {
        let body: Value = serde_json::from_slice(body).expect("a JSON request");
        assert_eq!(
            body,
            json!({
                "clientId": "arn:aws:signin:::devtools/same-device",
                "refreshToken": "REFRESHoldTOKEN",
                "grantType": "refresh_token",
            })
        );
    }
    if let [(_, first), (_, second)] = &requests[..] {
        assert_ne!(first, second, "a DPoP proof is reused");
    }
}

fn succeeded(creds: &Credentials, answer: Option<&Value>, after: &str) {
    let answer = answer
        .and_then(Value::as_object)
        .expect("a refresh succeeded on an answer that is not a JSON object");
    let access = answer["accessToken"]
        .as_object()
        .expect("an accessToken object");
    let text = |map: &Map<String, Value>, key: &str| map[key].as_str().expect(key).to_owned();
    assert_eq!(creds.access_key_id(), text(access, "accessKeyId"));
    assert_eq!(
        creds.secret_access_key().expose(),
        text(access, "secretAccessKey")
    );
    assert_eq!(
        creds.session_token().map(Secret::expose),
        Some(text(access, "sessionToken").as_str())
    );
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(creds.provider(), "login");
    let expiration = creds.expiration().expect("an expiry");
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    assert!(
        expiration >= now && expiration <= now + Duration::from_secs(366 * 86_400),
        "expiry {expiration:?}"
    );

    let swapped = awscred_fuzz::with_secrets_changed(creds);
    // `Credentials::new` drops the origin: compare with the same.
    let plain = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key().clone(),
        creds.session_token().cloned(),
        creds.expiration(),
        creds.provider(),
    )
    .with_account_id(creds.account_id().map(str::to_owned));
    assert_eq!(
        format!("{plain:?}"),
        format!("{swapped:?}"),
        "a secret shows in Debug"
    );

    let file: Value = serde_json::from_str(after).expect("the token file is JSON");
    let old: Value = serde_json::from_str(&token_file()).expect("JSON");
    assert_eq!(file["dpopKey"], KEY);
    assert_eq!(file["refreshToken"], answer["refreshToken"]);
    for key in ["tokenType", "idToken", "clientId", "extra"] {
        assert_eq!(file[key], old[key], "{key} changed");
    }
    let written = &file["accessToken"];
    for key in ["accessKeyId", "secretAccessKey", "sessionToken"] {
        assert_eq!(written[key], access[key], "accessToken.{key}");
    }
    assert_eq!(written["accountId"], "123456789012");
    assert_eq!(
        written["expiresAt"].as_str(),
        Some(timestamp::format_z(expiration).as_str())
    );
    // Python's `json.dumps` separators: `"key": `, which no escaped string value can spell.
    let places: Vec<usize> = KEYS
        .iter()
        .map(|k| after.find(&format!("\"{k}\": ")).expect(k))
        .collect();
    assert!(places.is_sorted(), "keys moved: {after}");
}

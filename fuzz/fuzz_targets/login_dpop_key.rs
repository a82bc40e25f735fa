//! The `dpopKey` of an `aws login` token file (a P-256 key in PEM, SEC1 or PKCS#8), read by
//! `LoginSessionProvider::load` when the cached credentials expire in 5 to 10 minutes. The input
//! is tried three ways: as the key text itself, wrapped in `BEGIN/END EC PRIVATE KEY` lines, and
//! (so that mutations reach the DER parser directly) as raw DER, base64-encoded and wrapped.
//!
//! Invariants: no panic; a key that does not load fails with the CLI's "Unable to load private
//! key" and never quotes the key; a key that loads gives the file's credentials, and signs a DPoP
//! proof that verifies against the public key it puts in the proof (checked through a refresh).
#![no_main]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_core::clock::ManualClock;
use awscred_core::fs::MemFs;
use awscred_core::http::{HttpClient, HttpError, HttpRequest, HttpResponse, Timeouts};
use awscred_core::provider::BoxFuture;
use awscred_core::retry::RetryConfig;
use awscred_core::{Env, ProvideCredentials, Secret};
use awscred_login::{LoginSessionProvider, login_token_path};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use libfuzzer_sys::fuzz_target;
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use serde_json::{Value, json};

/// The fixed clock: 2026-11-28T09:00:00Z.
const NOW: u64 = 1_795_856_400;
/// 7 minutes after [`NOW`]: in the window where `load` checks the key.
const KEY_CHECK_EXPIRY: &str = "2026-11-28T09:07:00Z";
/// 1 minute after [`NOW`]: a refresh is due.
const REFRESH_EXPIRY: &str = "2026-11-28T09:01:00Z";
const ENDPOINT: &str = "http://127.0.0.1:1";
const ANSWER: &str = r#"{"accessToken":{"accessKeyId":"ASIANEW","secretAccessKey":"SECRETnewKEY","sessionToken":"SESSIONnewTOKEN"},"tokenType":"aws_sigv4","expiresIn":900,"refreshToken":"REFRESHnewTOKEN"}"#;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn token_file(expires_at: &str, key: &str) -> String {
    json!({
        "accessToken": {
            "accessKeyId": "ASIAOLD",
            "secretAccessKey": "SECREToldKEY",
            "sessionToken": "SESSIONoldTOKEN",
            "accountId": "123456789012",
            "expiresAt": expires_at,
        },
        "tokenType": "aws_sigv4",
        "refreshToken": "REFRESHoldTOKEN",
        "idToken": "IDoldTOKEN",
        "clientId": "arn:aws:signin:::devtools/same-device",
        "dpopKey": key,
    })
    .to_string()
}

fn provider(expires_at: &str, key: &str) -> LoginSessionProvider {
    let fs = Arc::new(MemFs::default());
    let env = Env::from_vars([
        ("HOME", "/h"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_SIGNIN", ENDPOINT),
    ])
    .with_fs(fs.clone())
    .with_clock(Arc::new(ManualClock::new(now())));
    let path = login_token_path(&env, "fuzz").expect("HOME is set");
    fs.insert(path, token_file(expires_at, key));
    LoginSessionProvider::from_parts(env, "p", "fuzz")
}

/// Text the messages cannot spell by themselves, so that finding it in one proves a quotation:
/// long enough, and either holding characters no message has (non-ASCII, control), or a run of
/// the base64 alphabet with an upper-case letter, `+` or `=` (the only long runs of that alphabet
/// in a message are in the token file's path, `cache/<SHA-256 hex>.json`, all lower case).
fn distinctive(text: &str) -> bool {
    let foreign = text.chars().any(|c| !c.is_ascii() || c.is_ascii_control());
    let base64 = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        && text
            .chars()
            .any(|c| c.is_ascii_uppercase() || matches!(c, '+' | '='));
    text.len() >= 24 && (foreign || base64)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let wrapped = format!("-----BEGIN EC PRIVATE KEY-----\n{text}\n-----END EC PRIVATE KEY-----\n");
    let encoded = STANDARD.encode(data);
    let mut der = String::from("-----BEGIN EC PRIVATE KEY-----\n");
    for line in encoded.as_bytes().chunks(64) {
        der.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        der.push('\n');
    }
    der.push_str("-----END EC PRIVATE KEY-----\n");
    check(&text, &[&text]);
    check(&wrapped, &[&wrapped, &text]);
    check(&der, &[&der, &encoded]);
});

/// Loads `key` in the key-check window; `quotable` are the texts no error may contain.
fn check(key: &str, quotable: &[&str]) {
    match provider(KEY_CHECK_EXPIRY, key).load() {
        Ok(creds) => {
            assert_eq!(creds.access_key_id(), "ASIAOLD");
            assert_eq!(creds.secret_access_key().expose(), "SECREToldKEY");
            assert_eq!(
                creds.session_token().map(Secret::expose),
                Some("SESSIONoldTOKEN")
            );
            assert_eq!(creds.account_id(), Some("123456789012"));
            signs(key);
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("Unable to load private key from cached token."),
                "a key that does not load gives another error: {message}"
            );
            for text in quotable {
                if distinctive(text) {
                    assert!(
                        !message.contains(text),
                        "the key is quoted in an error: {message}"
                    );
                }
            }
        }
    }
}

/// A key that loads: a refresh with it sends DPoP proofs that verify.
fn signs(key: &str) {
    let signin = Arc::new(Signin::default());
    let provider = provider(REFRESH_EXPIRY, key)
        .with_http(signin.clone())
        .with_retry(RetryConfig::new(
            1,
            Duration::from_millis(1),
            Duration::from_millis(1),
        ));
    let creds = awscred_fuzz::paused_runtime()
        .block_on(provider.provide_credentials())
        .unwrap_or_else(|e| panic!("a key that loads does not refresh: {e}"));
    assert_eq!(creds.access_key_id(), "ASIANEW");
    let proofs = signin.proofs.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(proofs.len(), 1, "one attempt, one proof");
    verify(&proofs[0]);
}

/// The sign-in service in process: every request is answered with [`ANSWER`]; the `DPoP`
/// headers are kept for [`verify`].
#[derive(Debug, Default)]
struct Signin {
    proofs: Mutex<Vec<String>>,
}

impl HttpClient for Signin {
    fn send(
        &self,
        request: HttpRequest,
        _timeouts: Timeouts,
    ) -> BoxFuture<'_, Result<HttpResponse, HttpError>> {
        assert_eq!(request.uri().to_string(), format!("{ENDPOINT}/v1/token"));
        let proof = request
            .headers()
            .get("dpop")
            .and_then(|v| v.to_str().ok())
            .expect("a DPoP header")
            .to_owned();
        self.proofs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(proof);
        Box::pin(async { Ok(HttpResponse::new(ANSWER.as_bytes().to_vec())) })
    }
}

/// Checks a DPoP proof as the sign-in service does: an ES256 JWS over header and payload, by
/// the key of its `jwk`, for this request, issued now, with a UUID `jti`.
fn verify(proof: &str) {
    let parts: Vec<&str> = proof.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS: {proof}");
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).expect("base64url");
    let header: Value = serde_json::from_slice(&decode(parts[0])).expect("a JSON header");
    let payload: Value = serde_json::from_slice(&decode(parts[1])).expect("a JSON payload");
    assert_eq!(header["typ"], "dpop+jwt");
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["jwk"]["kty"], "EC");
    assert_eq!(header["jwk"]["crv"], "P-256");
    let coordinate = |name: &str| {
        let bytes = decode(header["jwk"][name].as_str().expect("a coordinate"));
        assert_eq!(bytes.len(), 32, "{name} is 32 bytes");
        bytes
    };
    let mut point = vec![4u8];
    point.extend(coordinate("x"));
    point.extend(coordinate("y"));
    assert_eq!(payload["htm"], "POST");
    assert_eq!(payload["htu"], format!("{ENDPOINT}/v1/token"));
    assert_eq!(payload["iat"], NOW);
    assert_eq!(payload["jti"].as_str().map(str::len), Some(36));
    let signature = decode(parts[2]);
    let signed = format!("{}.{}", parts[0], parts[1]);
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
        .verify(signed.as_bytes(), &signature)
        .expect("the proof verifies against its own jwk");
}

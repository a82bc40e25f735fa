//! A loopback fake of the sign-in service: the `aws login` browser sign-in (`authorize.rs`) and
//! `CreateOAuth2Token` with the authorization-code and refresh-token grants; the refresh is the
//! call that refreshes an `aws login` session. No emulator covers it, so this one follows the
//! service model (`signin` 2023-01-01, REST-JSON, `POST /v1/token`, the token input as the body,
//! the token output as the answer) and RFC 9449 for the `DPoP` proof, which it checks: an ES256
//! JWT of type `dpop+jwt` whose signature verifies with the JWK in its header, for `POST` to the
//! URL called, issued within five minutes, with a `jti` never seen before. Refresh tokens are
//! bound to the first key that presents them and rotated on every use, as the service does.
//! Refusals carry `x-amzn-ErrorType` and a body `{"error", "message"}`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use serde_json::{Value, json};

use crate::fake_http::{FakeServer, Reply, SeenRequest};

mod authorize;
pub use authorize::{browser_sign_in, verification_code};

#[derive(Debug, Default)]
struct State {
    /// Valid refresh token -> (client id, the key's public point once bound).
    refresh_tokens: HashMap<String, (String, Option<Vec<u8>>)>,
    jtis: HashSet<String>,
    issued: u64,
    expires_in: u64,
    deny_with: Option<String>,
    failures: VecDeque<(u16, String)>,
    delay: Duration,
    /// The time proofs are checked against, when not the real one.
    now: Option<i64>,
    /// Authorization codes of the `aws login` browser flow.
    auth: authorize::Authorizations,
    /// The `sub` of the ID tokens issued for them.
    session_arn: String,
}

/// The DPoP key of the cross-SDK suite's first case (login-provider-test-cases.json), a PEM EC
/// key in the form the CLI writes to `~/.aws/login/cache`: for token files the tests write.
pub fn suite_dpop_key() -> String {
    let path = crate::conformance_dir().join("smithy-rs/aws-config/login-provider-test-cases.json");
    let suite: Value = serde_json::from_slice(&std::fs::read(&path).expect("the suite")).unwrap();
    let cache = suite[0]["cacheContents"]
        .as_object()
        .expect("cacheContents");
    let (_, token) = cache.iter().next().expect("a token file");
    token["dpopKey"].as_str().expect("dpopKey").to_owned()
}

/// The fake service. Dropping it stops the server.
pub struct SigninFake {
    server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl SigninFake {
    /// Starts the fake on a fresh loopback port; issued credentials last 900 s, as the service's.
    pub fn start() -> SigninFake {
        let state = Arc::new(Mutex::new(State {
            expires_in: 900,
            session_arn: "arn:aws:sts::012345678901:assumed-role/Admin/admin".to_owned(),
            ..State::default()
        }));
        let handler_state = state.clone();
        let server = FakeServer::start(move |request| handle(&handler_state, request));
        SigninFake { server, state }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL_SIGNIN`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Makes `token` a valid refresh token of client `client_id`.
    pub fn accept_refresh_token(&self, token: &str, client_id: &str) {
        self.state()
            .refresh_tokens
            .insert(token.to_owned(), (client_id.to_owned(), None));
    }

    /// The lifetime of the credentials issued from now on (`expiresIn`).
    pub fn set_expires_in(&self, seconds: u64) {
        self.state().expires_in = seconds;
    }

    /// Refuses every refresh with `AccessDeniedException` and this `error` code
    /// (`TOKEN_EXPIRED`, `USER_CREDENTIALS_CHANGED`, `INSUFFICIENT_PERMISSIONS`).
    pub fn deny_with(&self, error: &str) {
        self.state().deny_with = Some(error.to_owned());
    }

    /// The next requests fail with these (status, exception name), before any check.
    pub fn fail_next(&self, failures: &[(u16, &str)]) {
        self.state()
            .failures
            .extend(failures.iter().map(|(s, e)| (*s, (*e).to_owned())));
    }

    /// Waits this long before answering each call (to widen races between processes).
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// Checks the proofs' `iat` against this Unix time instead of the real time (for callers
    /// on a fixed clock).
    pub fn set_now(&self, unix_secs: i64) {
        self.state().now = Some(unix_secs);
    }

    /// The session (`sub` of the ID token) that the browser sign-in issues tokens for; by
    /// default `arn:aws:sts::012345678901:assumed-role/Admin/admin`.
    pub fn set_session_arn(&self, arn: &str) {
        arn.clone_into(&mut self.state().session_arn);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.server.requests()
    }

    /// The `CreateOAuth2Token` calls that issued credentials.
    pub fn issued(&self) -> u64 {
        self.state().issued
    }

    /// The refresh tokens currently valid.
    pub fn valid_refresh_tokens(&self) -> Vec<String> {
        let mut tokens: Vec<String> = self.state().refresh_tokens.keys().cloned().collect();
        tokens.sort();
        tokens
    }
}

fn refusal(status: u16, exception: &str, error: &str, message: &str) -> Reply {
    let body = json!({ "error": error, "message": message }).to_string();
    Reply::status(status, body)
        .with_header("content-type", "application/json")
        .with_header("x-amzn-ErrorType", exception)
}

fn invalid(message: &str) -> Reply {
    refusal(400, "ValidationException", "INVALID_REQUEST", message)
}

fn handle(state: &Mutex<State>, request: &SeenRequest) -> Reply {
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    let delay = lock().delay;
    std::thread::sleep(delay);
    if let Some((status, exception)) = lock().failures.pop_front() {
        return refusal(status, &exception, "server_error", "scripted failure");
    }
    let host = request.header("host").unwrap_or_default().to_owned();
    if request.method == "GET" {
        return authorize::handle_get(&mut lock().auth, request, &format!("http://{host}"));
    }
    if request.method != "POST" || request.path() != "/v1/token" {
        return Reply::status(404, "{}")
            .with_header("x-amzn-ErrorType", "UnknownOperationException");
    }
    if request.header("content-type") != Some("application/json") {
        return invalid("content-type must be application/json");
    }
    let url = format!("http://{host}{}", request.target);
    let now = lock().now.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()) as i64
    });
    let public_key = match check_proof(request.header("dpop"), &url, now) {
        Ok(key) => key,
        Err(why) => return invalid(&format!("invalid DPoP proof: {why}")),
    };
    {
        let mut state = lock();
        let Some(jti) = jti_of(request.header("dpop")) else {
            return invalid("invalid DPoP proof: no jti");
        };
        if !state.jtis.insert(jti) {
            return invalid("invalid DPoP proof: jti replayed");
        }
    }
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return invalid("the body is not JSON");
    };
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if text("grantType") == "authorization_code" {
        let mut state = lock();
        return match authorize::redeem(&mut state.auth, &body) {
            Ok(client_id) => {
                let id_token = authorize::id_token(&state.session_arn, state.issued + 1);
                issue(&mut state, client_id, public_key, Some(id_token))
            }
            Err(code) => refusal(
                403,
                "AccessDeniedException",
                code,
                "the code cannot be redeemed",
            ),
        };
    }
    if text("grantType") != "refresh_token" {
        return refusal(
            400,
            "ValidationException",
            "unsupported_grant_type",
            "grantType",
        );
    }
    let mut state = lock();
    if let Some(error) = state.deny_with.clone() {
        return refusal(403, "AccessDeniedException", &error, "access denied");
    }
    let presented = text("refreshToken");
    let Some((client_id, bound)) = state.refresh_tokens.get(&presented).cloned() else {
        return refusal(
            403,
            "AccessDeniedException",
            "TOKEN_EXPIRED",
            "the refresh token is not valid",
        );
    };
    if client_id != text("clientId") {
        return refusal(400, "ValidationException", "invalid_client", "clientId");
    }
    if bound.as_ref().is_some_and(|k| *k != public_key) {
        return invalid("invalid DPoP proof: not the key the refresh token is bound to");
    }
    state.refresh_tokens.remove(&presented);
    issue(&mut state, client_id, public_key, None)
}

/// Issues credentials and a new refresh token bound to `public_key` (and an ID token for a
/// code exchange).
fn issue(
    state: &mut State,
    client_id: String,
    public_key: Vec<u8>,
    id_token: Option<String>,
) -> Reply {
    state.issued += 1;
    let n = state.issued;
    let next = format!("signin-refresh-{n}");
    state
        .refresh_tokens
        .insert(next.clone(), (client_id, Some(public_key)));
    let mut answer = json!({
        "accessToken": {
            "accessKeyId": format!("ASIASIGNIN{n}"),
            "secretAccessKey": format!("signinSecret{n}"),
            "sessionToken": format!("signinSession{n}"),
        },
        "tokenType": "aws_sigv4",
        "expiresIn": state.expires_in,
        "refreshToken": next,
    });
    if let Some(id_token) = id_token {
        answer["idToken"] = json!(id_token);
    }
    Reply::ok(answer.to_string()).with_header("content-type", "application/json")
}

fn decode_json(part: &str) -> Result<Value, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| "a part is not base64url".to_owned())?;
    serde_json::from_slice(&bytes).map_err(|_| "a part is not JSON".to_owned())
}

fn jti_of(proof: Option<&str>) -> Option<String> {
    let payload = decode_json(proof?.split('.').nth(1)?).ok()?;
    payload.get("jti")?.as_str().map(str::to_owned)
}

/// Checks an RFC 9449 proof for `POST url`; returns the public point it was signed with.
fn check_proof(proof: Option<&str>, url: &str, now: i64) -> Result<Vec<u8>, String> {
    let proof = proof.ok_or("no DPoP header")?;
    let parts: Vec<&str> = proof.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err("not a compact JWS".into());
    };
    let head = decode_json(header)?;
    if head["typ"] != "dpop+jwt" || head["alg"] != "ES256" {
        return Err(format!("typ/alg {} {}", head["typ"], head["alg"]));
    }
    let jwk = &head["jwk"];
    if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
        return Err("the JWK is not a P-256 key".into());
    }
    let coordinate = |name: &str| {
        jwk[name]
            .as_str()
            .and_then(|c| URL_SAFE_NO_PAD.decode(c).ok())
            .filter(|c| c.len() == 32)
            .ok_or(format!("the JWK's {name} is not a coordinate"))
    };
    let mut point = vec![4u8];
    point.extend(coordinate("x")?);
    point.extend(coordinate("y")?);
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "the signature is not base64url")?;
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
        .verify(format!("{header}.{payload}").as_bytes(), &signature)
        .map_err(|_| "the signature does not verify")?;
    let claims = decode_json(payload)?;
    if claims["htm"] != "POST" {
        return Err(format!("htm {}", claims["htm"]));
    }
    if claims["htu"] != url {
        return Err(format!("htu {} is not {url}", claims["htu"]));
    }
    let iat = claims["iat"].as_i64().ok_or("no iat")?;
    if (now - iat).abs() > 300 {
        return Err(format!("iat {iat} is not now ({now})"));
    }
    Ok(point)
}

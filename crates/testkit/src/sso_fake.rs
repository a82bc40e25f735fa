//! A loopback fake of IAM Identity Center: SSO-OIDC (`RegisterClient`,
//! `StartDeviceAuthorization`, `CreateToken` with the device-code, authorization-code (PKCE) and
//! refresh-token grants, the `/authorize` redirect) and the access portal (`GetRoleCredentials`,
//! `Logout`). No emulator covers these services, so this one follows the API references: REST-JSON
//! bodies, OAuth error codes in `error` with the AWS exception name in `x-amzn-ErrorType`.
//!
//! One std-thread HTTP/1.1 server on a fresh 127.0.0.1 port; every request is recorded.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

mod assignments;
use assignments::{Assignments, FakeAccount};

/// An account for [`SsoFake::set_accounts`]: `(id, name, email, roles)`.
pub type FakeAccountSpec<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [&'a str]);

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct FakeRequest {
    /// `GET`, `POST`.
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// The decoded query parameters.
    pub query: Vec<(String, String)>,
    /// Headers, names lower-case.
    pub headers: HashMap<String, String>,
    /// The JSON body (`Null` when empty or not JSON).
    pub body: Value,
}

impl FakeRequest {
    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
struct State {
    requests: Vec<FakeRequest>,
    clients: HashMap<String, String>,
    access_tokens: HashSet<String>,
    refresh_tokens: HashSet<String>,
    device_codes: HashSet<String>,
    device_script: VecDeque<String>,
    refresh_error: Option<String>,
    interval: Option<i64>,
    token_expires_in: i64,
    issue_refresh_tokens: bool,
    auth_codes: HashMap<String, (String, String)>,
    role_expiration_ms: Option<i64>,
    logged_out: Vec<String>,
    counter: u64,
    failures: HashMap<String, VecDeque<(u16, String)>>,
    assignments: Assignments,
}

/// The fake services. Dropping it stops the server.
#[derive(Debug)]
pub struct SsoFake {
    url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl SsoFake {
    /// Starts the fake on a fresh loopback port.
    pub fn start() -> SsoFake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local addr").port();
        let state = Arc::new(Mutex::new(State {
            token_expires_in: 8 * 3600,
            issue_refresh_tokens: true,
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let s = s.clone();
                std::thread::spawn(move || serve(stream, &s, port));
            }
        });
        SsoFake {
            url: format!("http://127.0.0.1:{port}"),
            state,
            stop,
            port,
        }
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_SSO` / `AWS_ENDPOINT_URL_SSO_OIDC`.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes `token` a valid access token for `GetRoleCredentials` and `Logout`.
    pub fn accept_access_token(&self, token: &str) {
        self.lock().access_tokens.insert(token.to_owned());
    }

    /// Makes `token` a valid refresh token for the client `client_id` / `client_secret`.
    pub fn accept_refresh_token(&self, token: &str, client_id: &str, client_secret: &str) {
        let mut s = self.lock();
        s.refresh_tokens.insert(token.to_owned());
        s.clients
            .insert(client_id.to_owned(), client_secret.to_owned());
    }

    /// The answers to the next device-code `CreateToken` polls (`authorization_pending`,
    /// `slow_down`, `expired_token`); once they are used up, the token is issued.
    pub fn script_device_polls(&self, outcomes: &[&str]) {
        self.lock().device_script = outcomes.iter().map(|s| (*s).to_owned()).collect();
    }

    /// Makes every refresh-token `CreateToken` fail with this OAuth error code.
    pub fn fail_refresh_with(&self, code: &str) {
        self.lock().refresh_error = Some(code.to_owned());
    }

    /// The `interval` `StartDeviceAuthorization` returns (omitted by default).
    pub fn set_interval(&self, seconds: i64) {
        self.lock().interval = Some(seconds);
    }

    /// The `expiresIn` of issued tokens (8 hours by default).
    pub fn set_token_expires_in(&self, seconds: i64) {
        self.lock().token_expires_in = seconds;
    }

    /// Whether `CreateToken` returns a `refreshToken` (yes by default).
    pub fn issue_refresh_tokens(&self, yes: bool) {
        self.lock().issue_refresh_tokens = yes;
    }

    /// The `expiration` (epoch milliseconds) of role credentials; one hour from now by default.
    pub fn set_role_expiration_ms(&self, ms: i64) {
        self.lock().role_expiration_ms = Some(ms);
    }

    /// Answers the next requests to `path` with these failures, one each, before any request
    /// there is handled normally again: `(status, error type)`, the type sent as AWS services
    /// do (`x-amzn-ErrorType` and a `message`), an empty type with an empty body, and status 0
    /// closing the connection without an answer.
    pub fn fail_next(&self, path: &str, failures: &[(u16, &str)]) {
        self.lock()
            .failures
            .entry(path.to_owned())
            .or_default()
            .extend(failures.iter().map(|(s, c)| (*s, (*c).to_owned())));
    }

    /// The accounts `ListAccounts` lists, each `(id, name, email, roles)`, and the roles
    /// `ListAccountRoles` lists for it; `page_size` items a page (when the request names no
    /// `max_result`).
    pub fn set_accounts(&self, accounts: &[FakeAccountSpec<'_>], page_size: usize) {
        let owned = |v: Option<&str>| v.map(str::to_owned);
        self.lock().assignments = Assignments {
            accounts: accounts
                .iter()
                .map(|(id, name, email, roles)| FakeAccount {
                    id: (*id).to_owned(),
                    name: owned(*name),
                    email: owned(*email),
                    roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                })
                .collect(),
            page_size,
        };
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<FakeRequest> {
        self.lock().requests.clone()
    }

    /// The requests to `path`.
    pub fn requests_to(&self, path: &str) -> Vec<FakeRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// The access tokens `Logout` invalidated.
    pub fn logged_out(&self) -> Vec<String> {
        self.lock().logged_out.clone()
    }
}

impl Drop for SsoFake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so the thread ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Plays the browser: opens `authorize_url` on the fake (which approves at once and redirects)
/// and follows the redirect to the loopback listener. Returns the listener's status and page.
pub fn browser_approve(authorize_url: &str) -> (u16, String) {
    let (status, headers, _) = http_get(authorize_url);
    assert_eq!(status, 302, "the authorize endpoint redirects");
    let location = headers.get("location").expect("a Location header").clone();
    let (status, _, body) = http_get(&location);
    (status, body)
}

/// Plays a browser landing on `url` (a redirect URI with `error=access_denied`, a forged
/// `state`...). Returns the status and page.
pub fn browser_visit(url: &str) -> (u16, String) {
    let (status, _, body) = http_get(url);
    (status, body)
}

/// Has the authorize endpoint issue a code, and returns the redirect it would send with `state`
/// replaced: what a forged or cross-site redirect looks like.
pub fn forge_redirect(authorize_url: &str, state: &str) -> String {
    let (status, headers, _) = http_get(authorize_url);
    assert_eq!(status, 302);
    let location = headers.get("location").expect("Location").clone();
    let (base, query) = location.split_once('?').expect("query");
    let code = parse_query(query)
        .into_iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v)
        .expect("code");
    format!("{base}?code={}&state={}", encode(&code), encode(state))
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn serve(stream: TcpStream, state: &Mutex<State>, port: u16) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len.min(1 << 20)];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let request = FakeRequest {
        method,
        path: path.to_owned(),
        query: parse_query(query),
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let reply = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        s.requests.push(request.clone());
        handle(&mut s, &request, port)
    };
    if reply.status == 0 {
        return;
    }
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(reply.body.as_bytes());
    let _ = out.flush();
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string(),
    }
}

/// An OAuth error as SSO-OIDC sends it.
fn oauth_error(status: u16, code: &str) -> Reply {
    let exception = match code {
        "authorization_pending" => "AuthorizationPendingException",
        "slow_down" => "SlowDownException",
        "expired_token" => "ExpiredTokenException",
        "invalid_grant" => "InvalidGrantException",
        "invalid_client" => "InvalidClientException",
        "invalid_request" => "InvalidRequestException",
        _ => "InternalServerException",
    };
    Reply {
        status,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            (
                "x-amzn-errortype".into(),
                format!("{exception}:http://internal.amazon.com/coral/com.amazonaws.ssooidc/"),
            ),
        ],
        body: json!({"error": code, "error_description": format!("fake {code}")}).to_string(),
    }
}

fn unauthorized() -> Reply {
    Reply {
        status: 401,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-amzn-errortype".into(), "UnauthorizedException".into()),
        ],
        body: json!({"message": "Session token not found or invalid"}).to_string(),
    }
}

fn field<'a>(r: &'a FakeRequest, k: &str) -> Option<&'a str> {
    r.body.get(k).and_then(Value::as_str)
}

/// A failure queued by [`SsoFake::fail_next`].
fn failure(status: u16, code: &str) -> Reply {
    if code.is_empty() {
        return Reply {
            status,
            headers: Vec::new(),
            body: String::new(),
        };
    }
    Reply {
        status,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-amzn-errortype".into(), code.to_owned()),
        ],
        body: json!({"message": format!("fake {code}")}).to_string(),
    }
}

fn handle(s: &mut State, r: &FakeRequest, port: u16) -> Reply {
    s.counter += 1;
    let n = s.counter;
    if let Some((status, code)) = s.failures.get_mut(&r.path).and_then(VecDeque::pop_front) {
        return failure(status, &code);
    }
    let bearer = r.headers.get("x-amz-sso_bearer_token");
    let token_ok = bearer.is_some_and(|t| s.access_tokens.contains(t));
    if let Some(reply) = s.assignments.handle(r, token_ok) {
        return reply;
    }
    match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/client/register") => {
            if field(r, "clientName").is_none() || field(r, "clientType") != Some("public") {
                return oauth_error(400, "invalid_request");
            }
            let (id, secret) = (format!("client-{n}"), format!("client-secret-{n}"));
            s.clients.insert(id.clone(), secret.clone());
            ok(json!({
                "clientId": id, "clientSecret": secret, "clientIdIssuedAt": now_secs(),
                "clientSecretExpiresAt": now_secs() + 90 * 86_400,
            }))
        }
        ("POST", "/device_authorization") => {
            if !client_ok(s, r) || field(r, "startUrl").is_none() {
                return oauth_error(400, "invalid_client");
            }
            let code = format!("device-code-{n}");
            s.device_codes.insert(code.clone());
            let mut body = json!({
                "deviceCode": code, "userCode": format!("ABCD-{n:04}"),
                "verificationUri": format!("http://127.0.0.1:{port}/device"),
                "verificationUriComplete": format!("http://127.0.0.1:{port}/device?user_code=ABCD-{n:04}"),
                "expiresIn": 600,
            });
            if let Some(i) = s.interval {
                body["interval"] = json!(i);
            }
            ok(body)
        }
        ("POST", "/token") => create_token(s, r, n),
        ("GET", "/authorize") => {
            let p = |k: &str| r.param(k).unwrap_or_default().to_owned();
            let redirect = p("redirect_uri");
            if p("response_type") != "code"
                || !s.clients.contains_key(&p("client_id"))
                || p("code_challenge_method") != "S256"
                || p("code_challenge").is_empty()
                || !redirect.starts_with("http://127.0.0.1:")
            {
                return oauth_error(400, "invalid_request");
            }
            let code = format!("auth-code-{n}");
            s.auth_codes
                .insert(code.clone(), (p("code_challenge"), redirect.clone()));
            Reply {
                status: 302,
                headers: vec![(
                    "location".into(),
                    format!(
                        "{redirect}?code={}&state={}",
                        encode(&code),
                        encode(&p("state"))
                    ),
                )],
                body: String::new(),
            }
        }
        ("GET", "/federation/credentials") => {
            let token = r
                .headers
                .get("x-amz-sso_bearer_token")
                .cloned()
                .unwrap_or_default();
            if !s.access_tokens.contains(&token) {
                return unauthorized();
            }
            if r.param("role_name").is_none() || r.param("account_id").is_none() {
                return oauth_error(400, "invalid_request");
            }
            let exp = s.role_expiration_ms.unwrap_or((now_secs() + 3600) * 1000);
            ok(json!({"roleCredentials": {
                "accessKeyId": format!("ASIAFAKE{n}"), "secretAccessKey": format!("fake-secret-{n}"),
                "sessionToken": format!("fake-session-{n}"), "expiration": exp,
            }}))
        }
        ("POST", "/logout") => {
            let token = r
                .headers
                .get("x-amz-sso_bearer_token")
                .cloned()
                .unwrap_or_default();
            if !s.access_tokens.remove(&token) {
                return unauthorized();
            }
            s.logged_out.push(token);
            ok(json!({}))
        }
        _ => Reply {
            status: 404,
            headers: Vec::new(),
            body: String::new(),
        },
    }
}

fn client_ok(s: &State, r: &FakeRequest) -> bool {
    match (field(r, "clientId"), field(r, "clientSecret")) {
        (Some(id), Some(secret)) => s.clients.get(id).is_some_and(|x| x == secret),
        _ => false,
    }
}

fn issue(s: &mut State, n: u64) -> Reply {
    let access = format!("access-token-{n}");
    s.access_tokens.insert(access.clone());
    let mut body =
        json!({"accessToken": access, "tokenType": "Bearer", "expiresIn": s.token_expires_in});
    if s.issue_refresh_tokens {
        let refresh = format!("refresh-token-{n}");
        s.refresh_tokens.insert(refresh.clone());
        body["refreshToken"] = json!(refresh);
    }
    ok(body)
}

fn create_token(s: &mut State, r: &FakeRequest, n: u64) -> Reply {
    if !client_ok(s, r) {
        return oauth_error(401, "invalid_client");
    }
    match field(r, "grantType").unwrap_or_default() {
        "urn:ietf:params:oauth:grant-type:device_code" => {
            if !s
                .device_codes
                .contains(field(r, "deviceCode").unwrap_or_default())
            {
                return oauth_error(400, "invalid_grant");
            }
            match s.device_script.pop_front() {
                Some(code) => oauth_error(400, &code),
                None => issue(s, n),
            }
        }
        "authorization_code" => {
            let code = field(r, "code").unwrap_or_default();
            let Some((challenge, redirect)) = s.auth_codes.remove(code) else {
                return oauth_error(400, "invalid_grant");
            };
            let verifier = field(r, "codeVerifier").unwrap_or_default();
            let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
            if b64url(digest.as_ref()) != challenge
                || field(r, "redirectUri") != Some(redirect.as_str())
            {
                return oauth_error(400, "invalid_grant");
            }
            issue(s, n)
        }
        "refresh_token" => {
            if let Some(code) = s.refresh_error.clone() {
                return oauth_error(400, &code);
            }
            if !s
                .refresh_tokens
                .contains(field(r, "refreshToken").unwrap_or_default())
            {
                return oauth_error(400, "invalid_grant");
            }
            issue(s, n)
        }
        _ => oauth_error(400, "unsupported_grant_type"),
    }
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(x) =
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(x);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// A blocking GET with a fresh connection: (status, lower-case headers, body).
fn http_get(url: &str) -> (u16, HashMap<String, String>, String) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(authority).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n\r\n"
    )
    .expect("write");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

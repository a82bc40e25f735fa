//! A loopback fake of the AWS federation endpoint (`https://signin.aws.amazon.com/federation`),
//! which no emulator covers. It follows the IAM user guide's "custom identity broker" page:
//!
//! - `Action=getSigninToken` (GET query or POST form body) with `Session`, the URL-encoded JSON
//!   `{"sessionId", "sessionKey", "sessionToken"}` of temporary credentials, and optionally
//!   `SessionDuration` (900 to 43200 seconds; refused for credentials from
//!   `GetFederationToken`). The answer is `200` with `{"SigninToken": "..."}`.
//! - `Action=login` with `SigninToken`, `Destination` and `Issuer`: a `302` to the destination
//!   for a token it issued (each usable once, as the service's).
//!
//! Refusals are `400 Bad Request` with an HTML body (the service's errors are not JSON), e.g.
//! for credentials it does not know, a session that is not valid JSON or lacks a key, or a
//! duration out of range.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};

use crate::fake_http::{FakeServer, Reply, SeenRequest};

/// A sign-in token the fake issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token.
    pub token: String,
    /// The `sessionId` (access key id) it was issued for.
    pub access_key_id: String,
    /// `SessionDuration`, when given.
    pub session_duration: Option<u64>,
    /// Whether the request came as a POST form (rather than a GET query).
    pub posted: bool,
}

#[derive(Debug, Default)]
struct State {
    /// access key id -> (secret, session token, from GetFederationToken).
    credentials: HashMap<String, (String, String, bool)>,
    accept_any: bool,
    issued: Vec<IssuedToken>,
    used: Vec<String>,
    scripted: Option<(u16, String)>,
}

/// The fake endpoint. Dropping it stops the server.
pub struct FederationFake {
    server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl FederationFake {
    /// Starts the fake on a fresh loopback port.
    pub fn start() -> FederationFake {
        let state = Arc::new(Mutex::new(State::default()));
        let handler_state = state.clone();
        let server = FakeServer::start(move |request| handle(&handler_state, request));
        FederationFake { server, state }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `http://127.0.0.1:<port>/federation`: the value for `AWSCRED_FEDERATION_ENDPOINT`.
    pub fn url(&self) -> String {
        format!("{}/federation", self.server.url())
    }

    /// Makes these temporary credentials valid; `federation_token` marks credentials from
    /// `GetFederationToken`, for which `SessionDuration` is refused.
    pub fn accept(&self, access_key_id: &str, secret: &str, token: &str, federation_token: bool) {
        self.state().credentials.insert(
            access_key_id.to_owned(),
            (secret.to_owned(), token.to_owned(), federation_token),
        );
    }

    /// Accepts any complete session (for credentials issued elsewhere, e.g. by moto).
    pub fn accept_any(&self) {
        self.state().accept_any = true;
    }

    /// The next request is answered with this status and body, whatever it is.
    pub fn answer_next(&self, status: u16, body: &str) {
        self.state().scripted = Some((status, body.to_owned()));
    }

    /// The tokens issued so far.
    pub fn issued(&self) -> Vec<IssuedToken> {
        self.state().issued.clone()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.server.requests()
    }
}

fn bad_request(why: &str) -> Reply {
    let body = format!(
        "<html><head><title>Bad Request</title></head><body><h1>Bad Request</h1>\
         <p>{why}. The request sent by the client was syntactically incorrect.</p></body></html>"
    );
    Reply::status(400, body).with_header("content-type", "text/html;charset=utf-8")
}

fn handle(state: &Mutex<State>, request: &SeenRequest) -> Reply {
    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((status, body)) = state.scripted.take() {
        return Reply::status(status, body);
    }
    if request.path() != "/federation" {
        return Reply::status(404, "Not Found");
    }
    let (params, posted) = match request.method.as_str() {
        "GET" => (
            crate::sso_fake::parse_query(request.target.split_once('?').map_or("", |(_, q)| q)),
            false,
        ),
        "POST" => {
            if request.header("content-type") != Some("application/x-www-form-urlencoded") {
                return bad_request("Unsupported content type");
            }
            (
                crate::sso_fake::parse_query(&String::from_utf8_lossy(&request.body)),
                true,
            )
        }
        _ => return Reply::status(405, "Method Not Allowed"),
    };
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match param("Action") {
        Some("getSigninToken") => signin_token(
            &mut state,
            param("Session"),
            param("SessionDuration"),
            posted,
        ),
        Some("login") => login(&mut state, param("SigninToken"), param("Destination")),
        _ => bad_request("Invalid Action"),
    }
}

fn signin_token(
    state: &mut State,
    session: Option<&str>,
    duration: Option<&str>,
    posted: bool,
) -> Reply {
    let Some(session) = session.and_then(|s| serde_json::from_str::<Value>(s).ok()) else {
        return bad_request("Invalid Session parameter");
    };
    let field = |k: &str| session.get(k).and_then(Value::as_str).unwrap_or_default();
    let (id, key, token) = (
        field("sessionId"),
        field("sessionKey"),
        field("sessionToken"),
    );
    if id.is_empty() || key.is_empty() || token.is_empty() {
        return bad_request("Invalid credentials parameter");
    }
    let federated = match state.credentials.get(id) {
        Some((s, t, federated)) if s == key && t == token => *federated,
        Some(_) => return bad_request("Invalid credentials parameter"),
        None if state.accept_any => false,
        None => return bad_request("Invalid credentials parameter"),
    };
    let session_duration = match duration {
        None => None,
        Some(d) => match d.parse::<u64>() {
            Ok(n) if (900..=43_200).contains(&n) && !federated => Some(n),
            _ => return bad_request("Invalid SessionDuration parameter"),
        },
    };
    let n = state.issued.len() + 1;
    let signin_token = format!("FAKE-SIGNIN-TOKEN-{n}-{}", "x".repeat(64));
    state.issued.push(IssuedToken {
        token: signin_token.clone(),
        access_key_id: id.to_owned(),
        session_duration,
        posted,
    });
    Reply::ok(json!({ "SigninToken": signin_token }).to_string())
        .with_header("content-type", "application/json")
}

fn login(state: &mut State, token: Option<&str>, destination: Option<&str>) -> Reply {
    let (Some(token), Some(destination)) = (token, destination) else {
        return bad_request("Missing parameters");
    };
    if !state.issued.iter().any(|t| t.token == token) || state.used.iter().any(|u| u == token) {
        return bad_request("Invalid SigninToken");
    }
    state.used.push(token.to_owned());
    Reply::status(302, "").with_header("location", destination)
}

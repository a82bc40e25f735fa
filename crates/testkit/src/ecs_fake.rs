//! A loopback fake of the container credentials endpoint (the ECS agent, EKS Pod Identity
//! agent), faithful to their wire format: `GET <path>` with `Accept: application/json`, an
//! optional `Authorization` header checked against the expected token (401 with the agents'
//! JSON error shape otherwise), and the credentials document as `application/json`.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::fake_http::FakeServer;
pub use crate::fake_http::{Reply, SeenRequest};

/// A credentials document as the ECS and EKS Pod Identity agents send it.
pub fn credentials_json(
    access_key_id: &str,
    secret: &str,
    token: &str,
    expiration: &str,
) -> String {
    format!(
        "{{\"RoleArn\":\"arn:aws:iam::123456789012:role/task-role\",\"AccessKeyId\":\"{access_key_id}\",\"SecretAccessKey\":\"{secret}\",\"Token\":\"{token}\",\"AccountId\":\"123456789012\",\"Expiration\":\"{expiration}\"}}"
    )
}

#[derive(Debug)]
struct State {
    path: String,
    document: String,
    expected_token: Option<String>,
    scripted: Vec<Reply>,
    fallback: Option<Reply>,
}

/// The fake: serves [`credentials_json`] (`ASIAFAKE` / `fakesecret` / `faketoken`, expiring
/// 2099-01-01) at `/v1/credentials`.
pub struct FakeContainerEndpoint {
    server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl FakeContainerEndpoint {
    /// Starts the fake on a fresh loopback port.
    pub fn start() -> FakeContainerEndpoint {
        let state = Arc::new(Mutex::new(State {
            path: "/v1/credentials".into(),
            document: credentials_json(
                "ASIAFAKE",
                "fakesecret",
                "faketoken",
                "2099-01-01T00:00:00Z",
            ),
            expected_token: None,
            scripted: Vec::new(),
            fallback: None,
        }));
        let handler_state = state.clone();
        let server = FakeServer::start(move |req| {
            answer(
                &mut handler_state.lock().unwrap_or_else(|p| p.into_inner()),
                req,
            )
        });
        FakeContainerEndpoint { server, state }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The full URI of the credentials path, for `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub fn full_uri(&self) -> String {
        format!("{}{}", self.server.url(), self.state().path)
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.server.addr().port()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// The document served on success.
    pub fn set_document(&self, body: &str) {
        self.state().document = body.to_owned();
    }

    /// Requires this exact `Authorization` value.
    pub fn expect_token(&self, token: Option<&str>) {
        self.state().expected_token = token.map(str::to_owned);
    }

    /// The next requests get these replies, in order, before normal service resumes.
    pub fn script(&self, replies: Vec<Reply>) {
        self.state().scripted = replies;
    }

    /// Every request gets `reply` (after any scripted ones), until cleared with `None`.
    pub fn always(&self, reply: Option<Reply>) {
        self.state().fallback = reply;
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.server.requests()
    }
}

fn answer(state: &mut State, req: &SeenRequest) -> Reply {
    if !state.scripted.is_empty() {
        return state.scripted.remove(0);
    }
    if let Some(reply) = &state.fallback {
        return reply.clone();
    }
    if req.method != "GET" || req.path() != state.path {
        return Reply::status(404, "{\"code\":\"NotFound\",\"message\":\"no such path\"}")
            .with_header("Content-Type", "application/json");
    }
    if let Some(expected) = &state.expected_token
        && req.header("authorization") != Some(expected.as_str())
    {
        return Reply::status(
            401,
            "{\"code\":\"AccessDeniedException\",\"message\":\"invalid token\"}",
        )
        .with_header("Content-Type", "application/json");
    }
    Reply::ok(state.document.clone()).with_header("Content-Type", "application/json")
}

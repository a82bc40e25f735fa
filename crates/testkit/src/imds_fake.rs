//! A loopback fake of the EC2 instance metadata service, faithful to the wire format the
//! credentials tier uses, with switches for the ways IMDS fails.
//!
//! - `PUT /latest/api/token` needs `x-aws-ec2-metadata-token-ttl-seconds` (1..=21600, else 400,
//!   as IMDS answers), is refused with 403 when `x-forwarded-for` is present, and returns a
//!   fresh token as `text/plain` with the TTL header echoed.
//! - `GET /latest/meta-data/iam/security-credentials/` lists the role (404 with an HTML body when
//!   no role is attached); `.../<role>` returns the credentials document.
//! - A GET with an unknown or expired token gets 401; a GET without a token gets 401 when the
//!   instance requires IMDSv2 ([`FakeImds::require_token`]).
//! - [`FakeImds::on`] replaces the answer to one method and path with any [`Reply`] (black
//!   hole, 500, truncated body, trickle...).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::fake_http::FakeServer;
pub use crate::fake_http::{Reply, SeenRequest};

/// The token path.
pub const TOKEN_PATH: &str = "/latest/api/token";
/// The role listing path.
pub const ROLE_PATH: &str = "/latest/meta-data/iam/security-credentials/";

const NOT_FOUND_HTML: &str = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n <head>\n  <title>404 - Not Found</title>\n </head>\n <body>\n  <h1>404 - Not Found</h1>\n </body>\n</html>\n";

/// A credentials document as IMDS sends it.
pub fn credentials_json(
    access_key_id: &str,
    secret: &str,
    token: &str,
    expiration: &str,
) -> String {
    format!(
        "{{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2021-09-20T21:42:26Z\",\n  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"{access_key_id}\",\n  \"SecretAccessKey\" : \"{secret}\",\n  \"Token\" : \"{token}\",\n  \"Expiration\" : \"{expiration}\"\n}}"
    )
}

#[derive(Debug, Default)]
struct State {
    listing: Option<String>,
    documents: HashMap<String, String>,
    require_token: bool,
    valid_tokens: HashSet<String>,
    issued: usize,
    overrides: HashMap<(String, String), Reply>,
}

/// The fake. Starts with one role, `test-role`, whose credentials are `ASIAFAKE` /
/// `fakesecret` / `faketoken`, expiring 2099-01-01.
pub struct FakeImds {
    server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl FakeImds {
    /// Starts the fake on a fresh loopback port.
    pub fn start() -> FakeImds {
        let state = Arc::new(Mutex::new(State {
            listing: Some("test-role".into()),
            documents: HashMap::from([(
                "test-role".to_owned(),
                credentials_json(
                    "ASIAFAKE",
                    "fakesecret",
                    "faketoken",
                    "2099-01-01T00:00:00Z",
                ),
            )]),
            ..State::default()
        }));
        let handler_state = state.clone();
        let server = FakeServer::start(move |req| {
            answer(
                &mut handler_state.lock().unwrap_or_else(|p| p.into_inner()),
                req,
            )
        });
        FakeImds { server, state }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The endpoint to put in `AWS_EC2_METADATA_SERVICE_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        self.server.url()
    }

    /// The raw role listing body (`None`: no role attached, 404). Several lines are allowed.
    pub fn set_listing(&self, listing: Option<&str>) {
        self.state().listing = listing.map(str::to_owned);
    }

    /// The credentials document served for `role`.
    pub fn set_document(&self, role: &str, body: &str) {
        self.state()
            .documents
            .insert(role.to_owned(), body.to_owned());
    }

    /// Whether token-less requests are refused with 401 (the instance requires IMDSv2).
    pub fn require_token(&self, required: bool) {
        self.state().require_token = required;
    }

    /// Makes every token issued so far invalid (requests with them get 401).
    pub fn expire_tokens(&self) {
        self.state().valid_tokens.clear();
    }

    /// How many tokens were issued.
    pub fn tokens_issued(&self) -> usize {
        self.state().issued
    }

    /// Answers `method path` with `reply` from now on, instead of the normal answer.
    pub fn on(&self, method: &str, path: &str, reply: Reply) {
        self.state()
            .overrides
            .insert((method.to_owned(), path.to_owned()), reply);
    }

    /// Removes every override.
    pub fn clear_overrides(&self) {
        self.state().overrides.clear();
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.server.requests()
    }

    /// Forgets the requests seen so far.
    pub fn clear_requests(&self) {
        self.server.clear_requests();
    }
}

fn answer(state: &mut State, req: &SeenRequest) -> Reply {
    if let Some(reply) = state
        .overrides
        .get(&(req.method.clone(), req.path().to_owned()))
    {
        return reply.clone();
    }
    if req.path() == TOKEN_PATH {
        if req.method != "PUT" {
            return Reply::status(405, "");
        }
        if req.header("x-forwarded-for").is_some() {
            return Reply::status(403, "");
        }
        let ttl = req
            .header("x-aws-ec2-metadata-token-ttl-seconds")
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|t| (1..=21600).contains(t));
        let Some(ttl) = ttl else {
            return Reply::status(400, "");
        };
        state.issued += 1;
        let token = format!("AQAEA-fake-token-{}==", state.issued);
        state.valid_tokens.insert(token.clone());
        return Reply::ok(token)
            .with_header("Content-Type", "text/plain")
            .with_header("x-aws-ec2-metadata-token-ttl-seconds", &ttl.to_string());
    }
    if req.method != "GET" {
        return Reply::status(405, "");
    }
    match req.header("x-aws-ec2-metadata-token") {
        Some(token) if !state.valid_tokens.contains(token) => return Reply::status(401, ""),
        None if state.require_token => return Reply::status(401, ""),
        _ => {}
    }
    let not_found = || Reply::status(404, NOT_FOUND_HTML).with_header("Content-Type", "text/html");
    if req.path() == ROLE_PATH {
        return match &state.listing {
            Some(listing) => Reply::ok(listing.clone()).with_header("Content-Type", "text/plain"),
            None => not_found(),
        };
    }
    if let Some(role) = req.path().strip_prefix(ROLE_PATH)
        && let Some(doc) = state.documents.get(role)
    {
        return Reply::ok(doc.clone()).with_header("Content-Type", "text/plain");
    }
    not_found()
}

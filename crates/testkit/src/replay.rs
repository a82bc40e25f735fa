//! Replays the cross-SDK suites' recorded HTTP conversations (`http-traffic.json`, "dvr" format
//! V0) as an [`HttpClient`], so a whole resolution runs against exactly the recorded answers.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use awscred_core::http::{
    HttpClient, HttpError, HttpErrorKind, HttpRequest, HttpResponse, Timeouts,
};
use awscred_core::provider::BoxFuture;
use base64::Engine;
use serde_json::Value;

/// One recorded request and its response.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The recorded method.
    pub method: String,
    /// The recorded absolute URI.
    pub uri: String,
    /// The recorded request headers (lower-case names).
    pub headers: BTreeMap<String, Vec<String>>,
    /// The recorded request body.
    pub body: Vec<u8>,
    /// The response status.
    pub status: u16,
    /// The response headers.
    pub response_headers: Vec<(String, String)>,
    /// The response body.
    pub response_body: Vec<u8>,
}

/// A request the code under test sent, as received.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    /// Method.
    pub method: String,
    /// Absolute URI.
    pub uri: String,
    /// Headers (lower-case names).
    pub headers: BTreeMap<String, String>,
    /// Body.
    pub body: Vec<u8>,
}

/// Serves recorded exchanges in order. A request that does not match the next recorded one (method
/// and URI) gets a connection error and is remembered as a mismatch.
///
/// The recordings are single-attempt conversations, while the clients retry a 5xx or throttling
/// answer as the CLI does. The recorded answer is the state the server was in, so once the
/// recording is used up, a request repeating the last one after a retryable answer gets that
/// answer again (counted by [`ReplayClient::repeats`]) instead of a mismatch.
#[derive(Debug)]
pub struct ReplayClient {
    exchanges: Vec<Exchange>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    next: usize,
    seen: Vec<SeenRequest>,
    mismatches: Vec<String>,
    repeats: usize,
}

impl ReplayClient {
    /// Reads an `http-traffic.json` file.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_json(&text)
    }

    /// Parses the JSON text of a recording.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let events = doc["events"].as_array().ok_or("no events array")?;
        let mut by_connection: BTreeMap<u64, Exchange> = BTreeMap::new();
        let mut order: Vec<u64> = Vec::new();
        for event in events {
            let id = event["connection_id"]
                .as_u64()
                .ok_or("event without connection_id")?;
            let action = &event["action"];
            let entry = by_connection.entry(id).or_insert_with(|| {
                order.push(id);
                Exchange {
                    method: String::new(),
                    uri: String::new(),
                    headers: BTreeMap::new(),
                    body: Vec::new(),
                    status: 0,
                    response_headers: Vec::new(),
                    response_body: Vec::new(),
                }
            });
            if let Some(request) = action.get("Request") {
                let request = &request["request"];
                entry.method = request["method"].as_str().unwrap_or_default().to_owned();
                entry.uri = request["uri"].as_str().unwrap_or_default().to_owned();
                if let Some(headers) = request["headers"].as_object() {
                    for (name, values) in headers {
                        let values = values
                            .as_array()
                            .map(|v| {
                                v.iter()
                                    .filter_map(|s| s.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default();
                        entry.headers.insert(name.to_ascii_lowercase(), values);
                    }
                }
            } else if let Some(response) = action.get("Response") {
                let ok = &response["response"]["Ok"];
                entry.status = ok["status"].as_u64().ok_or("response without status")? as u16;
                if let Some(headers) = ok["headers"].as_object() {
                    for (name, values) in headers {
                        for v in values.as_array().into_iter().flatten() {
                            if let Some(v) = v.as_str() {
                                entry.response_headers.push((name.clone(), v.to_owned()));
                            }
                        }
                    }
                }
            } else if let Some(data) = action.get("Data") {
                let bytes = if let Some(text) = data["data"].get("Utf8").and_then(Value::as_str) {
                    text.as_bytes().to_vec()
                } else if let Some(b64) = data["data"].get("Base64").and_then(Value::as_str) {
                    base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .map_err(|e| e.to_string())?
                } else {
                    return Err(format!("unknown data encoding: {data}"));
                };
                match data["direction"].as_str() {
                    Some("Request") => entry.body.extend(bytes),
                    _ => entry.response_body.extend(bytes),
                }
            }
        }
        let exchanges = order
            .into_iter()
            .filter_map(|id| by_connection.remove(&id))
            .collect();
        Ok(ReplayClient {
            exchanges,
            state: Mutex::new(State::default()),
        })
    }

    /// The recorded exchanges.
    pub fn exchanges(&self) -> &[Exchange] {
        &self.exchanges
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<SeenRequest> {
        self.lock().seen.clone()
    }

    /// Requests that did not match the recording, described.
    pub fn mismatches(&self) -> Vec<String> {
        self.lock().mismatches.clone()
    }

    /// How many requests repeated the last recorded one after a retryable answer and got that
    /// answer again.
    pub fn repeats(&self) -> usize {
        self.lock().repeats
    }

    /// How many recorded exchanges have not been requested.
    pub fn remaining(&self) -> usize {
        self.exchanges.len() - self.lock().next
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl HttpClient for ReplayClient {
    fn send(
        &self,
        request: HttpRequest,
        _timeouts: Timeouts,
    ) -> BoxFuture<'_, Result<HttpResponse, HttpError>> {
        let seen = SeenRequest {
            method: request.method().as_str().to_owned(),
            uri: request.uri().to_string(),
            headers: request
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                .collect(),
            body: request.body().clone(),
        };
        let mut state = self.lock();
        let retried = self.exchanges.get(state.next).is_none()
            && state.next > 0
            && state
                .seen
                .last()
                .is_some_and(|last| last.method == seen.method && last.uri == seen.uri);
        let outcome = match self.exchanges.get(state.next) {
            None if retried
                && awscred_core::retry::is_retryable_status(
                    self.exchanges[state.next - 1].status,
                ) =>
            {
                state.repeats += 1;
                respond(&self.exchanges[state.next - 1], &seen.uri)
            }
            None => {
                state
                    .mismatches
                    .push(format!("unexpected request {} {}", seen.method, seen.uri));
                Err(HttpError::new(
                    HttpErrorKind::Connect,
                    &seen.uri,
                    "no more recorded traffic",
                ))
            }
            Some(ex)
                if !ex.method.eq_ignore_ascii_case(&seen.method)
                    || !same_uri(&ex.uri, &seen.uri) =>
            {
                state.mismatches.push(format!(
                    "expected {} {}, got {} {}",
                    ex.method, ex.uri, seen.method, seen.uri
                ));
                Err(HttpError::new(
                    HttpErrorKind::Connect,
                    &seen.uri,
                    "request differs from the recording",
                ))
            }
            Some(ex) => {
                state.next += 1;
                respond(ex, &seen.uri)
            }
        };
        state.seen.push(seen);
        Box::pin(std::future::ready(outcome))
    }
}

/// The recorded response of `ex`.
fn respond(ex: &Exchange, uri: &str) -> Result<HttpResponse, HttpError> {
    let mut builder = ::http::Response::builder().status(ex.status);
    for (k, v) in &ex.response_headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder
        .body(ex.response_body.clone())
        .map_err(|e| HttpError::new(HttpErrorKind::Io, uri, e.to_string()))
}

/// URIs match when equal, or when they differ only in the order of query parameters.
fn same_uri(recorded: &str, actual: &str) -> bool {
    if recorded == actual {
        return true;
    }
    let split = |u: &str| -> (String, Vec<String>) {
        let (base, query) = u.split_once('?').unwrap_or((u, ""));
        let mut params: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        params.sort();
        (base.trim_end_matches('/').to_owned(), params)
    };
    split(recorded) == split(actual)
}

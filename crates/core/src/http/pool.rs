//! The connection pool of [`super::HyperClient`]: up to [`MAX_IDLE_PER_KEY`] idle HTTP/1
//! connections per destination, each kept for [`IDLE_TIMEOUT`], so that a tier's consecutive
//! requests (IMDS: token, role, credentials) share one connection.
//!
//! Invariant: a connection is in the pool only between two exchanges (checked in after a
//! complete response, checked out before the next request), so no two requests ever share one.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;
use tokio::time::Instant;

/// The sending half of one HTTP/1 connection; its driver runs as a task of its own.
pub(super) type Sender = SendRequest<Full<Bytes>>;

/// How long an idle connection stays in the pool.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle connections kept per destination: the tiers send one request at a time, so a few are
/// plenty even when several tasks resolve at once.
const MAX_IDLE_PER_KEY: usize = 4;

/// What a pooled connection is good for: the destination, and whether it runs through a proxy.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub(super) https: bool,
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) proxied: bool,
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}:{}", self.host, self.port)?;
        if self.proxied {
            f.write_str(" (through the proxy)")?;
        }
        Ok(())
    }
}

/// Idle connections by destination, shared by every clone of the client that made them.
#[derive(Default)]
pub(super) struct Pool {
    state: Arc<Mutex<State>>,
}

/// The pool's contents, and the task that closes the connections idle too long.
#[derive(Default)]
struct State {
    idle: HashMap<Key, Vec<Idle>>,
    reaper: Option<tokio::task::JoinHandle<()>>,
}

struct Idle {
    sender: Sender,
    /// Tokio's clock, which tests can move forward.
    since: Instant,
}

impl Idle {
    fn usable(&self, now: Instant) -> bool {
        !self.sender.is_closed() && now.saturating_duration_since(self.since) < IDLE_TIMEOUT
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // The pool holds no invariant a panic elsewhere could break halfway.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// How many idle connections the pool holds.
    #[cfg(test)]
    pub(super) fn idle_count(&self) -> usize {
        lock(&self.state).idle.values().map(Vec::len).sum()
    }

    /// The most recently used idle connection for `key` that is still open and fresh.
    pub(super) fn checkout(&self, key: &Key) -> Option<Sender> {
        let mut state = lock(&self.state);
        let list = state.idle.get_mut(key)?;
        let now = Instant::now();
        let mut found = None;
        while let Some(idle) = list.pop() {
            if idle.usable(now) {
                found = Some(idle.sender);
                break;
            }
        }
        if list.is_empty() {
            state.idle.remove(key);
        }
        found
    }

    /// Returns a connection whose exchange completed, to be reused within [`IDLE_TIMEOUT`].
    pub(super) fn checkin(&self, key: Key, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut state = lock(&self.state);
        let list = state.idle.entry(key).or_default();
        if list.len() >= MAX_IDLE_PER_KEY {
            list.remove(0);
        }
        list.push(Idle {
            sender,
            since: Instant::now(),
        });
        // One reaper per pool. A handle that finished without clearing itself belonged to a
        // runtime that has shut down.
        if state.reaper.as_ref().is_none_or(|r| r.is_finished()) {
            state.reaper = Some(tokio::spawn(reap(Arc::downgrade(&self.state))));
        }
    }
}

/// Closes idle connections once they have been idle for [`IDLE_TIMEOUT`] (dropping a sender
/// lets its driver shut the connection), then ends when the pool is empty or gone.
async fn reap(state: Weak<Mutex<State>>) {
    loop {
        let next = {
            let Some(state) = state.upgrade() else {
                return;
            };
            let mut state = lock(&state);
            let now = Instant::now();
            state.idle.retain(|_, list| {
                list.retain(|idle| idle.usable(now));
                !list.is_empty()
            });
            let next = state.idle.values().flatten().map(|i| i.since).min();
            if next.is_none() {
                // Cleared under the lock, so a check-in from now on starts a new reaper.
                state.reaper = None;
            }
            next
        };
        let Some(oldest) = next else {
            return;
        };
        tokio::time::sleep_until(oldest + IDLE_TIMEOUT).await;
    }
}

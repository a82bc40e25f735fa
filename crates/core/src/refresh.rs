//! The refresh cache: serves a provider's credentials until they near expiry, then refreshes them
//! with the AWS CLI's two windows (botocore's `RefreshableCredentials`).
//!
//! ```
//! use std::sync::Arc;
//! use awscred_core::refresh::RefreshCache;
//! use awscred_core::clock::SystemClock;
//! use awscred_core::{Credentials, ProvideCredentials, provider::BoxFuture, Result};
//!
//! #[derive(Debug)]
//! struct Upstream;
//! impl ProvideCredentials for Upstream {
//!     fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
//!         Box::pin(async { Ok(Credentials::new("AKID", "SECRET", None, None, "upstream")) })
//!     }
//! }
//!
//! let cache = RefreshCache::new(Arc::new(Upstream), Arc::new(SystemClock));
//! # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! # rt.block_on(async {
//! let creds = cache.provide_credentials().await.unwrap(); // fetches
//! let again = cache.provide_credentials().await.unwrap(); // cached: no expiry, never refreshed
//! assert_eq!(creds, again);
//! # });
//! ```
//!
//! - More than [`ADVISORY_REFRESH`] (15 min) left, or no expiry at all: the cached credentials,
//!   without I/O and without any lock a refresh holds (a read lock held for an `Arc` clone).
//!   Each thread reads its own copy behind its own lock, so concurrent readers on other cores
//!   do not slow each other down (see `shards.rs`).
//! - Less than 15 min but at least [`MANDATORY_REFRESH`] (10 min) left: the cached credentials
//!   at once, and one refresh in the background (a tokio task when a tokio runtime is running;
//!   without one, the first caller refreshes while the others keep reading). A failed background
//!   refresh is logged and the cached credentials stay.
//! - Less than 10 min left, expired, or nothing cached yet: the caller waits for a refresh, and a
//!   failed refresh is its error.
//! - Single flight: however many callers need a refresh at once, the provider is asked once and
//!   every waiting caller gets that one answer (the error too).
//! - A refresh that returns credentials already past their expiry is an error (botocore's
//!   `Credentials were refreshed, but the refreshed credentials are still expired.`), unless the
//!   cache was built [`with_static_stability`](RefreshCache::with_static_stability), the hook for
//!   EC2 instance metadata, whose provider extends the expiry of stale credentials itself.

mod shards;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::Clock;
use crate::provider::BoxFuture;
use crate::{Credentials, Detail, Error, ErrorKind, ProvideCredentials, Result, timestamp};
use tokio::sync::watch;

use shards::{Entry, Shards};

/// With less time than this left, a refresh starts in the background (botocore's advisory
/// refresh timeout).
pub const ADVISORY_REFRESH: Duration = Duration::from_secs(15 * 60);

/// With less time than this left, callers wait for a refresh (botocore's mandatory refresh
/// timeout).
pub const MANDATORY_REFRESH: Duration = Duration::from_secs(10 * 60);

/// A caching, refreshing wrapper around any provider. Cheap to clone: clones share the cache.
#[derive(Clone)]
pub struct RefreshCache {
    shared: Arc<Shared>,
}

struct Shared {
    inner: Arc<dyn ProvideCredentials>,
    clock: Arc<dyn Clock>,
    advisory: Duration,
    mandatory: Duration,
    static_stability: bool,
    /// The cached credentials, a copy per thread shard. Readers hold a shard's read lock only
    /// to clone the `Arc`; a refresh takes each write lock only to swap the pointer, never
    /// across the upstream fetch.
    current: Shards,
    /// The refresh in flight, if any: its id and where its outcome will be published.
    flight: Mutex<Option<(u64, watch::Receiver<Option<Outcome>>)>>,
    next_flight: AtomicU64,
}

/// What one refresh produced, shared by every caller that waited for it.
type Outcome = std::result::Result<Arc<Credentials>, SharedError>;

/// An [`Error`] that can be handed to many waiters: its kind, full message and marks
/// ([deferred](Error::deferred), [refused by a service](Error::refused_by_service)).
#[derive(Clone, Debug)]
struct SharedError {
    kind: ErrorKind,
    message: String,
    deferred: bool,
    refused_by_service: bool,
    detail: Option<Detail>,
}

impl SharedError {
    fn to_error(&self) -> Error {
        let mut error = Error::new(self.kind, self.message.clone());
        if let Some(detail) = &self.detail {
            error = error.with_detail(detail.clone());
        }
        if self.deferred {
            error = error.deferred();
        }
        if self.refused_by_service {
            error = error.refused_by_service();
        }
        error
    }
}

impl From<Error> for SharedError {
    fn from(e: Error) -> Self {
        SharedError {
            kind: e.kind(),
            message: e.to_string(),
            deferred: e.is_deferred(),
            refused_by_service: e.is_refused_by_service(),
            detail: e.detail().cloned(),
        }
    }
}

/// How urgently the cached credentials need a refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Enough time left (or no expiry).
    None,
    /// Inside the advisory window.
    Advisory,
    /// Inside the mandatory window, expired, or nothing cached.
    Mandatory,
}

/// A caller's part in a refresh.
enum Role {
    /// It runs the refresh and publishes the outcome.
    Leader(Flight),
    /// Another caller runs it; this one waits for the outcome.
    Follower(watch::Receiver<Option<Outcome>>),
    /// The cache was refreshed meanwhile: nothing to do.
    Done(Arc<Credentials>),
}

/// The leader's handle on its refresh. Dropping it without publishing (the leader's future was
/// cancelled) frees the slot, so the waiting callers retry instead of waiting forever.
struct Flight {
    shared: Arc<Shared>,
    id: u64,
    tx: watch::Sender<Option<Outcome>>,
}

impl Flight {
    /// Caches a success, then frees the slot, then wakes the waiters. In that order, a caller
    /// that finds the slot free also finds the new credentials.
    fn publish(self, outcome: Outcome) {
        if let Ok(creds) = &outcome {
            self.shared.current.store(creds.clone());
        }
        self.shared.clear_flight(self.id);
        self.tx.send_replace(Some(outcome));
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.shared.clear_flight(self.id);
    }
}

impl Shared {
    fn current(&self) -> Option<Arc<Credentials>> {
        self.current.load().map(|entry| entry.creds)
    }

    /// Asks the clock only when there is an expiry to compare with.
    fn need(&self, cached: Option<&Entry>) -> Need {
        let Some(cached) = cached else {
            return Need::Mandatory;
        };
        let Some(expiry) = cached.expiration else {
            return Need::None;
        };
        let left = expiry
            .duration_since(self.clock.now())
            .unwrap_or(Duration::ZERO);
        if left >= self.advisory {
            Need::None
        } else if left >= self.mandatory {
            Need::Advisory
        } else {
            Need::Mandatory
        }
    }

    /// Joins the refresh in flight or starts one. `satisfied` is the need level at which the
    /// cached credentials no longer need this refresh: checked under the flight lock, so a
    /// refresh that finished just before is not repeated.
    fn join(self: &Arc<Self>, satisfied: impl Fn(Need) -> bool) -> Role {
        let mut slot = self.flight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, rx)) = slot.as_ref() {
            return Role::Follower(rx.clone());
        }
        if let Some(cached) = self.current.load()
            && satisfied(self.need(Some(&cached)))
        {
            return Role::Done(cached.creds);
        }
        let id = self.next_flight.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = watch::channel(None);
        *slot = Some((id, rx));
        Role::Leader(Flight {
            shared: self.clone(),
            id,
            tx,
        })
    }

    fn clear_flight(&self, id: u64) {
        let mut slot = self.flight.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|(current, _)| *current == id) {
            *slot = None;
        }
    }

    /// Asks the provider once and checks the answer.
    async fn fetch(&self) -> Outcome {
        let creds = self.inner.provide_credentials().await?;
        if let Some(expiry) = creds.expiration()
            && expiry < self.clock.now()
            && !self.static_stability
        {
            // botocore raises it while the credentials are read.
            return Err(Error::still_expired(format_args!(
                "(they expired at {}; provider {})",
                timestamp::format_z(expiry),
                creds.provider()
            ))
            .deferred()
            .into());
        }
        Ok(Arc::new(creds))
    }

    /// Starts a background refresh unless one is in flight.
    fn refresh_in_background(self: &Arc<Self>, runtime: &tokio::runtime::Handle) {
        if let Role::Leader(flight) = self.join(|need| need == Need::None) {
            let shared = self.clone();
            runtime.spawn(async move {
                let outcome = shared.fetch().await;
                if let Err(e) = &outcome {
                    warn_advisory_failure(e);
                }
                flight.publish(outcome);
            });
        }
    }

    /// The advisory window without a tokio runtime: the first caller refreshes, the others keep
    /// the cached credentials; a failure keeps them too.
    async fn refresh_inline(self: &Arc<Self>, cached: Arc<Credentials>) -> Arc<Credentials> {
        match self.join(|need| need == Need::None) {
            Role::Leader(flight) => {
                let outcome = self.fetch().await;
                let result = match &outcome {
                    Ok(fresh) => fresh.clone(),
                    Err(e) => {
                        warn_advisory_failure(e);
                        cached
                    }
                };
                flight.publish(outcome);
                result
            }
            Role::Done(fresh) => fresh,
            Role::Follower(_) => cached,
        }
    }

    /// The mandatory window: waits for a refresh (joining the one in flight, if any).
    async fn refresh_blocking(self: &Arc<Self>) -> Result<Arc<Credentials>> {
        loop {
            let outcome = match self.join(|need| need != Need::Mandatory) {
                Role::Done(fresh) => return Ok(fresh),
                Role::Leader(flight) => {
                    let outcome = self.fetch().await;
                    flight.publish(outcome.clone());
                    outcome
                }
                Role::Follower(mut rx) => match rx.wait_for(Option::is_some).await {
                    Ok(published) => published
                        .clone()
                        .expect("wait_for returns a published outcome"),
                    // The leader was cancelled before it published: start over.
                    Err(_) => continue,
                },
            };
            return match outcome {
                Ok(fresh) => Ok(fresh),
                Err(e) => match self.current() {
                    // Static stability: an outage upstream keeps the last credentials working.
                    Some(stale) if self.static_stability => {
                        tracing::warn!(
                            error = %e.message,
                            "refreshing credentials failed; using the previous credentials \
                             (static stability)"
                        );
                        Ok(stale)
                    }
                    _ => Err(e.to_error()),
                },
            };
        }
    }
}

fn warn_advisory_failure(e: &SharedError) {
    tracing::warn!(
        error = %e.message,
        "Refreshing temporary credentials failed during advisory refresh period; \
         the current credentials stay in use"
    );
}

impl RefreshCache {
    /// A cache in front of `inner`, reading time from `clock`, with the CLI's windows.
    pub fn new(inner: Arc<dyn ProvideCredentials>, clock: Arc<dyn Clock>) -> Self {
        RefreshCache {
            shared: Arc::new(Shared {
                inner,
                clock,
                advisory: ADVISORY_REFRESH,
                mandatory: MANDATORY_REFRESH,
                static_stability: false,
                current: Shards::new(None),
                flight: Mutex::new(None),
                next_flight: AtomicU64::new(0),
            }),
        }
    }

    /// The same cache with other windows (botocore lets callers pass its two timeouts too).
    /// `mandatory` is capped at `advisory`. Call before the first use: clones made earlier keep
    /// the old windows.
    pub fn with_windows(self, advisory: Duration, mandatory: Duration) -> Self {
        self.rebuild(|s| {
            s.advisory = advisory;
            s.mandatory = mandatory.min(advisory);
        })
    }

    /// The same cache accepting refreshed credentials that are already expired, and keeping the
    /// previous credentials when a refresh fails: the static stability of EC2 instance metadata,
    /// whose provider extends the expiry of the stale credentials it is served. Call before the
    /// first use.
    pub fn with_static_stability(self) -> Self {
        self.rebuild(|s| s.static_stability = true)
    }

    fn rebuild(self, change: impl FnOnce(&mut Shared)) -> Self {
        let old = &self.shared;
        let mut shared = Shared {
            inner: old.inner.clone(),
            clock: old.clock.clone(),
            advisory: old.advisory,
            mandatory: old.mandatory,
            static_stability: old.static_stability,
            current: Shards::new(old.current()),
            flight: Mutex::new(None),
            next_flight: AtomicU64::new(0),
        };
        change(&mut shared);
        RefreshCache {
            shared: Arc::new(shared),
        }
    }

    /// The cached credentials, without refreshing or waiting; `None` before the first fetch.
    pub fn cached(&self) -> Option<Arc<Credentials>> {
        self.shared.current()
    }

    /// The credentials as shared, cheap to clone: the cached ones, or refreshed as the windows
    /// say. [`ProvideCredentials::provide_credentials`] is this plus a clone of the value.
    pub async fn credentials(&self) -> Result<Arc<Credentials>> {
        let shared = &self.shared;
        let cached = shared.current.load();
        match shared.need(cached.as_ref()) {
            Need::None => Ok(cached.expect("Need::None implies cached credentials").creds),
            Need::Advisory => {
                tracing::debug!(
                    window_secs = shared.advisory.as_secs(),
                    "cached credentials inside the advisory refresh window: refreshing"
                );
                let cached = cached
                    .expect("Need::Advisory implies cached credentials")
                    .creds;
                match tokio::runtime::Handle::try_current() {
                    Ok(runtime) => {
                        shared.refresh_in_background(&runtime);
                        Ok(cached)
                    }
                    Err(_) => Ok(shared.refresh_inline(cached).await),
                }
            }
            Need::Mandatory => {
                tracing::debug!(
                    window_secs = shared.mandatory.as_secs(),
                    cached = cached.is_some(),
                    "no cached credentials, or inside the mandatory refresh window: fetching"
                );
                shared.refresh_blocking().await
            }
        }
    }
}

impl fmt::Debug for RefreshCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.shared.current();
        f.debug_struct("RefreshCache")
            .field("inner", &self.shared.inner)
            .field(
                "cached_expiration",
                &cached
                    .as_ref()
                    .and_then(|c| c.expiration())
                    .map(timestamp::format_z),
            )
            .field("advisory", &self.shared.advisory)
            .field("mandatory", &self.shared.mandatory)
            .field("static_stability", &self.shared.static_stability)
            .finish()
    }
}

impl ProvideCredentials for RefreshCache {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(async move { self.credentials().await.map(|c| (*c).clone()) })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Barrier, Mutex};
    use std::time::SystemTime;

    use crate::clock::ManualClock;

    use super::*;

    /// Answers `AK<n>` for its n-th fetch, valid for an hour on its clock.
    #[derive(Debug)]
    struct Counting {
        clock: Arc<ManualClock>,
        fetches: AtomicUsize,
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
            Box::pin(async move {
                let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
                Ok(Credentials::new(
                    format!("AK{n}"),
                    "SECRET",
                    None,
                    Some(self.clock.now() + Duration::from_secs(3600)),
                    "test",
                ))
            })
        }
    }

    fn read(cache: &RefreshCache) -> String {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(cache.credentials())
            .unwrap()
            .access_key_id()
            .to_owned()
    }

    /// What `threads` threads, alive at once (so each holds its own shard while there are shards
    /// left), read.
    fn read_from_threads(cache: &RefreshCache, threads: usize) -> Vec<String> {
        let barrier = Arc::new(Barrier::new(threads));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (cache, barrier, seen) = (cache.clone(), barrier.clone(), seen.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let key = read(&cache);
                    seen.lock().unwrap().push(key);
                    barrier.wait();
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        Arc::try_unwrap(seen).unwrap().into_inner().unwrap()
    }

    #[test]
    fn a_refresh_on_one_thread_reaches_every_threads_copy() {
        let clock = Arc::new(ManualClock::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        ));
        let upstream = Arc::new(Counting {
            clock: clock.clone(),
            fetches: AtomicUsize::new(0),
        });
        let cache = RefreshCache::new(upstream.clone(), clock.clone());
        let threads = 2 * shards::shard_count_for_tests();
        assert_eq!(read(&cache), "AK1");
        assert!(
            read_from_threads(&cache, threads)
                .iter()
                .all(|k| k == "AK1")
        );
        clock.advance(Duration::from_secs(3600 + 1));
        assert_eq!(read(&cache), "AK2");
        // Every shard was refilled: no thread sees the expired copy and fetches again.
        assert!(
            read_from_threads(&cache, threads)
                .iter()
                .all(|k| k == "AK2")
        );
        assert_eq!(upstream.fetches.load(Ordering::SeqCst), 2);
    }
}

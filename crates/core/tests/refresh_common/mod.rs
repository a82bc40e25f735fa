//! A scripted upstream provider and a manual clock for the refresh cache tests.

#![allow(dead_code)] // each test file uses a different part

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_core::clock::ManualClock;
use awscred_core::provider::BoxFuture;
use awscred_core::refresh::RefreshCache;
use awscred_core::{Credentials, Error, ProvideCredentials, Result};
use tokio::sync::Semaphore;

pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
pub const HOUR: Duration = Duration::from_secs(3600);
pub const MINUTE: Duration = Duration::from_secs(60);

/// An upstream that counts its fetches, answers `AK<n>` for the n-th, expiring `lifetime` after
/// the clock's now (`None`: never), fails while `failing`, and when gated waits for a permit.
#[derive(Debug)]
pub struct Upstream {
    pub clock: Arc<ManualClock>,
    pub fetches: AtomicUsize,
    pub failing: AtomicBool,
    /// Seconds of lifetime; negative: already expired; `None`: no expiry.
    pub lifetime: Mutex<Option<i64>>,
    pub gate: Option<Arc<Semaphore>>,
}

impl Upstream {
    pub fn new(clock: Arc<ManualClock>) -> Arc<Self> {
        Arc::new(Upstream {
            clock,
            fetches: AtomicUsize::new(0),
            failing: AtomicBool::new(false),
            lifetime: Mutex::new(Some(3600)),
            gate: None,
        })
    }

    /// An upstream whose fetches wait for [`Semaphore::add_permits`] on the returned gate.
    pub fn gated(clock: Arc<ManualClock>) -> (Arc<Self>, Arc<Semaphore>) {
        let gate = Arc::new(Semaphore::new(0));
        let upstream = Arc::new(Upstream {
            clock,
            fetches: AtomicUsize::new(0),
            failing: AtomicBool::new(false),
            lifetime: Mutex::new(Some(3600)),
            gate: Some(gate.clone()),
        });
        (upstream, gate)
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    pub fn set_lifetime(&self, seconds: Option<i64>) {
        *self.lifetime.lock().unwrap() = seconds;
    }
}

impl ProvideCredentials for Upstream {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(async move {
            let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
            if let Some(gate) = &self.gate {
                gate.acquire().await.expect("gate open").forget();
            }
            if self.failing.load(Ordering::SeqCst) {
                return Err(Error::provider_failed(format!("upstream down (fetch {n})")));
            }
            let now = awscred_core::clock::Clock::now(&*self.clock);
            let expiry = self.lifetime.lock().unwrap().map(|secs| {
                if secs >= 0 {
                    now + Duration::from_secs(secs as u64)
                } else {
                    now - Duration::from_secs(secs.unsigned_abs())
                }
            });
            Ok(Credentials::new(
                format!("AK{n}"),
                SECRET,
                None,
                expiry,
                "upstream",
            ))
        })
    }
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    ))
}

pub fn cache(upstream: &Arc<Upstream>) -> RefreshCache {
    RefreshCache::new(upstream.clone(), upstream.clock.clone())
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Runs a future to completion with no tokio runtime around it (a plain thread-parking
/// executor), as a caller on another executor would.
pub fn block_on_without_tokio<T>(future: impl Future<Output = T>) -> T {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
            return value;
        }
        std::thread::park();
    }
}

/// Seconds from `now` to the expiry of the credentials, for readable assertions.
pub fn left(creds: &Credentials, now: SystemTime) -> Option<u64> {
    creds
        .expiration()
        .map(|e| e.duration_since(now).unwrap_or_default().as_secs())
}

//! Cached-read cost of the refresh cache: `cargo bench -p awscred-chain --bench refresh`.
//!
//! Hand-rolled (no bench framework): a warm-up, then samples of a batch of reads each, timed
//! with `Instant`; prints the per-read median and p99. The target is a median of at most 100 ns
//! for `credentials()`, the shared-value read the chain's callers use.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

use awscred_core::clock::SystemClock;
use awscred_core::provider::BoxFuture;
use awscred_core::refresh::RefreshCache;
use awscred_core::{Credentials, ProvideCredentials, Result};

#[derive(Debug)]
struct Upstream;

impl ProvideCredentials for Upstream {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(async {
            Ok(Credentials::new(
                "ASIAEXAMPLEEXAMPLE01",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
                Some("IQoJb3JpZ2luX2VjEXAMPLETOKEN".into()),
                Some(SystemTime::now() + Duration::from_secs(6 * 3600)),
                "bench",
            )
            .with_account_id(Some("123456789012".into())))
        })
    }
}

/// Polls a future that is expected to be ready at once (a cached read never waits).
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("a cached read must not wait"),
    }
}

fn measure(name: &str, mut op: impl FnMut()) {
    const BATCH: u32 = 1_000;
    const SAMPLES: usize = 2_000;
    let warm_up = Instant::now();
    while warm_up.elapsed() < Duration::from_millis(300) {
        op();
    }
    let mut per_op: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..BATCH {
                op();
            }
            start.elapsed().as_nanos() as f64 / f64::from(BATCH)
        })
        .collect();
    per_op.sort_by(f64::total_cmp);
    let median = per_op[SAMPLES / 2];
    let p99 = per_op[SAMPLES * 99 / 100];
    println!("{name:<52} median {median:>7.1} ns   p99 {p99:>7.1} ns");
}

fn main() {
    let cache = RefreshCache::new(Arc::new(Upstream), Arc::new(SystemClock));
    ready(cache.credentials()).expect("first fetch");

    measure("refresh cache: credentials() (Arc, cached)", || {
        black_box(ready(cache.credentials()).expect("cached"));
    });
    measure("refresh cache: provide_credentials() (owned clone)", || {
        black_box(ready(cache.provide_credentials()).expect("cached"));
    });
    measure("baseline: SystemClock::now()", || {
        black_box(awscred_core::clock::Clock::now(&SystemClock));
    });

    // Readers on two threads at once: the read lock is shared, never exclusive.
    let reader = cache.clone();
    let other = std::thread::spawn(move || {
        let end = Instant::now() + Duration::from_secs(3);
        while Instant::now() < end {
            black_box(ready(reader.credentials()).expect("cached"));
        }
    });
    measure(
        "refresh cache: credentials() with a 2nd reader thread",
        || {
            black_box(ready(cache.credentials()).expect("cached"));
        },
    );
    other.join().expect("reader thread");
}

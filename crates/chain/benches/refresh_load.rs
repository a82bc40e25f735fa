//! The refresh cache under load: `cargo bench -p awscred-chain --bench refresh_load [-- --quick]`.
//!
//! Complements `refresh.rs` (single-reader figures, for humans) with the figures
//! `cargo xtask bench` collects, one JSON line each:
//! - `refresh_cached_read_tasks_N`: per-read time of `RefreshCache::credentials()` on a warm cache
//!   while N tokio tasks (N = 1, 2, 64) read at once on a runtime with one worker per core.
//!   Each sample is a batch of reads divided by the batch size (one read is shorter than the
//!   clock's resolution); tasks yield between batches so they interleave.
//! - `refresh_fetches_10000_callers`: 10,000 tasks ask for credentials at the same moment right
//!   after the cached ones expired; how many times the upstream provider was asked (goal: 1).

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

use awscred_core::clock::{Clock, ManualClock, SystemClock};
use awscred_core::provider::BoxFuture;
use awscred_core::refresh::RefreshCache;
use awscred_core::{Credentials, ProvideCredentials, Result};
use awscred_testkit::bench::Samples;

/// Hands out credentials valid for an hour on its clock, and counts the calls.
#[derive(Debug)]
struct Upstream {
    clock: Arc<dyn Clock>,
    fetches: AtomicUsize,
    latency: Duration,
}

impl ProvideCredentials for Upstream {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(async move {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            if !self.latency.is_zero() {
                tokio::time::sleep(self.latency).await;
            }
            Ok(Credentials::new(
                "ASIABENCHREFRESH0001",
                "benchRefreshSecretNotARealOne00000000000",
                Some("benchRefreshToken".into()),
                Some(self.clock.now() + Duration::from_secs(3600)),
                "bench",
            ))
        })
    }
}

const BATCH: u32 = 1_000;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let samples_per_task = if quick { 200 } else { 2_000 };
    for tasks in [1usize, 2, 64] {
        cached_reads(tasks, samples_per_task);
    }
    fetches_across_expiry(10_000);
}

fn cached_reads(tasks: usize, samples_per_task: usize) {
    let upstream = Arc::new(Upstream {
        clock: Arc::new(SystemClock),
        fetches: AtomicUsize::new(0),
        latency: Duration::ZERO,
    });
    let cache = RefreshCache::new(upstream, Arc::new(SystemClock));
    ready(cache.credentials()).expect("first fetch");
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .expect("tokio runtime");
    // Tasks start together, after every one is spawned, so the reads really overlap.
    let start_gate = Arc::new(tokio::sync::Barrier::new(tasks));
    // Per-task samples: fewer each as tasks grow, so the run stays short.
    let per_task = (samples_per_task * 2 / tasks).max(50);
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let cache = cache.clone();
            let gate = start_gate.clone();
            rt.spawn(async move {
                gate.wait().await;
                let warm_up = Instant::now();
                while warm_up.elapsed() < Duration::from_millis(100) {
                    black_box(cache.credentials().await.expect("cached"));
                }
                let mut mine = Vec::with_capacity(per_task);
                for _ in 0..per_task {
                    let start = Instant::now();
                    for _ in 0..BATCH {
                        black_box(cache.credentials().await.expect("cached"));
                    }
                    mine.push(start.elapsed() / BATCH);
                    tokio::task::yield_now().await;
                }
                mine
            })
        })
        .collect();
    let mut samples = Samples::with_capacity(per_task * tasks);
    for handle in handles {
        for sample in rt.block_on(handle).expect("reader task") {
            samples.push(sample);
        }
    }
    let extra = [
        ("tasks", tasks.to_string()),
        ("workers", workers.to_string()),
    ];
    println!(
        "{}",
        samples.json_line(&format!("refresh_cached_read_tasks_{tasks}"), &extra)
    );
}

fn fetches_across_expiry(callers: usize) {
    let clock = Arc::new(ManualClock::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
    ));
    let upstream = Arc::new(Upstream {
        clock: clock.clone(),
        fetches: AtomicUsize::new(0),
        // Long enough that every caller arrives while the one refresh is in flight.
        latency: Duration::from_millis(50),
    });
    let cache = RefreshCache::new(upstream.clone(), clock.clone());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .build()
        .expect("tokio runtime");
    rt.block_on(cache.credentials()).expect("first fetch");
    let before = upstream.fetches.load(Ordering::SeqCst);
    clock.advance(Duration::from_secs(3600 + 1));
    let started = Instant::now();
    let handles: Vec<_> = (0..callers)
        .map(|_| {
            let cache = cache.clone();
            rt.spawn(async move { cache.credentials().await.map(|c| c.access_key_id().len()) })
        })
        .collect();
    let mut failures = 0usize;
    for handle in handles {
        if !matches!(rt.block_on(handle), Ok(Ok(_))) {
            failures += 1;
        }
    }
    let elapsed = started.elapsed();
    let fetches = upstream.fetches.load(Ordering::SeqCst) - before;
    println!(
        "{{\"bench\":\"refresh_fetches_10000_callers\",\"callers\":{callers},\"fetches\":{fetches},\"failures\":{failures},\"elapsed_ns\":{}}}",
        elapsed.as_nanos()
    );
}

/// Polls a future that must be ready at once (a cached read never waits).
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the first fetch of an upstream without latency must not wait"),
    }
}

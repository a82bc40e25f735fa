//! Single flight: 10,000 concurrent callers across an expiry cause exactly one upstream fetch.

mod refresh_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use awscred_core::ProvideCredentials;
use refresh_common::*;

const CALLERS: usize = 10_000;

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

/// Starts `CALLERS` tasks that each ask the cache once, waits until all have started and the
/// upstream has been asked (it is held at its gate), then opens the gate and collects.
async fn stampede(
    cache: &awscred_core::refresh::RefreshCache,
    upstream: &Arc<Upstream>,
    gate: &Arc<tokio::sync::Semaphore>,
    fetches_before: usize,
) -> Vec<awscred_core::Result<awscred_core::Credentials>> {
    let started = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let cache = cache.clone();
            let started = started.clone();
            tokio::spawn(async move {
                started.fetch_add(1, Ordering::SeqCst);
                cache.provide_credentials().await
            })
        })
        .collect();
    while started.load(Ordering::SeqCst) < CALLERS || upstream.fetches() == fetches_before {
        tokio::task::yield_now().await;
    }
    // Give late callers time to reach the wait too.
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    gate.add_permits(CALLERS);
    let mut results = Vec::with_capacity(CALLERS);
    for task in tasks {
        results.push(task.await.expect("caller task"));
    }
    results
}

#[test]
fn concurrent_callers_across_an_expiry_cause_one_fetch() {
    let clock = clock();
    let (upstream, gate) = Upstream::gated(clock.clone());
    let cache = cache(&upstream);
    multi_thread().block_on(async {
        gate.add_permits(1);
        cache.provide_credentials().await.unwrap();
        assert_eq!(upstream.fetches(), 1);
        clock.advance(HOUR + MINUTE); // expired
        let results = stampede(&cache, &upstream, &gate, 1).await;
        assert_eq!(
            upstream.fetches(),
            2,
            "exactly one fetch for {CALLERS} callers"
        );
        assert!(
            results
                .iter()
                .all(|r| r.as_ref().unwrap().access_key_id() == "AK2")
        );
    });
}

#[test]
fn concurrent_callers_share_one_failure() {
    // Single-threaded, so that every caller has joined the refresh before it fails: a caller
    // arriving after a failure rightly starts a new refresh (errors are not cached).
    let clock = clock();
    let (upstream, gate) = Upstream::gated(clock.clone());
    let cache = cache(&upstream);
    upstream.fail(true);
    runtime().block_on(async {
        let results = stampede(&cache, &upstream, &gate, 0).await;
        assert_eq!(upstream.fetches(), 1, "one fetch, its error for everyone");
        assert!(results.iter().all(|r| {
            r.as_ref()
                .is_err_and(|e| e.to_string() == "upstream down (fetch 1)")
        }));
    });
}

#[test]
fn concurrent_callers_in_the_advisory_window_start_one_background_refresh() {
    let clock = clock();
    let (upstream, gate) = Upstream::gated(clock.clone());
    let cache = cache(&upstream);
    multi_thread().block_on(async {
        gate.add_permits(1);
        cache.provide_credentials().await.unwrap();
        clock.advance(HOUR - 12 * MINUTE);
        // With the refresh held at the gate, every caller must still be answered: none waits.
        let tasks: Vec<_> = (0..CALLERS)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.provide_credentials().await })
            })
            .collect();
        let all = async {
            let mut results = Vec::with_capacity(CALLERS);
            for task in tasks {
                results.push(task.await.expect("caller task"));
            }
            results
        };
        let results = tokio::time::timeout(std::time::Duration::from_secs(60), all)
            .await
            .expect("no caller waits for a background refresh");
        assert!(
            results
                .iter()
                .all(|r| r.as_ref().unwrap().access_key_id() == "AK1")
        );
        assert_eq!(
            upstream.fetches(),
            2,
            "one background refresh for {CALLERS} callers"
        );
        gate.add_permits(1);
        while cache.cached().unwrap().access_key_id() != "AK2" {
            tokio::task::yield_now().await;
        }
        assert_eq!(upstream.fetches(), 2);
    });
}

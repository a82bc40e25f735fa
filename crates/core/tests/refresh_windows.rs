//! The refresh cache's windows: fresh, advisory (15 min), mandatory (10 min), expired, none.

mod refresh_common;

use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use awscred_core::clock::Clock;
use awscred_core::{ErrorKind, ProvideCredentials};
use refresh_common::*;

/// Lets spawned tasks run until `done` holds (bounded, so a bug fails instead of hanging).
async fn settle(done: impl Fn() -> bool) {
    for _ in 0..10_000 {
        if done() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("background work did not finish");
}

#[test]
fn fresh_credentials_are_served_without_asking_again() {
    let clock = clock();
    let upstream = Upstream::new(clock.clone());
    let cache = cache(&upstream);
    runtime().block_on(async {
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "AK1"
        );
        // 15 min 1 s left: still outside the advisory window.
        clock.advance(HOUR - 15 * MINUTE - std::time::Duration::from_secs(1));
        for _ in 0..5 {
            assert_eq!(
                cache.provide_credentials().await.unwrap().access_key_id(),
                "AK1"
            );
        }
        tokio::task::yield_now().await;
    });
    assert_eq!(upstream.fetches(), 1);
}

#[test]
fn credentials_without_expiry_are_never_refreshed() {
    let clock = clock();
    let upstream = Upstream::new(clock.clone());
    upstream.set_lifetime(None);
    let cache = cache(&upstream);
    runtime().block_on(async {
        cache.provide_credentials().await.unwrap();
        clock.advance(HOUR * 24 * 365 * 10);
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "AK1"
        );
        tokio::task::yield_now().await;
    });
    assert_eq!(upstream.fetches(), 1);
}

#[test]
fn advisory_window_answers_at_once_and_refreshes_in_the_background() {
    let clock = clock();
    let (upstream, gate) = Upstream::gated(clock.clone());
    let cache = cache(&upstream);
    runtime().block_on(async {
        gate.add_permits(1);
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "AK1"
        );
        clock.advance(HOUR - 14 * MINUTE); // 14 min left
        // The background fetch is stuck at the gate, yet every caller is answered at once.
        for _ in 0..3 {
            assert_eq!(
                cache.provide_credentials().await.unwrap().access_key_id(),
                "AK1"
            );
        }
        settle(|| upstream.fetches() == 2).await;
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "AK1"
        );
        gate.add_permits(1);
        settle(|| cache.cached().unwrap().access_key_id() == "AK2").await;
        let fresh = cache.provide_credentials().await.unwrap();
        assert_eq!(fresh.access_key_id(), "AK2");
        assert_eq!(left(&fresh, clock.now()), Some(3600));
    });
    assert_eq!(upstream.fetches(), 2);
}

#[test]
fn a_failing_background_refresh_never_replaces_good_credentials() {
    let clock = clock();
    let upstream = Upstream::new(clock.clone());
    let cache = cache(&upstream);
    runtime().block_on(async {
        cache.provide_credentials().await.unwrap();
        upstream.fail(true);
        clock.advance(HOUR - 12 * MINUTE); // 12 min left: advisory
        for round in 0..5 {
            let creds = cache.provide_credentials().await.unwrap();
            assert_eq!(creds.access_key_id(), "AK1", "round {round}");
            assert_eq!(creds.secret_access_key().expose(), SECRET);
            settle(|| upstream.fetches() >= 2 + round).await;
            // Let the failed refresh finish before the next round.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            assert_eq!(cache.cached().unwrap().access_key_id(), "AK1");
        }
        // In the mandatory window the failure is the caller's error; the cache keeps AK1.
        clock.advance(3 * MINUTE); // 9 min left
        let err = cache.provide_credentials().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProviderFailed);
        assert!(err.to_string().starts_with("upstream down"), "{err}");
        assert_eq!(cache.cached().unwrap().access_key_id(), "AK1");
    });
}

#[test]
fn mandatory_window_waits_for_the_refresh() {
    let clock = clock();
    let upstream = Upstream::new(clock.clone());
    let cache = cache(&upstream);
    runtime().block_on(async {
        cache.provide_credentials().await.unwrap();
        clock.advance(HOUR - 9 * MINUTE); // 9 min left
        let fresh = cache.provide_credentials().await.unwrap();
        assert_eq!(fresh.access_key_id(), "AK2");
        assert_eq!(left(&fresh, clock.now()), Some(3600));
    });
    assert_eq!(upstream.fetches(), 2);
}

#[test]
fn mandatory_window_boundaries_are_botocores() {
    // Exactly 10 min left is still advisory (botocore refreshes when fewer seconds remain than
    // the timeout); exactly 15 min left needs nothing.
    let clock = clock();
    let (upstream, gate) = Upstream::gated(clock.clone());
    let cache = cache(&upstream);
    runtime().block_on(async {
        gate.add_permits(1);
        cache.provide_credentials().await.unwrap();
        clock.advance(HOUR - 15 * MINUTE);
        cache.provide_credentials().await.unwrap();
        tokio::task::yield_now().await;
        assert_eq!(upstream.fetches(), 1);
        clock.advance(5 * MINUTE); // exactly 10 min left
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "AK1"
        );
        settle(|| upstream.fetches() == 2).await;
    });
}

#[test]
fn expired_credentials_are_refreshed_and_a_failure_is_an_error() {
    let clock = clock();
    let upstream = Upstream::new(clock.clone());
    let cache = cache(&upstream);
    runtime().block_on(async {
        cache.provide_credentials().await.unwrap();
        clock.advance(2 * HOUR);
        upstream.fail(true);
        let err = cache.provide_credentials().await.unwrap_err();
        assert_eq!(err.to_string(), "upstream down (fetch 2)");
        upstream.fail(false);
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "AK3"
        );
    });
}

#[test]
fn errors_are_not_cached() {
    let clock = clock();
    let upstream = Upstream::new(clock.clone());
    upstream.fail(true);
    let cache = cache(&upstream);
    runtime().block_on(async {
        assert!(cache.provide_credentials().await.is_err());
        assert!(cache.cached().is_none());
        upstream.fail(false);
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "AK2"
        );
    });
}

#[test]
fn refreshed_credentials_already_expired_are_an_error() {
    let clock = clock();
    let upstream = Upstream::new(clock.clone());
    upstream.set_lifetime(Some(-60));
    let cache = cache(&upstream);
    let err = runtime().block_on(cache.provide_credentials()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert_eq!(
        err.to_string(),
        "Credentials were refreshed, but the refreshed credentials are still expired. (they \
         expired at 2023-11-14T22:12:20Z; provider upstream)"
    );
    assert!(cache.cached().is_none());
}

#[test]
fn static_stability_accepts_extended_credentials_and_survives_outages() {
    let clock = clock();
    let upstream = Upstream::new(clock.clone());
    upstream.set_lifetime(Some(-60));
    let cache = cache(&upstream).with_static_stability();
    runtime().block_on(async {
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "AK1"
        );
        upstream.fail(true);
        // Mandatory window (expired), refresh fails: the previous credentials are kept.
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "AK1"
        );
        assert_eq!(upstream.fetches(), 2);
    });
}

#[test]
fn without_tokio_the_first_caller_refreshes_in_the_advisory_window() {
    let clock = clock();
    let upstream = Upstream::new(clock.clone());
    let cache = cache(&upstream);
    assert_eq!(
        block_on_without_tokio(cache.provide_credentials())
            .unwrap()
            .access_key_id(),
        "AK1"
    );
    clock.advance(HOUR - 12 * MINUTE);
    assert_eq!(
        block_on_without_tokio(cache.provide_credentials())
            .unwrap()
            .access_key_id(),
        "AK2"
    );
    // A failed inline refresh keeps the current credentials.
    clock.advance(HOUR - 12 * MINUTE);
    upstream.fail(true);
    assert_eq!(
        block_on_without_tokio(cache.provide_credentials())
            .unwrap()
            .access_key_id(),
        "AK2"
    );
    assert_eq!(upstream.fetches(), 3);
}

#[test]
fn without_tokio_others_keep_reading_while_the_first_caller_refreshes() {
    let clock = clock();
    let (upstream, gate) = Upstream::gated(clock.clone());
    let cache = cache(&upstream);
    gate.add_permits(1);
    block_on_without_tokio(cache.provide_credentials()).unwrap();
    clock.advance(HOUR - 12 * MINUTE);
    let mut first = Box::pin(cache.provide_credentials());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(
        first.as_mut().poll(&mut cx).is_pending(),
        "the first caller refreshes"
    );
    assert_eq!(
        block_on_without_tokio(cache.provide_credentials())
            .unwrap()
            .access_key_id(),
        "AK1"
    );
    gate.add_permits(1);
    let refreshed = loop {
        if let Poll::Ready(r) = first.as_mut().poll(&mut cx) {
            break r;
        }
        std::thread::yield_now();
    };
    assert_eq!(refreshed.unwrap().access_key_id(), "AK2");
    assert_eq!(upstream.fetches(), 2);
}

#[test]
fn a_cancelled_refresh_lets_the_waiters_retry() {
    let clock = clock();
    let (upstream, gate) = Upstream::gated(clock.clone());
    let cache = cache(&upstream);
    let mut cx = Context::from_waker(Waker::noop());
    let mut leader = Box::pin(cache.provide_credentials());
    assert!(leader.as_mut().poll(&mut cx).is_pending());
    let mut follower = Box::pin(cache.provide_credentials());
    assert!(follower.as_mut().poll(&mut cx).is_pending());
    drop(leader);
    // The follower notices, becomes the leader and fetches itself.
    assert!(follower.as_mut().poll(&mut cx).is_pending());
    assert_eq!(upstream.fetches(), 2);
    gate.add_permits(1);
    let creds = loop {
        if let Poll::Ready(r) = follower.as_mut().poll(&mut cx) {
            break r;
        }
        std::thread::yield_now();
    };
    assert_eq!(creds.unwrap().access_key_id(), "AK2");
}

#[test]
fn custom_windows_and_debug_without_secrets() {
    let clock = clock();
    let upstream = Upstream::new(clock.clone());
    let cache = cache(&upstream).with_windows(30 * MINUTE, 20 * MINUTE);
    runtime().block_on(async {
        cache.provide_credentials().await.unwrap();
        clock.advance(HOUR - 19 * MINUTE); // 19 min left: mandatory with these windows
        assert_eq!(
            cache.provide_credentials().await.unwrap().access_key_id(),
            "AK2"
        );
    });
    let shown = format!("{cache:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("cached_expiration"), "{shown}");
    let _: Arc<dyn ProvideCredentials> = Arc::new(cache);
}

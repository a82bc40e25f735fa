//! Credentials for the endpoint without ever making a request wait on a refresh for long.
//!
//! Credentials held with more than the CLI's advisory window left (or no expiry) are served as
//! they are: the provider would answer with the same. Otherwise one refresh at a time runs in its
//! own task (so a client that gives up does not cancel it),
//! asking the provider (the chain, whose cache refreshes with the CLI's windows). A request
//! waits for that refresh at most [`HELD_WAIT`] when credentials that are still valid are held,
//! and is then answered with those (static stability: a slow or failing refresh never takes
//! valid credentials away); without valid credentials it waits at most [`EMPTY_WAIT`]. A refresh
//! that has run for [`REFRESH_LIMIT`] is abandoned and the next request starts another.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use awscred_chain::refresh::ADVISORY_REFRESH;
use awscred_core::{Credentials, ProvideCredentials};
use tokio::sync::watch;
use tokio::task::AbortHandle;

/// How long a request waits for a refresh when valid credentials are held.
pub(crate) const HELD_WAIT: Duration = Duration::from_secs(1);
/// How long a request waits for a refresh when no valid credentials are held.
pub(crate) const EMPTY_WAIT: Duration = Duration::from_secs(5);
/// A refresh running longer than this is abandoned.
pub(crate) const REFRESH_LIMIT: Duration = Duration::from_secs(60);
/// Held credentials with less than this left are not handed out any more.
const MIN_LEFT: Duration = Duration::from_secs(5);

/// What a refresh ends with; the error as its message (it is shared by every waiting request).
type Outcome = Result<Arc<Credentials>, String>;

/// Why no credentials can be served.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unavailable {
    /// The refresh failed with this message, and nothing valid is held.
    Failed(String),
    /// The refresh has not finished within [`EMPTY_WAIT`], and nothing valid is held.
    Refreshing,
}

/// The credentials an endpoint serves.
#[derive(Debug)]
pub(crate) struct Supply {
    provider: Arc<dyn ProvideCredentials>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The last credentials a refresh produced.
    held: Option<Arc<Credentials>>,
    flight: Option<Flight>,
}

#[derive(Debug)]
struct Flight {
    started: Instant,
    outcome: watch::Receiver<Option<Outcome>>,
    task: AbortHandle,
}

impl Supply {
    /// A supply asking `provider`, holding `first` (the credentials resolved at start) if given.
    pub(crate) fn new(provider: Arc<dyn ProvideCredentials>, first: Option<Credentials>) -> Self {
        Supply {
            provider,
            state: Mutex::new(State {
                held: first.map(Arc::new),
                flight: None,
            }),
        }
    }

    /// The credentials to serve now: fresh from the provider when it answers in time, else the
    /// held ones while they are valid.
    pub(crate) async fn credentials(&self) -> Result<Arc<Credentials>, Unavailable> {
        // Outside the refresh windows the provider would answer with these very credentials:
        // no need to ask it.
        if let Some(held) = self
            .held()
            .filter(|c| outside_windows(c, SystemTime::now()))
        {
            return Ok(held);
        }
        let (mut outcome, held) = self.join_or_start();
        let held = held.filter(|c| still_valid(c, SystemTime::now()));
        let wait = if held.is_some() {
            HELD_WAIT
        } else {
            EMPTY_WAIT
        };
        let result = match tokio::time::timeout(wait, outcome.wait_for(Option::is_some)).await {
            Ok(Ok(done)) => done.clone(),
            // The refresh was abandoned (its task aborted).
            Ok(Err(_)) => None,
            Err(_) => {
                tracing::debug!(?wait, "the refresh is still running");
                None
            }
        };
        match result {
            Some(Ok(fresh)) => {
                self.keep(&fresh);
                Ok(fresh)
            }
            Some(Err(message)) => held.ok_or(Unavailable::Failed(message)).inspect(|_| {
                tracing::warn!(
                    "the refresh failed; serving the credentials held (static stability)"
                )
            }),
            None => held.ok_or(Unavailable::Refreshing),
        }
    }

    /// The refresh in flight (starting one when none runs) and the held credentials.
    fn join_or_start(&self) -> (watch::Receiver<Option<Outcome>>, Option<Arc<Credentials>>) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let reusable = state
            .flight
            .as_ref()
            .is_some_and(|f| f.outcome.borrow().is_none() && f.started.elapsed() < REFRESH_LIMIT);
        if !reusable {
            if let Some(old) = state.flight.take() {
                // Finished (nothing to abort) or stuck past the limit.
                old.task.abort();
            }
            let (tx, rx) = watch::channel(None);
            let provider = self.provider.clone();
            let task = tokio::spawn(async move {
                let outcome = provider
                    .provide_credentials()
                    .await
                    .map(Arc::new)
                    .map_err(|e| e.to_string());
                let _ = tx.send(Some(outcome));
            });
            state.flight = Some(Flight {
                started: Instant::now(),
                outcome: rx,
                task: task.abort_handle(),
            });
        }
        let flight = state.flight.as_ref().expect("a flight was just ensured");
        (flight.outcome.clone(), state.held.clone())
    }

    fn held(&self) -> Option<Arc<Credentials>> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.held.clone()
    }

    fn keep(&self, fresh: &Arc<Credentials>) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.held = Some(fresh.clone());
    }
}

/// Whether credentials are far from any refresh at `now`: no expiry, or more than the CLI's
/// advisory window ([`ADVISORY_REFRESH`], 15 minutes) left.
fn outside_windows(creds: &Credentials, now: SystemTime) -> bool {
    creds
        .expiration()
        .is_none_or(|at| at > now + ADVISORY_REFRESH)
}

/// Whether credentials can still be handed out at `now`: no expiry, or more than [`MIN_LEFT`].
fn still_valid(creds: &Credentials, now: SystemTime) -> bool {
    creds.expiration().is_none_or(|at| at > now + MIN_LEFT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_core::provider::BoxFuture;
    use awscred_core::{Error, ErrorKind};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Answers once with credentials valid for `left`, then as `then` says.
    #[derive(Debug)]
    struct Scripted {
        calls: AtomicUsize,
        then: Then,
    }

    #[derive(Debug)]
    enum Then {
        Hang,
        Fail,
    }

    impl ProvideCredentials for Scripted {
        fn provide_credentials(&self) -> BoxFuture<'_, awscred_core::Result<Credentials>> {
            Box::pin(async move {
                self.calls.fetch_add(1, Ordering::SeqCst);
                match self.then {
                    Then::Hang => std::future::pending().await,
                    Then::Fail => Err(Error::new(ErrorKind::ProviderFailed, "upstream down")),
                }
            })
        }
    }

    fn creds(left: Duration) -> Credentials {
        Credentials::new(
            "ASIA1",
            "S",
            Some("T".into()),
            Some(SystemTime::now() + left),
            "t",
        )
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn a_hanging_refresh_serves_the_held_credentials_and_runs_once() {
        rt().block_on(async {
            let provider = Arc::new(Scripted {
                calls: AtomicUsize::new(0),
                then: Then::Hang,
            });
            let supply = Supply::new(provider.clone(), Some(creds(Duration::from_secs(300))));
            for _ in 0..3 {
                let got = supply.credentials().await.unwrap();
                assert_eq!(got.access_key_id(), "ASIA1");
            }
            assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
            // Past the limit the stuck refresh is dropped and another starts.
            tokio::time::sleep(REFRESH_LIMIT).await;
            supply.credentials().await.unwrap();
            assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
        });
    }

    #[test]
    fn a_failing_refresh_serves_valid_credentials_then_its_error() {
        rt().block_on(async {
            let provider = Arc::new(Scripted {
                calls: AtomicUsize::new(0),
                then: Then::Fail,
            });
            let supply = Supply::new(provider.clone(), Some(creds(Duration::from_secs(300))));
            assert!(supply.credentials().await.is_ok());
            let expired = Supply::new(provider, Some(creds(Duration::from_secs(2))));
            assert_eq!(
                expired.credentials().await.unwrap_err(),
                Unavailable::Failed("upstream down".into())
            );
        });
    }

    #[test]
    fn credentials_far_from_expiry_are_served_without_asking() {
        rt().block_on(async {
            let provider = Arc::new(Scripted {
                calls: AtomicUsize::new(0),
                then: Then::Fail,
            });
            let supply = Supply::new(provider.clone(), Some(creds(Duration::from_secs(3600))));
            for _ in 0..3 {
                supply.credentials().await.unwrap();
            }
            assert_eq!(provider.calls.load(Ordering::SeqCst), 0);
        });
    }

    #[test]
    fn nothing_held_and_a_hang_ends_after_the_wait() {
        rt().block_on(async {
            let provider = Arc::new(Scripted {
                calls: AtomicUsize::new(0),
                then: Then::Hang,
            });
            let supply = Supply::new(provider, None);
            let start = tokio::time::Instant::now();
            assert_eq!(
                supply.credentials().await.unwrap_err(),
                Unavailable::Refreshing
            );
            assert_eq!(start.elapsed(), EMPTY_WAIT);
        });
    }
}

//! The AWS CLI v2's "standard" retry mode (botocore `retries/standard.py`), shared by the clients
//! of the network tiers: which failures are worth another attempt, how long to wait before it,
//! and the loop that does both.
//!
//! ```
//! use std::time::Duration;
//! use awscred_core::retry::{self, Attempt, RetryConfig};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! // Two 503s, then an answer: three attempts, the default number.
//! let fast = RetryConfig::default().with_base_delay(Duration::from_millis(1));
//! let mut answers = vec![200, 503, 503];
//! let outcome: Result<u16, u16> = retry::run(fast, "Demo", || {
//!     let status = answers.pop().unwrap_or(500);
//!     async move {
//!         match status {
//!             200 => Attempt::Done(Ok(status)),
//!             s if retry::is_retryable_status(s) => Attempt::Retry(s),
//!             s => Attempt::Done(Err(s)),
//!         }
//!     }
//! })
//! .await;
//! assert_eq!(outcome, Ok(200));
//! # });
//! ```

use std::future::Future;
use std::time::{Duration, SystemTime};

use crate::http::{HttpError, HttpErrorKind};

/// How often and how patiently a request is retried: the AWS CLI v2's "standard" mode (three
/// attempts; exponential backoff with full jitter, base 1 s, at most 20 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts in all, at least 1.
    pub max_attempts: u32,
    /// The backoff base: attempt `n` waits a random time below `base * 2^(n-1)`.
    pub base_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryConfig {
    /// `max_attempts` in all (at least 1), the backoff base and the longest wait between attempts.
    pub const fn new(max_attempts: u32, base_delay: Duration, max_delay: Duration) -> Self {
        RetryConfig {
            max_attempts,
            base_delay,
            max_delay,
        }
    }

    /// Sets the number of attempts in all (at least 1).
    pub const fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets the backoff base.
    pub const fn with_base_delay(mut self, base_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self
    }

    /// The wait after failed attempt `attempt` (1-based): full jitter, a random time below
    /// `min(base * 2^(attempt-1), max)`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        ceiling.mul_f64(jitter())
    }
}

/// HTTP statuses the standard mode retries whatever the error code: the transient server errors.
pub const TRANSIENT_STATUSES: &[u16] = &[500, 502, 503, 504];

/// The throttling status. Botocore retries it unless the body names an error the service models
/// as not retryable; no credential service models a 429 that is not throttling, so here it is
/// always retried.
pub const THROTTLING_STATUS: u16 = 429;

/// Error codes the standard mode treats as throttling.
pub const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes the standard mode treats as transient.
pub const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];

/// Whether an answer with this status is retried whatever its body says.
pub fn is_retryable_status(status: u16) -> bool {
    status == THROTTLING_STATUS || TRANSIENT_STATUSES.contains(&status)
}

/// Whether an error answer with this code (the AWS error code, without namespace) is retried.
pub fn is_retryable_code(code: &str) -> bool {
    THROTTLING_CODES.contains(&code) || TRANSIENT_CODES.contains(&code)
}

/// Whether a transport failure is retried: the connection could not be made, broke, or timed
/// out. A bad request or an oversized answer would fail the same way again.
pub fn is_retryable_transport(error: &HttpError) -> bool {
    matches!(
        error.kind(),
        HttpErrorKind::Connect | HttpErrorKind::Timeout | HttpErrorKind::Io
    )
}

/// What one attempt of [`run`] ended with.
#[derive(Debug)]
#[non_exhaustive]
pub enum Attempt<T, E> {
    /// Finished: a success, or a failure another attempt would not change.
    Done(Result<T, E>),
    /// A failure another attempt may not meet; returned as is when no attempt is left.
    Retry(E),
}

/// Runs `attempt` until it is [`Attempt::Done`] or `config.max_attempts` attempts have been
/// made, sleeping [`RetryConfig::backoff`] between attempts. `operation` names the call in the
/// debug log.
pub async fn run<T, E, F, Fut>(config: RetryConfig, operation: &str, mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<T, E>>,
{
    let max_attempts = config.max_attempts.max(1);
    let mut made = 1;
    loop {
        match attempt().await {
            Attempt::Done(outcome) => return outcome,
            Attempt::Retry(error) if made >= max_attempts => return Err(error),
            Attempt::Retry(_) => {}
        }
        let delay = config.backoff(made);
        tracing::debug!(operation, attempt = made, ?delay, "retrying");
        tokio::time::sleep(delay).await;
        made += 1;
    }
}

/// A number in [0, 1). Jitter only spreads retries out; it needs no cryptographic quality, so a
/// hash of the time and a counter does instead of a random-number crate.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn backoff_stays_under_its_ceiling_and_spreads() {
        let retry = RetryConfig::default();
        for attempt in 1..40 {
            let d = retry.backoff(attempt);
            let ceiling = retry
                .base_delay
                .saturating_mul(2u32.saturating_pow(attempt - 1))
                .min(retry.max_delay);
            assert!(d < ceiling, "attempt {attempt}: {d:?} >= {ceiling:?}");
        }
        assert!(retry.backoff(1) < Duration::from_secs(1));
        let spread: std::collections::HashSet<_> = (0..20).map(|_| retry.backoff(3)).collect();
        assert!(spread.len() > 10, "jitter spreads the waits");
        let zero = RetryConfig {
            base_delay: Duration::ZERO,
            ..retry
        };
        assert_eq!(zero.backoff(0), Duration::ZERO, "attempt 0 is no panic");
    }

    #[test]
    fn classification_is_botocore_standard() {
        for status in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(status), "{status}");
        }
        for status in [200, 400, 401, 403, 404, 501, 505] {
            assert!(!is_retryable_status(status), "{status}");
        }
        for code in [
            "TooManyRequestsException",
            "Throttling",
            "RequestTimeout",
            "SlowDown",
        ] {
            assert!(is_retryable_code(code), "{code}");
        }
        // OAuth polling answers and authorization failures are answers, not trouble.
        for code in [
            "authorization_pending",
            "slow_down",
            "SlowDownException",
            "AuthorizationPendingException",
            "UnauthorizedException",
            "AccessDenied",
        ] {
            assert!(!is_retryable_code(code), "{code}");
        }
        let err = |kind| HttpError::new(kind, "http://127.0.0.1:1/", "x");
        assert!(is_retryable_transport(&err(HttpErrorKind::Connect)));
        assert!(is_retryable_transport(&err(HttpErrorKind::Timeout)));
        assert!(is_retryable_transport(&err(HttpErrorKind::Io)));
        assert!(!is_retryable_transport(&err(HttpErrorKind::BodyTooLarge)));
        assert!(!is_retryable_transport(&err(HttpErrorKind::InvalidRequest)));
    }

    fn fast(max_attempts: u32) -> RetryConfig {
        RetryConfig {
            max_attempts,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        }
    }

    /// Runs `run` over scripted outcomes; returns the result and the number of attempts.
    async fn scripted(
        config: RetryConfig,
        script: &[Attempt<u8, &'static str>],
    ) -> (Result<u8, &'static str>, u32) {
        let calls = AtomicU32::new(0);
        let outcome = run(config, "Test", || {
            let n = calls.fetch_add(1, Ordering::SeqCst) as usize;
            let next = match &script[n.min(script.len() - 1)] {
                Attempt::Done(r) => Attempt::Done(*r),
                Attempt::Retry(e) => Attempt::Retry(*e),
            };
            async move { next }
        })
        .await;
        (outcome, calls.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn run_retries_up_to_the_limit_and_stops_on_a_final_answer() {
        use Attempt::{Done, Retry};
        assert_eq!(
            scripted(fast(3), &[Retry("503"), Retry("503"), Done(Ok(7))]).await,
            (Ok(7), 3)
        );
        assert_eq!(
            scripted(fast(3), &[Retry("503"), Retry("502"), Retry("504")]).await,
            (Err("504"), 3),
            "the last failure is returned after exactly max_attempts"
        );
        assert_eq!(
            scripted(fast(3), &[Done(Err("400")), Done(Ok(1))]).await,
            (Err("400"), 1)
        );
        assert_eq!(
            scripted(fast(1), &[Retry("503"), Done(Ok(1))]).await,
            (Err("503"), 1)
        );
        assert_eq!(
            scripted(fast(0), &[Retry("503"), Done(Ok(1))]).await,
            (Err("503"), 1),
            "zero attempts still makes one"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn run_waits_between_attempts_within_the_backoff() {
        let config = RetryConfig {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(20),
        };
        let start = tokio::time::Instant::now();
        let (outcome, calls) = scripted(
            config,
            &[
                Attempt::Retry("503"),
                Attempt::Retry("503"),
                Attempt::Retry("503"),
            ],
        )
        .await;
        assert_eq!((outcome, calls), (Err("503"), 3));
        // Below 1 s after the first failure, below 2 s after the second.
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
    }
}

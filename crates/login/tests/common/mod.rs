//! Shared set-up of the `aws login` session tests.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use awscred_core::{Env, timestamp};
use awscred_profile::{ProfileContext, ProfileSet};

/// `profile` selected (as with `--profile`) in the files `env` points at.
pub fn profile_context(env: &Env, profile: &str) -> ProfileContext {
    ProfileContext {
        env: env.clone(),
        profiles: Arc::new(ProfileSet::load(env).expect("config loads")),
        profile_name: profile.to_owned(),
        profile_explicit: true,
        region_override: None,
    }
}

/// The CLI's retry policy with millisecond waits, so tests of failures do not sleep for seconds.
pub fn fast_retry() -> awscred_core::retry::RetryConfig {
    awscred_core::retry::RetryConfig {
        max_attempts: 3,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
    }
}

/// `minutes` from the clock of `env` (negative: in the past), as the CLI writes timestamps.
pub fn in_minutes(env: &Env, minutes: i64) -> String {
    let now = env.now();
    let t = if minutes >= 0 {
        now + Duration::from_secs(minutes as u64 * 60)
    } else {
        now - Duration::from_secs(minutes.unsigned_abs() * 60)
    };
    timestamp::format_z(t)
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

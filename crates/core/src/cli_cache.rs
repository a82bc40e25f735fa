//! The AWS CLI's credential cache, `~/.aws/cli/cache`: one JSON file per entry,
//! `<key>.json`, read and written by the CLI (botocore's `JSONFileCache`) and by awscred alike.
//! Assumed roles, SSO role credentials, MFA sessions and awscred's opt-in `credential_process`
//! cache all keep their entries here; each user owns its key (a SHA-1 of the call's arguments,
//! as botocore makes it) and its file format, and this store owns the rest:
//!
//! - the directory: `~/.aws/cli/cache` under [`Env::aws_dir`];
//! - reads bounded by [`ReadLimit::CACHE_ENTRY`] through [`Fs::read`], which refuses what is
//!   not a regular file; an entry that cannot be read or parsed is a miss, never an error;
//! - reuse only while at least [`EXPIRY_WINDOW`] is left, as the CLI;
//! - writes through [`Fs::write_atomic`] (a temporary file renamed over the entry, mode 0600);
//! - the entry's lock, `<key>.json.lock` ([`crate::lock`]), so that of several processes missing
//!   the same entry one fetches it and the others read what it stored.
//!
//! ```
//! use std::path::PathBuf;
//! use std::sync::Arc;
//! use std::time::{Duration, SystemTime};
//! use awscred_core::cli_cache::CliCache;
//! use awscred_core::fs::MemFs;
//!
//! let cache = CliCache::new(PathBuf::from("/h/.aws/cli/cache"), Arc::new(MemFs::default()));
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! cache.store("k", b"3600", "demo");
//! let seconds_left = |bytes: &[u8]| {
//!     let secs: u64 = std::str::from_utf8(bytes).ok()?.parse().ok()?;
//!     Some((secs, now + Duration::from_secs(secs)))
//! };
//! assert_eq!(cache.load("k", now, seconds_left), Some(3600));
//! // Less than 15 minutes left: a miss.
//! assert_eq!(cache.load("k", now + Duration::from_secs(3000), seconds_left), None);
//! assert_eq!(cache.path("k"), PathBuf::from("/h/.aws/cli/cache/k.json"));
//! ```

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use zeroize::Zeroizing;

use crate::Env;
use crate::fs::{Fs, ReadLimit};
use crate::lock::{self, LockOutcome, LockTiming};

/// Cached credentials are reused only with at least this much time left (botocore's
/// `CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS`, 15 minutes).
pub const EXPIRY_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The `~/.aws/cli/cache` directory of one environment.
#[derive(Debug, Clone)]
pub struct CliCache {
    dir: PathBuf,
    fs: Arc<dyn Fs>,
}

impl CliCache {
    /// `~/.aws/cli/cache` through the environment's file system; `None` without a home
    /// directory.
    pub fn from_env(env: &Env) -> Option<Self> {
        Some(CliCache::new(CliCache::dir_of(env)?, env.fs_arc()))
    }

    /// The directory of `env`: `~/.aws/cli/cache`; `None` without a home directory.
    pub fn dir_of(env: &Env) -> Option<PathBuf> {
        Some(env.aws_dir()?.join("cli").join("cache"))
    }

    /// A cache in `dir`.
    pub fn new(dir: PathBuf, fs: Arc<dyn Fs>) -> Self {
        CliCache { dir, fs }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `key`: `<dir>/<key>.json`.
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The lock file of `key`: `<dir>/<key>.json.lock`.
    pub fn lock_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json.lock"))
    }

    /// The bytes of `key`'s entry (zeroized when dropped: entries hold secrets); `None` when it
    /// is missing, not a regular file, larger than [`ReadLimit::CACHE_ENTRY`] or unreadable.
    pub fn read(&self, key: &str) -> Option<Zeroizing<Vec<u8>>> {
        self.fs
            .read(&self.path(key), ReadLimit::CACHE_ENTRY)
            .ok()
            .map(Zeroizing::new)
    }

    /// `key`'s entry parsed by `parse` (the value and its expiration) when it has at least
    /// [`EXPIRY_WINDOW`] left at `now`. Anything else (missing, unreadable, refused by `parse`,
    /// expiring) is a miss.
    pub fn load<T>(
        &self,
        key: &str,
        now: SystemTime,
        parse: impl FnOnce(&[u8]) -> Option<(T, SystemTime)>,
    ) -> Option<T> {
        let bytes = self.read(key)?;
        let Some((value, expiration)) = parse(&bytes) else {
            tracing::debug!(path = %self.path(key).display(), "ignoring unreadable cache entry");
            return None;
        };
        let left = expiration.duration_since(now).unwrap_or_default();
        if left < EXPIRY_WINDOW {
            tracing::debug!("Credentials were found in cache, but they are expired.");
            return None;
        }
        Some(value)
    }

    /// Writes `contents` as `key`'s entry, atomically and private to the user. A failure is
    /// logged (naming `what`, the kind of entry) and otherwise ignored: the credentials are good
    /// whether or not they could be cached.
    pub fn store(&self, key: &str, contents: &[u8], what: &str) {
        let path = self.path(key);
        if let Err(e) = self.fs.write_atomic(&path, contents) {
            tracing::warn!(path = %path.display(), error = %e, "could not write the {what} cache");
        }
    }

    /// Takes `key`'s lock before fetching what it caches ([`lock::acquire`] with the default
    /// timing): [`LockOutcome::Ready`] when `ready` finds the entry another process stored
    /// meanwhile, [`LockOutcome::Locked`] while this process holds the lock,
    /// [`LockOutcome::Unlocked`] when none could be had (the caller fetches anyway, as the CLI
    /// always does). `sleep` waits between polls.
    pub async fn lock<T, R, S, F>(&self, key: &str, ready: R, sleep: S) -> LockOutcome<T>
    where
        R: FnMut() -> Option<T>,
        S: FnMut(Duration) -> F,
        F: Future<Output = ()>,
    {
        lock::acquire(
            &self.fs,
            &self.lock_path(key),
            LockTiming::default(),
            ready,
            sleep,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemFs;

    fn seconds(bytes: &[u8]) -> Option<(u64, SystemTime)> {
        let secs: u64 = std::str::from_utf8(bytes).ok()?.trim().parse().ok()?;
        Some((secs, SystemTime::UNIX_EPOCH + Duration::from_secs(secs)))
    }

    #[test]
    fn directory_names_and_limits() {
        let env = Env::from_vars([("HOME", "/h"), ("USERPROFILE", "/h")]);
        let cache = CliCache::from_env(&env).unwrap();
        assert!(cache.dir().ends_with("cli/cache") || cache.dir().ends_with("cli\\cache"));
        assert!(
            cache
                .lock_path("k")
                .to_string_lossy()
                .ends_with("k.json.lock")
        );
        assert!(CliCache::from_env(&Env::from_vars([("X", "")])).is_none());

        let fs = Arc::new(MemFs::default());
        let cache = CliCache::new(PathBuf::from("/c"), fs.clone());
        // Exactly the window left is still a hit; a second less is a miss.
        cache.store("k", b"900", "test");
        assert_eq!(cache.load("k", SystemTime::UNIX_EPOCH, seconds), Some(900));
        let later = SystemTime::UNIX_EPOCH + Duration::from_secs(1);
        assert_eq!(cache.load("k", later, seconds), None);
        // Larger than ReadLimit::CACHE_ENTRY, or refused by the parser: a miss.
        let huge = vec![b' '; ReadLimit::CACHE_ENTRY.bytes() as usize + 1];
        fs.insert(cache.path("k"), huge);
        assert!(cache.read("k").is_none());
        fs.insert(cache.path("k"), b"soon".to_vec());
        assert_eq!(cache.load("k", SystemTime::UNIX_EPOCH, seconds), None);
        assert_eq!(cache.load("missing", SystemTime::UNIX_EPOCH, seconds), None);
    }
}

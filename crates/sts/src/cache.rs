//! The AWS CLI's role-credential cache, `~/.aws/cli/cache/<key>.json`, shared with the CLI:
//! same keys, same file format, so each tool reuses what the other fetched.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awscred_core::cli_cache::{self, CliCache};
use awscred_core::fs::Fs;
use awscred_core::lock::{self, LockFile};
use awscred_core::{Env, Secret, timestamp};
use serde_json::{Map, Value, json};

use crate::xml::StsCredentials;

/// Cached credentials are reused only with at least this much time left (botocore's
/// `CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS`).
pub const EXPIRY_WINDOW: Duration = cli_cache::EXPIRY_WINDOW;

/// A role-credential cache directory (a [`CliCache`] holding STS answers).
#[derive(Debug, Clone)]
pub struct RoleCache {
    store: CliCache,
}

impl RoleCache {
    /// `~/.aws/cli/cache` through the environment's file system; `None` without a home directory.
    pub fn from_env(env: &Env) -> Option<Self> {
        CliCache::from_env(env).map(|store| RoleCache { store })
    }

    /// A cache in `dir`.
    pub fn new(dir: PathBuf, fs: Arc<dyn Fs>) -> Self {
        RoleCache {
            store: CliCache::new(dir, fs),
        }
    }

    /// The file of `key`.
    pub fn path(&self, key: &str) -> PathBuf {
        self.store.path(key)
    }

    /// The entry of `key` when it exists, parses, and has at least [`EXPIRY_WINDOW`] left at
    /// `now`. Anything else (missing, unreadable, corrupt, expiring) is a miss.
    pub fn load(&self, key: &str, now: SystemTime) -> Option<StsCredentials> {
        self.store.load(key, now, |bytes| {
            let entry = parse_entry(bytes)?;
            let expiration = entry.expiration;
            Some((entry, expiration))
        })
    }

    /// Takes the lock of `key` (`<key>.json.lock`, created exclusively) before calling STS, so
    /// that of several processes missing the cache at once one calls STS and the others read
    /// its answer. While another process holds the lock, polls the cache every
    /// [`LOCK_POLL`] for up to [`LOCK_WAIT`]; a lock older than [`LOCK_STALE`] was left by a
    /// process that died and is taken over. Never fails: when the lock cannot be had (waited
    /// long enough, a file system without exclusive create, an unwritable directory) the caller
    /// goes on without it, as the AWS CLI always does. The mechanism is
    /// [`awscred_core::lock::acquire`].
    pub async fn lock(&self, key: &str, now: SystemTime) -> LockOutcome {
        match self
            .store
            .lock(key, || self.load(key, now), tokio::time::sleep)
            .await
        {
            lock::LockOutcome::Ready(hit) => LockOutcome::Cached(hit),
            lock::LockOutcome::Locked(held) => LockOutcome::Locked(CacheLock { _held: held }),
            // Unlocked (or an outcome added later): on without the lock.
            _ => LockOutcome::Unlocked,
        }
    }

    /// Writes `credentials` under `key`, atomically and private to the user. A failure is logged
    /// and otherwise ignored: the credentials are good whether or not they could be cached.
    pub fn store(&self, key: &str, credentials: &StsCredentials) {
        self.write(key, entry(credentials).to_string());
    }

    /// [`store`](RoleCache::store) with awscred's mark beside the CLI's fields (which the CLI
    /// ignores): `"Awscred": {"Kind": kind, "Profile": profile}`, so that `awscred` can list
    /// what it cached (an MFA session: kind `mfa-session`).
    pub fn store_marked(&self, key: &str, credentials: &StsCredentials, kind: &str, profile: &str) {
        let mut doc = entry(credentials);
        if let Value::Object(map) = &mut doc {
            map.insert(
                "Awscred".into(),
                json!({ "Kind": kind, "Profile": profile }),
            );
        }
        self.write(key, doc.to_string());
    }

    fn write(&self, key: &str, text: String) {
        self.store.store(key, text.as_bytes(), "role");
    }
}

/// How long a process waits for another one fetching the same role before calling STS itself.
pub const LOCK_WAIT: Duration = lock::WAIT;
/// How often a waiting process looks at the cache and the lock.
pub const LOCK_POLL: Duration = lock::POLL;
/// A lock file older than this was left by a process that died; it is taken over.
pub const LOCK_STALE: Duration = lock::STALE;

/// What [`RoleCache::lock`] ended with.
#[derive(Debug)]
#[non_exhaustive]
pub enum LockOutcome {
    /// Another process stored credentials meanwhile: use them, call nothing.
    Cached(StsCredentials),
    /// This process holds the lock until the [`CacheLock`] is dropped: call STS and store.
    Locked(CacheLock),
    /// No lock could be had: call STS and store anyway.
    Unlocked,
}

/// A held role cache lock; dropping it removes the lock file.
#[derive(Debug)]
pub struct CacheLock {
    _held: LockFile,
}

/// The file content botocore's `JSONFileCache` writes for an `AssumeRole` response:
/// `Expiration` as `strftime('%Y-%m-%dT%H:%M:%S%Z')` of a UTC time, i.e. `...T12:00:00UTC`.
fn entry(c: &StsCredentials) -> Value {
    let exp = timestamp::format_cli_cache(c.expiration);
    let mut creds = Map::new();
    creds.insert("AccessKeyId".into(), json!(c.access_key_id));
    creds.insert(
        "SecretAccessKey".into(),
        json!(c.secret_access_key.expose()),
    );
    creds.insert("SessionToken".into(), json!(c.session_token.expose()));
    creds.insert("Expiration".into(), json!(exp));
    if let Some(account) = c.account_id() {
        creds.insert("AccountId".into(), json!(account));
    }
    let mut doc = Map::new();
    doc.insert("Credentials".into(), Value::Object(creds));
    if let (Some(id), Some(arn)) = (&c.assumed_role_id, &c.assumed_role_arn) {
        doc.insert(
            "AssumedRoleUser".into(),
            json!({ "AssumedRoleId": id, "Arn": arn }),
        );
    }
    doc.insert(
        "ResponseMetadata".into(),
        json!({
            "RequestId": c.request_id.clone().unwrap_or_default(),
            "HTTPStatusCode": 200,
            "HTTPHeaders": {},
            "RetryAttempts": 0,
        }),
    );
    Value::Object(doc)
}

fn parse_entry(bytes: &[u8]) -> Option<StsCredentials> {
    let doc: Value = serde_json::from_slice(bytes).ok()?;
    let creds = doc.get("Credentials")?;
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let user = doc.get("AssumedRoleUser");
    Some(StsCredentials {
        access_key_id: text(creds, "AccessKeyId")?,
        secret_access_key: Secret::new(text(creds, "SecretAccessKey")?),
        session_token: Secret::new(text(creds, "SessionToken")?),
        expiration: timestamp::parse(&text(creds, "Expiration")?)?,
        assumed_role_arn: user.and_then(|u| text(u, "Arn")),
        assumed_role_id: user.and_then(|u| text(u, "AssumedRoleId")),
        request_id: doc
            .get("ResponseMetadata")
            .and_then(|m| text(m, "RequestId")),
    })
}

/// The cache key of an `AssumeRole` call: botocore's `_create_cache_key`, the SHA-1 of
/// `json.dumps(args, sort_keys=True)` over the arguments that were configured. A generated
/// session name is left out, so a later run with a new generated name finds the entry.
pub fn assume_role_cache_key(
    role_arn: &str,
    session_name: Option<&str>,
    external_id: Option<&str>,
    mfa_serial: Option<&str>,
    duration_seconds: Option<u32>,
) -> String {
    let mut args: Vec<(&str, PyValue<'_>)> = vec![("RoleArn", PyValue::Str(role_arn))];
    if let Some(v) = session_name {
        args.push(("RoleSessionName", PyValue::Str(v)));
    }
    if let Some(v) = external_id {
        args.push(("ExternalId", PyValue::Str(v)));
    }
    if let Some(v) = mfa_serial {
        args.push(("SerialNumber", PyValue::Str(v)));
    }
    if let Some(v) = duration_seconds {
        args.push(("DurationSeconds", PyValue::Int(v)));
    }
    key_of(args)
}

/// The cache key of an `AssumeRoleWithWebIdentity` call (the token is not part of it).
pub fn web_identity_cache_key(role_arn: &str, session_name: Option<&str>) -> String {
    let mut args = vec![("RoleArn", PyValue::Str(role_arn))];
    if let Some(v) = session_name {
        args.push(("RoleSessionName", PyValue::Str(v)));
    }
    key_of(args)
}

/// The cache key of a `GetSessionToken` call for the long-term keys `access_key_id` (never the
/// secret): the same hash over the configured arguments. No `RoleArn` is among them, so it never
/// equals a role's key.
pub fn session_token_cache_key(
    access_key_id: &str,
    mfa_serial: Option<&str>,
    duration_seconds: Option<u32>,
) -> String {
    let mut args = vec![("AccessKeyId", PyValue::Str(access_key_id))];
    if let Some(v) = mfa_serial {
        args.push(("SerialNumber", PyValue::Str(v)));
    }
    if let Some(v) = duration_seconds {
        args.push(("DurationSeconds", PyValue::Int(v)));
    }
    key_of(args)
}

enum PyValue<'a> {
    Str(&'a str),
    Int(u32),
}

fn key_of(mut args: Vec<(&str, PyValue<'_>)>) -> String {
    args.sort_by(|a, b| a.0.cmp(b.0));
    // Python's json.dumps defaults: ", " and ": " separators, ASCII-only output.
    let mut text = String::from("{");
    for (i, (key, value)) in args.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        awscred_core::pyjson::write_str(&mut text, key);
        text.push_str(": ");
        match value {
            PyValue::Str(s) => awscred_core::pyjson::write_str(&mut text, s),
            PyValue::Int(n) => text.push_str(&n.to_string()),
        }
    }
    text.push('}');
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes());
    awscred_core::encoding::hex(digest.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_core::fs::{MemFs, ReadLimit};

    fn sample(expiration: SystemTime) -> StsCredentials {
        StsCredentials {
            access_key_id: "ASIA".into(),
            secret_access_key: Secret::new("SECRET"),
            session_token: Secret::new("TOKEN"),
            expiration,
            assumed_role_arn: Some("arn:aws:sts::123456789012:assumed-role/r/s".into()),
            assumed_role_id: Some("AROA:s".into()),
            request_id: Some("req".into()),
        }
    }

    #[tokio::test]
    async fn lock_is_exclusive_yields_to_a_stored_answer_and_takes_over_stale_ones() {
        let fs = Arc::new(MemFs::default());
        let cache = RoleCache::new(PathBuf::from("/h/.aws/cli/cache"), fs.clone());
        let lock_path = PathBuf::from("/h/.aws/cli/cache/k.json.lock");
        let now = SystemTime::now();
        let LockOutcome::Locked(lock) = cache.lock("k", now).await else {
            panic!("a free lock is taken");
        };
        assert!(fs.read(&lock_path, ReadLimit::LOCK).is_ok());
        // Held elsewhere and the holder's answer is stored: it is used at once.
        cache.store("k", &sample(now + Duration::from_secs(3600)));
        assert!(matches!(cache.lock("k", now).await, LockOutcome::Cached(_)));
        drop(lock);
        assert!(
            fs.read(&lock_path, ReadLimit::LOCK).is_err(),
            "dropping the lock removes it"
        );
        // A dead holder's lock (old, or never written) is taken over.
        let k2_lock = PathBuf::from("/h/.aws/cli/cache/k2.json.lock");
        for stale in [&b"0"[..], b""] {
            fs.insert(&k2_lock, stale);
            let LockOutcome::Locked(taken) = cache.lock("k2", now).await else {
                panic!("a stale lock is taken over");
            };
            assert_ne!(
                fs.read(&k2_lock, ReadLimit::LOCK).unwrap(),
                stale,
                "the lock is ours now"
            );
            drop(taken);
        }
    }

    #[tokio::test]
    async fn no_lock_without_exclusive_create() {
        #[derive(Debug)]
        struct Plain;
        impl Fs for Plain {
            fn read(&self, _: &std::path::Path, _: ReadLimit) -> std::io::Result<Vec<u8>> {
                Err(std::io::ErrorKind::NotFound.into())
            }
            fn write_atomic(&self, _: &std::path::Path, _: &[u8]) -> std::io::Result<()> {
                Ok(())
            }
            fn remove(&self, _: &std::path::Path) -> std::io::Result<()> {
                Ok(())
            }
            fn list(&self, _: &std::path::Path) -> std::io::Result<Vec<String>> {
                Ok(Vec::new())
            }
        }
        let cache = RoleCache::new(PathBuf::from("/h"), Arc::new(Plain));
        assert!(matches!(
            cache.lock("k", SystemTime::now()).await,
            LockOutcome::Unlocked
        ));
    }

    #[test]
    fn keys_match_botocore() {
        // Printed by botocore 1.44.8's fetchers (`_cache_key`) for the same arguments.
        assert_eq!(
            assume_role_cache_key("arn:aws:iam::123456789012:role/r", None, None, None, None),
            "6dc9e6e1e186b9f293814df3266de783142c48a2"
        );
        assert_eq!(
            assume_role_cache_key(
                "arn:r",
                Some("s \u{e9}"),
                Some("x\"y"),
                Some("mfa"),
                Some(900)
            ),
            "b605f7005b3075f78f864701d299bcc8fd31f7c9"
        );
        assert_eq!(
            web_identity_cache_key("arn:r", Some("s")),
            "93e3f6a0e571a760ca5428800eb7098e763986fb"
        );
    }

    #[test]
    fn round_trip_window_and_corruption() {
        let fs = Arc::new(MemFs::default());
        let cache = RoleCache::new(PathBuf::from("/h/.aws/cli/cache"), fs.clone());
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        cache.store("k", &sample(now + Duration::from_secs(3600)));
        let text =
            String::from_utf8(fs.read(&cache.path("k"), ReadLimit::CACHE_ENTRY).unwrap()).unwrap();
        assert!(
            text.contains(r#""Expiration":"2023-11-14T23:13:20UTC""#),
            "{text}"
        );
        assert!(text.contains(r#""AccountId":"123456789012""#), "{text}");
        let hit = cache.load("k", now).unwrap();
        assert_eq!(hit, sample(now + Duration::from_secs(3600)));
        assert!(
            cache
                .load("k", now + Duration::from_secs(3600 - 15 * 60 + 1))
                .is_none()
        );
        assert!(
            cache
                .load("k", now + Duration::from_secs(3600 - 15 * 60))
                .is_some()
        );
        for junk in [&b"{"[..], b"[]", b"{\"Credentials\": {}}", b"\xff\xfe"] {
            fs.insert(cache.path("k"), junk);
            assert!(cache.load("k", now).is_none());
        }
        assert!(cache.load("missing", now).is_none());
    }
}

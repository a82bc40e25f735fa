//! The opt-in disk cache of a `credential_process`'s output (`awscred_credential_process_cache =
//! true` in the profile; the CLI never caches it): `~/.aws/cli/cache/<key>.json`, the key a
//! SHA-1 of the profile and the command line, in the CLI's cache format plus awscred's mark
//! (`"Awscred": {"Kind": "credential-process", "Profile": ...}`), written atomically with mode
//! 0600 while holding the entry's lock (`<key>.json.lock`, [`awscred_core::lock`]). An entry is
//! reused until its `Expiration` enters the refresh window ([`REUSE_WINDOW`], the CLI's 15
//! minutes); output without `Expiration` is never cached, so helpers that print long-term keys
//! run every time, as in the CLI.

use std::time::{Duration, SystemTime};

use awscred_core::cli_cache::{self, CliCache};
use awscred_core::lock::{LockFile, LockOutcome};
use awscred_core::{Env, Secret, timestamp};
use serde_json::{Map, Value, json};

use crate::output::ProcessOutput;

/// An entry is reused only with at least this much time left (the CLI's advisory refresh).
pub const REUSE_WINDOW: Duration = cli_cache::EXPIRY_WINDOW;
/// The most of an entry that is read.
const MAX_ENTRY_BYTES: usize = 64 * 1024;

/// Where one profile's command keeps its output.
#[derive(Debug, Clone)]
pub(crate) struct DiskCache {
    store: CliCache,
    key: String,
    profile: String,
}

impl DiskCache {
    /// The entry of `command` in `profile` under `env`'s `~/.aws/cli/cache`; `None` without a
    /// home directory.
    pub(crate) fn new(env: &Env, profile: &str, command: &str) -> Option<Self> {
        Some(DiskCache {
            store: CliCache::from_env(env)?,
            key: cache_key(profile, command),
            profile: profile.to_owned(),
        })
    }

    /// The cached output when it has at least [`REUSE_WINDOW`] left at `now`.
    pub(crate) fn load(&self, now: SystemTime) -> Option<ProcessOutput> {
        self.store.load(&self.key, now, |bytes| {
            if bytes.len() > MAX_ENTRY_BYTES {
                return None;
            }
            let entry = parse_entry(bytes)?;
            let expiration = entry.expiration?;
            Some((entry, expiration))
        })
    }

    /// The entry's lock, or the output another process stored meanwhile. `Err(None)`: no lock
    /// could be had (the command is run anyway, as without the cache).
    pub(crate) async fn lock(&self, now: SystemTime) -> Result<LockFile, Option<ProcessOutput>> {
        match self
            .store
            .lock(&self.key, || self.load(now), thread_sleep)
            .await
        {
            LockOutcome::Ready(hit) => Err(Some(hit)),
            LockOutcome::Locked(held) => Ok(held),
            // Unlocked (or an outcome added later): on without the lock.
            _ => Err(None),
        }
    }

    /// Stores `output` when it has an `Expiration`; a failure is logged and otherwise ignored.
    pub(crate) fn store(&self, output: &ProcessOutput) {
        let Some(expiration) = output.expiration else {
            return;
        };
        let exp = timestamp::format_cli_cache(expiration);
        let mut creds = Map::new();
        creds.insert("AccessKeyId".into(), json!(output.access_key_id));
        creds.insert(
            "SecretAccessKey".into(),
            json!(output.secret_access_key.expose()),
        );
        if let Some(token) = &output.session_token {
            creds.insert("SessionToken".into(), json!(token.expose()));
        }
        creds.insert("Expiration".into(), json!(exp));
        if let Some(account) = &output.account_id {
            creds.insert("AccountId".into(), json!(account));
        }
        let doc = json!({
            "Credentials": Value::Object(creds),
            "Awscred": { "Kind": "credential-process", "Profile": self.profile },
        });
        let text = zeroize::Zeroizing::new(doc.to_string());
        self.store
            .store(&self.key, text.as_bytes(), "credential_process");
    }
}

/// Sleeps on a thread of its own, so the wait works under any executor (the crate does not
/// depend on tokio's timer).
async fn thread_sleep(duration: Duration) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        std::thread::sleep(duration);
        let _ = tx.send(());
    });
    let _ = rx.await;
}

/// SHA-1 (hex) of `{"CredentialProcess": command, "Profile": profile}` as Python's `json.dumps`
/// with sorted keys writes it, like the CLI's role cache keys.
fn cache_key(profile: &str, command: &str) -> String {
    let mut text = String::from("{\"CredentialProcess\": ");
    awscred_core::pyjson::write_str(&mut text, command);
    text.push_str(", \"Profile\": ");
    awscred_core::pyjson::write_str(&mut text, profile);
    text.push('}');
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes());
    awscred_core::encoding::hex(digest.as_ref())
}

fn parse_entry(bytes: &[u8]) -> Option<ProcessOutput> {
    let doc: Value = serde_json::from_slice(bytes).ok()?;
    if doc.get("Awscred")?.get("Kind")?.as_str()? != "credential-process" {
        return None;
    }
    let creds = doc.get("Credentials")?;
    let text = |key: &str| creds.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(ProcessOutput {
        access_key_id: text("AccessKeyId")?,
        secret_access_key: Secret::new(text("SecretAccessKey")?),
        session_token: text("SessionToken").map(Secret::new),
        expiration: Some(timestamp::parse(&text("Expiration")?)?),
        account_id: text("AccountId"),
    })
}

// Unix only for now: the helper is a shell script.
#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use awscred_core::fs::MemFs;
    use std::sync::Arc;

    fn cache(fs: Arc<MemFs>) -> DiskCache {
        let env = Env::from_vars([("HOME", "/h")]).with_fs(fs);
        DiskCache::new(&env, "dev", "helper --x").unwrap()
    }

    fn output(expiration: Option<SystemTime>) -> ProcessOutput {
        ProcessOutput {
            access_key_id: "ASIA1".into(),
            secret_access_key: Secret::new("S"),
            session_token: Some(Secret::new("T")),
            expiration,
            account_id: Some("123456789012".into()),
        }
    }

    #[test]
    fn entries_are_reused_until_the_window() {
        let fs = Arc::new(MemFs::default());
        let c = cache(fs.clone());
        let now = SystemTime::now();
        c.store(&output(Some(now + Duration::from_secs(3600))));
        let hit = c.load(now).unwrap();
        assert_eq!(hit.access_key_id, "ASIA1");
        assert_eq!(hit.account_id.as_deref(), Some("123456789012"));
        assert!(
            c.load(now + Duration::from_secs(3600 - 15 * 60 + 1))
                .is_none()
        );
        let stored = fs.snapshot();
        let (path, text) = stored.iter().next().unwrap();
        assert!(path.starts_with("/h/.aws/cli/cache"), "{path:?}");
        let doc: Value = serde_json::from_slice(text).unwrap();
        assert_eq!(
            doc["Awscred"],
            json!({"Kind": "credential-process", "Profile": "dev"})
        );
        assert!(
            doc["Credentials"]["Expiration"]
                .as_str()
                .unwrap()
                .ends_with("UTC")
        );
    }

    #[test]
    fn output_without_expiration_is_never_cached() {
        let fs = Arc::new(MemFs::default());
        cache(fs.clone()).store(&output(None));
        assert!(fs.snapshot().is_empty());
    }

    #[test]
    fn keys_depend_on_the_profile_and_the_command() {
        assert_ne!(cache_key("a", "x"), cache_key("b", "x"));
        assert_ne!(cache_key("a", "x"), cache_key("a", "y"));
        assert_eq!(cache_key("a", "x").len(), 40);
    }
}

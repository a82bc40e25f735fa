//! The role-credential cache reader (`~/.aws/cli/cache/<key>.json`, `RoleCache::load`) on
//! arbitrary file contents. Invariants: no panic; an entry that loads never shows its secrets in
//! `Debug`; what loads, stores and loads again to the same credentials (the CLI's format keeps
//! whole seconds only).
#![no_main]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use awscred_core::fs::{Fs, MemFs, ReadLimit};
use awscred_core::{Secret, timestamp};
use awscred_sts::RoleCache;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fs = Arc::new(MemFs::default());
    let cache = RoleCache::new(PathBuf::from("/h/.aws/cli/cache"), fs.clone());
    fs.insert(cache.path("k"), data.to_vec());
    // The epoch: every entry of a plausible year is fresh enough to be returned.
    let now = SystemTime::UNIX_EPOCH;
    let Some(creds) = cache.load("k", now) else {
        return;
    };
    // Debug does not depend on the secrets at all: swapping them leaves it unchanged.
    let mut swapped = creds.clone();
    swapped.secret_access_key = Secret::new(format!("{}x", creds.secret_access_key.expose()));
    swapped.session_token = Secret::new(format!("{}x", creds.session_token.expose()));
    assert_eq!(format!("{creds:?}"), format!("{swapped:?}"), "a secret shows in Debug");
    // Times the 4-digit ISO form cannot hold are read but cannot be written back; the crate only
    // ever writes times STS sent, which it parsed from that same form.
    if timestamp::parse(&timestamp::format_z(creds.expiration)).is_none() {
        return;
    }
    cache.store("again", &creds);
    let written = fs.read(&cache.path("again"), ReadLimit::CACHE_ENTRY).expect("the store wrote the file");
    assert!(serde_json_like(&written), "stored entry is not JSON text");
    let again = cache.load("again", now).expect("what we write, we read");
    assert_eq!(again.access_key_id, creds.access_key_id);
    assert_eq!(again.secret_access_key, creds.secret_access_key);
    assert_eq!(again.session_token, creds.session_token);
    assert_eq!(again.assumed_role_arn.is_some() && again.assumed_role_id.is_some(),
        creds.assumed_role_arn.is_some() && creds.assumed_role_id.is_some());
    let whole = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
    assert_eq!(whole(again.expiration), whole(creds.expiration));
});

/// A cheap structural check (the full parse is the `load` above): an object, in UTF-8.
fn serde_json_like(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|t| t.starts_with('{') && t.ends_with('}'))
}

//! The SSO tier's role-credential cache (`~/.aws/cli/cache/<key>.json`, read by `SsoProvider`)
//! on arbitrary file contents, through the provider itself on an in-memory home. Invariants: no
//! panic; no network call (a miss without an SSO token stops before any request); the answer is
//! ready at once (files only); credentials that load never show their secrets in `Debug`, and
//! an error never quotes the file.
#![no_main]

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::SystemTime;

use awscred_core::clock::ManualClock;
use awscred_core::fs::MemFs;
use awscred_core::http::{HttpClient, HttpError, HttpRequest, HttpResponse, Timeouts};
use awscred_core::provider::BoxFuture;
use awscred_core::{Env, ProvideCredentials};
use awscred_profile::{ProfileContext, ProfileSet};
use awscred_sso::SsoProvider;
use libfuzzer_sys::fuzz_target;

const CONFIG: &str = "[profile p]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = r\n";

#[derive(Debug)]
struct NoNetwork;

impl HttpClient for NoNetwork {
    fn send(&self, _: HttpRequest, _: Timeouts) -> BoxFuture<'_, Result<HttpResponse, HttpError>> {
        panic!("the cache reader reached the network");
    }
}

fuzz_target!(|data: &[u8]| {
    let fs = Arc::new(MemFs::default());
    let env = Env::from_vars([("HOME", "/h")])
        .with_fs(fs.clone())
        .with_clock(Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH)));
    // Parsed once: the config is not what this target explores.
    static PROFILES: OnceLock<Arc<ProfileSet>> = OnceLock::new();
    let profiles = PROFILES.get_or_init(|| {
        Arc::new(ProfileSet::parse(Some((Path::new("/h/.aws/config"), CONFIG)), None))
    });
    let ctx = ProfileContext {
        env,
        profiles: profiles.clone(),
        profile_name: "p".into(),
        profile_explicit: true,
        region_override: None,
    };
    let provider = SsoProvider::new(&ctx, "p", Arc::new(NoNetwork)).expect("a complete SSO profile");
    fs.insert(
        format!("/h/.aws/cli/cache/{}.json", provider.cache_key()),
        data.to_vec(),
    );
    let mut future = provider.provide_credentials();
    let Poll::Ready(result) = future.as_mut().poll(&mut Context::from_waker(Waker::noop())) else {
        panic!("reading the cache waited on something");
    };
    match result {
        Ok(creds) => {
            let debug = format!("{creds:?}");
            let secret = creds.secret_access_key().expose();
            if secret.len() >= 8 && !creds.access_key_id().contains(secret) && !"123456789012".contains(secret) {
                assert!(!debug.contains(secret), "secret in Debug output");
            }
        }
        Err(e) => {
            if data.len() >= 16 {
                if let Ok(text) = std::str::from_utf8(data) {
                    assert!(!e.to_string().contains(text), "file quoted in error");
                }
            }
        }
    }
});

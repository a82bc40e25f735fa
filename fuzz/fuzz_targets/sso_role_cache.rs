//! The SSO tier's role-credential cache (`~/.aws/cli/cache/<key>.json`, read by `SsoProvider`)
//! on arbitrary file contents, through the provider itself on an in-memory home. Invariants: no
//! panic; no network call (a miss without an SSO token stops before any request); the answer is
//! ready at once (files only); credentials that load never show their secrets in `Debug`; and
//! whatever the file holds, an error is exactly the one of a missing file (a bad entry is a
//! miss, so its content cannot reach a message).
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

fn resolve(data: Option<&[u8]>) -> Result<awscred_core::Credentials, awscred_core::Error> {
    let fs = Arc::new(MemFs::default());
    let env = Env::from_vars([("HOME", "/h")])
        .with_fs(fs.clone())
        .with_clock(Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH)));
    // Parsed once: the config is not what this target explores.
    static PROFILES: OnceLock<Arc<ProfileSet>> = OnceLock::new();
    let profiles = PROFILES.get_or_init(|| {
        Arc::new(ProfileSet::parse(Some((Path::new("/h/.aws/config"), CONFIG)), None))
    });
    let ctx = ProfileContext::new(env.clone(), profiles.clone(), "p".into()).chosen_explicitly(true);
    let provider = SsoProvider::new(&ctx, "p", Arc::new(NoNetwork)).expect("a complete SSO profile");
    if let Some(data) = data {
        fs.insert(
            format!("/h/.aws/cli/cache/{}.json", provider.cache_key()),
            data.to_vec(),
        );
    }
    let mut future = provider.provide_credentials();
    let Poll::Ready(result) = future.as_mut().poll(&mut Context::from_waker(Waker::noop())) else {
        panic!("reading the cache waited on something");
    };
    result
}

fuzz_target!(|data: &[u8]| {
    static MISSING: OnceLock<String> = OnceLock::new();
    let missing = MISSING.get_or_init(|| resolve(None).expect_err("no cache, no token").to_string());
    match resolve(Some(data)) {
        Ok(creds) => {
            let debug = format!("{creds:?}");
            let secret = creds.secret_access_key().expose();
            if secret.len() >= 8 && !creds.access_key_id().contains(secret) && !"123456789012".contains(secret) {
                assert!(!debug.contains(secret), "secret in Debug output");
            }
        }
        Err(e) => assert_eq!(&e.to_string(), missing, "the file's content reached the error"),
    }
});

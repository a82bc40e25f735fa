//! One token refresh across refreshers: the refresh is done holding `<token file>.lock`, and
//! whoever finds it held waits for the refreshed token to appear in the file.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use awscred_core::ProvideCredentials;
use awscred_sso::{SsoProvider, SsoTokenProvider};
use common::*;
use serde_json::json;

const REFRESHERS: usize = 50;

fn expired_token(s: &Setup) -> PathBuf {
    s.fake.accept_refresh_token("old-refresh", "cid", "csecret");
    let path = s.token_file("my-sso");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let token = json!({
        "startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1",
        "accessToken": "old-token", "expiresAt": in_minutes(&s.env, -5),
        "refreshToken": "old-refresh", "clientId": "cid", "clientSecret": "csecret",
        "registrationExpiresAt": "2199-03-06T19:53:17UTC",
    });
    std::fs::write(&path, token.to_string()).unwrap();
    path
}

fn lock_file(token: &std::path::Path) -> PathBuf {
    let mut name = token.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn cache_dir_names(s: &Setup) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(s.path(".aws/sso/cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_refreshers_at_once_make_one_create_token_call() {
    let s = Setup::new(SESSION_CONFIG);
    let path = expired_token(&s);
    // Each refresher is its own provider, as each process would have: nothing shared in memory.
    let tasks: Vec<_> = (0..REFRESHERS)
        .map(|_| {
            let provider = SsoTokenProvider::new(&s.ctx("dev"), "dev", s.http.clone()).unwrap();
            tokio::spawn(async move { provider.token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap());
    }
    assert_eq!(s.fake.requests_to("/token").len(), 1, "one CreateToken");
    let written = s.read_json(&path);
    let new = written["accessToken"].as_str().unwrap();
    assert!(new.starts_with("access-token-"), "{written}");
    for token in &tokens {
        assert_eq!(
            token.token.expose(),
            new,
            "every refresher uses the one new token"
        );
    }
    assert_eq!(
        cache_dir_names(&s),
        vec![format!("{}.json", sha1("my-sso"))],
        "the lock is gone and no temporary file is left"
    );
    // Unix only: file modes (the CLI's 0o600 sets none on Windows).
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_resolutions_at_once_make_one_refresh_and_one_get_role_credentials_call() {
    let s = Setup::new(SESSION_CONFIG);
    expired_token(&s);
    let tasks: Vec<_> = (0..REFRESHERS)
        .map(|_| {
            let provider = SsoProvider::new(&s.ctx("dev"), "dev", s.http.clone()).unwrap();
            tokio::spawn(async move { provider.provide_credentials().await })
        })
        .collect();
    let mut keys = std::collections::BTreeSet::new();
    for task in tasks {
        keys.insert(task.await.unwrap().unwrap().access_key_id().to_owned());
    }
    assert_eq!(s.fake.requests_to("/token").len(), 1, "one CreateToken");
    assert_eq!(
        s.fake.requests_to("/federation/credentials").len(),
        1,
        "one GetRoleCredentials"
    );
    assert_eq!(keys.len(), 1, "everyone uses the one answer: {keys:?}");
    let role_cache: Vec<_> = std::fs::read_dir(s.path(".aws/cli/cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(role_cache.len(), 1, "no lock left: {role_cache:?}");
}

#[tokio::test]
async fn a_stale_lock_is_taken_over() {
    let s = Setup::new(SESSION_CONFIG);
    let path = expired_token(&s);
    // Left by a process that died a minute ago while refreshing.
    let minute_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 60;
    std::fs::write(lock_file(&path), minute_ago.to_string()).unwrap();
    let started = Instant::now();
    let token = SsoTokenProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .token()
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "no wait for a dead holder"
    );
    assert!(token.token.expose().starts_with("access-token-"));
    assert_eq!(s.fake.requests_to("/token").len(), 1);
    assert!(!lock_file(&path).exists(), "released after the refresh");
}

#[tokio::test]
async fn a_waiter_uses_the_token_the_holder_writes() {
    let s = Setup::new(SESSION_CONFIG);
    let path = expired_token(&s);
    // Another process holds the lock and is refreshing.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    std::fs::write(lock_file(&path), now.to_string()).unwrap();
    let holder = {
        let (path, expires) = (path.clone(), in_minutes(&s.env, 60));
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            let refreshed = json!({
                "startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1",
                "accessToken": "from-the-other-process", "expiresAt": expires,
                "refreshToken": "r2", "clientId": "cid", "clientSecret": "csecret",
                "registrationExpiresAt": "2199-03-06T19:53:17UTC",
            });
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, refreshed.to_string()).unwrap();
            std::fs::rename(&tmp, &path).unwrap();
            std::fs::remove_file(lock_file(&path)).unwrap();
        })
    };
    let token = SsoTokenProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .token()
        .await
        .unwrap();
    holder.join().unwrap();
    assert_eq!(token.token.expose(), "from-the-other-process");
    assert!(s.fake.requests().is_empty(), "no CreateToken of its own");
}

#[tokio::test]
async fn no_lock_is_taken_when_nothing_can_be_refreshed() {
    let s = Setup::new(SESSION_CONFIG);
    let path = s.token_file("my-sso");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // In the refresh window but without refresh keys; a live lock of another process is there.
    let token = json!({"accessToken": "plain", "expiresAt": in_minutes(&s.env, 12)});
    std::fs::write(&path, token.to_string()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    std::fs::write(lock_file(&path), now.to_string()).unwrap();
    let started = Instant::now();
    let got = SsoTokenProvider::new(&s.ctx("dev"), "dev", s.http.clone())
        .unwrap()
        .token()
        .await
        .unwrap();
    assert_eq!(got.token.expose(), "plain");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no wait for a lock it does not need"
    );
}

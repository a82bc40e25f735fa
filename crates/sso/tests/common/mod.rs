//! Shared set-up: a temporary home, a profile context pointing the SSO services at the fake.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use awscred_core::http::{HttpClient, HyperClient};
use awscred_core::{Env, timestamp};
use awscred_profile::{ProfileContext, ProfileSet};
use awscred_testkit::TempDir;
use awscred_testkit::sso_fake::SsoFake;

pub const SESSION_CONFIG: &str = "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\n\
sso_role_name = ReadOnly\nregion = eu-west-1\n\n[sso-session my-sso]\nsso_start_url = https://d-123.awsapps.com/start\n\
sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n[profile legacy]\n\
sso_start_url = https://legacy.awsapps.com/start\nsso_region = us-west-2\nsso_account_id = 444455556666\n\
sso_role_name = Admin\n";

pub struct Setup {
    pub home: TempDir,
    pub fake: SsoFake,
    pub env: Env,
    pub http: Arc<dyn HttpClient>,
}

impl Setup {
    pub fn new(config: &str) -> Setup {
        Self::with_env(config, Env::real().clock())
    }

    pub fn with_env(config: &str, clock: Arc<dyn awscred_core::clock::Clock>) -> Setup {
        let home = TempDir::new("sso");
        home.write(".aws/config", config);
        let fake = SsoFake::start();
        let env = Env::from_vars([
            (awscred_testkit::HOME_VAR, home.path().to_str().unwrap()),
            ("AWS_ENDPOINT_URL_SSO", fake.url()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", fake.url()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ])
        .with_clock(clock);
        let http: Arc<dyn HttpClient> = Arc::new(HyperClient::new(&env));
        Setup {
            home,
            fake,
            env,
            http,
        }
    }

    pub fn ctx(&self, profile: &str) -> ProfileContext {
        profile_context(&self.env, profile)
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.home.path().join(relative)
    }

    pub fn token_file(&self, key_input: &str) -> PathBuf {
        self.path(&format!(".aws/sso/cache/{}.json", sha1(key_input)))
    }

    pub fn read_json(&self, path: &Path) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(path).expect("file exists")).expect("JSON")
    }
}

/// `profile` selected (as with `--profile`) in the files `env` points at.
pub fn profile_context(env: &Env, profile: &str) -> ProfileContext {
    ProfileContext::new(
        env.clone(),
        Arc::new(ProfileSet::load(env).expect("config loads")),
        profile.to_owned(),
    )
    .chosen_explicitly(true)
}

/// The CLI's retry policy with millisecond waits, so tests of failures do not sleep for seconds.
pub fn fast_retry() -> awscred_core::retry::RetryConfig {
    awscred_core::retry::RetryConfig::new(3, Duration::from_millis(2), Duration::from_millis(20))
}

pub fn sha1(input: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, input.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn iso(t: SystemTime) -> String {
    timestamp::format_z(t)
}

pub fn in_minutes(env: &Env, minutes: i64) -> String {
    let now = env.now();
    let t = if minutes >= 0 {
        now + Duration::from_secs(minutes as u64 * 60)
    } else {
        now - Duration::from_secs(minutes.unsigned_abs() * 60)
    };
    iso(t)
}

/// A terminal the test can read while the code under test writes to it.
#[derive(Clone, Default)]
pub struct SharedOut(pub Arc<Mutex<Vec<u8>>>);

impl SharedOut {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for SharedOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// Unix only: file modes (the CLI's 0o600 sets none on Windows).
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

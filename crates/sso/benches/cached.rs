//! The SSO tier's local paths: `cargo bench -p awscred-sso --bench cached [-- --quick]`.
//!
//! - `sso_cached_role_credentials`: a new `SsoProvider` for an sso-session profile on a home on
//!   disk, resolved once from the role credentials the CLI cached in `~/.aws/cli/cache/` (parse
//!   the config, read and parse the cache file; no network): what a short-lived program pays.
//! - `sso_token_cache_parse`: parsing one token cache file (`CachedToken::parse`).
//!
//! Prints one JSON line per figure (`awscred_testkit::bench::Samples::json_line`).

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use awscred_core::http::HttpClient;
use awscred_core::{Env, ProvideCredentials};
use awscred_profile::{ProfileContext, ProfileSet};
use awscred_sso::{CachedToken, SsoProvider};
use awscred_testkit::TempDir;
use awscred_testkit::bench::Samples;

const CONFIG: &str = "[profile dev]\nsso_session = s\nsso_account_id = 111122223333\nsso_role_name = R\n\
[sso-session s]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n";
const TOKEN: &str = r#"{"startUrl": "https://d-1.awsapps.com/start", "region": "us-east-1", "accessToken": "aoaAAAAAGVxample", "expiresAt": "2199-01-01T00:00:00Z", "clientId": "cid", "clientSecret": "csecret", "registrationExpiresAt": "2199-01-01T00:00:00Z", "refreshToken": "rt"}"#;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let iterations = if quick { 2_000 } else { 20_000 };
    let home = TempDir::new("sso-bench");
    home.write(".aws/config", CONFIG);
    let env = Env::from_vars([("HOME", home.path().to_str().expect("UTF-8 temp dir"))]);
    // Any client: the cached credentials mean it is never called.
    let http: Arc<dyn HttpClient> = Arc::new(awscred_core::http::HyperClient::new(&env));
    let key = {
        let ctx = context(&env);
        SsoProvider::new(&ctx, "dev", http.clone())
            .expect("configured")
            .cache_key()
    };
    home.write(
        &format!(".aws/cli/cache/{key}.json"),
        r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIABENCHSSO", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2199-01-01T00:00:00Z", "AccountId": "111122223333"}}"#,
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let mut samples = Samples::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let ctx = context(&env);
        let provider = SsoProvider::new(&ctx, "dev", http.clone()).expect("configured");
        let creds = runtime
            .block_on(provider.provide_credentials())
            .expect("cached credentials");
        samples.push(start.elapsed());
        assert_eq!(creds.access_key_id(), "ASIABENCHSSO");
        black_box(creds);
    }
    println!("{}", samples.json_line("sso_cached_role_credentials", &[]));

    let mut samples = Samples::with_capacity(iterations);
    let path = Path::new("/home/u/.aws/sso/cache/x.json");
    for _ in 0..iterations {
        let start = Instant::now();
        let token = CachedToken::parse(black_box(TOKEN.as_bytes()), "s", path).expect("parses");
        samples.push(start.elapsed());
        black_box(token);
    }
    println!("{}", samples.json_line("sso_token_cache_parse", &[]));
}

fn context(env: &Env) -> ProfileContext {
    ProfileContext::new(
        env.clone(),
        Arc::new(ProfileSet::load(env).expect("config loads")),
        "dev".into(),
    )
    .chosen_explicitly(true)
}

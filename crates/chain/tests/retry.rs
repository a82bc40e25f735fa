//! The retry policy of the chain's STS and SSO calls: the builder's, else what botocore gives a
//! client from `AWS_RETRY_MODE` / `retry_mode` and `AWS_MAX_ATTEMPTS` / `max_attempts`, read
//! through the STS client the chain calls with.
#![cfg(feature = "sts")]

use std::path::Path;
use std::sync::Arc;

use awscred_chain::Chain;
use awscred_core::Env;
use awscred_core::fs::MemFs;
use awscred_core::retry::RetryConfig;

const HOME: &str = "/h";

/// The attempts of the chain's STS client, with `vars`, `config` as the config file and the
/// builder's policy `builder`; or the error, as text.
fn retry(vars: &[(&str, &str)], config: &str, builder: Option<RetryConfig>) -> Result<u32, String> {
    let fs = MemFs::default().with_file(Path::new(HOME).join(".aws/config"), config);
    let env = Env::from_vars(
        [
            (awscred_testkit::HOME_VAR, HOME),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .into_iter()
        .chain(vars.iter().copied()),
    )
    .with_fs(Arc::new(fs));
    let mut chain = Chain::builder().env(env);
    if let Some(policy) = builder {
        chain = chain.retry(policy);
    }
    chain
        .build()
        .sts_client()
        .map(|client| client.retry().max_attempts)
        .map_err(|e| e.to_string())
}

#[test]
fn attempts_follow_botocores_settings() {
    assert_eq!(retry(&[], "", None), Ok(3), "the CLI v2's standard mode");
    assert_eq!(retry(&[("AWS_RETRY_MODE", "legacy")], "", None), Ok(5));
    assert_eq!(retry(&[("AWS_RETRY_MODE", "adaptive")], "", None), Ok(3));
    assert_eq!(retry(&[], "[default]\nretry_mode = legacy\n", None), Ok(5));
    assert_eq!(retry(&[], "[default]\nmax_attempts = 7\n", None), Ok(7));
    // The variable wins over the file, and max_attempts over the mode's default.
    let both = "[default]\nmax_attempts = 7\nretry_mode = legacy\n";
    assert_eq!(retry(&[("AWS_MAX_ATTEMPTS", "2")], both, None), Ok(2));
    assert_eq!(retry(&[], both, None), Ok(7));
    // The builder's policy replaces the settings.
    let fixed = RetryConfig::default().with_max_attempts(9);
    assert_eq!(retry(&[("AWS_MAX_ATTEMPTS", "2")], "", Some(fixed)), Ok(9));
}

#[test]
fn bad_retry_settings_are_errors_naming_their_source() {
    let zero = retry(&[("AWS_MAX_ATTEMPTS", "0")], "", None).unwrap_err();
    assert!(
        zero.contains("\"max_attempts\": 0 must be an integer greater than or equal to 1"),
        "{zero}"
    );
    assert!(zero.contains("AWS_MAX_ATTEMPTS"), "{zero}");
    let text = retry(&[], "[default]\nmax_attempts = many\n", None).unwrap_err();
    assert!(text.contains("`max_attempts` of profile default"), "{text}");
    let mode = retry(&[("AWS_RETRY_MODE", "bogus")], "", None).unwrap_err();
    assert!(
        mode.contains("\"mode\": \"bogus\" must be one of: ('legacy', 'standard', 'adaptive')"),
        "{mode}"
    );
}

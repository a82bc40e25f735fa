//! The builder's aws-config-like names: `profile_name`, `set_profile_name`, `region_name`,
//! `set_region_name`, each the same as the `Option` forms (`--profile`, `--region`).
#![cfg(all(feature = "env", feature = "profile"))]

use std::path::Path;
use std::sync::Arc;

use awscred_chain::{Chain, ChainBuilder, Tier};
use awscred_core::Env;
use awscred_core::fs::MemFs;

/// The home directory, named by the platform's variable (`USERPROFILE` on Windows).
const HOME: &str = "/h";

fn env() -> Env {
    let fs = MemFs::default()
        .with_file(
            Path::new(HOME).join(".aws/config"),
            "[profile dev]\nregion = eu-west-1\n",
        )
        .with_file(
            Path::new(HOME).join(".aws/credentials"),
            "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = S\n\
             [default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = S\n",
        );
    Env::from_vars([
        (awscred_testkit::HOME_VAR, HOME),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_ACCESS_KEY_ID", "ENVKEY"),
        ("AWS_SECRET_ACCESS_KEY", "S"),
    ])
    .with_fs(Arc::new(fs))
}

fn resolve(chain: &Chain) -> (String, &'static str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let creds = runtime.block_on(chain.resolve()).unwrap();
    (creds.access_key_id().to_owned(), creds.provider())
}

#[test]
fn profile_name_is_the_clis_profile_option_and_turns_the_environment_off() {
    let named = Chain::builder().env(env()).profile_name("dev").build();
    assert_eq!(
        resolve(&named),
        ("DEVKEY".into(), Tier::CredentialsFile.name())
    );
    assert_eq!(named.profile_name(), "dev");
    assert_eq!(named.region().as_deref(), Some("eu-west-1"));

    let unnamed = Chain::builder().env(env()).build();
    assert_eq!(resolve(&unnamed), ("ENVKEY".into(), Tier::Env.name()));
}

#[test]
fn set_forms_set_and_clear() {
    let mut builder = ChainBuilder::default().env(env());
    builder
        .set_profile_name(Some("dev".into()))
        .set_region_name(Some("ap-south-1".into()));
    let chain = builder.build();
    assert_eq!(resolve(&chain).0, "DEVKEY");
    assert_eq!(chain.region().as_deref(), Some("ap-south-1"));

    let mut builder = Chain::builder()
        .env(env())
        .profile_name("dev")
        .region_name("x-1");
    builder.set_profile_name(None).set_region_name(None);
    let chain = builder.build();
    assert_eq!(resolve(&chain).0, "ENVKEY");
    assert_eq!(chain.profile_name(), "default");
    assert_eq!(chain.region(), None);
}

#[test]
fn region_name_is_the_clis_region_option() {
    let chain = Chain::builder()
        .env(env())
        .profile_name("dev")
        .region_name("us-west-2")
        .build();
    assert_eq!(chain.region().as_deref(), Some("us-west-2"));
}

#[test]
fn a_profile_provider_asks_the_profile_tiers_alone() {
    use awscred_chain::ProfileProvider;
    use awscred_core::ProvideCredentials;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let provide = |builder: ChainBuilder| {
        runtime.block_on(ProfileProvider::from_builder(builder).provide_credentials())
    };

    // The environment holds keys, but the environment tier is not asked, profile named or not.
    let creds = provide(Chain::builder().env(env())).unwrap();
    assert_eq!(
        (creds.access_key_id(), creds.provider()),
        ("DEFAULTKEY", Tier::CredentialsFile.name())
    );
    assert_eq!(
        provide(Chain::builder().env(env()).profile_name("dev"))
            .unwrap()
            .access_key_id(),
        "DEVKEY"
    );

    // A profile without credentials is not configured: no fall-through to the machine tiers.
    let empty = env().with_fs(Arc::new(MemFs::default().with_file(
        Path::new(HOME).join(".aws/config"),
        "[profile bare]\nregion = x\n",
    )));
    let err = provide(Chain::builder().env(empty.clone()).profile_name("bare")).unwrap_err();
    assert!(err.is_not_configured(), "{err}");
    let explanation = runtime.block_on(
        ProfileProvider::from_builder(Chain::builder().env(empty).profile_name("bare"))
            .chain()
            .explain(),
    );
    let last = explanation.tiers.last().unwrap();
    assert_eq!(last.tier, Tier::InstanceMetadata);
    assert!(matches!(last.status, awscred_chain::TierStatus::NotReached));

    // A named profile that does not exist is the CLI's error.
    let missing = provide(Chain::builder().env(env()).profile_name("nope")).unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("The config profile (nope) could not be found"),
        "{missing}"
    );
}

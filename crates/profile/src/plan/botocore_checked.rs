use super::*;
use std::path::Path;

fn plan(config: &str, profile: &str) -> Result<ProfileChain, Error> {
    let set = ProfileSet::parse(Some((Path::new("/c"), config)), None);
    resolve_chain(&set, profile)
}

#[test]
fn loop_further_down_names_the_profile_seen_twice() {
    let err = plan(
        "[profile A]\nrole_arn = a\nsource_profile = B\n[profile B]\nrole_arn = b\nsource_profile = C\n\
         [profile C]\nrole_arn = c\nsource_profile = B\n",
        "A",
    )
    .unwrap_err();
    assert!(
        err.message().ends_with(
            "Attempting to load from profile B which has already been visited. \
             Visited profiles: ['A', 'B', 'C']"
        ),
        "{err}"
    );
}

#[test]
fn process_source_and_credential_source_further_down() {
    let chain = plan(
        "[profile A]\nrole_arn = a\nsource_profile = B\n[profile B]\ncredential_process = /bin/x\n",
        "A",
    )
    .unwrap();
    assert_eq!(
        chain.base,
        BaseCredentials::CredentialProcess {
            profile: "B".into(),
            command: "/bin/x".into(),
            account_id: None,
            disk_cache: false,
        }
    );
    let chain = plan(
        "[profile A]\nrole_arn = a\nsource_profile = B\n[profile B]\nrole_arn = b\ncredential_source = Environment\n",
        "A",
    )
    .unwrap();
    assert_eq!(
        chain.base,
        BaseCredentials::CredentialSource {
            profile: "B".into(),
            source: CredentialSource::Environment
        }
    );
    assert_eq!(
        chain
            .roles
            .iter()
            .map(|r| r.role_arn.as_str())
            .collect::<Vec<_>>(),
        ["b", "a"]
    );
}

#[test]
fn selected_web_identity_wins_over_source_profile_and_bad_duration_is_ignored() {
    let chain = plan(
        "[profile A]\nrole_arn = a\nsource_profile = B\nweb_identity_token_file = /t\n\
         [profile B]\naws_access_key_id = K\naws_secret_access_key = S\n",
        "A",
    )
    .unwrap();
    assert!(matches!(chain.base, BaseCredentials::WebIdentity { .. }) && chain.roles.is_empty());
    let chain = plan(
        "[profile A]\nrole_arn = a\nsource_profile = B\nduration_seconds = abc\nmfa_serial = m\n\
         [profile B]\naws_access_key_id = K\naws_secret_access_key = S\n",
        "A",
    )
    .unwrap();
    assert_eq!(
        (
            chain.roles[0].duration_seconds,
            chain.roles[0].mfa_serial.as_deref()
        ),
        (None, Some("m"))
    );
}

#[test]
fn self_reference_with_only_a_secret_has_no_credentials() {
    let err = plan(
        "[profile A]\nrole_arn = a\nsource_profile = A\naws_secret_access_key = S\n",
        "A",
    )
    .unwrap_err();
    assert_eq!(
        err.message(),
        "The source profile \"A\" must have credentials."
    );
}

use super::*;
use std::path::Path;

/// The profile whose keys a plan's base holds.
fn key_profile(base: &BaseCredentials) -> Option<&str> {
    match base {
        BaseCredentials::AccessKey { profile, .. } => Some(profile),
        _ => None,
    }
}

fn set(config: &str, credentials: &str) -> ProfileSet {
    ProfileSet::parse(
        Some((Path::new("/h/.aws/config"), config)),
        Some((Path::new("/h/.aws/credentials"), credentials)),
    )
}

#[test]
fn credentials_file_keys_beat_process_which_beats_config_keys() {
    let s = set(
        "[profile a]\ncredential_process = /bin/creds\naws_access_key_id = K\naws_secret_access_key = S\n",
        "",
    );
    assert!(matches!(
        resolve_chain(&s, "a").unwrap().base,
        BaseCredentials::CredentialProcess { .. }
    ));
    let s = set(
        "[profile a]\ncredential_process = /bin/creds\n",
        "[a]\naws_access_key_id = K\naws_secret_access_key = S\n",
    );
    assert_eq!(
        key_profile(&resolve_chain(&s, "a").unwrap().base),
        Some("a")
    );
}

#[test]
fn keys_split_across_files_are_partial() {
    let s = set(
        "[profile a]\naws_secret_access_key = S\n",
        "[a]\naws_access_key_id = K\n",
    );
    let e = resolve_chain(&s, "a").unwrap_err();
    assert!(
        e.message()
            .contains("shared-credentials-file, missing: aws_secret_access_key"),
        "{e}"
    );
}

#[test]
fn selected_role_beats_static_keys_and_three_roles_chain() {
    let s = set(
        "[profile a]\nrole_arn = ra\nsource_profile = b\naws_access_key_id = x\naws_secret_access_key = y\nmfa_serial = m\nduration_seconds = 900\nexternal_id = e\n\
         [profile b]\nrole_arn = rb\nsource_profile = c\n[profile c]\nrole_arn = rc\nsource_profile = d\n",
        "[d]\naws_access_key_id = K\naws_secret_access_key = S\n",
    );
    let chain = resolve_chain(&s, "a").unwrap();
    assert_eq!(key_profile(&chain.base), Some("d"));
    let arns: Vec<_> = chain.roles.iter().map(|r| r.role_arn.as_str()).collect();
    assert_eq!(arns, ["rc", "rb", "ra"]);
    let a = &chain.roles[2];
    assert_eq!(
        (
            a.duration_seconds,
            a.mfa_serial.as_deref(),
            a.external_id.as_deref()
        ),
        (Some(900), Some("m"), Some("e"))
    );
}

#[test]
fn cycle_message_names_the_loop() {
    let s = set(
        "[profile a]\nrole_arn = ra\nsource_profile = b\n[profile b]\nrole_arn = rb\nsource_profile = c\n[profile c]\nrole_arn = rc\nsource_profile = a\n",
        "",
    );
    let e = resolve_chain(&s, "a").unwrap_err();
    assert_eq!(e.kind(), awscred_core::ErrorKind::InvalidConfiguration);
    assert!(
        e.message().ends_with("Attempting to load from profile a which has already been visited. Visited profiles: ['a', 'b', 'c']"),
        "{e}"
    );
}

#[test]
fn credential_source_values() {
    let s = set(
        "[profile a]\nrole_arn = ra\ncredential_source = Ec2InstanceMetadata\n[profile b]\nrole_arn = rb\ncredential_source = ec2\n",
        "",
    );
    let chain = resolve_chain(&s, "a").unwrap();
    assert_eq!(
        chain.base,
        BaseCredentials::CredentialSource {
            profile: "a".into(),
            source: CredentialSource::Ec2InstanceMetadata
        }
    );
    let e = resolve_chain(&s, "b").unwrap_err();
    assert_eq!(
        e.message(),
        "The credential source \"ec2\" referenced in profile \"b\" is not valid."
    );
}

#[test]
fn self_source_needs_static_keys() {
    let s = set("[profile a]\nrole_arn = ra\nsource_profile = a\n", "");
    let e = resolve_chain(&s, "a").unwrap_err();
    assert!(e.message().starts_with("Infinite loop"), "{e}");
}

#[test]
fn source_profile_with_keys_and_web_identity_uses_web_identity() {
    let s = set(
        "[profile a]\nrole_arn = ra\nsource_profile = b\n[profile b]\nrole_arn = rb\nweb_identity_token_file = /t\naws_access_key_id = K\naws_secret_access_key = S\n",
        "",
    );
    assert!(matches!(
        resolve_chain(&s, "a").unwrap().base,
        BaseCredentials::WebIdentity { .. }
    ));
}

#[test]
fn context_env_web_identity_overrides_keys_unless_profile_explicit() {
    use awscred_core::Env;
    use std::sync::Arc;
    let s = Arc::new(set(
        "[profile a]\naws_access_key_id = K\naws_secret_access_key = S\n",
        "",
    ));
    let env = Env::from_vars([
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/tok"),
        ("AWS_ROLE_ARN", "arn:env"),
    ]);
    let mut ctx = ProfileContext::new(env.clone(), s, "a".into());
    assert_eq!(
        resolve_for_context(&ctx).unwrap().base,
        BaseCredentials::WebIdentity {
            profile: "a".into(),
            role_arn: "arn:env".into(),
            token_file: "/tok".into(),
            session_name: None
        }
    );
    ctx.profile_explicit = true;
    assert_eq!(
        key_profile(&resolve_for_context(&ctx).unwrap().base),
        Some("a")
    );
    ctx.profile_explicit = false;
    ctx.profile_name = "default".into();
    let mut quiet = ctx.clone();
    quiet.env = Env::from_vars::<&str, &str>([]);
    assert!(resolve_for_context(&quiet).unwrap_err().is_not_configured());
    quiet.profile_explicit = true;
    let err = resolve_for_context(&quiet).unwrap_err();
    assert_eq!(
        err.message(),
        "The config profile (default) could not be found"
    );
    assert!(matches!(
        resolve_for_context(&ctx).unwrap().base,
        BaseCredentials::WebIdentity { .. }
    ));
}
fn login(profile: &str, session: &str) -> BaseCredentials {
    BaseCredentials::Login {
        profile: profile.into(),
        session: session.into(),
    }
}

#[test]
fn login_session_sits_between_credentials_file_keys_and_credential_process() {
    // Credentials-file keys come first in botocore's list.
    let s = set(
        "[profile a]\nlogin_session = arn:aws:iam::1:user/u\n",
        "[a]\naws_access_key_id = K\naws_secret_access_key = S\n",
    );
    assert_eq!(
        key_profile(&resolve_chain(&s, "a").unwrap().base),
        Some("a")
    );
    // login_session wins over credential_process and over config-file keys.
    let s = set(
        "[profile a]\nlogin_session = sess\ncredential_process = /bin/creds\n\
         aws_access_key_id = K\naws_secret_access_key = S\n",
        "",
    );
    assert_eq!(resolve_chain(&s, "a").unwrap().base, login("a", "sess"));
    // SSO settings come before it.
    let s = set(
        "[profile a]\nlogin_session = sess\nsso_account_id = 1\nsso_role_name = R\n\
         sso_start_url = https://x\nsso_region = eu-west-1\n",
        "",
    );
    assert!(matches!(
        resolve_chain(&s, "a").unwrap().base,
        BaseCredentials::Sso { .. }
    ));
    // The key applies once present, as botocore's `'login_session' in profile_config`.
    let s = set("[profile a]\nlogin_session =\n", "");
    assert_eq!(resolve_chain(&s, "a").unwrap().base, login("a", ""));
    // A login_session written in the credentials file counts too (botocore's full_config
    // merges that file's profiles).
    let s = set("", "[a]\nlogin_session = sess\n");
    assert_eq!(resolve_chain(&s, "a").unwrap().base, login("a", "sess"));
    assert_eq!(login("a", "sess").profile(), "a");
}

#[test]
fn login_session_as_a_source_profile() {
    let s = set(
        "[profile dev]\nrole_arn = arn:aws:iam::1:role/Dev\nsource_profile = base\n\
         [profile base]\nlogin_session = sess\ncredential_process = /bin/creds\n",
        "",
    );
    let chain = resolve_chain(&s, "dev").unwrap();
    assert_eq!(chain.base, login("base", "sess"));
    assert_eq!(chain.roles.len(), 1);
    assert_eq!(chain.roles[0].role_arn, "arn:aws:iam::1:role/Dev");
    // A source profile that also has a role: the role is assumed on top of its own source,
    // so login_session there is not used (botocore's `_resolve_credentials_from_profile`).
    let s = set(
        "[profile dev]\nrole_arn = arn:aws:iam::1:role/Dev\nsource_profile = mid\n\
         [profile mid]\nrole_arn = arn:aws:iam::1:role/Mid\nsource_profile = base\n\
         login_session = ignored\n\
         [profile base]\nlogin_session = sess\n",
        "",
    );
    let chain = resolve_chain(&s, "dev").unwrap();
    assert_eq!(chain.base, login("base", "sess"));
    assert_eq!(chain.roles.len(), 2);
}

#[test]
fn the_plan_names_its_tier_and_carries_what_the_tier_needs() {
    let s = set(
        "[profile p]\ncredential_process = /bin/creds\naws_account_id = 123\n\
         awscred_credential_process_cache = TRUE\n\
         [profile bad]\ncredential_process = /bin/creds\nawscred_credential_process_cache = yes\n\
         [profile c]\naws_access_key_id = A\naws_secret_access_key = S\n\
         [profile r]\nrole_arn = arn:r\nsource_profile = c\n\
         [profile s]\nsso_account_id = 1\nsso_role_name = R\nsso_start_url = https://x\n\
         sso_region = eu-west-1\n",
        "[k]\naws_access_key_id = K\naws_secret_access_key = S\n",
    );
    let p = resolve_chain(&s, "p").unwrap();
    assert_eq!(p.tier(), Tier::CredentialProcess);
    assert_eq!(
        p.base,
        BaseCredentials::CredentialProcess {
            profile: "p".into(),
            command: "/bin/creds".into(),
            account_id: Some("123".into()),
            disk_cache: true,
        }
    );
    let bad = resolve_chain(&s, "bad").unwrap_err();
    assert_eq!(
        bad.message(),
        "profile bad: awscred_credential_process_cache = \"yes\" is not true or false"
    );
    assert_eq!(resolve_chain(&s, "c").unwrap().tier(), Tier::ConfigFile);
    assert_eq!(
        resolve_chain(&s, "k").unwrap().tier(),
        Tier::CredentialsFile
    );
    assert_eq!(resolve_chain(&s, "r").unwrap().tier(), Tier::AssumeRole);
    let sso = resolve_chain(&s, "s").unwrap();
    assert_eq!(sso.tier(), Tier::Sso);
    let BaseCredentials::Sso { settings, .. } = &sso.base else {
        panic!("{sso:?}")
    };
    assert_eq!(
        (
            settings.role_name.as_str(),
            settings.session.region.as_str()
        ),
        ("R", "eu-west-1")
    );
}

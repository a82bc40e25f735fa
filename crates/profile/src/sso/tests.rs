use super::*;
use std::path::Path;

fn set(config: &str) -> ProfileSet {
    ProfileSet::parse(Some((Path::new("/h/.aws/config"), config)), None)
}

#[test]
fn legacy_profile() {
    let s = set(
        "[profile a]\nsso_start_url = https://x/start\nsso_region = us-east-2\n\
                 sso_account_id = 123\nsso_role_name = R\n",
    );
    let c = credential_config(&s, "a").unwrap();
    assert_eq!(c.session.session_name, None);
    assert_eq!(
        c.session.start_url_location.as_deref(),
        Some("/h/.aws/config:2")
    );
    assert_eq!((c.account_id.as_str(), c.role_name.as_str()), ("123", "R"));
}

#[test]
fn missing_keys_are_listed_in_order() {
    let s = set("[profile a]\nsso_account_id = 123\n");
    let e = credential_config(&s, "a").unwrap_err();
    assert_eq!(e.kind(), awscred_core::ErrorKind::InvalidConfiguration);
    assert!(
        e.message()
            .ends_with("missing required configuration: sso_role_name, sso_start_url, sso_region"),
        "{e}"
    );
    let s = set(
        "[profile a]\nsso_account_id = 1\nsso_role_name = R\nsso_session = s\n[sso-session s]\nsso_region = x\n",
    );
    let e = credential_config(&s, "a").unwrap_err();
    assert!(e.message().ends_with("configuration: sso_start_url"), "{e}");
}

#[test]
fn session_conflicts_and_unknown_sessions() {
    let s = set(
        "[profile a]\nsso_account_id = 1\nsso_role_name = R\nsso_session = s\n\
                 sso_region = us-west-2\n[sso-session s]\nsso_region = us-east-1\nsso_start_url = u\n",
    );
    let e = credential_config(&s, "a").unwrap_err();
    assert!(e.message().starts_with(
        "The value for sso_region is inconsistent between profile (us-west-2) and sso-session (us-east-1)"
    ), "{e}");
    // Several conflicts: the first in the sso-session's file order is named, as botocore
    // walks the section's keys in order.
    let session_lines = [
        "sso_start_url = https://y",
        "sso_region = us-west-2",
        "sso_registration_scopes = b",
    ];
    for order in [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ] {
        let lines: Vec<&str> = order.iter().map(|&i| session_lines[i]).collect();
        let s = set(&format!(
            "[profile a]\nsso_account_id = 1\nsso_role_name = R\nsso_session = s\n\
             sso_start_url = https://x\nsso_region = us-east-1\nsso_registration_scopes = a\n\
             [sso-session s]\n{}\n",
            lines.join("\n")
        ));
        let first = lines[0].split(' ').next().unwrap();
        let e = credential_config(&s, "a").unwrap_err();
        assert!(
            e.message()
                .starts_with(&format!("The value for {first} is inconsistent")),
            "{order:?}: {e}"
        );
    }
    let s = set("[profile a]\nsso_account_id = 1\nsso_role_name = R\nsso_session = nope\n");
    let e = credential_config(&s, "a").unwrap_err();
    assert!(
        e.message()
            .starts_with("The specified sso-session does not exist: \"nope\""),
        "{e}"
    );
    // The same value in both places is fine.
    let s = set(
        "[profile a]\nsso_account_id = 1\nsso_role_name = R\nsso_session = s\n\
                 sso_region = us-east-1\n[sso-session s]\nsso_region = us-east-1\nsso_start_url = u\n\
                 sso_registration_scopes = a, ,b\n",
    );
    let c = credential_config(&s, "a").unwrap();
    assert_eq!(c.session.session_name.as_deref(), Some("s"));
    assert_eq!(
        c.session.registration_scopes,
        Some(vec!["a".to_owned(), "b".to_owned()])
    );
}

#[test]
fn not_configured_cases() {
    let s = set("[profile a]\nregion = x\n[profile t]\nsso_session = s\n");
    assert!(credential_config(&s, "a").unwrap_err().is_not_configured());
    let e = credential_config(&s, "t").unwrap_err();
    assert!(e.is_not_configured());
    assert!(e.message().contains(TOKEN_ONLY));
    // A profile that does not exist is botocore's `ProfileNotFound`, the one error for it.
    let missing = credential_config(&s, "missing").unwrap_err();
    assert_eq!(
        missing.detail(),
        Some(&awscred_core::Detail::ProfileNotFound {
            profile: "missing".into()
        })
    );
    assert!(token_config(&s, "a").unwrap_err().is_not_configured());
    let e = token_config(&s, "t").unwrap_err();
    assert!(
        e.message()
            .contains("\"s\" sso_session configuration does not exist"),
        "{e}"
    );
}

#[test]
fn login_lookup() {
    let s = set(
        "[profile a]\nsso_session = s\n[profile l]\nsso_region = r\n\
                 [sso-session s]\nsso_region = r\nsso_start_url = u\n[sso-session bad]\nsso_region = r\n",
    );
    assert_eq!(
        login_config(&s, "a", None).unwrap().session_name.as_deref(),
        Some("s")
    );
    assert_eq!(login_config(&s, "zzz", Some("s")).unwrap().start_url, "u");
    let e = login_config(&s, "l", None).unwrap_err();
    assert!(
        e.message()
            .starts_with("Missing the following required SSO configuration values: sso_start_url."),
        "{e}"
    );
    let e = login_config(&s, "a", Some("bad")).unwrap_err();
    assert!(e.message().contains("sso_start_url"), "{e}");
    assert!(login_config(&s, "a", Some("nope")).is_err());
}

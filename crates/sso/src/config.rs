//! A profile's IAM Identity Center settings and the CLI's cache keys for them. The settings are
//! read by the profile crate ([`awscred_profile::sso`]), once, with the CLI's validation and
//! messages; they are re-exported here.

pub use awscred_profile::sso::{
    SsoProfile, SsoSession, credential_config, login_config, parse_scopes, token_config,
};

use crate::util::PyJson;

/// The token cache file's name (`~/.aws/sso/cache/<key>.json`): SHA-1 of the session name, or
/// of the start URL for a legacy profile, as the CLI names it.
pub fn token_cache_key(session: &SsoSession) -> String {
    crate::util::sha1_hex(
        session
            .session_name
            .as_deref()
            .unwrap_or(&session.start_url)
            .as_bytes(),
    )
}

/// The CLI's role-credential cache key (`~/.aws/cli/cache/<key>.json`): SHA-1 of the compact,
/// sorted JSON of `accountId`, `roleName` and `sessionName` (sso-session) or `startUrl`
/// (legacy).
pub fn role_cache_key(sso: &SsoProfile) -> String {
    let mut args = vec![
        ("roleName".to_owned(), PyJson::Str(sso.role_name.clone())),
        ("accountId".to_owned(), PyJson::Str(sso.account_id.clone())),
    ];
    match &sso.session.session_name {
        Some(name) => args.push(("sessionName".to_owned(), PyJson::Str(name.clone()))),
        None => args.push((
            "startUrl".to_owned(),
            PyJson::Str(sso.session.start_url.clone()),
        )),
    }
    let json = PyJson::Object(args).sorted().dumps(true);
    // `_make_file_safe` has nothing to replace in a hex digest.
    crate::util::sha1_hex(json.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    use awscred_profile::ProfileSet;

    #[test]
    fn a_legacy_profiles_token_is_named_after_its_start_url() {
        let s = ProfileSet::parse(
            Some((
                Path::new("/h/.aws/config"),
                "[profile a]\nsso_start_url = https://x/start\nsso_region = us-east-2\n\
                 sso_account_id = 123\nsso_role_name = R\n",
            )),
            None,
        );
        let c = credential_config(&s, "a").unwrap();
        assert_eq!(
            token_cache_key(&c.session),
            crate::util::sha1_hex(b"https://x/start")
        );
    }
}

//! Static keys written in a profile: the credentials-file and config-file tiers, and the base of
//! role chains whose source profile holds keys.

use std::path::Path;

use awscred_core::{Credentials, Error, Secret};
use awscred_profile::{ProfileSet, Section};

use awscred_core::Tier;

/// The keys of `profile`. The tier is named after the file the access key was written in.
/// Presence decides, as in botocore: an access key without a secret is an error naming both.
pub(crate) fn resolve(set: &ProfileSet, profile: &str) -> Result<Credentials, Error> {
    let section = set
        .profile(profile)
        .ok_or_else(|| Error::profile_not_found(profile))?;
    let Some(access_key) = section.property("aws_access_key_id") else {
        return Err(Error::not_configured(format!(
            "profile {profile} has no aws_access_key_id"
        )));
    };
    let tier = if is_in(access_key.location().file.as_ref(), set.credentials_file()) {
        Tier::CredentialsFile
    } else {
        Tier::ConfigFile
    };
    let Some(secret) = section.property("aws_secret_access_key") else {
        return Err(Error::invalid_config(format!(
            "Partial credentials found in {tier}, missing: aws_secret_access_key (profile {profile}, {})",
            access_key.location()
        )));
    };
    let token = ["aws_security_token", "aws_session_token"]
        .into_iter()
        .find_map(|key| section.property(key).map(|p| (key, p)));
    let account = section.property("aws_account_id");
    let mut creds = Credentials::new(
        access_key.value(),
        Secret::new(secret.value()),
        token.map(|(_, p)| Secret::new(p.value())),
        None,
        tier.name(),
    )
    .with_account_id(account.map(|p| p.value().to_owned()))
    .with_origin("access_key_id", access_key.location().to_string())
    .with_origin("secret_access_key", secret.location().to_string());
    if let Some((key, p)) = token {
        creds = creds.with_origin(key, p.location().to_string());
    }
    if let Some(p) = account {
        creds = creds.with_origin("account_id", p.location().to_string());
    }
    Ok(creds)
}

/// Whether the selected profile's keys live in the credentials file (that tier comes before
/// `credential_process`, the config-file tier after it).
pub(crate) fn keys_in_credentials_file(set: &ProfileSet, section: &Section) -> bool {
    section
        .property("aws_access_key_id")
        .is_some_and(|p| is_in(p.location().file.as_ref(), set.credentials_file()))
}

fn is_in(file: &Path, expected: Option<&Path>) -> bool {
    expected == Some(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(config: &str, credentials: &str) -> ProfileSet {
        ProfileSet::parse(
            Some((Path::new("/h/.aws/config"), config)),
            Some((Path::new("/h/.aws/credentials"), credentials)),
        )
    }

    #[test]
    fn names_the_file_the_key_came_from() {
        let s = set(
            "[profile a]\naws_access_key_id = A\naws_secret_access_key = S\n",
            "[b]\naws_access_key_id = B\naws_secret_access_key = T\naws_session_token = X\n",
        );
        let a = resolve(&s, "a").unwrap();
        assert_eq!(
            (a.access_key_id(), a.provider()),
            ("A", Tier::ConfigFile.name())
        );
        let b = resolve(&s, "b").unwrap();
        assert_eq!(
            (b.access_key_id(), b.provider()),
            ("B", Tier::CredentialsFile.name())
        );
        assert_eq!(b.session_token().unwrap().expose(), "X");
        assert_eq!(b.origins()[0].from, "/h/.aws/credentials:2");
    }

    #[test]
    fn partial_keys_name_the_missing_key() {
        let s = set("", "[c]\naws_access_key_id = C\n");
        let err = resolve(&s, "c").unwrap_err();
        assert!(
            err.to_string().contains("missing: aws_secret_access_key"),
            "{err}"
        );
        assert!(err.to_string().contains("/h/.aws/credentials:2"), "{err}");
    }
}

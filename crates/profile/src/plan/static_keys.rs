//! Static keys written in a profile: the credentials-file and config-file tiers, and the base of
//! role chains whose source profile holds keys. Read once, by the plan, with the tier named after
//! the file the access key was written in.

use std::path::{Path, PathBuf};

use awscred_core::{Credentials, Error, Secret, Tier};

use crate::Section;

/// The keys of a profile, as the plan found them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StaticKeys {
    /// [`Tier::CredentialsFile`] when the access key was written in the credentials file (that
    /// tier comes before `credential_process`), else [`Tier::ConfigFile`] (after it).
    pub tier: Tier,
    /// The file the keys were written in.
    pub file: PathBuf,
    /// The keys (`aws_session_token` or `aws_security_token` too, and `aws_account_id`), with
    /// where each value came from, named after [`StaticKeys::tier`]. Secrets stay redacted.
    pub credentials: Credentials,
}

/// botocore's `SharedCredentialProvider` (`in_credentials_file`) or `ConfigProvider`: applies when
/// the access key was written in that file; the secret must then be there too. Presence decides,
/// as in botocore.
pub(super) fn read(
    name: &str,
    profile: &Section,
    credentials_file: Option<&Path>,
    in_credentials_file: bool,
) -> Result<Option<StaticKeys>, Error> {
    let Some(access_key) = profile.property("aws_access_key_id") else {
        return Ok(None);
    };
    let is_credentials_file = |file: &Path| credentials_file == Some(file);
    if is_credentials_file(&access_key.location().file) != in_credentials_file {
        return Ok(None);
    }
    let tier = if in_credentials_file {
        Tier::CredentialsFile
    } else {
        Tier::ConfigFile
    };
    let secret = profile
        .property("aws_secret_access_key")
        .filter(|s| is_credentials_file(&s.location().file) == in_credentials_file);
    let Some(secret) = secret else {
        return Err(Error::invalid_config(format!(
            "Partial credentials found in {tier}, missing: aws_secret_access_key (profile {name}, {})",
            access_key.location().file.display()
        )));
    };
    let token = ["aws_security_token", "aws_session_token"]
        .into_iter()
        .find_map(|key| profile.property(key).map(|p| (key, p)));
    let account = profile.property("aws_account_id");
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
    Ok(Some(StaticKeys {
        tier,
        file: access_key.location().file.to_path_buf(),
        credentials: creds,
    }))
}

#[cfg(test)]
mod tests {
    use crate::ProfileSet;
    use crate::plan::{BaseCredentials, resolve_chain};

    use super::*;

    fn set(config: &str, credentials: &str) -> ProfileSet {
        ProfileSet::parse(
            Some((Path::new("/h/.aws/config"), config)),
            Some((Path::new("/h/.aws/credentials"), credentials)),
        )
    }

    fn keys(set: &ProfileSet, profile: &str) -> Result<StaticKeys, Error> {
        match resolve_chain(set, profile)?.base {
            BaseCredentials::AccessKey { keys, .. } => Ok(keys),
            other => panic!("not keys: {other:?}"),
        }
    }

    #[test]
    fn names_the_file_the_key_came_from() {
        let s = set(
            "[profile a]\naws_access_key_id = A\naws_secret_access_key = S\n",
            "[b]\naws_access_key_id = B\naws_secret_access_key = T\naws_session_token = X\n",
        );
        let a = keys(&s, "a").unwrap().credentials;
        assert_eq!(
            (a.access_key_id(), a.provider()),
            ("A", Tier::ConfigFile.name())
        );
        let b = keys(&s, "b").unwrap();
        assert_eq!(b.file, Path::new("/h/.aws/credentials"));
        let b = b.credentials;
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
        let err = keys(&s, "c").unwrap_err();
        assert!(
            err.to_string().contains("missing: aws_secret_access_key"),
            "{err}"
        );
        assert!(err.to_string().contains("/h/.aws/credentials"), "{err}");
    }
}

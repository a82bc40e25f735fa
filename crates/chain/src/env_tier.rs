//! The environment-variable tier.

use awscred_core::{Credentials, Detail, Env, Error, Secret, timestamp};

use awscred_core::Tier;

/// Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SECURITY_TOKEN / AWS_SESSION_TOKEN (the
/// former wins, as in botocore), AWS_CREDENTIAL_EXPIRATION and AWS_ACCOUNT_ID.
///
/// Not configured when AWS_ACCESS_KEY_ID is unset or empty; a key without a secret is an error.
pub(crate) fn resolve(env: &Env) -> Result<Credentials, Error> {
    let Some(access_key) = env.non_empty_var("AWS_ACCESS_KEY_ID") else {
        return Err(Error::not_configured("AWS_ACCESS_KEY_ID is not set"));
    };
    let Some(secret) = env.non_empty_var("AWS_SECRET_ACCESS_KEY") else {
        return Err(Error::invalid_config(
            "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY",
        )
        .with_detail(variable("AWS_SECRET_ACCESS_KEY")));
    };
    let mut origins = vec![
        ("access_key_id", "env AWS_ACCESS_KEY_ID"),
        ("secret_access_key", "env AWS_SECRET_ACCESS_KEY"),
    ];
    let token = ["AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"]
        .into_iter()
        .find_map(|name| env.non_empty_var(name).map(|v| (name, v)));
    let session_token = token.map(|(name, value)| {
        origins.push((
            "session_token",
            if name == "AWS_SECURITY_TOKEN" {
                "env AWS_SECURITY_TOKEN"
            } else {
                "env AWS_SESSION_TOKEN"
            },
        ));
        Secret::new(value)
    });
    let expiration = match env.non_empty_var("AWS_CREDENTIAL_EXPIRATION") {
        None => None,
        Some(text) => {
            origins.push(("expiration", "env AWS_CREDENTIAL_EXPIRATION"));
            Some(timestamp::parse(&text).ok_or_else(|| {
                Error::invalid_config(format!(
                    "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 timestamp: {text:?}"
                ))
                .with_detail(variable("AWS_CREDENTIAL_EXPIRATION"))
            })?)
        }
    };
    let account_id = env.non_empty_var("AWS_ACCOUNT_ID");
    if account_id.is_some() {
        origins.push(("account_id", "env AWS_ACCOUNT_ID"));
    }
    let mut creds = Credentials::new(
        access_key,
        secret,
        session_token,
        expiration,
        Tier::Env.name(),
    )
    .with_account_id(account_id);
    for (what, from) in origins {
        creds = creds.with_origin(what, from);
    }
    Ok(creds)
}

/// The detail of a variable with a value the tier cannot use.
fn variable(name: &str) -> Detail {
    Detail::InvalidSetting {
        file: None,
        line: None,
        key: name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_token_wins_over_session_token() {
        let env = Env::from_vars([
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_SESSION_TOKEN", "session"),
            ("AWS_SECURITY_TOKEN", "security"),
        ]);
        let creds = resolve(&env).unwrap();
        assert_eq!(creds.session_token().unwrap().expose(), "security");
    }

    #[test]
    fn blank_key_is_not_configured_and_missing_secret_is_an_error() {
        let env = Env::from_vars([("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "x")]);
        assert!(resolve(&env).unwrap_err().is_not_configured());
        let env = Env::from_vars([("AWS_ACCESS_KEY_ID", "AKID")]);
        let err = resolve(&env).unwrap_err();
        assert!(!err.is_not_configured());
        assert!(err.to_string().contains("missing: AWS_SECRET_ACCESS_KEY"));
        assert_eq!(err.detail(), Some(&variable("AWS_SECRET_ACCESS_KEY")));
    }

    #[test]
    fn expiration_and_account() {
        let env = Env::from_vars([
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z"),
            ("AWS_ACCOUNT_ID", "123456789012"),
        ]);
        let creds = resolve(&env).unwrap();
        assert_eq!(
            timestamp::format_z(creds.expiration().unwrap()),
            "2030-01-01T00:00:00Z"
        );
        assert_eq!(creds.account_id(), Some("123456789012"));
        let bad = Env::from_vars([
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET"),
            ("AWS_CREDENTIAL_EXPIRATION", "tomorrow"),
        ]);
        assert!(
            resolve(&bad)
                .unwrap_err()
                .to_string()
                .contains("AWS_CREDENTIAL_EXPIRATION")
        );
    }
}

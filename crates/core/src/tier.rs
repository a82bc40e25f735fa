//! The tiers' names: one enum for what `explain`, [`Credentials::provider`] and the logs call
//! each tier (botocore's provider names). Every crate names its tier through it; no tier name is
//! written as a string anywhere else.
//!
//! [`Credentials::provider`]: crate::Credentials::provider

use std::fmt;

/// A tier of the chain, in the CLI's order.
///
/// ```
/// use awscred_core::Tier;
/// assert_eq!(Tier::CredentialsFile.name(), "shared-credentials-file");
/// assert_eq!(Tier::ALL[0], Tier::Env);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tier {
    /// `AWS_ACCESS_KEY_ID` and friends: `env`.
    Env,
    /// `role_arn` with `source_profile` or `credential_source`: `assume-role`.
    AssumeRole,
    /// `web_identity_token_file` (or `AWS_WEB_IDENTITY_TOKEN_FILE`): `assume-role-with-web-identity`.
    WebIdentity,
    /// IAM Identity Center: `sso`.
    Sso,
    /// Keys in the credentials file: `shared-credentials-file`.
    CredentialsFile,
    /// An `aws login` session: `login` (the CLI v2 asks it after the credentials file).
    Login,
    /// `credential_process`: `custom-process`.
    CredentialProcess,
    /// Keys in the config file: `config-file`.
    ConfigFile,
    /// Container credentials (ECS, EKS Pod Identity): `container-role`.
    Container,
    /// EC2 instance metadata: `iam-role`.
    InstanceMetadata,
}

impl Tier {
    /// Every tier, in the CLI's order.
    pub const ALL: [Tier; 10] = {
        let p = Tier::PROFILE;
        [
            Tier::Env,
            p[0],
            p[1],
            p[2],
            p[3],
            p[4],
            p[5],
            p[6],
            Tier::Container,
            Tier::InstanceMetadata,
        ]
    };

    /// The profile tiers, in the order botocore asks them.
    pub const PROFILE: [Tier; 7] = [
        Tier::AssumeRole,
        Tier::WebIdentity,
        Tier::Sso,
        Tier::CredentialsFile,
        Tier::Login,
        Tier::CredentialProcess,
        Tier::ConfigFile,
    ];

    /// botocore's name for the tier.
    pub const fn name(self) -> &'static str {
        match self {
            Tier::Env => "env",
            Tier::AssumeRole => "assume-role",
            Tier::WebIdentity => "assume-role-with-web-identity",
            Tier::Sso => "sso",
            Tier::CredentialsFile => "shared-credentials-file",
            Tier::Login => "login",
            Tier::CredentialProcess => "custom-process",
            Tier::ConfigFile => "config-file",
            Tier::Container => "container-role",
            Tier::InstanceMetadata => "iam-role",
        }
    }

    /// The tier named `name` ([`Tier::name`]), if any.
    pub fn from_name(name: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The cargo feature that compiles the tier in.
    pub const fn feature(self) -> &'static str {
        match self {
            Tier::Env => "env",
            Tier::AssumeRole | Tier::WebIdentity => "sts",
            Tier::Sso => "sso",
            Tier::Login => "login",
            Tier::CredentialProcess => "process",
            Tier::CredentialsFile | Tier::ConfigFile => "profile",
            Tier::Container => "ecs",
            Tier::InstanceMetadata => "imds",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that width and alignment (`{:<32}`) apply as they do to a `str`.
        f.pad(self.name())
    }
}

impl PartialEq<str> for Tier {
    fn eq(&self, other: &str) -> bool {
        self.name() == other
    }
}

impl PartialEq<&str> for Tier {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_distinct() {
        for tier in Tier::ALL {
            assert_eq!(Tier::from_name(tier.name()), Some(tier));
        }
        assert_eq!(Tier::from_name("nothing"), None);
        assert_eq!(&Tier::ALL[1..8], &Tier::PROFILE[..]);
    }

    #[test]
    fn display_pads_like_a_str() {
        assert_eq!(format!("[{:<8}]", Tier::Sso), "[sso     ]");
        assert!(Tier::Env == "env");
    }
}

//! How the selected profile gets its credentials: a base source, then zero or more roles to
//! assume in turn. Pure profile logic, checked against the cross-SDK assume-role suite; the chain
//! crate carries the plan out with the tier crates.

use crate::ProfileSet;
use awscred_core::Error;

/// The plan for one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileChain {
    /// Where the first credentials come from.
    pub base: BaseCredentials,
    /// Roles to assume, in order, starting from the base credentials.
    pub roles: Vec<RoleStep>,
}

/// Where a chain's first credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseCredentials {
    /// `aws_access_key_id` / `aws_secret_access_key` (and `aws_session_token`) of `profile`.
    AccessKey {
        /// The profile holding the keys.
        profile: String,
    },
    /// `role_arn` + `web_identity_token_file` of `profile`.
    WebIdentity {
        /// The profile.
        profile: String,
        /// The role to assume with the token.
        role_arn: String,
        /// The file holding the token, read on every refresh.
        token_file: String,
        /// `role_session_name`, when set.
        session_name: Option<String>,
    },
    /// IAM Identity Center settings of `profile` (`sso_session` or the legacy `sso_*` keys).
    Sso {
        /// The profile.
        profile: String,
    },
    /// `credential_process` of `profile`.
    CredentialProcess {
        /// The profile.
        profile: String,
        /// The command line, unsplit.
        command: String,
    },
    /// `credential_source` of a role profile.
    CredentialSource {
        /// The profile naming the source.
        profile: String,
        /// The source.
        source: CredentialSource,
    },
}

/// The values `credential_source` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    /// The environment-variable tier.
    Environment,
    /// The EC2 instance metadata tier.
    Ec2InstanceMetadata,
    /// The container credentials tier.
    EcsContainer,
}

/// One role to assume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleStep {
    /// The profile that names the role.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `role_session_name`.
    pub session_name: Option<String>,
    /// `duration_seconds`.
    pub duration_seconds: Option<u32>,
    /// `mfa_serial`.
    pub mfa_serial: Option<String>,
}

/// Works out the plan for `profile`. A profile with nothing that yields credentials is
/// [`ErrorKind::NotConfigured`](awscred_core::ErrorKind::NotConfigured); a broken chain (missing
/// source profile, a cycle, both or neither of `source_profile` and `credential_source`) is
/// [`ErrorKind::InvalidConfiguration`](awscred_core::ErrorKind::InvalidConfiguration) with the
/// CLI's message.
pub fn resolve_chain(set: &ProfileSet, profile: &str) -> Result<ProfileChain, Error> {
    // Static keys only until the assume-role logic lands.
    let section = set
        .profile(profile)
        .ok_or_else(|| Error::not_configured(format!("profile {profile} not found")))?;
    if section.get("aws_access_key_id").is_some() {
        return Ok(ProfileChain {
            base: BaseCredentials::AccessKey { profile: profile.to_owned() },
            roles: Vec::new(),
        });
    }
    Err(Error::not_configured(format!("profile {profile} has no credentials")))
}

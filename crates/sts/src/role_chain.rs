//! A profile's chain of roles made into one provider: the plan's base credentials (with the
//! keys first made into an MFA session where the profile opts in, [`crate::mfa_session`]), then
//! one [`AssumeRoleProvider`] per [`RoleStep`](awscred_profile::plan::RoleStep), each calling
//! with the one below it. The credential chain builds the base provider and calls this.

use std::sync::Arc;

use awscred_core::{Error, ProvideCredentials};
use awscred_profile::ProfileContext;
use awscred_profile::plan::{BaseCredentials, ProfileChain};

use crate::mfa_session::MfaSession;
use crate::{AssumeRoleProvider, MfaPrompt, StsClient};

/// The provider of `chain` over `base`, the provider of `chain.base`. `client` makes the STS
/// client, called only when a role or an MFA session needs one (so a bad retry or endpoint
/// setting does not stop a profile with keys alone). `prompt` asks for MFA codes.
pub fn assume_role_chain(
    ctx: &ProfileContext,
    chain: &ProfileChain,
    base: Arc<dyn ProvideCredentials>,
    mut client: impl FnMut() -> Result<StsClient, Error>,
    prompt: &MfaPrompt,
) -> Result<Arc<dyn ProvideCredentials>, Error> {
    let (base, session) = match &chain.base {
        BaseCredentials::AccessKey { profile, .. } => match MfaSession::of(ctx, profile)? {
            Some(session) => (
                session.provider(base, client()?, ctx, prompt),
                Some(session),
            ),
            None => (base, None),
        },
        _ => (base, None),
    };
    if chain.roles.is_empty() {
        return Ok(base);
    }
    let client = client()?;
    let mut provider = base;
    for step in &chain.roles {
        let mut step = step.clone();
        // The MFA session already carries this device's authentication.
        if session
            .as_ref()
            .is_some_and(|s| step.mfa_serial.as_deref() == Some(s.serial()))
        {
            step.mfa_serial = None;
        }
        provider = Arc::new(
            AssumeRoleProvider::new(provider, step, client.clone(), &ctx.env)
                .with_mfa_prompt(prompt.clone()),
        );
    }
    Ok(provider)
}

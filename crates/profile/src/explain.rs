//! What `awscred explain` says about the configuration besides the tiers' outcomes: the files,
//! the region's source, the profiles that hold credentials and the selected profile's chain.
//! Read from the parsed files only: nothing here calls a service.
//!
//! ```
//! use std::sync::Arc;
//! use awscred_core::{fs::MemFs, Env};
//! use awscred_profile::{explain, ProfileContext, ProfileSet};
//!
//! let fs = MemFs::default().with_file(
//!     "/h/.aws/config",
//!     "[profile dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/Dev\nsource_profile = keys\n\
//!      [profile keys]\naws_access_key_id = AKID\naws_secret_access_key = S\n",
//! );
//! let env = Env::from_vars([("HOME", "/h")]).with_fs(Arc::new(fs));
//! let ctx = ProfileContext::new(env.clone(), Arc::new(ProfileSet::load(&env)?), "dev".into());
//! assert_eq!(explain::files(&env)[0].path, std::path::Path::new("/h/.aws/config"));
//! assert_eq!(explain::region_source(&ctx).as_deref(), Some("/h/.aws/config:2"));
//! assert_eq!(explain::profiles_with_credentials(&ctx.profiles), ["dev", "keys"]);
//! let hops = explain::hops(&ctx);
//! assert_eq!((hops[0].profile.as_str(), hops[1].profile.as_str()), ("keys", "dev"));
//! # Ok::<(), awscred_core::Error>(())
//! ```

use awscred_core::explain::{Explanation, FileReport, Hop};
use awscred_core::fs::ReadLimit;
use awscred_core::{Env, Tier};

use crate::plan::{self, BaseCredentials};
use crate::{FileLocations, ProfileContext, ProfileSet, Section};

/// The keys that make a profile hold credentials of some kind.
const CREDENTIAL_KEYS: &[&str] = &[
    "aws_access_key_id",
    "role_arn",
    "web_identity_token_file",
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "credential_process",
    "login_session",
];

/// Fills in what the files say besides the tiers' outcomes: whether the selected profile exists,
/// where the region came from, the files, the profiles that hold credentials, the files'
/// warnings and the profile's chain. `ctx` is `None` when the files could not be read.
pub fn describe_files(explanation: &mut Explanation, env: &Env, ctx: Option<&ProfileContext>) {
    explanation.files = files(env);
    let Some(ctx) = ctx else { return };
    explanation.profile_exists = ctx.profile().is_some();
    explanation.region_source = region_source(ctx);
    explanation.profiles_with_credentials = profiles_with_credentials(&ctx.profiles);
    explanation.warnings = ctx
        .profiles
        .warnings()
        .iter()
        .map(|w| w.to_string())
        .collect();
    explanation.hops = hops(ctx);
}

/// The configuration files, where their paths came from, and whether they exist.
pub fn files(env: &Env) -> Vec<FileReport> {
    let locations = FileLocations::from_env(env);
    let mut out = Vec::new();
    for (kind, path, var) in [
        ("config", locations.config, "AWS_CONFIG_FILE"),
        (
            "credentials",
            locations.credentials,
            "AWS_SHARED_CREDENTIALS_FILE",
        ),
    ] {
        let from = if env.var(var).is_some() {
            var
        } else {
            "default"
        };
        if let Some(path) = path {
            let exists = env.read_file(&path, ReadLimit::CONFIG).is_ok();
            out.push(FileReport::new(kind, path, from, exists));
        }
    }
    out
}

/// The profiles with any credential key, in the files' order.
pub fn profiles_with_credentials(set: &ProfileSet) -> Vec<String> {
    set.profile_names()
        .into_iter()
        .filter(|name| {
            set.profile(name)
                .is_some_and(|p| CREDENTIAL_KEYS.iter().any(|k| p.get(k).is_some()))
        })
        .map(str::to_owned)
        .collect()
}

/// Where the region came from: `--region`, the variable, or the file and line of the key.
pub fn region_source(ctx: &ProfileContext) -> Option<String> {
    let origin = ctx.region_setting()?.origin;
    Some(match origin.location() {
        Some(location) => location.to_string(),
        None => origin.to_string(),
    })
}

/// `key at file:line` for a key of `profile`.
fn at(set: &ProfileSet, profile: &str, key: &str) -> String {
    match set.profile(profile).and_then(|p| p.property(key)) {
        Some(p) => format!("{key} at {}", p.location()),
        None => key.to_owned(),
    }
}

/// The selected profile's chain, base first; empty when the plan has none.
pub fn hops(ctx: &ProfileContext) -> Vec<Hop> {
    let Ok(chain) = plan::resolve_for_context(ctx) else {
        return Vec::new();
    };
    let set = &ctx.profiles;
    let (profile, what) = match &chain.base {
        BaseCredentials::AccessKey { profile, .. } => (
            profile,
            format!("keys ({})", at(set, profile, "aws_access_key_id")),
        ),
        BaseCredentials::WebIdentity { profile, .. } => (
            profile,
            format!(
                "web identity token ({} or AWS_WEB_IDENTITY_TOKEN_FILE)",
                at(set, profile, "web_identity_token_file")
            ),
        ),
        BaseCredentials::Sso { profile, .. } => (
            profile,
            format!(
                "IAM Identity Center ({})",
                at(set, profile, "sso_account_id")
            ),
        ),
        BaseCredentials::Login { profile, .. } => (
            profile,
            format!(
                "`aws login` session ({})",
                at(set, profile, "login_session")
            ),
        ),
        BaseCredentials::CredentialProcess { profile, .. } => (
            profile,
            format!(
                "credential_process ({})",
                at(set, profile, "credential_process")
            ),
        ),
        BaseCredentials::CredentialSource {
            profile, source, ..
        } => (
            profile,
            format!(
                "credential_source = {} ({})",
                source.as_str(),
                at(set, profile, "credential_source")
            ),
        ),
    };
    let mut hops = vec![Hop::new(profile.clone(), what)];
    for step in &chain.roles {
        hops.push(Hop::new(
            step.profile.clone(),
            format!(
                "assume role {} ({})",
                step.role_arn,
                at(set, &step.profile, "role_arn")
            ),
        ));
    }
    hops
}

/// The profile tiers botocore asks before `chosen` (all of them when `None`), each with why it
/// did not answer.
pub fn profile_tiers_before(
    ctx: &ProfileContext,
    chosen: Option<Tier>,
) -> impl Iterator<Item = (Tier, String)> {
    let passed = Tier::PROFILE
        .into_iter()
        .take_while(move |t| Some(*t) != chosen);
    passed.map(|tier| {
        let why = tier_applies(ctx, tier).err();
        (
            tier,
            why.unwrap_or_else(|| "not used: an earlier setting of the profile wins".into()),
        )
    })
}

/// The profile tier whose keys the selected profile holds first (the one a failure of the
/// profile's plan is reported under).
pub fn first_applying_tier(ctx: &ProfileContext) -> Tier {
    let mut tiers = Tier::PROFILE.into_iter();
    tiers
        .find(|t| tier_applies(ctx, *t).is_ok())
        .unwrap_or(Tier::PROFILE[0])
}

/// Whether a profile tier's keys are in the selected profile: `Ok` when they are (the tier
/// applies), or why not, in the words of `awscred explain`. Tiers outside the profile never apply.
pub fn tier_applies(ctx: &ProfileContext, tier: Tier) -> Result<(), String> {
    let name = &ctx.profile_name;
    let Some(section) = ctx.profile() else {
        return Err(format!("profile {name} is in neither file"));
    };
    let has = |key: &str| section.get(key).is_some();
    let in_file = |section: &Section, credentials_file: bool| {
        section.property("aws_access_key_id").is_some_and(|p| {
            ctx.profiles
                .credentials_file()
                .is_some_and(|f| *p.location().file == *f)
                == credentials_file
        })
    };
    let env_web_identity = !ctx.profile_explicit
        && ctx
            .env
            .non_empty_var("AWS_WEB_IDENTITY_TOKEN_FILE")
            .is_some();
    let (applies, keys) = match tier {
        Tier::AssumeRole => (
            has("role_arn") && (has("source_profile") || has("credential_source")),
            "role_arn with source_profile or credential_source",
        ),
        Tier::WebIdentity => (
            env_web_identity || (has("role_arn") && has("web_identity_token_file")),
            "web_identity_token_file (or AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN)",
        ),
        Tier::Sso => (
            has("sso_session") || has("sso_start_url") || has("sso_account_id"),
            "sso_session, sso_start_url or sso_account_id",
        ),
        Tier::CredentialsFile => (
            in_file(section, true),
            "aws_access_key_id in the credentials file",
        ),
        Tier::Login => (has("login_session"), "login_session"),
        Tier::CredentialProcess => (has("credential_process"), "credential_process"),
        Tier::ConfigFile => (
            in_file(section, false),
            "aws_access_key_id in the config file",
        ),
        _ => (false, "nothing"),
    };
    if applies {
        Ok(())
    } else {
        Err(format!("profile {name} has no {keys}"))
    }
}

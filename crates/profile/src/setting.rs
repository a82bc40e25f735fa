//! Settings read as the AWS CLI reads them: an environment variable, then a key of the selected
//! profile, then a default; each value remembers where it came from, so that a bad one is
//! reported with its origin and `awscred explain` can say where a setting was found.
//!
//! ```
//! use std::path::Path;
//! use std::sync::Arc;
//! use awscred_core::Env;
//! use awscred_profile::{ProfileContext, ProfileSet};
//! use awscred_profile::setting::{Origin, Setting};
//!
//! const MAX_ATTEMPTS: Setting = Setting::new("AWS_MAX_ATTEMPTS", "max_attempts");
//! let set = ProfileSet::parse(Some((Path::new("/h/.aws/config"), "[default]\nmax_attempts = 4\n")), None);
//! let ctx = ProfileContext::new(Env::from_vars([("AWS_MAX_ATTEMPTS", "")]), Arc::new(set), "default".into());
//! // An empty variable is unset, so the profile's key answers.
//! let found = MAX_ATTEMPTS.read(&ctx).unwrap();
//! assert_eq!(found.value, "4");
//! assert_eq!(found.origin.to_string(), "`max_attempts` of profile default");
//! assert_eq!(found.origin.location().unwrap().to_string(), "/h/.aws/config:2");
//! ```

use std::fmt;

use awscred_core::{Env, Error};

use crate::{Location, ProfileContext};

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A command-line option (`--region`).
    CommandLine {
        /// The option, with its dashes.
        option: &'static str,
    },
    /// An environment variable.
    Environment {
        /// The variable's name.
        var: &'static str,
    },
    /// A key of the selected profile.
    Profile {
        /// The profile's name.
        profile: String,
        /// The key.
        key: &'static str,
        /// The file and line the key is written on.
        location: Location,
    },
    /// Nothing was configured: the CLI's default.
    Default,
}

impl Origin {
    /// The file and line of a profile key; `None` for the other origins.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Origin::Profile { location, .. } => Some(location),
            _ => None,
        }
    }
}

/// `--region`, `AWS_MAX_ATTEMPTS`, `` `max_attempts` of profile default ``, `default`: the
/// wording errors about a bad value end with, as `(from ...)`.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::CommandLine { option } => f.write_str(option),
            Origin::Environment { var } => f.write_str(var),
            Origin::Profile { profile, key, .. } => write!(f, "`{key}` of profile {profile}"),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T = String> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub origin: Origin,
}

impl<T> Sourced<T> {
    /// A value nothing configured: [`Origin::Default`].
    pub fn default_value(value: T) -> Self {
        Sourced {
            value,
            origin: Origin::Default,
        }
    }

    /// The same origin with the value turned into another.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sourced<U> {
        Sourced {
            value: f(self.value),
            origin: self.origin,
        }
    }
}

/// Which variables and which profile key hold a setting, in the order the CLI reads them (the
/// shape of aws-config's `StandardProperty`). Variables set to an empty string count as unset,
/// as in the CLI; an empty profile value does too unless [`Setting::keep_empty_profile_value`]
/// says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    var: &'static str,
    fallback_var: Option<&'static str>,
    key: &'static str,
    keep_empty_profile_value: bool,
}

impl Setting {
    /// The variable `var`, then the selected profile's `key`.
    pub const fn new(var: &'static str, key: &'static str) -> Self {
        Setting {
            var,
            fallback_var: None,
            key,
            keep_empty_profile_value: false,
        }
    }

    /// A second variable, read when the first is unset (`AWS_DEFAULT_REGION` after
    /// `AWS_REGION`).
    pub const fn or_var(mut self, var: &'static str) -> Self {
        self.fallback_var = Some(var);
        self
    }

    /// An empty profile value is a value (which the reader may then refuse), not unset.
    pub const fn keep_empty_profile_value(mut self) -> Self {
        self.keep_empty_profile_value = true;
        self
    }

    /// The profile key.
    pub const fn key(&self) -> &'static str {
        self.key
    }

    /// The value for the resolution `ctx`, or `None` when neither a variable nor the key is set.
    pub fn read(&self, ctx: &ProfileContext) -> Option<Sourced> {
        self.lookup(&ctx.env, Some(ctx))
    }

    /// The value from `env`'s variables and, when given, the selected profile of `ctx` (whose
    /// own variables are not consulted: `env` answers for them).
    pub fn lookup(&self, env: &Env, ctx: Option<&ProfileContext>) -> Option<Sourced> {
        for var in std::iter::once(self.var).chain(self.fallback_var) {
            if let Some(value) = env.non_empty_var(var) {
                return Some(Sourced {
                    value,
                    origin: Origin::Environment { var },
                });
            }
        }
        let ctx = ctx?;
        let property = ctx.profile()?.property(self.key)?;
        if property.value().is_empty() && !self.keep_empty_profile_value {
            return None;
        }
        Some(Sourced {
            value: property.value().to_owned(),
            origin: Origin::Profile {
                profile: ctx.profile_name.clone(),
                key: self.key,
                location: property.location().clone(),
            },
        })
    }

    /// The value parsed by `parse`; a value it refuses is an invalid-configuration error made
    /// by `message` from the value and its origin.
    pub fn parse<T>(
        &self,
        ctx: &ProfileContext,
        parse: impl FnOnce(&str) -> Option<T>,
        message: impl FnOnce(&str, &Origin) -> String,
    ) -> Result<Option<Sourced<T>>, Error> {
        let Some(found) = self.read(ctx) else {
            return Ok(None);
        };
        match parse(&found.value) {
            Some(value) => Ok(Some(Sourced {
                value,
                origin: found.origin,
            })),
            None => Err(Error::invalid_config(message(&found.value, &found.origin))),
        }
    }
}

/// The region: `AWS_REGION`, then `AWS_DEFAULT_REGION`, then the profile's `region` (after
/// `--region`, which [`ProfileContext::region_setting`] puts first).
pub const REGION: Setting = Setting::new("AWS_REGION", "region").or_var("AWS_DEFAULT_REGION");

/// `AWS_RETRY_MODE` / `retry_mode`.
pub const RETRY_MODE: Setting = Setting::new("AWS_RETRY_MODE", "retry_mode");

/// `AWS_MAX_ATTEMPTS` / `max_attempts`.
pub const MAX_ATTEMPTS: Setting = Setting::new("AWS_MAX_ATTEMPTS", "max_attempts");

/// `true` or `false` in any case, around spaces: the one reading of a yes/no setting.
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// The attempts botocore gives a client's requests (attempts in all, at least 1), when a
/// setting chooses them: [`RETRY_MODE`] (`standard`, the CLI v2's default, and `adaptive`:
/// three; `legacy`: five), then [`MAX_ATTEMPTS`] over it. `None` when neither is set. A bad
/// value is an error naming its origin, as in the CLI.
///
/// ```
/// use std::sync::Arc;
/// use awscred_core::Env;
/// use awscred_profile::{ProfileContext, ProfileSet, setting};
///
/// let ctx = |vars: &[(&str, &str)]| ProfileContext::new(Env::from_vars(vars.iter().copied()), Arc::new(ProfileSet::default()), "default".into());
/// assert_eq!(setting::retry_attempts(&ctx(&[("AWS_RETRY_MODE", "legacy")])).unwrap(), Some(5));
/// let err = setting::retry_attempts(&ctx(&[("AWS_MAX_ATTEMPTS", "0")])).unwrap_err();
/// assert!(err.to_string().ends_with("(from AWS_MAX_ATTEMPTS)"));
/// ```
pub fn retry_attempts(ctx: &ProfileContext) -> Result<Option<u32>, Error> {
    let by_mode = RETRY_MODE.parse(
        ctx,
        |mode| match mode {
            "standard" | "adaptive" => Some(3),
            "legacy" => Some(5),
            _ => None,
        },
        |mode, origin| {
            format!(
                "Invalid value provided to \"mode\": \"{mode}\" must be one of: \
                 ('legacy', 'standard', 'adaptive') (from {origin})"
            )
        },
    )?;
    let explicit = MAX_ATTEMPTS.parse(
        ctx,
        |value| value.trim().parse::<u32>().ok().filter(|n| *n >= 1),
        |value, origin| {
            format!(
                "Value provided to \"max_attempts\": {value} must be an integer greater than or \
                 equal to 1. (from {origin})"
            )
        },
    )?;
    Ok(explicit.or(by_mode).map(|found| found.value))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::ProfileSet;

    fn ctx(vars: &[(&str, &str)], config: &str) -> ProfileContext {
        let set = ProfileSet::parse(Some((Path::new("/h/.aws/config"), config)), None);
        ProfileContext::new(
            Env::from_vars(vars.iter().copied()),
            Arc::new(set),
            "default".into(),
        )
    }

    #[test]
    fn variable_then_profile_key_with_origins() {
        let config = "[default]\nmax_attempts = 4\n";
        let from_env = MAX_ATTEMPTS
            .read(&ctx(&[("AWS_MAX_ATTEMPTS", "2")], config))
            .unwrap();
        assert_eq!(from_env.value, "2");
        assert_eq!(
            from_env.origin,
            Origin::Environment {
                var: "AWS_MAX_ATTEMPTS"
            }
        );
        assert_eq!(from_env.origin.location(), None);
        let from_profile = MAX_ATTEMPTS.read(&ctx(&[], config)).unwrap();
        assert_eq!(from_profile.value, "4");
        assert_eq!(
            from_profile.origin.to_string(),
            "`max_attempts` of profile default"
        );
        assert_eq!(
            from_profile.origin.location().unwrap().to_string(),
            "/h/.aws/config:2"
        );
        assert_eq!(MAX_ATTEMPTS.read(&ctx(&[], "[default]\n")), None);
        // Without a profile context only the variables answer.
        let env = Env::from_vars([("AWS_MAX_ATTEMPTS", "7")]);
        assert_eq!(MAX_ATTEMPTS.lookup(&env, None).unwrap().value, "7");
        assert_eq!(
            MAX_ATTEMPTS.lookup(&Env::from_vars([("X", "")]), None),
            None
        );
    }

    #[test]
    fn empty_values_are_unset_unless_kept() {
        let config = "[default]\nmax_attempts =\n";
        assert_eq!(
            MAX_ATTEMPTS.read(&ctx(&[("AWS_MAX_ATTEMPTS", "")], config)),
            None
        );
        let kept = MAX_ATTEMPTS
            .keep_empty_profile_value()
            .read(&ctx(&[("AWS_MAX_ATTEMPTS", "")], config))
            .unwrap();
        assert_eq!(kept.value, "");
        assert_eq!(kept.origin.location().unwrap().line, 2);
    }

    #[test]
    fn region_from_option_variables_or_profile() {
        let config = "[default]\nregion = eu-west-1\n";
        let origin = |vars: &[(&str, &str)], over: Option<&str>| {
            let found = ctx(vars, config)
                .with_region_override(over.map(str::to_owned))
                .region_setting()
                .unwrap();
            (found.value, found.origin.to_string())
        };
        assert_eq!(
            origin(&[("AWS_REGION", "us-east-2")], Some("ap-south-1")),
            ("ap-south-1".into(), "--region".into())
        );
        assert_eq!(
            origin(
                &[("AWS_REGION", ""), ("AWS_DEFAULT_REGION", "us-west-2")],
                None
            ),
            ("us-west-2".into(), "AWS_DEFAULT_REGION".into())
        );
        assert_eq!(
            origin(&[], None),
            ("eu-west-1".into(), "`region` of profile default".into())
        );
        assert_eq!(ctx(&[], "[default]\nregion =\n").region(), None);
    }

    #[test]
    fn retry_attempts_and_their_errors() {
        let attempts = |vars: &[(&str, &str)], config: &str| retry_attempts(&ctx(vars, config));
        assert_eq!(attempts(&[], "[default]\n").unwrap(), None);
        assert_eq!(
            attempts(&[("AWS_RETRY_MODE", "adaptive")], "[default]\n").unwrap(),
            Some(3)
        );
        assert_eq!(
            attempts(&[], "[default]\nretry_mode = legacy\nmax_attempts = 2\n").unwrap(),
            Some(2)
        );
        assert_eq!(
            attempts(&[("AWS_MAX_ATTEMPTS", " 6 ")], "[default]\n").unwrap(),
            Some(6)
        );
        assert_eq!(
            attempts(&[("AWS_RETRY_MODE", "fast")], "[default]\n")
                .unwrap_err()
                .to_string(),
            "Invalid value provided to \"mode\": \"fast\" must be one of: ('legacy', \
             'standard', 'adaptive') (from AWS_RETRY_MODE)"
        );
        assert_eq!(
            attempts(&[], "[default]\nmax_attempts = 0\n")
                .unwrap_err()
                .to_string(),
            "Value provided to \"max_attempts\": 0 must be an integer greater than or equal \
             to 1. (from `max_attempts` of profile default)"
        );
    }
}

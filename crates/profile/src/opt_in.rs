//! awscred's own opt-in profile keys (`awscred_mfa_session`, `awscred_credential_process_cache`),
//! which the CLI ignores: read from the named profile only, never from the environment.

use awscred_core::Error;

use crate::ProfileSet;

/// Whether `profile` turns the opt-in `key` on: absent (or no such profile) is false, `true` or
/// `false` in any case is that, anything else is an error naming the profile and key.
///
/// ```
/// use std::path::Path;
/// use awscred_profile::{opt_in, ProfileSet};
///
/// let set = ProfileSet::parse(
///     Some((Path::new("/h/.aws/config"), "[profile a]\nawscred_mfa_session = TRUE\nother = maybe\n")),
///     None,
/// );
/// assert_eq!(opt_in(&set, "a", "awscred_mfa_session").unwrap(), true);
/// assert_eq!(opt_in(&set, "b", "awscred_mfa_session").unwrap(), false);
/// assert!(opt_in(&set, "a", "other").unwrap_err().to_string().contains("is not true or false"));
/// ```
pub fn opt_in(set: &ProfileSet, profile: &str, key: &str) -> Result<bool, Error> {
    let Some(value) = set.profile(profile).and_then(|p| p.get(key)) else {
        return Ok(false);
    };
    crate::setting::parse_bool(value).ok_or_else(|| {
        Error::invalid_config(format!(
            "profile {profile}: {key} = {:?} is not true or false",
            value.trim()
        ))
    })
}

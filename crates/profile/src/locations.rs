//! Where the files are, and which profile is selected.

use std::path::PathBuf;

use awscred_core::{Env, Error};

use crate::ProfileSet;

/// The operating-system family whose path rules apply. The CLI finds the home directory
/// differently on Windows, and joins paths with `\`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Platform {
    /// Linux, macOS and the other Unix systems.
    Unix,
    /// Windows.
    Windows,
}

impl Platform {
    /// The platform this program runs on.
    pub fn host() -> Platform {
        if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Unix
        }
    }

    fn separator(self) -> char {
        match self {
            Platform::Unix => '/',
            Platform::Windows => '\\',
        }
    }

    /// The home directory as the CLI's Python finds it for `~`: `HOME` on Unix; on Windows
    /// [`Env::windows_home`] (`USERPROFILE`, else `HOMEDRIVE` + `HOMEPATH`; Python 3.8 and later
    /// ignore `HOME` there).
    pub fn home_dir(self, env: &Env) -> Option<String> {
        match self {
            Platform::Unix => env.non_empty_var("HOME"),
            Platform::Windows => env.windows_home(),
        }
    }
}

/// The paths of the config and credentials files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FileLocations {
    /// `AWS_CONFIG_FILE`, else `~/.aws/config`; `None` when there is no home directory, or
    /// when `AWS_CONFIG_FILE` is set but empty (the CLI then reads no config file).
    pub config: Option<PathBuf>,
    /// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`; `None` likewise.
    pub credentials: Option<PathBuf>,
}

impl FileLocations {
    /// These two paths (`None`: no such file is read).
    pub fn new(config: Option<PathBuf>, credentials: Option<PathBuf>) -> Self {
        FileLocations {
            config,
            credentials,
        }
    }

    /// The locations the CLI uses in this environment on this platform.
    pub fn from_env(env: &Env) -> Self {
        Self::for_platform(env, Platform::host())
    }

    /// The locations the CLI uses in this environment on `platform`. The variables may hold
    /// `$VAR` / `${VAR}` references (and `%VAR%` on Windows) and a leading `~`, which are
    /// expanded as botocore expands them.
    pub fn for_platform(env: &Env, platform: Platform) -> Self {
        let home = platform.home_dir(env);
        let pick = |var: &str, default: &str| -> Option<PathBuf> {
            match env.var(var) {
                Some(path) if path.is_empty() => None,
                Some(path) => {
                    let path = expand_vars(&path, env, platform);
                    Some(PathBuf::from(expand_tilde(&path, env, platform)))
                }
                None => {
                    let sep = platform.separator();
                    home.as_ref().map(|h| {
                        // posixpath strips the home's trailing `/`; ntpath appends as it is.
                        let h = match platform {
                            Platform::Unix => h.strip_suffix(sep).unwrap_or(h),
                            Platform::Windows => h,
                        };
                        PathBuf::from(format!("{h}{sep}.aws{sep}{default}"))
                    })
                }
            }
        };
        FileLocations {
            config: pick("AWS_CONFIG_FILE", "config"),
            credentials: pick("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        }
    }
}

/// A path taken from a variable, expanded as botocore expands its file and directory settings
/// (`os.path.expandvars`, then `os.path.expanduser`) on this host: what `AWS_CONFIG_FILE` gets,
/// and the other tiers' directory variables (`AWS_LOGIN_CACHE_DIRECTORY`).
pub fn expand_path(path: &str, env: &Env) -> PathBuf {
    let platform = Platform::host();
    let path = expand_vars(path, env, platform);
    PathBuf::from(expand_tilde(&path, env, platform))
}

/// `os.path.expanduser`: `~` alone or followed by a separator is the home directory. On Unix
/// `~user` and a missing home directory leave the path as it is. On Windows (`ntpath`) `~user`
/// is the current user's home when `user` is `USERNAME`, and a sibling of it when the home
/// directory's last part is `USERNAME` (`C:\Users\alice` gives `~bob` as `C:\Users\bob`);
/// the home directory is not trimmed of a trailing separator there.
fn expand_tilde(path: &str, env: &Env, platform: Platform) -> String {
    let (Some(rest), Some(home)) = (path.strip_prefix('~'), platform.home_dir(env)) else {
        return path.to_owned();
    };
    let is_separator = |c: char| c == '/' || (platform == Platform::Windows && c == '\\');
    let user_end = rest.find(is_separator).unwrap_or(rest.len());
    let (user, rest) = rest.split_at(user_end);
    match platform {
        Platform::Unix if user.is_empty() => {
            let home = home.trim_end_matches(is_separator);
            format!("{home}{rest}")
        }
        Platform::Unix => path.to_owned(),
        Platform::Windows if user.is_empty() => format!("{home}{rest}"),
        Platform::Windows => {
            let current = env.var("USERNAME");
            if current.as_deref() == Some(user) {
                return format!("{home}{rest}");
            }
            // ntpath.split: the last part after the last separator.
            let (parent, last) = match home.rfind(is_separator) {
                Some(at) => (&home[..at], &home[at + 1..]),
                None => ("", home.as_str()),
            };
            if current.as_deref() != Some(last) {
                return path.to_owned();
            }
            let parent = if parent.is_empty() && home.starts_with(is_separator) {
                &home[..1]
            } else {
                parent
            };
            format!("{parent}\\{user}{rest}")
        }
    }
}

/// `os.path.expandvars`: `$NAME` and `${NAME}` (and `%NAME%` on Windows) are replaced by set
/// variables; references to unset variables stay as written.
fn expand_vars(path: &str, env: &Env, platform: Platform) -> String {
    if !(path.contains('$') || platform == Platform::Windows && path.contains('%')) {
        return path.to_owned();
    }
    let is_name = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find(|c| c == '$' || (platform == Platform::Windows && c == '%')) {
        out.push_str(&rest[..at]);
        let marker = &rest[at..];
        let (name, consumed) = if let Some(after) = marker.strip_prefix("${") {
            match after.find('}') {
                Some(end) => (&after[..end], end + 3),
                None => ("", 0),
            }
        } else if let Some(after) = marker.strip_prefix('%') {
            match after.find('%') {
                Some(end) if end > 0 => (&after[..end], end + 2),
                _ => ("", 0),
            }
        } else {
            let after = &marker[1..];
            let end = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
            (&after[..end], end + 1)
        };
        match env.var(name).filter(|_| !name.is_empty()) {
            Some(value) => out.push_str(&value),
            None => {
                let keep = consumed.max(1);
                out.push_str(&marker[..keep]);
                rest = &marker[keep..];
                continue;
            }
        }
        rest = &marker[consumed..];
    }
    out.push_str(rest);
    out
}

/// What chose the selected profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileSource {
    /// `--profile` on the command line.
    Cli,
    /// `AWS_PROFILE`.
    EnvAwsProfile,
    /// `AWS_DEFAULT_PROFILE`, which the CLI v2 consults after `AWS_PROFILE`.
    EnvAwsDefaultProfile,
    /// Nothing did: the profile is `default`.
    Default,
}

impl ProfileSource {
    /// Whether the profile was named explicitly (`--profile` or a variable). The CLI fails with
    /// "The config profile (NAME) could not be found" when an explicitly named profile does not
    /// exist, even `default`; an implicit `default` may be absent.
    pub fn is_explicit(self) -> bool {
        self != ProfileSource::Default
    }

    /// How the CLI user would name the source: `--profile`, `AWS_PROFILE`, ...
    pub fn describe(self) -> &'static str {
        match self {
            ProfileSource::Cli => "--profile",
            ProfileSource::EnvAwsDefaultProfile => "AWS_DEFAULT_PROFILE",
            ProfileSource::EnvAwsProfile => "AWS_PROFILE",
            ProfileSource::Default => "default",
        }
    }
}

/// The selected profile and what selected it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SelectedProfile {
    /// The profile's name.
    pub name: String,
    /// Where the name came from.
    pub source: ProfileSource,
}

impl SelectedProfile {
    /// The profile `name`, selected by `source`.
    pub fn new(name: impl Into<String>, source: ProfileSource) -> Self {
        SelectedProfile {
            name: name.into(),
            source,
        }
    }

    /// "Does the named profile exist": the one check, as botocore makes it before anything
    /// else. A profile named explicitly ([`ProfileSource::is_explicit`]: `--profile`,
    /// `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, even empty) that is in neither file is
    /// [`Error::profile_not_found`]; an implicit `default` may be absent.
    pub fn require_in(&self, set: &ProfileSet) -> Result<(), Error> {
        if self.source.is_explicit() && set.profile(&self.name).is_none() {
            return Err(Error::profile_not_found(&self.name));
        }
        Ok(())
    }
}

/// The profile a resolution uses, as the CLI v2 picks it: `--profile`, else `AWS_PROFILE`, else
/// `AWS_DEFAULT_PROFILE`, else `default`. The CLI v2 bundles its own botocore, whose config table
/// reads `'profile': (None, ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE'], ...)` (botocore on PyPI lists
/// them the other way round). A variable that is set but empty selects the profile named `""`,
/// which does not exist: the CLI fails on it, and so does a resolution that follows this answer.
pub fn selected_profile(explicit: Option<&str>, env: &Env) -> SelectedProfile {
    if let Some(name) = explicit {
        return SelectedProfile {
            name: name.to_owned(),
            source: ProfileSource::Cli,
        };
    }
    if let Some(name) = env.var("AWS_PROFILE") {
        return SelectedProfile {
            name,
            source: ProfileSource::EnvAwsProfile,
        };
    }
    if let Some(name) = env.var("AWS_DEFAULT_PROFILE") {
        return SelectedProfile {
            name,
            source: ProfileSource::EnvAwsDefaultProfile,
        };
    }
    SelectedProfile {
        name: "default".to_owned(),
        source: ProfileSource::Default,
    }
}

/// The selected profile's name ([`selected_profile`] without the source).
pub fn selected_profile_name(explicit: Option<&str>, env: &Env) -> String {
    selected_profile(explicit, env).name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::from_vars(vars.iter().copied())
    }

    #[test]
    fn only_a_named_profile_must_exist() {
        let set = ProfileSet::parse(
            Some((std::path::Path::new("/h/.aws/config"), "[profile dev]\n")),
            None,
        );
        let check = |explicit: Option<&str>, vars: &[(&str, &str)]| {
            selected_profile(explicit, &env(vars)).require_in(&set)
        };
        assert!(check(Some("dev"), &[]).is_ok());
        // An implicit `default` may be absent; a named one, even `default` or empty, may not.
        assert!(check(None, &[]).is_ok());
        let missing = check(None, &[("AWS_PROFILE", "default")]).unwrap_err();
        assert_eq!(
            missing.message(),
            "The config profile (default) could not be found"
        );
        assert_eq!(
            missing.detail(),
            Some(&awscred_core::Detail::ProfileNotFound {
                profile: "default".into()
            })
        );
        assert!(check(None, &[("AWS_DEFAULT_PROFILE", "")]).is_err());
        assert!(check(Some("nope"), &[("AWS_PROFILE", "dev")]).is_err());
    }

    #[test]
    fn expands_variables_as_botocore() {
        let e = env(&[
            ("HOME", "/home/u"),
            ("DIR", "/etc/aws"),
            ("USERPROFILE", "C:\\u"),
        ]);
        assert_eq!(
            expand_vars("$DIR/config", &e, Platform::Unix),
            "/etc/aws/config"
        );
        assert_eq!(
            expand_vars("${DIR}/config", &e, Platform::Unix),
            "/etc/aws/config"
        );
        assert_eq!(
            expand_vars("$NOPE/config", &e, Platform::Unix),
            "$NOPE/config"
        );
        assert_eq!(
            expand_vars("${NOPE/config", &e, Platform::Unix),
            "${NOPE/config"
        );
        assert_eq!(expand_vars("a$", &e, Platform::Unix), "a$");
        assert_eq!(
            expand_vars("%DIR%\\c", &e, Platform::Windows),
            "/etc/aws\\c"
        );
        assert_eq!(expand_vars("100%", &e, Platform::Windows), "100%");
        assert_eq!(expand_vars("%DIR%", &e, Platform::Unix), "%DIR%");
    }

    #[test]
    fn expands_a_leading_tilde() {
        let unix = FileLocations::for_platform(
            &env(&[
                ("HOME", "/home/u/"),
                ("AWS_CONFIG_FILE", "~/cfg"),
                ("AWS_SHARED_CREDENTIALS_FILE", "~x/c"),
            ]),
            Platform::Unix,
        );
        assert_eq!(unix.config, Some(PathBuf::from("/home/u/cfg")));
        assert_eq!(unix.credentials, Some(PathBuf::from("~x/c")));
        let windows = FileLocations::for_platform(
            &env(&[("USERPROFILE", "C:\\u"), ("AWS_CONFIG_FILE", "~\\cfg")]),
            Platform::Windows,
        );
        assert_eq!(windows.config, Some(PathBuf::from("C:\\u\\cfg")));
        assert_eq!(
            windows.credentials,
            Some(PathBuf::from("C:\\u\\.aws\\credentials"))
        );
    }

    #[test]
    fn empty_variable_means_no_file_and_no_home_means_none() {
        let locations = FileLocations::for_platform(
            &env(&[("HOME", "/h"), ("AWS_CONFIG_FILE", "")]),
            Platform::Unix,
        );
        assert_eq!(locations.config, None);
        assert_eq!(
            locations.credentials,
            Some(PathBuf::from("/h/.aws/credentials"))
        );
        assert_eq!(
            FileLocations::for_platform(&env(&[]), Platform::Unix),
            FileLocations::default()
        );
    }

    #[test]
    fn profile_selection_follows_the_cli_v2() {
        let both = env(&[("AWS_PROFILE", "p"), ("AWS_DEFAULT_PROFILE", "d")]);
        assert_eq!(
            selected_profile(None, &both),
            SelectedProfile {
                name: "p".into(),
                source: ProfileSource::EnvAwsProfile
            }
        );
        assert_eq!(
            selected_profile(Some("c"), &both).source,
            ProfileSource::Cli
        );
        let one = env(&[("AWS_PROFILE", "p")]);
        assert_eq!(
            selected_profile(None, &one).source,
            ProfileSource::EnvAwsProfile
        );
        let none = selected_profile(None, &env(&[]));
        assert_eq!(
            (none.name.as_str(), none.source.is_explicit()),
            ("default", false)
        );
        let named_default = selected_profile(None, &env(&[("AWS_PROFILE", "default")]));
        assert!(named_default.source.is_explicit());
        let empty = selected_profile(
            None,
            &env(&[("AWS_PROFILE", ""), ("AWS_DEFAULT_PROFILE", "d")]),
        );
        assert_eq!(
            (empty.name.as_str(), empty.source),
            ("", ProfileSource::EnvAwsProfile)
        );
        let fallback = env(&[("AWS_DEFAULT_PROFILE", "d")]);
        assert_eq!(
            selected_profile(None, &fallback).source,
            ProfileSource::EnvAwsDefaultProfile
        );
        assert_eq!(selected_profile_name(None, &both), "p");
    }

    #[test]
    fn windows_tilde_as_ntpath_expanduser() {
        // Each expected value printed by Python 3.11's ntpath.expanduser with the same variables.
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: &[Case] = &[
            (
                &[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")],
                "~bob\\x",
                "C:\\Users\\bob\\x",
            ),
            (
                &[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "alice")],
                "~alice/x",
                "C:\\Users\\alice/x",
            ),
            (
                &[("USERPROFILE", "C:\\Users\\alice"), ("USERNAME", "carol")],
                "~bob\\x",
                "~bob\\x",
            ),
            (
                &[("USERPROFILE", "C:\\Users\\alice\\")],
                "~\\.aws\\config",
                "C:\\Users\\alice\\\\.aws\\config",
            ),
            (&[("USERPROFILE", "")], "~\\.aws\\config", "\\.aws\\config"),
            (&[("HOMEPATH", "\\Users\\h")], "~\\c", "\\Users\\h\\c"),
            (&[("HOME", "C:\\h")], "~\\c", "~\\c"),
            (
                &[("HOMEDRIVE", "\\\\srv\\share"), ("HOMEPATH", "u")],
                "~",
                "\\\\srv\\share\\u",
            ),
        ];
        for (vars, path, want) in cases {
            assert_eq!(
                expand_tilde(path, &env(vars), Platform::Windows),
                *want,
                "{vars:?} {path}"
            );
        }
        // The default files: the home directory as it is, then `\.aws\config`.
        let files =
            FileLocations::for_platform(&env(&[("USERPROFILE", "C:\\u\\")]), Platform::Windows);
        assert_eq!(files.config, Some(PathBuf::from("C:\\u\\\\.aws\\config")));
    }

    #[test]
    fn windows_ignores_home_like_python() {
        let e = env(&[
            ("HOME", "C:\\home"),
            ("HOMEDRIVE", "D:"),
            ("HOMEPATH", "\\hp"),
        ]);
        assert_eq!(Platform::Windows.home_dir(&e).as_deref(), Some("D:\\hp"));
        assert_eq!(Platform::Unix.home_dir(&e).as_deref(), Some("C:\\home"));
    }
}

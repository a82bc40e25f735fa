//! Where the files are, and which profile is selected.

use std::path::PathBuf;

use awscred_core::Env;

/// The paths of the config and credentials files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileLocations {
    /// `AWS_CONFIG_FILE`, else `~/.aws/config`; `None` when there is no home directory.
    pub config: Option<PathBuf>,
    /// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
    pub credentials: Option<PathBuf>,
}

impl FileLocations {
    /// The locations the CLI uses in this environment (a leading `~` is the home directory).
    pub fn from_env(env: &Env) -> Self {
        let home = env.home_dir();
        let pick = |var: &str, default: &str| -> Option<PathBuf> {
            match env.non_empty_var(var) {
                Some(path) => expand_tilde(&path, home.as_ref()),
                None => home.as_ref().map(|h| h.join(".aws").join(default)),
            }
        };
        FileLocations {
            config: pick("AWS_CONFIG_FILE", "config"),
            credentials: pick("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        }
    }
}

fn expand_tilde(path: &str, home: Option<&PathBuf>) -> Option<PathBuf> {
    match (path.strip_prefix('~'), home) {
        (Some(""), Some(home)) => Some(home.clone()),
        (Some(rest), Some(home)) if rest.starts_with('/') || rest.starts_with('\\') => {
            Some(home.join(&rest[1..]))
        }
        _ => Some(PathBuf::from(path)),
    }
}

/// The profile a resolution uses: `--profile`, else `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`,
/// else `default`.
pub fn selected_profile_name(explicit: Option<&str>, env: &Env) -> String {
    explicit
        .map(str::to_owned)
        .or_else(|| env.non_empty_var("AWS_PROFILE"))
        .or_else(|| env.non_empty_var("AWS_DEFAULT_PROFILE"))
        .unwrap_or_else(|| "default".to_owned())
}

//! The process environment a resolution runs in: variables, files and time.
//!
//! Providers never call `std::env::var`, `std::fs` or `SystemTime::now` directly; they ask an
//! [`Env`]. Production code uses [`Env::real`]; tests, the conformance suites and benchmarks
//! build one from a map, an in-memory file system and a manual clock.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::clock::{Clock, SystemClock};
use crate::fs::{Fs, ReadLimit, RealFs};

/// Variables, files and a clock. Cheap to clone. `Debug` shows the variables' names, never
/// their values (they hold secrets: AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, ...).
///
/// ```
/// use awscred_core::Env;
/// let env = Env::from_vars([("AWS_PROFILE", "dev")]);
/// assert_eq!(env.var("AWS_PROFILE").as_deref(), Some("dev"));
/// assert_eq!(env.var("HOME"), None);
/// ```
#[derive(Clone)]
pub struct Env {
    vars: Option<Arc<HashMap<String, String>>>,
    fs: Arc<dyn Fs>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Env");
        match &self.vars {
            None => d.field("vars", &"process environment"),
            Some(vars) => {
                let mut names: Vec<&str> = vars.keys().map(String::as_str).collect();
                names.sort_unstable();
                d.field("vars", &names)
            }
        };
        d.field("fs", &self.fs).field("clock", &self.clock).finish()
    }
}

impl Default for Env {
    fn default() -> Self {
        Env::real()
    }
}

impl Env {
    /// The real process environment, file system and clock.
    pub fn real() -> Self {
        Env {
            vars: None,
            fs: Arc::new(RealFs),
            clock: Arc::new(SystemClock),
        }
    }

    /// Fixed variables, with the real file system and clock.
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Env {
            vars: Some(Arc::new(
                vars.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            )),
            ..Env::real()
        }
    }

    /// The same environment with another file system.
    pub fn with_fs(mut self, fs: Arc<dyn Fs>) -> Self {
        self.fs = fs;
        self
    }

    /// The same environment with another clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// A variable's value; `None` when unset or not valid Unicode.
    pub fn var(&self, name: &str) -> Option<String> {
        match &self.vars {
            Some(vars) => vars.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// A variable's value when it is set and not empty, the way the CLI treats most settings.
    pub fn non_empty_var(&self, name: &str) -> Option<String> {
        self.var(name).filter(|v| !v.is_empty())
    }

    /// Whether the variables are the real process environment (as opposed to a fixed map).
    pub fn is_process_env(&self) -> bool {
        self.vars.is_none()
    }

    /// The file system.
    pub fn fs(&self) -> &dyn Fs {
        &*self.fs
    }

    /// The file system as a shareable handle.
    pub fn fs_arc(&self) -> Arc<dyn Fs> {
        self.fs.clone()
    }

    /// Reads a regular file of at most `limit` bytes through the file system seam
    /// ([`Fs::read`]).
    pub fn read_file(&self, path: &Path, limit: ReadLimit) -> std::io::Result<Vec<u8>> {
        self.fs.read(path, limit)
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// The clock as a shareable handle.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// The user's home directory as the CLI finds it (Python's `expanduser`): `HOME` on Unix;
    /// on Windows [`Env::windows_home`] (`USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`).
    pub fn home_dir(&self) -> Option<PathBuf> {
        if cfg!(windows) {
            self.windows_home().map(PathBuf::from)
        } else {
            self.non_empty_var("HOME").map(PathBuf::from)
        }
    }

    /// The home directory Python's `ntpath.expanduser` finds (Python 3.8 and later, which the
    /// CLI v2 ships): `USERPROFILE` when it is set, even empty; else, when `HOMEPATH` is set,
    /// `HOMEDRIVE` (or nothing) joined with it as `ntpath.join` joins them; `HOME` is never
    /// read. Answered on every platform, so the rule can be tested anywhere.
    ///
    /// ```
    /// use awscred_core::Env;
    /// let env = Env::from_vars([("HOME", "C:\\h"), ("HOMEDRIVE", "D:"), ("HOMEPATH", "\\u")]);
    /// assert_eq!(env.windows_home().as_deref(), Some("D:\\u"));
    /// let unc = Env::from_vars([("HOMEDRIVE", "\\\\srv\\share"), ("HOMEPATH", "u")]);
    /// assert_eq!(unc.windows_home().as_deref(), Some("\\\\srv\\share\\u"));
    /// ```
    pub fn windows_home(&self) -> Option<String> {
        if let Some(profile) = self.var("USERPROFILE") {
            return Some(profile);
        }
        let path = self.var("HOMEPATH")?;
        let drive = self.var("HOMEDRIVE").unwrap_or_default();
        let separator_between = !drive.is_empty()
            && !path.starts_with(['\\', '/'])
            && !drive.ends_with([':', '\\', '/']);
        Some(if separator_between {
            format!("{drive}\\{path}")
        } else {
            format!("{drive}{path}")
        })
    }

    /// The directory the CLI keeps its caches in: `~/.aws` (`~/.aws/cli/cache`, `~/.aws/sso/cache`).
    pub fn aws_dir(&self) -> Option<PathBuf> {
        let home = self.home_dir()?;
        if cfg!(windows) {
            // Python appends `\.aws` to the home directory as it is (`userhome + path[i:]`),
            // so an empty `USERPROFILE` gives `\.aws`, not a relative `.aws`.
            Some(PathBuf::from(format!("{}\\.aws", home.display())))
        } else {
            Some(home.join(".aws"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_names_not_values() {
        let env = Env::from_vars([("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"), ("HOME", "/h")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("AWS_SECRET_ACCESS_KEY"), "{shown}");
        assert!(
            !shown.contains("wJalrXUtnFEMI") && !shown.contains("/h\""),
            "{shown}"
        );
    }
}

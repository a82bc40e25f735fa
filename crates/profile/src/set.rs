//! The parsed, merged view of both files.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use awscred_core::{Env, Error};

use crate::locations::FileLocations;

/// Where a value was written: a file and a 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: Arc<Path>,
    /// The 1-based line.
    pub line: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// One `key = value` of a section, with its sub-properties (`s3 =\n  max_concurrent_requests = 10`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub(crate) value: String,
    pub(crate) location: Location,
    pub(crate) sub_properties: Vec<(String, String)>,
}

impl Property {
    /// The value, trimmed as the CLI trims it.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Where the value was written.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// A sub-property's value.
    pub fn sub_property(&self, name: &str) -> Option<&str> {
        self.sub_properties
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every sub-property, in file order.
    pub fn sub_properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sub_properties.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// A section: a profile, an `[sso-session NAME]` or a `[services NAME]`. Keys are compared
/// case-insensitively (stored lower-case), as the CLI does; section names are case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub(crate) name: String,
    pub(crate) properties: HashMap<String, Property>,
}

impl Section {
    /// The section's name (`dev` for `[profile dev]`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A property's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.property(key).map(Property::value)
    }

    /// A property.
    pub fn property(&self, key: &str) -> Option<&Property> {
        match self.properties.get(key) {
            Some(p) => Some(p),
            None if key.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.properties.get(&key.to_ascii_lowercase())
            }
            None => None,
        }
    }

    /// Every property, in no particular order.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &Property)> {
        self.properties.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether the section has no properties.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }
}

/// Something the parser skipped or merged, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where.
    pub location: Location,
    /// What, for the person who owns the file.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Every profile, sso-session and services section of the config and credentials files, with
/// the credentials file's values overriding the config file's for the same profile.
#[derive(Debug, Clone, Default)]
pub struct ProfileSet {
    pub(crate) profiles: HashMap<String, Section>,
    pub(crate) sso_sessions: HashMap<String, Section>,
    pub(crate) services: HashMap<String, Section>,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) credentials_file: Option<PathBuf>,
}

impl ProfileSet {
    /// Reads the files the environment points at ([`FileLocations::from_env`]). A missing file
    /// is an empty file; an unreadable one, or one that is not UTF-8, is an error naming it.
    /// Warnings are logged (`tracing::warn!`) and kept in [`ProfileSet::warnings`].
    pub fn load(env: &Env) -> Result<ProfileSet, Error> {
        Self::load_from(env, &FileLocations::from_env(env))
    }

    /// Reads the given files.
    pub fn load_from(env: &Env, files: &FileLocations) -> Result<ProfileSet, Error> {
        let config = read_optional(env, files.config.as_deref())?;
        let credentials = read_optional(env, files.credentials.as_deref())?;
        let set = Self::parse(
            files.config.as_deref().zip(config.as_deref()),
            files.credentials.as_deref().zip(credentials.as_deref()),
        );
        for warning in &set.warnings {
            tracing::warn!("{warning}");
        }
        Ok(set)
    }

    /// Parses file contents. Never fails: what cannot be understood is skipped with a warning.
    pub fn parse(config: Option<(&Path, &str)>, credentials: Option<(&Path, &str)>) -> ProfileSet {
        crate::parser::build(config, credentials)
    }

    /// A profile by name.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// An `[sso-session NAME]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// A `[services NAME]` section.
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// Every profile's name, sorted.
    pub fn profile_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Every `[sso-session]` name, sorted.
    pub fn sso_session_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.sso_sessions.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// What the parser skipped or merged.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The config file that was read (or would have been, when missing).
    pub fn config_file(&self) -> Option<&Path> {
        self.config_file.as_deref()
    }

    /// The credentials file that was read (or would have been, when missing).
    pub fn credentials_file(&self) -> Option<&Path> {
        self.credentials_file.as_deref()
    }
}

fn read_optional(env: &Env, path: Option<&Path>) -> Result<Option<String>, Error> {
    let Some(path) = path else { return Ok(None) };
    let bytes = match env.read_file(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::new(
                awscred_core::ErrorKind::Io,
                format!("Unable to read {}", path.display()),
            )
            .with_source(e));
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid].iter().filter(|b| **b == b'\n').count() + 1;
            Err(Error::invalid_config(format!(
                "Unable to parse config file: {}:{line}: the file is not valid UTF-8",
                path.display()
            )))
        }
    }
}

//! Editing `~/.aws/config` and `~/.aws/credentials` as the AWS CLI v2's `ConfigFileWriter`
//! edits them (`awscli/customizations/configure/writer.py`).
//!
//! ```
//! use std::path::Path;
//! use awscred_core::fs::{Fs, MemFs, ReadLimit};
//! use awscred_profile::writer::{self, SectionUpdate};
//!
//! let fs = MemFs::default().with_file("/h/.aws/config", "# mine\n[profile dev]\nregion = x\n");
//! let config = Path::new("/h/.aws/config");
//! let update = SectionUpdate::new(writer::profile_section("dev"))
//!     .set("region", "eu-west-1")
//!     .set_nested("s3", "max_concurrent_requests", "20");
//! writer::update_config(&fs, config, &update).unwrap();
//! assert_eq!(
//!     String::from_utf8(fs.read(config, ReadLimit::CONFIG).unwrap()).unwrap(),
//!     "# mine\n[profile dev]\nregion = eu-west-1\ns3 =\n    max_concurrent_requests = 20\n"
//! );
//! writer::remove_keys(&fs, config, "profile dev", &["s3"]).unwrap();
//! writer::remove_section(&fs, config, "profile dev").unwrap();
//! assert_eq!(fs.read(config, ReadLimit::CONFIG).unwrap(), b"# mine\n");
//! ```
//!
//! What the CLI's writer guarantees, awscred's keeps:
//! - an existing key is replaced in place (`key = value`, at the start of its line); a new key
//!   goes after the section's last key line; a missing section is appended at the end of the
//!   file, after a newline if the file lacks its last one; a missing file is created;
//! - a nested value (`s3 =` followed by `    key = value` lines) is updated or added inside its
//!   block;
//! - every other line (comments, blank lines, other sections, unknown keys) is kept byte for
//!   byte, and so are line terminators (`\r\n` stays `\r\n`; new lines take the file's own);
//! - newlines and carriage returns in section names, keys and values are refused with the
//!   CLI's messages (the value itself is never quoted: it may be a secret).
//!
//! And what the CLI does not: the file is written atomically ([`Fs::replace`]: a temporary
//! file renamed over it, keeping its mode and following a symbolic link; new files 0600, new
//! directories 0700); a file that neither the CLI nor the SDKs can parse (or that the CLI
//! refuses: a duplicated section or key) is refused with its name and line and left alone;
//! [`remove_section`] and [`remove_keys`] remove what the CLI's writer can only add, and
//! [`update_config_many`] applies several sections' updates in one write (`sso populate`).

mod edit;
mod remove;
#[cfg(test)]
mod tests;

use std::path::Path;

use awscred_core::Error;
use awscred_core::fs::Fs;

use crate::ProfileSet;

/// What to do with one key of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// `key = value`.
    Set(String),
    /// A block of sub-properties: `key =` and `    sub = value` lines.
    Nested(Vec<(String, String)>),
    /// Remove the key's line if it is there (the CLI v2 writer's `None`: only that line goes).
    Remove,
}

/// The changes to one section, in the order the keys are written when they are new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionUpdate {
    section: String,
    values: Vec<(String, Value)>,
}

impl SectionUpdate {
    /// Changes to the section named as in its header, without brackets: `default`,
    /// `profile dev` ([`profile_section`]), `sso-session corp` ([`section_header`]),
    /// `services local`, or a credentials-file profile's bare name.
    pub fn new(section: impl Into<String>) -> Self {
        SectionUpdate {
            section: section.into(),
            values: Vec::new(),
        }
    }

    /// The section this update is for.
    pub fn section(&self) -> &str {
        &self.section
    }

    /// Sets `key = value` (a later call for the same key replaces the earlier one in place, as
    /// in the CLI's dictionary of new values).
    pub fn set(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.with(key.into(), Value::Set(value.into()))
    }

    /// Sets a sub-property: `key =` then `    sub_key = value`.
    pub fn set_nested(
        mut self,
        key: impl Into<String>,
        sub_key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        let (key, sub_key, value) = (key.into(), sub_key.into(), value.into());
        if let Some((_, Value::Nested(subs))) = self.values.iter_mut().find(|(k, _)| *k == key) {
            match subs.iter_mut().find(|(k, _)| *k == sub_key) {
                Some(existing) => existing.1 = value,
                None => subs.push((sub_key, value)),
            }
            return self;
        }
        self.with(key, Value::Nested(vec![(sub_key, value)]))
    }

    /// Removes the key's line, if the section has it.
    pub fn remove(self, key: impl Into<String>) -> Self {
        self.with(key.into(), Value::Remove)
    }

    fn with(mut self, key: String, value: Value) -> Self {
        match self.values.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = value,
            None => self.values.push((key, value)),
        }
        self
    }

    /// The CLI's check before it writes anything: no newline or carriage return in the section
    /// name, a key or a value. The message never quotes a value.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |s: &str| s.contains(['\n', '\r']);
        let name_error = |label: &str, name: &str| {
            Error::invalid_config(format!(
                "Invalid {label}: newline characters and carriage returns are not allowed: {}",
                py_repr(name)
            ))
        };
        let value_error = |key: &str| {
            Error::invalid_config(format!(
                "Invalid value for key {key}: newline characters and carriage returns are not \
                 allowed."
            ))
        };
        if bad(&self.section) {
            return Err(name_error("section name", &self.section));
        }
        for (key, value) in &self.values {
            if bad(key) {
                return Err(name_error("key", key));
            }
            match value {
                Value::Set(v) if bad(v) => return Err(value_error(key)),
                Value::Nested(subs) => {
                    for (sub, v) in subs {
                        if bad(sub) {
                            return Err(name_error("key", sub));
                        }
                        if bad(v) {
                            return Err(value_error(key));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The section name the CLI uses for a profile in the config file: `default`, else
/// `profile NAME` (the name shell-quoted when it holds a space or tab).
pub fn profile_section(profile: &str) -> String {
    if profile == "default" {
        return profile.to_owned();
    }
    section_header("profile", profile)
}

/// `get_section_header`: `KIND NAME`, the name shell-quoted (Python's `shlex.quote`) when it
/// holds a space or tab, as in `sso-session corp` or `profile 'my dev'`.
pub fn section_header(kind: &str, name: &str) -> String {
    if name.contains([' ', '\t']) {
        format!("{kind} '{}'", name.replace('\'', "'\"'\"'"))
    } else {
        format!("{kind} {name}")
    }
}

/// The file's new contents after `update`, from its current contents (`None`: no file yet),
/// by the CLI's steps. Does not validate; [`update_config`] does.
pub fn apply(contents: Option<&str>, update: &SectionUpdate) -> String {
    let text = contents.unwrap_or("");
    let nl = edit::newline_of(text);
    let mut lines = edit::split_lines(text);
    if contents.is_some() && edit::update_section(&mut lines, &update.section, &update.values, nl) {
        return lines.concat();
    }
    // `_write_new_section`: appended, after a newline when the file does not end with one.
    let mut out = text.to_owned();
    if !out.is_empty() && !out.ends_with(['\n', '\r']) {
        out.push_str(nl);
    }
    out.push_str(&format!("[{}]{nl}", update.section));
    out.push_str(&edit::render_values(&update.values, "", nl));
    out
}

/// Applies `update` to the file at `path` (created, with its directories, when missing).
///
/// Fails, leaving the file as it was, on a newline in a name or value
/// ([`SectionUpdate::validate`]), on a file that cannot be read or parsed (the error names the
/// file and line), and when the write fails.
pub fn update_config(fs: &dyn Fs, path: &Path, update: &SectionUpdate) -> Result<(), Error> {
    update.validate()?;
    let current = read_checked(fs, path)?;
    let new = apply(current.as_deref(), update);
    if current.as_deref() == Some(new.as_str()) {
        return Ok(());
    }
    write(fs, path, &new)
}

/// Applies several updates in order, in one atomic write: as many [`update_config`] calls would
/// leave the file (each sees the file the previous one left), but a reader never sees half of
/// them, and nothing is written when any of them is refused.
pub fn update_config_many(
    fs: &dyn Fs,
    path: &Path,
    updates: &[SectionUpdate],
) -> Result<(), Error> {
    for update in updates {
        update.validate()?;
    }
    let current = read_checked(fs, path)?;
    let mut text = current.clone();
    for update in updates {
        text = Some(apply(text.as_deref(), update));
    }
    match text {
        Some(new) if current.as_deref() != Some(new.as_str()) => write(fs, path, &new),
        _ => Ok(()),
    }
}

/// Removes the section (every one of that name) from the file: its header and lines, except
/// comment lines just above the next section's header. `Ok(false)` when there was none (a
/// missing file is not created).
pub fn remove_section(fs: &dyn Fs, path: &Path, section: &str) -> Result<bool, Error> {
    edit_existing(fs, path, |lines| remove::remove_section(lines, section))
}

/// Removes the keys' lines (and lines indented under them: sub-properties, continuations)
/// from the first section of that name. `Ok(false)` when none was there.
pub fn remove_keys(fs: &dyn Fs, path: &Path, section: &str, keys: &[&str]) -> Result<bool, Error> {
    edit_existing(fs, path, |lines| remove::remove_keys(lines, section, keys))
}

fn edit_existing(
    fs: &dyn Fs,
    path: &Path,
    change: impl FnOnce(&mut Vec<String>) -> bool,
) -> Result<bool, Error> {
    let Some(current) = read_checked(fs, path)? else {
        return Ok(false);
    };
    let mut lines = edit::split_lines(&current);
    if !change(&mut lines) {
        return Ok(false);
    }
    write(fs, path, &lines.concat())?;
    Ok(true)
}

/// The file's text, `None` when it does not exist; an error naming the file (and line) when it
/// is not a regular file, is too large, is not UTF-8, or cannot be parsed.
fn read_checked(fs: &dyn Fs, path: &Path) -> Result<Option<String>, Error> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(Error::invalid_config(format!(
            "Unable to write {}: not a regular file",
            path.display()
        )));
    }
    let Some(text) = crate::set::read_text(fs, path)? else {
        return Ok(None);
    };
    let set = ProfileSet::parse(Some((path, &text)), None);
    if let Some(problem) = set.errors().first().or(set.cli_refusals().first()) {
        // A file the CLI refuses is readable with the SDKs' grammar, but not safely editable.
        let what = problem
            .message
            .split("; it is read")
            .next()
            .unwrap_or_default();
        return Err(Error::invalid_config(format!(
            "Unable to parse config file: {}: {what}",
            problem.location
        )));
    }
    Ok(Some(text))
}

fn write(fs: &dyn Fs, path: &Path, contents: &str) -> Result<(), Error> {
    fs.replace(path, contents.as_bytes()).map_err(|e| {
        Error::new(
            awscred_core::ErrorKind::Io,
            format!("Unable to write {}", path.display()),
        )
        .with_source(e)
    })
}

/// Python's `repr` of a string, as the CLI's messages quote names.
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

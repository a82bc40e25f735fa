//! The parsed, merged view of both files.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use awscred_core::fs::ReadLimit;
use awscred_core::{Detail, Env, Error};

use crate::locations::FileLocations;

/// Maps keyed by profile, section and property names. The names come from the user's own
/// files, so the hash needs no protection against chosen collisions: a multiply-rotate hash
/// (FxHash, as in rustc) is several times cheaper than SipHash on these short keys.
pub(crate) type NameMap<V> = HashMap<Text, V, BuildHasherDefault<NameHasher>>;

/// FxHash: one rotate, xor and multiply per eight bytes.
#[derive(Default, Clone, Copy)]
pub(crate) struct NameHasher(u64);

impl NameHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(tail_word(rest));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // hashbrown takes its control bits from the top of the hash: fold the well-mixed low
        // bits up there.
        self.0.rotate_left(26)
    }
}

/// The last 1 to 7 bytes of a name as one zero-padded little-endian word, read in two
/// overlapping loads rather than copied byte by byte into a buffer (a copy the processor then
/// has to wait for when it reads the buffer back as one word).
fn tail_word(rest: &[u8]) -> u64 {
    let n = rest.len();
    // The second load ends at the last byte: shifting out the bytes it shares with the first
    // leaves the others, which then go just above the first load's.
    if n >= 4 {
        let head = u32::from_le_bytes(rest.first_chunk().copied().unwrap_or_default());
        let last = u32::from_le_bytes(rest.last_chunk().copied().unwrap_or_default());
        u64::from(head) | (u64::from(last) >> ((8 - n.min(8)) * 8)) << 32
    } else if n >= 2 {
        let head = u16::from_le_bytes(rest.first_chunk().copied().unwrap_or_default());
        let last = u16::from_le_bytes(rest.last_chunk().copied().unwrap_or_default());
        u64::from(head) | (u64::from(last) >> ((4 - n) * 8)) << 16
    } else {
        rest.first().copied().map_or(0, u64::from)
    }
}

/// A name, key or value: short text held in place, a slice of the file's text (shared by the
/// file's longer values), or text of its own (a long key that had to be lower-cased, a value
/// spread over several lines).
///
/// Most keys and values are short: held in place they cost no allocation and, unlike a shared
/// slice, no atomic reference count to bump on parse and drop again on free (profiled, those
/// counts were a quarter of the parser's time).
#[derive(Clone)]
pub(crate) enum Text {
    Inline {
        len: u8,
        bytes: [u8; Text::INLINE],
    },
    Shared {
        source: Arc<str>,
        start: u32,
        end: u32,
    },
    Owned(String),
}

impl Text {
    /// The longest text held in place: with its length it fills the 32 bytes the other
    /// variants need anyway.
    pub(crate) const INLINE: usize = 30;

    /// A copy of `text`, held in place when short.
    pub(crate) fn new(text: &str) -> Text {
        Text::inline(text).unwrap_or_else(|| Text::Owned(text.to_owned()))
    }

    /// `text`, held in place when short (its allocation freed then).
    pub(crate) fn from_string(text: String) -> Text {
        Text::inline(&text).unwrap_or(Text::Owned(text))
    }

    /// `text` held in place, when it is short enough.
    pub(crate) fn inline(text: &str) -> Option<Text> {
        let len = u8::try_from(text.len()).ok()?;
        let mut bytes = [0; Text::INLINE];
        bytes
            .get_mut(..text.len())?
            .copy_from_slice(text.as_bytes());
        Some(Text::Inline { len, bytes })
    }

    /// `text` held in place with ASCII upper case lowered, when it is short enough. Lowering
    /// ASCII keeps any text UTF-8, and the whole fixed-size buffer is lowered at once (its
    /// padding is zeros, which stay zeros) so that the compiler can do it in wide registers.
    pub(crate) fn inline_ascii_lowercase(text: &str) -> Option<Text> {
        let mut text = Text::inline(text)?;
        if let Text::Inline { bytes, .. } = &mut text {
            bytes.make_ascii_lowercase();
        }
        Some(text)
    }

    /// The text as bytes, without checking them again: enough to hash and compare.
    fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Text::Shared { source, start, end } => source
                .as_bytes()
                .get(*start as usize..*end as usize)
                .unwrap_or_default(),
            Text::Owned(text) => text.as_bytes(),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            // Always valid: only whole `&str`s (or their ASCII-lowered copies) are held in place.
            Text::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            Text::Shared { source, start, end } => {
                source.get(*start as usize..*end as usize).unwrap_or("")
            }
            Text::Owned(text) => text,
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Text {}

impl std::hash::Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Exactly what `str`'s `Hash` feeds a hasher (`Hasher::write_str`, whose provided body
        // stable hashers cannot replace), so maps keyed by `Text` can be searched with a `&str`.
        state.write(self.as_bytes());
        state.write_u8(0xff);
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A section's properties by (lower-cased) key.
pub(crate) type KeyMap = HashMap<Text, Property, BuildHasherDefault<NameHasher>>;

/// Where a value was written: a file and a 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

/// A property's sub-properties, in file order. Few properties have any, so the list sits behind
/// one thin pointer (none at all when empty): each property, the bulk of a section's table,
/// takes 16 bytes less than with the list in place (a seventh less memory for a large file).
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct SubProperties(Option<Box<SubList>>);

/// The list itself, boxed whole so that the pointer to it is thin.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SubList(Vec<(Text, Text)>);

impl SubProperties {
    pub(crate) fn new(list: Vec<(Text, Text)>) -> SubProperties {
        SubProperties((!list.is_empty()).then(|| Box::new(SubList(list))))
    }

    fn list(&self) -> &[(Text, Text)] {
        self.0.as_deref().map_or(&[], |list| list.0.as_slice())
    }
}

/// One `key = value` of a section, with its sub-properties (`s3 =\n  max_concurrent_requests = 10`).
///
/// Its `Debug` output leaves the value out: values include secret keys and session tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct Property {
    pub(crate) value: Text,
    pub(crate) location: Location,
    pub(crate) sub_properties: SubProperties,
}

impl fmt::Debug for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Property")
            .field("value", &awscred_core::REDACTED)
            .field("location", &format_args!("{}", self.location))
            .field("sub_properties", &self.sub_properties.list().len())
            .finish()
    }
}

impl Property {
    /// The value, trimmed as the CLI trims it. A value written over several lines keeps its
    /// line breaks (`\n`), each line trimmed; a sub-property block starts with `\n`.
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
            .list()
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every sub-property, in file order.
    pub fn sub_properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sub_properties
            .list()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// A section: a profile, an `[sso-session NAME]` or a `[services NAME]`. Keys are compared
/// case-insensitively (stored lower-case), as the CLI does; section names are case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub(crate) name: Text,
    pub(crate) properties: KeyMap,
}

impl Section {
    pub(crate) fn new(name: Text) -> Section {
        // Most profiles hold a handful of keys: one table of eight buckets (seven keys) up
        // front instead of growing through rehashes, and no bigger, which keeps large files
        // within the caches.
        Section {
            name,
            properties: KeyMap::with_capacity_and_hasher(7, Default::default()),
        }
    }

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
                self.properties.get(key.to_ascii_lowercase().as_str())
            }
            None => None,
        }
    }

    /// Every property, in the order of their lines, as botocore's dictionaries keep them (so a
    /// check that stops at the first offending key names the one the CLI names).
    pub fn properties(&self) -> impl Iterator<Item = (&str, &Property)> {
        let mut all: Vec<(&str, &Property)> = self
            .properties
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        all.sort_by_key(|(_, p)| p.location().line);
        all.into_iter()
    }

    /// Whether the section has no properties.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }
}

/// Something the parser skipped or merged, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
///
/// Its `Debug` output shows names, keys and locations, never values.
#[derive(Debug, Clone, Default)]
pub struct ProfileSet {
    pub(crate) profiles: NameMap<Section>,
    pub(crate) sso_sessions: NameMap<Section>,
    pub(crate) services: NameMap<Section>,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) errors: Vec<Warning>,
    pub(crate) cli_refusals: Vec<Warning>,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) credentials_file: Option<PathBuf>,
}

impl ProfileSet {
    /// Reads the files the environment points at ([`FileLocations::from_env`]). A missing file
    /// is an empty file; an unreadable one, one that is not UTF-8, or one with a line that
    /// neither the AWS CLI nor the AWS SDKs accept ([`ProfileSet::errors`]) is an error naming
    /// the file and line, as the CLI fails with "Unable to parse config file".
    /// Warnings are logged (`tracing::warn!`) and kept in [`ProfileSet::warnings`].
    pub fn load(env: &Env) -> Result<ProfileSet, Error> {
        Self::load_from(env, &FileLocations::from_env(env))
    }

    /// Reads the given files (see [`ProfileSet::load`]).
    pub fn load_from(env: &Env, files: &FileLocations) -> Result<ProfileSet, Error> {
        let config = read_optional(env, files.config.as_deref())?;
        let credentials = read_optional(env, files.credentials.as_deref())?;
        let mut set = Self::try_parse(
            files.config.as_deref().zip(config.as_deref()),
            files.credentials.as_deref().zip(credentials.as_deref()),
        )?;
        set.config_file.clone_from(&files.config);
        set.credentials_file.clone_from(&files.credentials);
        for warning in &set.warnings {
            tracing::warn!("{warning}");
        }
        Ok(set)
    }

    /// Parses file contents, failing as the AWS CLI fails when a file cannot be read by either
    /// grammar. The error names the file and line, as in
    /// `Unable to parse config file: /home/u/.aws/config:3: Expected a profile definition`,
    /// and never quotes the offending line (it may be a secret).
    pub fn try_parse(
        config: Option<(&Path, &str)>,
        credentials: Option<(&Path, &str)>,
    ) -> Result<ProfileSet, Error> {
        let set = Self::parse(config, credentials);
        match set.errors.first() {
            None => Ok(set),
            Some(first) => {
                let more = match set.errors.len() {
                    1 => String::new(),
                    n => format!(" (and {} more problems)", n - 1),
                };
                Err(
                    Error::invalid_config(format!("Unable to parse config file: {first}{more}"))
                        .with_detail(Detail::UnparsableFile {
                            path: first.location.file.to_path_buf(),
                            line: Some(first.location.line),
                        }),
                )
            }
        }
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
        sorted_names(&self.profiles)
    }

    /// Every `[sso-session]` name, sorted.
    pub fn sso_session_names(&self) -> Vec<&str> {
        sorted_names(&self.sso_sessions)
    }

    /// Every `[services]` name, sorted.
    pub fn services_names(&self) -> Vec<&str> {
        sorted_names(&self.services)
    }

    /// What the parser skipped, merged or read differently from the CLI, in file order (the
    /// config file first). [`ProfileSet::cli_refusals`] are among them; [`ProfileSet::errors`]
    /// are not.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Lines that neither the AWS CLI nor the AWS SDKs accept: a property before any section,
    /// a header without its `]`, a line without `=`, an empty key, a sub-property without `=`.
    /// [`ProfileSet::parse`] skips them; [`ProfileSet::try_parse`] and [`ProfileSet::load`]
    /// fail on the first.
    pub fn errors(&self) -> &[Warning] {
        &self.errors
    }

    /// Files the AWS CLI refuses (duplicate sections or keys, a byte-order mark) but the AWS
    /// SDKs' grammar accepts: one warning per such file, at the line the CLI stops on. Those
    /// files were read with the SDK grammar (duplicates merged, later keys winning).
    pub fn cli_refusals(&self) -> &[Warning] {
        &self.cli_refusals
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

fn sorted_names(map: &NameMap<Section>) -> Vec<&str> {
    let mut names: Vec<&str> = map.keys().map(Text::as_str).collect();
    names.sort_unstable();
    names
}

/// The largest config or credentials file read (16 MiB, [`ReadLimit::CONFIG`]). Real files are
/// a few kilobytes; the limit keeps a mistaken path (a log, a disk image) from being read and
/// parsed. The CLI has none.
pub const MAX_FILE_BYTES: usize = ReadLimit::CONFIG.bytes() as usize;

fn read_optional(env: &Env, path: Option<&Path>) -> Result<Option<String>, Error> {
    match path {
        Some(path) => read_text(env.fs(), path),
        None => Ok(None),
    }
}

/// A config or credentials file's text; `None` when it does not exist. Errors name the file
/// (and line): unreadable, larger than [`MAX_FILE_BYTES`], not UTF-8.
pub(crate) fn read_text(
    fs: &dyn awscred_core::fs::Fs,
    path: &Path,
) -> Result<Option<String>, Error> {
    let bytes = match fs.read(path, ReadLimit::CONFIG) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
            return Err(Error::invalid_config(format!(
                "Unable to parse config file: {}: the file is larger than {}",
                path.display(),
                ReadLimit::CONFIG
            ))
            .with_detail(Detail::UnparsableFile {
                path: path.to_owned(),
                line: None,
            }));
        }
        Err(e) => {
            return Err(Error::new(
                awscred_core::ErrorKind::Io,
                format!("Unable to read {}", path.display()),
            )
            .with_detail(Detail::Io {
                path: path.to_owned(),
            })
            .with_source(e));
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Err(Error::invalid_config(format!(
                "Unable to parse config file: {}:{line}: the file is not valid UTF-8",
                path.display()
            ))
            .with_detail(Detail::UnparsableFile {
                path: path.to_owned(),
                line: u32::try_from(line).ok(),
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;

    use super::*;

    /// One text of each kind.
    fn texts(text: &str) -> Vec<Text> {
        let source: Arc<str> = Arc::from(format!("<{text}>"));
        let mut all = vec![
            Text::Owned(text.to_owned()),
            Text::Shared {
                source,
                start: 1,
                end: u32::try_from(text.len() + 1).unwrap(),
            },
        ];
        all.extend(Text::inline(text));
        all
    }

    #[test]
    fn every_kind_of_text_hashes_and_compares_as_its_str() {
        let std_hasher = RandomState::new();
        let name_hasher = BuildHasherDefault::<NameHasher>::default();
        for len in 0..=40 {
            let text: String = "aB3-é_".chars().cycle().take(len).collect();
            let kinds = texts(&text);
            assert_eq!(kinds.len(), if text.len() <= Text::INLINE { 3 } else { 2 });
            for kind in &kinds {
                assert_eq!(kind.as_str(), text);
                assert_eq!(
                    std_hasher.hash_one(kind),
                    std_hasher.hash_one(text.as_str())
                );
                assert_eq!(
                    name_hasher.hash_one(kind),
                    name_hasher.hash_one(text.as_str())
                );
                for other in &kinds {
                    assert_eq!(kind, other);
                }
            }
        }
        assert_ne!(Text::new("ab"), Text::new("ab\0"));
        assert_ne!(Text::new("ab"), Text::Owned("abc".to_owned()));
    }

    #[test]
    fn short_text_is_held_in_place_and_long_text_is_not() {
        let limit = "x".repeat(Text::INLINE);
        assert!(matches!(Text::new(&limit), Text::Inline { .. }));
        assert!(matches!(Text::new(&format!("{limit}x")), Text::Owned(_)));
        assert!(matches!(
            Text::from_string(limit.clone()),
            Text::Inline { .. }
        ));
        assert_eq!(Text::new("").as_str(), "");
        assert!(Text::inline_ascii_lowercase(&format!("{limit}X")).is_none());
    }

    #[test]
    fn ascii_lowercase_changes_ascii_capitals_only() {
        let all_ascii: String = (0u8..0x80).map(char::from).collect();
        for chunk in all_ascii.as_bytes().chunks(Text::INLINE) {
            let chunk = std::str::from_utf8(chunk).unwrap();
            let lowered = Text::inline_ascii_lowercase(chunk).unwrap();
            assert_eq!(lowered.as_str(), chunk.to_ascii_lowercase());
        }
        let mixed = "ÀÉ_Region_ÿ_SSO";
        assert_eq!(
            Text::inline_ascii_lowercase(mixed).unwrap().as_str(),
            mixed.to_ascii_lowercase()
        );
    }

    #[test]
    fn name_hash_tells_apart_names_differing_in_one_tail_byte() {
        let hash = |s: &str| BuildHasherDefault::<NameHasher>::default().hash_one(s);
        for len in 1..=16 {
            let base = "k".repeat(len);
            let mut seen = std::collections::HashSet::new();
            assert!(seen.insert(hash(&base)));
            for at in 0..len {
                let mut changed = base.clone().into_bytes();
                changed[at] = b'j';
                assert!(
                    seen.insert(hash(&String::from_utf8(changed).unwrap())),
                    "{len} {at}"
                );
            }
            assert!(seen.insert(hash(&base[..len - 1])), "{len}");
        }
        // The tail word is the zero-padded bytes, as a copy into a zeroed word would give.
        for len in 1..8 {
            let bytes: Vec<u8> = (1..=len).collect();
            let mut padded = [0u8; 8];
            padded[..usize::from(len)].copy_from_slice(&bytes);
            assert_eq!(tail_word(&bytes), u64::from_le_bytes(padded));
        }
    }
}

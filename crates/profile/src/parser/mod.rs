//! The grammar of `~/.aws/config` and `~/.aws/credentials`.
//!
//! Each file is read twice at most. First as the AWS CLI reads it: botocore hands the file to
//! Python's `configparser.RawConfigParser` and names the sections itself, so this module
//! reproduces that reader line for line ([`cli`]). When the CLI would refuse the file (a
//! duplicated section or key is the usual reason), it is read again with the cross-SDK grammar
//! the conformance suite describes ([`sdk`]), which merges duplicates, and a warning says so.
//! Only when both refuse is the file an error ([`ProfileSet::errors`]).
//!
//! Both readers build the final [`Section`]s directly from borrowed lines. In the CLI reader a
//! typical property allocates nothing, and its location's file name is the one reference count
//! it touches: a short key or value is held in place ([`Text::Inline`], keys lower-cased on the
//! way in), and a longer value on one line is a range of a single shared copy of the file
//! ([`Text::Shared`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::BuildHasherDefault;
use std::path::Path;
use std::sync::Arc;

use nom::branch::alt;
use nom::bytes::complete::{tag, take, take_till};
use nom::combinator::opt;
use nom::sequence::terminated;
use nom::{IResult, Parser};

use crate::set::{
    Location, NameHasher, NameMap, ProfileSet, Property, Section, SubProperties, Text, Warning,
};

/// Which of the two files a text came from: they name their sections differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Config,
    Credentials,
}

fn build(config: Option<(&Path, &str)>, credentials: Option<(&Path, &str)>) -> ProfileSet {
    let mut set = ProfileSet {
        config_file: config.map(|(p, _)| p.to_path_buf()),
        credentials_file: credentials.map(|(p, _)| p.to_path_buf()),
        ..ProfileSet::default()
    };
    if let Some((path, text)) = config {
        let sections = read_file(&mut set, path, text, Kind::Config);
        merge(&mut set, sections);
    }
    if let Some((path, text)) = credentials {
        let sections = read_file(&mut set, path, text, Kind::Credentials);
        merge(&mut set, sections);
    }
    set
}

impl ProfileSet {
    /// Parses file contents. Never fails: what cannot be understood is skipped with a warning,
    /// and lines that make both the AWS CLI and the AWS SDKs refuse the file are skipped and
    /// listed in [`ProfileSet::errors`].
    ///
    /// Each file is read as the AWS CLI v2 reads it. A file the CLI refuses outright (a
    /// duplicated section or key, a byte-order mark) is read instead with the AWS SDKs' shared
    /// grammar, which merges duplicates; a warning says so ([`ProfileSet::cli_refusals`]).
    pub fn parse(config: Option<(&Path, &str)>, credentials: Option<(&Path, &str)>) -> ProfileSet {
        build(config, credentials)
    }
}

/// The named sections of one file.
#[derive(Default)]
struct FileSections {
    profiles: NameMap<Section>,
    sso_sessions: NameMap<Section>,
    services: NameMap<Section>,
}

/// The credentials file overrides the config file key by key for a profile both define.
fn merge(set: &mut ProfileSet, file: FileSections) {
    for (target, sections) in [
        (&mut set.profiles, file.profiles),
        (&mut set.sso_sessions, file.sso_sessions),
        (&mut set.services, file.services),
    ] {
        if target.is_empty() {
            *target = sections;
            continue;
        }
        for (name, section) in sections {
            match target.entry(name) {
                Entry::Occupied(mut existing) => {
                    existing.get_mut().properties.extend(section.properties)
                }
                Entry::Vacant(slot) => {
                    slot.insert(section);
                }
            }
        }
    }
}

/// A fatal problem for one of the two readers, at a 1-based line.
struct Problem {
    line: u32,
    message: String,
}

impl Problem {
    fn new(line: u32, message: impl Into<String>) -> Problem {
        Problem {
            line,
            message: message.into(),
        }
    }
}

/// What a reader produced: the file's sections in order of first appearance.
struct RawSection<'a> {
    header: &'a str,
    line: u32,
    section: Section,
}

/// Shared per-file context: the file's name for locations, and collected warnings.
struct Cx {
    file: Arc<Path>,
    warnings: Vec<Warning>,
    /// The file's text, shared by the values that are slices of it, and the address of the
    /// borrowed text those slices come from (to turn a slice into an offset).
    shared: Option<(Arc<str>, usize)>,
}

impl Cx {
    fn new(file: Arc<Path>) -> Cx {
        Cx {
            file,
            warnings: Vec::new(),
            shared: None,
        }
    }

    /// `slice` as a [`Text`]: held in place when short, else a range of the shared text when
    /// it is part of it.
    fn text(&self, slice: &str) -> Text {
        if let Some(text) = Text::inline(slice) {
            return text;
        }
        if let Some((source, base)) = &self.shared {
            let start = (slice.as_ptr() as usize).wrapping_sub(*base);
            let end = start.wrapping_add(slice.len());
            if end <= source.len() && start <= end {
                if let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end)) {
                    return Text::Shared {
                        source: source.clone(),
                        start,
                        end,
                    };
                }
            }
        }
        Text::Owned(slice.to_owned())
    }

    /// `name` as a key: the lower-cased copy Python's `str.lower()` makes.
    fn key(&self, name: &str) -> Text {
        if name.is_ascii() {
            if let Some(key) = Text::inline_ascii_lowercase(name) {
                return key;
            }
            if !name.bytes().any(|b| b.is_ascii_uppercase()) {
                return self.text(name);
            }
        }
        let lower = py_lower(name);
        Text::inline(&lower).unwrap_or(Text::Owned(lower))
    }

    fn location(&self, line: u32) -> Location {
        Location {
            file: self.file.clone(),
            line,
        }
    }

    fn warn(&mut self, line: u32, message: impl Into<String>) {
        self.warnings.push(Warning {
            location: self.location(line),
            message: message.into(),
        });
    }
}

fn read_file(set: &mut ProfileSet, path: &Path, text: &str, kind: Kind) -> FileSections {
    let mut cx = Cx::new(Arc::from(path));
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            let warning = Warning {
                location: cx.location(1),
                message: "the AWS CLI refuses this file (it starts with a UTF-8 byte-order mark); \
                          the mark is ignored"
                    .to_owned(),
            };
            set.cli_refusals.push(warning.clone());
            cx.warnings.push(warning);
            rest
        }
        None => text,
    };
    let mut cli_cx = Cx::new(cx.file.clone());
    // One copy of the whole text, so that long values can be slices of it.
    cli_cx.shared = Some((Arc::from(text), text.as_ptr() as usize));
    let refusal = match cli::read(text, kind, &mut cli_cx) {
        Ok(sections) => {
            set.warnings.append(&mut cx.warnings);
            set.warnings.append(&mut cli_cx.warnings);
            return sections;
        }
        Err(problem) => problem,
    };
    let mut errors = Vec::new();
    let raw = sdk::read(text, &mut cx, &mut errors);
    if errors.is_empty() {
        let warning = Warning {
            location: cx.location(refusal.line),
            message: format!(
                "the AWS CLI refuses this file ({}); it is read the way the AWS SDKs read it",
                refusal.message
            ),
        };
        set.cli_refusals.push(warning.clone());
        cx.warnings.push(warning);
    }
    let sections = sdk::name(raw, kind, &mut cx);
    set.warnings.append(&mut cx.warnings);
    set.errors.extend(errors.into_iter().map(|p| Warning {
        location: Location {
            file: cx.file.clone(),
            line: p.line,
        },
        message: p.message,
    }));
    sections
}

// ---------------------------------------------------------------------------------------------
// Lines and whitespace.

/// The length of a line's text: the bytes before the first `\n` or `\r`. Eight bytes at a
/// time (the classic zero-byte test on a word XORed with the terminator), which is several
/// times cheaper than a byte loop on typical lines.
fn line_text_len(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        // The lowest flagged byte is exact; only bytes above a true match can be flagged
        // falsely, and the scan stops at the lowest.
        let found = zero_bytes(word ^ (ONES * u64::from(b'\n')))
            | zero_bytes(word ^ (ONES * u64::from(b'\r')));
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + chunks
        .remainder()
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(chunks.remainder().len())
}

/// A line's text, as a nom parser.
fn line_text(input: &[u8]) -> IResult<&[u8], &[u8]> {
    let len = line_text_len(input);
    Ok((&input[len..], &input[..len]))
}

/// One line and its terminator (`\r\n`, `\n` or `\r`: Python reads files with universal
/// newlines, so a lone carriage return ends a line too). The grammar runs over bytes; both
/// terminators are ASCII, so the cuts fall on char boundaries.
fn line(input: &[u8]) -> IResult<&[u8], &[u8]> {
    terminated(
        line_text,
        opt(alt((tag(&b"\r\n"[..]), tag(&b"\n"[..]), tag(&b"\r"[..])))),
    )
    .parse(input)
}

/// Every line with its 1-based number.
fn lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    let mut rest = text;
    let mut number: u32 = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (after, current) = line(rest.as_bytes()).ok()?;
        let current = rest.get(..current.len())?;
        rest = rest.get(rest.len() - after.len()..)?;
        number = number.saturating_add(1);
        Some((number, current))
    })
}

/// `key <delimiter> value`, split at the first delimiter: the key may be empty, the value is
/// the rest of the line. Over bytes, as the delimiters are ASCII.
fn property_line(
    input: &[u8],
    is_delimiter: impl Fn(u8) -> bool,
) -> IResult<&[u8], KeyAndDelimiter<'_>> {
    (take_till(is_delimiter), take(1usize)).parse(input)
}

/// The key (possibly empty) and the delimiter that ends it.
type KeyAndDelimiter<'a> = (&'a [u8], &'a [u8]);

/// [`property_line`] on a `&str`: the key and the value, untrimmed.
fn split_property(line: &str, is_delimiter: impl Fn(u8) -> bool) -> Option<(&str, &str)> {
    let (_, (key, _)) = property_line(line.as_bytes(), is_delimiter).ok()?;
    // The delimiter is one ASCII byte, so both cuts are char boundaries.
    Some((line.get(..key.len())?, line.get(key.len() + 1..)?))
}

/// Python's `str.isspace()`: Unicode white space plus the four ASCII separators `\x1c`-`\x1f`.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// The ASCII bytes Python counts as white space (`\t\n\x0b\x0c\r`, `\x1c`-`\x1f`, space).
fn py_space_byte(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | 0x1c..=0x1f | b' ')
}

fn py_lstrip(s: &str) -> &str {
    // Bytes first: the common case never decodes a character.
    let start = s.bytes().position(|b| !py_space_byte(b)).unwrap_or(s.len());
    let rest = &s[start..];
    if rest.as_bytes().first().is_some_and(|b| !b.is_ascii()) {
        rest.trim_start_matches(py_space)
    } else {
        rest
    }
}

fn py_rstrip(s: &str) -> &str {
    let end = s
        .bytes()
        .rposition(|b| !py_space_byte(b))
        .map_or(0, |i| i + 1);
    let kept = &s[..end];
    if kept.as_bytes().last().is_some_and(|b| !b.is_ascii()) {
        kept.trim_end_matches(py_space)
    } else {
        kept
    }
}

fn py_strip(s: &str) -> &str {
    py_rstrip(py_lstrip(s))
}

/// Python's `str.lower()` for option names, without allocating twice for ASCII.
fn py_lower(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// The boundaries of Python's `str.splitlines()`, which botocore uses on sub-property blocks.
fn py_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// The space and tab the SDK grammar treats as white space.
const SDK_SPACE: [char; 2] = [' ', '\t'];

/// A property being read: continuation lines still append to it.
struct Pending<'a> {
    key: Text,
    key_as_written: &'a str,
    value: Cow<'a, str>,
    line: u32,
    /// The value was empty on the key's line, so indented lines below are sub-properties.
    nested: bool,
    /// Blank lines seen since the last text, which the CLI keeps inside a value.
    blanks: u32,
}

mod cli;
mod sdk;

#[cfg(test)]
mod tests;

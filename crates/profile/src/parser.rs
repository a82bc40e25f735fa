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

pub(crate) fn build(
    config: Option<(&Path, &str)>,
    credentials: Option<(&Path, &str)>,
) -> ProfileSet {
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

// ---------------------------------------------------------------------------------------------

/// The AWS CLI's reader: Python's `RawConfigParser` (strict, `=` and `:` delimiters, full-line
/// comments only, indentation-based continuation, a `[DEFAULT]` section inherited by every
/// other) followed by botocore's naming of sections, each section named and placed as soon as
/// its last line is read (the warnings come out in file order all the same, and are dropped
/// with the rest when the CLI refuses the file).
mod cli {
    use super::*;

    /// Where the property lines being read go.
    enum Target<'a> {
        /// Nowhere yet: no header has been read.
        Nothing,
        /// `[DEFAULT]`, inherited by every other section.
        Defaults,
        /// A section, named once its last line is read.
        Section {
            header: &'a str,
            line: u32,
            section: Section,
        },
    }

    /// `\[(?P<header>.+)\]` matched at the start of a stripped line: the header runs to the
    /// last `]` and cannot be empty.
    fn section_header(stripped: &str) -> Option<&str> {
        let inner = stripped.strip_prefix('[')?;
        let end = inner.rfind(']')?;
        (end > 0).then(|| &inner[..end])
    }

    /// How many lines start with `[`: about the number of sections, counted in one quick pass
    /// (64 bytes at a time with byte-wide counters, which the compiler turns into vector code).
    /// Capped, so that a file of brackets cannot reserve more than a big real file needs.
    pub(super) fn header_lines(text: &str) -> usize {
        const MAX: usize = 1 << 14;
        const CHUNK: usize = 64;
        let bytes = text.as_bytes();
        let mut count = usize::from(bytes.first() == Some(&b'['));
        let Some(next) = bytes.get(1..) else {
            return count;
        };
        let pairs = |a: &[u8], b: &[u8]| {
            a.iter()
                .zip(b)
                .map(|(&a, &b)| u8::from(a == b'\n') & u8::from(b == b'['))
                .fold(0u8, u8::wrapping_add)
        };
        let chunks = next.len() / CHUNK;
        for (a, b) in bytes.chunks_exact(CHUNK).zip(next.chunks_exact(CHUNK)) {
            count += usize::from(pairs(a, b));
        }
        let rest = chunks * CHUNK;
        count += usize::from(pairs(
            bytes.get(rest..).unwrap_or_default(),
            next.get(rest..).unwrap_or_default(),
        ));
        count.min(MAX)
    }

    fn indent(line: &str) -> usize {
        line.chars().take_while(|c| py_space(*c)).count()
    }

    pub(super) fn read(text: &str, kind: Kind, cx: &mut Cx) -> Result<FileSections, Problem> {
        let mut out = FileSections::default();
        // Nearly every section of a config file is a profile: size both maps once rather than
        // rehash them through every doubling.
        let sections = header_lines(text);
        out.profiles.reserve(sections);
        let mut by_header: HashMap<&str, u32, BuildHasherDefault<NameHasher>> =
            HashMap::with_capacity_and_hasher(sections, Default::default());
        let mut defaults: Option<Section> = None;
        let mut target = Target::Nothing;
        let mut pending: Option<Pending<'_>> = None;
        let mut indent_level = 0usize;

        for (number, line) in lines(text) {
            let stripped = py_strip(line);
            if stripped.is_empty() {
                if let Some(p) = pending.as_mut() {
                    p.blanks = p.blanks.saturating_add(1);
                }
                continue;
            }
            if stripped.starts_with(['#', ';']) {
                continue;
            }
            let indent = indent(line);
            if let Some(p) = pending.as_mut() {
                if indent > indent_level {
                    if p.nested {
                        // The CLI turns the block into key/value pairs, so blank lines in it
                        // never show; the SDK grammar drops them from the text too.
                        p.value.to_mut().push('\n');
                    } else {
                        for _ in 0..=p.blanks {
                            p.value.to_mut().push('\n');
                        }
                    }
                    p.blanks = 0;
                    p.value.to_mut().push_str(stripped);
                    continue;
                }
            }
            indent_level = indent;
            if let Some(header) = section_header(stripped) {
                flush(&mut pending, &mut target, &mut defaults, cx)?;
                place(
                    std::mem::replace(&mut target, Target::Nothing),
                    kind,
                    &mut out,
                    cx,
                );
                if header == "DEFAULT" {
                    defaults.get_or_insert_with(|| Section::new(Text::new("DEFAULT")));
                    target = Target::Defaults;
                    continue;
                }
                match by_header.entry(header) {
                    Entry::Occupied(first) => {
                        return Err(Problem::new(
                            number,
                            format!(
                                "section [{header}] is defined twice (first on line {})",
                                first.get()
                            ),
                        ));
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(number);
                    }
                }
                target = Target::Section {
                    header,
                    line: number,
                    section: Section::new(Text::new("")),
                };
                continue;
            }
            if matches!(target, Target::Nothing) {
                return Err(Problem::new(
                    number,
                    "Expected a profile definition before the first property",
                ));
            }
            let Some((name, value)) = split_property(stripped, |b| b == b'=' || b == b':') else {
                return Err(Problem::new(
                    number,
                    "Expected an '=' sign defining a property",
                ));
            };
            let name = py_rstrip(name);
            if name.is_empty() {
                return Err(Problem::new(number, "Property did not have a name"));
            }
            let value = py_strip(value);
            flush(&mut pending, &mut target, &mut defaults, cx)?;
            let key = cx.key(name);
            pending = Some(Pending {
                key,
                key_as_written: name,
                value: Cow::Borrowed(value),
                line: number,
                nested: value.is_empty(),
                blanks: 0,
            });
        }
        flush(&mut pending, &mut target, &mut defaults, cx)?;
        place(target, kind, &mut out, cx);
        if let Some(defaults) = defaults {
            inherit(&defaults, &mut out);
        }
        Ok(out)
    }

    fn flush(
        pending: &mut Option<Pending<'_>>,
        target: &mut Target<'_>,
        defaults: &mut Option<Section>,
        cx: &Cx,
    ) -> Result<(), Problem> {
        let Some(p) = pending.take() else {
            return Ok(());
        };
        let sub_properties = if p.value.starts_with('\n') {
            SubProperties::new(nested(&p)?)
        } else {
            SubProperties::default()
        };
        let target = match target {
            Target::Defaults => defaults.as_mut(),
            Target::Section { section, .. } => Some(section),
            Target::Nothing => None,
        };
        let Some(target) = target else {
            return Ok(());
        };
        match target.properties.entry(p.key) {
            Entry::Occupied(first) => Err(Problem::new(
                p.line,
                format!(
                    "property `{}` is defined twice in one section (first on line {})",
                    first.key().as_str(),
                    first.get().location.line
                ),
            )),
            Entry::Vacant(slot) => {
                let value = match p.value {
                    Cow::Borrowed(slice) => cx.text(slice),
                    Cow::Owned(text) => Text::from_string(text),
                };
                slot.insert(Property {
                    value,
                    location: cx.location(p.line),
                    sub_properties,
                });
                Ok(())
            }
        }
    }

    /// botocore's `_parse_nested`: every non-blank line must hold an `=`; keys keep their case.
    fn nested(p: &Pending<'_>) -> Result<Vec<(Text, Text)>, Problem> {
        let mut out = Vec::new();
        for line in p.value.split(py_line_break) {
            let line = py_strip(line);
            if line.is_empty() {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(Problem::new(
                    p.line,
                    format!(
                        "Expected an '=' sign defining a sub-property of `{}`",
                        p.key_as_written
                    ),
                ));
            };
            out.push((Text::new(py_strip(key)), Text::new(py_strip(value))));
        }
        Ok(out)
    }

    /// `[DEFAULT]`'s keys, copied into every kept section that lacks them.
    fn inherit(defaults: &Section, out: &mut FileSections) {
        let sections = (out.profiles.values_mut())
            .chain(out.sso_sessions.values_mut())
            .chain(out.services.values_mut());
        for section in sections {
            for (key, property) in &defaults.properties {
                if !section.properties.contains_key(key) {
                    section.properties.insert(key.clone(), property.clone());
                }
            }
        }
    }

    /// Sections botocore reads outside `profiles`, `sso_sessions` and `services`.
    const KNOWN_TOP_LEVEL: [&str; 2] = ["plugins", "preview"];

    /// Names a finished section as botocore does and keeps it in its map, or drops it.
    fn place(target: Target<'_>, kind: Kind, out: &mut FileSections, cx: &mut Cx) {
        let Target::Section {
            header,
            line,
            mut section,
        } = target
        else {
            return;
        };
        if kind == Kind::Credentials {
            // botocore takes every credentials-file section name as it is.
            if header.starts_with("profile ") || header != py_strip(header) {
                cx.warn(
                    line,
                    format!(
                        "credentials-file section [{header}] defines a profile named `{header}` \
                         (credentials-file sections are written [NAME], without `profile `)"
                    ),
                );
            }
            section.name = Text::new(header);
            out.profiles.insert(section.name.clone(), section);
            return;
        }
        let (map, prefix) = if header.starts_with("profile") {
            (&mut out.profiles, "profile")
        } else if header.starts_with("sso-session") {
            (&mut out.sso_sessions, "sso-session")
        } else if header.starts_with("services") {
            (&mut out.services, "services")
        } else if header == "default" {
            section.name = Text::new(header);
            if out.profiles.insert(section.name.clone(), section).is_some() {
                cx.warn(
                    line,
                    "[default] replaces the earlier [profile default], as in the AWS CLI",
                );
            }
            return;
        } else {
            if !KNOWN_TOP_LEVEL.contains(&header) {
                cx.warn(
                    line,
                    format!(
                        "section [{header}] ignored: config-file profiles are written \
                         [profile NAME] (or [default])"
                    ),
                );
            }
            return;
        };
        let [first, name] = match crate::shlex::two_words(header) {
            Ok(Some(words)) => words,
            Ok(None) => {
                cx.warn(
                    line,
                    format!("section [{header}] ignored: expected [{prefix} NAME]"),
                );
                return;
            }
            Err(e) => {
                cx.warn(line, format!("section [{header}] ignored: {}", e.message()));
                return;
            }
        };
        if first != prefix {
            cx.warn(
                line,
                format!("section [{header}] is read as [{prefix} {name}], as the AWS CLI reads it"),
            );
        }
        section.name = match name {
            Cow::Borrowed(name) => Text::new(name),
            Cow::Owned(name) => Text::from_string(name),
        };
        if map.insert(section.name.clone(), section).is_some() {
            cx.warn(
                line,
                format!(
                    "section [{header}] replaces an earlier section of the same name, as in the AWS CLI"
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// The cross-SDK grammar of the conformance suite: space and tab only, full-line comments in
/// column 0, inline comments after white space, any indented line continues the property above,
/// duplicate sections and keys merge (last wins), names limited to `[A-Za-z0-9_\-/.%@:+]`, and
/// `[profile default]` hides `[default]`. Problems are collected and the offending line skipped.
mod sdk {
    use super::*;

    /// Whether a section's lines are being kept, or skipped after a broken header.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Current {
        Nothing,
        Broken,
        Section(usize),
    }

    /// Trims, then cuts a trailing comment. In a property line `#` and `;` start a comment only
    /// after white space (`value#x` keeps its `#`); in a header line they always do.
    fn prepare(line: &str, needs_space_before: bool) -> &str {
        let line = line.trim_matches(SDK_SPACE);
        let mut previous_space = false;
        for (at, c) in line.char_indices() {
            if (c == '#' || c == ';') && (previous_space || !needs_space_before) {
                return line[..at].trim_matches(SDK_SPACE);
            }
            previous_space = c.is_whitespace();
        }
        line
    }

    enum PropertyError {
        NoEquals,
        NoName,
    }

    fn property(line: &str) -> Result<(&str, &str), PropertyError> {
        let line = prepare(line, true);
        let (key, value) = split_property(line, |b| b == b'=').ok_or(PropertyError::NoEquals)?;
        let key = key.trim_matches(SDK_SPACE);
        if key.is_empty() {
            return Err(PropertyError::NoName);
        }
        Ok((key, value.trim_matches(SDK_SPACE)))
    }

    fn property_problem(e: PropertyError, what: &str, line: u32) -> Problem {
        match e {
            PropertyError::NoEquals => {
                Problem::new(line, format!("Expected an '=' sign defining a {what}"))
            }
            PropertyError::NoName => {
                let mut what = what.to_owned();
                what[..1].make_ascii_uppercase();
                Problem::new(line, format!("{what} did not have a name"))
            }
        }
    }

    pub(super) fn read<'a>(
        text: &'a str,
        cx: &mut Cx,
        errors: &mut Vec<Problem>,
    ) -> Vec<RawSection<'a>> {
        let mut sections: Vec<RawSection<'a>> = Vec::new();
        let mut by_header: HashMap<&'a str, usize, BuildHasherDefault<NameHasher>> =
            HashMap::default();
        let mut current = Current::Nothing;
        let mut pending: Option<Pending<'a>> = None;
        // After a rejected property line, its continuation lines go with it.
        let mut orphaned = false;

        for (number, line) in lines(text) {
            if line.trim_matches(SDK_SPACE).is_empty() || line.starts_with(['#', ';']) {
                continue;
            }
            if line.starts_with('[') {
                flush(&mut pending, current, &mut sections, cx);
                orphaned = false;
                let prepared = prepare(line, false);
                let Some(header) = prepared.strip_prefix('[').and_then(|h| h.strip_suffix(']'))
                else {
                    errors.push(Problem::new(number, "Profile definition must end with ']'"));
                    current = Current::Broken;
                    continue;
                };
                let index = *by_header.entry(header).or_insert_with(|| {
                    sections.push(RawSection {
                        header,
                        line: number,
                        section: Section::new(Text::new("")),
                    });
                    sections.len() - 1
                });
                current = Current::Section(index);
            } else if line.starts_with(SDK_SPACE) {
                let p = match (current, pending.as_mut()) {
                    (Current::Nothing, _) => {
                        errors.push(Problem::new(number, "Expected a profile definition"));
                        continue;
                    }
                    (Current::Broken, _) => continue,
                    (Current::Section(_), None) => {
                        if !orphaned {
                            errors.push(Problem::new(
                                number,
                                "Expected a property definition, found continuation",
                            ));
                        }
                        continue;
                    }
                    (Current::Section(_), Some(p)) => p,
                };
                let trimmed = line.trim_matches(SDK_SPACE);
                if p.nested {
                    if let Err(e) = property(trimmed) {
                        errors.push(property_problem(e, "sub-property", number));
                        continue;
                    }
                }
                p.value.to_mut().push('\n');
                p.value.to_mut().push_str(trimmed);
            } else {
                flush(&mut pending, current, &mut sections, cx);
                match current {
                    Current::Nothing => {
                        errors.push(Problem::new(number, "Expected a profile definition"));
                        orphaned = true;
                    }
                    Current::Broken => orphaned = true,
                    Current::Section(_) => match property(line) {
                        Ok((key, value)) => {
                            orphaned = false;
                            pending = Some(Pending {
                                key: Text::inline_ascii_lowercase(key)
                                    .unwrap_or_else(|| Text::Owned(key.to_ascii_lowercase())),
                                key_as_written: key,
                                value: Cow::Owned(value.to_owned()),
                                line: number,
                                nested: value.is_empty(),
                                blanks: 0,
                            });
                        }
                        Err(e) => {
                            errors.push(property_problem(e, "property", number));
                            orphaned = true;
                        }
                    },
                }
            }
        }
        flush(&mut pending, current, &mut sections, cx);
        sections
    }

    fn flush<'a>(
        pending: &mut Option<Pending<'a>>,
        current: Current,
        sections: &mut [RawSection<'a>],
        cx: &Cx,
    ) {
        let Some(p) = pending.take() else { return };
        let Current::Section(i) = current else { return };
        let sub_properties = if p.nested {
            SubProperties::new(
                p.value
                    .split('\n')
                    .filter_map(|line| line.split_once('='))
                    .map(|(k, v)| {
                        (
                            Text::new(k.trim_matches(SDK_SPACE)),
                            Text::new(v.trim_matches(SDK_SPACE)),
                        )
                    })
                    .collect(),
            )
        } else {
            SubProperties::default()
        };
        sections[i].section.properties.insert(
            p.key,
            Property {
                value: Text::from_string(p.value.into_owned()),
                location: cx.location(p.line),
                sub_properties,
            },
        );
    }

    /// `[A-Za-z0-9_\-/.%@:+]+`
    fn valid_identifier(name: &str) -> bool {
        !name.is_empty()
            && name.bytes().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(b, b'_' | b'-' | b'/' | b'.' | b'%' | b'@' | b':' | b'+')
            })
    }

    /// `[prefix suffix]` or `[suffix]`.
    fn split_header(header: &str) -> (Option<&str>, &str) {
        let header = header.trim_matches(SDK_SPACE);
        match header.split_once(SDK_SPACE) {
            Some((prefix, suffix)) => (Some(prefix.trim()), suffix.trim()),
            None => (None, header.trim()),
        }
    }

    pub(super) fn name(raw: Vec<RawSection<'_>>, kind: Kind, cx: &mut Cx) -> FileSections {
        let mut out = FileSections::default();
        let prefixed_default = kind == Kind::Config
            && raw
                .iter()
                .any(|s| split_header(s.header) == (Some("profile"), "default"));
        for RawSection {
            header,
            line,
            section,
        } in raw
        {
            let (prefix, name) = split_header(header);
            let map = match (kind, prefix) {
                (Kind::Config, Some(_)) if !valid_identifier(name) => {
                    cx.warn(
                        line,
                        format!("section [{header}] ignored: `{name}` is not a valid name"),
                    );
                    continue;
                }
                (Kind::Config, Some("profile")) => &mut out.profiles,
                (Kind::Config, Some("sso-session")) => &mut out.sso_sessions,
                (Kind::Config, Some("services")) => &mut out.services,
                (Kind::Config, Some(_)) => {
                    cx.warn(
                        line,
                        format!("section [{header}] ignored: unknown section type"),
                    );
                    continue;
                }
                (Kind::Config, None) if name == "default" => {
                    if prefixed_default {
                        cx.warn(
                            line,
                            "[default] ignored because [profile default] takes priority",
                        );
                        continue;
                    }
                    &mut out.profiles
                }
                (Kind::Config, None) => {
                    cx.warn(
                        line,
                        format!("section [{header}] ignored: config-file profiles are written [profile NAME]"),
                    );
                    continue;
                }
                (Kind::Credentials, Some(_)) => {
                    cx.warn(
                        line,
                        format!("section [{header}] ignored: credentials-file sections are written [NAME]"),
                    );
                    continue;
                }
                (Kind::Credentials, None) if !valid_identifier(name) => {
                    cx.warn(
                        line,
                        format!("section [{header}] ignored: `{name}` is not a valid name"),
                    );
                    continue;
                }
                (Kind::Credentials, None) => &mut out.profiles,
            };
            let target = map
                .entry(Text::new(name))
                .or_insert_with(|| Section::new(Text::new(name)));
            for (key, property) in section.properties {
                if valid_identifier(&key) {
                    target.properties.insert(key, property);
                } else {
                    let line = property.location.line;
                    cx.warn(
                        line,
                        format!("property `{}` ignored: not a valid name", key.as_str()),
                    );
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_counts_lines_opening_with_a_bracket() {
        let naive = |text: &str| text.lines().filter(|l| l.starts_with('[')).count();
        for text in ["", "[", "a", "[a]", "\n[", "x = [\n[a]\n  [b]\n[c]"] {
            assert_eq!(cli::header_lines(text), naive(text), "{text:?}");
        }
        // Headers on both sides of every 64-byte boundary the count works in.
        let mut text = String::new();
        for i in 0..300 {
            text.push_str(&"x".repeat(i % 67));
            text.push_str("\n[p]");
        }
        assert_eq!(cli::header_lines(&text), naive(&text));
    }

    #[test]
    fn keys_and_values_read_the_same_at_every_length() {
        for len in [1, 2, 7, 8, 15, 16, 17, 29, 30, 31, 32, 64] {
            let key = "Ab_".repeat(len).chars().take(len).collect::<String>();
            let value = "v-é".repeat(len).chars().take(len).collect::<String>();
            let text = format!(
                "[default]\n{key} = {value}\nlong{key} =   {value}\n  {value}\n\n[profile {key}]\nk = {value}\n"
            );
            let set = ProfileSet::parse(Some((Path::new("config"), &text)), None);
            assert!(
                set.warnings().is_empty() && set.errors().is_empty(),
                "{len}"
            );
            let default = set.profile("default").unwrap();
            assert_eq!(default.get(&key.to_lowercase()), Some(value.as_str()));
            assert_eq!(default.get(&key), Some(value.as_str()));
            let long = default.property(&format!("LONG{key}")).unwrap();
            assert_eq!(long.value(), format!("{value}\n{value}"));
            assert_eq!(long.location().line, 3);
            assert_eq!(set.profile(&key).unwrap().name(), key);
            assert_eq!(set.profile(&key).unwrap().get("k"), Some(value.as_str()));
        }
    }

    #[test]
    fn sections_of_any_size_keep_every_key() {
        for count in [7, 8, 50] {
            let mut text = String::from("[DEFAULT]\nshared = d\n[profile p]\n");
            for i in 0..count {
                text.push_str(&format!("Key_{i} = {i}\n"));
            }
            let set = ProfileSet::parse(Some((Path::new("config"), &text)), None);
            assert!(set.cli_refusals().is_empty(), "{count}");
            let p = set.profile("p").unwrap();
            assert_eq!(p.properties().count(), count + 1);
            assert_eq!(p.get("shared"), Some("d"));
            for i in 0..count {
                assert_eq!(p.get(&format!("KEY_{i}")), Some(i.to_string().as_str()));
            }
            // A key written twice: the CLI refuses the file, the SDK grammar keeps the last.
            text.push_str("key_3 = again\n");
            let set = ProfileSet::parse(Some((Path::new("config"), &text)), None);
            assert_eq!(set.cli_refusals().len(), 1, "{count}");
            assert!(
                set.cli_refusals()[0]
                    .message
                    .contains("property `key_3` is defined twice")
            );
            let p = set.profile("p").unwrap();
            assert_eq!(p.get("key_3"), Some("again"));
            assert_eq!(p.properties().count(), count);
        }
    }

    #[test]
    fn non_ascii_keys_are_lowered_as_python_lowers_them() {
        let text = "[default]\nRÉGION = x\nÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀ = y\n";
        let set = ProfileSet::parse(Some((Path::new("config"), text)), None);
        let default = set.profile("default").unwrap();
        assert_eq!(default.get("région"), Some("x"));
        assert_eq!(default.get(&"à".repeat(20)), Some("y"));
    }

    #[test]
    fn defaults_reach_sections_before_and_after_them() {
        let text =
            "[profile a]\nx = 1\n[DEFAULT]\nregion = r\nx = 0\n[profile b]\n[sso-session s]\n";
        let set = ProfileSet::parse(Some((Path::new("config"), text)), None);
        assert_eq!(set.profile("a").unwrap().get("x"), Some("1"));
        assert_eq!(set.profile("a").unwrap().get("region"), Some("r"));
        assert_eq!(set.profile("b").unwrap().get("x"), Some("0"));
        assert_eq!(set.sso_session("s").unwrap().get("region"), Some("r"));
        assert_eq!(set.profile_names(), ["a", "b"]);
    }
}

//! The AWS CLI's reader: Python's `RawConfigParser` (strict, `=` and `:` delimiters, full-line
//! comments only, indentation-based continuation, a `[DEFAULT]` section inherited by every
//! other) followed by botocore's naming of sections, each section named and placed as soon as
//! its last line is read (the warnings come out in file order all the same, and are dropped
//! with the rest when the CLI refuses the file).

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

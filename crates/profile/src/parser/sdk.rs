//! The cross-SDK grammar of the conformance suite: space and tab only, full-line comments in
//! column 0, inline comments after white space, any indented line continues the property above,
//! duplicate sections and keys merge (last wins), names limited to `[A-Za-z0-9_\-/.%@:+]`, and
//! `[profile default]` hides `[default]`. Problems are collected and the offending line skipped.

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
    let mut by_header: HashMap<&'a str, usize, BuildHasherDefault<NameHasher>> = HashMap::default();
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
            let Some(header) = prepared.strip_prefix('[').and_then(|h| h.strip_suffix(']')) else {
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
                    format!(
                        "section [{header}] ignored: credentials-file sections are written [NAME]"
                    ),
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

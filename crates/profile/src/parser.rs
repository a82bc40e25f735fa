//! Line-oriented parsing of both files.
// Interim line parser; the nom grammar and the conformance suite replace it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::set::{Location, ProfileSet, Property, Section, Warning};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Config,
    Credentials,
}

pub(crate) fn build(config: Option<(&Path, &str)>, credentials: Option<(&Path, &str)>) -> ProfileSet {
    let mut set = ProfileSet {
        config_file: config.map(|(p, _)| p.to_path_buf()),
        credentials_file: credentials.map(|(p, _)| p.to_path_buf()),
        ..ProfileSet::default()
    };
    if let Some((path, text)) = config {
        parse_file(&mut set, path, text, Kind::Config);
    }
    if let Some((path, text)) = credentials {
        parse_file(&mut set, path, text, Kind::Credentials);
    }
    set
}

fn parse_file(set: &mut ProfileSet, path: &Path, text: &str, kind: Kind) {
    let file: Arc<Path> = Arc::from(path);
    let mut current: Option<(u8, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let location = Location { file: file.clone(), line: index as u32 + 1 };
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[') {
            let Some(inner) = header.split(']').next() else { continue };
            let inner = inner.trim();
            current = match (kind, inner.split_once(char::is_whitespace)) {
                (Kind::Config, Some(("profile", name))) => Some((0, name.trim().to_owned())),
                (Kind::Config, Some(("sso-session", name))) => Some((1, name.trim().to_owned())),
                (Kind::Config, Some(("services", name))) => Some((2, name.trim().to_owned())),
                (_, None) if kind == Kind::Credentials || inner == "default" => {
                    Some((0, inner.to_owned()))
                }
                _ => {
                    set.warnings.push(Warning { location, message: format!("ignoring section [{inner}]") });
                    None
                }
            };
            if let Some((k, name)) = &current {
                let map = match k { 0 => &mut set.profiles, 1 => &mut set.sso_sessions, _ => &mut set.services };
                map.entry(name.clone()).or_insert_with(|| Section { name: name.clone(), properties: HashMap::new() });
            }
            continue;
        }
        let Some((k, name)) = &current else { continue };
        let Some((key, value)) = trimmed.split_once('=') else { continue };
        let map = match k { 0 => &mut set.profiles, 1 => &mut set.sso_sessions, _ => &mut set.services };
        let section = map.get_mut(name).expect("section inserted at its header");
        section.properties.insert(
            key.trim().to_ascii_lowercase(),
            Property { value: value.trim().to_owned(), location, sub_properties: Vec::new() },
        );
    }
}

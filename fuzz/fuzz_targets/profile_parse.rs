//! Feeds arbitrary bytes to `ProfileSet::parse`: the bytes up to the first NUL are the config
//! file, the rest the credentials file (both decoded lossily, as a caller that already checked
//! UTF-8 would never see invalid text). Invariants: no panic, and every location points at a
//! line that exists in the file it names.
#![no_main]

use std::path::Path;

use awscred_profile::{Location, ProfileSet};
use libfuzzer_sys::fuzz_target;

/// Lines as Python's text mode counts them: `\r\n`, `\r` and `\n` each end one.
fn line_count(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut lines = 1u32;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                lines += 1;
                i += 1;
            }
            b'\r' | b'\n' => lines += 1,
            _ => {}
        }
        i += 1;
    }
    lines
}

fuzz_target!(|data: &[u8]| {
    let (config, credentials) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let config = String::from_utf8_lossy(config);
    let credentials = credentials.map(String::from_utf8_lossy);
    let config_path = Path::new("/fuzz/config");
    let credentials_path = Path::new("/fuzz/credentials");
    let set = ProfileSet::parse(
        Some((config_path, &config)),
        credentials.as_deref().map(|c| (credentials_path, c)),
    );
    let check = |location: &Location| {
        let lines = if &*location.file == config_path {
            line_count(&config)
        } else if &*location.file == credentials_path {
            line_count(credentials.as_deref().unwrap_or(""))
        } else {
            panic!("location in an unknown file: {location}");
        };
        assert!(
            location.line >= 1 && location.line <= lines,
            "{location} is outside the file's {lines} lines"
        );
    };
    for name in set.profile_names() {
        let section = set.profile(name).expect("a listed profile exists");
        for (_, property) in section.properties() {
            check(property.location());
        }
    }
    for name in set.sso_session_names() {
        let section = set.sso_session(name).expect("a listed sso-session exists");
        for (_, property) in section.properties() {
            check(property.location());
        }
    }
    for name in set.services_names() {
        let section = set
            .services(name)
            .expect("a listed services section exists");
        for (_, property) in section.properties() {
            check(property.location());
        }
    }
    for problem in set.warnings().iter().chain(set.errors()) {
        check(&problem.location);
        // Rendering must not panic either.
        let _ = problem.to_string();
    }
    // The strict entry point fails exactly when the lenient one recorded errors.
    let strict = ProfileSet::try_parse(
        Some((config_path, &config)),
        credentials.as_deref().map(|c| (credentials_path, c)),
    );
    assert_eq!(strict.is_err(), !set.errors().is_empty());
});

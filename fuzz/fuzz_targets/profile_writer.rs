//! Feeds arbitrary files and edits to `awscred_profile::writer`. The first byte picks the edit
//! (set, nested set, remove a key, remove keys, remove a section), the bytes up to the next NUL
//! name the section, key and value (split at `\x01`), the rest is the file. Invariants: no
//! panic; an edit never loses a line it does not own (removals only drop whole lines, updates
//! never lose a line); a file without `\r` gets none; a refused file is left as it was.
#![no_main]

use std::path::Path;

use awscred_core::fs::{Fs, MemFs, ReadLimit};
use awscred_profile::writer::{self, SectionUpdate};
use libfuzzer_sys::fuzz_target;

/// Lines with their terminators, as Python's universal newlines cut them.
fn lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let (mut out, mut start, mut i) = (Vec::new(), 0, 0);
    while i < bytes.len() {
        if bytes[i] == b'\n' || bytes[i] == b'\r' {
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            out.push(&text[start..=i]);
            start = i + 1;
        }
        i += 1;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Whether every line of `small` appears in `big`, in order.
fn is_subsequence(small: &[&str], big: &[&str]) -> bool {
    let mut big = big.iter();
    small.iter().all(|line| big.any(|b| b == line))
}

fuzz_target!(|data: &[u8]| {
    let Some((&op, rest)) = data.split_first() else {
        return;
    };
    let (spec, file) = match rest.iter().position(|b| *b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let spec = String::from_utf8_lossy(spec);
    let mut parts = spec.split('\x01');
    let section = parts.next().unwrap_or("default").to_owned();
    let key = parts.next().unwrap_or("region").to_owned();
    let value = parts.next().unwrap_or("x").to_owned();
    let text = String::from_utf8_lossy(file).into_owned();
    let path = Path::new("/fuzz/config");
    let fs = MemFs::default().with_file(path, text.clone());
    let result = match op % 5 {
        0 => writer::update_config(&fs, path, &SectionUpdate::new(&section).set(&key, &value)),
        1 => writer::update_config(
            &fs,
            path,
            &SectionUpdate::new(&section).set_nested(&key, &value, &value),
        ),
        2 => writer::update_config(&fs, path, &SectionUpdate::new(&section).remove(&key)),
        3 => writer::remove_keys(&fs, path, &section, &[&key]).map(|_| ()),
        _ => writer::remove_section(&fs, path, &section).map(|_| ()),
    };
    let after = String::from_utf8(fs.read(path, ReadLimit::CONFIG).unwrap()).unwrap();
    if result.is_err() {
        assert_eq!(after, text, "a refused edit changed the file");
        return;
    }
    if !text.contains('\r') && !section.contains('\r') && !key.contains('\r') && !value.contains('\r') {
        assert!(!after.contains('\r'), "a \\r appeared");
    }
    let (before_lines, after_lines) = (lines(&text), lines(&after));
    match op % 5 {
        3 | 4 => assert!(is_subsequence(&after_lines, &before_lines), "a removal changed a line"),
        // A missing section is appended ("[NAME]" and up to two CRLF), as the CLI does.
        2 => assert!(after.len() <= text.len() + section.len() + 6, "a removal added lines"),
        _ => assert!(after_lines.len() >= before_lines.len(), "an update lost a line"),
    }
});

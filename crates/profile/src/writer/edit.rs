//! The AWS CLI v2's `ConfigFileWriter` (`awscli/customizations/configure/writer.py`) on a list
//! of lines, step for step, so that the lines it writes, and where, are the CLI's.
//!
//! Lines keep their own terminators (`\n`, `\r\n` or a lone `\r`, Python's universal newlines):
//! the CLI rewrites every terminator as `\n`, awscred leaves them as they were and writes new
//! lines with the file's own (`docs/conformance.md`). Where the CLI's steps would fail
//! (`UnboundLocalError`) or glue a new line onto one without a terminator, the new lines go
//! where the CLI's evident intent puts them, each on a line of its own.

use super::Value;

/// Python's `str.isspace` (what `\s` and `strip()` use on `str`).
pub(super) fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// The file's lines, each with its terminator, as Python's `readlines()` cuts them.
pub(super) fn split_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(text[start..=i].to_owned());
                start = i + 1;
            }
            b'\r' => {
                let end = if bytes.get(i + 1) == Some(&b'\n') {
                    i + 1
                } else {
                    i
                };
                lines.push(text[start..=end].to_owned());
                i = end;
                start = end + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < text.len() {
        lines.push(text[start..].to_owned());
    }
    lines
}

/// The terminator new lines get: the file's first one when it is `\r\n`, else `\n`.
pub(super) fn newline_of(text: &str) -> &'static str {
    match text.find(['\n', '\r']) {
        Some(i) if text[i..].starts_with("\r\n") => "\r\n",
        _ => "\n",
    }
}

fn has_terminator(line: &str) -> bool {
    line.ends_with(['\n', '\r'])
}

/// `SECTION_REGEX.search(line).group(0)`: `^\s*\[[^]]+\]`.
pub(super) fn header_match(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches(py_space);
    let inner = rest.strip_prefix('[')?;
    let close = inner.find(']').filter(|&p| p > 0)?;
    let end = line.len() - rest.len() + 1 + close + 1;
    Some(&line[..end])
}

/// `OPTION_REGEX.search(line).group(1)`: the text before the first `=` or `:`, once any `=`
/// or `:` the line starts with is skipped.
pub(super) fn option_match(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches([':', '=']);
    let end = rest.find([':', '='])?;
    Some(&rest[..end])
}

/// The key an option line defines (`key_name`), if it is one.
pub(super) fn option_key(line: &str) -> Option<&str> {
    option_match(line).map(py_strip)
}

fn indent_of(option: &str) -> usize {
    option.chars().count() - option.trim_start_matches(py_space).chars().count()
}

pub(super) fn is_comment(line: &str) -> bool {
    py_strip(line).starts_with(['#', ';'])
}

/// `_matches_section`: `[name]`, or `[first "rest"]` for a name with a space.
fn matches_section(header: &str, section: &str) -> bool {
    if header.strip_prefix('[').and_then(|h| h.strip_suffix(']')) == Some(section) {
        return true;
    }
    match section.split_once(' ') {
        Some((first, rest)) => header == format!("[{first} \"{rest}\"]"),
        None => false,
    }
}

/// `_find_section_start`, from line `from` on.
pub(super) fn find_section(lines: &[String], section: &str, from: usize) -> Option<usize> {
    (from..lines.len()).find(|&i| {
        let line = &lines[i];
        !is_comment(line) && header_match(line).is_some_and(|h| matches_section(h, section))
    })
}

/// `_insert_new_values`: the values as lines, inserted as one element after `line_number`.
fn insert_new_values(
    lines: &mut Vec<String>,
    line_number: usize,
    values: &mut Vec<(String, Value)>,
    indent: &str,
    nl: &str,
) {
    let chunk = render_values(values, indent, nl);
    values.clear();
    if chunk.is_empty() {
        return;
    }
    let at = (line_number + 1).min(lines.len());
    if let Some(before) = at.checked_sub(1).and_then(|i| lines.get_mut(i)) {
        if !before.is_empty() && !has_terminator(before) {
            before.push_str(nl);
        }
    }
    lines.insert(at, chunk);
}

pub(super) fn render_values(values: &[(String, Value)], indent: &str, nl: &str) -> String {
    let mut out = String::new();
    for (key, value) in values {
        match value {
            Value::Set(v) => out.push_str(&format!("{indent}{key} = {v}{nl}")),
            Value::Nested(subs) => {
                out.push_str(&format!("{indent}{key} ={nl}"));
                for (sub, v) in subs {
                    out.push_str(&format!("{indent}    {sub} = {v}{nl}"));
                }
            }
            Value::Remove => {}
        }
    }
    out
}

/// `_update_section_contents`; `false` when the section is not there (`SectionNotFoundError`).
pub(super) fn update_section(
    lines: &mut Vec<String>,
    section: &str,
    values: &[(String, Value)],
    nl: &str,
) -> bool {
    let Some(start) = find_section(lines, section, 0) else {
        return false;
    };
    let mut values = values.to_vec();
    let mut last_matching = start;
    let mut j = start + 1;
    while j < lines.len() {
        if header_match(&lines[j]).is_some() {
            insert_new_values(lines, last_matching, &mut values, "", nl);
            return true;
        }
        if let Some(option) = option_match(&lines[j]) {
            last_matching = j;
            let indent = indent_of(option);
            let key = py_strip(option).to_owned();
            if let Some(pos) = values.iter().position(|(k, _)| *k == key) {
                match values.remove(pos).1 {
                    Value::Set(v) => lines[j] = format!("{key} = {v}{nl}"),
                    Value::Remove => lines[j].clear(),
                    Value::Nested(subs) => {
                        update_sub_properties(lines, j, subs, indent, nl);
                        return true;
                    }
                }
            }
        }
        j += 1;
    }
    if !values.is_empty() {
        if lines.last().is_some_and(|l| !has_terminator(l)) {
            lines.push(nl.to_owned());
        }
        insert_new_values(lines, last_matching + 1, &mut values, "", nl);
    }
    true
}

/// `_update_subattributes`: the lines after `index` indented deeper than the parent key.
fn update_sub_properties(
    lines: &mut Vec<String>,
    index: usize,
    subs: Vec<(String, String)>,
    starting_indent: usize,
    nl: &str,
) {
    let mut values: Vec<(String, Value)> =
        subs.into_iter().map(|(k, v)| (k, Value::Set(v))).collect();
    let mut current_indent = None;
    for i in index + 1..lines.len() {
        let line = lines[i].clone();
        if let Some(option) = option_match(&line) {
            let indent = indent_of(option);
            current_indent = Some(indent);
            let key = py_strip(option);
            if let Some(pos) = values.iter().position(|(k, _)| k == key) {
                if let Value::Set(v) = values.remove(pos).1 {
                    lines[i] = format!("{}{key} = {v}{nl}", " ".repeat(indent));
                }
            }
        }
        // The CLI fails here (UnboundLocalError) when no option line came first; the block
        // of sub-properties is then empty and the new ones go straight under their parent.
        let block_ends =
            current_indent.is_none_or(|c| c == starting_indent) || header_match(&line).is_some();
        if block_ends {
            insert_new_values(lines, i - 1, &mut values, "    ", nl);
            return;
        }
    }
    // The parent or its last sub-property ends the file (the CLI fails when it is the parent).
    let last = lines.len() - 1;
    insert_new_values(lines, last, &mut values, "    ", nl);
}

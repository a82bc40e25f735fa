//! Removing sections and keys: the CLI's writer has no such call (`sso populate --prune` and
//! `logout` need one), so these follow its way of finding sections and keys and keep every
//! other line byte for byte.

use super::edit::{find_section, header_match, is_comment, option_key, py_space};

/// Removes every section matching `section` (as the CLI's writer matches it): its header and
/// the lines up to the next section, except comment lines directly above the next header
/// (they describe that section). `false` when there is no such section.
pub(super) fn remove_section(lines: &mut Vec<String>, section: &str) -> bool {
    let mut removed = false;
    let mut from = 0;
    while let Some(start) = find_section(lines, section, from) {
        let next = (start + 1..lines.len())
            .find(|&i| header_match(&lines[i]).is_some())
            .unwrap_or(lines.len());
        let mut end = next;
        if next < lines.len() {
            while end > start + 1 && is_comment(&lines[end - 1]) {
                end -= 1;
            }
        }
        lines.drain(start..end);
        removed = true;
        from = start;
    }
    removed
}

/// Removes the lines defining `keys` in the first section matching `section`, with the
/// sub-property or continuation lines indented under them. `false` when nothing was removed.
pub(super) fn remove_keys(lines: &mut Vec<String>, section: &str, keys: &[&str]) -> bool {
    let Some(start) = find_section(lines, section, 0) else {
        return false;
    };
    let mut removed = false;
    let mut i = start + 1;
    while i < lines.len() && header_match(&lines[i]).is_none() {
        let is_target =
            !is_comment(&lines[i]) && option_key(&lines[i]).is_some_and(|key| keys.contains(&key));
        if !is_target {
            i += 1;
            continue;
        }
        let indent = leading_space(&lines[i]);
        let mut end = i + 1;
        while end < lines.len()
            && header_match(&lines[end]).is_none()
            && !lines[end].trim_matches(py_space).is_empty()
            && leading_space(&lines[end]) > indent
        {
            end += 1;
        }
        lines.drain(i..end);
        removed = true;
    }
    removed
}

fn leading_space(line: &str) -> usize {
    line.chars().take_while(|c| py_space(*c)).count()
}

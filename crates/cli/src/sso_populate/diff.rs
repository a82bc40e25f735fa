//! The unified diff `sso populate --dry-run` prints: what `similar`'s
//! `TextDiff::from_lines(before, after).unified_diff().context_radius(3).header(path, path)`
//! renders, built from the crate's lower-level pieces instead.
//!
//! Why not `TextDiff`: it picks its algorithm from a runtime setting, so every algorithm it
//! offers (Myers, Patience, Histogram, Hunt, LCS) and its whitespace-insensitive and integer
//! remapping paths are compiled into the binary, each for several input types: about 140 KiB of
//! the shipped binary for one diff. Calling Myers directly with the same hook stack `TextDiff`
//! uses (`Compact`, `Replace`, `Capture`) gives the same operations and links Myers alone.
//! `TextDiff`'s integer remapping and prefix trimming for inputs over 100 lines are speed-ups
//! that do not change the operations (similar documents them as output-neutral); the tests
//! below compare both renderings on such inputs.

use std::fmt::Write;

use similar::algorithms::{Capture, Compact, Replace, myers};
use similar::udiff::UnifiedHunkHeader;
use similar::{DiffableStr, group_diff_ops};

/// Lines of unchanged context around each change (`TextDiff`'s default, and `diff -u`'s).
const CONTEXT: usize = 3;

/// The unified diff from `before` to `after`, both sides headed `path`; empty when they are
/// equal.
pub(super) fn unified(before: &str, after: &str, path: &str) -> String {
    let old = before.tokenize_lines();
    let new = after.tokenize_lines();
    let mut hook = Compact::new(Replace::new(Capture::new()), &old, &new);
    // Capture never fails: its error type is `Infallible`.
    let Ok(()) = myers::diff(&mut hook, &old, 0..old.len(), &new, 0..new.len());
    let ops = hook.into_inner().into_inner().into_ops();
    let mut out = String::new();
    for hunk in group_diff_ops(ops, CONTEXT) {
        let mut changes = hunk.iter().flat_map(|op| op.iter_changes(&old, &new));
        let Some(first) = changes.next() else {
            continue;
        };
        if out.is_empty() {
            let _ = writeln!(out, "--- {path}\n+++ {path}");
        }
        let _ = writeln!(out, "{}", UnifiedHunkHeader::new(&hunk));
        for change in std::iter::once(first).chain(changes) {
            let _ = write!(out, "{}{}", change.tag(), change.value());
            if change.missing_newline() {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unified;

    /// What the command printed before: `TextDiff`'s own rendering.
    fn text_diff(before: &str, after: &str, path: &str) -> String {
        similar::TextDiff::from_lines(before, after)
            .unified_diff()
            .context_radius(3)
            .header(path, path)
            .to_string()
    }

    fn same(before: &str, after: &str) {
        assert_eq!(
            unified(before, after, "/h/.aws/config"),
            text_diff(before, after, "/h/.aws/config"),
            "before:\n{before}\nafter:\n{after}"
        );
    }

    #[test]
    fn small_edits_render_as_text_diff_does() {
        same("", "");
        same("", "[profile a]\nregion = x\n");
        same("[profile a]\nregion = x\n", "");
        same("a\nb\nc\n", "a\nb\nc\n");
        same("a\nb\nc", "a\nB\nc");
        same("a\nb\nc\n", "a\nb\nc");
        same("a\nb\nc", "a\nb\nc\nd\n");
        same("a\r\nb\r\n", "a\r\nc\r\n");
        same("x\n", "y");
    }

    /// Over 100 lines `TextDiff` remaps lines to integers and trims the common ends first; the
    /// operations, and so the text, must still be the same.
    #[test]
    fn long_files_render_as_text_diff_does() {
        let lines = |n: usize, step: usize| -> String {
            (0..n)
                .map(|i| {
                    if step != 0 && i % step == 0 {
                        format!("changed {i}\n")
                    } else {
                        format!("key{} = {}\n", i % 7, i % 5)
                    }
                })
                .collect()
        };
        for (n, step) in [(150, 0), (150, 13), (400, 37), (400, 3), (1000, 101)] {
            same(&lines(n, 0), &lines(n, step));
            same(&lines(n, step), &lines(n / 2, step + 1));
            same(&lines(n / 3, 5), &lines(n, step));
        }
        // Repeated lines everywhere: many equally short edit scripts to choose from.
        let repeated: String = (0..300).map(|i| ["a\n", "b\n", "\n"][i % 3]).collect();
        let shuffled: String = (0..300)
            .map(|i| ["b\n", "\n", "a\n", "a\n"][i % 4])
            .collect();
        same(&repeated, &shuffled);
    }
}

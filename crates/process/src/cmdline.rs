//! The command line a Windows process receives, as the CLI builds it.
//!
//! On Windows botocore splits the `credential_process` line into words (the Microsoft C
//! runtime's rules, [`crate::split_windows`]) and hands the list to `subprocess.Popen`, which
//! joins it again with `subprocess.list2cmdline` and passes that string to `CreateProcess`,
//! without a shell. awscred joins the words the same way and gives the string to the child as
//! is (`CommandExt::raw_arg`), so a helper that reads its raw command line (as every C runtime,
//! .NET and batch file does) sees the bytes the CLI would have given it.

/// Python's `subprocess.list2cmdline`: words joined by spaces; a word with a space or a tab, or
/// an empty one, is put in double quotes; a `"` is escaped with a backslash, and the backslashes
/// before it (or before a closing quote) are doubled; other backslashes stay as they are.
///
/// ```
/// use awscred_process::list2cmdline;
/// // What Python 3.11 prints for subprocess.list2cmdline([...]) of the same words.
/// let words = ["a b", r#"c"d"#, r"e\", r#"f\"g"#, "", r"h\ i\"];
/// assert_eq!(list2cmdline(&words), r#""a b" c\"d e\ f\\\"g "" "h\ i\\""#);
/// ```
pub fn list2cmdline<S: AsRef<str>>(words: &[S]) -> String {
    let mut line = String::new();
    for word in words {
        let word = word.as_ref();
        if !line.is_empty() {
            line.push(' ');
        }
        let quote = word.is_empty() || word.contains([' ', '\t']);
        if quote {
            line.push('"');
        }
        let mut backslashes = 0;
        for c in word.chars() {
            match c {
                '\\' => backslashes += 1,
                '"' => {
                    line.extend(std::iter::repeat_n('\\', backslashes * 2 + 1));
                    line.push('"');
                    backslashes = 0;
                }
                _ => {
                    line.extend(std::iter::repeat_n('\\', backslashes));
                    backslashes = 0;
                    line.push(c);
                }
            }
        }
        line.extend(std::iter::repeat_n('\\', backslashes));
        if quote {
            line.extend(std::iter::repeat_n('\\', backslashes));
            line.push('"');
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_as_python_and_splits_back_to_the_same_words() {
        // Each pair checked against Python 3.11's subprocess.list2cmdline.
        let cases: &[(&[&str], &str)] = &[
            (
                &["helper.exe", "--profile", "dev"],
                "helper.exe --profile dev",
            ),
            (
                &[r"C:\Program Files\h.exe", "x"],
                r#""C:\Program Files\h.exe" x"#,
            ),
            (&["tab\there"], "\"tab\there\""),
            (&[r"a\\b", r#"a\\"b"#], r#"a\\b a\\\\\"b"#),
            (&[], ""),
        ];
        for (words, line) in cases {
            assert_eq!(list2cmdline(words), *line, "{words:?}");
            // The C runtime's rules read the same words back.
            if !words.is_empty() {
                assert_eq!(crate::split_windows(line).unwrap(), *words, "{line}");
            }
        }
    }
}

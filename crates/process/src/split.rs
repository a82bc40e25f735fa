//! Splitting the `credential_process` line into a program and its arguments, without a shell.
//!
//! The CLI never hands the line to a shell: botocore's `compat_shell_split` splits it the way
//! Python's `shlex.split` does (POSIX rules) on Unix, and the way the Microsoft C runtime splits
//! a command line on Windows. Both are implemented on every platform so both can be tested
//! anywhere; [`split_command`] picks the one for the platform the binary is built for.

use std::fmt;

/// Why a command line could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SplitError {
    /// A quote was opened and never closed.
    NoClosingQuotation,
    /// The line ends with an escaping backslash (POSIX rules only).
    NoEscapedCharacter,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Python's shlex texts, which the CLI prints for these lines.
        match self {
            SplitError::NoClosingQuotation => f.write_str("No closing quotation"),
            SplitError::NoEscapedCharacter => f.write_str("No escaped character"),
        }
    }
}

impl std::error::Error for SplitError {}

/// Splits a command line with the rules of the platform the binary runs on: [`split_posix`] on
/// Unix, [`split_windows`] on Windows.
///
/// ```
/// use awscred_process::split_command;
/// # #[cfg(unix)]
/// assert_eq!(split_command("helper --profile 'my dev'").unwrap(), ["helper", "--profile", "my dev"]);
/// ```
pub fn split_command(line: &str) -> Result<Vec<String>, SplitError> {
    #[cfg(windows)]
    {
        split_windows(line)
    }
    #[cfg(not(windows))]
    {
        split_posix(line)
    }
}

/// Python's `shlex.split(line)` (POSIX mode, no comments): whitespace is space, tab, CR and LF;
/// single quotes keep everything literally; inside double quotes a backslash escapes only `"`
/// and `\`; outside quotes a backslash makes the next character literal; quotes next to other
/// characters join into one word, and `''` is an empty word.
///
/// ```
/// use awscred_process::split_posix;
/// assert_eq!(split_posix(r#"a "b c" d\ e 'f\g' x"y"z ''"#).unwrap(),
///            ["a", "b c", "d e", r"f\g", "xyz", ""]);
/// ```
pub fn split_posix(line: &str) -> Result<Vec<String>, SplitError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        /// Between words.
        Space,
        /// Inside a word, outside quotes.
        Word,
        Single,
        Double,
    }
    let mut words = Vec::new();
    let mut word = String::new();
    let mut state = State::Space;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match state {
            State::Space | State::Word => match c {
                ' ' | '\t' | '\r' | '\n' => {
                    if state == State::Word {
                        words.push(std::mem::take(&mut word));
                        state = State::Space;
                    }
                }
                '\\' => {
                    let escaped = chars.next().ok_or(SplitError::NoEscapedCharacter)?;
                    word.push(escaped);
                    state = State::Word;
                }
                '\'' => state = State::Single,
                '"' => state = State::Double,
                other => {
                    word.push(other);
                    state = State::Word;
                }
            },
            State::Single => match c {
                '\'' => state = State::Word,
                other => word.push(other),
            },
            State::Double => match c {
                '"' => state = State::Word,
                '\\' => {
                    let escaped = chars.next().ok_or(SplitError::NoClosingQuotation)?;
                    if escaped != '"' && escaped != '\\' {
                        word.push('\\');
                    }
                    word.push(escaped);
                }
                other => word.push(other),
            },
        }
    }
    match state {
        State::Single | State::Double => Err(SplitError::NoClosingQuotation),
        State::Word => {
            words.push(word);
            Ok(words)
        }
        State::Space => Ok(words),
    }
}

/// botocore's `_windows_shell_split`: only space and tab separate words, only double quotes
/// quote, and backslashes are literal unless they run up to a double quote, where each pair
/// becomes one backslash and an odd one out escapes the quote.
///
/// ```
/// use awscred_process::split_windows;
/// assert_eq!(split_windows(r#"C:\bin\helper.exe "a b" \"c\" d\\"#).unwrap(),
///            [r"C:\bin\helper.exe", "a b", "\"c\"", r"d\\"]);
/// ```
pub fn split_windows(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // Whether the current word exists even if empty (`""` is an empty argument).
    let mut started = false;
    let mut quoted = false;
    let mut backslashes = 0usize;
    for c in line.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                word.extend(std::iter::repeat_n('\\', backslashes / 2));
                let escaped = backslashes % 2 == 1;
                backslashes = 0;
                started = true;
                if escaped {
                    word.push('"');
                } else {
                    quoted = !quoted;
                }
            }
            ' ' | '\t' if !quoted => {
                word.extend(std::iter::repeat_n('\\', backslashes));
                if backslashes > 0 {
                    started = true;
                }
                backslashes = 0;
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            other => {
                word.extend(std::iter::repeat_n('\\', backslashes));
                backslashes = 0;
                word.push(other);
                started = true;
            }
        }
    }
    if quoted {
        return Err(SplitError::NoClosingQuotation);
    }
    if backslashes > 0 {
        word.extend(std::iter::repeat_n('\\', backslashes));
        started = true;
    }
    if started {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_matches_shlex() {
        // Expected values produced by Python 3's shlex.split on the same input.
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("   \t\n ", &[]),
            ("echo hi", &["echo", "hi"]),
            ("  echo   hi  ", &["echo", "hi"]),
            ("a 'b c' \"d e\"", &["a", "b c", "d e"]),
            ("a'b'c", &["abc"]),
            ("a '' b", &["a", "", "b"]),
            ("a \"\" b", &["a", "", "b"]),
            (r#""a\"b""#, &["a\"b"]),
            (r#""a\\b""#, &[r"a\b"]),
            (r#""a\nb""#, &[r"a\nb"]),
            (r"'a\nb'", &[r"a\nb"]),
            (r"a\ b", &["a b"]),
            (r"a\nb", &["anb"]),
            ("a\\\nb", &["a\nb"]),
            ("a # b", &["a", "#", "b"]),
            ("x|y > z", &["x|y", ">", "z"]),
            ("'it'\"'\"'s'", &["it's"]),
            ("é 'ü x'", &["é", "ü x"]),
        ];
        for (input, expected) in cases {
            assert_eq!(split_posix(input).unwrap(), *expected, "input {input:?}");
        }
    }

    #[test]
    fn posix_errors() {
        assert_eq!(split_posix("a 'b"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split_posix("a \"b"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split_posix("a \"b\\"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split_posix("a b\\"), Err(SplitError::NoEscapedCharacter));
        assert_eq!(
            SplitError::NoClosingQuotation.to_string(),
            "No closing quotation"
        );
    }

    #[test]
    fn windows_matches_botocore() {
        // Expected values produced by botocore.compat._windows_shell_split on the same input.
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("a b", &["a", "b"]),
            ("a\tb  c", &["a", "b", "c"]),
            (r#""a b" c"#, &["a b", "c"]),
            (r#""""#, &[""]),
            (r#"a "" b"#, &["a", "", "b"]),
            (r#"a\\\"b"#, &[r#"a\"b"#]),
            (r#"a\\"b c""#, &[r"a\b c"]),
            (r"a\\b", &[r"a\\b"]),
            (r"a\ b", &[r"a\", "b"]),
            (r"trailing\\", &[r"trailing\\"]),
            (
                r#"C:\Program Files\x.exe "--flag=a b""#,
                &[r"C:\Program", r"Files\x.exe", "--flag=a b"],
            ),
            ("'single quotes' stay", &["'single", "quotes'", "stay"]),
        ];
        for (input, expected) in cases {
            assert_eq!(split_windows(input).unwrap(), *expected, "input {input:?}");
        }
        assert_eq!(
            split_windows(r#"a "b"#),
            Err(SplitError::NoClosingQuotation)
        );
    }
}

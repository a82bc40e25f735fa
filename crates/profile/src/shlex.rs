//! The word splitting the AWS CLI applies to config-file section headers.
//!
//! botocore names a profile by running Python's `shlex.split` (POSIX mode, no comments) over the
//! header: `[profile dev]` is two words, `[profile "my dev"]` is two words too, and a header that
//! does not split into exactly two words is not a profile. Reproducing that splitter keeps the
//! quoting corners identical.

use std::borrow::Cow;

/// Why a header could not be split, as Python words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SplitError {
    NoClosingQuotation,
    NoEscapedCharacter,
}

impl SplitError {
    pub(crate) fn message(self) -> &'static str {
        match self {
            SplitError::NoClosingQuotation => "No closing quotation",
            SplitError::NoEscapedCharacter => "No escaped character",
        }
    }
}

/// The two words of a header that splits into exactly two, `None` for any other count.
/// Headers without quotes or escapes (the usual `profile NAME`) are split without allocating.
pub(crate) fn two_words(text: &str) -> Result<Option<[Cow<'_, str>; 2]>, SplitError> {
    // Bytes, not chars: every character that matters here is ASCII, and a byte scan is several
    // times cheaper than decoding the header.
    if text.bytes().any(|b| matches!(b, b'\'' | b'"' | b'\\')) {
        let words = split(text)?;
        return Ok(<[String; 2]>::try_from(words)
            .ok()
            .map(|w| w.map(Cow::Owned)));
    }
    let mut words = plain_words(text);
    match (words.next(), words.next(), words.next()) {
        (Some(first), Some(second), None) => {
            Ok(Some([Cow::Borrowed(first), Cow::Borrowed(second)]))
        }
        _ => Ok(None),
    }
}

/// The words of a header without quotes or escapes. The cuts fall next to ASCII white space,
/// so on char boundaries.
fn plain_words(text: &str) -> impl Iterator<Item = &str> {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.bytes().position(|b| !is_space(b))?;
        let word = rest.get(start..)?;
        let end = word.bytes().position(is_space).unwrap_or(word.len());
        rest = word.get(end..)?;
        word.get(..end)
    })
}

fn is_shlex_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Splits like `shlex.split(text)`; at most three words are kept, which is all a caller that
/// wants exactly two needs (and bounds the work on hostile headers).
pub(crate) fn split(text: &str) -> Result<Vec<String>, SplitError> {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    // A word has begun (quotes make an empty word count, as in POSIX shells).
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if is_shlex_space(c) => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                    if words.len() > 2 {
                        // A fourth word changes nothing for the caller, but an unterminated quote
                        // later would still make Python fail: keep scanning for that alone.
                        return scan_rest(chars.as_str()).map(|()| words);
                    }
                }
            }
            '\\' => {
                let escaped = chars.next().ok_or(SplitError::NoEscapedCharacter)?;
                word.push(escaped);
                in_word = true;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(SplitError::NoClosingQuotation),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(SplitError::NoEscapedCharacter),
                        },
                        Some(c) => word.push(c),
                        None => return Err(SplitError::NoClosingQuotation),
                    }
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Checks the rest of a header for the errors Python would raise, without collecting words.
fn scan_rest(rest: &str) -> Result<(), SplitError> {
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next().ok_or(SplitError::NoEscapedCharacter)?;
            }
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(_) => {}
                    None => return Err(SplitError::NoClosingQuotation),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => {
                        chars.next().ok_or(SplitError::NoEscapedCharacter)?;
                    }
                    Some(_) => {}
                    None => return Err(SplitError::NoClosingQuotation),
                }
            },
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<String> {
        split(text).unwrap()
    }

    #[test]
    fn splits_like_python() {
        assert_eq!(ok("profile dev"), ["profile", "dev"]);
        assert_eq!(ok("  profile \t dev  "), ["profile", "dev"]);
        assert_eq!(ok("profile 'my dev'"), ["profile", "my dev"]);
        assert_eq!(ok(r#"profile "my \"dev\"""#), ["profile", "my \"dev\""]);
        assert_eq!(ok(r#"profile "a\b""#), ["profile", "a\\b"]);
        assert_eq!(ok(r"profile a\ b"), ["profile", "a b"]);
        assert_eq!(ok("profile ''"), ["profile", ""]);
        assert_eq!(ok("profile a'b c'd"), ["profile", "ab cd"]);
        assert_eq!(ok("profile#x y"), ["profile#x", "y"]);
        assert_eq!(ok(""), Vec::<String>::new());
        assert_eq!(ok("a b c d e").len(), 3);
    }

    #[test]
    fn two_words_agrees_with_split() {
        for header in [
            "profile dev",
            " profile\tdev ",
            "profile",
            "profile a b",
            "profile 'a b'",
            "",
            "profile \"x\\\"y\"",
            "profile dév",
            "profile\u{a0}dev",
            "\tprofile\r\n dév \n",
            "é  ü",
        ] {
            let slow = split(header).unwrap();
            let fast = two_words(header).unwrap();
            match fast {
                Some([a, b]) => assert_eq!(slow, [a.into_owned(), b.into_owned()], "{header}"),
                None => assert_ne!(slow.len(), 2, "{header}"),
            }
        }
        assert_eq!(two_words("profile 'x"), Err(SplitError::NoClosingQuotation));
    }

    #[test]
    fn reports_python_errors() {
        assert_eq!(split("profile 'dev"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("profile \"dev"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("profile dev\\"), Err(SplitError::NoEscapedCharacter));
        assert_eq!(split("a b c d 'e"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("a b c d \\"), Err(SplitError::NoEscapedCharacter));
    }
}

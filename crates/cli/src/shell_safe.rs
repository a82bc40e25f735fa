//! The check that keeps the shell formats of `export-credentials` from running anything.
//!
//! `eval "$(awscred export-credentials --format env)"` runs whatever the values hold: a key id
//! of ``AKID$(touch x)`` from a hostile container endpoint or credential process would run
//! `touch x`, a newline would add a line of its own. The AWS CLI prints such values as they are.
//! Real credentials never hold such characters: key ids are upper-case letters and digits,
//! secrets and session tokens base64 (`A-Z a-z 0-9 + / =`), the expiration an ISO 8601 time
//! (`0-9 - : . + T Z`). Every value printed for a shell must be made of [`is_shell_safe`]
//! characters; anything else is refused, and nothing is printed. No character allowed means
//! anything to sh, bash, zsh, fish, PowerShell or cmd.exe inside the quoting each format uses
//! (`$`, `` ` ``, `\`, `"`, `'`, `%`, `^`, `!`, `;`, `&`, `|`, `<`, `>`, `(`, `)`, whitespace and
//! control characters are all out). The JSON of `--format process` escapes what it must and is
//! not checked.

/// Whether `c` may appear in a value printed for a shell: ASCII letters and digits and
/// `+ / = . : - _` (base64, base64url, ISO 8601 times).
pub(crate) fn is_shell_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '.' | ':' | '-' | '_')
}

/// `Ok` when every character of `value` is shell-safe; otherwise the error naming the variable
/// and the offending character's position, never the value (it may be a secret).
pub(crate) fn check(name: &str, value: &str, format: &str) -> Result<(), String> {
    match value.chars().position(|c| !is_shell_safe(c)) {
        None => Ok(()),
        Some(at) => Err(format!(
            "refusing to print credentials for a shell (--format {format}): {name} holds a \
             character AWS credentials never contain (character {}), which the shell could run \
             or split; use --format process for the JSON document",
            at + 1
        )),
    }
}

#[cfg(test)]
mod tests;

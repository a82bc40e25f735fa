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
mod tests {
    use super::*;

    #[test]
    fn real_credentials_pass() {
        for value in [
            "AKIAIOSFODNN7EXAMPLE",
            "ASIAQNZGKIQY56JQ7WML",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+Zw==",
            "2021-09-21T04:16:53+00:00",
            "2021-09-21T04:16:53.123456+00:00",
            "2021-09-21T04:16:53Z",
        ] {
            assert_eq!(check("X", value, "env"), Ok(()), "{value}");
        }
    }

    #[test]
    fn the_errors_name_the_variable_and_place_never_the_value() {
        let e = check("AWS_ACCESS_KEY_ID", "AKID$(touch x)", "env").unwrap_err();
        assert!(
            e.contains("AWS_ACCESS_KEY_ID") && e.contains("character 5"),
            "{e}"
        );
        assert!(e.contains("--format env") && !e.contains("touch"), "{e}");
    }

    /// A property test: for thousands of strings drawn from shell-safe characters and the
    /// characters shells act on, the check passes exactly those made only of safe characters,
    /// and each of those, printed as `--format env` prints it and run by a real `sh`, sets the
    /// variable to the value itself and runs nothing else.
    #[cfg(unix)]
    #[test]
    fn what_passes_is_exactly_what_sh_reads_back_unchanged() {
        let alphabet: Vec<char> = ('\0'..='\u{7f}').chain(['é', '\u{2028}', '😀']).collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut passed = Vec::new();
        for i in 0..4000 {
            let len = (next() % 24) as usize;
            // Mostly safe characters, so that many strings pass: one unsafe one in eight.
            let value: String = (0..len)
                .map(|_| {
                    if next() % 8 == 0 {
                        alphabet[(next() % alphabet.len() as u64) as usize]
                    } else {
                        let safe = b"ABCXYZabcxyz0189+/=.:-_";
                        safe[(next() % safe.len() as u64) as usize] as char
                    }
                })
                .collect();
            let ok = check("V", &value, "env").is_ok();
            assert_eq!(ok, value.chars().all(is_shell_safe), "{value:?}");
            if ok {
                passed.push((format!("V{i}"), value));
            }
        }
        assert!(passed.len() > 1000, "{}", passed.len());
        let mut script = String::new();
        for (name, value) in &passed {
            script.push_str(&format!("export {name}={value}\n"));
        }
        for (name, _) in &passed {
            script.push_str(&format!("printf '%s\\0' \"${name}\"\n"));
        }
        let out = std::process::Command::new("sh")
            .args(["-c", "eval \"$1\"", "sh", &script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read: Vec<&[u8]> = out.stdout.split(|b| *b == 0).collect();
        for (i, (_, value)) in passed.iter().enumerate() {
            assert_eq!(read[i], value.as_bytes(), "{value:?}");
        }
    }
}

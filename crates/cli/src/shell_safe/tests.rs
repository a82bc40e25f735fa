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

/// Thousands of strings drawn from shell-safe characters and the characters shells act on
/// (PowerShell's typographic quotes among them); asserts that the check passes exactly those
/// made only of safe characters, and returns those.
fn drawn_values_that_pass() -> Vec<String> {
    let alphabet: Vec<char> = ('\0'..='\u{7f}')
        .chain(['é', '\u{2028}', '😀', '“', '”', '„', '‘', '’'])
        .collect();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut passed = Vec::new();
    for _ in 0..4000 {
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
            passed.push(value);
        }
    }
    assert!(passed.len() > 1000, "{}", passed.len());
    passed
}

/// Credentials of a key id, secret and session token (the first three of `values`).
fn credentials_of(values: &[String]) -> awscred_core::Credentials {
    awscred_core::Credentials::new(
        values[0].as_str(),
        values[1].as_str(),
        Some(awscred_core::Secret::new(values[2].as_str())),
        None,
        "test",
    )
}

/// A property test: every value the check passes, printed as `--format env` prints it and run
/// by a real `sh`, sets the variable to the value itself and runs nothing else.
// Unix only: it runs sh (cmd on Windows: the test below).
#[cfg(unix)]
#[test]
fn what_passes_is_exactly_what_sh_reads_back_unchanged() {
    let passed = drawn_values_that_pass();
    let mut script = String::new();
    for (i, value) in passed.iter().enumerate() {
        script.push_str(&format!("export V{i}={value}\n"));
    }
    for i in 0..passed.len() {
        script.push_str(&format!("printf '%s\\0' \"$V{i}\"\n"));
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
    for (i, value) in passed.iter().enumerate() {
        assert_eq!(read[i], value.as_bytes(), "{value:?}");
    }
}

/// The same property through cmd.exe (Wine's in CI): the values that pass, three at a time as
/// the key id, secret and token of credentials printed by `--format windows-cmd` (with its
/// `\r\n`), run as a batch file, are what `set AWS_` shows back. Empty values are left out:
/// `set NAME=` removes the variable in cmd, and no credential value is empty.
#[cfg(windows)]
#[test]
fn what_passes_is_exactly_what_cmd_reads_back_unchanged() {
    use crate::format::Format;

    let passed: Vec<String> = drawn_values_that_pass()
        .into_iter()
        .filter(|v| !v.is_empty())
        .collect();
    let groups: Vec<&[String]> = passed.chunks_exact(3).collect();
    let mut script = String::from("@echo off\r\n");
    for group in &groups {
        script.push_str(&Format::WindowsCmd.render(&credentials_of(group)));
        script.push_str("set AWS_\r\n");
    }
    let dir = awscred_testkit::TempDir::new("cmd-read-back");
    let text = awscred_testkit::run_batch_file(&dir.write("values.cmd", script));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3 * groups.len(), "{text}");
    for (group, shown) in groups.iter().zip(lines.chunks_exact(3)) {
        // `set` lists the variables sorted by name.
        let want = [
            format!("AWS_ACCESS_KEY_ID={}", group[0]),
            format!("AWS_SECRET_ACCESS_KEY={}", group[1]),
            format!("AWS_SESSION_TOKEN={}", group[2]),
        ];
        assert_eq!(shown, want, "{group:?}");
    }
}

/// The value of `$Env:NAME="..."` as PowerShell reads it, by the rule for double-quoted
/// (expandable) strings in its language specification (about_Quoting_Rules; the PowerShell
/// Language Specification 3.0, §2.3.5.2, expandable-string-literal): `"`, `“`, `”` and `„`
/// end the string unless doubled (then they stand for one); `` ` `` escapes the next
/// character (`` `n `` a newline and so on, `` `u{HEX} `` a code point, any other character
/// itself); `$` followed by a variable name, `{` or `(` is an expansion, an `Err` here; every
/// other character is itself. `Err` too for a line that is not such an assignment, or with
/// anything after the closing quote. PowerShell itself does not run here (docs/platforms.md).
fn read_powershell_assignment(line: &str) -> Result<(String, String), String> {
    const QUOTES: [char; 4] = ['"', '“', '”', '„'];
    let rest = line.strip_prefix("$Env:").ok_or("no $Env:")?;
    let (name, quoted) = rest.split_once('=').ok_or("no =")?;
    let mut chars = quoted.chars().peekable();
    if !chars.next().is_some_and(|c| QUOTES.contains(&c)) {
        return Err("no opening quote".into());
    }
    let mut value = String::new();
    loop {
        let c = chars.next().ok_or("no closing quote")?;
        match c {
            q if QUOTES.contains(&q) => {
                if chars.peek().is_some_and(|n| QUOTES.contains(n)) {
                    value.push(chars.next().unwrap_or(q));
                } else {
                    break;
                }
            }
            '`' => {
                let e = chars.next().ok_or("a backtick at the end")?;
                match e {
                    '0' => value.push('\0'),
                    'a' => value.push('\u{7}'),
                    'b' => value.push('\u{8}'),
                    'e' => value.push('\u{1b}'),
                    'f' => value.push('\u{c}'),
                    'n' => value.push('\n'),
                    'r' => value.push('\r'),
                    't' => value.push('\t'),
                    'v' => value.push('\u{b}'),
                    'u' if chars.peek() == Some(&'{') => {
                        let hex: String =
                            chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                        let code = u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?;
                        value.push(char::from_u32(code).ok_or("not a code point")?);
                    }
                    other => value.push(other),
                }
            }
            '$' if chars.peek().is_some_and(|n| {
                n.is_alphanumeric() || matches!(n, '_' | '{' | '(' | '?' | '^' | '$' | ':')
            }) =>
            {
                return Err("an expansion".into());
            }
            other => value.push(other),
        }
    }
    if chars.next().is_some() {
        return Err("text after the closing quote".into());
    }
    Ok((name.to_owned(), value))
}

/// PowerShell does not run here, so the `powershell` format is read by its language's rule for
/// double-quoted strings ([`read_powershell_assignment`]): every value that passes the check
/// reads back unchanged; and the reader does tell, since values with the characters the check
/// refuses read back changed or as an expansion.
#[test]
fn powershell_output_reads_back_unchanged_by_the_double_quoted_string_rule() {
    use crate::format::Format;

    let passed = drawn_values_that_pass();
    for group in passed.chunks_exact(3) {
        let text = Format::Powershell.render(&credentials_of(group));
        let read: Vec<(String, String)> = text
            .lines()
            .map(|l| read_powershell_assignment(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect();
        let want: Vec<(String, String)> = [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
        ]
        .into_iter()
        .map(str::to_owned)
        .zip(group.iter().cloned())
        .collect();
        assert_eq!(read, want);
    }
    for (hostile, read) in [
        ("a$b", Err(())),
        ("a$(calc)", Err(())),
        ("a${x}", Err(())),
        ("a`nb", Ok("a\nb")),
        ("a``b", Ok("a`b")),
        ("a\"\"b", Ok("a\"b")),
        ("a”;calc;“b", Err(())),
    ] {
        assert!(check("V", hostile, "powershell").is_err(), "{hostile}");
        let line = format!("$Env:V=\"{hostile}\"");
        let got = read_powershell_assignment(&line).map(|(_, v)| v);
        assert_eq!(got.as_deref().map_err(|_| ()), read, "{hostile}");
        assert_ne!(got.as_deref(), Ok(hostile), "{hostile}");
    }
}

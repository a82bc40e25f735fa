//! `--format windows-cmd` read back by cmd.exe itself: the lines awscred prints, run as a batch
//! file, set the variables to the values given, byte for byte, for values made of every
//! character AWS puts in keys, tokens and expirations (the base64 alphabet, `=`, and the
//! timestamp's `-`, `:`, `+`). The CLI prints the values unquoted (`set NAME=value`), and so do
//! we: docs/platforms.md lists what cmd and PowerShell take literally.

// Windows only: it runs cmd.exe (under Wine in CI).
#![cfg(windows)]

mod common;

use common::*;

/// Runs `export-credentials --format windows-cmd` with these variables, runs its output as a
/// batch file with cmd.exe, and checks that `set AWS_` shows each value back unchanged (the
/// expiration as awscred prints it, `+00:00` for `Z`).
fn cmd_reads_back(key: &str, secret: &str, token: &str, expiration: Option<&str>) {
    let mut home = Home::new()
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_SESSION_TOKEN", token);
    if let Some(expiration) = expiration {
        home = home.env("AWS_CREDENTIAL_EXPIRATION", expiration);
    }
    let out = home.run(&["export-credentials", "--format", "windows-cmd"]);
    assert_code(&out, 0);
    let script = format!("@echo off\r\n{}set AWS_\r\n", stdout(&out));
    let text = awscred_testkit::run_batch_file(&home.dir.write("set-them.cmd", script));
    let lines: Vec<&str> = text.lines().collect();
    let mut want = vec![
        format!("AWS_ACCESS_KEY_ID={key}"),
        format!("AWS_SECRET_ACCESS_KEY={secret}"),
        format!("AWS_SESSION_TOKEN={token}"),
    ];
    if let Some(expiration) = expiration {
        let shown = expiration.replace('Z', "+00:00");
        want.push(format!("AWS_CREDENTIAL_EXPIRATION={shown}"));
    }
    for want in want {
        assert!(lines.contains(&want.as_str()), "{want} in {text}");
    }
}

#[test]
fn cmd_reads_back_every_value() {
    cmd_reads_back(
        "ASIAEXAMPLE0123",
        "AbcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/==",
        "IQoJb3JpZ2luX2Vj//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc/def+ghi==",
        Some("2099-09-21T04:16:53Z"),
    );
}

/// Values made of nothing but the punctuation the shell formats accept (`+ / = . : - _`), at
/// the places cmd might read them otherwise: an `=` right after the name's (`set NAME==x`),
/// `/` first (a switch elsewhere), `:` first (a label at the start of a line), `.` and `-`.
#[test]
fn cmd_reads_back_values_of_only_the_accepted_punctuation() {
    for (key, secret, token) in [
        ("=", "==", "=+/="),
        ("/", "/-", "//+"),
        (":", ":-._", "::"),
        (".", "..", "-_-"),
        ("A=B=C", "_", "+"),
    ] {
        cmd_reads_back(key, secret, token, None);
    }
}

//! `--format windows-cmd` read back by cmd.exe itself: the lines awscred prints, run as a batch
//! file, set the variables to the values given, byte for byte, for values made of every
//! character AWS puts in keys, tokens and expirations (the base64 alphabet, `=`, and the
//! timestamp's `-`, `:`, `+`). The CLI prints the values unquoted (`set NAME=value`), and so do
//! we: docs/platforms.md lists what cmd and PowerShell take literally.

// Windows only: it runs cmd.exe (under Wine in CI).
#![cfg(windows)]

mod common;

use common::*;

#[test]
fn cmd_reads_back_every_value() {
    let secret = "AbcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/==";
    let token = "IQoJb3JpZ2luX2Vj//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc/def+ghi==";
    let home = Home::new()
        .env("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE0123")
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_SESSION_TOKEN", token)
        .env("AWS_CREDENTIAL_EXPIRATION", "2099-09-21T04:16:53Z");
    let out = home.run(&["export-credentials", "--format", "windows-cmd"]);
    assert_code(&out, 0);
    let script = format!("@echo off\r\n{}set AWS_\r\n", stdout(&out));
    let path = home.dir.write("set-them.cmd", script);
    let shown = std::process::Command::new("cmd")
        .arg("/c")
        .arg(&path)
        .env_clear()
        .env(
            "SystemRoot",
            std::env::var_os("SystemRoot").unwrap_or_default(),
        )
        .output()
        .expect("cmd runs");
    let text = String::from_utf8_lossy(&shown.stdout);
    let lines: Vec<&str> = text.lines().collect();
    for want in [
        "AWS_ACCESS_KEY_ID=ASIAEXAMPLE0123".to_owned(),
        format!("AWS_SECRET_ACCESS_KEY={secret}"),
        format!("AWS_SESSION_TOKEN={token}"),
        "AWS_CREDENTIAL_EXPIRATION=2099-09-21T04:16:53+00:00".to_owned(),
    ] {
        assert!(lines.contains(&want.as_str()), "{want} in {text}");
    }
}

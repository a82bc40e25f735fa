//! The shell formats of `export-credentials` never print what a shell would run: a container
//! endpoint (or credential process) answering hostile values is refused with exit 253 and
//! nothing on stdout, in every shell format; real credentials still print, and a real `sh`
//! evaluating `--format env` reads them back unchanged.

mod common;

use awscred_testkit::ecs_fake::{FakeContainerEndpoint, credentials_json};
use common::Home;

const SHELL_FORMATS: [&str; 5] = ["env", "env-no-export", "powershell", "windows-cmd", "fish"];

fn container(document: &str) -> (FakeContainerEndpoint, Home) {
    let fake = FakeContainerEndpoint::start();
    fake.set_document(document);
    let home = Home::new().env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &fake.full_uri());
    (fake, home)
}

#[test]
fn hostile_values_are_refused_in_every_shell_format() {
    let real_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let real_token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+Zw==";
    let hostile = [
        // The issue's own: command substitution, backquotes and a `;` in the key id.
        (
            "AWS_ACCESS_KEY_ID",
            credentials_json(
                "AKID$(touch x)`touch y`;touch z",
                real_secret,
                real_token,
                "2099-01-01T00:00:00Z",
            ),
        ),
        // A newline in the secret would add a line of its own.
        (
            "AWS_SECRET_ACCESS_KEY",
            credentials_json(
                "ASIAHOSTILE",
                "abc\\nexport EVIL=1",
                real_token,
                "2099-01-01T00:00:00Z",
            ),
        ),
        (
            "AWS_SESSION_TOKEN",
            credentials_json(
                "ASIAHOSTILE",
                real_secret,
                "tok\\\"; $Env:EVIL=1; \\\"",
                "2099-01-01T00:00:00Z",
            ),
        ),
        (
            "AWS_SESSION_TOKEN",
            credentials_json(
                "ASIAHOSTILE",
                real_secret,
                "a%PATH%&calc",
                "2099-01-01T00:00:00Z",
            ),
        ),
    ];
    for (variable, document) in hostile {
        let (_fake, home) = container(&document);
        for format in SHELL_FORMATS {
            let out = home.run(&["export-credentials", "--format", format]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(253),
                "{format} {variable}: {stderr}"
            );
            assert!(out.stdout.is_empty(), "{format}: nothing is printed");
            assert!(
                stderr.contains(variable) && stderr.contains(&format!("--format {format}")),
                "{format}: {stderr}"
            );
            assert!(
                !stderr.contains("touch") && !stderr.contains("EVIL"),
                "{stderr}"
            );
        }
        // The JSON document escapes what it must: the CLI's output, unchanged.
        let out = home.run(&["export-credentials", "--format", "process"]);
        assert_eq!(out.status.code(), Some(0), "{variable}");
    }
}

// Unix only: the real shell here is sh; on Windows, windows_cmd.rs reads the
// `windows-cmd` output back through cmd.exe.
#[cfg(unix)]
#[test]
fn real_credentials_print_and_read_back_through_a_real_shell() {
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+Zw==";
    let (_fake, home) = container(&credentials_json(
        "ASIAQNZGKIQY56JQ7WML",
        secret,
        token,
        "2099-01-01T00:00:00Z",
    ));
    let out = home.run(&["export-credentials", "--format", "env"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exports = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        exports,
        format!(
            "export AWS_ACCESS_KEY_ID=ASIAQNZGKIQY56JQ7WML\nexport AWS_SECRET_ACCESS_KEY={secret}\n\
             export AWS_SESSION_TOKEN={token}\nexport \
             AWS_CREDENTIAL_EXPIRATION=2099-01-01T00:00:00+00:00\n"
        )
    );
    let read = std::process::Command::new("sh")
        .args([
            "-c",
            "eval \"$1\"; printf '%s|%s|%s|%s' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \
             \"$AWS_SESSION_TOKEN\" \"$AWS_CREDENTIAL_EXPIRATION\"",
            "sh",
            &exports,
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(read.stdout).unwrap(),
        format!("ASIAQNZGKIQY56JQ7WML|{secret}|{token}|2099-01-01T00:00:00+00:00")
    );
    for format in SHELL_FORMATS {
        let out = home.run(&["export-credentials", "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{format}");
    }
}

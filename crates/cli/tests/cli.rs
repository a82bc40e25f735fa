//! The `awscred` binary as other programs see it: stdout byte for byte, stderr, exit status.
//! Every run gets a temporary HOME and a cleared environment; IMDS is switched off so nothing
//! reaches 169.254.169.254.

use awscred_testkit::ClearEnv as _;
use std::process::{Command, Output};

use awscred_testkit::TempDir;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRET";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKENzzTOKEN";

struct Run {
    home: TempDir,
    env: Vec<(String, String)>,
}

impl Run {
    fn new() -> Self {
        Run {
            home: TempDir::new("cli"),
            env: Vec::new(),
        }
    }

    fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    fn env_credentials(self) -> Self {
        self.env("AWS_ACCESS_KEY_ID", "AKIDENV")
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_SESSION_TOKEN", TOKEN)
            .env("AWS_CREDENTIAL_EXPIRATION", "2099-09-21T04:16:53Z")
    }

    fn file(self, rel: &str, text: &str) -> Self {
        self.home.write(rel, text);
        self
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_awscred"))
            .env_clear_but_essentials()
            .env(awscred_testkit::HOME_VAR, self.home.path())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .output()
            .expect("awscred runs")
    }
}

fn stdout(out: &Output) -> &str {
    std::str::from_utf8(&out.stdout).unwrap()
}

/// `text` with the line endings `--format format` prints on this platform: the CLI's Python
/// writes `\r\n` on Windows, except in the POSIX-shell formats (see `Format::line_ending`).
fn platform_lines(format: &str, text: &str) -> String {
    if cfg!(windows) && ["process", "powershell", "windows-cmd"].contains(&format) {
        text.replace('\n', "\r\n")
    } else {
        text.to_owned()
    }
}

fn stderr(out: &Output) -> &str {
    std::str::from_utf8(&out.stderr).unwrap()
}

#[track_caller]
fn assert_success(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(out));
}

#[track_caller]
fn assert_failure(out: &Output, code: i32, stderr_text: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    assert_eq!(stdout(out), "", "nothing on stdout when failing");
    assert_eq!(stderr(out), stderr_text);
}

#[test]
fn every_format_byte_for_byte() {
    let run = Run::new().env_credentials();
    let exp = "2099-09-21T04:16:53+00:00";
    let expected = [
        (
            "process",
            format!(
                "{{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIDENV\",\n  \"SecretAccessKey\": \
                 \"{SECRET}\",\n  \"SessionToken\": \"{TOKEN}\",\n  \"Expiration\": \"{exp}\"\n}}\n"
            ),
        ),
        (
            "env",
            format!(
                "export AWS_ACCESS_KEY_ID=AKIDENV\nexport AWS_SECRET_ACCESS_KEY={SECRET}\n\
                 export AWS_SESSION_TOKEN={TOKEN}\nexport AWS_CREDENTIAL_EXPIRATION={exp}\n"
            ),
        ),
        (
            "env-no-export",
            format!(
                "AWS_ACCESS_KEY_ID=AKIDENV\nAWS_SECRET_ACCESS_KEY={SECRET}\n\
                 AWS_SESSION_TOKEN={TOKEN}\nAWS_CREDENTIAL_EXPIRATION={exp}\n"
            ),
        ),
        (
            "powershell",
            format!(
                "$Env:AWS_ACCESS_KEY_ID=\"AKIDENV\"\n$Env:AWS_SECRET_ACCESS_KEY=\"{SECRET}\"\n\
                 $Env:AWS_SESSION_TOKEN=\"{TOKEN}\"\n$Env:AWS_CREDENTIAL_EXPIRATION=\"{exp}\"\n"
            ),
        ),
        (
            "windows-cmd",
            format!(
                "set AWS_ACCESS_KEY_ID=AKIDENV\nset AWS_SECRET_ACCESS_KEY={SECRET}\n\
                 set AWS_SESSION_TOKEN={TOKEN}\nset AWS_CREDENTIAL_EXPIRATION={exp}\n"
            ),
        ),
        (
            "fish",
            format!(
                "set -gx AWS_ACCESS_KEY_ID \"AKIDENV\"\nset -gx AWS_SECRET_ACCESS_KEY \"{SECRET}\"\n\
                 set -gx AWS_SESSION_TOKEN \"{TOKEN}\"\nset -gx AWS_CREDENTIAL_EXPIRATION \"{exp}\"\n"
            ),
        ),
    ];
    for (format, text) in &expected {
        let out = run.run(&["export-credentials", "--format", format]);
        assert_success(&out);
        assert_eq!(
            stdout(&out),
            platform_lines(format, text),
            "--format {format}"
        );
        assert_eq!(
            stderr(&out),
            "",
            "--format {format}: logging is off by default"
        );
    }
    // `process` is the default.
    assert_eq!(
        stdout(&run.run(&["export-credentials"])),
        platform_lines("process", &expected[0].1)
    );
}

#[test]
fn long_term_keys_from_the_credentials_file() {
    let run = Run::new().file(
        ".aws/credentials",
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\
         [dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = sé\"cret\n",
    );
    let out = run.run(&["export-credentials", "--profile", "dev"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        platform_lines(
            "process",
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIDDEV\",\n  \"SecretAccessKey\": \
             \"s\\u00e9\\\"cret\"\n}\n"
        )
    );
    let out = run.run(&["export-credentials", "--format", "env-no-export"]);
    assert_eq!(
        stdout(&out),
        "AWS_ACCESS_KEY_ID=AKIDDEFAULT\nAWS_SECRET_ACCESS_KEY=d\n"
    );
    // Global options go before the subcommand too, as `aws --profile dev configure ...`. The
    // dev secret holds characters no real secret does (`é`, `"`): the shell formats refuse it,
    // where the CLI would print it unquoted (docs/conformance.md).
    let out = run.run(&["--profile", "dev", "export-credentials", "--format", "env"]);
    assert_eq!(out.status.code(), Some(253));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains(
            "AWS_SECRET_ACCESS_KEY holds a character AWS credentials never contain (character 2)"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn no_credentials_is_a_configuration_error() {
    let out = Run::new().run(&["export-credentials"]);
    assert_failure(
        &out,
        253,
        "\nawscred: [ERROR]: An error occurred (Configuration): Unable to retrieve credentials: \
         no credentials found\n",
    );
}

#[test]
fn partial_credentials_are_a_configuration_error() {
    let out = Run::new()
        .env("AWS_ACCESS_KEY_ID", "AKIDENV")
        .run(&["export-credentials"]);
    assert_failure(
        &out,
        253,
        "\nawscred: [ERROR]: An error occurred (Configuration): Unable to retrieve credentials: \
         Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY\n",
    );
}

#[test]
fn a_missing_profile_cannot_give_credentials() {
    let run = Run::new().file(
        ".aws/credentials",
        "[default]\naws_access_key_id = A\naws_secret_access_key = S\n\n[production]\n\
         aws_access_key_id = A\naws_secret_access_key = S\n",
    );
    // As `aws configure export-credentials`: 253, written without the error code.
    let expected = "\nawscred: [ERROR]: Unable to retrieve credentials: The config profile \
                    (nope) could not be found\n";
    assert_failure(
        &run.run(&["export-credentials", "--profile", "nope"]),
        253,
        expected,
    );
    let run = run.env("AWS_PROFILE", "nope");
    assert_failure(&run.run(&["export-credentials"]), 253, expected);
    // A name close to one that exists gets a suggestion.
    assert_failure(
        &run.run(&["export-credentials", "--profile", "prodution"]),
        253,
        "\nawscred: [ERROR]: Unable to retrieve credentials: The config profile (prodution) \
         could not be found (did you mean `production`?)\n",
    );
}

#[test]
fn a_file_that_cannot_be_parsed_ends_every_command_as_in_the_cli() {
    // Even with keys in the environment, which would answer first: the CLI parses its files
    // before the command runs (255, without "Unable to retrieve credentials").
    let run = Run::new()
        .env_credentials()
        .file(".aws/config", "[default\nregion = us-east-1\n");
    let out = run.run(&["export-credentials"]);
    assert_eq!(out.status.code(), Some(255));
    let err = String::from_utf8_lossy(&out.stderr);
    let file = run.home.path().join(".aws").join("config");
    assert!(
        err.starts_with(&format!(
            "\nawscred: [ERROR]: Unable to parse config file: {}:1:",
            file.display()
        )),
        "{err}"
    );
    assert_eq!(run.run(&["explain"]).status.code(), Some(255));
}

#[test]
fn the_recursion_guard_is_the_clis() {
    let run = Run::new()
        .env_credentials()
        .env("_AWS_CLI_PROFILE_CHAIN", "a,b,c,d");
    assert_failure(
        &run.run(&["export-credentials"]),
        253,
        "\nawscred: [ERROR]: An error occurred (Configuration): Maximum recursive credential \
         process resolution reached (4).\nProfiles seen: a -> b -> c -> d\n",
    );
    let run = Run::new()
        .env_credentials()
        .env("_AWS_CLI_PROFILE_CHAIN", "x,default");
    assert_failure(
        &run.run(&["export-credentials"]),
        253,
        "\nawscred: [ERROR]: An error occurred (Configuration): Credential process resolution \
         detected an infinite loop, profile cycle: x -> default -> default\n",
    );
    let run = Run::new()
        .env_credentials()
        .env("_AWS_CLI_PROFILE_CHAIN", "a,b,c");
    assert_success(&run.run(&["export-credentials"]));
}

#[test]
fn usage_errors_exit_252() {
    let run = Run::new().env_credentials();
    for args in [
        &["export-credentials", "--format", "json"][..],
        &["export-credentials", "--bogus"][..],
        &["no-such-command"][..],
        &[][..],
    ] {
        let out = run.run(args);
        assert_eq!(out.status.code(), Some(252), "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
        assert!(!stderr(&out).is_empty(), "{args:?}");
        assert!(!stderr(&out).contains(SECRET));
    }
    let out = run.run(&["export-credentials", "--format", "json"]);
    assert!(
        stderr(&out).contains("invalid value 'json'"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("env-no-export"), "{}", stderr(&out));
}

#[test]
fn version_and_help() {
    let run = Run::new();
    let out = run.run(&["--version"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        format!("awscred {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = run.run(&["--help"]);
    assert_success(&out);
    for word in [
        "export-credentials",
        "explain",
        "--profile",
        "--region",
        "--debug",
    ] {
        assert!(stdout(&out).contains(word), "{word} in {}", stdout(&out));
    }
    let out = run.run(&["export-credentials", "--help"]);
    assert_success(&out);
    for word in [
        "process",
        "env-no-export",
        "powershell",
        "windows-cmd",
        "fish",
    ] {
        assert!(stdout(&out).contains(word), "{word} in {}", stdout(&out));
    }
}

#[test]
fn explain_names_the_sources_and_never_the_secrets() {
    let out = Run::new().env_credentials().run(&["explain"]);
    assert_success(&out);
    let text = stdout(&out);
    for needle in [
        "env AWS_ACCESS_KEY_ID",
        "env AWS_SECRET_ACCESS_KEY",
        "env AWS_SESSION_TOKEN",
        "AKIDENV",
    ] {
        assert!(text.contains(needle), "{needle} in\n{text}");
    }
    assert!(!text.contains(SECRET) && !text.contains(TOKEN), "{text}");
    let out = Run::new()
        .env_credentials()
        .run(&["explain", "--region", "eu-central-1"]);
    assert!(stdout(&out).contains("eu-central-1"), "{}", stdout(&out));

    let run = Run::new().file(
        ".aws/credentials",
        "# keys\n[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = devSECRETvalue\n",
    );
    let out = run.run(&["explain", "--profile", "dev"]);
    assert_success(&out);
    let text = stdout(&out);
    let file = run.home.path().join(".aws").join("credentials");
    assert!(text.contains(&format!("{}:3", file.display())), "{text}");
    assert!(text.contains(&format!("{}:4", file.display())), "{text}");
    assert!(text.contains("--profile"), "{text}");
    assert!(!text.contains("devSECRETvalue"), "{text}");
}

#[test]
fn explain_exits_as_export_credentials_would() {
    // The report on stdout, the error once on stderr, as export-credentials writes it.
    let out = Run::new().run(&["explain"]);
    assert_eq!(out.status.code(), Some(253));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err,
        "\nawscred: [ERROR]: An error occurred (Configuration): Unable to retrieve credentials: \
         no credentials found\n"
    );
    assert!(
        !stdout(&out).contains("no credentials found"),
        "{}",
        stdout(&out)
    );
    let out = Run::new().run(&["explain", "--profile", "nope"]);
    assert_eq!(out.status.code(), Some(253));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("The config profile (nope) could not be found"),
        "{err}"
    );
    // A missing profile still shows how it was selected and which files were read.
    let text = stdout(&out);
    assert!(
        text.starts_with("profile: nope (from --profile)\n"),
        "{text}"
    );
    assert!(text.contains("(this profile is in neither file)"), "{text}");
    let config = std::path::Path::new(".aws").join("config");
    assert!(text.contains(&config.display().to_string()), "{text}");
}

#[test]
fn logging_is_off_by_default_and_never_shows_secrets() {
    let run = Run::new().env_credentials();
    let out = run.run(&["export-credentials"]);
    assert_success(&out);
    assert_eq!(stderr(&out), "");

    let out = run.run(&["export-credentials", "--debug"]);
    assert_success(&out);
    assert!(stderr(&out).contains("DEBUG"), "{}", stderr(&out));

    let traced = Run::new().env_credentials().env("AWSCRED_LOG", "trace");
    for args in [&["export-credentials"][..], &["explain"][..]] {
        let out = traced.run(args);
        assert_success(&out);
        let log = stderr(&out);
        assert!(!log.is_empty(), "AWSCRED_LOG=trace logs");
        assert!(!log.contains(SECRET) && !log.contains(TOKEN), "{log}");
    }

    let run = Run::new()
        .file(
            ".aws/credentials",
            "[dev]\naws_access_key_id = A\naws_secret_access_key = fileSECRETvalue\n",
        )
        .env("AWSCRED_LOG", "trace");
    let out = run.run(&["export-credentials", "--profile", "dev"]);
    assert_success(&out);
    assert!(!stderr(&out).is_empty());
    assert!(
        !stderr(&out).contains("fileSECRETvalue"),
        "{}",
        stderr(&out)
    );

    let out = Run::new()
        .env_credentials()
        .env("AWSCRED_LOG", "[[[")
        .run(&["export-credentials"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("ignoring AWSCRED_LOG"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn errors_never_show_secrets() {
    // A malformed expiration next to a secret: the error may quote the timestamp, never the keys.
    let out = Run::new()
        .env("AWS_ACCESS_KEY_ID", "AKIDENV")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .env("AWS_CREDENTIAL_EXPIRATION", "not a time")
        .env("AWSCRED_LOG", "trace")
        .run(&["export-credentials"]);
    assert_eq!(out.status.code(), Some(253), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        !stderr(&out).contains(SECRET) && !stderr(&out).contains(TOKEN),
        "{}",
        stderr(&out)
    );
}

#[test]
fn credential_processes_running_export_credentials_nest_and_loops_stop() {
    let bin = env!("CARGO_BIN_EXE_awscred");
    let config = format!(
        "[profile outer]\ncredential_process = {bin} export-credentials --profile middle\n\n\
         [profile middle]\ncredential_process = {bin} export-credentials --profile inner\n\n\
         [profile inner]\naws_access_key_id = AKIDINNER\naws_secret_access_key = innerSECRET\n\n\
         [profile loop]\ncredential_process = {bin} export-credentials --profile loop\n"
    );
    let run = Run::new().file(".aws/config", &config);
    // outer -> middle -> inner: three nested export-credentials, within the limit of 4.
    let out = run.run(&[
        "export-credentials",
        "--profile",
        "outer",
        "--format",
        "env-no-export",
    ]);
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "AWS_ACCESS_KEY_ID=AKIDINNER\nAWS_SECRET_ACCESS_KEY=innerSECRET\n"
    );
    // A profile whose credential process is itself: the inner run refuses, the outer reports it.
    let out = run.run(&["export-credentials", "--profile", "loop"]);
    assert_eq!(out.status.code(), Some(253), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("profile cycle: loop -> loop"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn credentials_that_are_already_expired_are_a_general_error() {
    // botocore refreshes them while the CLI reads them, finds them still expired, and the CLI
    // ends outside its "Unable to retrieve credentials" handling: exit 255.
    let out = Run::new()
        .env("AWS_ACCESS_KEY_ID", "AKIDENV")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .env("AWS_CREDENTIAL_EXPIRATION", "2001-02-03T04:05:06Z")
        .run(&["export-credentials"]);
    assert_eq!(out.status.code(), Some(255), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with(
            "\nawscred: [ERROR]: Credentials were refreshed, but the refreshed credentials are \
             still expired."
        ),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(SECRET) && !stderr(&out).contains(TOKEN));
}

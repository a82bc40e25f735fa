//! `awscred exec`: the environment the command sees, its exit status, and what happens when
//! nothing can be resolved.

mod common;

use common::*;

/// A command that prints its environment, one `NAME=value` a line: `sh -c env` on Unix, `cmd /c
/// set` on Windows (the command is started without a shell, so it names one).
const PRINT_ENV: &[&str] = if cfg!(windows) {
    &["cmd", "/c", "set"]
} else {
    &["sh", "-c", "env"]
};

/// `exec ARGS -- PRINT_ENV`.
fn exec_print_env(home: &Home, args: &[&str]) -> std::process::Output {
    let mut all = vec!["exec"];
    all.extend_from_slice(args);
    all.push("--");
    all.extend_from_slice(PRINT_ENV);
    home.run(&all)
}

/// A command that exits with `code`, through the platform's shell.
fn exit_with(code: u8) -> [String; 3] {
    let (shell, flag) = if cfg!(windows) {
        ("cmd", "/c")
    } else {
        ("sh", "-c")
    };
    [shell.to_owned(), flag.to_owned(), format!("exit {code}")]
}

#[test]
fn the_command_sees_the_credentials_and_region() {
    let home = Home::new().with_dev_profile();
    let out = exec_print_env(&home, &["--profile", "dev"]);
    assert_code(&out, 0);
    assert_eq!(
        env_lines(&out),
        [
            "AWS_ACCESS_KEY_ID=ASIADEV".to_owned(),
            "AWS_DEFAULT_REGION=eu-west-1".to_owned(),
            "AWS_EC2_METADATA_DISABLED=true".to_owned(),
            "AWS_REGION=eu-west-1".to_owned(),
            format!("AWS_SECRET_ACCESS_KEY={SECRET}"),
            format!("AWS_SESSION_TOKEN={TOKEN}"),
        ]
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn expiration_is_exported_as_export_credentials_writes_it() {
    let home = Home::new()
        .env("AWS_ACCESS_KEY_ID", "AKIDENV")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .env("AWS_CREDENTIAL_EXPIRATION", "2099-09-21T04:16:53Z");
    let out = exec_print_env(&home, &[]);
    assert_code(&out, 0);
    let lines = env_lines(&out);
    assert!(
        lines.contains(&"AWS_CREDENTIAL_EXPIRATION=2099-09-21T04:16:53+00:00".to_owned()),
        "{lines:?}"
    );
    let exported = home.run(&["export-credentials", "--format", "env-no-export"]);
    for line in stdout(&exported).lines() {
        assert!(lines.contains(&line.to_owned()), "{line} in {lines:?}");
    }
}

#[test]
fn conflicting_variables_are_removed() {
    let home = Home::new()
        .with_dev_profile()
        .env("AWS_PROFILE", "other")
        .env("AWS_DEFAULT_PROFILE", "other")
        .env("AWS_SECURITY_TOKEN", "stale")
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/tmp/token")
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/x")
        .env("AWS_ROLE_SESSION_NAME", "x")
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds")
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/")
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "t")
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/tmp/t")
        .env("AWS_ACCOUNT_ID", "999999999999")
        .env("KEEP_ME", "1");
    let out = exec_print_env(&home, &["--profile", "dev"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    for gone in [
        "AWS_PROFILE=",
        "AWS_DEFAULT_PROFILE=",
        "AWS_SECURITY_TOKEN=",
        "AWS_WEB_IDENTITY_TOKEN_FILE=",
        "AWS_ROLE_ARN=",
        "AWS_ROLE_SESSION_NAME=",
        "AWS_CONTAINER_",
        "AWS_ACCOUNT_ID=",
    ] {
        assert!(!text.contains(gone), "{gone} in {text}");
    }
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"KEEP_ME=1"), "{text}");
    assert!(lines.contains(&"AWS_ACCESS_KEY_ID=ASIADEV"), "{text}");
}

#[test]
fn a_stale_session_token_goes_when_the_new_keys_have_none() {
    let home = Home::new()
        .with_dev_profile()
        .env("AWS_SESSION_TOKEN", "stale-token")
        .env("AWS_CREDENTIAL_EXPIRATION", "2000-01-01T00:00:00Z");
    let out = exec_print_env(&home, &["--profile", "longterm"]);
    assert_code(&out, 0);
    let lines = env_lines(&out);
    assert!(lines.contains(&"AWS_ACCESS_KEY_ID=AKIALONG".to_owned()));
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("AWS_SESSION_TOKEN=") || l.starts_with("AWS_CREDENTIAL_EXP")),
        "{lines:?}"
    );
}

#[test]
fn the_commands_exit_status_is_returned() {
    let home = Home::new().with_dev_profile();
    for code in [7, 0] {
        let command = exit_with(code);
        let mut args = vec!["exec", "--profile", "dev", "--"];
        args.extend(command.iter().map(String::as_str));
        assert_code(&home.run(&args), i32::from(code));
    }
}

// Unix only: signals, and `exec` replacing awscred (Windows has neither).
#[cfg(unix)]
#[test]
fn a_command_killed_by_a_signal_ends_as_killed_by_it() {
    use awscred_testkit::ClearEnv as _;
    use std::os::unix::process::ExitStatusExt;
    let home = Home::new().with_dev_profile();
    // The command replaced awscred: the caller sees the signal itself...
    let out = home.run(&[
        "exec",
        "--profile",
        "dev",
        "--",
        "sh",
        "-c",
        "kill -TERM $$",
    ]);
    assert_eq!(out.status.signal(), Some(15), "{out:?}");
    // ...which a shell reports as 128 + the signal. SIGUSR1, not SIGINT: a test run started as a
    // background job or under nohup inherits SIGINT (or SIGHUP) ignored, a shell started with
    // a signal ignored cannot even reset it (POSIX), and `kill -INT $$` would then not end it.
    let awscred = env!("CARGO_BIN_EXE_awscred");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "sh -c 'kill -USR1 $$'; echo status=$?; \
             '{awscred}' exec --profile dev -- sh -c 'kill -USR1 $$'; echo status=$?"
        ))
        .env_clear_but_essentials()
        .env(awscred_testkit::HOME_VAR, home.dir.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    // The same status as the command run without awscred: 128 + 10 on Linux.
    let statuses = stdout(&out);
    let (direct, through) = statuses.split_once('\n').unwrap_or_default();
    assert!(direct.starts_with("status=1"), "{statuses}");
    assert_eq!(format!("{direct}\n"), through, "{}", stderr(&out));
}

// Unix only: signals (on Windows the console sends Ctrl-C to every process itself).
#[cfg(unix)]
#[test]
fn signals_sent_to_awscred_reach_the_command() {
    use std::io::{BufRead, BufReader};
    let home = Home::new().with_dev_profile();
    let mut child = home.spawn(&[
        "exec",
        "--profile",
        "dev",
        "--",
        "sh",
        "-c",
        "trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done",
    ]);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(lines.next().unwrap().unwrap(), "got-term");
    assert_eq!(child.0.wait().unwrap().code(), Some(42));
}

#[test]
fn nothing_runs_when_no_credentials_resolve() {
    let home = Home::new();
    let marker = home.dir.path().join("ran");
    let script = format!("touch '{}'", marker.display());
    let out = home.run(&["exec", "--", "sh", "-c", &script]);
    assert_code(&out, 253);
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "\nawscred: [ERROR]: An error occurred (Configuration): Unable to retrieve credentials: \
         no credentials found\n"
    );
    assert!(!marker.exists());

    let out = home.run(&["exec", "--profile", "nope", "--", "sh", "-c", &script]);
    assert_code(&out, 253);
    assert!(!marker.exists());
}

#[test]
fn usage_errors() {
    let home = Home::new().with_dev_profile();
    for args in [
        &["exec"][..],
        &["exec", "--profile", "dev"][..],
        &["exec", "--profile", "dev", "env"][..],
        &["exec", "--profile", "dev", "--"][..],
    ] {
        let out = home.run(args);
        assert_code(&out, 252);
        assert_eq!(stdout(&out), "");
    }
}

#[test]
fn a_command_that_cannot_be_found_ends_as_in_a_shell() {
    let home = Home::new().with_dev_profile();
    let out = home.run(&["exec", "--profile", "dev", "--", "no-such-command-awscred"]);
    assert_code(&out, 127);
    assert!(
        stderr(&out).contains("cannot run no-such-command-awscred"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(SECRET));
}

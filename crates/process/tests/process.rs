//! The provider against real `sh` helpers written into a temporary directory.

// Unix only: every helper here is a POSIX `sh` script (signals, `exec`, background children);
// the Windows run covers the provider through `awscred_testkit::credential_helper` elsewhere.
#![cfg(unix)]

use std::time::{Duration, Instant};

use awscred_core::{Credentials, Env, ErrorKind, ProvideCredentials, Result, timestamp};
use awscred_process::recursion::PROFILE_CHAIN_VAR;
use awscred_process::{CredentialProcessProvider, StderrMode};
use awscred_testkit::TempDir;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";

fn env() -> Env {
    let none: [(&str, &str); 0] = [];
    Env::from_vars(none)
}

/// A provider running `sh <script> <args>`, stderr captured.
fn provider(dir: &TempDir, script: &str, args: &str) -> CredentialProcessProvider {
    provider_with(env(), dir, script, args, None)
}

fn provider_with(
    env: Env,
    dir: &TempDir,
    script: &str,
    args: &str,
    fallback: Option<&str>,
) -> CredentialProcessProvider {
    let path = dir.write("helper.sh", script);
    CredentialProcessProvider::new(
        env,
        "dev".into(),
        format!("sh {} {args}", path.display()),
        fallback.map(str::to_owned),
    )
    .with_stderr(StderrMode::Capture)
}

fn command(line: &str) -> CredentialProcessProvider {
    CredentialProcessProvider::new(env(), "dev".into(), line.into(), None)
        .with_stderr(StderrMode::Capture)
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn fetch(p: &CredentialProcessProvider) -> Result<Credentials> {
    block_on(p.provide_credentials())
}

/// A script printing a credential document with `extra` fields appended.
fn creds_json(extra: &str) -> String {
    format!(
        "cat <<'JSON'\n{{\"Version\": 1, \"AccessKeyId\": \"AKIDEXAMPLE\", \"SecretAccessKey\": \
         \"{SECRET}\"{extra}}}\nJSON\n"
    )
}

#[test]
fn reads_every_field() {
    let dir = TempDir::new("proc");
    let p = provider(
        &dir,
        &creds_json(&format!(
            r#", "SessionToken": "{TOKEN}", "Expiration": "2030-01-02T03:04:05Z", "AccountId": "123456789012""#
        )),
        "",
    );
    let creds = fetch(&p).unwrap();
    assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
    assert_eq!(creds.secret_access_key().expose(), SECRET);
    assert_eq!(creds.session_token().unwrap().expose(), TOKEN);
    assert_eq!(
        creds.expiration().map(timestamp::format_z).as_deref(),
        Some("2030-01-02T03:04:05Z")
    );
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(creds.provider(), "custom-process");
    let origin = creds
        .origins()
        .iter()
        .find(|o| o.what == "access_key_id")
        .map(|o| o.from.as_str());
    // The program (not its arguments, which may hold anything) and the expiry.
    assert!(
        origin.is_some_and(
            |from| from.starts_with("credential_process of profile dev (program '")
                && from.ends_with("; expires 2030-01-02T03:04:05Z)")
        ),
        "{origin:?}"
    );
    let shown = format!("{creds:?} {p:?}");
    assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
}

#[test]
fn without_expiration_never_expires_and_account_falls_back() {
    let dir = TempDir::new("proc");
    let p = provider_with(env(), &dir, &creds_json(""), "", Some("999999999999"));
    let creds = fetch(&p).unwrap();
    assert_eq!(creds.expiration(), None);
    assert_eq!(creds.session_token(), None);
    assert_eq!(creds.account_id(), Some("999999999999"));
    assert!(
        creds
            .origins()
            .iter()
            .any(|o| o.what == "account_id" && o.from == "aws_account_id of profile dev")
    );
}

#[test]
fn every_call_runs_the_command_again() {
    let dir = TempDir::new("proc");
    let counter = dir.path().join("count");
    let script = format!(
        "echo x >> {c}\nn=$(wc -l < {c})\nprintf '{{\"Version\": 1, \"AccessKeyId\": \"AK%s\", \
         \"SecretAccessKey\": \"S\"}}' $n\n",
        c = counter.display()
    );
    let p = provider(&dir, &script, "");
    assert_eq!(fetch(&p).unwrap().access_key_id(), "AK1");
    assert_eq!(fetch(&p).unwrap().access_key_id(), "AK2");
}

#[test]
fn words_are_split_like_shlex_and_no_shell_runs() {
    let dir = TempDir::new("proc");
    // The helper puts its arguments into the key id, joined with '/'.
    let script =
        r#"IFS=/; printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "S"}' "$*""#;
    let p = provider(&dir, script, r#"'a b' "c'd" e\ f '$HOME' `x` ; | >out"#);
    assert_eq!(
        fetch(&p).unwrap().access_key_id(),
        "a b/c'd/e f/$HOME/`x`/;/|/>out"
    );
    assert!(
        !dir.path().join("out").exists(),
        "no shell may interpret '>'"
    );

    // The conformance suites' `echo ... | base64 --decode` is no pipe for the CLI: echo prints
    // the whole line.
    let err = fetch(&command("echo e30K | base64 --decode")).unwrap_err();
    assert!(err.to_string().contains("is not valid JSON"), "{err}");
}

#[test]
fn a_program_path_with_spaces_can_be_quoted() {
    let dir = TempDir::new("proc dir");
    let path = dir.write("my helper.sh", format!("#!/bin/sh\n{}", creds_json("")));
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let p = command(&format!("'{}'", path.display()));
    assert_eq!(fetch(&p).unwrap().access_key_id(), "AKIDEXAMPLE");
}

#[test]
fn non_zero_exit_carries_stderr() {
    let dir = TempDir::new("proc");
    let p = provider(&dir, "echo 'token expired, run login' >&2\nexit 3\n", "");
    let err = fetch(&p).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    assert_eq!(
        err.to_string(),
        "Error when retrieving credentials from custom-process: token expired, run login \
         (exit status: 3) (credential_process of profile 'dev', program 'sh')"
    );

    let p = provider(&dir, "exit 1\n", "");
    assert_eq!(
        fetch(&p).unwrap_err().to_string(),
        "Error when retrieving credentials from custom-process: the process failed with exit \
         status: 1 and wrote nothing to standard error (credential_process of profile 'dev', \
         program 'sh')"
    );

    let p = provider(&dir, "kill -9 $$\n", "");
    let err = fetch(&p).unwrap_err().to_string();
    assert!(err.contains("signal: 9"), "{err}");
}

#[test]
fn inherited_stderr_is_not_captured() {
    let dir = TempDir::new("proc");
    let p = provider(&dir, "echo 'shown on the terminal' >&2\nexit 2\n", "")
        .with_stderr(StderrMode::Inherit);
    let err = fetch(&p).unwrap_err().to_string();
    assert!(
        err.contains("failed with exit status: 2; its error output went to the terminal"),
        "{err}"
    );
    assert!(!err.contains("shown on the terminal"));
    // A helper that prompts on stderr and succeeds works the same as with captured stderr.
    let p = provider(&dir, &format!("echo 'prompt:' >&2\n{}", creds_json("")), "")
        .with_stderr(StderrMode::Inherit);
    assert_eq!(fetch(&p).unwrap().access_key_id(), "AKIDEXAMPLE");
}

#[test]
fn output_errors_have_the_clis_messages() {
    let dir = TempDir::new("proc");
    let suffix = " (credential_process of profile 'dev', program 'sh')";
    let cases = [
        (
            r#"echo '{"Version": "1", "AccessKeyId": "A", "SecretAccessKey": "S"}'"#,
            "Error when retrieving credentials from custom-process: Unsupported version '1' for \
             credential process provider, supported versions: 1",
        ),
        (
            r#"echo '{"AccessKeyId": "A", "SecretAccessKey": "S"}'"#,
            "Error when retrieving credentials from custom-process: Unsupported version \
             '<Version key not provided>' for credential process provider, supported versions: 1",
        ),
        (
            r#"echo '{"Version": 1, "SecretAccessKey": "S"}'"#,
            "Error when retrieving credentials from custom-process: Missing required key in \
             response: 'AccessKeyId'",
        ),
        (
            r#"echo '{"Version": 1, "AccessKeyId": "A"}'"#,
            "Error when retrieving credentials from custom-process: Missing required key in \
             response: 'SecretAccessKey'",
        ),
        (
            "echo 'invalid json'",
            "Error when retrieving credentials from custom-process: the process's output is not \
             valid JSON (expected value at line 1 column 1); expected a JSON object with Version, \
             AccessKeyId and SecretAccessKey",
        ),
    ];
    for (script, expected) in cases {
        let err = fetch(&provider(&dir, script, "")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProviderFailed);
        assert_eq!(
            err.to_string(),
            format!("{expected}{suffix}"),
            "script {script}"
        );
    }
}

#[test]
fn unusable_command_lines() {
    let err = fetch(&command("  ")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert_eq!(
        err.to_string(),
        "credential_process of profile 'dev' is empty"
    );

    let err = fetch(&command("helper 'unclosed")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert_eq!(
        err.to_string(),
        "credential_process of profile 'dev' cannot be split into words: No closing quotation"
    );

    let err = fetch(&command("exit 1")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderFailed);
    let text = err.to_string();
    assert!(
        text.starts_with(
            "Error when retrieving credentials from custom-process: cannot run 'exit': No such \
             file or directory"
        ),
        "{text}"
    );
    assert!(text.contains("run without a shell"), "{text}");
    assert!(text.contains("profile 'dev'"), "{text}");
    // A program that is simply missing gets no shell hint: nothing in it needs a shell.
    let text = fetch(&command("/no/such/program --flag"))
        .unwrap_err()
        .to_string();
    assert!(text.contains("cannot run '/no/such/program'"), "{text}");
    assert!(!text.contains("shell"), "{text}");
    let text = fetch(&command("/no/such/program | jq ."))
        .unwrap_err()
        .to_string();
    assert!(text.contains("run without a shell"), "{text}");
}

#[test]
fn huge_or_endless_output_is_cut_off() {
    let started = Instant::now();
    let err = fetch(&command("yes")).unwrap_err();
    assert!(
        err.to_string()
            .contains("printed more than 1048576 bytes and was stopped"),
        "{err}"
    );
    // The feature is that an endless helper is stopped, not waited for.
    assert!(started.elapsed() < Duration::from_secs(20));

    // A helper flooding stderr does not deadlock, and the message keeps a bounded part of it.
    let dir = TempDir::new("proc");
    let p = provider(
        &dir,
        "head -c 3000000 /dev/zero | tr '\\0' e >&2\nexit 1\n",
        "",
    );
    let err = fetch(&p).unwrap_err().to_string();
    assert!(err.starts_with("Error when retrieving credentials from custom-process: eeee"));
    assert!(err.len() < 70 * 1024, "{}", err.len());
}

#[test]
fn secrets_never_reach_errors_or_debug() {
    let dir = TempDir::new("proc");
    for extra in [
        r#", "Version": 2"#.to_owned(),
        format!(r#", "Version": 1, "SessionToken": 5, "Note": "{TOKEN}""#),
        r#", "Version": 1, "Expiration": "not a time""#.to_owned(),
        format!(r#", "Version": 1, "AccessKeyId": ["{TOKEN}"]"#),
    ] {
        let script = format!(
            "cat <<'JSON'\n{{\"AccessKeyId\": \"AKIDEXAMPLE\", \"SecretAccessKey\": \
             \"{SECRET}\"{extra}}}\nJSON\n"
        );
        let err = fetch(&provider(&dir, &script, "")).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
    }
    // Arguments may carry a secret: Debug shows the program only.
    let p = provider(&dir, "exit 0", &format!("--password {SECRET}"));
    assert!(!format!("{p:?}").contains(SECRET));
}

#[test]
fn the_profile_chain_variable_reaches_the_child() {
    let dir = TempDir::new("proc");
    let script = format!(
        r#"printf '{{"Version": 1, "AccessKeyId": "AK", "SecretAccessKey": "S", "AccountId": "%s"}}' "${{{PROFILE_CHAIN_VAR}:-unset}}""#
    );
    let e = Env::from_vars([(PROFILE_CHAIN_VAR, "outer,inner")]);
    let p = provider_with(e, &dir, &script, "", None);
    assert_eq!(fetch(&p).unwrap().account_id(), Some("outer,inner"));
    // Without a chain in progress the child gets none.
    let p = provider(&dir, &script, "");
    assert_eq!(fetch(&p).unwrap().account_id(), Some("unset"));
}

#[test]
fn the_runtime_is_not_blocked_while_the_process_runs() {
    // The helper waits for a file that another task on the same single-threaded runtime
    // creates: if running the process blocked the runtime, the file would never appear and the
    // helper would give up after its own 20 s with exit status 7.
    let dir = TempDir::new("proc");
    let flag = dir.path().join("flag");
    let script = format!(
        "i=0\nwhile [ ! -e {f} ]; do i=$((i+1)); [ $i -gt 400 ] && exit 7; sleep 0.05; done\n{}",
        creds_json(""),
        f = flag.display()
    );
    let p = provider(&dir, &script, "");
    let creds = block_on(async {
        let (creds, ()) = tokio::join!(p.provide_credentials(), async {
            tokio::task::yield_now().await;
            std::fs::write(&flag, b"").unwrap();
        });
        creds
    });
    assert_eq!(creds.unwrap().access_key_id(), "AKIDEXAMPLE");
}

#[test]
fn a_background_child_holding_stderr_does_not_hang_the_provider() {
    let dir = TempDir::new("proc");
    let started = Instant::now();
    // The background sleep keeps the stderr pipe open after the helper exits.
    let p = provider(
        &dir,
        &format!("sleep 5 >/dev/null &\n{}", creds_json("")),
        "",
    );
    assert_eq!(fetch(&p).unwrap().access_key_id(), "AKIDEXAMPLE");
    assert!(started.elapsed() < Duration::from_secs(15));
}

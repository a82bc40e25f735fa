//! `awscred exec --server`: the command's environment (an endpoint, no keys), its status and
//! signals, the endpoint's lifetime, and a command that outlives several refresh windows. The
//! commands are `sh -c` scripts on Unix and `cmd /c` lines on Windows.

mod common;

#[cfg(unix)]
use std::io::{BufRead, BufReader};
use std::net::TcpStream;

use common::*;

const AWSCRED: &str = env!("CARGO_BIN_EXE_awscred");
const EXEC_DEV: [&str; 5] = ["exec", "--server", "--profile", "dev", "--"];

/// `awscred exec --server --profile dev -- COMMAND...` in `home`.
fn run_dev(home: &Home, command: &[&str]) -> std::process::Output {
    home.run(&[&EXEC_DEV[..], command].concat())
}

/// The command line that runs `unix` with `sh -c`, or `windows` with `cmd /c` on Windows.
fn shell<'a>(unix: &'a str, windows: &'a str) -> [&'a str; 3] {
    if cfg!(windows) {
        ["cmd", "/c", windows]
    } else {
        ["sh", "-c", unix]
    }
}

#[test]
fn the_command_gets_an_endpoint_and_no_keys() {
    let home = Home::new()
        .with_dev_profile()
        .env("AWS_ACCESS_KEY_ID", "AKIASTALE")
        .env("AWS_PROFILE", "other");
    let out = run_dev(&home, &shell("env", "set"));
    assert_code(&out, 0);
    let lines = env_lines(&out);
    let names: Vec<&str> = lines.iter().map(|l| l.split('=').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "AWS_CONTAINER_AUTHORIZATION_TOKEN",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_DEFAULT_REGION",
            "AWS_EC2_METADATA_DISABLED",
            "AWS_REGION",
        ]
    );
    let uri = lines[1].split_once('=').unwrap().1;
    assert!(
        uri.starts_with("http://127.0.0.1:") && uri.ends_with("/credentials"),
        "{uri}"
    );
    let token = lines[0].split_once('=').unwrap().1;
    assert_eq!(token.len(), 64);
    assert!(!stdout(&out).contains(SECRET));
    assert!(!stdout(&out).contains(TOKEN));
}

#[test]
fn the_command_resolves_through_the_endpoint_which_ends_with_it() {
    let home = Home::new().with_dev_profile();
    // The command prints the credentials it resolves through its container tier, and the URI.
    let windows = format!(
        "{AWSCRED} export-credentials --format env-no-export && \
         echo %AWS_CONTAINER_CREDENTIALS_FULL_URI%"
    );
    let mut command = shell(
        "\"$0\" export-credentials --format env-no-export && echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"",
        &windows,
    )
    .to_vec();
    if cfg!(unix) {
        // `$0` of the sh script.
        command.push(AWSCRED);
    }
    let out = run_dev(&home, &command);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("AWS_ACCESS_KEY_ID=ASIADEV\n"), "{text}");
    assert!(
        text.contains(&format!("AWS_SESSION_TOKEN={TOKEN}\n")),
        "{text}"
    );
    let port: u16 = text
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("http://127.0.0.1:"))
        .and_then(|r| r.strip_suffix("/credentials"))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    // awscred has exited: so has the endpoint.
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn the_commands_status_is_returned() {
    let home = Home::new().with_dev_profile();
    let run = |script: &str| run_dev(&home, &shell(script, script));
    assert_code(&run("exit 7"), 7);
    assert_code(&run("exit 0"), 0);
    // Unix only: signals.
    #[cfg(unix)]
    assert_code(&run("kill -TERM $$"), 143);
    let out = run_dev(&home, &["/nonexistent/x"]);
    assert_code(&out, 127);
    // Nothing to serve: the command never starts.
    let out = Home::new().run(
        &[
            &["exec", "--server", "--"][..],
            &shell("echo ran", "echo ran"),
        ]
        .concat(),
    );
    assert_code(&out, 253);
    assert_eq!(stdout(&out), "");
}

// Unix only: signals (Ctrl-C on Windows: ctrl_c_windows.rs).
#[cfg(unix)]
#[test]
fn signals_sent_to_awscred_reach_the_command() {
    let home = Home::new().with_dev_profile();
    for name in ["TERM", "HUP", "INT", "QUIT"] {
        let script = format!(
            "trap 'echo got-{name}; exit 42' {name}; echo ready; while :; do sleep 0.05; done"
        );
        let mut child = home.spawn(&[&EXEC_DEV[..], &["sh", "-c", &script]].concat());
        let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ready");
        let status = std::process::Command::new("kill")
            .args([format!("-{name}"), child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(lines.next().unwrap().unwrap(), format!("got-{name}"));
        assert_eq!(child.0.wait().unwrap().code(), Some(42), "{name}");
    }
}

/// A command running through several refresh windows keeps resolving, and the credentials are
/// refreshed once per window, not once per call. STS's shortest session is 15 minutes, which is
/// the CLI's advisory refresh window: the helper's credentials last 15 minutes and 3 seconds, so
/// each set enters the window 3 seconds after it was issued.
// Linux only: the helper computes its expiration with GNU date, the loop is sh's.
#[cfg(target_os = "linux")]
#[test]
fn a_long_command_keeps_calling_with_one_refresh_per_window() {
    let home = Home::new();
    let script = home.dir.path().join("helper.sh");
    std::fs::write(
        &script,
        format!(
            "n=$(cat \"$HOME/runs\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$HOME/runs\"\n\
             exp=$(date -u -d @$(( $(date +%s) + 903 )) +%Y-%m-%dT%H:%M:%SZ)\n\
             printf '{{\"Version\":1,\"AccessKeyId\":\"ASIA%s\",\"SecretAccessKey\":\"{SECRET}\",\
             \"SessionToken\":\"{TOKEN}\",\"Expiration\":\"%s\"}}' $n $exp\n"
        ),
    )
    .unwrap();
    let home = home.file(
        ".aws/config",
        &format!(
            "[profile dev]\ncredential_process = sh {}\n",
            script.display()
        ),
    );
    let calls = 24;
    let out = run_dev(
        &home,
        &[
            "sh",
            "-c",
            &format!(
                "for i in $(seq 1 {calls}); do \"$0\" export-credentials --format env-no-export \
             | grep AWS_ACCESS_KEY_ID || exit 9; sleep 0.5; done"
            ),
            AWSCRED,
        ],
    );
    assert_code(&out, 0);
    let keys: Vec<&str> = stdout(&out).lines().collect();
    assert_eq!(keys.len(), calls, "{keys:?}");
    let runs: usize = std::fs::read_to_string(home.dir.path().join("runs"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // 24 calls over 12 s or more: at least three windows passed, and far fewer refreshes than calls.
    assert!(runs >= 3, "runs {runs}, keys {keys:?}");
    assert!(runs <= calls / 2, "runs {runs}, keys {keys:?}");
    let mut distinct = keys.clone();
    distinct.dedup();
    assert!(distinct.len() >= 3, "{keys:?}");
    // Served in order: a key, once replaced, never comes back.
    assert_eq!(distinct.len(), {
        let mut all = distinct.clone();
        all.sort();
        all.dedup();
        all.len()
    });
}

//! Ctrl-C on Windows, where the console sends it to every process attached to it: `exec` lives
//! through it and ends with the status the command chose, and `serve` stops on it (130, as on
//! Unix after SIGINT).
//!
//! awscred runs on a console of its own (`CREATE_NEW_CONSOLE`), and `awscred-ctrl-c.exe`
//! (xtask/wine/ctrl_c.c, which `cargo xtask ci` builds into the Wine prefix's system32) attaches
//! to it and presses Ctrl-C there; its `--wait CODE` mode is the command that ends with CODE on
//! Ctrl-C. Ctrl-Break is not tested: Wine 8 delivers Ctrl-C only (docs/platforms.md).

// Windows only: console control events.
#![cfg(windows)]

mod common;

use std::io::{BufRead, BufReader};
use std::os::windows::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Home, KillOnDrop};

/// The test aid that sends Ctrl-C, on the Wine prefix's PATH.
const CTRL_C: &str = "awscred-ctrl-c.exe";
/// `CREATE_NEW_CONSOLE`: the child gets a console of its own, which Ctrl-C can be sent to
/// without reaching the test harness.
const CREATE_NEW_CONSOLE: u32 = 0x10;

/// Starts awscred with `args` on a new console, its stdout piped; the first line it prints.
fn start(home: &Home, args: &[&str]) -> (KillOnDrop, String) {
    let mut child = KillOnDrop(
        home.command(args)
            .creation_flags(CREATE_NEW_CONSOLE)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("awscred starts"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = BufReader::new(stdout).read_line(&mut first);
        let _ = tx.send(first);
    });
    let first = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("a first line within 60 s");
    (child, first)
}

/// Presses Ctrl-C on the console of process `pid`.
fn press_ctrl_c(pid: u32) {
    let out = Command::new(CTRL_C)
        .args(["--to", &pid.to_string()])
        .output()
        .unwrap_or_else(|e| {
            panic!("{CTRL_C} (built by `cargo xtask ci` into the Wine prefix): {e}")
        });
    assert!(
        out.status.success(),
        "{CTRL_C}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The status `child` ends with, within 60 s.
fn status_within_a_minute(child: &mut KillOnDrop) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            return status.code();
        }
        assert!(
            Instant::now() < deadline,
            "still running a minute after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn exec_lives_through_ctrl_c_and_ends_with_the_commands_status() {
    let home = Home::new().with_dev_profile();
    for exec in [&["exec"][..], &["exec", "--server"]] {
        for code in ["42", "0"] {
            let args = [exec, &["--profile", "dev", "--", CTRL_C, "--wait", code]].concat();
            let (mut awscred, first) = start(&home, &args);
            assert_eq!(first.trim_end(), "ready", "{args:?}: the command listens");
            press_ctrl_c(awscred.0.id());
            // Had awscred died of it, its status would be the console's default action's
            // (STATUS_CONTROL_C_EXIT on Windows, 0 under Wine), not the command's.
            assert_eq!(
                status_within_a_minute(&mut awscred),
                Some(code.parse().unwrap()),
                "{args:?}"
            );
        }
    }
}

#[test]
fn serve_stops_on_ctrl_c() {
    let home = Home::new().with_dev_profile();
    let (mut awscred, first) = start(&home, &["serve", "--profile", "dev"]);
    assert!(
        first.starts_with("export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:"),
        "{first}"
    );
    press_ctrl_c(awscred.0.id());
    assert_eq!(status_within_a_minute(&mut awscred), Some(130));
}

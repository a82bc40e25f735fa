//! The opt-in `credential_process` cache (`awscred_credential_process_cache = true`), through
//! the real binary: 50 processes at once run the helper once; the entry is private, in the
//! CLI's format with awscred's mark; output without `Expiration` is never cached; without the
//! key the helper runs every time, as in the CLI. The helper is a `sh` script on Unix and a
//! batch file run by `cmd /c` on Windows.

mod common;

use std::time::{Duration, SystemTime};

use common::*;

/// A home whose profile `dev` runs a helper that takes a second, counts its runs in
/// `runs` in the home directory and prints credentials (with an `Expiration` an hour ahead
/// when `expires`).
fn home(opt_in: bool, expires: bool) -> Home {
    let home = Home::new();
    let expiration = if expires {
        format!(
            ",\"Expiration\":\"{}\"",
            awscred_core::timestamp::format_z(SystemTime::now() + Duration::from_secs(3600))
        )
    } else {
        String::new()
    };
    let document = format!(
        "{{\"Version\":1,\"AccessKeyId\":\"ASIAPROC\",\"SecretAccessKey\":\"{SECRET}\",\
         \"SessionToken\":\"{TOKEN}\"{expiration}}}"
    );
    let output = home.dir.write("helper.out", document);
    let runs = home.dir.path().join("runs");
    // Counts the run, waits a second (so that the processes of a burst overlap), prints.
    let command = if cfg!(windows) {
        let script = home.dir.write(
            "helper.cmd",
            format!(
                "@echo off\r\necho run>> \"{}\"\r\nping -n 2 127.0.0.1 > nul\r\n\
                 type \"{}\"\r\n",
                runs.display(),
                output.display()
            ),
        );
        format!("cmd /c \"{}\"", script.display())
    } else {
        let script = home.dir.write(
            "helper.sh",
            format!(
                "echo run >> '{}'\nsleep 1\ncat '{}'\n",
                runs.display(),
                output.display()
            ),
        );
        format!("sh {}", script.display())
    };
    let opt_in = if opt_in {
        "awscred_credential_process_cache = true\n"
    } else {
        ""
    };
    home.file(
        ".aws/config",
        &format!("[profile dev]\ncredential_process = {command}\n{opt_in}"),
    )
}

fn runs(home: &Home) -> usize {
    std::fs::read_to_string(home.dir.path().join("runs"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// Starts `n` `export-credentials --profile dev` at once; each one's output.
fn burst(home: &Home, n: usize) -> Vec<std::process::Output> {
    let children: Vec<_> = (0..n)
        .map(|_| {
            home.command(&["export-credentials", "--profile", "dev"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

#[test]
fn fifty_processes_at_once_run_the_helper_once() {
    let home = home(true, true);
    for out in burst(&home, 50) {
        assert_code(&out, 0);
        let doc: serde_json::Value = serde_json::from_str(stdout(&out)).unwrap();
        assert_eq!(doc["AccessKeyId"], "ASIAPROC");
        assert_eq!(doc["SessionToken"], TOKEN);
    }
    assert_eq!(runs(&home), 1);
    let dir = home.dir.path().join(".aws/cli/cache");
    let entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        entries.len(),
        1,
        "no lock or temporary file left: {entries:?}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&entries[0]).unwrap()).unwrap();
    assert_eq!(
        doc["Awscred"],
        serde_json::json!({"Kind": "credential-process", "Profile": "dev"})
    );
    assert_eq!(doc["Credentials"]["SecretAccessKey"], SECRET);
    // No mode bits on Windows: the CLI's 0o600 sets none there either.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&entries[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Later runs read the entry.
    assert_code(&home.run(&["export-credentials", "--profile", "dev"]), 0);
    assert_eq!(runs(&home), 1);
}

#[test]
fn output_without_expiration_is_never_cached() {
    let home = home(true, false);
    for _ in 0..2 {
        assert_code(&home.run(&["export-credentials", "--profile", "dev"]), 0);
    }
    assert_eq!(runs(&home), 2);
    // The lock was taken (its directory made), but nothing is left in it.
    let left: Vec<_> = std::fs::read_dir(home.dir.path().join(".aws/cli/cache"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn without_the_key_the_helper_runs_every_time() {
    let home = home(false, true);
    for _ in 0..2 {
        assert_code(&home.run(&["export-credentials", "--profile", "dev"]), 0);
    }
    assert_eq!(runs(&home), 2);
    assert!(!home.dir.path().join(".aws/cli/cache").exists());
}

#[test]
fn a_bad_value_names_the_profile_and_key() {
    let home = Home::new().file(
        ".aws/config",
        "[profile dev]\ncredential_process = true\nawscred_credential_process_cache = yes\n",
    );
    let out = home.run(&["export-credentials", "--profile", "dev"]);
    assert_code(&out, 253);
    assert!(
        stderr(&out).contains(
            "profile dev: awscred_credential_process_cache = \"yes\" is not true or false"
        ),
        "{}",
        stderr(&out)
    );
}

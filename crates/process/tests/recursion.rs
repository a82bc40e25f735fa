//! End to end: `export-credentials` used as a `credential_process`, with loops through it.
//!
//! No libtest harness: this program is both the test and, when started with
//! `export-credentials --profile NAME`, a minimal `awscred export-credentials` (the guard, then
//! the profile's credential_process, then the credentials as a process document). The test
//! starts itself as that command, and the profiles name it again as their credential process.

use std::path::Path;
use std::process::{Command, Output};

use awscred_core::{Env, ProvideCredentials};
use awscred_process::recursion::{PROFILE_CHAIN_VAR, enter_export_credentials};
use awscred_process::{CredentialProcessProvider, StderrMode};
use awscred_profile::ProfileSet;
use awscred_testkit::TempDir;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("export-credentials") {
        std::process::exit(export_credentials(&args[2..]));
    }
    let tests: [(&str, fn()); 4] = [
        (
            "a_two_profile_loop_is_stopped",
            a_two_profile_loop_is_stopped,
        ),
        ("a_self_loop_is_stopped", a_self_loop_is_stopped),
        ("a_long_chain_hits_the_limit", a_long_chain_hits_the_limit),
        ("a_short_chain_resolves", a_short_chain_resolves),
    ];
    let mut failed = 0;
    for (name, test) in tests {
        match std::panic::catch_unwind(test) {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                failed += 1;
            }
        }
    }
    println!("{} passed, {failed} failed", tests.len() - failed);
    if failed > 0 {
        std::process::exit(1);
    }
}

/// The minimal `export-credentials`.
fn export_credentials(args: &[String]) -> i32 {
    let [flag, profile] = args else {
        eprintln!("usage: export-credentials --profile NAME");
        return 2;
    };
    assert_eq!(flag, "--profile");
    let env = Env::real();
    if let Err(e) = enter_export_credentials(&env, profile) {
        eprintln!("{e}");
        return 255;
    }
    let set = ProfileSet::load(&env).expect("config loads");
    let command = set
        .profile(profile)
        .and_then(|p| p.get("credential_process"))
        .expect("profile has a credential_process")
        .to_owned();
    let provider = CredentialProcessProvider::new(env, profile.clone(), command, None)
        .with_stderr(StderrMode::Capture);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    match runtime.block_on(provider.provide_credentials()) {
        Ok(creds) => {
            println!(
                "{}",
                serde_json::json!({
                    "Version": 1,
                    "AccessKeyId": creds.access_key_id(),
                    "SecretAccessKey": creds.secret_access_key().expose(),
                })
            );
            0
        }
        Err(e) => {
            eprintln!("Unable to retrieve credentials: {e}");
            255
        }
    }
}

/// Writes `config` (with `EXPORT` standing for this program's export command) and runs
/// `export-credentials --profile <profile>` as a user would, with no chain in progress.
fn run(config: &str, profile: &str) -> Output {
    let dir = TempDir::new("recursion");
    let exe = std::env::current_exe().expect("own path");
    let config = config.replace("EXPORT", &format!("{} export-credentials", exe.display()));
    let config_path = dir.write("config", config);
    let leaf = awscred_testkit::credential_helper(
        dir.path(),
        "leaf",
        r#"{"Version": 1, "AccessKeyId": "AKIDLEAF", "SecretAccessKey": "S"}"#,
        "",
        0,
    );
    let config_text = std::fs::read_to_string(&config_path).expect("config");
    std::fs::write(&config_path, config_text.replace("LEAF", &leaf)).expect("config");
    Command::new(&exe)
        .args(["export-credentials", "--profile", profile])
        .env("AWS_CONFIG_FILE", &config_path)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            Path::new(dir.path()).join("none"),
        )
        .env_remove(PROFILE_CHAIN_VAR)
        .output()
        .expect("runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn a_two_profile_loop_is_stopped() {
    let out = run(
        "[profile a]\ncredential_process = EXPORT --profile b\n\
         [profile b]\ncredential_process = EXPORT --profile a\n",
        "a",
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(
            "Credential process resolution detected an infinite loop, profile cycle: a -> b -> a"
        ),
        "{err}"
    );
}

fn a_self_loop_is_stopped() {
    let out = run(
        "[profile me]\ncredential_process = EXPORT --profile me\n",
        "me",
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("profile cycle: me -> me"),
        "{}",
        stderr(&out)
    );
}

fn a_long_chain_hits_the_limit() {
    let out = run(
        "[profile p1]\ncredential_process = EXPORT --profile p2\n\
         [profile p2]\ncredential_process = EXPORT --profile p3\n\
         [profile p3]\ncredential_process = EXPORT --profile p4\n\
         [profile p4]\ncredential_process = EXPORT --profile p5\n\
         [profile p5]\ncredential_process = LEAF\n",
        "p1",
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(
            "Maximum recursive credential process resolution reached (4).\nProfiles seen: p1 -> \
             p2 -> p3 -> p4"
        ),
        "{err}"
    );
}

fn a_short_chain_resolves() {
    let out = run(
        "[profile q1]\ncredential_process = EXPORT --profile q2\n\
         [profile q2]\ncredential_process = EXPORT --profile q3\n\
         [profile q3]\ncredential_process = LEAF\n",
        "q1",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["AccessKeyId"], "AKIDLEAF");
}

//! `cargo xtask ci`: the checks CI runs, in order, each with its time (and the processor time it
//! took); the first failure stops the run with a non-zero exit. Two long checks run beside the
//! others (side.rs): the fuzz smoke run once fmt and clippy passed (its build has a target
//! directory of its own), and the Windows tests under Wine, which mostly wait, once the Linux
//! tests are done; their output is shown whole when they end.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{cargo, describe, root};

/// One check: a name for the summary and what to run.
struct Check {
    name: String,
    action: Action,
    /// Run beside the checks after it (a child `xtask ci --step NAME` writing to a log, see
    /// side.rs) instead of before them: for a long check that mostly waits.
    beside: bool,
}

enum Action {
    Command(Command),
    Venv,
    Fuzz,
    /// The Windows tests under Wine and the side-by-side answers (windows.rs).
    Windows,
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    // CI runs it bare. `--keep-going` and `--skip NAME` help locally, for example when another
    // change in progress breaks one check.
    let mut keep_going = false;
    let mut skip: Vec<String> = Vec::new();
    let mut only: Vec<String> = Vec::new();
    // `--step NAME`: that one check alone, by its whole name, in the foreground (how a check run
    // beside the others is started).
    let mut step: Option<String> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--keep-going" => keep_going = true,
            "--skip" => skip.push(args.next().ok_or("--skip needs a check name")?.clone()),
            "--only" => only.push(args.next().ok_or("--only needs a check name")?.clone()),
            "--step" => step = Some(args.next().ok_or("--step needs a check name")?.clone()),
            other => {
                return Err(format!(
                    "unknown option {other:?} (ci takes --keep-going, --skip NAME, --only NAME)"
                ));
            }
        }
    }
    let mut checks = checks()?;
    if let Some(step) = &step {
        checks.retain(|c| &c.name == step);
        if checks.is_empty() {
            return Err(format!("no check named {step:?}"));
        }
        for check in &mut checks {
            check.beside = false;
        }
    }
    let started = Instant::now();
    let mut summary: Vec<String> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    let mut beside: Vec<crate::side::Beside> = Vec::new();
    for check in checks {
        let left_out = skip.iter().any(|s| check.name.starts_with(s.as_str()))
            || !(only.is_empty() || only.iter().any(|o| check.name.starts_with(o.as_str())));
        if left_out {
            summary.push(format!("{:<4} {}", "skip", check.name));
            continue;
        }
        if check.beside {
            eprintln!(
                "\n==> {} (started beside the checks that follow)",
                check.name
            );
            beside.push(crate::side::Beside::start(&check.name)?);
            continue;
        }
        eprintln!("\n==> {}", check.name);
        let began = Instant::now();
        let cpu_before = children_cpu();
        let mut note = String::new();
        let result = match check.action {
            Action::Command(mut cmd) => {
                eprintln!("    {}", describe(&cmd));
                crate::run_status(&mut cmd)
            }
            Action::Venv => venv(),
            Action::Fuzz => fuzz_smoke(),
            Action::Windows => crate::windows::ci().map(|counts| note = format!(" ({counts})")),
        };
        let cpu = match (cpu_before, children_cpu()) {
            (Some(before), Some(after)) => {
                format!(" (cpu {})", seconds(after.saturating_sub(before)))
            }
            _ => String::new(),
        };
        let line = format!(
            "{:<4} {:<60} {}{cpu}{note}",
            if result.is_ok() { "ok" } else { "FAIL" },
            check.name,
            seconds(began.elapsed())
        );
        summary.push(line);
        if let Err(message) = result {
            failed.push(format!("{}: {message}", check.name));
            if !keep_going {
                break;
            }
        }
    }
    // The checks run beside the others end before the summary, whatever happened: their output
    // is shown whole, and their lines join the summary.
    for check in beside {
        let outcome = check.finish();
        summary.push(outcome.line);
        if let Some(message) = outcome.failure {
            failed.push(message);
        }
    }
    print_summary(&summary, started.elapsed());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join("; ")))
    }
}

fn print_summary(lines: &[String], total: Duration) {
    eprintln!("\nci summary:");
    for line in lines {
        eprintln!("  {line}");
    }
    eprintln!("  total {}", seconds(total));
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// The processor time (user and system) of this process's finished children and theirs, from
/// `/proc/self/stat` (Linux; `None` elsewhere): beside a step's wall time it shows whether the
/// step kept both cores busy or mostly waited.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces: state is
    // field 3, cutime and cstime fields 16 and 17, in clock ticks (100 a second on Linux).
    let (_, after_name) = stat.rsplit_once(") ")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    Some(Duration::from_millis((ticks(13)? + ticks(14)?) * 10))
}

fn checks() -> Result<Vec<Check>, String> {
    let command = |name: &str, args: &[&str]| {
        let mut cmd = cargo();
        cmd.args(args);
        Check {
            name: name.to_owned(),
            action: Action::Command(cmd),
            beside: false,
        }
    };
    let windows =
        cfg!(all(target_os = "linux", target_arch = "x86_64")).then(crate::windows::missing_tools);
    let mut checks = vec![
        command("fmt", &["fmt", "--all", "--", "--check"]),
        command(
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ],
        ),
        Check {
            name: "python venv (tests/python-requirements.txt)".to_owned(),
            action: Action::Venv,
            beside: false,
        },
        // Beside the checks that follow, once fmt and clippy passed: the fuzz targets build in
        // a target directory of their own (target/fuzz), so that build fills the cores the
        // tests leave idle while they wait (on Python, on servers, on timeouts).
        Check {
            name: "fuzz smoke (5 s per target)".to_owned(),
            action: Action::Fuzz,
            beside: true,
        },
        // Unit, integration and conformance tests; the doc tests get their own line below.
        command(
            "tests",
            &[
                "test",
                "--workspace",
                "--all-features",
                "--lib",
                "--bins",
                "--tests",
            ],
        ),
    ];
    // The Windows tests, also beside the others: under Wine they mostly wait (see side.rs).
    // Started once the Linux tests are done, so the two test runs (each starting hundreds of
    // processes, Wine's slow to start) do not overlap; the builds and tests that follow leave
    // it the time it needs.
    if windows == Some(None) {
        checks.push(Check {
            name: format!("tests on {} under Wine", crate::windows::TARGET),
            action: Action::Windows,
            beside: true,
        });
    }
    checks.push(command(
        "doc tests",
        &["test", "--workspace", "--all-features", "--doc"],
    ));
    let features = chain_features(&root().join("crates/chain/Cargo.toml"))?;
    checks.push(command(
        "chain with no tier",
        &["check", "-p", "awscred-chain", "--no-default-features"],
    ));
    for feature in &features {
        checks.push(command(
            &format!("chain with only `{feature}`"),
            &[
                "check",
                "-p",
                "awscred-chain",
                "--no-default-features",
                "--features",
                feature,
            ],
        ));
    }
    checks.push(command(
        "chain tests with env,profile",
        &[
            "test",
            "-p",
            "awscred-chain",
            "--no-default-features",
            "--features",
            "env,profile",
        ],
    ));
    // The shipped binary is a static musl build (`cargo xtask dist`): its command-line tests run
    // on that target too, where its standard library is installed (`.ci/run` installs it).
    const MUSL: &str = "x86_64-unknown-linux-musl";
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        if crate::dist::target_installed(MUSL) {
            let mut musl = cargo();
            musl.args(["test", "-p", "awscred-cli", "--target", MUSL])
                .envs(crate::dist::musl_cc(MUSL));
            checks.push(Check {
                name: format!("awscred-cli tests on {MUSL} (the shipped build)"),
                action: Action::Command(musl),
                beside: false,
            });
        } else {
            eprintln!("ci: the {MUSL} standard library is not installed: its tests do not run");
        }
    }
    // The Windows build (`.ci/run` installs mingw-w64 and Wine): the `cfg(windows)` code is
    // linted only when built for Windows. Its tests run beside the others (above).
    match windows {
        Some(None) => {
            let mut clippy = cargo();
            clippy
                .args(["clippy", "--workspace", "--all-targets", "--all-features"])
                .args(["--target", crate::windows::TARGET, "--", "-D", "warnings"]);
            checks.push(Check {
                name: format!("clippy on {}", crate::windows::TARGET),
                action: Action::Command(clippy),
                beside: false,
            });
        }
        Some(Some(missing)) => eprintln!("ci: the Windows tests do not run: missing {missing}"),
        None => {}
    }
    // macOS: the crates clear of ring (whose C needs Apple's SDK: docs/platforms.md), for each
    // Apple target whose standard library is installed.
    for target in ["aarch64-apple-darwin", "x86_64-apple-darwin"] {
        if crate::dist::target_installed(target) {
            let mut mac = cargo();
            mac.args(["check", "--target", target]).args(MACOS_CHECKED);
            checks.push(Check {
                name: format!("check on {target} (the crates clear of ring)"),
                action: Action::Command(mac),
                beside: false,
            });
        }
    }
    let mut doc = cargo();
    doc.args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings");
    checks.push(Check {
        name: "docs (RUSTDOCFLAGS=-D warnings)".to_owned(),
        action: Action::Command(doc),
        beside: false,
    });
    Ok(checks)
}

/// What `cargo check` builds for the Apple targets: every crate and chain tier that does not
/// reach ring (awscred-process does since its opt-in disk cache keys entries with ring's SHA-1).
const MACOS_CHECKED: &[&str] = &[
    "-p",
    "awscred-core",
    "-p",
    "awscred-profile",
    "-p",
    "awscred-chain",
    "--no-default-features",
    "--features",
    "awscred-chain/env,awscred-chain/profile",
];

/// The names of the tier features of the chain crate: every entry of its `[features]` table
/// except `default`. Read from the manifest so a new tier is checked without editing this file.
fn chain_features(manifest: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    Ok(features_of(&text))
}

fn features_of(manifest: &str) -> Vec<String> {
    let mut in_features = false;
    let mut names = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        if !in_features || line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((name, _)) = line.split_once('=') {
            let name = name.trim().trim_matches('"');
            if name != "default" && !name.is_empty() {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// The Python tools the differential tests run, as `awscred_testkit::python()` sets them up:
/// `.venv/` with `tests/python-requirements.txt`, marked ready by `.venv/.requirements-installed`
/// holding a copy of the requirements it was installed from.
fn venv() -> Result<(), String> {
    let root = root();
    let venv = root.join(".venv");
    let ready = venv.join(".requirements-installed");
    let requirements = root.join("tests/python-requirements.txt");
    let wanted = std::fs::read(&requirements)
        .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    if std::fs::read(&ready).is_ok_and(|have| have == wanted) {
        eprintln!("    {} is ready", venv.display());
        return Ok(());
    }
    if !venv.join("bin/python").exists() {
        crate::run_status(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    crate::run_status(
        Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "-q", "-r"])
            .arg(&requirements),
    )?;
    std::fs::write(&ready, &wanted).map_err(|e| format!("cannot write {}: {e}", ready.display()))
}

fn fuzz_smoke() -> Result<(), String> {
    if !crate::fuzz::cargo_fuzz_installed() {
        eprintln!("    cargo-fuzz is missing: installing it");
        let mut install = cargo();
        install.args(["install", "cargo-fuzz", "--locked"]);
        crate::run_status(&mut install)?;
    }
    // Two targets at a time: a libFuzzer run keeps one core busy, and this machine has two.
    crate::fuzz::run(&["--seconds", "5", "--jobs", "2"].map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_feature_names_but_not_default() {
        let manifest = "[package]\nname = \"x\"\n\n[features]\ndefault = [\"env\"]\n# comment\n\
                        env = []\nprofile = [\"dep:a\"]\n\"sso\" = []\nsts = [\n  \"dep:b\",\n]\n\n[dependencies]\na = \"1\"\n";
        assert_eq!(features_of(manifest), ["env", "profile", "sso", "sts"]);
    }
}

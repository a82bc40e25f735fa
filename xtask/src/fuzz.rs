//! `cargo xtask fuzz [--seconds N] [--jobs J] [TARGET]`: runs the cargo-fuzz targets of `fuzz/`,
//! N seconds each, J at a time.
//!
//! `fuzz/` is one cargo-fuzz project holding a target for every parser crate, each named
//! `<crate>_<what>` (`profile_parse`, `sts_xml`...), and `fuzz/seed/<crate>.sh` (or `.py`) writes
//! the starting corpus of that crate's targets. All targets are built first, in one cargo
//! invocation (what they share is compiled once, both cores busy), then fuzzed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::{describe, root, run_status};

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut seconds: u64 = 60;
    let mut jobs: usize = 1;
    let mut only: Option<String> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => seconds = number(args.next(), "--seconds")?,
            "--jobs" => jobs = number::<usize>(args.next(), "--jobs")?.max(1),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag:?}")),
            target if only.is_none() => only = Some(target.to_owned()),
            extra => return Err(format!("unexpected argument {extra:?}")),
        }
    }
    let project = root().join("fuzz");
    let mut targets = discover(&project.join("fuzz_targets"));
    if let Some(only) = &only {
        targets.retain(|t| t == only);
        if targets.is_empty() {
            return Err(format!(
                "no fuzz target named {only:?} in fuzz/fuzz_targets/"
            ));
        }
    }
    if targets.is_empty() {
        eprintln!("no fuzz targets in fuzz/fuzz_targets/: nothing to run");
        return Ok(());
    }
    seed(&project, &targets)?;
    let mut build = fuzz_command(&project, "build");
    if let Some(only) = &only {
        build.arg(only);
    }
    eprintln!(
        "building {} fuzz target(s): {}",
        targets.len(),
        describe(&build)
    );
    run_status(&mut build)?;
    fuzz_all(&project, &targets, seconds, jobs)
}

fn number<T: std::str::FromStr>(value: Option<&String>, flag: &str) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{flag} takes a whole number, not {value:?}"))
}

/// Fuzzes every target for `seconds`, `jobs` at a time. With one job libFuzzer writes to the
/// terminal as it goes; with more, each run writes to a log of its own
/// (`target/fuzz/logs/<target>.log`), whose last line is shown when the run succeeds and which is
/// shown whole when it fails.
fn fuzz_all(project: &Path, targets: &[String], seconds: u64, jobs: usize) -> Result<(), String> {
    let logs = crate::target_dir().join("fuzz/logs");
    if jobs > 1 {
        std::fs::create_dir_all(&logs)
            .map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
    }
    let mut failed: Vec<String> = Vec::new();
    for batch in targets.chunks(jobs) {
        let mut running: Vec<(&String, Child, Option<PathBuf>)> = Vec::new();
        for target in batch {
            eprintln!("fuzzing {target} ({seconds} s)");
            let mut cmd = fuzz_command(project, "run");
            cmd.args([target.as_str(), "--", &format!("-max_total_time={seconds}")]);
            let log = if jobs > 1 {
                let path = logs.join(format!("{target}.log"));
                let file = std::fs::File::create(&path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                let copy = file
                    .try_clone()
                    .map_err(|e| format!("cannot share {}: {e}", path.display()))?;
                cmd.stdout(Stdio::from(file)).stderr(Stdio::from(copy));
                Some(path)
            } else {
                None
            };
            let child = cmd
                .spawn()
                .map_err(|e| format!("cannot run {}: {e}", describe(&cmd)))?;
            running.push((target, child, log));
        }
        for (target, mut child, log) in running {
            let status = child.wait().map_err(|e| format!("{target}: {e}"))?;
            let text = log
                .as_ref()
                .map(|path| std::fs::read_to_string(path).unwrap_or_default());
            if status.success() {
                if let Some(last) = text.as_deref().and_then(|t| t.lines().last()) {
                    eprintln!("{target}: {last}");
                }
            } else {
                if let Some(text) = &text {
                    eprintln!("{text}");
                }
                failed.push(format!("{target} ({status})"));
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets failed: {}", failed.join(", ")))
    }
}

/// `cargo fuzz <subcommand>` for the project, into `target/fuzz` (beside the workspace's own
/// builds, which it never shares: its flags differ). `--fuzz-dir .`: cargo-fuzz otherwise looks
/// for the project in a `fuzz/` folder below the one it runs in.
fn fuzz_command(project: &Path, subcommand: &str) -> Command {
    let target_dir = crate::target_dir().join("fuzz");
    let mut cmd = fuzz_cargo();
    cmd.current_dir(project).args([
        "fuzz",
        subcommand,
        "--fuzz-dir",
        ".",
        "--target-dir",
        &target_dir.to_string_lossy(),
    ]);
    cmd
}

/// Every `fuzz_targets/<target>.rs`, sorted.
fn discover(targets_dir: &Path) -> Vec<String> {
    let mut targets: Vec<String> = std::fs::read_dir(targets_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|file| file.path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter_map(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    targets.sort();
    targets
}

/// Runs the seed scripts of the crates the targets feed, in the project directory: for a
/// target `<crate>_<what>`, `seed/<crate>.sh` (run with bash) or `seed/<crate>.py` (python3).
fn seed(project: &Path, targets: &[String]) -> Result<(), String> {
    for script in seed_scripts(&project.join("seed"), targets) {
        let interpreter = if script.extension().is_some_and(|e| e == "py") {
            "python3"
        } else {
            "bash"
        };
        let mut cmd = Command::new(interpreter);
        cmd.arg(&script).current_dir(project);
        eprintln!("seeding: {}", describe(&cmd));
        run_status(&mut cmd)?;
    }
    Ok(())
}

/// The scripts of `seed_dir` named for the crate of one of the targets, sorted.
fn seed_scripts(seed_dir: &Path, targets: &[String]) -> Vec<PathBuf> {
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(seed_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh" || e == "py"))
        .filter(|p| {
            p.file_stem().is_some_and(|crate_name| {
                let prefix = format!("{}_", crate_name.to_string_lossy());
                targets.iter().any(|t| t.starts_with(&prefix))
            })
        })
        .collect();
    scripts.sort();
    scripts
}

/// `cargo` for cargo-fuzz, which needs nightly compiler flags: the nightly toolchain when rustup
/// has one, else this cargo with `RUSTC_BOOTSTRAP=1` (which lets stable accept them).
fn fuzz_cargo() -> Command {
    if nightly_installed() {
        let mut cmd = Command::new("cargo");
        cmd.arg("+nightly");
        cmd
    } else {
        let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.env("RUSTC_BOOTSTRAP", "1");
        cmd
    }
}

fn nightly_installed() -> bool {
    Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .is_ok_and(|out| {
            out.status.success()
                && String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .any(|l| l.starts_with("nightly"))
        })
}

/// Whether `cargo fuzz` is available.
pub(crate) fn cargo_fuzz_installed() -> bool {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|out| out.status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_targets_and_the_seed_scripts_of_their_crates() {
        let dir = std::env::temp_dir().join(format!("xtask-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for file in [
            "fuzz_targets/profile_parse.rs",
            "fuzz_targets/profile_writer.rs",
            "fuzz_targets/README.md",
            "fuzz_targets/sts_xml.rs",
            "seed/profile.py",
            "seed/sts.sh",
            "seed/sso.sh",
            "seed/stsx.sh",
            "seed/notes.txt",
        ] {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "").unwrap();
        }
        let targets = discover(&dir.join("fuzz_targets"));
        let all_seeds = seed_scripts(&dir.join("seed"), &targets);
        let sts_seeds = seed_scripts(&dir.join("seed"), &["sts_xml".to_owned()]);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(targets, ["profile_parse", "profile_writer", "sts_xml"]);
        let names = |paths: &[PathBuf]| -> Vec<String> {
            paths
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(names(&all_seeds), ["profile.py", "sts.sh"]);
        assert_eq!(names(&sts_seeds), ["sts.sh"]);
    }
}

//! `cargo xtask fuzz [--seconds N] [TARGET]`: runs the cargo-fuzz targets of every project under
//! `fuzz/` (each `fuzz/<name>/` is a standalone cargo-fuzz project), N seconds each.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{describe, root, run_status};

/// One fuzz target: the cargo-fuzz project it belongs to and its name.
struct Target {
    project: PathBuf,
    name: String,
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut seconds: u64 = 60;
    let mut only: Option<String> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = args.next().ok_or("--seconds needs a value")?;
                seconds = value
                    .parse()
                    .map_err(|_| format!("--seconds takes a whole number, not {value:?}"))?;
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag:?}")),
            target if only.is_none() => only = Some(target.to_owned()),
            extra => return Err(format!("unexpected argument {extra:?}")),
        }
    }
    let mut targets = discover(&root().join("fuzz"));
    if let Some(only) = &only {
        targets.retain(|t| &t.name == only);
        if targets.is_empty() {
            return Err(format!(
                "no fuzz target named {only:?} under fuzz/*/fuzz_targets/"
            ));
        }
    }
    if targets.is_empty() {
        eprintln!("no fuzz targets under fuzz/*/fuzz_targets/: nothing to run");
        return Ok(());
    }
    let mut seeded: Vec<PathBuf> = Vec::new();
    for target in &targets {
        if !seeded.contains(&target.project) {
            seed(&target.project)?;
            seeded.push(target.project.clone());
        }
        eprintln!("fuzzing {} ({} s)", target.name, seconds);
        let mut cmd = fuzz_cargo();
        // `--fuzz-dir .`: cargo-fuzz otherwise looks for the project in a `fuzz/` folder below
        // the one it runs in. One target directory for every project, so the dependencies they
        // share are built once.
        let target_dir = crate::target_dir().join("fuzz");
        cmd.current_dir(&target.project).args([
            "fuzz",
            "run",
            "--fuzz-dir",
            ".",
            "--target-dir",
            &target_dir.to_string_lossy(),
            &target.name,
            "--",
            &format!("-max_total_time={seconds}"),
        ]);
        run_status(&mut cmd)?;
    }
    Ok(())
}

/// Every `fuzz/<project>/fuzz_targets/<target>.rs`, sorted.
fn discover(fuzz_dir: &Path) -> Vec<Target> {
    let mut targets = Vec::new();
    let Ok(projects) = std::fs::read_dir(fuzz_dir) else {
        return targets;
    };
    for project in projects.flatten() {
        let project = project.path();
        let Ok(files) = std::fs::read_dir(project.join("fuzz_targets")) else {
            continue;
        };
        for file in files.flatten() {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "rs")
                && let Some(stem) = path.file_stem()
            {
                targets.push(Target {
                    project: project.clone(),
                    name: stem.to_string_lossy().into_owned(),
                });
            }
        }
    }
    targets.sort_by(|a, b| (&a.project, &a.name).cmp(&(&b.project, &b.name)));
    targets
}

/// Runs the project's own seed script, if it has one: a file named `seed*.sh` (run with bash)
/// or `seed*.py` (run with python3) at the project's top, in the project directory.
fn seed(project: &Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(project) else {
        return Ok(());
    };
    let mut scripts: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.starts_with("seed") && (name.ends_with(".sh") || name.ends_with(".py"))
        })
        .collect();
    scripts.sort();
    for script in scripts {
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
    fn finds_targets_of_every_project_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("xtask-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for file in [
            "profile/fuzz_targets/parse.rs",
            "profile/fuzz_targets/merge.rs",
            "profile/fuzz_targets/README.md",
            "sts/fuzz_targets/xml.rs",
            "notaproject/src/lib.rs",
        ] {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "").unwrap();
        }
        let found: Vec<String> = discover(&dir).into_iter().map(|t| t.name).collect();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(found, ["merge", "parse", "xml"]);
    }
}

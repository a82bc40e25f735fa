//! `awscred.exe` under Wine and the Linux `awscred`, side by side on the recorded cross-SDK cases
//! that need no network (`http-traffic.json` without events): each case's `fs/` becomes a real
//! home directory, and both programs answer `export-credentials` and `explain` on it. The
//! answers must be the same but for what the platform changes by design: `\r\n` line endings
//! in the process format (Python's stdout on Windows) and the separators of the paths shown.
//!
//! Every endpoint is pointed at a closed loopback port and IMDS is off, so a case that would
//! reach a service fails the same way on both sides instead of leaving the machine. Cases whose
//! files start a `credential_process` (POSIX `sh` command lines) or name a link-local address are
//! left out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{cargo, root, target_dir};

/// The suites whose cases are compared.
const SUITES: &[&str] = &[
    "smithy-rs/aws-config/default-credential-provider-chain",
    "smithy-rs/aws-config/profile-provider",
];

/// A closed loopback port: nothing listens on the discard port here.
const CLOSED: &str = "http://127.0.0.1:9";

pub(crate) fn run(prefix: &Path) -> Result<String, String> {
    // The binaries the test runs use, built as they build them (the same features, so CI's
    // earlier steps left nothing to do here).
    for target in [None, Some(crate::windows::TARGET)] {
        let mut build = cargo();
        build.args(["test", "-q", "--workspace", "--all-features"]);
        build.args(["--lib", "--bins", "--tests", "--no-run"]);
        if let Some(target) = target {
            build.args(["--target", target]);
        }
        crate::run_status(&mut build)?;
    }
    let linux = target_dir().join("debug/awscred");
    let windows = target_dir()
        .join(crate::windows::TARGET)
        .join("debug/awscred.exe");
    let work = target_dir().join("wine/compare");
    let _ = std::fs::remove_dir_all(&work);
    let cases = cases()?;
    // A few cases at a time: each run mostly waits on Wine (its server, the start of `cmd` and
    // of the program), so their waits overlap. Each case has a home and a launcher of its own.
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, CaseResult)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..COMPARE_THREADS.min(cases.len()) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(index) else { break };
                    let result = compare_case(case, &work, &linux, &windows, prefix);
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((index, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(index, _)| *index);
    let mut differences = Vec::new();
    for (_, result) in results {
        differences.extend(result?);
    }
    if !differences.is_empty() {
        return Err(format!(
            "awscred.exe and awscred answer differently:\n{}",
            differences.join("\n")
        ));
    }
    Ok(format!(
        "{} answers of awscred.exe the same as on Linux",
        cases.len() * COMMANDS.len()
    ))
}

/// What both programs answer on every case.
const COMMANDS: [&[&str]; 2] = [&["export-credentials"], &["explain"]];
/// Cases compared at a time.
const COMPARE_THREADS: usize = 4;

/// The differences found on one case (none when both programs agree), or why it could not run.
type CaseResult = Result<Vec<String>, String>;

/// Runs both programs on one case.
fn compare_case(
    case: &Path,
    work: &Path,
    linux: &Path,
    windows: &Path,
    prefix: &Path,
) -> CaseResult {
    let name = case
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let home = work.join(&name);
    copy_tree(&case.join("fs"), &home)?;
    let vars = case_vars(case, &home)?;
    let mut differences = Vec::new();
    for args in COMMANDS {
        let mut ours = Command::new(linux);
        ours.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        // Wine sets `USERPROFILE` of a program it starts to the prefix's user folder; a
        // batch file sets the case's home, as a Windows parent process would.
        let launcher = work.join(format!("{name}.cmd"));
        let home_var = vars.iter().find(|(k, _)| k == "USERPROFILE");
        let set_home = home_var.map_or(String::new(), |(_, v)| {
            format!("set \"USERPROFILE={v}\"\r\n")
        });
        let batch = format!("@echo off\r\n{set_home}\"{}\" %*\r\n", windows.display());
        std::fs::write(&launcher, batch).map_err(|e| format!("{}: {e}", launcher.display()))?;
        let mut theirs = crate::windows::under_wine(prefix, Path::new("cmd"));
        theirs.arg("/c").arg(&launcher);
        for cmd in [&mut ours, &mut theirs] {
            cmd.envs(vars.iter().map(|(k, v)| (k, v)))
                .args(args)
                .current_dir(&home);
        }
        let (a, b) = (output(&mut ours)?, output(&mut theirs)?);
        let (a, b) = (shown(&a, &home, false), shown(&b, &home, true));
        if a != b {
            differences.push(format!(
                "{name} {}:\n  linux:   {a:?}\n  windows: {b:?}",
                args.join(" ")
            ));
        }
    }
    Ok(differences)
}

fn output(cmd: &mut Command) -> Result<Output, String> {
    cmd.output()
        .map_err(|e| format!("cannot run {}: {e}", crate::describe(cmd)))
}

/// The cases to compare: no recorded traffic, no `credential_process`, no link-local address.
fn cases() -> Result<Vec<PathBuf>, String> {
    let base = root().join("../shared/conformance");
    let mut cases = Vec::new();
    for suite in SUITES {
        let dir = base.join(suite);
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let case = entry.path();
            let traffic = read(&case.join("http-traffic.json"));
            let quiet = traffic
                .split_whitespace()
                .collect::<String>()
                .contains("\"events\":[]");
            let files = all_text(&case.join("fs"));
            let env = read(&case.join("env.json"));
            if quiet && !files.contains("credential_process") && !env.contains("169.254.") {
                cases.push(case);
            }
        }
    }
    cases.sort();
    Ok(cases)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn all_text(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            text.push_str(&all_text(&path));
        } else {
            text.push_str(&read(&path));
        }
    }
    text
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| format!("{}: {e}", dst.display()))?;
        }
    }
    Ok(())
}

/// The case's `env.json` (a flat object of strings), with the paths moved below `root` (the
/// case's file system), the home given to both platforms' variables, and every endpoint closed.
fn case_vars(case: &Path, root: &Path) -> Result<Vec<(String, String)>, String> {
    let text = read(&case.join("env.json"));
    let mut vars = Vec::new();
    for pair in flat_json_object(&text)
        .ok_or_else(|| format!("{}: not a flat object of strings", case.display()))?
    {
        let (name, value) = pair;
        let value = if value.starts_with('/') {
            format!("{}{value}", root.display())
        } else {
            value
        };
        if name == "HOME" {
            vars.push(("USERPROFILE".to_owned(), value.clone()));
        }
        vars.push((name, value));
    }
    for name in [
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL_SSO",
        "AWS_ENDPOINT_URL_SSO_OIDC",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    ] {
        vars.push((name.to_owned(), CLOSED.to_owned()));
    }
    vars.push(("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()));
    Ok(vars)
}

/// `{"NAME": "value", ...}` with plain strings (what every `env.json` of the suites holds).
fn flat_json_object(text: &str) -> Option<Vec<(String, String)>> {
    let body = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut pairs = Vec::new();
    let mut strings = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let end = after.find('"')?;
        strings.push(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    if strings.len() % 2 != 0 {
        return None;
    }
    for pair in strings.chunks(2) {
        pairs.push((pair[0].clone(), pair[1].clone()));
    }
    Some(pairs)
}

/// What is compared of a run: the exit status, stdout and stderr, with the platform's own
/// renderings made equal: `\r\n` line ends, the home's path, and `\` in paths.
fn shown(out: &Output, home: &Path, windows: bool) -> String {
    let mut text = format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let home = home.display().to_string();
    if windows {
        text = text.replace("\r\n", "\n");
        // Wine shows the Unix path it was given as is, or as the drive it maps `/` to.
        let drive = format!("Z:{}", home.replace('/', "\\"));
        text = text.replace(&drive, "<root>");
    }
    text.replace(&home, "<root>").replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_suites_env_files() {
        assert_eq!(
            flat_json_object("{\n  \"HOME\": \"/home\",\n  \"AWS_PROFILE\": \"a:b/c\"\n}\n"),
            Some(vec![
                ("HOME".to_owned(), "/home".to_owned()),
                ("AWS_PROFILE".to_owned(), "a:b/c".to_owned())
            ])
        );
        assert_eq!(flat_json_object("{}"), Some(vec![]));
        assert_eq!(flat_json_object("[]"), None);
    }
}

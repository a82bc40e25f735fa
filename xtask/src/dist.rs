//! `cargo xtask dist`: the `awscred` binary as it is shipped: the `dist` profile (release with
//! fat LTO, one codegen unit, `opt-level = "z"`: about 1.4 MiB less than the release profile, and
//! quicker to load).
//!
//! A credential lookup from a shell lasts about a millisecond, and most of it is the kernel
//! mapping the program in: on the machines measured here each page fault costs about 5 µs, and a
//! run of `awscred export-credentials` used to take 80 of them. Three choices cut that down:
//!
//! - On Linux with glibc the binary is linked statically (`+crt-static`): nothing is spent in the
//!   dynamic loader, and glibc's shared object is never mapped (half a millisecond here).
//!   Host-name resolution still goes through glibc's `getaddrinfo` (its files and DNS sources are
//!   built into the static library).
//! - It is not position-independent (`relocation-model=static`). A static PIE relocates itself at
//!   start, writing to every page of its relocated data (about 100 KiB: vtables, panic locations),
//!   which cost about 25 page faults per run; a fixed load address costs none. The trade: the
//!   executable image itself is not randomised (stack, heap and shared mappings still are), the
//!   same as Go's default static binaries. The code has no `unsafe` (the workspace forbids it), so
//!   there is no memory-corruption bug for a fixed layout to help exploit.
//! - The functions a lookup runs are laid out together (lld's `--symbol-ordering-file`), so the
//!   kernel's fault-around maps them with a handful of faults instead of one for every 64 KiB of
//!   the 2.4 MiB of code. The order is measured, not guessed: a first build with symbols runs a
//!   few representative lookups under `valgrind --tool=callgrind` and lists the functions in the
//!   order they first ran; the second build links in that order. Without valgrind, or off
//!   x86_64 Linux (where the default linker is not lld), the binary is built once, unordered.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{cargo, describe, run_status, target_dir};

/// Whether the second pass may reuse the function order of an earlier `dist` build instead of
/// measuring it again (for `cargo xtask bench --quick`, which must stay quick).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// Measure the order again (two builds).
    Measure,
    /// Use the order file an earlier build wrote, if any (one build, none when nothing changed).
    Reuse,
}

/// Builds the shipped binary and returns its path. `quiet` keeps cargo's progress off the
/// terminal (an error still carries cargo's first error line).
pub(crate) fn build(order: Order, quiet: bool) -> Result<PathBuf, String> {
    let host = host_triple()?;
    let suffix = if cfg!(windows) { ".exe" } else { "" };
    let out_dir = target_dir().join(&host).join("dist");
    let binary = out_dir.join(format!("awscred{suffix}"));
    let order_file = out_dir.join("awscred.order");

    let ordered = host == "x86_64-unknown-linux-gnu";
    let measure = ordered && order == Order::Measure && valgrind_available();
    if measure {
        // Pass 1: the same build with its symbols, to see which functions a lookup runs.
        run_cargo(&host, &["-C", "strip=none"], quiet)?;
        let functions = functions_run(&binary, &out_dir)?;
        let mut text = functions.join("\n");
        text.push('\n');
        std::fs::write(&order_file, text)
            .map_err(|e| format!("cannot write {}: {e}", order_file.display()))?;
    }
    let mut extra: Vec<String> = Vec::new();
    if ordered && order_file.is_file() {
        extra.push("-C".into());
        extra.push(format!(
            "link-arg=-Wl,--symbol-ordering-file={}",
            order_file.display()
        ));
        // Functions of the list that a change has since renamed or removed are simply not placed.
        extra.push("-C".into());
        extra.push("link-arg=-Wl,--no-warn-symbol-ordering".into());
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    run_cargo(&host, &extra, quiet)?;
    Ok(binary)
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!("`dist` takes no arguments (got {arg:?})"));
    }
    let path = build(Order::Measure, false)?;
    let size = std::fs::metadata(&path)
        .map(|m| m.len())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{} ({:.2} MiB)", path.display(), size as f64 / 1_048_576.0);
    Ok(())
}

/// `cargo rustc` for the binary, with `extra` flags for its final compilation (the LTO step,
/// where all code is generated and linked) and the target-wide flags in RUSTFLAGS.
fn run_cargo(host: &str, extra: &[&str], quiet: bool) -> Result<(), String> {
    let mut cmd = cargo();
    cmd.args([
        "rustc",
        "--profile",
        "dist",
        "-p",
        "awscred-cli",
        "--bin",
        "awscred",
        "--target",
        host,
    ]);
    if quiet {
        cmd.arg("--quiet");
    }
    if !extra.is_empty() {
        cmd.arg("--").args(extra);
    }
    if host.ends_with("-linux-gnu") {
        // With an explicit --target these flags reach only the target's crates, not the build
        // scripts and proc-macros, which must stay dynamic.
        let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
        flags.push_str(" -C target-feature=+crt-static -C relocation-model=static");
        cmd.env("RUSTFLAGS", flags.trim());
    }
    if quiet {
        let out = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", describe(&cmd)))?;
        if out.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or_else(|| stderr.lines().next().unwrap_or(""));
        return Err(format!("{} failed: {first}", describe(&cmd)));
    }
    run_status(&mut cmd)
}

fn valgrind_available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The lookups whose code is laid out first: the common shell uses of `export-credentials`
/// (a static profile, the environment variables, a profile that does not exist, nothing found).
/// Every endpoint is a closed loopback port and instance metadata is off, so nothing leaves the
/// machine.
const WORKLOADS: &[Workload] = &[
    Workload {
        name: "static-profile",
        args: &["export-credentials", "--profile", "static"],
        vars: &[],
    },
    Workload {
        name: "environment",
        args: &["export-credentials"],
        vars: &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "not-a-real-secret"),
        ],
    },
    Workload {
        name: "missing-profile",
        args: &["export-credentials", "--profile", "missing"],
        vars: &[],
    },
    Workload {
        name: "nothing-found",
        args: &["export-credentials"],
        vars: &[("AWS_CONFIG_FILE", "/nonexistent")],
    },
];

/// One profiled run of the binary: its arguments and the variables added to the environment.
struct Workload {
    name: &'static str,
    args: &'static [&'static str],
    vars: &'static [(&'static str, &'static str)],
}

/// Runs [`WORKLOADS`] under callgrind and returns the functions that ran, in the order each was
/// first seen, as the linker names them.
fn functions_run(binary: &Path, out_dir: &Path) -> Result<Vec<String>, String> {
    let work = out_dir.join("order-profile");
    let _ = std::fs::remove_dir_all(&work);
    let home = work.join("home");
    let aws = home.join(".aws");
    std::fs::create_dir_all(&aws).map_err(|e| format!("{}: {e}", aws.display()))?;
    let files = [
        (
            "config",
            "[default]\nregion = us-east-1\n\n[profile static]\nregion = eu-west-1\noutput = json\n",
        ),
        (
            "credentials",
            "[static]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = not-a-real-secret\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(aws.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    let mut seen = std::collections::HashSet::new();
    let mut functions = Vec::new();
    for Workload { name, args, vars } in WORKLOADS {
        let out_file = work.join(format!("{name}.callgrind"));
        let mut cmd = Command::new("valgrind");
        cmd.arg("--tool=callgrind")
            .arg("--demangle=no")
            .arg(format!("--callgrind-out-file={}", out_file.display()))
            .arg(binary)
            .args(*args)
            .env_clear()
            .env("HOME", &home)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // The lookups that fail on purpose exit non-zero; only a missing profile file matters.
        cmd.status()
            .map_err(|e| format!("cannot run {}: {e}", describe(&cmd)))?;
        let text = std::fs::read_to_string(&out_file)
            .map_err(|e| format!("{}: {e} (did valgrind run?)", out_file.display()))?;
        for name in callgrind_functions(&text) {
            if seen.insert(name.to_owned()) {
                functions.push(name.to_owned());
            }
        }
    }
    if functions.is_empty() {
        return Err("callgrind saw no named function (was the binary stripped?)".into());
    }
    Ok(functions)
}

/// The function names of a callgrind profile in order of first appearance: `fn=(id) name` and
/// `cfn=(id) name` name a function the first time its id is used; unnamed code (`0x…`) is
/// skipped.
fn callgrind_functions(profile: &str) -> impl Iterator<Item = &str> {
    profile.lines().filter_map(|line| {
        let rest = line
            .strip_prefix("fn=(")
            .or_else(|| line.strip_prefix("cfn=("))?;
        let (_, name) = rest.split_once(") ")?;
        let name = name.trim();
        (!name.is_empty() && !name.starts_with("0x")).then_some(name)
    })
}

fn host_triple() -> Result<String, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run {rustc}: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .ok_or_else(|| format!("{rustc} -vV did not name the host"))
}

#[cfg(test)]
mod tests {
    use super::callgrind_functions;

    #[test]
    fn callgrind_names_in_first_seen_order() {
        let profile = "fn=(1) main\n0 10\ncfn=(2) _ZN4core3fmt5write\ncalls=1 0\nfn=(2)\n\
                       fn=(3) 0x0000000000401000\ncfn=(1)\nfn=(4) memcpy\n";
        let names: Vec<_> = callgrind_functions(profile).collect();
        assert_eq!(names, ["main", "_ZN4core3fmt5write", "memcpy"]);
    }
}

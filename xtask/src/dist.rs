//! `cargo xtask dist`: the `awscred` binary as it is shipped: the `dist` profile (release with
//! fat LTO, one codegen unit, `opt-level = "z"`: about 1.4 MiB less than the release profile, and
//! quicker to load).
//!
//! A credential lookup from a shell lasts under a millisecond, and most of it is the kernel
//! starting the program: on the machines measured here each page fault costs about 5 µs, and a
//! run of `awscred export-credentials` used to take 80 of them. The choices below cut that down
//! and keep the file small:
//!
//! - On x86_64 and aarch64 Linux the binary is built for the musl target and linked statically:
//!   no dynamic loader, no shared library mapped at start, and musl itself is small (the same
//!   program linked statically with glibc is 0.8 MiB larger, glibc's name service and locale
//!   machinery, and starts slower). Host names are resolved by musl from `/etc/hosts` and the
//!   name servers of `/etc/resolv.conf`, which is also all a static glibc can do (its NSS
//!   modules cannot be loaded). The target's standard library is installed with
//!   `rustup target add` when missing; ring's C and assembly are compiled by the host's C
//!   compiler when no musl cross compiler is installed (ring's C includes only the compiler's own
//!   headers). Where the musl target cannot be had, the binary is linked statically with glibc.
//! - It is not position-independent (`relocation-model=static`). A static PIE relocates itself at
//!   start, writing to every page of its relocated data (about 100 KiB: vtables, panic locations),
//!   which cost about 25 page faults per run; a fixed load address costs none. The trade: the
//!   executable image itself is not randomised (stack, heap and other mappings still are), the
//!   same as Go's default static binaries. The code has no `unsafe` (the workspace forbids it), so
//!   there is no memory-corruption bug for a fixed layout to help exploit.
//! - The functions a lookup runs are laid out together (lld's `--symbol-ordering-file`), so the
//!   kernel's fault-around maps them with a handful of faults instead of one for every 64 KiB of
//!   code. The order is measured, not guessed: a first build with symbols runs a few
//!   representative lookups under `valgrind --tool=callgrind` and lists the functions in the
//!   order they first ran; the second build links in that order. Without valgrind, or without
//!   lld, the binary is built once, unordered.
//! - Source paths of crates.io dependencies are written from the crate's own folder
//!   (`ring-0.17.14/src/...`, rustc's `--remap-path-prefix`), not from the builder's cargo home
//!   (`/root/.cargo/registry/src/index.crates.io-.../`): the binary names no folder of the machine
//!   that built it, and the 240 or so paths its panic locations hold are 14 KiB shorter.

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

/// How the binary is built: for which target, with which target-wide flags and environment.
struct Plan {
    target: String,
    rustflags: Vec<String>,
    env: Vec<(String, String)>,
    /// Whether the linker is lld, which can place functions in a given order.
    lld: bool,
    /// What was chosen and why, for the person running the build.
    note: String,
}

/// Builds the shipped binary and returns its path. `quiet` keeps cargo's progress off the
/// terminal (an error still carries cargo's first error line).
pub(crate) fn build(order: Order, quiet: bool) -> Result<PathBuf, String> {
    let plan = plan()?;
    if !quiet {
        eprintln!("dist: {}", plan.note);
    }
    let suffix = if cfg!(windows) { ".exe" } else { "" };
    let out_dir = target_dir().join(&plan.target).join("dist");
    let binary = out_dir.join(format!("awscred{suffix}"));
    let order_file = out_dir.join("awscred.order");

    let measure = plan.lld && order == Order::Measure && valgrind_available();
    if measure {
        // Pass 1: the same build with its symbols, to see which functions a lookup runs.
        run_cargo(&plan, &["-C", "strip=none"], quiet)?;
        let functions = functions_run(&binary, &out_dir)?;
        let mut text = functions.join("\n");
        text.push('\n');
        std::fs::write(&order_file, text)
            .map_err(|e| format!("cannot write {}: {e}", order_file.display()))?;
    }
    let mut extra: Vec<String> = Vec::new();
    if plan.lld && order_file.is_file() {
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
    run_cargo(&plan, &extra, quiet)?;
    Ok(binary)
}

/// The target and flags for this host: musl where it can be had on Linux, else the host target
/// (linked statically on glibc Linux).
fn plan() -> Result<Plan, String> {
    let host = host_triple()?;
    let not_pie = "-C relocation-model=static".to_owned();
    let musl = match host.as_str() {
        "x86_64-unknown-linux-gnu" => Some("x86_64-unknown-linux-musl"),
        "aarch64-unknown-linux-gnu" => Some("aarch64-unknown-linux-musl"),
        _ => None,
    };
    if let Some(musl) = musl {
        match ensure_target(musl) {
            Ok(()) => {
                let mut rustflags = vec![not_pie];
                // rustc links musl binaries through the C compiler and GNU ld; the lld that ships
                // with rustc (its `gcc-ld` shim) can stand in, and can order functions.
                let gcc_ld = sysroot()?
                    .join("lib/rustlib")
                    .join(&host)
                    .join("bin/gcc-ld");
                let lld = gcc_ld.join("ld.lld").is_file();
                if lld {
                    rustflags.push("-C link-arg=-fuse-ld=lld".into());
                    rustflags.push(format!("-C link-arg=-B{}", gcc_ld.display()));
                }
                return Ok(Plan {
                    target: musl.to_owned(),
                    rustflags,
                    env: musl_cc(musl).into_iter().collect(),
                    lld,
                    note: format!("static musl build ({musl}), not position-independent"),
                });
            }
            Err(why) => {
                let note = format!(
                    "{why}; linking statically with glibc instead (larger, slower to start)"
                );
                return Ok(Plan {
                    lld: host == "x86_64-unknown-linux-gnu",
                    rustflags: vec!["-C target-feature=+crt-static".into(), not_pie],
                    target: host,
                    env: Vec::new(),
                    note,
                });
            }
        }
    }
    let glibc = host.ends_with("-linux-gnu");
    Ok(Plan {
        rustflags: if glibc {
            vec!["-C target-feature=+crt-static".into(), not_pie]
        } else {
            Vec::new()
        },
        lld: false,
        note: format!("{host} build"),
        target: host,
        env: Vec::new(),
    })
}

/// Makes sure the standard library of `target` is installed, with rustup if it is not.
fn ensure_target(target: &str) -> Result<(), String> {
    if target_installed(target) {
        return Ok(());
    }
    eprintln!("dist: installing the {target} standard library (rustup target add {target})");
    let added = Command::new("rustup")
        .args(["target", "add", target])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if added && target_installed(target) {
        Ok(())
    } else {
        Err(format!(
            "the {target} standard library is not installed and `rustup target add {target}` failed"
        ))
    }
}

/// Whether the standard library of `target` is installed for the rustc in use.
pub(crate) fn target_installed(target: &str) -> bool {
    let Ok(out) = Command::new(rustc())
        .args(["--print", "target-libdir", "--target", target])
        .output()
    else {
        return false;
    };
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
    })
}

/// The C compiler setting ring's build needs for the musl `target`: none when one is configured
/// or a musl cross compiler is installed, else the host's `cc` (ring's C includes only the
/// compiler's own headers, so the host compiler's objects link into a musl binary).
pub(crate) fn musl_cc(target: &str) -> Option<(String, String)> {
    let var = format!("CC_{}", target.replace('-', "_"));
    let arch = target.split('-').next().unwrap_or_default();
    let cross = [format!("{arch}-linux-musl-gcc"), "musl-gcc".to_owned()]
        .into_iter()
        .any(|cc| on_path(&cc));
    (std::env::var_os(&var).is_none() && !cross).then(|| (var, "cc".to_owned()))
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
    if !cfg!(windows)
        && let Some(exe) = crate::windows::dist()?
    {
        let size = std::fs::metadata(&exe)
            .map(|m| m.len())
            .map_err(|e| format!("{}: {e}", exe.display()))?;
        println!("{} ({:.2} MiB)", exe.display(), size as f64 / 1_048_576.0);
    }
    Ok(())
}

/// Builds the binary in the `dist` profile for `target` with these target-wide flags and no
/// function ordering (the Windows build: windows.rs); returns the directory it is in.
pub(crate) fn build_for(target: &str, rustflags: &[&str]) -> Result<PathBuf, String> {
    let plan = Plan {
        target: target.to_owned(),
        rustflags: rustflags.iter().map(|f| (*f).to_owned()).collect(),
        env: Vec::new(),
        lld: false,
        note: String::new(),
    };
    run_cargo(&plan, &[], false)?;
    Ok(target_dir().join(target).join("dist"))
}

/// `cargo rustc` for the binary, with `extra` flags for its final compilation (the LTO step,
/// where all code is generated and linked) and the target-wide flags in RUSTFLAGS.
fn run_cargo(plan: &Plan, extra: &[&str], quiet: bool) -> Result<(), String> {
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
        &plan.target,
    ]);
    if quiet {
        cmd.arg("--quiet");
    }
    if !extra.is_empty() {
        cmd.arg("--").args(extra);
    }
    let rustflags: Vec<String> = plan
        .rustflags
        .iter()
        .cloned()
        .chain(registry_remaps())
        .collect();
    if !rustflags.is_empty() {
        // With an explicit --target these flags reach only the target's crates, not the build
        // scripts and proc-macros, which are built for the host as usual.
        let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
        for flag in &rustflags {
            flags.push(' ');
            flags.push_str(flag);
        }
        cmd.env("RUSTFLAGS", flags.trim());
    }
    cmd.envs(plan.env.iter().map(|(k, v)| (k, v)));
    if quiet {
        return crate::quiet::run_quiet(&mut cmd);
    }
    run_status(&mut cmd)
}

/// `--remap-path-prefix` flags that write the source paths of registry crates from the crate's
/// own folder: one for each registry under cargo's home (`$CARGO_HOME`, else `~/.cargo`). A
/// folder whose path has white space is left as it is (RUSTFLAGS is split at white space).
fn registry_remaps() -> Vec<String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let Some(Ok(registries)) = home.map(|h| std::fs::read_dir(h.join("registry/src"))) else {
        return Vec::new();
    };
    let mut flags: Vec<String> = registries
        .flatten()
        .map(|entry| entry.path().display().to_string())
        .filter(|dir| !dir.contains(char::is_whitespace))
        .map(|dir| format!("--remap-path-prefix={dir}/="))
        .collect();
    flags.sort();
    flags
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn rustc() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into())
}

fn sysroot() -> Result<PathBuf, String> {
    let out = Command::new(rustc())
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
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
    let rustc = rustc();
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

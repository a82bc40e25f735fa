//! Building the programs measured, and running them.

use super::*;

// ---- Building ---------------------------------------------------------------------------

/// The binary as shipped (`cargo xtask dist`: a static musl build on Linux, its
/// start-up code laid out together). `--quick` reuses the function order of the last build.
pub(super) fn build_awscred(quick: bool) -> Result<PathBuf, String> {
    let order = if quick {
        crate::dist::Order::Reuse
    } else {
        crate::dist::Order::Measure
    };
    crate::dist::build(order, true)
}

/// The chain's bench programs, with every tier compiled in; with only the default tiers when
/// that fails (a tier that does not build yet), which the report then says.
pub(super) fn build_bench_programs() -> (Result<BTreeMap<String, PathBuf>, String>, Option<String>)
{
    let build = |features: &[&str]| -> Result<BTreeMap<String, PathBuf>, String> {
        let mut cmd = cargo();
        cmd.args([
            "bench",
            "--no-run",
            "--message-format=json",
            "-p",
            "awscred-chain",
        ])
        .args(features)
        .args([
            "--bench",
            "resolve",
            "--bench",
            "parse",
            "--bench",
            "refresh_load",
        ]);
        let output = output_of(&mut cmd)?;
        let mut exes = BTreeMap::new();
        for line in output.lines() {
            let Some(msg) = Json::parse(line) else {
                continue;
            };
            if msg.str("reason") != Some("compiler-artifact") {
                continue;
            }
            if let (Some(name), Some(exe)) = (
                msg.get("target").and_then(|t| t.str("name")),
                msg.str("executable"),
            ) {
                exes.insert(name.to_owned(), PathBuf::from(exe));
            }
        }
        Ok(exes)
    };
    match build(&["--all-features"]) {
        Ok(exes) => (Ok(exes), None),
        Err(all) => match build(&[]) {
            Ok(exes) => (
                Ok(exes),
                Some(format!(
                    "the chain does not build with every tier yet, so its benches ran with the \
                     default tiers only: {}",
                    first_error(&all)
                )),
            ),
            Err(e) => (Err(first_error(&e)), None),
        },
    }
}

pub(super) fn build_sdk_compare() -> Result<PathBuf, String> {
    let dir = root().join("xtask/sdk-compare");
    let target = dir.join("target");
    let mut cmd = cargo();
    cmd.current_dir(&dir)
        .args(["build", "--release", "--quiet", "--locked", "--target-dir"])
        .arg(&target);
    run_quiet(&mut cmd)?;
    Ok(target.join("release/sdk-compare"))
}

/// A Python with botocore: the workspace venv when it has it, else one made for the bench
/// under target/bench/venv with the botocore version `tests/python-requirements.txt` pins.
pub(super) fn find_python(out_dir: &Path) -> Result<PathBuf, String> {
    let has_botocore = |python: &Path| {
        Command::new(python)
            .args(["-c", "import botocore"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let workspace = root().join(".venv/bin/python");
    if has_botocore(&workspace) {
        return Ok(workspace);
    }
    let venv = out_dir.join("venv");
    let python = venv.join("bin/python");
    if has_botocore(&python) {
        return Ok(python);
    }
    let requirements = std::fs::read_to_string(root().join("tests/python-requirements.txt"))
        .map_err(|e| format!("cannot read tests/python-requirements.txt: {e}"))?;
    let pin = requirements
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("botocore"))
        .unwrap_or("botocore")
        .to_owned();
    run_quiet(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run_quiet(Command::new(&python).args(["-m", "pip", "install", "-q", &pin]))?;
    Ok(python)
}

// ---- Measuring --------------------------------------------------------------------------

/// Runs each tool `warm_up` times unmeasured, then `runs` rounds of one run of each in turn, so
/// a burst of load on the machine hits every tool alike and the ratios stay fair. A tool whose
/// run fails or does not print the expected key id is dropped with the reason.
pub(super) fn compare_processes(
    tools: Vec<(&str, Result<Tool, String>, Option<&str>)>,
    warm_up: usize,
    runs: usize,
) -> Vec<(String, Outcome)> {
    let mut failures: Vec<Option<String>> = tools
        .iter()
        .map(|(_, t, _)| t.as_ref().err().cloned())
        .collect();
    let mut samples = vec![Vec::with_capacity(runs); tools.len()];
    for round in 0..warm_up + runs {
        for (i, (_, tool, expect)) in tools.iter().enumerate() {
            let (Ok(tool), None) = (tool, &failures[i]) else {
                continue;
            };
            match tool.run() {
                Ok(run) if run.success && expect.is_none_or(|key| run.stdout.contains(key)) => {
                    if round >= warm_up {
                        samples[i].push(run.elapsed);
                    }
                }
                Ok(run) => {
                    let why = if run.success {
                        format!(
                            "printed no {} key id: {}",
                            expect.unwrap_or(""),
                            last_line(&run.stdout)
                        )
                    } else {
                        format!("failed: {}", last_line(&run.stderr))
                    };
                    failures[i] = Some(why);
                }
                Err(e) => failures[i] = Some(e),
            }
        }
    }
    tools
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| {
            let outcome = match &failures[i] {
                Some(e) => Err(e.clone()),
                None => Stats::of(&samples[i]).ok_or_else(|| "no runs".to_owned()),
            };
            ((*name).to_owned(), outcome)
        })
        .collect()
}

/// Runs a bench program and returns the JSON lines it printed.
pub(super) fn collect_lines(tool: &Tool) -> Result<Vec<Json>, String> {
    let run = tool.run()?;
    if !run.success {
        return Err(format!(
            "{} failed: {}",
            tool.describe(),
            last_line(&run.stderr)
        ));
    }
    Ok(run.stdout.lines().filter_map(Json::parse).collect())
}

/// `/bin/true` where it exists (no PATH search inside the timed span), else `true`.
pub(super) fn true_program() -> PathBuf {
    let bin = PathBuf::from("/bin/true");
    if bin.exists() {
        bin
    } else {
        PathBuf::from("true")
    }
}

/// A loopback port with nothing listening: connections to it are refused at once.
pub(super) fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(9, |a| a.port())
}

/// Crates in the normal-dependency graph (host platform) of a package selection.
pub(super) fn crate_count(dir: &Path, selection: &[&str]) -> Result<usize, String> {
    let mut cmd = cargo();
    cmd.current_dir(dir)
        .args(["tree", "-e", "normal", "--prefix", "none", "--no-dedupe"])
        .args(selection);
    let text = output_of(&mut cmd).map_err(|e| first_error(&e))?;
    Ok(text
        .lines()
        .filter_map(package_id)
        .collect::<BTreeSet<_>>()
        .len())
}

/// `name vX.Y.Z` from a `cargo tree` line.
pub(super) fn package_id(line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    let name = words.next()?;
    let version = words.next().filter(|v| v.starts_with('v'))?;
    Some(format!("{name} {version}"))
}

/// Where the graph's crates come from: for each external crate our own crates depend on
/// directly, how many crates it brings and how many would leave the graph without it; then, for
/// each of our crates, how many would leave if its external dependencies went. Reachability
/// over the `cargo tree` edges, so a crate that another path still needs is not counted.
pub(super) fn heaviest_dependencies(dir: &Path, selection: &[&str]) -> Result<Vec<String>, String> {
    let mut cmd = cargo();
    cmd.current_dir(dir)
        .args(["tree", "-e", "normal", "--prefix", "depth", "--no-dedupe"])
        .args(selection);
    let text = output_of(&mut cmd).map_err(|e| first_error(&e))?;
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut local: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<String> = Vec::new();
    let mut root = None;
    for line in text.lines() {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        let (Ok(depth), Some(id)) = (line[..digits].parse::<usize>(), package_id(&line[digits..]))
        else {
            continue;
        };
        if line[digits..].contains("(/") {
            local.insert(id.clone());
        }
        stack.truncate(depth);
        if let Some(parent) = stack.last() {
            edges.entry(parent.clone()).or_default().insert(id.clone());
        }
        root.get_or_insert_with(|| id.clone());
        stack.push(id);
    }
    let root = root.ok_or("cargo tree printed nothing")?;
    let reach = |from: &str, cut: &dyn Fn(&str, &str) -> bool| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(node) = todo.pop() {
            if !seen.insert(node.clone()) {
                continue;
            }
            for child in edges.get(&node).into_iter().flatten() {
                if !cut(&node, child) {
                    todo.push(child.clone());
                }
            }
        }
        seen
    };
    let full = reach(&root, &|_, _| false).len();
    let direct: BTreeSet<&String> = local
        .iter()
        .flat_map(|l| edges.get(l).into_iter().flatten())
        .filter(|c| !local.contains(*c))
        .collect();
    let mut ranked: Vec<(usize, usize, String)> = direct
        .iter()
        .map(|dep| {
            let brings = reach(dep, &|_, _| false).len();
            let left = reach(&root, &|from, to| {
                local.contains(from) && to == dep.as_str()
            })
            .len();
            (full - left, brings, (*dep).clone())
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let mut lines: Vec<String> = ranked
        .into_iter()
        .take(8)
        .map(|(only, brings, id)| format!("{id}: brings {brings}, {only} only through it"))
        .collect();
    let mut ours: Vec<(usize, String)> = local
        .iter()
        .map(|l| {
            let left = reach(&root, &|from, to| from == l.as_str() && !local.contains(to)).len();
            (full - left, l.clone())
        })
        .filter(|(only, _)| *only > 0)
        .collect();
    ours.sort_by(|a, b| b.cmp(a));
    lines.extend(
        ours.into_iter()
            .map(|(only, id)| format!("{id}: its external dependencies alone bring {only}")),
    );
    Ok(lines)
}

/// A release build into a fresh target directory: wall time, crates compiled, and the load
/// average just before (the machine is shared: a busy neighbour makes builds slower).
pub(super) fn clean_build(
    dir: &Path,
    target: &Path,
    selection: &[&str],
) -> Result<(Duration, usize, String), String> {
    let _ = std::fs::remove_dir_all(target);
    // Fetch first so that download time never counts as build time.
    let mut fetch = cargo();
    fetch.current_dir(dir).arg("fetch");
    run_quiet(&mut fetch)?;
    let load = loadavg();
    let mut cmd = cargo();
    cmd.current_dir(dir)
        .args(["build", "--release", "--target-dir"])
        .arg(target)
        .args(selection)
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_BUILD_RUSTC_WRAPPER");
    let start = Instant::now();
    let output = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", describe(&cmd)))?;
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(first_error(&format!("{} failed: {stderr}", describe(&cmd))));
    }
    let compiled = stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("Compiling "))
        .count();
    Ok((elapsed, compiled, load))
}

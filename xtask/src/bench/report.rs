//! The report: the table, the JSON file, `docs/performance.md`, and the formatting helpers.

use super::*;

impl Bench {
    // ---- Output --------------------------------------------------------------------------

    pub(super) fn finish(mut self, elapsed: Duration) -> Result<(), String> {
        // Long reasons (a failed build, say) go to the notes in full; the table keeps a stub.
        const CELL: usize = 90;
        let mut long = Vec::new();
        let mut rows = self.rows.clone();
        for row in &mut rows {
            for (column, cell) in [
                ("awscred", &mut row.awscred),
                ("aws-config", &mut row.sdk),
                ("botocore", &mut row.botocore),
            ] {
                if cell.chars().count() > CELL {
                    long.push(format!("{} ({column}): {cell}", row.figure.trim()));
                    *cell = cell.chars().take(CELL - 14).collect::<String>() + "… (see notes)";
                }
            }
        }
        self.notes.extend(long);
        let table = render_table(&rows);
        println!("\n{table}");
        for note in &self.notes {
            println!("note: {note}");
        }
        if !self.heavy.is_empty() {
            println!("where the full chain's crates come from:");
            for line in &self.heavy {
                println!("  {line}");
            }
        }
        let machine = Machine::detect();
        let command = if self.options.quick {
            "cargo xtask bench --quick".to_owned()
        } else {
            format!(
                "cargo xtask bench{}",
                if self.options.runs == 30 {
                    String::new()
                } else {
                    format!(" --runs {}", self.options.runs)
                }
            )
        };
        let date = utc_now();
        let results = obj(vec![
            ("date", Json::Str(date.clone())),
            ("command", Json::Str(command.clone())),
            (
                "mode",
                Json::Str(if self.options.quick { "quick" } else { "full" }.into()),
            ),
            ("elapsed_s", Json::Num(elapsed.as_secs() as f64)),
            ("machine", machine.to_json(&self.load_start)),
            (
                "rows",
                Json::Arr(self.rows.iter().map(Row::to_json).collect()),
            ),
            (
                "notes",
                Json::Arr(self.notes.iter().cloned().map(Json::Str).collect()),
            ),
            ("figures", Json::Obj(self.data.clone())),
        ]);
        let file = self.out_dir.join(if self.options.quick {
            "results-quick.json"
        } else {
            "results.json"
        });
        std::fs::write(&file, results.pretty())
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        println!("\nresults: {}  ({} s)", file.display(), elapsed.as_secs());
        if !self.options.quick && self.options.docs {
            let doc = root().join("docs/performance.md");
            let text = render_doc(&self, &machine, &date, &command, &table);
            std::fs::write(&doc, text)
                .map_err(|e| format!("cannot write {}: {e}", doc.display()))?;
            println!("updated: {}", doc.display());
        }
        Ok(())
    }
}

// ---- Formatting -------------------------------------------------------------------------

pub(super) fn obj(members: Vec<(&str, Json)>) -> Json {
    Json::Obj(
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

pub(super) fn outcome_json(outcome: &Outcome) -> Json {
    match outcome {
        Ok(stats) => stats.to_json(),
        Err(e) => obj(vec![("pending", Json::Str(e.clone()))]),
    }
}

pub(super) fn show(outcome: &Outcome, render: fn(&Stats) -> String) -> String {
    match outcome {
        Ok(stats) => render(stats),
        Err(e) if e.is_empty() => "—".into(),
        Err(e) if e.starts_with("pending") => e.clone(),
        Err(e) => format!("pending: {e}"),
    }
}

pub(super) fn goal_status(outcome: &Outcome, met: impl Fn(&Stats) -> bool) -> Status {
    match outcome {
        Ok(stats) => Status::of(met(stats)),
        Err(_) => Status::Pending,
    }
}

/// How many times slower each anchor's median is than awscred's.
pub(super) fn ratios(ours: &Outcome, sdk: &Outcome, boto: &Outcome) -> String {
    let Ok(ours) = ours else { return String::new() };
    let ratio = |other: &Outcome, name: &str| {
        other.as_ref().ok().map(|o| {
            // The ratio of the minimums too: on a loaded machine the fastest runs are the ones
            // least disturbed, so it is the steadier of the two from one run to the next.
            format!(
                "{name} {:.1}× (min {:.1}×)",
                o.median.as_secs_f64() / ours.median.as_secs_f64(),
                o.min.as_secs_f64() / ours.min.as_secs_f64()
            )
        })
    };
    [ratio(sdk, "SDK"), ratio(boto, "botocore")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn dur(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

pub(super) fn last_line(text: &str) -> String {
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    line.chars().take(300).collect()
}

pub(super) fn render_table(rows: &[Row]) -> String {
    let header = [
        "figure",
        "awscred",
        "aws-config (SDK)",
        "botocore",
        "anchor ÷ awscred",
        "goal",
        "status",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.figure.clone(),
                r.awscred.clone(),
                r.sdk.clone(),
                r.botocore.clone(),
                r.ratio.clone(),
                r.goal.clone(),
                r.status.label().to_owned(),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::from("|");
        for (cell, w) in cells.iter().zip(&widths) {
            let _ = write!(text, " {cell}{} |", " ".repeat(w - cell.chars().count()));
        }
        text
    };
    let mut out = line(&header.map(str::to_owned));
    out.push('\n');
    out.push('|');
    for w in &widths {
        out.push_str(&"-".repeat(w + 2));
        out.push('|');
    }
    for row in &cells {
        out.push('\n');
        out.push_str(&line(row));
    }
    out
}

pub(super) struct Machine {
    nproc: usize,
    cpu: String,
    memory: String,
    kernel: String,
    rustc: String,
}

impl Machine {
    fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or("unknown".into(), |(_, v)| v.trim().to_owned());
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                let kb: f64 = m.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
                Some(format!("{:.0} GiB", kb / 1048576.0))
            })
            .unwrap_or_else(|| "unknown".into());
        let first_line = |mut cmd: Command| {
            cmd.output()
                .ok()
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_owned()
                })
                .unwrap_or_default()
        };
        let mut uname = Command::new("uname");
        uname.args(["-sr"]);
        let mut rustc = Command::new("rustc");
        rustc.arg("--version");
        Machine {
            nproc: std::thread::available_parallelism().map_or(1, usize::from),
            cpu,
            memory,
            kernel: first_line(uname),
            rustc: first_line(rustc),
        }
    }

    fn to_json(&self, load: &str) -> Json {
        obj(vec![
            ("nproc", Json::Num(self.nproc as f64)),
            ("cpu", Json::Str(self.cpu.clone())),
            ("memory", Json::Str(self.memory.clone())),
            ("kernel", Json::Str(self.kernel.clone())),
            ("rustc", Json::Str(self.rustc.clone())),
            ("loadavg_at_start", Json::Str(load.to_owned())),
        ])
    }
}

pub(super) fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM UTC`.
pub(super) fn utc_now() -> String {
    // `2021-09-21T04:16:53Z`: the date, then hours and minutes.
    let z = awscred_core::timestamp::format_z(SystemTime::now());
    format!("{} {} UTC", &z[..10], &z[11..16])
}

pub(super) fn render_doc(
    bench: &Bench,
    machine: &Machine,
    date: &str,
    command: &str,
    table: &str,
) -> String {
    let mut doc = String::new();
    let _ = writeln!(doc, "# Performance\n");
    let _ = writeln!(
        doc,
        "awscred promises the AWS CLI v2's answers at a fraction of the cost. This page holds the \
         latest figures of `{command}`, which measures awscred and, in the same run, the anchors \
         doing the same work: the official AWS SDK for Rust's `aws-config` default chain (built \
         from crates.io by `xtask/sdk-compare`, its own lockfile, never part of the workspace \
         build) and botocore, the AWS CLI's engine, in a fresh Python process. The machine is \
         shared and noisy: absolute times do not compare between runs, the ratios in the same \
         run do.\n"
    );
    let _ = writeln!(doc, "- Date: {date}");
    let _ = writeln!(doc, "- Command: `{command}` (run from the workspace root)");
    let _ = writeln!(
        doc,
        "- Machine: {} CPUs (nproc), {}, {} RAM, {}; load average at the start {}",
        machine.nproc, machine.cpu, machine.memory, machine.kernel, bench.load_start
    );
    let _ = writeln!(doc, "- Toolchain: {}", machine.rustc);
    let _ = writeln!(doc, "- Raw figures: `target/bench/results.json`\n");
    let _ = writeln!(doc, "## Figures\n");
    let _ = writeln!(doc, "{table}\n");
    let _ = writeln!(
        doc,
        "\"anchor ÷ awscred\" is how many times longer the anchor's median takes, and in \
         brackets the same for the fastest run of each (the least disturbed by the machine's \
         other users); for the parser, how many times faster awscred is; for sizes, awscred's \
         share. A goal not met \
         reads NOT MET; a figure that cannot be measured yet reads pending, with the reason.\n"
    );
    if !bench.notes.is_empty() {
        let _ = writeln!(doc, "## Notes from this run\n");
        for note in &bench.notes {
            let _ = writeln!(doc, "- {note}");
        }
        doc.push('\n');
    }
    if !bench.heavy.is_empty() {
        let _ = writeln!(
            doc,
            "## Where the full chain's crates come from\n\nFor each external crate awscred's own \
             crates depend on directly: the crates it brings into the graph, and how many leave \
             the graph without it; then, per awscred crate, how many leave if its external \
             dependencies go.\n"
        );
        for line in &bench.heavy {
            let _ = writeln!(doc, "- {line}");
        }
        doc.push('\n');
    }
    doc.push_str(METHOD);
    doc
}

pub(super) const METHOD: &str = "## How each figure is taken

Every tool runs with an emptied environment: `HOME` points at a fixture written by
`crates/chain/benches/resolve.rs --write-fixtures` (from `awscred_testkit::bench`), instance
metadata is disabled, and every AWS endpoint (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_STS`) is a
closed loopback port, so a tool that would call out fails at once instead of reaching the network.

1. **Whole process, static profile**: `awscred export-credentials --profile static` (the
   shipped build, `cargo xtask dist`: a static musl build, not position-independent, the
   functions a lookup runs laid out together), `sdk-compare export static` (`aws_config::defaults(BehaviorVersion::latest())`, then the
   credentials provider) and `python -c <botocore: Session(profile).get_credentials()>`, each
   spawned and waited for; 3 warm-up rounds, then 30 rounds (10 with `--quick`) of one run of each
   in turn, so load bursts hit every tool alike. The floor line is `/bin/true` spawned the same way.
2. **In process, cold**: `cargo bench -p awscred-chain --all-features --bench resolve`: a new
   `Chain` per iteration on the fixture home, resolved once (files read and parsed, tiers walked),
   on a current-thread tokio runtime; warm-up, then 20,000 iterations (2,000 quick). The SDK side
   (`sdk-compare cold`) builds a new `DefaultCredentialsChain` per iteration and resolves it once.
   The three-role chain is `role3 -> role2 -> role1 -> static` with every role's credentials in
   `~/.aws/cli/cache/` in the CLI's format (SHA-1 file names, far expiry). The whole-process
   three-role figure runs `awscred export-credentials --profile role3` against botocore given the
   CLI's JSON file cache (as awscli's assume-role customization sets it up); the SDK does not read
   the CLI's cache, so it has no figure there.
3. **Time to a clear error**: an empty home, `AWS_EC2_METADATA_SERVICE_ENDPOINT` pointing at a
   loopback listener that accepts connections and never answers, `AWS_REGION` set so that no tool
   asks instance metadata for a region; time from spawn to exit (5 runs each, 2 quick). The
   connection count is how many TCP connections each tool opened to the endpoint per run; a tool
   that never opens one has not measured this and is reported pending. The request count runs
   the IMDS tier (`awscred_imds::ImdsProvider` with the real hyper client) against a loopback
   fake of instance metadata inside the resolve bench: a first fetch (token, role, credentials),
   then a second fetch, which should reuse the IMDSv2 token.
4. **Refresh cache**: `cargo bench -p awscred-chain --bench refresh_load`: per-read time of
   `RefreshCache::credentials()` on a warm cache while 1, 2 or 64 tokio tasks read at once on a
   runtime with one worker per core (batches of 1,000 reads per sample); then 10,000 tasks ask at
   the same moment just after the cached credentials expired (upstream latency 50 ms) and the
   upstream fetches are counted.
5. **Parser**: generated config files of 10, 1,000 and 10,000 profiles
   (`awscred_testkit::bench::profiles_config`: comments, regions, role chains, SSO, nested
   settings); awscred's `ProfileSet::try_parse` (`--bench parse FILE N`) against the SDK's public
   parser, `aws_runtime::env_config::source::load` with in-memory contents followed by
   `EnvConfigSections::parse` (`sdk-compare parse-bench FILE N`; the SDK copies the text once per
   parse, a memcpy), text already in memory on both sides. MB/s = bytes / mean on-CPU time per
   parse (`/proc/thread-self/schedstat`, freeing the result included): on a shared two-core
   machine a 10 ms parse is preempted often, and wall time would measure the neighbours. Two
   alternating rounds per side, the better kept. The wall-clock median is shown beside it. Growth
   compares the time per MB of the larger files with the 10-profile file's.
6. **Footprint**: unique packages in `cargo tree -e normal --prefix none --no-dedupe` (host
   platform) for `-p awscred-chain --all-features`, `-p awscred-chain --no-default-features
   --features env,profile`, `-p awscred-cli`, and `-p aws-config` with its default features in
   `xtask/sdk-compare`; clean release builds of the first two and of aws-config, each in a fresh
   target directory under `target/bench/clean/` (dependencies fetched beforehand, so no download
   time counts), on this machine's cores; the size of the shipped `awscred` (`cargo xtask dist`;
   the release profile strips it) and of the equally-built `sdk-compare` binary.
7. **serve under load**: `awscred serve --json --profile role3` on the three-role fixture (the
   role's credentials cached, STS on a closed port); 200 client threads released together, each
   making 50 requests (10 quick) one after another, a new connection per request as SDKs'
   container providers make them; latency from connect to the last byte of a 200 with the role's
   key id (any other answer fails the figure). No SDK or CLI has a counterpart.
8. **AssumeRole cache miss over TLS**: a loopback STS fake (Python's `http.server` behind
   `ssl`) with a certificate for 127.0.0.1 signed by a test CA made with `openssl` for the run;
   awscred and botocore trust it through `AWS_CA_BUNDLE`, aws-config (rustls with the platform's
   roots) through `SSL_CERT_FILE`. `export-credentials --profile tls-role` (a role over static
   keys), `sdk-compare export tls-role` and botocore's script, in turn, 15 runs each (5 quick)
   after 2 unmeasured: every run a whole process with a TLS handshake and one signed AssumeRole.
   The fixture's `~/.aws/cli/cache` is a plain file, so awscred can neither read nor store an
   entry; botocore's script and aws-config keep no cache across processes.

`cargo xtask bench --quick` takes fewer runs and skips the clean builds (about 20 s of
measuring once the release builds are current; rebuilding changed crates comes on top); it
writes `target/bench/results-quick.json` and leaves this page alone.
";

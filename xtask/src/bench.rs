//! `cargo xtask bench [--quick] [--runs N] [--no-docs]`: awscred's speed and footprint, side by side
//! with the official AWS SDK for Rust (`aws-config`, built by `xtask/sdk-compare`) and botocore
//! (the AWS CLI's engine), all measured in the same run so the ratios mean something on a shared,
//! noisy machine where absolute times do not carry over from one run to the next.
//!
//! Figures (see `docs/performance.md` for the latest numbers and how each is taken):
//! 1. whole-process resolution of a static profile;
//! 2. in-process cold resolution (static profile; cached three-role chain) and the whole-process
//!    three-role cache hit;
//! 3. time to a clear error with no credentials and a black-holed instance metadata endpoint;
//! 4. cached reads of the refresh cache under 1, 2 and 64 tasks, and fetches for 10,000 callers
//!    across an expiry;
//! 5. profile parser throughput on 10, 1,000 and 10,000 profiles;
//! 6. footprint: crates in the graph, clean release build times, binary size.
//!
//! Output: a table on the terminal, `target/bench/results.json` (`results-quick.json` for
//! `--quick`), and, for a full run, `docs/performance.md`. A figure that cannot be measured (a
//! tier not written yet, a tool that failed) is reported as pending with the reason: never a
//! made-up number, never hidden. Nothing reaches the network but crates.io and PyPI while the
//! anchors are built; every endpoint the tools see is on 127.0.0.1.

mod json;
mod proc;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use self::json::Json;
use self::proc::{BlackHole, Tool};
use crate::{cargo, describe, root, target_dir};

const USAGE: &str = "usage: cargo xtask bench [--quick] [--runs N] [--no-docs]

  --quick     fewer runs and no clean builds (under 2 minutes once the anchors are built);
              writes target/bench/results-quick.json and leaves docs/performance.md alone
  --runs N    whole-process runs per tool (default 30; 10 with --quick)
  --no-docs   do not rewrite docs/performance.md after a full run";

/// The fixtures' static profile, its key id, the three-role profile and its cached key id
/// (written by `crates/chain/benches/resolve.rs --write-fixtures`, from awscred-testkit).
const STATIC_PROFILE: &str = "static";
const STATIC_KEY_ID: &str = "AKIDBENCHSTATIC00001";
const THREE_ROLE_PROFILE: &str = "role3";
const THREE_ROLE_KEY_ID: &str = "ASIABENCHROLE3000001";
const PARSER_SIZES: [usize; 3] = [10, 1_000, 10_000];

/// botocore resolving a profile in a fresh interpreter, as `aws configure export-credentials`
/// does; with a second argument it also gives the assume-role provider the CLI's JSON file cache
/// (`~/.aws/cli/cache`), as awscli's `assumerole` customization does.
const BOTOCORE_SCRIPT: &str = "\
import os, sys
import botocore.session
from botocore.utils import JSONFileCache
session = botocore.session.Session(profile=sys.argv[1] if sys.argv[1] != '-' else None)
if len(sys.argv) > 2:
    provider = session.get_component('credential_provider').get_provider('assume-role')
    provider.cache = JSONFileCache(os.path.expanduser(os.path.join('~', '.aws', 'cli', 'cache')))
creds = session.get_credentials()
if creds is None:
    sys.stderr.write('Unable to locate credentials. You can configure credentials by running \"aws configure\".\\n')
    sys.exit(253)
print(creds.get_frozen_credentials().access_key)
";

struct Options {
    quick: bool,
    runs: usize,
    docs: bool,
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut options = Options {
        quick: false,
        runs: 0,
        docs: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--no-docs" => options.docs = false,
            "--runs" => {
                options.runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--runs takes a positive number")?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown option {other:?}\n\n{USAGE}")),
        }
    }
    if options.runs == 0 {
        options.runs = if options.quick { 10 } else { 30 };
    }
    let started = Instant::now();
    let mut bench = Bench::new(options)?;
    bench.measure();
    bench.finish(started.elapsed())
}

/// Whether a figure meets its goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Met,
    NotMet,
    Pending,
    /// A figure with no goal of its own (an anchor-only line, a baseline).
    Info,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "NOT MET",
            Status::Pending => "pending",
            Status::Info => "",
        }
    }

    fn of(met: bool) -> Status {
        if met { Status::Met } else { Status::NotMet }
    }
}

/// One line of the table.
#[derive(Debug, Clone)]
struct Row {
    figure: String,
    awscred: String,
    sdk: String,
    botocore: String,
    ratio: String,
    goal: String,
    status: Status,
}

impl Row {
    fn new(figure: impl Into<String>) -> Self {
        Row {
            figure: figure.into(),
            awscred: String::new(),
            sdk: String::new(),
            botocore: String::new(),
            ratio: String::new(),
            goal: String::new(),
            status: Status::Info,
        }
    }

    fn to_json(&self) -> Json {
        obj(vec![
            ("figure", Json::Str(self.figure.clone())),
            ("awscred", Json::Str(self.awscred.clone())),
            ("aws_config", Json::Str(self.sdk.clone())),
            ("botocore", Json::Str(self.botocore.clone())),
            ("ratio", Json::Str(self.ratio.clone())),
            ("goal", Json::Str(self.goal.clone())),
            ("status", Json::Str(self.status.label().trim().to_owned())),
        ])
    }
}

/// Timings of one tool over repeated runs.
#[derive(Debug, Clone)]
struct Stats {
    runs: usize,
    median: Duration,
    min: Duration,
    max: Duration,
    p99: Duration,
}

impl Stats {
    fn of(samples: &[Duration]) -> Option<Stats> {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        (!sorted.is_empty()).then(|| Stats {
            runs: sorted.len(),
            median: at(0.5),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            p99: at(0.99),
        })
    }

    /// From a bench program's JSON line.
    fn from_line(line: &Json) -> Option<Stats> {
        let ns = |key| line.num(key).map(|n| Duration::from_nanos(n as u64));
        Some(Stats {
            runs: line.num("iterations")? as usize,
            median: ns("median_ns")?,
            min: ns("min_ns")?,
            max: ns("max_ns")?,
            p99: ns("p99_ns")?,
        })
    }

    fn to_json(&self) -> Json {
        obj(vec![
            ("runs", Json::Num(self.runs as f64)),
            ("median_ns", Json::Num(self.median.as_nanos() as f64)),
            ("min_ns", Json::Num(self.min.as_nanos() as f64)),
            ("max_ns", Json::Num(self.max.as_nanos() as f64)),
            ("p99_ns", Json::Num(self.p99.as_nanos() as f64)),
        ])
    }

    /// `median (min–max)`.
    fn spread(&self) -> String {
        format!("{} ({}–{})", dur(self.median), dur(self.min), dur(self.max))
    }

    /// `median, p99`.
    fn median_p99(&self) -> String {
        format!("{} (p99 {})", dur(self.median), dur(self.p99))
    }
}

/// A measured figure for one tool, or why there is none.
type Outcome = Result<Stats, String>;

/// One figure's measurement.
type Step = fn(&mut Bench);

/// One parser figure.
#[derive(Debug, Clone)]
struct Parsed {
    /// Wall-clock time per parse.
    stats: Stats,
    bytes: f64,
    /// Profiles the parser found.
    profiles: f64,
    /// Mean on-CPU time per parse.
    cpu_ns: f64,
}

impl Parsed {
    fn read(tool: &Result<Tool, String>, bench: &str) -> Result<Parsed, String> {
        let lines = collect_lines(tool.as_ref().map_err(Clone::clone)?)?;
        let line = lines
            .iter()
            .find(|l| l.str("bench") == Some(bench))
            .ok_or("no figure printed")?;
        let stats = Stats::from_line(line).ok_or("unreadable figure")?;
        Ok(Parsed {
            bytes: line.num("bytes").ok_or("no byte count")?,
            profiles: line.num("profiles").ok_or("no profile count")?,
            // Without schedstat (not Linux), wall time is all there is.
            cpu_ns: line.num("cpu_ns").unwrap_or(stats.median.as_nanos() as f64),
            stats,
        })
    }

    /// MB (10^6 bytes) per second of on-CPU time.
    fn mb_per_s(&self) -> f64 {
        self.bytes / self.cpu_ns * 1e3
    }

    fn better(a: Result<Parsed, String>, b: Result<Parsed, String>) -> Result<Parsed, String> {
        match (a, b) {
            (Ok(a), Ok(b)) => Ok(if b.cpu_ns < a.cpu_ns { b } else { a }),
            (Ok(a), Err(_)) => Ok(a),
            (Err(_), b) => b,
        }
    }

    fn json(result: &Result<Parsed, String>) -> Json {
        match result {
            Ok(p) => {
                let mut json = p.stats.to_json();
                if let Json::Obj(members) = &mut json {
                    members.push(("bytes".into(), Json::Num(p.bytes)));
                    members.push(("profiles".into(), Json::Num(p.profiles)));
                    members.push(("cpu_ns_per_parse".into(), Json::Num(p.cpu_ns.round())));
                    members.push((
                        "mb_per_s".into(),
                        Json::Num((p.mb_per_s() * 10.0).round() / 10.0),
                    ));
                }
                json
            }
            Err(e) => obj(vec![("pending", Json::Str(e.clone()))]),
        }
    }
}

struct Bench {
    options: Options,
    out_dir: PathBuf,
    fixtures: PathBuf,
    rows: Vec<Row>,
    /// Everything measured, by figure, for the JSON file.
    data: Vec<(String, Json)>,
    notes: Vec<String>,
    heavy: Vec<String>,
    awscred: Result<PathBuf, String>,
    sdk: Result<PathBuf, String>,
    python: Result<PathBuf, String>,
    exes: Result<BTreeMap<String, PathBuf>, String>,
    load_start: String,
    /// What the resolve bench printed (figures 2 and 3).
    resolve_lines: Vec<Json>,
}

impl Bench {
    fn new(options: Options) -> Result<Self, String> {
        let out_dir = target_dir().join("bench");
        std::fs::create_dir_all(&out_dir)
            .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
        let fixtures = out_dir.join("fixtures");
        let load_start = loadavg();
        eprintln!("bench: building awscred, the bench programs and the anchors (release)...");
        let start = Instant::now();
        let awscred = build_awscred(options.quick);
        let (exes, features_note) = build_bench_programs();
        let sdk = build_sdk_compare();
        let python = find_python(&out_dir);
        eprintln!("bench:   ({:.1} s)", start.elapsed().as_secs_f64());
        let mut bench = Bench {
            options,
            out_dir,
            fixtures,
            rows: Vec::new(),
            data: Vec::new(),
            notes: Vec::new(),
            heavy: Vec::new(),
            awscred,
            sdk,
            python,
            exes,
            load_start,
            resolve_lines: Vec::new(),
        };
        if let Some(note) = features_note {
            bench.notes.push(note);
        }
        bench.write_fixtures();
        Ok(bench)
    }

    fn measure(&mut self) {
        let steps: [(&str, Step); 6] = [
            ("1/6 whole-process resolution", Bench::figure_whole_process),
            ("2/6 in-process cold resolution", Bench::figure_cold),
            (
                "3/6 time to a clear error (IMDS black-holed)",
                Bench::figure_error_time,
            ),
            ("4/6 refresh cache", Bench::figure_refresh),
            ("5/6 profile parser", Bench::figure_parser),
            ("6/6 footprint", Bench::figure_footprint),
        ];
        for (label, step) in steps {
            eprintln!("bench: {label}...");
            let start = Instant::now();
            step(self);
            eprintln!("bench:   ({:.1} s)", start.elapsed().as_secs_f64());
        }
    }

    fn exe(&self, name: &str) -> Result<&PathBuf, String> {
        match &self.exes {
            Ok(exes) => exes
                .get(name)
                .ok_or_else(|| format!("the `{name}` bench of awscred-chain was not built")),
            Err(e) => Err(e.clone()),
        }
    }

    fn write_fixtures(&mut self) {
        let _ = std::fs::remove_dir_all(&self.fixtures);
        let result = self.exe("resolve").cloned().and_then(|exe| {
            let tool = Tool::new(exe, &["--write-fixtures", &self.fixtures.to_string_lossy()]);
            match tool.run()? {
                run if run.success => Ok(()),
                run => Err(format!("{} failed: {}", tool.describe(), run.stderr.trim())),
            }
        });
        if let Err(e) = result {
            self.notes
                .push(format!("fixtures could not be written: {e}"));
        }
    }

    fn home(&self, which: &str) -> String {
        self.fixtures.join(which).to_string_lossy().into_owned()
    }

    /// The environment every whole-process run gets: only HOME (the fixture), instance metadata
    /// off, and every AWS service endpoint on a closed loopback port, so a tool that would call
    /// out (a cache miss, say) fails at once instead of reaching the internet.
    fn base_env(&self, home: &str) -> Vec<(String, String)> {
        let closed = closed_port();
        vec![
            ("HOME".into(), home.into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            (
                "AWS_ENDPOINT_URL".into(),
                format!("http://127.0.0.1:{closed}"),
            ),
            (
                "AWS_ENDPOINT_URL_STS".into(),
                format!("http://127.0.0.1:{closed}"),
            ),
            ("LANG".into(), "C.UTF-8".into()),
        ]
    }

    fn botocore(&self, args: &[&str], env: &[(String, String)]) -> Result<Tool, String> {
        let python = self.python.clone()?;
        let mut all = vec!["-c", BOTOCORE_SCRIPT];
        all.extend_from_slice(args);
        Ok(Tool::new(python, &all).env(env))
    }

    fn awscred_tool(&self, args: &[&str], env: &[(String, String)]) -> Result<Tool, String> {
        Ok(Tool::new(self.awscred.clone()?, args).env(env))
    }

    fn sdk_tool(&self, args: &[&str], env: &[(String, String)]) -> Result<Tool, String> {
        Ok(Tool::new(self.sdk.clone()?, args).env(env))
    }

    fn record(&mut self, key: &str, value: Json) {
        self.data.push((key.to_owned(), value));
    }

    // ---- Figure 1 ------------------------------------------------------------------------

    fn figure_whole_process(&mut self) {
        let env = self.base_env(&self.home("static-home"));
        let tools = vec![
            ("baseline", Ok(Tool::new(true_program(), &[])), None),
            (
                "awscred",
                self.awscred_tool(&["export-credentials", "--profile", STATIC_PROFILE], &env),
                Some(STATIC_KEY_ID),
            ),
            (
                "aws_config",
                self.sdk_tool(&["export", STATIC_PROFILE], &env),
                Some(STATIC_KEY_ID),
            ),
            (
                "botocore",
                self.botocore(&[STATIC_PROFILE], &env),
                Some(STATIC_KEY_ID),
            ),
        ];
        let results = compare_processes(tools, 3, self.options.runs);
        let get = |name: &str| {
            results
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, r)| r.clone())
        };
        let (base, ours, sdk, boto) = (
            get("baseline").unwrap_or(Err("not run".into())),
            get("awscred").unwrap_or(Err("not run".into())),
            get("aws_config").unwrap_or(Err("not run".into())),
            get("botocore").unwrap_or(Err("not run".into())),
        );
        let mut row = Row::new("1. whole process, static profile: median (min–max)");
        row.awscred = show(&ours, Stats::spread);
        row.sdk = show(&sdk, Stats::spread);
        row.botocore = show(&boto, Stats::spread);
        row.ratio = ratios(&ours, &sdk, &boto);
        row.goal = "≤ 1 ms".into();
        row.status = goal_status(&ours, |s| s.median <= Duration::from_millis(1));
        self.rows.push(row);
        let mut floor = Row::new("   floor: spawning /bin/true");
        floor.awscred = show(&base, Stats::spread);
        if let (Ok(base), Ok(ours)) = (&base, &ours) {
            // /bin/true is linked dynamically on most systems, so a static awscred can start
            // faster than it: then the difference is shown the other way round.
            floor.ratio = if ours.median >= base.median {
                format!("awscred's own share: {}", dur(ours.median - base.median))
            } else {
                format!(
                    "awscred {} quicker than /bin/true (dynamically linked)",
                    dur(base.median - ours.median)
                )
            };
        }
        self.rows.push(floor);
        self.record(
            "whole_process_static",
            obj(vec![
                ("baseline_true", outcome_json(&base)),
                ("awscred", outcome_json(&ours)),
                ("aws_config", outcome_json(&sdk)),
                ("botocore", outcome_json(&boto)),
            ]),
        );
    }

    // ---- Figure 2 ------------------------------------------------------------------------

    fn figure_cold(&mut self) {
        let mut lines = Vec::new();
        match self.exe("resolve").cloned() {
            Ok(exe) => {
                let args: &[&str] = if self.options.quick {
                    &["--quick"]
                } else {
                    &[]
                };
                match collect_lines(&Tool::new(exe, args)) {
                    Ok(found) => lines = found,
                    Err(e) => self.notes.push(format!("resolve bench: {e}")),
                }
            }
            Err(e) => self.notes.push(format!("resolve bench: {e}")),
        }
        let line_outcome = |name: &str| -> Outcome {
            match lines.iter().find(|l| l.str("bench") == Some(name)) {
                None => Err("the resolve bench printed no figure".into()),
                Some(l) if l.str("status") == Some("pending") => {
                    Err(format!("pending: {}", l.str("reason").unwrap_or("?")))
                }
                Some(l) => Stats::from_line(l).ok_or_else(|| "unreadable figure".to_owned()),
            }
        };
        let ours_static = line_outcome("awscred_cold_static");
        let ours_roles = line_outcome("awscred_cold_three_role_cached");

        let iterations = if self.options.quick { "300" } else { "2000" };
        let env = self.base_env(&self.home("static-home"));
        let sdk_static = self
            .sdk_tool(&["cold", STATIC_PROFILE, iterations], &env)
            .and_then(|tool| collect_lines(&tool))
            .and_then(|lines| {
                lines
                    .iter()
                    .find(|l| l.str("bench") == Some("sdk_cold_static"))
                    .and_then(Stats::from_line)
                    .ok_or_else(|| "sdk-compare cold printed no figure".to_owned())
            });

        let mut row = Row::new("2. in process, cold, static profile: median (p99)");
        row.awscred = show(&ours_static, Stats::median_p99);
        row.sdk = show(&sdk_static, Stats::median_p99);
        row.botocore = "—".into();
        row.ratio = ratios(&ours_static, &sdk_static, &Err(String::new()));
        row.goal = "≤ 10 µs".into();
        row.status = goal_status(&ours_static, |s| s.median <= Duration::from_micros(10));
        self.rows.push(row);

        let mut row = Row::new("2. in process, cold, 3-role chain, cache hit: median (p99)");
        row.awscred = show(&ours_roles, Stats::median_p99);
        row.sdk = "— (no CLI cache)".into();
        row.botocore = "—".into();
        row.goal = "≤ 200 µs".into();
        row.status = goal_status(&ours_roles, |s| s.median <= Duration::from_micros(200));
        self.rows.push(row);

        // Whole process, three-role cache hit: awscred, and botocore given the CLI's cache.
        let env = self.base_env(&self.home("three-role-home"));
        let tools = vec![
            (
                "awscred",
                self.awscred_tool(
                    &["export-credentials", "--profile", THREE_ROLE_PROFILE],
                    &env,
                ),
                Some(THREE_ROLE_KEY_ID),
            ),
            (
                "botocore",
                self.botocore(&[THREE_ROLE_PROFILE, "--cli-cache"], &env),
                Some(THREE_ROLE_KEY_ID),
            ),
        ];
        let results = compare_processes(tools, 2, self.options.runs);
        let ours_whole = results[0].1.clone();
        let boto_whole = results[1].1.clone();
        let mut row = Row::new("2. whole process, 3-role chain, cache hit: median (min–max)");
        row.awscred = show(&ours_whole, Stats::spread);
        row.sdk = "— (no CLI cache)".into();
        row.botocore = show(&boto_whole, Stats::spread);
        row.ratio = ratios(&ours_whole, &Err(String::new()), &boto_whole);
        row.goal = "≤ 2 ms".into();
        row.status = goal_status(&ours_whole, |s| s.median <= Duration::from_millis(2));
        self.rows.push(row);

        self.record(
            "cold_in_process",
            obj(vec![
                ("awscred_static", outcome_json(&ours_static)),
                ("aws_config_static", outcome_json(&sdk_static)),
                ("awscred_three_role_cached", outcome_json(&ours_roles)),
                (
                    "awscred_whole_process_three_role_cached",
                    outcome_json(&ours_whole),
                ),
                (
                    "botocore_whole_process_three_role_cached",
                    outcome_json(&boto_whole),
                ),
            ]),
        );
        self.resolve_lines = lines;
    }

    // ---- Figure 3 ------------------------------------------------------------------------

    fn figure_error_time(&mut self) {
        let hole = match BlackHole::start() {
            Ok(hole) => hole,
            Err(e) => {
                self.notes.push(format!("black hole: {e}"));
                return;
            }
        };
        let home = self.home("empty-home");
        let closed = format!("http://127.0.0.1:{}", closed_port());
        // Instance metadata on (it is the tier under test) but pointed at the black hole; the
        // region is set so no tool asks instance metadata for it, which would blur the figure.
        let env: Vec<(String, String)> = vec![
            ("HOME".into(), home),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT".into(), hole.endpoint()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ENDPOINT_URL".into(), closed.clone()),
            ("AWS_ENDPOINT_URL_STS".into(), closed),
            ("LANG".into(), "C.UTF-8".into()),
        ];
        let tools = [
            ("awscred", self.awscred_tool(&["export-credentials"], &env)),
            ("aws_config", self.sdk_tool(&["export"], &env)),
            ("botocore", self.botocore(&["-"], &env)),
        ];
        let runs = if self.options.quick { 2 } else { 5 };
        let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); tools.len()];
        let mut failures: Vec<Option<String>> = tools
            .iter()
            .map(|(_, t)| t.as_ref().err().cloned())
            .collect();
        let mut messages = vec![String::new(); tools.len()];
        let mut connections = vec![Vec::new(); tools.len()];
        for _ in 0..runs {
            for (i, (_, tool)) in tools.iter().enumerate() {
                let (Ok(tool), None) = (tool, &failures[i]) else {
                    continue;
                };
                let before = hole.accepted();
                match tool.run() {
                    Ok(run) if !run.success => {
                        samples[i].push(run.elapsed);
                        connections[i].push(hole.accepted() - before);
                        messages[i] = last_line(&run.stderr);
                    }
                    Ok(run) => {
                        failures[i] = Some(format!(
                            "resolved credentials with none configured: {}",
                            last_line(&run.stdout)
                        ));
                    }
                    Err(e) => failures[i] = Some(e),
                }
            }
        }
        let outcome = |i: usize| -> Outcome {
            match &failures[i] {
                Some(e) => Err(e.clone()),
                // An error before trying instance metadata is not the figure: it measures the
                // time a tool takes to give up on an endpoint that hangs.
                None if connections[i].iter().all(|n| *n == 0) => Err(format!(
                    "never contacted the instance metadata endpoint (no IMDS tier in this build?); \
                     it failed at once ({}) with: {}",
                    Stats::of(&samples[i]).map_or(String::new(), |s| dur(s.median)),
                    messages[i]
                )),
                None => Stats::of(&samples[i]).ok_or_else(|| "no runs".to_owned()),
            }
        };
        let (ours, sdk, boto) = (outcome(0), outcome(1), outcome(2));
        let mut row =
            Row::new("3. no credentials, IMDS black-holed: time to error, median (min–max)");
        row.awscred = show(&ours, Stats::spread);
        row.sdk = show(&sdk, Stats::spread);
        row.botocore = show(&boto, Stats::spread);
        row.ratio = ratios(&ours, &sdk, &boto);
        row.goal = "≤ 1.1 s".into();
        row.status = goal_status(&ours, |s| s.median <= Duration::from_millis(1100));
        self.rows.push(row);
        let per_run = |i: usize| match connections[i].as_slice() {
            [] => "—".to_owned(),
            c => format!("{}", c[c.len() / 2]),
        };
        let mut row = Row::new("   connections to the endpoint per run");
        row.awscred = per_run(0);
        row.sdk = per_run(1);
        row.botocore = per_run(2);
        self.rows.push(row);

        let imds = self
            .resolve_lines
            .iter()
            .find(|l| l.str("bench") == Some("awscred_imds_requests"))
            .cloned();
        let mut row = Row::new("3. IMDS tier, loopback fake: requests for a refresh (first fetch)");
        row.goal = "2 (not 3)".into();
        match imds
            .as_ref()
            .map(|l| (l.num("refresh"), l.num("first_fetch"), l.str("reason")))
        {
            Some((Some(refresh), Some(first), _)) => {
                row.awscred = format!("{refresh} ({first})");
                row.status = Status::of(refresh == 2.0);
            }
            Some((_, _, Some(reason))) => {
                row.awscred = format!("pending: {reason}");
                row.status = Status::Pending;
            }
            _ => {
                row.awscred = "pending: the resolve bench printed no figure".into();
                row.status = Status::Pending;
            }
        }
        self.rows.push(row);
        if let Some(line) = imds {
            self.record("imds_requests", line);
        }
        for (i, (name, _)) in tools.iter().enumerate() {
            if !messages[i].is_empty() {
                self.notes
                    .push(format!("error printed by {name}: {}", messages[i]));
            }
        }
        self.record(
            "error_time_imds_black_hole",
            obj(vec![
                ("awscred", outcome_json(&ours)),
                ("aws_config", outcome_json(&sdk)),
                ("botocore", outcome_json(&boto)),
                (
                    "connections_per_run",
                    Json::Arr(
                        connections
                            .iter()
                            .map(|c| Json::Arr(c.iter().map(|n| Json::Num(*n as f64)).collect()))
                            .collect(),
                    ),
                ),
                (
                    "messages",
                    Json::Arr(messages.iter().cloned().map(Json::Str).collect()),
                ),
            ]),
        );
    }

    // ---- Figure 4 ------------------------------------------------------------------------

    fn figure_refresh(&mut self) {
        let lines = self.exe("refresh_load").cloned().and_then(|exe| {
            let args: &[&str] = if self.options.quick {
                &["--quick"]
            } else {
                &[]
            };
            collect_lines(&Tool::new(exe, args))
        });
        let lines = match lines {
            Ok(lines) => lines,
            Err(e) => {
                let mut row = Row::new("4. refresh cache, cached read");
                row.awscred = format!("pending: {e}");
                row.goal = "≤ 100 ns median".into();
                row.status = Status::Pending;
                self.rows.push(row);
                return;
            }
        };
        for tasks in [1, 2, 64] {
            let name = format!("refresh_cached_read_tasks_{tasks}");
            let stats: Outcome = lines
                .iter()
                .find(|l| l.str("bench") == Some(name.as_str()))
                .and_then(Stats::from_line)
                .ok_or_else(|| "no figure printed".to_owned());
            let mut row = Row::new(format!(
                "4. refresh cache, cached read, {tasks} task(s): median (p99)"
            ));
            row.awscred = show(&stats, Stats::median_p99);
            row.goal = "≤ 100 ns".into();
            row.status = goal_status(&stats, |s| s.median <= Duration::from_nanos(100));
            self.rows.push(row);
        }
        let fetches = lines
            .iter()
            .find(|l| l.str("bench") == Some("refresh_fetches_10000_callers"));
        let mut row =
            Row::new("4. refresh cache, 10,000 callers across an expiry: upstream fetches");
        row.goal = "1".into();
        match fetches.and_then(|l| Some((l.num("fetches")?, l.num("failures")?))) {
            Some((fetches, failures)) => {
                row.awscred = format!("{fetches}");
                if failures > 0.0 {
                    row.awscred
                        .push_str(&format!(" ({failures} callers failed)"));
                }
                row.status = Status::of(fetches == 1.0 && failures == 0.0);
            }
            None => {
                row.awscred = "pending: no figure printed".into();
                row.status = Status::Pending;
            }
        }
        self.rows.push(row);
        self.record("refresh_cache", Json::Arr(lines));
    }

    // ---- Figure 5 ------------------------------------------------------------------------

    fn figure_parser(&mut self) {
        let mut per_size = Vec::new();
        for profiles in PARSER_SIZES {
            let file = self.fixtures.join(format!("profiles-{profiles}.ini"));
            let file_arg = file.to_string_lossy().into_owned();
            let iterations = match (profiles, self.options.quick) {
                (10, false) => "20000",
                (10, true) => "2000",
                (1_000, false) => "300",
                (1_000, true) => "40",
                (_, false) => "30",
                (_, true) => "6",
            };
            let ours_tool = self
                .exe("parse")
                .cloned()
                .map(|exe| Tool::new(exe, &[&file_arg, iterations]));
            let sdk_tool = self.sdk_tool(&["parse-bench", &file_arg, iterations], &[]);
            // Alternating rounds, the better of each kept: a burst of load from the machine's
            // other users then cannot land on one side only.
            let (mut ours, mut sdk) = (Err("not run".to_owned()), Err("not run".to_owned()));
            for _ in 0..2 {
                ours = Parsed::better(ours, Parsed::read(&ours_tool, "awscred_parse"));
                sdk = Parsed::better(sdk, Parsed::read(&sdk_tool, "sdk_parse"));
            }
            let cell = |r: &Result<Parsed, String>| match r {
                Ok(p) => format!(
                    "{:.0} MB/s ({} wall median)",
                    p.mb_per_s(),
                    dur(p.stats.median)
                ),
                Err(e) => format!("pending: {e}"),
            };
            let mut row = Row::new(format!(
                "5. parser, {profiles} profiles: MB/s (on-CPU time)"
            ));
            row.awscred = cell(&ours);
            row.sdk = cell(&sdk);
            row.botocore = "—".into();
            row.goal = "≥ 3× the SDK".into();
            match (&ours, &sdk) {
                (Ok(a), Ok(b)) => {
                    let speedup = a.mb_per_s() / b.mb_per_s();
                    row.ratio = format!("awscred {speedup:.2}× faster");
                    row.status = Status::of(speedup >= 3.0);
                    if a.profiles != b.profiles {
                        self.notes.push(format!(
                            "parser, {profiles} profiles: awscred found {} profiles, the SDK {} \
                             (the generated file should read the same in both)",
                            a.profiles, b.profiles
                        ));
                    }
                }
                _ => row.status = Status::Pending,
            }
            self.rows.push(row);
            per_size.push((profiles, ours, sdk));
        }
        // Linear growth: the time per MB of each larger file against the smallest's (1.0 = linear).
        let growth = |per_mb: Vec<Option<f64>>| -> Option<(String, bool)> {
            let base = per_mb[0]?;
            let ratios: Vec<Option<f64>> =
                per_mb[1..].iter().map(|t| t.map(|t| t / base)).collect();
            let text = ratios
                .iter()
                .map(|r| r.map_or("?".to_owned(), |r| format!("{r:.2}")))
                .collect::<Vec<_>>()
                .join(" / ");
            let linear = ratios.iter().all(|r| r.is_some_and(|r| r <= 1.5));
            Some((text, linear))
        };
        let per_mb = |r: &Result<Parsed, String>| r.as_ref().ok().map(|p| 1.0 / p.mb_per_s());
        let ours_growth = growth(per_size.iter().map(|s| per_mb(&s.1)).collect());
        let sdk_growth = growth(per_size.iter().map(|s| per_mb(&s.2)).collect());
        let mut row = Row::new("5. parser growth: time per MB, 1,000 / 10,000 vs 10 profiles");
        row.awscred = ours_growth
            .as_ref()
            .map_or("pending".into(), |g| g.0.clone());
        row.sdk = sdk_growth
            .as_ref()
            .map_or("pending".into(), |g| g.0.clone());
        row.goal = "linear (each ≤ 1.5)".into();
        row.status = ours_growth.map_or(Status::Pending, |g| Status::of(g.1));
        self.rows.push(row);
        let recorded = per_size
            .iter()
            .map(|(profiles, ours, sdk)| {
                obj(vec![
                    ("profiles", Json::Num(*profiles as f64)),
                    ("awscred", Parsed::json(ours)),
                    ("aws_config", Parsed::json(sdk)),
                ])
            })
            .collect();
        self.record("parser", Json::Arr(recorded));
    }

    // ---- Figure 6 ------------------------------------------------------------------------

    fn figure_footprint(&mut self) {
        let sdk_dir = root().join("xtask/sdk-compare");
        let full = ["-p", "awscred-chain", "--all-features"];
        let env_profile = [
            "-p",
            "awscred-chain",
            "--no-default-features",
            "--features",
            "env,profile",
        ];
        let cli = ["-p", "awscred-cli"];
        let aws_config = ["-p", "aws-config"];
        let count = |dir: &Path, args: &[&str]| crate_count(dir, args);
        let full_count = count(&root(), &full);
        let env_count = count(&root(), &env_profile);
        let cli_count = count(&root(), &cli);
        let sdk_count = count(&sdk_dir, &aws_config);

        let crates_cell = |c: &Result<usize, String>| match c {
            Ok(n) => format!("{n} crates"),
            Err(e) => format!("pending: {e}"),
        };
        let mut row = Row::new("6. dependency graph, full chain (all tiers)");
        row.awscred = crates_cell(&full_count);
        row.sdk = crates_cell(&sdk_count);
        row.ratio = match (&full_count, &sdk_count) {
            (Ok(a), Ok(b)) => format!("{:.2}× the SDK's", *a as f64 / *b as f64),
            _ => String::new(),
        };
        row.goal = "≤ 85 crates".into();
        row.status = match &full_count {
            Ok(n) => Status::of(*n <= 85),
            Err(_) => Status::Pending,
        };
        self.rows.push(row);
        let mut row = Row::new("6. dependency graph, env,profile only");
        row.awscred = crates_cell(&env_count);
        row.goal = "≤ 12 crates".into();
        row.status = match &env_count {
            Ok(n) => Status::of(*n <= 12),
            Err(_) => Status::Pending,
        };
        self.rows.push(row);
        let mut row = Row::new("6. dependency graph, awscred CLI");
        row.awscred = crates_cell(&cli_count);
        self.rows.push(row);
        match heaviest_dependencies(&root(), &full) {
            Ok(heavy) => self.heavy = heavy,
            Err(e) => self.notes.push(format!("dependency breakdown: {e}")),
        }

        let mut builds = Vec::new();
        if self.options.quick {
            let mut row = Row::new("6. clean release build");
            row.awscred = "skipped (--quick)".into();
            self.rows.push(row);
        } else {
            let clean = self.out_dir.join("clean");
            let full_build = clean_build(&root(), &clean.join("chain-full"), &full);
            let env_build = clean_build(&root(), &clean.join("chain-env-profile"), &env_profile);
            let sdk_build = clean_build(&sdk_dir, &clean.join("aws-config"), &aws_config);
            let cell = |b: &Result<(Duration, usize, String), String>| match b {
                Ok((t, n, _)) => format!("{:.1} s ({n} compiled)", t.as_secs_f64()),
                Err(e) => format!("failed: {e}"),
            };
            let mut row = Row::new("6. clean release build, full chain");
            row.awscred = cell(&full_build);
            row.sdk = cell(&sdk_build);
            if let (Ok((a, ..)), Ok((b, ..))) = (&full_build, &sdk_build) {
                row.ratio = format!("{:.2}× the SDK's", a.as_secs_f64() / b.as_secs_f64());
            }
            row.goal = "≤ 60 s".into();
            row.status = match &full_build {
                Ok((t, ..)) => Status::of(*t <= Duration::from_secs(60)),
                Err(_) => Status::Pending,
            };
            self.rows.push(row);
            let mut row = Row::new("6. clean release build, env,profile only");
            row.awscred = cell(&env_build);
            row.goal = "≤ 10 s".into();
            row.status = match &env_build {
                Ok((t, ..)) => Status::of(*t <= Duration::from_secs(10)),
                Err(_) => Status::Pending,
            };
            self.rows.push(row);
            for (name, build) in [
                ("chain_full", &full_build),
                ("chain_env_profile", &env_build),
                ("aws_config", &sdk_build),
            ] {
                builds.push((
                    name,
                    match build {
                        Ok((t, n, load)) => obj(vec![
                            (
                                "seconds",
                                Json::Num((t.as_secs_f64() * 10.0).round() / 10.0),
                            ),
                            ("crates_compiled", Json::Num(*n as f64)),
                            ("loadavg_before", Json::Str(load.clone())),
                        ]),
                        Err(e) => Json::Str(format!("failed: {e}")),
                    },
                ));
            }
            let _ = std::fs::remove_dir_all(&clean);
        }

        let size = |path: &Result<PathBuf, String>| -> Result<u64, String> {
            let path = path.as_ref().map_err(Clone::clone)?;
            std::fs::metadata(path)
                .map(|m| m.len())
                .map_err(|e| format!("{}: {e}", path.display()))
        };
        let ours_size = size(&self.awscred);
        let sdk_size = size(&self.sdk);
        let mut row = Row::new("6. stripped release binary (awscred; sdk-compare for the SDK)");
        let mib = |s: &Result<u64, String>| match s {
            Ok(b) => format!("{:.2} MiB", *b as f64 / 1048576.0),
            Err(e) => format!("pending: {e}"),
        };
        row.awscred = mib(&ours_size);
        row.sdk = mib(&sdk_size);
        if let (Ok(a), Ok(b)) = (&ours_size, &sdk_size) {
            row.ratio = format!("{:.2}× the SDK's", *a as f64 / *b as f64);
        }
        row.goal = "≤ 3 MiB".into();
        row.status = match &ours_size {
            Ok(b) => Status::of(*b <= 3 * 1024 * 1024),
            Err(_) => Status::Pending,
        };
        self.rows.push(row);

        let num = |c: &Result<usize, String>| match c {
            Ok(n) => Json::Num(*n as f64),
            Err(e) => Json::Str(format!("pending: {e}")),
        };
        let bytes = |s: &Result<u64, String>| match s {
            Ok(n) => Json::Num(*n as f64),
            Err(e) => Json::Str(format!("pending: {e}")),
        };
        self.record(
            "footprint",
            obj(vec![
                ("crates_chain_full", num(&full_count)),
                ("crates_chain_env_profile", num(&env_count)),
                ("crates_awscred_cli", num(&cli_count)),
                ("crates_aws_config", num(&sdk_count)),
                (
                    "heaviest_dependencies_of_the_full_chain",
                    Json::Arr(self.heavy.iter().cloned().map(Json::Str).collect()),
                ),
                (
                    "clean_builds",
                    Json::Obj(builds.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
                ),
                ("awscred_binary_bytes", bytes(&ours_size)),
                ("sdk_compare_binary_bytes", bytes(&sdk_size)),
            ]),
        );
    }

    // ---- Output --------------------------------------------------------------------------

    fn finish(mut self, elapsed: Duration) -> Result<(), String> {
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

// ---- Building ---------------------------------------------------------------------------

/// The binary as shipped (`cargo xtask dist`: a static musl build on Linux, its
/// start-up code laid out together). `--quick` reuses the function order of the last build.
fn build_awscred(quick: bool) -> Result<PathBuf, String> {
    let order = if quick {
        crate::dist::Order::Reuse
    } else {
        crate::dist::Order::Measure
    };
    crate::dist::build(order, true)
}

/// The chain's bench programs, with every tier compiled in; with only the default tiers when
/// that fails (a tier that does not build yet), which the report then says.
fn build_bench_programs() -> (Result<BTreeMap<String, PathBuf>, String>, Option<String>) {
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

fn build_sdk_compare() -> Result<PathBuf, String> {
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
fn find_python(out_dir: &Path) -> Result<PathBuf, String> {
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

fn output_of(cmd: &mut Command) -> Result<String, String> {
    let output = cmd
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", describe(cmd)))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{} failed: {}{}",
            describe(cmd),
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        ))
    }
}

/// Runs a build or tool without its output; an error is the command and its first compiler
/// error (shared with `dist`).
pub(crate) fn run_quiet(cmd: &mut Command) -> Result<(), String> {
    output_of(cmd).map(drop).map_err(|e| first_error(&e))
}

/// The command and the first compiler error of a failed build, not pages of it.
fn first_error(text: &str) -> String {
    let head = text.lines().next().unwrap_or("").to_owned();
    let error = text
        .lines()
        .filter_map(|l| {
            Json::parse(l).and_then(|m| {
                m.get("message")
                    .and_then(|m| m.str("rendered"))
                    .map(str::to_owned)
            })
        })
        .find(|r| r.starts_with("error"))
        .or_else(|| {
            text.lines()
                .find(|l| l.trim_start().starts_with("error"))
                .map(str::to_owned)
        });
    match error {
        Some(e) => format!(
            "{head} | {}",
            e.lines().take(3).collect::<Vec<_>>().join(" ")
        ),
        None => head.chars().take(400).collect(),
    }
}

// ---- Measuring --------------------------------------------------------------------------

/// Runs each tool `warm_up` times unmeasured, then `runs` rounds of one run of each in turn, so
/// a burst of load on the machine hits every tool alike and the ratios stay fair. A tool whose
/// run fails or does not print the expected key id is dropped with the reason.
fn compare_processes(
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
fn collect_lines(tool: &Tool) -> Result<Vec<Json>, String> {
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
fn true_program() -> PathBuf {
    let bin = PathBuf::from("/bin/true");
    if bin.exists() {
        bin
    } else {
        PathBuf::from("true")
    }
}

/// A loopback port with nothing listening: connections to it are refused at once.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(9, |a| a.port())
}

/// Crates in the normal-dependency graph (host platform) of a package selection.
fn crate_count(dir: &Path, selection: &[&str]) -> Result<usize, String> {
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
fn package_id(line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    let name = words.next()?;
    let version = words.next().filter(|v| v.starts_with('v'))?;
    Some(format!("{name} {version}"))
}

/// Where the graph's crates come from: for each external crate our own crates depend on
/// directly, how many crates it brings and how many would leave the graph without it; then, for
/// each of our crates, how many would leave if its external dependencies went. Reachability
/// over the `cargo tree` edges, so a crate that another path still needs is not counted.
fn heaviest_dependencies(dir: &Path, selection: &[&str]) -> Result<Vec<String>, String> {
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
fn clean_build(
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

// ---- Formatting -------------------------------------------------------------------------

fn obj(members: Vec<(&str, Json)>) -> Json {
    Json::Obj(
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn outcome_json(outcome: &Outcome) -> Json {
    match outcome {
        Ok(stats) => stats.to_json(),
        Err(e) => obj(vec![("pending", Json::Str(e.clone()))]),
    }
}

fn show(outcome: &Outcome, render: fn(&Stats) -> String) -> String {
    match outcome {
        Ok(stats) => render(stats),
        Err(e) if e.is_empty() => "—".into(),
        Err(e) if e.starts_with("pending") => e.clone(),
        Err(e) => format!("pending: {e}"),
    }
}

fn goal_status(outcome: &Outcome, met: impl Fn(&Stats) -> bool) -> Status {
    match outcome {
        Ok(stats) => Status::of(met(stats)),
        Err(_) => Status::Pending,
    }
}

/// How many times slower each anchor's median is than awscred's.
fn ratios(ours: &Outcome, sdk: &Outcome, boto: &Outcome) -> String {
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

fn dur(d: Duration) -> String {
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

fn last_line(text: &str) -> String {
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    line.chars().take(300).collect()
}

fn render_table(rows: &[Row]) -> String {
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

struct Machine {
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

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM UTC` (days-to-civil conversion; xtask has no date crate).
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

fn render_doc(bench: &Bench, machine: &Machine, date: &str, command: &str, table: &str) -> String {
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

const METHOD: &str = "## How each figure is taken

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

`cargo xtask bench --quick` takes fewer runs and skips the clean builds (about 20 s of
measuring once the release builds are current; rebuilding changed crates comes on top); it
writes `target/bench/results-quick.json` and leaves this page alone.
";

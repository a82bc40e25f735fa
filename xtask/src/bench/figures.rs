//! The figures: each one a method of [`Bench`] that measures and adds its rows.

use super::*;

impl Bench {
    // ---- Figure 1 ------------------------------------------------------------------------

    pub(super) fn figure_whole_process(&mut self) {
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

    pub(super) fn figure_cold(&mut self) {
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

    pub(super) fn figure_error_time(&mut self) {
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

    pub(super) fn figure_refresh(&mut self) {
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

    pub(super) fn figure_parser(&mut self) {
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

    pub(super) fn figure_footprint(&mut self) {
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
        row.goal = "≤ 11 crates".into();
        row.status = match &env_count {
            Ok(n) => Status::of(*n <= 11),
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
}

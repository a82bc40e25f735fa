//! Secret hygiene of the `awscred` binary across every tier: each scenario of
//! `awscred_testkit::hostile::Scenario` (environment, static keys, assume role against a
//! loopback STS and against moto, web identity against the loopback STS, SSO with a token
//! refresh, `credential_process`, the container endpoint, IMDS, and failures of each with
//! secrets nearby) runs every subcommand with
//! `AWSCRED_LOG=trace` and with `--debug`. Only `export-credentials` may print a secret, and
//! only on stdout, only when it succeeds; stderr (logs, errors) and `explain` never do.

use awscred_testkit::ClearEnv as _;
use std::process::{Command, Output};

use awscred_testkit::hostile::Scenario;

const FORMATS: [&str; 6] = [
    "process",
    "env",
    "env-no-export",
    "powershell",
    "windows-cmd",
    "fish",
];

fn run(s: &Scenario, args: &[&str], trace: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awscred"));
    cmd.env_clear_but_essentials().envs(s.all_vars());
    if trace {
        cmd.env("AWSCRED_LOG", "trace");
    }
    if let Some(p) = &s.profile {
        cmd.args(["--profile", p]);
    }
    cmd.args(args).output().expect("awscred runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn only_export_credentials_stdout_ever_shows_a_secret() {
    let mut runs = 0;
    let mut logged = 0;
    let scenarios = Scenario::all();
    let count = scenarios.len();
    for mut s in scenarios {
        let mut commands: Vec<(Vec<&str>, bool)> = FORMATS
            .iter()
            .map(|f| (vec!["export-credentials", "--format", f], true))
            .collect();
        commands.push((vec!["export-credentials", "--debug"], false));
        commands.push((vec!["explain"], true));
        commands.push((vec!["explain", "--debug"], false));
        for (args, trace) in commands {
            let out = run(&s, &args, trace);
            runs += 1;
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            let what = format!("{} `{}`", s.name, args.join(" "));
            if s.name.ends_with("moto")
                && args.starts_with(&["export-credentials", "--format", "process"])
            {
                // moto makes its secrets up: learn them from the first export, then check all.
                let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
                s.learn(doc["SecretAccessKey"].as_str().unwrap_or_default());
                s.learn(doc["SessionToken"].as_str().unwrap_or_default());
            }
            logged += stderr.lines().count();
            if let Some(leak) = s.leak_in(&stderr) {
                panic!("{what}: {leak} on stderr:\n{stderr}");
            }
            let exporting = args[0] == "export-credentials";
            assert_eq!(
                out.status.success(),
                s.succeeds,
                "{what}: exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
                out.status
            );
            if exporting && s.succeeds {
                // The one place a secret belongs; also proves the scenario's secrets are real.
                assert!(
                    s.leak_in(&stdout).is_some(),
                    "{what}: no secret exported:\n{stdout}"
                );
            } else if let Some(leak) = s.leak_in(&stdout) {
                panic!("{what}: {leak} on stdout:\n{stdout}");
            }
            if exporting && !s.succeeds {
                assert_eq!(stdout, "", "{what}: nothing on stdout when failing");
                assert!(!stderr.trim().is_empty(), "{what}: the error is shown");
            }
        }
    }
    assert_eq!(runs, count * 9);
    assert!(logged > 100, "only {logged} stderr lines: is tracing on?");
}

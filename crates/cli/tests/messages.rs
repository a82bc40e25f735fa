//! What a newcomer reads, through the real binary: help, suggestions for mistyped words, the
//! messages of `serve`, `sso login` / `sso logout` and of an instance-metadata tier that cannot
//! be reached.

mod common;

use std::io::{BufRead, BufReader};

use common::Home;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_command_list_has_one_line_summaries_and_details_are_in_each_commands_help() {
    let home = Home::new();
    let out = home.run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(commands.len() >= 5, "{help}");
    for line in &commands {
        assert!(line.len() <= 100, "a summary longer than a line: {line:?}");
    }
    // The --profile help names the variables it stands before.
    assert!(help.contains("AWS_PROFILE"), "{help}");
    assert!(help.contains("AWS_DEFAULT_PROFILE"), "{help}");
    let export = text(&home.run(&["export-credentials", "--help"]).stdout);
    assert!(export.contains("byte-identical"), "{export}");
    assert!(export.contains("AWS_ACCESS_KEY_ID"), "{export}");
    for sub in [
        &["sso", "login", "--help"][..],
        &["sso", "logout", "--help"],
    ] {
        let help = text(&home.run(sub).stdout);
        assert!(!help.contains("environment credentials"), "{help}");
    }
}

#[test]
fn mistyped_commands_and_options_get_a_suggestion() {
    let home = Home::new();
    let out = home.run(&["explian"]);
    assert_eq!(out.status.code(), Some(252));
    assert!(
        text(&out.stderr).contains("a similar subcommand exists: 'explain'"),
        "{}",
        text(&out.stderr)
    );
    let out = home.run(&["export-credentials", "--profil", "x"]);
    assert_eq!(out.status.code(), Some(252));
    assert!(
        text(&out.stderr).contains("a similar argument exists: '--profile'"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn serve_says_on_stderr_that_it_serves_and_how_to_stop() {
    let home = Home::new().with_dev_profile();
    let mut child = home.spawn(&["serve", "--profile", "dev"]);
    let stderr = child.0.stderr.take().unwrap();
    let mut line = String::new();
    BufReader::new(stderr).read_line(&mut line).unwrap();
    assert!(
        line.starts_with("awscred: serving the credentials of profile dev on http://127.0.0.1:"),
        "{line}"
    );
    assert!(line.contains("Ctrl-C"), "{line}");
}

#[test]
fn sso_logout_with_a_profile_that_does_not_exist_succeeds_as_in_the_cli() {
    let out = Home::new()
        .with_dev_profile()
        .run(&["sso", "logout", "--profile", "nosuch"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // `sso login` reads the profile: 255 as `aws sso login --profile nosuch`.
    let out = Home::new()
        .with_dev_profile()
        .run(&["sso", "login", "--profile", "nosuch"]);
    assert_eq!(out.status.code(), Some(255));
}

#[test]
fn sso_login_configuration_errors_name_the_keys_the_file_and_the_fix() {
    let home = Home::new().file(
        ".aws/config",
        "[profile half]\nsso_start_url = https://x.awsapps.com/start\n",
    );
    let out = home.run(&["sso", "login", "--profile", "half"]);
    assert_eq!(out.status.code(), Some(253));
    let err = text(&out.stderr);
    let file = home.dir.path().join(".aws").join("config");
    assert!(
        err.contains("Missing the following required SSO configuration values: sso_region."),
        "{err}"
    );
    assert!(err.contains("awscred configure sso"), "{err}");
    assert!(
        err.contains(&format!("profile half in {}", file.display())),
        "{err}"
    );
}

#[test]
fn unreachable_instance_metadata_says_what_failed_after_the_clis_line() {
    let port = awscred_testkit::free_port();
    let out = Home::new()
        .env("AWS_EC2_METADATA_DISABLED", "false")
        .env(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            &format!("http://127.0.0.1:{port}"),
        )
        .run(&["export-credentials"]);
    assert_eq!(out.status.code(), Some(253));
    let err = text(&out.stderr);
    let mut lines = err.lines().filter(|l| !l.is_empty());
    assert_eq!(
        lines.next(),
        Some(
            "awscred: [ERROR]: An error occurred (Configuration): Unable to retrieve credentials: \
             no credentials found"
        ),
        "{err}"
    );
    let next = lines.next().unwrap_or_default();
    assert!(
        next.starts_with("The last tier, instance metadata: no EC2 instance metadata service")
            && next.contains("connection refused"),
        "{err}"
    );
}

#[test]
fn a_profile_written_the_wrong_way_is_pointed_at() {
    // `[dev]` in the config file is not a profile for the CLI: the error says where and why,
    // and so does explain.
    let home = Home::new().file(
        ".aws/config",
        "[dev]\naws_access_key_id = A\naws_secret_access_key = S\n",
    );
    let out = home.run(&["export-credentials", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(253));
    let err = text(&out.stderr);
    let file = home.dir.path().join(".aws").join("config");
    assert!(
        err.contains(&format!(
            "The config profile (dev) could not be found ({}:1: section [dev] ignored: \
             config-file profiles are written [profile NAME]",
            file.display()
        )),
        "{err}"
    );
    let out = home.run(&["explain", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(253));
    let report = text(&out.stdout);
    assert!(report.contains("warnings about the files:"), "{report}");
    assert!(report.contains("section [dev] ignored"), "{report}");
}

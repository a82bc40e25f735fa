//! The cross-SDK recorded whole-chain cases
//! (`../shared/conformance/smithy-rs/aws-config/default-credential-provider-chain/`), replayed
//! through the real chain: the case's `env.json` as the environment, its `fs/` as the file system,
//! its `http-traffic.json` as the network.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use awscred_core::clock::ManualClock;
use awscred_core::fs::MemFs;
use awscred_core::{Env, timestamp};
use serde_json::Value;

/// How a case is judged.
#[derive(Clone, Copy)]
enum Expect {
    /// The suite's answer: its credentials, or an error with this fragment of our message (the
    /// suite's messages are the Rust SDK's wording; ours are the CLI's).
    Suite(Option<&'static str>),
    /// The AWS CLI answers differently from the suite; our answer is the CLI's. Listed with the
    /// reason in docs/conformance.md.
    Cli(CliAnswer),
}

#[derive(Clone, Copy)]
enum CliAnswer {
    /// An error containing this fragment.
    Error(&'static str),
    /// The environment's `" "` key pair (the suite treats blanks as missing).
    BlankEnvKey,
    /// After a 403 on the token, the CLI falls back to IMDSv1, past the end of the recording; the
    /// role profile whose `credential_source` it is then fails, naming both attempts.
    ImdsV1AfterForbiddenToken,
}

/// A case: its folder, the tiers it needs (cargo features), how it is judged, and extra
/// environment.
type Case = (
    &'static str,
    &'static [&'static str],
    Expect,
    &'static [(&'static str, &'static str)],
);

const CASES: &[Case] = &[
    (
        "e2e_fips_and_dual_stack_sso",
        &["sso"],
        Expect::Suite(None),
        &[],
    ),
    ("ecs_assume_role", &["sts", "ecs"], Expect::Suite(None), &[]),
    ("ecs_credentials", &["ecs"], Expect::Suite(None), &[]),
    (
        "ecs_credentials_invalid_profile",
        &["ecs"],
        Expect::Suite(None),
        &[],
    ),
    (
        "eks_pod_identity_credentials",
        &["ecs"],
        Expect::Suite(None),
        &[],
    ),
    (
        "eks_pod_identity_no_token_file",
        &["ecs"],
        Expect::Suite(Some("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE /token.jwt")),
        &[],
    ),
    ("environment_variables", &["env"], Expect::Suite(None), &[]),
    (
        "environment_variables_blank",
        &["env", "profile"],
        Expect::Cli(CliAnswer::BlankEnvKey),
        &[],
    ),
    (
        "imds_assume_role",
        &["sts", "imds"],
        Expect::Suite(None),
        &[],
    ),
    (
        "imds_config_with_no_creds",
        &["imds"],
        Expect::Suite(None),
        &[],
    ),
    (
        "imds_default_chain_error",
        &["imds"],
        Expect::Suite(Some(NO_CREDENTIALS)),
        &[],
    ),
    // The recording retries each 503 once; the CLI makes one attempt unless told otherwise, so
    // the case runs with the CLI's setting for three.
    (
        "imds_default_chain_retries",
        &["imds"],
        Expect::Suite(None),
        &[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3")],
    ),
    (
        "imds_default_chain_success",
        &["imds"],
        Expect::Suite(None),
        &[],
    ),
    (
        "imds_disabled",
        &["imds"],
        Expect::Suite(Some(NO_CREDENTIALS)),
        &[],
    ),
    (
        "imds_no_iam_role",
        &["sts", "imds"],
        Expect::Cli(CliAnswer::Error("no IAM role is attached")),
        &[],
    ),
    (
        "imds_token_fail",
        &["sts", "imds"],
        Expect::Cli(CliAnswer::ImdsV1AfterForbiddenToken),
        &[],
    ),
    ("prefer_environment", &["env"], Expect::Suite(None), &[]),
    ("profile_name", &["profile"], Expect::Suite(None), &[]),
    (
        "profile_overrides_web_identity",
        &["sts"],
        Expect::Cli(CliAnswer::Error(
            "No credentials found in credential_source referenced in profile A",
        )),
        &[],
    ),
    (
        "profile_static_keys",
        &["profile"],
        Expect::Suite(None),
        &[],
    ),
    (
        "profile_static_keys_case_insensitive",
        &["profile"],
        Expect::Suite(None),
        &[],
    ),
    ("sso_assume_role", &["sso", "sts"], Expect::Suite(None), &[]),
    (
        "sso_no_token_file",
        &["sso"],
        Expect::Suite(Some("sso login")),
        &[],
    ),
    (
        "sso_server_error",
        &["sso"],
        Expect::Suite(Some("HTTP 503")),
        &[],
    ),
    (
        "web_identity_source_profile_no_env",
        &["sts"],
        Expect::Suite(Some("role_arn")),
        &[],
    ),
    ("web_identity_token_env", &["sts"], Expect::Suite(None), &[]),
    (
        "web_identity_token_invalid_jwt",
        &["sts"],
        Expect::Suite(Some("(InvalidIdentityToken)")),
        &[],
    ),
    (
        "web_identity_token_profile",
        &["sts"],
        Expect::Suite(None),
        &[],
    ),
    (
        "web_identity_token_source_profile",
        &["sts"],
        Expect::Suite(None),
        &[],
    ),
];

/// What the chain says when no tier has credentials.
const NO_CREDENTIALS: &str = "no credentials found";

/// Replays run at a fixed time an hour before the earliest recorded expiry, so no recorded
/// credentials are expired or inside a refresh window.
const REPLAY_TIME: u64 = 1_234_567_890 - 3600;

fn compiled(feature: &str) -> bool {
    match feature {
        "env" => cfg!(feature = "env"),
        "profile" => cfg!(feature = "profile"),
        "sts" => cfg!(feature = "sts"),
        "sso" => cfg!(feature = "sso"),
        "process" => cfg!(feature = "process"),
        "ecs" => cfg!(feature = "ecs"),
        "imds" => cfg!(feature = "imds"),
        other => panic!("unknown feature {other}"),
    }
}

fn load_fs(root: &Path) -> MemFs {
    let fs = MemFs::default();
    fn walk(fs: &MemFs, root: &Path, dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(fs, root, &path);
            } else {
                let relative = path.strip_prefix(root).expect("below root");
                fs.insert(
                    Path::new("/").join(relative),
                    std::fs::read(&path).expect("read"),
                );
            }
        }
    }
    walk(&fs, root, root);
    fs
}

fn run_case(
    dir: &Path,
    expect: Expect,
    extra_env: &[(&str, &str)],
    name_the_profile: bool,
) -> Result<(), String> {
    let vars: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("env.json")).unwrap())
        .map_err(|e| e.to_string())?;
    let mut vars: Vec<(String, String)> = vars
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    vars.extend(
        extra_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let clock = Arc::new(ManualClock::new(
        UNIX_EPOCH + Duration::from_secs(REPLAY_TIME),
    ));
    let env = Env::from_vars(awscred_testkit::suite_vars(vars))
        .with_fs(Arc::new(load_fs(&dir.join("fs"))))
        .with_clock(clock);
    let case: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("test-case.json")).unwrap())
            .unwrap();
    #[allow(unused_mut)]
    let mut builder = awscred_chain::Chain::builder().env(env.clone());
    if name_the_profile {
        // Named only when it exists: naming a missing profile is an error of its own.
        let profile = awscred_profile::selected_profile_name(None, &env);
        let exists = awscred_profile::ProfileSet::load(&env)
            .is_ok_and(|set| set.profile(&profile).is_some());
        if exists {
            builder = builder.profile_name(profile);
        }
    }
    #[cfg(any(feature = "sts", feature = "sso", feature = "ecs", feature = "imds"))]
    let replay = {
        let replay = Arc::new(
            awscred_testkit::replay::ReplayClient::from_file(&dir.join("http-traffic.json"))
                .unwrap(),
        );
        // The CLI's retry policy with millisecond waits: a recorded 5xx is asked three times
        // (the replay answers the repeats as the server last did).
        let fast =
            awscred_core::retry::RetryConfig::default().with_base_delay(Duration::from_millis(1));
        builder = builder.http_client(replay.clone()).retry(fast);
        replay
    };
    let chain = builder.build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(chain.resolve());
    #[cfg(any(feature = "sts", feature = "sso", feature = "ecs", feature = "imds"))]
    {
        let mismatches = replay.mismatches();
        let beyond_recording = replay.remaining() == 0
            && mismatches
                .iter()
                .all(|m| m.starts_with("unexpected request GET"));
        let v1_fallback = matches!(expect, Expect::Cli(CliAnswer::ImdsV1AfterForbiddenToken));
        let explained = v1_fallback && beyond_recording;
        if !mismatches.is_empty() && !explained {
            return Err(format!(
                "traffic differs from the recording: {mismatches:?}"
            ));
        }
        if v1_fallback && mismatches.is_empty() {
            return Err("expected the IMDSv1 fallback request after the 403".into());
        }
    }
    let expected_error = match expect {
        Expect::Suite(fragment) => fragment,
        Expect::Cli(CliAnswer::Error(fragment)) => Some(fragment),
        Expect::Cli(CliAnswer::ImdsV1AfterForbiddenToken) => {
            Some("(token request: HTTP 403; IMDSv1 role listing")
        }
        Expect::Cli(CliAnswer::BlankEnvKey) => {
            let creds = result.map_err(|e| e.to_string())?;
            return if (creds.access_key_id(), creds.provider()) == (" ", "env") {
                Ok(())
            } else {
                Err(format!("expected the blank env key, got {creds:?}"))
            };
        }
    };
    match (&case["result"]["Ok"], expected_error, result) {
        (Value::Object(ok), None, Ok(creds)) => {
            let check = |field: &str, actual: Option<String>| -> Result<(), String> {
                let expected = ok.get(field).map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                if expected == actual {
                    Ok(())
                } else {
                    Err(format!("{field}: expected {expected:?}, got {actual:?}"))
                }
            };
            check("access_key_id", Some(creds.access_key_id().to_owned()))?;
            check(
                "secret_access_key",
                Some(creds.secret_access_key().expose().to_owned()),
            )?;
            check(
                "session_token",
                creds.session_token().map(|t| t.expose().to_owned()),
            )?;
            check("account_id", creds.account_id().map(str::to_owned))?;
            check(
                "expiry",
                creds
                    .expiration()
                    .map(|t| timestamp::to_unix(t).to_string()),
            )
        }
        (_, Some(fragment), Err(e)) if e.to_string().contains(fragment) => Ok(()),
        (_, Some(fragment), Err(e)) => Err(format!(
            "expected an error containing {fragment:?}, got: {e}"
        )),
        (_, _, Ok(creds)) => Err(format!(
            "expected an error, got credentials from {}",
            creds.provider()
        )),
        (_, None, Err(e)) => Err(format!("expected credentials, got: {e}")),
    }
}

#[test]
fn default_chain_recorded_cases() {
    run_suite("default-credential-provider-chain", CASES, false);
}

/// The profile-provider cases: the profile tiers alone, so instance metadata is switched off
/// (the chain's later tiers would otherwise look for it).
const PROFILE_CASES: &[Case] = &[
    (
        "assume_role_override_global_env_url",
        &["sts"],
        Expect::Suite(None),
        NO_IMDS,
    ),
    (
        "assume_role_override_global_profile_url",
        &["sts"],
        Expect::Suite(None),
        NO_IMDS,
    ),
    (
        "assume_role_override_service_env_url",
        &["sts"],
        Expect::Suite(None),
        NO_IMDS,
    ),
    (
        "assume_role_override_service_profile_url",
        &["sts"],
        Expect::Suite(None),
        NO_IMDS,
    ),
    // The suite's commands need a shell (`echo '...' | base64 --decode`, `exit 1`); the CLI runs
    // credential_process without one, so `echo` prints its arguments and `exit` is no program.
    (
        "credential_process",
        &["process"],
        Expect::Cli(CliAnswer::Error(ECHO_ANSWER)),
        NO_IMDS,
    ),
    (
        "credential_process_account_id_fallback",
        &["process"],
        Expect::Cli(CliAnswer::Error(ECHO_ANSWER)),
        NO_IMDS,
    ),
    (
        "credential_process_failure",
        &["process"],
        Expect::Cli(CliAnswer::Error("cannot run 'exit'")),
        NO_IMDS,
    ),
    (
        "credential_process_invalid",
        &["process"],
        Expect::Suite(Some(ECHO_ANSWER)),
        NO_IMDS,
    ),
    ("e2e_assume_role", &["sts"], Expect::Suite(None), NO_IMDS),
    (
        "e2e_fips_and_dual_stack_sts",
        &["sts"],
        Expect::Suite(None),
        NO_IMDS,
    ),
    (
        "empty_config",
        &["profile"],
        Expect::Suite(Some(NO_CREDENTIALS)),
        NO_IMDS,
    ),
    (
        "invalid_config",
        &["profile"],
        Expect::Suite(Some("Unable to parse config file")),
        NO_IMDS,
    ),
    // A profile with only `sso_session` yields a token, not credentials: botocore's SSO
    // credential provider needs sso_account_id / sso_role_name, so the CLI finds no credentials.
    (
        "invalid_sso_credentials_config",
        &["sso"],
        Expect::Cli(CliAnswer::Error(NO_CREDENTIALS)),
        NO_IMDS,
    ),
    ("region_override", &["sts"], Expect::Suite(None), NO_IMDS),
    ("retry_on_error", &["sts"], Expect::Suite(None), NO_IMDS),
    ("sso_credentials", &["sso"], Expect::Suite(None), NO_IMDS),
    (
        "sso_override_global_env_url",
        &["sso"],
        Expect::Suite(None),
        NO_IMDS,
    ),
    (
        "sso_token",
        &["sso"],
        Expect::Cli(CliAnswer::Error(NO_CREDENTIALS)),
        NO_IMDS,
    ),
];

const NO_IMDS: &[(&str, &str)] = &[("AWS_EC2_METADATA_DISABLED", "true")];

const NOT_JSON: &str = "the process's output is not valid JSON";

/// The CLI's answer to the suite's `echo '{...}'` lines, started without a shell: on Unix `echo`
/// prints the JSON with its quotes (not JSON); Windows has no `echo` program at all.
const ECHO_ANSWER: &str = if cfg!(windows) {
    "cannot run 'echo'"
} else {
    NOT_JSON
};

#[test]
fn profile_provider_recorded_cases() {
    // The profile named as with --profile: the environment-variable tier stays out.
    run_suite("profile-provider", PROFILE_CASES, true);
}

fn run_suite(folder: &str, cases: &[Case], name_the_profile: bool) {
    let root = awscred_testkit::conformance_dir()
        .join("smithy-rs/aws-config")
        .join(folder);
    let mut on_disk: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let listed: Vec<String> = cases.iter().map(|(n, ..)| n.to_string()).collect();
    assert_eq!(on_disk, listed, "every recorded case is listed");

    let (mut passed, mut not_compiled, mut failures) = (0, 0, Vec::new());
    for (name, needs, expect, extra_env) in cases {
        if !needs.iter().all(|f| compiled(f)) {
            not_compiled += 1;
            continue;
        }
        match run_case(&root.join(name), *expect, extra_env, name_the_profile) {
            Ok(()) => passed += 1,
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    println!(
        "{folder}: {passed} passed, {} failed, {not_compiled} need tiers not compiled in",
        failures.len()
    );
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    let all = ["env", "profile", "sts", "sso", "process", "ecs", "imds"];
    if all.iter().all(|f| compiled(f)) {
        assert_eq!(not_compiled, 0);
    }
}

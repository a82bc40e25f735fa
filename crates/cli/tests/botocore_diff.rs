//! `awscred export-credentials` against botocore doing what `aws configure export-credentials`
//! does (tests/botocore_export.py), on the same files and variables, every case in one Python
//! process. Exit status and stdout must be identical byte for byte, and stderr must be the
//! CLI's error line for the same message. The few cases that differ on purpose are listed in
//! KNOWN_DIFFERENCES with the reason (and in docs/conformance.md); any other difference fails,
//! and so does a listed case that stops differing.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use awscred_testkit::TempDir;
use serde_json::{Value, json};

/// A case: files in a fresh home, variables, and the command line.
#[derive(Debug, Clone)]
struct Case {
    name: &'static str,
    env: Vec<(&'static str, &'static str)>,
    config: Option<&'static str>,
    credentials: Option<&'static str>,
    /// Extra files, relative to the home.
    files: Vec<(&'static str, &'static str)>,
    profile: Option<&'static str>,
    format: &'static str,
}

fn case(name: &'static str) -> Case {
    Case {
        name,
        env: Vec::new(),
        config: None,
        credentials: None,
        files: Vec::new(),
        profile: None,
        format: "process",
    }
}

impl Case {
    fn env(mut self, name: &'static str, value: &'static str) -> Self {
        self.env.push((name, value));
        self
    }
    fn keys(self) -> Self {
        self.env("AWS_ACCESS_KEY_ID", "AKIDENV")
            .env("AWS_SECRET_ACCESS_KEY", "envsecret/+=")
    }
    fn config(mut self, text: &'static str) -> Self {
        self.config = Some(text);
        self
    }
    fn credentials(mut self, text: &'static str) -> Self {
        self.credentials = Some(text);
        self
    }
    fn file(mut self, path: &'static str, text: &'static str) -> Self {
        self.files.push((path, text));
        self
    }
    fn profile(mut self, name: &'static str) -> Self {
        self.profile = Some(name);
        self
    }
    fn format(mut self, format: &'static str) -> Self {
        self.format = format;
        self
    }
}

const CREDS: &str = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = defaultsecret\n\n\
                     [dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = devsecret\n\
                     aws_session_token = devtoken\n\n\
                     [other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = othersecret\n";
const CONFIG: &str = "[default]\nregion = us-east-1\n\n[profile ops]\nregion = eu-west-1\n\
                      aws_access_key_id = AKIDOPS\naws_secret_access_key = opssecret\n\n\
                      [profile dev]\nregion = us-west-2\naws_access_key_id = AKIDDEVCONFIG\n\
                      aws_secret_access_key = devconfigsecret\n\n[profile regiononly]\nregion = ap-south-1\n";

fn cases() -> Vec<Case> {
    let env_all = || {
        case("")
            .keys()
            .env("AWS_SESSION_TOKEN", "envtoken")
            .env("AWS_CREDENTIAL_EXPIRATION", "2099-01-02T03:04:05Z")
    };
    let mut cases = vec![
        // Environment variables.
        case("env keys").keys(),
        case("env keys + AWS_SESSION_TOKEN").keys().env("AWS_SESSION_TOKEN", "envtoken"),
        case("env keys + AWS_SECURITY_TOKEN").keys().env("AWS_SECURITY_TOKEN", "sectoken"),
        case("env AWS_SECURITY_TOKEN beats AWS_SESSION_TOKEN")
            .keys()
            .env("AWS_SESSION_TOKEN", "envtoken")
            .env("AWS_SECURITY_TOKEN", "sectoken"),
        case("env expiration Z").keys().env("AWS_SESSION_TOKEN", "t").env(
            "AWS_CREDENTIAL_EXPIRATION",
            "2099-01-02T03:04:05Z",
        ),
        case("env expiration with fraction")
            .keys()
            .env("AWS_SESSION_TOKEN", "t")
            .env("AWS_CREDENTIAL_EXPIRATION", "2099-01-02T03:04:05.250Z"),
        case("env expiration with offset")
            .keys()
            .env("AWS_SESSION_TOKEN", "t")
            .env("AWS_CREDENTIAL_EXPIRATION", "2099-01-02T05:04:05+02:00"),
        case("env expiration without token")
            .keys()
            .env("AWS_CREDENTIAL_EXPIRATION", "2099-01-02T03:04:05Z"),
        case("env expiration in the past")
            .keys()
            .env("AWS_SESSION_TOKEN", "t")
            .env("AWS_CREDENTIAL_EXPIRATION", "2001-01-02T03:04:05Z"),
        case("env only the access key").env("AWS_ACCESS_KEY_ID", "AKIDENV"),
        case("env only the secret").env("AWS_SECRET_ACCESS_KEY", "s"),
        case("env empty access key")
            .env("AWS_ACCESS_KEY_ID", "")
            .env("AWS_SECRET_ACCESS_KEY", "s"),
        case("env empty access key falls through to the file")
            .env("AWS_ACCESS_KEY_ID", "")
            .env("AWS_SECRET_ACCESS_KEY", "s")
            .credentials(CREDS),
        case("env empty secret").env("AWS_ACCESS_KEY_ID", "AKIDENV").env("AWS_SECRET_ACCESS_KEY", ""),
        case("env AWS_ACCOUNT_ID is not printed").keys().env("AWS_ACCOUNT_ID", "123456789012"),
        case("env non-ASCII and quotes in the secret")
            .env("AWS_ACCESS_KEY_ID", "AKIDENV")
            .env("AWS_SECRET_ACCESS_KEY", "sé\"c\\ret€😀"),
        case("env beats the credentials file").keys().credentials(CREDS),
        case("env beats AWS_PROFILE").keys().credentials(CREDS).env("AWS_PROFILE", "dev"),
        case("--profile beats env").keys().credentials(CREDS).profile("dev"),
        // Keys in the credentials file.
        case("credentials file default").credentials(CREDS),
        case("credentials file --profile").credentials(CREDS).profile("dev"),
        case("credentials file AWS_PROFILE").credentials(CREDS).env("AWS_PROFILE", "dev"),
        case("credentials file AWS_DEFAULT_PROFILE")
            .credentials(CREDS)
            .env("AWS_DEFAULT_PROFILE", "other"),
        case("AWS_PROFILE beats AWS_DEFAULT_PROFILE")
            .credentials(CREDS)
            .env("AWS_PROFILE", "dev")
            .env("AWS_DEFAULT_PROFILE", "other"),
        case("--profile beats AWS_PROFILE")
            .credentials(CREDS)
            .env("AWS_PROFILE", "dev")
            .profile("other"),
        case("credentials file aws_security_token").credentials(
            "[default]\naws_access_key_id = A\naws_secret_access_key = S\naws_security_token = SEC\n",
        ),
        case("credentials file session token beats security token").credentials(
            "[default]\naws_access_key_id = A\naws_secret_access_key = S\naws_security_token = SEC\n\
             aws_session_token = SES\n",
        ),
        case("credentials file keys are case-insensitive").credentials(
            "[default]\nAWS_ACCESS_KEY_ID = A\nAws_Secret_Access_Key = S\n",
        ),
        case("credentials file only the access key")
            .credentials("[default]\naws_access_key_id = A\n"),
        case("credentials file only the secret").credentials("[default]\naws_secret_access_key = S\n"),
        case("credentials file comments and blank lines").credentials(
            "# leading comment\n; other comment\n\n[default]\n# inside\naws_access_key_id = A\n\n\
             ; between\naws_secret_access_key = S\n\n",
        ),
        case("credentials file spacing").credentials(
            "[default]\naws_access_key_id=A\naws_secret_access_key\t=\t S \n",
        ),
        case("credentials file ; after a value").credentials(
            "[default]\naws_access_key_id = A ; not a comment\naws_secret_access_key = S\n",
        ),
        case("credentials file # after a value").credentials(
            "[default]\naws_access_key_id = A\naws_secret_access_key = S # kept\n",
        ),
        case("credentials file CRLF").credentials(
            "[default]\r\naws_access_key_id = A\r\naws_secret_access_key = S\r\n",
        ),
        case("credentials file no trailing newline")
            .credentials("[default]\naws_access_key_id = A\naws_secret_access_key = S"),
        case("credentials file [profile dev] is not dev")
            .credentials("[profile dev]\naws_access_key_id = A\naws_secret_access_key = S\n")
            .profile("dev"),
        case("credentials file duplicate section").credentials(
            "[default]\naws_access_key_id = A\n[default]\naws_secret_access_key = S\n",
        ),
        case("credentials file empty access key")
            .credentials("[default]\naws_access_key_id =\naws_secret_access_key = S\n"),
        case("credentials file non-ASCII secret")
            .credentials("[default]\naws_access_key_id = A\naws_secret_access_key = sécret\n"),
        case("credentials file via AWS_SHARED_CREDENTIALS_FILE")
            .file("elsewhere/creds", "[default]\naws_access_key_id = AX\naws_secret_access_key = SX\n")
            .env("AWS_SHARED_CREDENTIALS_FILE", "{home}/elsewhere/creds"),
        case("AWS_SHARED_CREDENTIALS_FILE with ~")
            .file("elsewhere/creds", "[default]\naws_access_key_id = AX\naws_secret_access_key = SX\n")
            .env("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds"),
        case("AWS_SHARED_CREDENTIALS_FILE that does not exist")
            .credentials(CREDS)
            .env("AWS_SHARED_CREDENTIALS_FILE", "{home}/nothing-here"),
        // Keys in the config file.
        case("config file [default] keys")
            .config("[default]\naws_access_key_id = AC\naws_secret_access_key = SC\n"),
        case("config file --profile").config(CONFIG).profile("ops"),
        case("config file AWS_PROFILE").config(CONFIG).env("AWS_PROFILE", "ops"),
        case("credentials file beats config file for one profile")
            .config(CONFIG)
            .credentials(CREDS)
            .profile("dev"),
        case("config file token").config(
            "[profile t]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n",
        )
        .profile("t"),
        case("config file keys are case-insensitive")
            .config("[default]\nAws_Access_Key_Id = A\nAWS_SECRET_ACCESS_KEY = S\n"),
        case("config file only the access key").config("[default]\naws_access_key_id = A\n"),
        case("config file profile without keys").config(CONFIG).profile("regiononly"),
        case("config file [profile default]")
            .config("[profile default]\naws_access_key_id = A\naws_secret_access_key = S\n"),
        case("config profile, keys in credentials file")
            .config("[profile c]\nregion = us-east-1\n")
            .credentials("[c]\naws_access_key_id = A\naws_secret_access_key = S\n")
            .profile("c"),
        case("partial credentials file stops before the config file")
            .config("[profile c]\naws_access_key_id = A\naws_secret_access_key = S\n")
            .credentials("[c]\naws_access_key_id = B\n")
            .profile("c"),
        case("config file via AWS_CONFIG_FILE")
            .file("cfg/conf", "[profile x]\naws_access_key_id = AX\naws_secret_access_key = SX\n")
            .env("AWS_CONFIG_FILE", "{home}/cfg/conf")
            .profile("x"),
        case("config file [profile  spaced  ]")
            .config("[profile   spaced  ]\naws_access_key_id = A\naws_secret_access_key = S\n")
            .profile("spaced"),
        case("config file value continuation").config(
            "[default]\naws_access_key_id = A\naws_secret_access_key = S\n  continued\n",
        ),
        // Profiles that do not exist, and nothing at all.
        case("--profile that does not exist").credentials(CREDS).profile("nope"),
        case("AWS_PROFILE that does not exist").credentials(CREDS).env("AWS_PROFILE", "nope"),
        case("AWS_DEFAULT_PROFILE that does not exist")
            .credentials(CREDS)
            .env("AWS_DEFAULT_PROFILE", "nope"),
        case("--profile default that does not exist").profile("default").config(
            "[profile ops]\naws_access_key_id = A\naws_secret_access_key = S\n",
        ),
        case("AWS_PROFILE empty").credentials(CREDS).env("AWS_PROFILE", ""),
        case("no credentials anywhere"),
        case("empty files").config("").credentials(""),
        case("config with only a region").config("[default]\nregion = us-east-1\n"),
        // The recursion guard.
        case("recursion: below the limit").keys().env("_AWS_CLI_PROFILE_CHAIN", "a,b"),
        case("recursion: the limit").keys().env("_AWS_CLI_PROFILE_CHAIN", "a,b,c,d"),
        case("recursion: a cycle").keys().env("_AWS_CLI_PROFILE_CHAIN", "a,default"),
        case("recursion: a cycle through --profile")
            .credentials(CREDS)
            .profile("dev")
            .env("_AWS_CLI_PROFILE_CHAIN", "dev"),
        case("recursion: quoted CSV").keys().env("_AWS_CLI_PROFILE_CHAIN", "\"x,y\",default"),
    ];
    // Every format, on credentials with a token and an expiration and on long-term keys.
    for format in ["env", "env-no-export", "powershell", "windows-cmd", "fish"] {
        let mut c = env_all().format(format);
        c.name = format;
        cases.push(c);
        let mut c = case("").credentials(CREDS).format(format);
        c.name = match format {
            "env" => "env format, long-term keys",
            "env-no-export" => "env-no-export format, long-term keys",
            "powershell" => "powershell format, long-term keys",
            "windows-cmd" => "windows-cmd format, long-term keys",
            _ => "fish format, long-term keys",
        };
        cases.push(c);
    }
    cases
}

/// Cases where awscred answers differently on purpose, with the kind of difference (`output`:
/// exit status or stdout; `message`: only the error text) and why. Mirrored in
/// docs/conformance.md.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "env expiration with offset",
        "output",
        "awscred prints every expiration in UTC (+00:00); botocore keeps the offset it parsed. \
         Same instant: Credentials holds a SystemTime, not the original text.",
    ),
    (
        "env expiration in the past",
        "message",
        "awscred's message adds when the credentials expired and which tier gave them",
    ),
    (
        "credentials file duplicate section",
        "output",
        "the CLI refuses the whole file (exit 255, Unable to parse config file); awscred merges \
         the sections as the cross-SDK suites do and logs a warning (project rule).",
    ),
    (
        "credentials file only the access key",
        "message",
        "awscred's message adds the profile and file after botocore's text",
    ),
    (
        "config file only the access key",
        "message",
        "awscred's message adds the profile and file after botocore's text",
    ),
    (
        "partial credentials file stops before the config file",
        "message",
        "awscred's message adds the profile and file after botocore's text",
    ),
];

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn setup(case: &Case, home: &Path) -> BTreeMap<String, String> {
    let write = |rel: &str, text: &str| {
        let path = home.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    if let Some(text) = case.config {
        write(".aws/config", text);
    }
    if let Some(text) = case.credentials {
        write(".aws/credentials", text);
    }
    for (rel, text) in &case.files {
        write(rel, text);
    }
    let home_text = home.to_str().unwrap();
    let mut env = BTreeMap::new();
    env.insert("HOME".to_owned(), home_text.to_owned());
    env.insert("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned());
    // botocore on PyPI still reads boto2's files, which the CLI v2 does not.
    env.insert(
        "BOTO_CONFIG".to_owned(),
        format!("{home_text}/no-boto-config"),
    );
    for (name, value) in &case.env {
        env.insert((*name).to_owned(), value.replace("{home}", home_text));
    }
    env
}

fn run_awscred(case: &Case, env: &BTreeMap<String, String>) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awscred"));
    cmd.env_clear()
        .envs(env)
        .args(["export-credentials", "--format", case.format]);
    if let Some(profile) = case.profile {
        cmd.args(["--profile", profile]);
    }
    let out = cmd.output().unwrap();
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn run_botocore(inputs: &[Value]) -> Vec<Outcome> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/botocore_export.py");
    let mut child = Command::new(awscred_testkit::python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(inputs).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "botocore_export.py failed");
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    results
        .into_iter()
        .map(|r| {
            let code = r["code"].as_i64().unwrap() as i32;
            let message = r["message"].as_str().unwrap_or_default();
            // What the CLI's error handlers write (awscli/errorhandler.py), with our name.
            let stderr = match code {
                0 => String::new(),
                253 => {
                    format!("\nawscred: [ERROR]: An error occurred (Configuration): {message}\n")
                }
                _ => format!("\nawscred: [ERROR]: {message}\n"),
            };
            Outcome {
                code,
                stdout: r["stdout"].as_str().unwrap().to_owned(),
                stderr,
            }
        })
        .collect()
}

#[test]
fn export_credentials_matches_botocore() {
    let cases = cases();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let homes: Vec<TempDir> = cases.iter().map(|_| TempDir::new("diff")).collect();
    let envs: Vec<BTreeMap<String, String>> = cases
        .iter()
        .zip(&homes)
        .map(|(c, h)| setup(c, h.path()))
        .collect();
    let inputs: Vec<Value> = cases
        .iter()
        .zip(&envs)
        .map(|(c, env)| json!({"env": env, "profile": c.profile, "format": c.format}))
        .collect();
    let expected = run_botocore(&inputs);
    let mut report = Vec::new();
    let mut unexpected = Vec::new();
    let mut matched = 0;
    for ((case, env), want) in cases.iter().zip(&envs).zip(&expected) {
        let got = run_awscred(case, env);
        let kind = if got == *want {
            matched += 1;
            None
        } else if got.code == want.code && got.stdout == want.stdout {
            Some("message")
        } else {
            Some("output")
        };
        let known = KNOWN_DIFFERENCES
            .iter()
            .find(|(name, _, _)| *name == case.name);
        match (kind, known) {
            (None, None) => {}
            (None, Some(_)) => unexpected.push(format!(
                "{:?} is listed as a known difference but now matches botocore",
                case.name
            )),
            (Some(kind), Some((_, known_kind, _))) if kind == *known_kind => {
                report.push(format!("known {kind} difference: {:?}", case.name));
            }
            (Some(kind), _) => unexpected.push(format!(
                "{:?}: {kind} differs\n  botocore: {want:?}\n  awscred:  {got:?}",
                case.name
            )),
        }
    }
    eprintln!(
        "{} cases: {matched} identical to botocore, {} known differences, {} unexpected",
        cases.len(),
        report.len(),
        unexpected.len()
    );
    for line in &report {
        eprintln!("  {line}");
    }
    assert!(unexpected.is_empty(), "\n{}", unexpected.join("\n"));
}

//! The cases the differential suites share (botocore_diff.rs against botocore, cliv2_diff.rs
//! against the real AWS CLI v2): files in a fresh home, variables, the command line, and the one
//! loopback fake every case that calls a service talks to.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use awscred_testkit::ClearEnv as _;
use awscred_testkit::fake_http::{FakeServer, Reply};

/// The cases where awscred's exit status or stdout differs from the CLI's on purpose, in both
/// differentials (each adds its own message differences), with why. Mirrored in
/// docs/conformance.md.
pub const OUTPUT_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "env expiration with offset",
        "output",
        "awscred prints every expiration in UTC (+00:00); botocore keeps the offset it parsed. \
         Same instant: Credentials holds a SystemTime, not the original text.",
    ),
    (
        "credentials file duplicate section",
        "output",
        "the CLI refuses the whole file (exit 255, Unable to parse config file); awscred merges \
         the sections as the cross-SDK suites do and logs a warning (project rule).",
    ),
];

/// A case: files in a fresh home, variables, and the command line.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: &'static str,
    pub env: Vec<(&'static str, &'static str)>,
    pub config: Option<&'static str>,
    pub credentials: Option<&'static str>,
    /// Extra files, relative to the home.
    pub files: Vec<(&'static str, &'static str)>,
    pub profile: Option<&'static str>,
    pub format: &'static str,
}

pub fn case(name: &'static str) -> Case {
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
    pub fn env(mut self, name: &'static str, value: &'static str) -> Self {
        self.env.push((name, value));
        self
    }
    pub fn keys(self) -> Self {
        self.env("AWS_ACCESS_KEY_ID", "AKIDENV")
            .env("AWS_SECRET_ACCESS_KEY", "envsecret/+=")
    }
    pub fn config(mut self, text: &'static str) -> Self {
        self.config = Some(text);
        self
    }
    pub fn credentials(mut self, text: &'static str) -> Self {
        self.credentials = Some(text);
        self
    }
    pub fn file(mut self, path: &'static str, text: &'static str) -> Self {
        self.files.push((path, text));
        self
    }
    pub fn profile(mut self, name: &'static str) -> Self {
        self.profile = Some(name);
        self
    }
    pub fn format(mut self, format: &'static str) -> Self {
        self.format = format;
        self
    }
}

pub const CREDS: &str = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = defaultsecret\n\n\
                     [dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = devsecret\n\
                     aws_session_token = devtoken\n\n\
                     [other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = othersecret\n";
pub const CONFIG: &str = "[default]\nregion = us-east-1\n\n[profile ops]\nregion = eu-west-1\n\
                      aws_access_key_id = AKIDOPS\naws_secret_access_key = opssecret\n\n\
                      [profile dev]\nregion = us-west-2\naws_access_key_id = AKIDDEVCONFIG\n\
                      aws_secret_access_key = devconfigsecret\n\n[profile regiononly]\nregion = ap-south-1\n";

pub fn cases() -> Vec<Case> {
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
    cases.extend(deferred_cases());
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

/// Keys of a source profile `src`.
pub const SOURCE_KEYS: &str =
    "[src]\naws_access_key_id = AKIDSRC\naws_secret_access_key = srcsecret\n";

/// A role profile `r` (role `ROLE` of account 123456789012, region us-east-1, `extra` lines
/// after) whose source profile `src` has keys, with every endpoint at the fake.
pub fn role_case(name: &'static str, role: &str, extra: &str) -> Case {
    let config: &'static str = Box::leak(
        format!(
            "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/{role}\n\
             source_profile = src\nregion = us-east-1\n{extra}"
        )
        .into_boxed_str(),
    );
    case(name)
        .env("AWS_ENDPOINT_URL", "{fake}")
        .config(config)
        .credentials(SOURCE_KEYS)
        .profile("r")
}

/// The role [`fake_service`] refuses with an STS error document.
pub const DENIED_ROLE: &str = "arn:aws:iam::123456789012:role/denied";

/// One service fake for every case, at `{fake}` (AWS_ENDPOINT_URL). STS refuses roles named
/// `denied` with an AccessDenied document (403), roles named `empty` with a bare 403, and answers
/// anything else with a 400 that is not XML. The SSO portal answers role `Good` with credentials
/// expiring in 2099, refuses role `Denied` (403 ForbiddenException) and role `Expired` (401
/// UnauthorizedException), and answers any other role with that 400. The sign-in service
/// refuses every `aws login` refresh (403 AccessDeniedException, TOKEN_EXPIRED). Only 4xx: botocore would sleep between retries of a 5xx.
pub fn fake_service() -> FakeServer {
    FakeServer::start(|req| {
        let body = String::from_utf8_lossy(&req.body);
        let sso_error = |status, kind: &str, message: &str| {
            Reply::status(status, format!("{{\"message\":\"{message}\"}}"))
                .with_header("content-type", "application/json")
                .with_header("x-amzn-errortype", kind)
        };
        if req.path() == "/v1/token" {
            // The sign-in service refusing every `aws login` refresh, as it does a session that
            // has ended.
            return Reply::status(
                403,
                "{\"error\":\"TOKEN_EXPIRED\",\"message\":\"session expired\"}",
            )
            .with_header("content-type", "application/json")
            .with_header("x-amzn-ErrorType", "AccessDeniedException");
        }
        if req.path() == "/federation/credentials" {
            if req.target.contains("role_name=Good") {
                return Reply::ok(
                    "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\
                     \"secretAccessKey\":\"ssosecret\",\"sessionToken\":\"ssotoken\",\
                     \"expiration\":4070908800000}}",
                )
                .with_header("content-type", "application/json");
            }
            if req.target.contains("role_name=Denied") {
                return sso_error(403, "ForbiddenException", "no access to this role");
            }
            if req.target.contains("role_name=Expired") {
                return sso_error(401, "UnauthorizedException", "session expired");
            }
        } else if body.contains("denied") {
            return Reply::status(
                403,
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                 <Message>not allowed</Message></Error><RequestId>x</RequestId></ErrorResponse>",
            )
            .with_header("content-type", "text/xml");
        } else if body.contains("empty") {
            return Reply::status(403, "");
        }
        // Roles named `garbled`, and anything a case did not plan for.
        Reply::status(400, "this is not XML").with_header("content-type", "text/plain")
    })
}

/// An SSO profile `s` (`config`, sso-session `corp`) whose token, cached in the CLI's format, is
/// good until 2099; every endpoint at the fake, with standard retries.
pub fn sso_role_case(name: &'static str, config: &'static str) -> Case {
    /// sha1("corp"), the CLI's file name.
    const SESSION_TOKEN: &str = ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json";
    const LIVE_TOKEN: &str = "{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \
                              \"us-east-1\", \"accessToken\": \"tok\", \"expiresAt\": \
                              \"2099-01-01T00:00:00Z\"}";
    case(name)
        .env("AWS_ENDPOINT_URL", "{fake}")
        .env("AWS_RETRY_MODE", "standard")
        .config(config)
        .file(SESSION_TOKEN, LIVE_TOKEN)
        .profile("s")
}

/// Credentials botocore hands out unfetched (assume role, web identity, SSO): what fails while
/// they are located exits 253 as a ConfigurationError; what fails while they are read reaches
/// the CLI's error handlers (a service's refusal 254, anything else 255).
fn deferred_cases() -> Vec<Case> {
    const SSO_SESSION: &str = "[profile s]\nsso_session = corp\nsso_account_id = 123456789012\n\
                               sso_role_name = Role\nregion = us-east-1\n\n[sso-session corp]\n\
                               sso_start_url = https://corp.awsapps.com/start\n\
                               sso_region = us-east-1\n";
    const SSO_LEGACY: &str = "[profile s]\nsso_start_url = https://legacy.awsapps.com/start\n\
                              sso_region = us-east-1\nsso_account_id = 123456789012\n\
                              sso_role_name = Role\nregion = us-east-1\n";
    // The token cache of the legacy profile: sha1(its start URL).
    const LEGACY_TOKEN: &str = ".aws/sso/cache/79e435d7a515078e81c9dffc35f38d5687ebd3a7.json";
    let base = |name| {
        case(name)
            .env("AWS_ENDPOINT_URL", "{fake}")
            .env("AWS_RETRY_MODE", "standard")
    };
    vec![
        // SSO: the token is loaded when the credentials are read.
        base("sso-session token file missing")
            .config(SSO_SESSION)
            .profile("s"),
        base("legacy SSO token file missing")
            .config(SSO_LEGACY)
            .profile("s"),
        base("legacy SSO token expired")
            .config(SSO_LEGACY)
            .file(
                LEGACY_TOKEN,
                "{\"accessToken\": \"tok\", \"expiresAt\": \"2001-01-01T00:00:00Z\"}",
            )
            .profile("s"),
        sso_role_case(
            "SSO GetRoleCredentials forbidden",
            "[profile s]\nsso_session = corp\nsso_account_id = 123456789012\n\
             sso_role_name = Denied\n\n[sso-session corp]\n\
             sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
        ),
        sso_role_case(
            "SSO GetRoleCredentials unauthorized",
            "[profile s]\nsso_session = corp\nsso_account_id = 123456789012\n\
             sso_role_name = Expired\n\n[sso-session corp]\n\
             sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
        ),
        sso_role_case(
            "SSO GetRoleCredentials answers 400 without JSON",
            "[profile s]\nsso_session = corp\nsso_account_id = 123456789012\n\
             sso_role_name = Garbled\n\n[sso-session corp]\n\
             sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
        ),
        // SSO configuration is checked when the credentials are located.
        base("SSO profile without sso_role_name")
            .config(
                "[profile s]\nsso_session = corp\nsso_account_id = 123456789012\n\n\
                 [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
                 sso_region = us-east-1\n",
            )
            .profile("s"),
        base("legacy SSO profile without sso_role_name")
            .config(
                "[profile s]\nsso_start_url = https://legacy.awsapps.com/start\n\
                 sso_region = us-east-1\nsso_account_id = 123456789012\n",
            )
            .profile("s"),
        // Web identity: the token file is read when the credentials are read.
        base("web identity env, token file missing")
            .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web")
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", "{home}/no-such-token")
            .env("AWS_DEFAULT_REGION", "us-east-1"),
        base("web identity profile, token file missing")
            .config(
                "[profile w]\nrole_arn = arn:aws:iam::123456789012:role/web\n\
                 web_identity_token_file = {home}/no-such-token\nregion = us-east-1\n",
            )
            .profile("w"),
        base("web identity env, STS refuses")
            .env("AWS_ROLE_ARN", DENIED_ROLE)
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", "{home}/token")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .file("token", "a-web-identity-token"),
        // Assume role: STS is called when the credentials are read.
        role_case("assume role, STS refuses", "denied", "").env("AWS_RETRY_MODE", "standard"),
        role_case("assume role, STS answers 400 without XML", "garbled", "")
            .env("AWS_RETRY_MODE", "standard"),
        role_case("assume role, STS answers 403 without a body", "empty", "")
            .env("AWS_RETRY_MODE", "standard"),
        // ...but its source is resolved when the credentials are located.
        base("assume role, source credential_process fails")
            .config(if cfg!(windows) {
                // The same helper in cmd's words (the CLI starts no shell on either platform).
                "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/denied\n\
                 source_profile = p\nregion = us-east-1\n\n[profile p]\n\
                 credential_process = cmd /c \"echo no credentials here>&2& exit 1\"\n"
            } else {
                "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/denied\n\
                 source_profile = p\nregion = us-east-1\n\n[profile p]\n\
                 credential_process = /bin/sh -c \"echo no credentials here >&2; exit 1\"\n"
            })
            .profile("r"),
    ]
}

#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn setup(case: &Case, home: &Path, fake: &str) -> BTreeMap<String, String> {
    let home_text = home.to_str().unwrap();
    let fill = |text: &str| text.replace("{home}", home_text).replace("{fake}", fake);
    let write = |rel: &str, text: &str| {
        let path = home.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, fill(text)).unwrap();
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
    let mut env = BTreeMap::new();
    env.insert("HOME".to_owned(), home_text.to_owned());
    // The CLI's home on Windows (where it ignores HOME): the same directory.
    env.insert(awscred_testkit::HOME_VAR.to_owned(), home_text.to_owned());
    env.insert("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned());
    // botocore on PyPI still reads boto2's files, which the CLI v2 does not.
    env.insert(
        "BOTO_CONFIG".to_owned(),
        format!("{home_text}/no-boto-config"),
    );
    for (name, value) in &case.env {
        env.insert((*name).to_owned(), fill(value));
    }
    env
}

pub fn run_awscred(case: &Case, env: &BTreeMap<String, String>) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awscred"));
    cmd.env_clear_but_essentials()
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

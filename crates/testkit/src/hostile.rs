//! Hardening support: a slow STS fake that counts its calls, one scenario per credential tier
//! (each set up against its loopback fake, with distinctive secrets to look for afterwards), and
//! a TRACE-level log capture.
//!
//! Every secret a scenario plants contains [`MARK`], so a test can also search for the marker
//! alone and catch a secret that was cut or re-encoded on its way into a message.

use std::any::Any;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::TempDir;
use crate::ecs_fake::{self, FakeContainerEndpoint};
use crate::fake_http::{FakeServer, Reply};
use crate::imds_fake::{self, FakeImds};
use crate::sso_fake::SsoFake;

/// The marker inside every planted secret.
pub const MARK: &str = "zzSEKRITzz";

/// The secret access key prefix of every answer of [`StsFake`] (followed by the call number).
pub const STS_SECRET_PREFIX: &str = "stsSECRETzzSEKRITzz";
/// The session token prefix of every answer of [`StsFake`].
pub const STS_TOKEN_PREFIX: &str = "stsTOKENzzSEKRITzz";

/// A loopback STS answering `AssumeRole` and `AssumeRoleWithWebIdentity` after a delay, with
/// fresh credentials (valid one hour) on each call, and counting the calls.
pub struct StsFake {
    server: FakeServer,
    calls: Arc<AtomicUsize>,
    mode: Arc<Mutex<StsMode>>,
}

/// How [`StsFake`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsMode {
    /// Credentials.
    Ok,
    /// HTTP 403 with an `AccessDenied` error document.
    AccessDenied,
    /// HTTP 400 with an `InvalidIdentityToken` error document.
    InvalidIdentityToken,
}

impl StsFake {
    /// Starts the fake; every answer waits `delay` first.
    pub fn start(delay: Duration) -> StsFake {
        let calls = Arc::new(AtomicUsize::new(0));
        let mode = Arc::new(Mutex::new(StsMode::Ok));
        let (c, m) = (calls.clone(), mode.clone());
        let server = FakeServer::start(move |req| {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            std::thread::sleep(delay);
            let body = String::from_utf8_lossy(&req.body);
            let action = if body.contains("Action=AssumeRoleWithWebIdentity") {
                "AssumeRoleWithWebIdentity"
            } else if body.contains("Action=AssumeRole") {
                "AssumeRole"
            } else {
                return Reply::status(400, "unexpected STS action");
            };
            let error = |status: u16, code: &str| {
                Reply::status(
                    status,
                    format!(
                        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
                         <Type>Sender</Type><Code>{code}</Code><Message>denied by the fake</Message>\
                         </Error><RequestId>req-{n}</RequestId></ErrorResponse>"
                    ),
                )
                .with_header("content-type", "text/xml")
            };
            match *m.lock().unwrap_or_else(|p| p.into_inner()) {
                StsMode::AccessDenied => return error(403, "AccessDenied"),
                StsMode::InvalidIdentityToken => return error(400, "InvalidIdentityToken"),
                StsMode::Ok => {}
            }
            Reply::ok(assume_role_xml(action, n)).with_header("content-type", "text/xml")
        });
        StsFake {
            server,
            calls,
            mode,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// How many requests arrived.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Changes how the fake answers.
    pub fn set_mode(&self, mode: StsMode) {
        *self.mode.lock().unwrap_or_else(|p| p.into_inner()) = mode;
    }
}

/// An `<action>Response` document with credentials numbered `n`, expiring in an hour.
pub fn assume_role_xml(action: &str, n: usize) -> String {
    let exp = SystemTime::now() + Duration::from_secs(3600);
    let secs = exp.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>\
         <AssumedRoleUser><AssumedRoleId>AROAFAKE:s</AssumedRoleId>\
         <Arn>arn:aws:sts::123456789012:assumed-role/hard/s</Arn></AssumedRoleUser>\
         <Credentials><AccessKeyId>ASIASTSFAKE{n}</AccessKeyId>\
         <SecretAccessKey>{STS_SECRET_PREFIX}{n}</SecretAccessKey>\
         <SessionToken>{STS_TOKEN_PREFIX}{n}</SessionToken>\
         <Expiration>{}</Expiration></Credentials></{action}Result>\
         <ResponseMetadata><RequestId>req-{n}</RequestId></ResponseMetadata></{action}Response>",
        iso(secs)
    )
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time (civil-from-days, proleptic Gregorian).
pub fn iso(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// One way of getting credentials, set up in a temporary home against loopback fakes.
pub struct Scenario {
    /// A short name for messages.
    pub name: &'static str,
    /// The home directory (`HOME`).
    pub home: TempDir,
    /// The environment variables besides `HOME`.
    pub vars: Vec<(String, String)>,
    /// `--profile`, if any.
    pub profile: Option<String>,
    /// Every secret planted or issued; none may appear in a log, `Debug`, `Display` or error.
    pub secrets: Vec<String>,
    /// Whether resolution succeeds.
    pub succeeds: bool,
    keep: Vec<Box<dyn Any + Send>>,
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Scenario {
    fn new(name: &'static str) -> Scenario {
        Scenario {
            name,
            home: TempDir::new(&format!("hostile-{name}")),
            vars: vec![("AWS_EC2_METADATA_DISABLED".into(), "true".into())],
            profile: None,
            secrets: Vec::new(),
            succeeds: true,
            keep: Vec::new(),
        }
    }

    fn var(&mut self, name: &str, value: impl Into<String>) {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.to_owned(), value.into()));
    }

    fn secret(&mut self, value: &str) -> String {
        assert!(value.contains(MARK), "planted secrets carry the marker");
        self.secrets.push(value.to_owned());
        value.to_owned()
    }

    /// The home directory ([`crate::HOME_VAR`]) and [`Scenario::vars`].
    pub fn all_vars(&self) -> Vec<(String, String)> {
        let mut vars = vec![(
            crate::HOME_VAR.to_owned(),
            self.home.path().display().to_string(),
        )];
        vars.extend(self.vars.iter().cloned());
        vars
    }

    /// The secret (or the marker) found in `text`, if any.
    pub fn leak_in(&self, text: &str) -> Option<String> {
        self.secrets
            .iter()
            .chain([&STS_SECRET_PREFIX.to_owned(), &STS_TOKEN_PREFIX.to_owned()])
            .find(|s| text.contains(s.as_str()))
            .cloned()
            .or_else(|| text.contains(MARK).then(|| MARK.to_owned()))
    }

    /// Every scenario: each tier succeeding, then the failures that carry secrets nearby.
    pub fn all() -> Vec<Scenario> {
        let mut all = vec![
            Self::env_vars(),
            Self::static_keys(),
            Self::assume_role(StsMode::Ok),
            Self::web_identity(StsMode::Ok),
            Self::sso_refresh(false),
            Self::process(ProcessMode::Ok),
            Self::container(false),
            Self::imds(),
        ];
        // moto is one of the Python reference tools, which run on Unix only.
        #[cfg(unix)]
        all.insert(3, Self::assume_role_moto());
        all.extend([
            Self::assume_role(StsMode::AccessDenied),
            Self::web_identity(StsMode::InvalidIdentityToken),
            Self::sso_refresh(true),
            Self::process(ProcessMode::ExitCode),
            Self::process(ProcessMode::Malformed),
            Self::container(true),
        ]);
        all
    }

    /// `AWS_ACCESS_KEY_ID` and friends.
    pub fn env_vars() -> Scenario {
        let mut s = Scenario::new("env");
        let (k, t) = (
            s.secret("envSECRETzzSEKRITzz1"),
            s.secret("envTOKENzzSEKRITzz1"),
        );
        s.var("AWS_ACCESS_KEY_ID", "AKIDENVHARD");
        s.var("AWS_SECRET_ACCESS_KEY", k);
        s.var("AWS_SESSION_TOKEN", t);
        s
    }

    /// Keys in the credentials file.
    pub fn static_keys() -> Scenario {
        let mut s = Scenario::new("static");
        let k = s.secret("fileSECRETzzSEKRITzz2");
        let t = s.secret("fileTOKENzzSEKRITzz2");
        s.home.write(
            ".aws/credentials",
            format!("[dev]\naws_access_key_id = AKIDFILEHARD\naws_secret_access_key = {k}\naws_session_token = {t}\n"),
        );
        s.profile = Some("dev".into());
        s
    }

    /// A role assumed with the keys of a source profile, against a [`StsFake`].
    pub fn assume_role(mode: StsMode) -> Scenario {
        let mut s = Scenario::new(if mode == StsMode::Ok {
            "assume-role"
        } else {
            "assume-role-denied"
        });
        s.succeeds = mode == StsMode::Ok;
        let k = s.secret("baseSECRETzzSEKRITzz3");
        let sts = StsFake::start(Duration::ZERO);
        sts.set_mode(mode);
        s.home.write(
            ".aws/config",
            "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/hard\nsource_profile = base\nregion = us-east-1\n",
        );
        s.home.write(
            ".aws/credentials",
            format!("[base]\naws_access_key_id = AKIDBASEHARD\naws_secret_access_key = {k}\n"),
        );
        s.var("AWS_ENDPOINT_URL_STS", sts.url());
        s.profile = Some("role".into());
        s.keep.push(Box::new(sts));
        s
    }

    /// A role assumed against moto's STS (Unix only: moto is a Python reference tool). moto makes up the credentials it issues, so a test
    /// adds them to [`Scenario::secrets`] once it has seen them ([`Scenario::learn`]).
    #[cfg(unix)]
    pub fn assume_role_moto() -> Scenario {
        let mut s = Scenario::new("assume-role-moto");
        let k = s.secret("motoBASEzzSEKRITzz9");
        let moto = crate::moto::MotoServer::start();
        s.home.write(
            ".aws/config",
            "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/moto\nsource_profile = base\nregion = us-east-1\n",
        );
        s.home.write(
            ".aws/credentials",
            format!("[base]\naws_access_key_id = AKIDMOTOBASE\naws_secret_access_key = {k}\n"),
        );
        s.var("AWS_ENDPOINT_URL_STS", moto.endpoint());
        s.profile = Some("role".into());
        s.keep.push(Box::new(moto));
        s
    }

    /// Adds secrets seen only at run time (issued by a service the test does not script).
    pub fn learn(&mut self, secret: &str) {
        if secret.len() >= 8 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
        }
    }

    /// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, against a [`StsFake`].
    pub fn web_identity(mode: StsMode) -> Scenario {
        let mut s = Scenario::new(if mode == StsMode::Ok {
            "web-identity"
        } else {
            "web-identity-rejected"
        });
        s.succeeds = mode == StsMode::Ok;
        let token = s.secret("eyJwebIDENTITYzzSEKRITzz4");
        let sts = StsFake::start(Duration::ZERO);
        sts.set_mode(mode);
        let file = s.home.write("token.jwt", &token);
        s.var("AWS_WEB_IDENTITY_TOKEN_FILE", file.display().to_string());
        s.var("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web");
        s.var("AWS_ROLE_SESSION_NAME", "hard");
        s.var("AWS_REGION", "us-east-1");
        s.var("AWS_ENDPOINT_URL_STS", sts.url());
        s.keep.push(Box::new(sts));
        s
    }

    /// An sso-session profile whose cached token has expired and is refreshed through SSO-OIDC
    /// before `GetRoleCredentials`; with `refresh_fails`, the refresh is refused.
    pub fn sso_refresh(refresh_fails: bool) -> Scenario {
        let mut s = Scenario::new(if refresh_fails {
            "sso-refresh-refused"
        } else {
            "sso"
        });
        s.succeeds = !refresh_fails;
        let fake = SsoFake::start();
        let (access, refresh) = (
            s.secret("ssoACCESSzzSEKRITzz5"),
            s.secret("ssoREFRESHzzSEKRITzz5"),
        );
        let client_secret = s.secret("ssoCLIENTSECRETzzSEKRITzz5");
        fake.accept_refresh_token(&refresh, "hard-client", &client_secret);
        if refresh_fails {
            fake.fail_refresh_with("invalid_grant");
        }
        s.home.write(".aws/config", sso_config());
        let expired = iso(unix_now().saturating_sub(600));
        s.home.write(
            &format!(".aws/sso/cache/{}.json", sso_session_key()),
            serde_json::json!({
                "startUrl": "https://d-hard.awsapps.com/start", "region": "us-east-1",
                "accessToken": access, "expiresAt": expired, "refreshToken": refresh,
                "clientId": "hard-client", "clientSecret": client_secret,
                "registrationExpiresAt": "2199-03-06T19:53:17Z",
            })
            .to_string(),
        );
        // What the fake issues: `access-token-<n>`, `refresh-token-<n>`, `fake-secret-<n>`,
        // `fake-session-<n>` for small n.
        for n in 1..=8 {
            for prefix in [
                "access-token-",
                "refresh-token-",
                "fake-secret-",
                "fake-session-",
            ] {
                s.secrets.push(format!("{prefix}{n}"));
            }
        }
        s.var("AWS_ENDPOINT_URL_SSO", fake.url());
        s.var("AWS_ENDPOINT_URL_SSO_OIDC", fake.url());
        s.profile = Some("sso".into());
        s.keep.push(Box::new(fake));
        s
    }

    /// `credential_process` running a helper script ([`crate::credential_helper`]).
    pub fn process(mode: ProcessMode) -> Scenario {
        let mut s = Scenario::new(match mode {
            ProcessMode::Ok => "process",
            ProcessMode::ExitCode => "process-exit-1",
            ProcessMode::Malformed => "process-malformed",
        });
        s.succeeds = mode == ProcessMode::Ok;
        let (k, t) = (
            s.secret("procSECRETzzSEKRITzz6"),
            s.secret("procTOKENzzSEKRITzz6"),
        );
        let doc = format!(
            "{{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCHARD\", \"SecretAccessKey\": \"{k}\", \"SessionToken\": \"{t}\", \"Expiration\": \"2099-01-01T00:00:00Z\"}}"
        );
        // The CLI shows a failing process's stderr verbatim (botocore's ProcessProvider), so
        // only stdout carries the secret here.
        let line = match mode {
            ProcessMode::Ok => crate::credential_helper(s.home.path(), "proc", &doc, "", 0),
            ProcessMode::ExitCode => {
                crate::credential_helper(s.home.path(), "proc", &doc, "helper failed", 1)
            }
            ProcessMode::Malformed => {
                crate::credential_helper(s.home.path(), "proc", &doc[..doc.len() - 1], "", 0)
            }
        };
        s.home.write(
            ".aws/config",
            format!("[profile proc]\ncredential_process = {line}\n"),
        );
        s.profile = Some("proc".into());
        s
    }

    /// The container endpoint with an authorization token; with `unauthorized`, the endpoint
    /// refuses the token.
    pub fn container(unauthorized: bool) -> Scenario {
        let mut s = Scenario::new(if unauthorized {
            "container-401"
        } else {
            "container"
        });
        s.succeeds = !unauthorized;
        let (k, t) = (
            s.secret("ecsSECRETzzSEKRITzz7"),
            s.secret("ecsTOKENzzSEKRITzz7"),
        );
        let auth = s.secret("ecsAUTHzzSEKRITzz7");
        let fake = FakeContainerEndpoint::start();
        fake.set_document(&ecs_fake::credentials_json(
            "ASIAECSHARD",
            &k,
            &t,
            "2099-01-01T00:00:00Z",
        ));
        fake.expect_token(Some(if unauthorized { "other" } else { &auth }));
        s.var("AWS_CONTAINER_CREDENTIALS_FULL_URI", fake.full_uri());
        s.var("AWS_CONTAINER_AUTHORIZATION_TOKEN", auth);
        s.keep.push(Box::new(fake));
        s
    }

    /// Instance metadata (IMDSv2) through the endpoint override.
    pub fn imds() -> Scenario {
        let mut s = Scenario::new("imds");
        let (k, t) = (
            s.secret("imdsSECRETzzSEKRITzz8"),
            s.secret("imdsTOKENzzSEKRITzz8"),
        );
        let fake = FakeImds::start();
        fake.set_document(
            "test-role",
            &imds_fake::credentials_json("ASIAIMDSHARD", &k, &t, "2099-01-01T00:00:00Z"),
        );
        s.vars.clear();
        s.var("AWS_EC2_METADATA_SERVICE_ENDPOINT", fake.endpoint());
        s.keep.push(Box::new(fake));
        s
    }
}

/// How the `credential_process` script of [`Scenario::process`] behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessMode {
    /// Prints a valid document.
    Ok,
    /// Prints a valid document, then a message on stderr, and exits 1.
    ExitCode,
    /// Prints a document cut before its last brace.
    Malformed,
}

/// The config of an sso-session profile named `sso` (session `hard`).
pub fn sso_config() -> &'static str {
    "[profile sso]\nsso_session = hard\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\
     region = us-east-1\n\n[sso-session hard]\nsso_start_url = https://d-hard.awsapps.com/start\n\
     sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
}

/// The token cache file name of the sso-session `hard`: SHA-1 of the session name.
pub fn sso_session_key() -> String {
    let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, b"hard");
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Everything logged at TRACE level, by any target, while `f` runs on this thread.
pub fn capture_trace<R>(f: impl FnOnce() -> R) -> (R, String) {
    let buffer = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    (result, buffer.text())
}

/// A log sink the test reads afterwards.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

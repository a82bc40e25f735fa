//! Against a real STS emulator: moto's server on a loopback port, through the real HTTP client.
//! Signature checking is on for the signed calls (moto checks SigV4 and IAM policies once
//! `reset-auth` is posted); web identity runs with it off, as moto does not check it.

// Unix only: every test here runs moto, one of the Python reference tools (.venv), which run on the
// host that runs the tests, not under Wine; the Windows run (`cargo xtask ci`) leaves it out.
#![cfg(unix)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use awscred_core::http::{HttpClient, HttpError, HttpRequest, HttpResponse, HyperClient, Timeouts};
use awscred_core::provider::BoxFuture;
use awscred_core::{Credentials, Env, Error, ProvideCredentials};
use awscred_profile::ProfileSet;
use awscred_profile::plan::{BaseCredentials, RoleStep, resolve_chain};
use awscred_sts::{
    AssumeRoleProvider, FederationTokenRequest, MfaCallback, MfaPrompt, RetryConfig,
    SessionTokenRequest, StsClient, StsEndpoint, StsServiceError, WebIdentityProvider,
    WebIdentitySettings,
};
use awscred_testkit::TempDir;
use awscred_testkit::moto::MotoServer;

/// Counts the requests that reach the wire.
#[derive(Debug)]
struct Counting {
    inner: HyperClient,
    count: AtomicUsize,
}

impl Counting {
    fn new() -> Arc<Self> {
        let no_proxy = Env::from_vars([("NO_PROXY", "*")]);
        Arc::new(Counting {
            inner: HyperClient::new(&no_proxy),
            count: AtomicUsize::new(0),
        })
    }

    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl HttpClient for Counting {
    fn send(
        &self,
        request: HttpRequest,
        timeouts: Timeouts,
    ) -> BoxFuture<'_, Result<HttpResponse, HttpError>> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.send(request, timeouts)
    }
}

#[derive(Debug)]
struct Fixed(Credentials);

impl ProvideCredentials for Fixed {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, Error>> {
        Box::pin(std::future::ready(Ok(self.0.clone())))
    }
}

const SETUP: &str = r#"
import boto3, json
iam = boto3.client('iam')
iam.create_user(UserName='u')
key = iam.create_access_key(UserName='u')['AccessKey']
allow = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]})
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
iam.put_user_policy(UserName='u', PolicyName='sts', PolicyDocument=allow)
for name in ['r1', 'r2', 'r3']:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName=name, PolicyName='sts', PolicyDocument=allow)
print(key['AccessKeyId'])
print(key['SecretAccessKey'])
"#;

/// moto with an IAM user (its keys returned) and roles r1..r3, authentication switched on.
fn moto_with_auth() -> (MotoServer, String, String) {
    let moto = MotoServer::start();
    let out = moto.run_python(SETUP);
    let mut lines = out.lines();
    let (id, secret) = (
        lines.next().unwrap().to_owned(),
        lines.next().unwrap().to_owned(),
    );
    moto.enable_auth();
    (moto, id, secret)
}

fn client(moto: &MotoServer, http: Arc<Counting>) -> StsClient {
    StsClient::new(http, StsEndpoint::custom(moto.endpoint(), "us-east-1"))
        .with_retry(RetryConfig::default().with_base_delay(Duration::from_millis(20)))
}

/// Builds the providers for `profile` of the files, with `keys` as the base credentials.
fn chain_providers(
    set: &ProfileSet,
    profile: &str,
    keys: Credentials,
    client: &StsClient,
    env: &Env,
    mfa: MfaPrompt,
) -> Arc<dyn ProvideCredentials> {
    let plan = resolve_chain(set, profile).unwrap();
    assert!(matches!(plan.base, BaseCredentials::AccessKey { .. }));
    let mut provider: Arc<dyn ProvideCredentials> = Arc::new(Fixed(keys));
    for step in plan.roles {
        provider = Arc::new(
            AssumeRoleProvider::new(provider, step, client.clone(), env)
                .with_mfa_prompt(mfa.clone()),
        );
    }
    provider
}

/// The base profile's keys are placeholders: the plan only needs to see keys there, and the
/// test's own provider supplies the IAM user's real ones.
const THREE_ROLES: &str = "[profile top]\nrole_arn = arn:aws:iam::123456789012:role/r3\nsource_profile = mid\n\
[profile mid]\nrole_arn = arn:aws:iam::123456789012:role/r2\nsource_profile = low\nrole_session_name = mid-session\n\
[profile low]\nrole_arn = arn:aws:iam::123456789012:role/r1\nsource_profile = base\nexternal_id = ext\nduration_seconds = 1800\n\
[profile base]\naws_access_key_id = placeholder\naws_secret_access_key = placeholder\n";

#[tokio::test]
async fn three_role_chain_with_signature_checking_then_cached() {
    let (moto, id, secret) = moto_with_auth();
    let home = TempDir::new("sts-moto");
    let env = Env::from_vars([("HOME", home.path().to_str().unwrap())]);
    let set = ProfileSet::parse(Some((Path::new("/c/config"), THREE_ROLES)), None);
    let http = Counting::new();
    let sts = client(&moto, http.clone());
    let keys = Credentials::new(id.clone(), secret.clone(), None, None, "profile");

    let top = chain_providers(&set, "top", keys.clone(), &sts, &env, MfaPrompt::Disabled);
    let creds = top.provide_credentials().await.unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"), "{creds:?}");
    assert_eq!(creds.provider(), "assume-role");
    assert_eq!(creds.account_id(), Some("123456789012"));
    assert_eq!(http.count(), 3);
    let who = sts.get_caller_identity(&creds).await.unwrap();
    assert!(
        who.arn
            .starts_with("arn:aws:sts::123456789012:assumed-role/r3/"),
        "{who:?}"
    );
    assert_eq!(who.account, "123456789012");

    let cache = home.path().join(".aws/cli/cache");
    let mut entries: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    assert_eq!(entries.len(), 3);
    // Unix only: file modes (the CLI's 0o600 sets none on Windows).
    #[cfg(unix)]
    for entry in &mut entries {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            entry.metadata().unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // A new resolution (fresh providers, as in a new process) is served from the cache.
    let before = http.count();
    let again = chain_providers(&set, "top", keys, &sts, &env, MfaPrompt::Disabled);
    let cached = again.provide_credentials().await.unwrap();
    assert_eq!(http.count(), before, "a cached chain makes no STS request");
    assert_eq!(cached.access_key_id(), creds.access_key_id());
}

#[tokio::test]
async fn wrong_secret_is_reported_verbatim() {
    let (moto, id, _secret) = moto_with_auth();
    let home = TempDir::new("sts-moto-bad");
    let env = Env::from_vars([("HOME", home.path().to_str().unwrap())]);
    let set = ProfileSet::parse(Some((Path::new("/c/config"), THREE_ROLES)), None);
    let http = Counting::new();
    let keys = Credentials::new(id, "not-the-secret", None, None, "profile");
    let low = chain_providers(
        &set,
        "low",
        keys,
        &client(&moto, http.clone()),
        &env,
        MfaPrompt::Disabled,
    );
    let err = low.provide_credentials().await.unwrap_err();
    let service = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<StsServiceError>())
        .unwrap_or_else(|| panic!("no STS error in {err}"));
    assert_eq!(service.code, "SignatureDoesNotMatch", "{err}");
    assert_eq!(service.status, 403);
    let text = err.to_string();
    assert!(
        text.contains("profile low") && text.contains("arn:aws:iam::123456789012:role/r1"),
        "{text}"
    );
    assert!(
        text.contains(
            "An error occurred (SignatureDoesNotMatch) when calling the AssumeRole operation"
        ),
        "{text}"
    );
    assert!(!text.contains("not-the-secret"));
    assert_eq!(http.count(), 1, "a signature error is not retried");
    // The cross-process lock may have created the directory; no entry, and no lock, remains.
    assert!(
        std::fs::read_dir(home.path().join(".aws/cli/cache"))
            .map_or(true, |mut d| d.next().is_none()),
        "nothing cached"
    );
}

#[tokio::test]
async fn mfa_code_comes_from_the_callback_and_the_session_is_cached() {
    let (moto, id, secret) = moto_with_auth();
    let home = TempDir::new("sts-moto-mfa");
    let env = Env::from_vars([("HOME", home.path().to_str().unwrap())]);
    let http = Counting::new();
    let sts = client(&moto, http.clone());
    let mut step = RoleStep::new("mfa", "arn:aws:iam::123456789012:role/r1");
    step.mfa_serial = Some("arn:aws:iam::123456789012:mfa/u".into());
    let prompts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = prompts.clone();
    let callback: MfaCallback = Arc::new(move |prompt: &str| {
        seen.lock().unwrap().push(prompt.to_owned());
        Some("123456".to_owned())
    });
    let keys: Arc<dyn ProvideCredentials> =
        Arc::new(Fixed(Credentials::new(id, secret, None, None, "p")));
    let provider = AssumeRoleProvider::new(keys.clone(), step.clone(), sts.clone(), &env)
        .with_mfa_prompt(MfaPrompt::Callback(callback));
    provider.provide_credentials().await.unwrap();
    assert_eq!(
        *prompts.lock().unwrap(),
        ["Enter MFA code for arn:aws:iam::123456789012:mfa/u: "]
    );

    // Cached: another provider without any way to prompt still resolves, with no request.
    let before = http.count();
    let cached = AssumeRoleProvider::new(keys.clone(), step.clone(), sts.clone(), &env)
        .with_mfa_prompt(MfaPrompt::Disabled);
    cached.provide_credentials().await.unwrap();
    assert_eq!(http.count(), before);

    // Without the cache and without a prompt, the error says what is missing.
    let no_prompt = AssumeRoleProvider::new(keys, step, sts, &env)
        .with_cache(None)
        .with_mfa_prompt(MfaPrompt::Disabled);
    let err = no_prompt.provide_credentials().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("needs an MFA code (mfa_serial = arn:aws:iam::123456789012:mfa/u)"),
        "{err}"
    );
}

#[tokio::test]
async fn web_identity_resolves_and_reads_the_token_each_time() {
    let moto = MotoServer::start();
    let home = TempDir::new("sts-moto-wi");
    let token = home.write("token.jwt", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl");
    let env = Env::from_vars([
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web"),
        ("AWS_ROLE_SESSION_NAME", "wi-session"),
    ]);
    let http = Counting::new();
    let settings = WebIdentitySettings::from_env(&env).unwrap();
    let provider = WebIdentityProvider::new(settings.clone(), client(&moto, http.clone()), &env)
        .with_cache(None);
    let creds = provider.provide_credentials().await.unwrap();
    assert!(creds.session_token().is_some());
    assert_eq!(creds.provider(), "assume-role-with-web-identity");
    let body = http.count();
    assert_eq!(body, 1);

    // The token file is read on each call to STS: a removed file is an error naming it.
    std::fs::remove_file(&token).unwrap();
    let fresh =
        WebIdentityProvider::new(settings, client(&moto, http.clone()), &env).with_cache(None);
    let err = fresh.provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains(token.to_str().unwrap()), "{err}");
}

#[tokio::test]
async fn session_and_federation_tokens_with_signature_checking() {
    let (moto, id, secret) = moto_with_auth();
    let http = Counting::new();
    let sts = client(&moto, http.clone());
    let keys = Credentials::new(id, secret, None, None, "profile");

    let session = sts
        .get_session_token(
            &keys,
            &SessionTokenRequest::default().with_duration_seconds(Some(900)),
        )
        .await
        .unwrap();
    // moto answers GetSessionToken with fixed example keys; the parse is what is checked here.
    assert!(!session.access_key_id.is_empty(), "{session:?}");
    assert!(!session.session_token.expose().is_empty());
    let left = session
        .expiration
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(left <= Duration::from_secs(900), "{left:?}");

    let federated = sts
        .get_federation_token(
            &keys,
            &FederationTokenRequest::new("console".into())
                .with_policy(Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.into()))
                .with_duration_seconds(Some(3600)),
        )
        .await
        .unwrap();
    assert!(
        federated
            .assumed_role_arn
            .as_deref()
            .is_some_and(|arn| arn.ends_with(":federated-user/console")),
        "{federated:?}"
    );
    assert_eq!(http.count(), 2);
}

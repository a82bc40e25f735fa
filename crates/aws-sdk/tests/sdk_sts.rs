//! A real SDK client (aws-sdk-sts) signing with credentials from the awscred chain, against
//! moto's STS with signature checking on, and the mapping of expiry and errors as the SDK sees it.

mod support;

use std::error::Error as _;
#[cfg(unix)]
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials as _;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sts::config::{BehaviorVersion, Region};
#[cfg(unix)]
use aws_sdk_sts::config::{Credentials as SdkCredentials, IdentityCache};
use aws_sdk_sts::error::DisplayErrorContext;
use awscred_aws_sdk::AwsSdkCredentials;
use awscred_chain::Chain;
use awscred_core::http::HyperClient;
use awscred_core::{Env, ErrorKind};
use awscred_testkit::TempDir;
#[cfg(unix)]
use awscred_testkit::moto::MotoServer;

use support::sdk_http::sdk_http_client;

#[cfg(unix)]
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

#[cfg(unix)]
const THREE_ROLES: &str = "[profile top]\nrole_arn = arn:aws:iam::123456789012:role/r3\nsource_profile = mid\n\
[profile mid]\nrole_arn = arn:aws:iam::123456789012:role/r2\nsource_profile = low\n\
[profile low]\nrole_arn = arn:aws:iam::123456789012:role/r1\nsource_profile = base\n";

/// A home directory with `config` and `credentials` files, and the environment that points the
/// chain at them (and at `endpoint` for STS), with IMDS off.
fn setup_home(
    label: &str,
    config: &str,
    credentials: &str,
    extra: &[(&str, &str)],
) -> (TempDir, Env) {
    let home = TempDir::new(label);
    let config_path = home.write(".aws/config", config);
    let credentials_path = home.write(".aws/credentials", credentials);
    let mut vars = vec![
        (
            awscred_testkit::HOME_VAR.to_owned(),
            home.path().to_str().unwrap().to_owned(),
        ),
        (
            "AWS_CONFIG_FILE".to_owned(),
            config_path.to_str().unwrap().to_owned(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
            credentials_path.to_str().unwrap().to_owned(),
        ),
        ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
        ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
        ("NO_PROXY".to_owned(), "*".to_owned()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    (home, Env::from_vars(vars))
}

/// An STS client as an application builds one, with `credentials` and the endpoint of the
/// environment's `AWS_ENDPOINT_URL` (or a closed loopback port: no request may leave the machine).
fn sts_client(
    env: &Env,
    credentials: impl aws_credential_types::provider::ProvideCredentials + 'static,
) -> aws_sdk_sts::Client {
    let endpoint = env
        .var("AWS_ENDPOINT_URL")
        .unwrap_or_else(|| format!("http://127.0.0.1:{}", awscred_testkit::free_port()));
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .http_client(sdk_http_client(HyperClient::new(env)))
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

fn chain(env: &Env) -> AwsSdkCredentials<Chain> {
    AwsSdkCredentials::new(Chain::builder().env(env.clone()).build())
}

// Unix only: moto is one of the Python reference tools, which do not run under Wine.
#[cfg(unix)]
#[tokio::test]
async fn sdk_client_signs_with_the_last_role_of_an_assume_role_chain() {
    let moto = MotoServer::start();
    let out = moto.run_python(SETUP);
    let mut lines = out.lines();
    let (id, secret) = (lines.next().unwrap(), lines.next().unwrap());
    moto.enable_auth();
    let endpoint = moto.endpoint();

    let credentials =
        format!("[base]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n");
    let (home, env) = setup_home(
        "sdk-sts",
        THREE_ROLES,
        &credentials,
        &[("AWS_PROFILE", "top"), ("AWS_ENDPOINT_URL", &endpoint)],
    );
    let provider = chain(&env);
    let client = sts_client(&env, provider);

    let who = client
        .get_caller_identity()
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", DisplayErrorContext(&e)));
    let arn = who.arn().unwrap();
    assert!(
        arn.starts_with("arn:aws:sts::123456789012:assumed-role/r3/"),
        "{arn}"
    );
    assert_eq!(who.account(), Some("123456789012"));

    // Without the SDK's identity cache, each request asks the chain, which answers from its own.
    let config = client
        .config()
        .to_builder()
        .identity_cache(IdentityCache::no_cache())
        .build();
    let uncached = aws_sdk_sts::Client::from_conf(config);
    for _ in 0..2 {
        let again = uncached.get_caller_identity().send().await.unwrap();
        assert_eq!(again.arn(), Some(arn));
    }

    // The role's credentials reach the SDK whole: expiry (about an hour, as STS gives it),
    // account id and the tier's name, exactly as the chain holds them.
    let provider = chain(&env);
    let sdk = provider.provide_credentials().await.unwrap();
    let ours = provider.inner().resolve().await.unwrap();
    assert!(sdk.access_key_id().starts_with("ASIA"), "{sdk:?}");
    assert_eq!(sdk.access_key_id(), ours.access_key_id());
    assert_eq!(
        sdk.session_token(),
        ours.session_token().map(|t| t.expose())
    );
    let expiry = sdk.expiry().expect("role credentials expire");
    assert_eq!(Some(expiry), ours.expiration());
    let left = expiry.duration_since(SystemTime::now()).unwrap();
    assert!(
        left > Duration::from_secs(50 * 60) && left <= Duration::from_secs(3600),
        "{left:?}"
    );
    assert_eq!(sdk.account_id().unwrap().as_str(), "123456789012");
    assert!(format!("{sdk:?}").contains("assume-role"), "{sdk:?}");
    // The CLI caches each role of the chain (~/.aws/cli/cache, one file per role); the second
    // chain answered from there.
    let cache = std::fs::read_dir(home.path().join(".aws/cli/cache"))
        .unwrap()
        .count();
    assert_eq!(cache, 3);

    // moto checks signatures: the same call with a wrong secret is refused.
    let forged = SdkCredentials::new(
        sdk.access_key_id(),
        "forged-secret",
        sdk.session_token().map(str::to_owned),
        None,
        "test",
    );
    let refused = sts_client(&env, forged)
        .get_caller_identity()
        .send()
        .await
        .expect_err("moto accepted a forged signature");
    let shown = DisplayErrorContext(&refused).to_string();
    assert!(shown.contains("SignatureDoesNotMatch"), "{shown}");

    // A wrong base secret: STS refuses the first AssumeRole; the SDK sees a provider error
    // carrying STS's code and the profile, and never the secret.
    let credentials =
        format!("[base]\naws_access_key_id = {id}\naws_secret_access_key = WrongSecretValue123\n");
    let (_home, env) = setup_home(
        "sdk-sts-wrong",
        THREE_ROLES,
        &credentials,
        &[("AWS_PROFILE", "top"), ("AWS_ENDPOINT_URL", &endpoint)],
    );
    let err = chain(&env).provide_credentials().await.unwrap_err();
    assert!(matches!(err, CredentialsError::ProviderError(_)), "{err:?}");
    let shown = DisplayErrorContext(&err).to_string();
    assert!(
        shown.contains("SignatureDoesNotMatch")
            && shown.contains("profile low: assuming role arn:aws:iam::123456789012:role/r1"),
        "{shown}"
    );
    assert!(!shown.contains("WrongSecretValue123"), "{shown}");
    assert!(!format!("{err:?}").contains("WrongSecretValue123"));
    let err = sts_client(&env, chain(&env))
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    let shown = DisplayErrorContext(&err).to_string();
    assert!(
        shown.contains("SignatureDoesNotMatch")
            && shown.contains("profile low: assuming role arn:aws:iam::123456789012:role/r1"),
        "{shown}"
    );
    assert!(!shown.contains("WrongSecretValue123"), "{shown}");
}

#[tokio::test]
async fn no_credentials_anywhere_is_not_loaded() {
    let (_home, env) = setup_home("sdk-none", "", "", &[]);
    let err = chain(&env).provide_credentials().await.unwrap_err();
    assert!(
        matches!(err, CredentialsError::CredentialsNotLoaded(_)),
        "{err:?}"
    );
    let source = err
        .source()
        .unwrap()
        .downcast_ref::<awscred_core::Error>()
        .unwrap();
    assert_eq!(source.kind(), ErrorKind::NotConfigured);
    assert_eq!(source.message(), "no credentials found");

    // The SDK client fails before sending anything, with awscred's message in its chain.
    let err = sts_client(&env, chain(&env))
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    let shown = DisplayErrorContext(&err).to_string();
    assert!(shown.contains("no credentials found"), "{shown}");
}

#[tokio::test]
async fn a_broken_role_profile_is_invalid_configuration() {
    let config = "[profile broken]\nrole_arn = arn:aws:iam::123456789012:role/r1\nsource_profile = nowhere\n";
    let (_home, env) = setup_home("sdk-broken", config, "", &[("AWS_PROFILE", "broken")]);
    let err = chain(&env).provide_credentials().await.unwrap_err();
    assert!(
        matches!(err, CredentialsError::InvalidConfiguration(_)),
        "{err:?}"
    );
    let message = err.source().unwrap().to_string();
    assert!(message.contains("nowhere"), "{message}");
    assert_eq!(
        err.source()
            .unwrap()
            .downcast_ref::<awscred_core::Error>()
            .unwrap()
            .kind(),
        ErrorKind::InvalidConfiguration
    );
}

#[tokio::test]
async fn an_unreachable_sts_is_a_provider_error_naming_the_endpoint() {
    let endpoint = format!("http://127.0.0.1:{}", awscred_testkit::free_port());
    let config =
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r1\nsource_profile = base\n";
    let credentials =
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = BaseSecretValue456\n";
    let (_home, env) = setup_home(
        "sdk-unreachable",
        config,
        credentials,
        &[("AWS_PROFILE", "r"), ("AWS_ENDPOINT_URL", &endpoint)],
    );
    let err = chain(&env).provide_credentials().await.unwrap_err();
    assert!(matches!(err, CredentialsError::ProviderError(_)), "{err:?}");
    let source = err
        .source()
        .unwrap()
        .downcast_ref::<awscred_core::Error>()
        .unwrap();
    assert_eq!(source.kind(), ErrorKind::Network);
    let shown = DisplayErrorContext(&err).to_string();
    assert!(
        shown.contains(endpoint.trim_start_matches("http://")),
        "{shown}"
    );
    assert!(!shown.contains("BaseSecretValue456"), "{shown}");
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_errors() {
    let (_home, env) = setup_home(
        "sdk-secrets",
        "",
        "",
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "EnvSecretValue789"),
            ("AWS_SESSION_TOKEN", "EnvSessionToken012"),
        ],
    );
    let provider = chain(&env);
    let creds = provider.provide_credentials().await.unwrap();
    assert_eq!(creds.secret_access_key(), "EnvSecretValue789");
    assert_eq!(creds.session_token(), Some("EnvSessionToken012"));
    // After a resolution the chain's cache holds the credentials; the chain's environment holds
    // the variables: Debug shows neither.
    let debug = format!("{provider:?}");
    assert!(debug.contains("awscred_chain::Chain"), "{debug}");
    let sdk_debug = format!("{creds:?}");
    assert!(sdk_debug.contains("AKIDENV"), "{sdk_debug}");
    for shown in [debug, sdk_debug] {
        assert!(!shown.contains("EnvSecretValue789"), "{shown}");
        assert!(!shown.contains("EnvSessionToken012"), "{shown}");
    }

    // Errors about input that carries secrets do not repeat them: an access key id and a token
    // without a secret key in the environment...
    let (_home, env) = setup_home(
        "sdk-partial",
        "",
        "",
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SESSION_TOKEN", "EnvSessionToken012"),
        ],
    );
    let err = chain(&env).provide_credentials().await.unwrap_err();
    let shown = format!("{} {err:?}", DisplayErrorContext(&err));
    assert!(
        matches!(err, CredentialsError::InvalidConfiguration(_)),
        "{shown}"
    );
    assert!(!shown.contains("EnvSessionToken012"), "{shown}");

    // ...and a credential_process whose output has keys but an unsupported version.
    let home = TempDir::new("sdk-process");
    let line = awscred_testkit::credential_helper(
        home.path(),
        "process",
        "{\"Version\": 2, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"ProcSecretValue678\"}\n",
        "",
        0,
    );
    let config = format!("[default]\ncredential_process = {line}\n");
    let (_home, env) = setup_home("sdk-process-home", &config, "", &[]);
    let err = chain(&env).provide_credentials().await.unwrap_err();
    let shown = format!("{} {err:?}", DisplayErrorContext(&err));
    assert!(matches!(err, CredentialsError::ProviderError(_)), "{shown}");
    assert!(shown.contains("Unsupported version"), "{shown}");
    assert!(!shown.contains("ProcSecretValue678"), "{shown}");
}

//! Calls STS GetCallerIdentity with an aws-sdk-rust client whose credentials come from the awscred
//! chain, resolved as `aws sts get-caller-identity` resolves them (same files, same caches).
//!
//! ```text
//! cargo run -p awscred-aws-sdk --example get_caller_identity -- [--profile NAME]
//! ```
//!
//! `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_STS`) sends both awscred's STS calls and the SDK's
//! call elsewhere, e.g. to a local moto server.
//!
//! The SDK client here is built without aws-sdk-sts's default features and talks through awscred's
//! own HTTP client (`tests/support/sdk_http.rs`), so this repository never builds aws-lc. In an
//! application, keep aws-sdk-sts's default features, drop the `.http_client(..)` line, and use
//! `aws_config::defaults(BehaviorVersion::latest()).credentials_provider(..)` to get the region
//! and endpoint from the environment as well.

#[path = "../tests/support/sdk_http.rs"]
mod sdk_http;

use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::DisplayErrorContext;
use awscred_aws_sdk::AwsSdkCredentials;
use awscred_chain::Chain;
use awscred_core::Env;
use awscred_core::http::HyperClient;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let profile = match (args.next().as_deref(), args.next()) {
        (None, _) => None,
        (Some("--profile"), Some(name)) => Some(name),
        _ => {
            eprintln!("usage: get_caller_identity [--profile NAME]");
            std::process::exit(2);
        }
    };

    let mut builder = Chain::builder();
    builder.set_profile_name(profile);
    let chain = builder.build();
    // The CLI's region for the profile; STS's global endpoint signs for us-east-1 without one.
    let region = chain.region().unwrap_or_else(|| "us-east-1".to_owned());
    let env = Env::real();
    let endpoint = env
        .non_empty_var("AWS_ENDPOINT_URL_STS")
        .or_else(|| env.non_empty_var("AWS_ENDPOINT_URL"));

    let mut config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(AwsSdkCredentials::new(chain))
        .http_client(sdk_http::sdk_http_client(HyperClient::new(&env)));
    if let Some(endpoint) = endpoint {
        config = config.endpoint_url(endpoint);
    }
    let client = aws_sdk_sts::Client::from_conf(config.build());

    match client.get_caller_identity().send().await {
        Ok(who) => {
            println!("Account: {}", who.account().unwrap_or("-"));
            println!("Arn:     {}", who.arn().unwrap_or("-"));
            println!("UserId:  {}", who.user_id().unwrap_or("-"));
        }
        Err(e) => {
            eprintln!("get-caller-identity failed: {}", DisplayErrorContext(&e));
            std::process::exit(1);
        }
    }
}

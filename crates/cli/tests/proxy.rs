//! The `awscred` binary behind an HTTP proxy (`awscred_testkit::proxy_fake`, keep-alive like
//! tinyproxy): a kept-alive connection the proxy drops without answering is retried once on a
//! fresh one; a dead proxy is named in the error.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use awscred_testkit::hostile::StsFake;
use awscred_testkit::proxy_fake::FakeProxy;
use common::Home;

/// A role assumed from a role: two `AssumeRole` calls in one run, the second on the pooled
/// connection to the proxy. STS is named by a host only the proxy reaches.
fn role_chain(proxy: &str) -> Home {
    Home::new()
        .file(
            ".aws/credentials",
            "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n",
        )
        .file(
            ".aws/config",
            "[profile mid]\nrole_arn = arn:aws:iam::123456789012:role/mid\nsource_profile = base\n\
             region = us-east-1\n\n[profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\n\
             source_profile = mid\nregion = us-east-1\n",
        )
        .env("AWS_ENDPOINT_URL_STS", "http://sts.proxied.invalid")
        .env("HTTP_PROXY", proxy)
}

#[test]
fn a_kept_alive_connection_the_proxy_drops_is_retried_once() {
    let sts = StsFake::start(Duration::ZERO);
    let upstream: SocketAddr = sts.url().trim_start_matches("http://").parse().unwrap();
    // The second request arrives on the connection kept alive after the first: closed unanswered.
    let proxy = FakeProxy::start(upstream, &[2]);
    // One attempt: the retry under test is the client's own, not the standard retry mode's.
    let home = role_chain(&proxy.url()).env("AWS_MAX_ATTEMPTS", "1");
    let out = home.run(&["export-credentials", "--profile", "top"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let seen = proxy.requests();
    assert_eq!(seen.len(), 3, "two calls, one of them twice: {seen:?}");
    assert!(
        seen.iter()
            .all(|r| r.target.starts_with("http://sts.proxied.invalid/")),
        "{seen:?}"
    );
    assert_eq!(sts.calls(), 2);
}

#[test]
fn a_dead_proxy_is_named() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = dead.local_addr().unwrap();
    drop(dead);
    let home = role_chain(&format!("http://{addr}"));
    let out = home.run(&["export-credentials", "--profile", "mid"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr.contains(&format!("proxy http://{addr}: tcp connect error")),
        "{stderr}"
    );
}

//! The loopback redirect of the browser sign-in flows (`sso login`'s authorization code with
//! PKCE, `login`'s sign-in): a listener on 127.0.0.1 that waits for the browser to bring back
//! `code` and `state`, as the CLI's `AuthCodeFetcher`; and opening the browser.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util;

/// The page the browser shows after the redirect.
const CALLBACK_PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>awscred</title></head>\
<body><h1>Request approved</h1><p>awscred has been given the requested permissions. You can close \
this window and return to the terminal.</p></body></html>";

/// The page for a request that is not the redirect of this login.
const IGNORED_PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>awscred</title></head>\
<body><h1>Not this login</h1><p>This request does not carry the state of the login awscred is \
waiting for, and was ignored.</p></body></html>";

/// Serves the loopback listener until the redirect of this login: a request whose `state` is
/// `state`, carrying `code` (returned as `(Some(code), Some(state))`) or `error` (`(None, None)`);
/// `None` when `overall` passes first. Any other request (another state, none, neither parameter:
/// a stray tab, a forged or cross-site request) gets an error page and the wait goes on. The
/// CLI's `AuthCodeFetcher` takes the first request with `code` or `error` and fails on a wrong
/// state, so any local program could cancel its login. Each request has 10 seconds to arrive
/// whole.
pub async fn wait_for_redirect(
    listener: &tokio::net::TcpListener,
    overall: Duration,
    state: &str,
) -> Option<(Option<String>, Option<String>)> {
    let deadline = tokio::time::Instant::now() + overall;
    loop {
        let accepted = tokio::time::timeout_at(deadline, listener.accept()).await;
        let Ok(accepted) = accepted else {
            return None;
        };
        let Ok((mut stream, _)) = accepted else {
            continue;
        };
        // One slow or silent client must not hold the flow: 10 s per request, as the CLI.
        let head = tokio::time::timeout(Duration::from_secs(10), read_head(&mut stream)).await;
        let Ok(Some(head)) = head else { continue };
        let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
        let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let params = util::parse_query(query);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let ours = get("state").as_deref() == Some(state);
        let answer = match (ours, get("code"), get("error")) {
            (true, Some(code), _) => Some((Some(code), Some(state.to_owned()))),
            (true, None, Some(_)) => Some((None, None)),
            _ => None,
        };
        let (status, page) = match answer {
            Some(_) => ("200 OK", CALLBACK_PAGE),
            None => ("400 Bad Request", IGNORED_PAGE),
        };
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
        match answer {
            Some(answer) => return Some(answer),
            None => {
                tracing::debug!("ignored a request to the login listener: not this login's state")
            }
        }
    }
}

/// The request line and headers, at most 16 KiB.
async fn read_head(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        if buf.len() > 16 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line_end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
    Some(
        String::from_utf8_lossy(&buf[..line_end])
            .trim_end()
            .to_owned(),
    )
}

/// Opens `url` in the default browser; best effort, as the CLI. Like the CLI (Python's
/// `webbrowser`), the `BROWSER` variable names the browser when it is set: the first of its
/// entries (separated as `PATH`'s are), split on whitespace, with `%s` replaced by the URL or
/// the URL added as the last argument.
pub fn open_browser(url: &str) {
    let chosen = std::env::var("BROWSER").ok().and_then(|list| {
        let first = std::env::split_paths(&list).next()?;
        let words: Vec<String> = first
            .to_string_lossy()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let (program, rest) = words.split_first()?;
        let mut c = std::process::Command::new(program);
        c.args(rest.iter().map(|w| w.replace("%s", url)));
        Some(c)
    });
    let mut command = if let Some(c) = chosen {
        c
    } else if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    if !command
        .get_args()
        .any(|a| a.to_string_lossy().contains(url))
    {
        command.arg(url);
    }
    let spawned = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        tracing::debug!("Failed to open browser: {e}");
    }
}

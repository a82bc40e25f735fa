//! The container-credentials endpoint that `serve` and `exec --server` run: a listener on
//! 127.0.0.1 (a port the OS picks), a random bearer token, and the credentials of a [`Supply`].
//!
//! Bounds, each stated once here:
//! - a request head is at most [`http::MAX_HEAD`] bytes (16 KiB, the blank line included) and
//!   must arrive within [`READ_TIMEOUT`];
//! - the answer follows within [`supply::HELD_WAIT`] (1 s) of the head while valid credentials
//!   are held, within [`supply::EMPTY_WAIT`] (5 s) otherwise (then a 503), whatever the refresh
//!   is doing;
//! - at most [`connection_cap`] connections are open at once (128, fewer under a low open-file
//!   limit: a quarter of the file descriptors are left for the refresh and the rest); when a
//!   connection arrives at the cap, the oldest one that has spent [`IDLE_GRACE`] (1 s) or more
//!   without sending its head is closed to make room, so idle connections can never keep a
//!   valid request out for long, and clients that ask at once are never cut off;
//! - the listen backlog is [`BACKLOG`] (1024), so a burst of connections is queued rather than
//!   left to the clients' one-second SYN retry.
//!
//! The HTTP side is a few dozen lines on tokio's listener rather than hyper's server (which
//! would add crates): one GET request per connection, then a fixed response and
//! `Connection: close`.

pub(crate) mod http;
pub(crate) mod supply;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::Ipv4Addr;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant, SystemTime};

use awscred_core::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use zeroize::Zeroizing;

use crate::failure::Failure;
pub(crate) use supply::Supply;
use supply::Unavailable;

/// How long a client has to send its request head.
pub(crate) const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections open at once, whatever the open-file limit.
const MAX_CONNECTIONS: usize = 128;
/// A connection is closed to make room for a new one only after it has spent this long without
/// sending a whole request head (a client that means to ask sends it at once).
const IDLE_GRACE: Duration = Duration::from_secs(1);
/// The fewest, however low the open-file limit.
const MIN_CONNECTIONS: usize = 4;
/// Connections the kernel queues before they are accepted (capped by `somaxconn`). std's and
/// tokio's default, 128, is too few for a burst: a connection beyond it waits for the client's
/// SYN to be sent again, one second later.
const BACKLOG: u32 = 1024;

/// What [`Shared::evict_idle`] did.
enum Eviction {
    /// Closed one connection.
    Done,
    /// The oldest connection reading its head becomes evictable after this long.
    NotYet(Duration),
    /// No connection is reading its head.
    Nothing,
}

/// A bound listener, ready to serve.
pub(crate) struct Endpoint {
    listener: TcpListener,
    port: u16,
    shared: Arc<Shared>,
}

struct Shared {
    token: Secret,
    supply: Supply,
    /// Connections still reading their head, oldest first: when each was accepted, and its
    /// eviction signal.
    reading: Mutex<BTreeMap<u64, (Instant, Arc<Notify>)>>,
}

impl Endpoint {
    /// Binds 127.0.0.1 on a free port, with a fresh token.
    pub(crate) async fn bind(supply: Supply) -> Result<Self, Failure> {
        let token = http::random_token()?;
        let listener =
            listen().map_err(|e| Failure::General(format!("cannot listen on 127.0.0.1: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Failure::General(format!("cannot read the listening port: {e}")))?
            .port();
        Ok(Endpoint {
            listener,
            port,
            shared: Arc::new(Shared {
                token,
                supply,
                reading: Mutex::new(BTreeMap::new()),
            }),
        })
    }

    /// The URI for `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub(crate) fn uri(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, http::PATH)
    }

    /// The token for `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub(crate) fn token(&self) -> &Secret {
        &self.shared.token
    }

    /// Serves until the future is dropped.
    pub(crate) async fn serve(self) {
        let cap = connection_cap();
        tracing::debug!(port = self.port, cap, "serving container credentials");
        let slots = Arc::new(Semaphore::new(cap));
        let mut next_id = 0u64;
        loop {
            let stream = match self.listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: make room and keep serving.
                    tracing::debug!("accept failed: {e}");
                    if !matches!(self.shared.evict_idle(), Eviction::Done) {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            };
            let permit = self.shared.make_room(&slots).await;
            next_id += 1;
            let evicted = Arc::new(Notify::new());
            self.shared
                .reading()
                .insert(next_id, (Instant::now(), evicted.clone()));
            let shared = self.shared.clone();
            let id = next_id;
            tokio::spawn(async move {
                shared.connection(stream, id, evicted).await;
                drop(permit);
            });
            // Let the new connection read what it already has before the next accept could
            // choose it for eviction.
            tokio::task::yield_now().await;
        }
    }
}

/// A listener on 127.0.0.1, a port the OS picks, with room for [`BACKLOG`] connections
/// waiting to be accepted.
fn listen() -> std::io::Result<TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind((Ipv4Addr::LOCALHOST, 0).into())?;
    socket.listen(BACKLOG)
}

/// How many connections may be open at once: [`MAX_CONNECTIONS`], or three quarters of the
/// open-file limit when that is lower (but at least [`MIN_CONNECTIONS`]).
pub(crate) fn connection_cap() -> usize {
    let limit = open_file_limit().unwrap_or(u64::MAX);
    let usable = usize::try_from(limit / 4 * 3).unwrap_or(usize::MAX);
    usable.clamp(MIN_CONNECTIONS, MAX_CONNECTIONS)
}

#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}

impl Shared {
    fn reading(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, (Instant, Arc<Notify>)>> {
        self.reading.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Closes the oldest connection that has been reading its head for [`IDLE_GRACE`] or more.
    fn evict_idle(&self) -> Eviction {
        let mut reading = self.reading();
        let Some(mut oldest) = reading.first_entry() else {
            return Eviction::Nothing;
        };
        let age = oldest.get().0.elapsed();
        if age < IDLE_GRACE {
            return Eviction::NotYet(IDLE_GRACE - age);
        }
        let id = *oldest.key();
        oldest.get_mut().1.notify_one();
        oldest.remove();
        tracing::debug!(id, "closing the oldest idle connection to make room");
        Eviction::Done
    }

    /// A connection slot: a free one, or one freed by evicting idle connections; without idle
    /// ones, the next to finish (every connection ends within its stated bounds).
    async fn make_room(&self, slots: &Arc<Semaphore>) -> OwnedSemaphorePermit {
        loop {
            if let Ok(permit) = slots.clone().try_acquire_owned() {
                return permit;
            }
            let wait = match self.evict_idle() {
                Eviction::Done => Duration::from_millis(100),
                Eviction::NotYet(left) => left,
                Eviction::Nothing => READ_TIMEOUT,
            };
            if let Ok(Ok(permit)) = tokio::time::timeout(wait, slots.clone().acquire_owned()).await
            {
                return permit;
            }
        }
    }

    async fn connection(&self, mut stream: TcpStream, id: u64, evicted: Arc<Notify>) {
        let head = {
            // The read first: a head already received is served even if eviction was asked.
            let mut read = pin!(tokio::time::timeout(
                READ_TIMEOUT,
                http::read_head(&mut stream)
            ));
            let mut evicted = pin!(evicted.notified());
            std::future::poll_fn(|cx| {
                if let Poll::Ready(head) = read.as_mut().poll(cx) {
                    return Poll::Ready(Some(head));
                }
                evicted.as_mut().poll(cx).map(|()| None)
            })
            .await
        };
        self.reading().remove(&id);
        let response = match head {
            // Evicted: close without a word.
            None => return,
            Some(Err(_)) => http::error(408, "RequestTimeout", "the request took too long"),
            Some(Ok(Err(431))) => http::error(
                431,
                "RequestHeaderFieldsTooLarge",
                "the request head is over 16 KiB",
            ),
            Some(Ok(Err(status))) => {
                http::error(status, "BadRequest", "the request is not valid HTTP/1.1")
            }
            Some(Ok(Ok(head))) => self.respond(&head).await,
        };
        let _ = tokio::time::timeout(READ_TIMEOUT, async {
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
            // Closing with unread bytes would reset the connection and could destroy the
            // response before the client reads it: drain a little of what is left first.
            let mut rest = [0u8; 4096];
            for _ in 0..16 {
                match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut rest)).await {
                    Ok(Ok(n)) if n > 0 => continue,
                    _ => break,
                }
            }
        })
        .await;
    }

    async fn respond(&self, head: &[u8]) -> Zeroizing<String> {
        let Some(request) = std::str::from_utf8(head).ok().and_then(http::parse_head) else {
            return http::error(400, "BadRequest", "the request is not valid HTTP/1.1");
        };
        tracing::debug!(method = request.method, path = request.path, "request");
        if request.path != http::PATH {
            return http::error(404, "NotFound", "no such path");
        }
        if request.method != "GET" {
            return http::error(405, "MethodNotAllowed", "only GET is allowed");
        }
        let token = self.token.expose().as_bytes();
        let authorized = matches!(request.authorization[..], [value] if http::constant_time_eq(value.as_bytes(), token));
        if !authorized {
            return http::error(
                401,
                "Unauthorized",
                "the Authorization header does not hold the token",
            );
        }
        match self.supply.credentials().await {
            Ok(creds) => http::response(200, &http::document(&creds, SystemTime::now())),
            Err(Unavailable::Failed(message)) => {
                http::error(500, "CredentialsUnavailable", &message)
            }
            Err(Unavailable::Refreshing) => http::error(
                503,
                "CredentialsRefreshing",
                "the credentials are being refreshed and none are held; try again",
            ),
        }
    }
}

/// Runs `work` until `end` completes; `end`'s output. `work` is dropped (cancelled) then.
pub(crate) async fn until<T>(end: impl Future<Output = T>, work: impl Future<Output = ()>) -> T {
    let (mut end, mut work) = (pin!(end), pin!(work));
    let mut work_done = false;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = end.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        if !work_done && work.as_mut().poll(cx).is_ready() {
            work_done = true;
        }
        Poll::Pending
    })
    .await
}

/// The output of whichever of `a` and `b` completes first (`a` when both are ready): `Ok` for
/// `a`'s, `Err` for `b`'s. The other is dropped.
#[cfg(unix)]
pub(crate) async fn first<A, B>(
    a: impl Future<Output = A>,
    b: impl Future<Output = B>,
) -> Result<A, B> {
    let (mut a, mut b) = (pin!(a), pin!(b));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = a.as_mut().poll(cx) {
            return Poll::Ready(Ok(out));
        }
        b.as_mut().poll(cx).map(Err)
    })
    .await
}

/// What an endpoint serves: the chain's credentials, with long-term keys made into a session
/// (STS `GetSessionToken` through the chain's STS client, cached in `~/.aws/cli/cache` under its
/// lock; see [`awscred_sts::SessionTokenProvider`]), in a refresh cache with the CLI's windows.
pub(crate) fn session_provider(
    chain: Arc<awscred_chain::Chain>,
    env: &awscred_core::Env,
) -> Result<Arc<dyn awscred_core::ProvideCredentials>, Failure> {
    let client = chain
        .sts_client()
        .map_err(|e| Failure::Configuration(format!("Unable to retrieve credentials: {e}")))?;
    let sessions = awscred_sts::SessionTokenProvider::new(chain, client, env);
    Ok(Arc::new(awscred_chain::refresh::RefreshCache::new(
        Arc::new(sessions),
        env.clock(),
    )))
}

//! The trait every tier implements.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::{Credentials, Result};

/// A boxed future that can be sent between threads. Boxed so that a chain can hold tiers of
/// different types behind `dyn ProvideCredentials`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of credentials: one tier (environment, profile, STS, SSO, process, container, IMDS),
/// or a chain of them.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Fetches credentials. A tier that does not apply returns an error of kind
    /// [`ErrorKind::NotConfigured`](crate::ErrorKind::NotConfigured).
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>>;
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Arc<T> {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        (**self).provide_credentials()
    }
}

/// Credentials already in hand provide themselves (a profile's static keys, a fixed answer), as
/// aws-credential-types' `Credentials` does.
///
/// ```
/// use awscred_core::{Credentials, ProvideCredentials};
///
/// let keys = Credentials::new("AKID", "SECRET", None, None, "fixed");
/// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let answer = runtime.block_on(keys.provide_credentials()).unwrap();
/// assert_eq!(answer.access_key_id(), "AKID");
/// ```
impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        Box::pin(std::future::ready(Ok(self.clone())))
    }
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Box<T> {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials>> {
        (**self).provide_credentials()
    }
}

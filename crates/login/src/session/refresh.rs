//! The refresh of an `aws login` session: `CreateOAuth2Token` with the refresh-token grant and a
//! DPoP proof, under the token file's lock, the answer written back into the file.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use awscred_core::http::HttpClient;
use awscred_core::lock::{self, LockOutcome, LockTiming};
use awscred_core::{Credentials, Error, Result};
use awscred_sso::endpoint;
use awscred_sso::internal::{CallError, PyJson, lock_path};

use super::cache_file::{Issued, TokenFile, str_of, wipe_map};
use super::{Due, LoginSessionProvider, OPERATION, unix_secs};
use crate::signin;

impl LoginSessionProvider {
    /// The token file in `path` when it no longer needs a refresh (another process did it).
    pub(super) fn refreshed_meanwhile(&self, path: &Path) -> Option<Credentials> {
        let file = self.read(path).ok()?;
        (self.due(&file) != Due::Refresh).then(|| file.credentials(path))
    }

    /// `LoginCredentialFetcher.refresh_credentials`: the key first, then (holding the token
    /// file's lock, on the file as it is now) `CreateOAuth2Token`, then the file rewritten.
    pub(super) async fn refresh(
        &self,
        http: &dyn HttpClient,
        path: &Path,
        file: TokenFile,
    ) -> Result<Credentials> {
        self.key(&file, path)?;
        drop(file);
        let fs = self.env().fs_arc();
        let ready = || self.refreshed_meanwhile(path);
        let timing = LockTiming::default();
        let _held =
            match lock::acquire(&fs, &lock_path(path), timing, ready, tokio::time::sleep).await {
                LockOutcome::Ready(credentials) => {
                    tracing::debug!("`aws login` session refreshed by another process meanwhile");
                    return Ok(credentials);
                }
                LockOutcome::Locked(held) => Some(held),
                // Unlocked (or an outcome added later): on without the lock.
                _ => None,
            };
        // The file as it is now: its refresh token is the one the service will accept.
        let mut file = self.read(path)?;
        let key = self.key(&file, path)?;
        let region = file
            .doc
            .get_str("signInRegion")
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .or_else(|| self.ctx.region())
            .ok_or_else(|| {
                Error::invalid_config(format!(
                    "You must specify a region. (the refresh of {} needs one: `region` in the \
                     profile, AWS_REGION, or --region)",
                    self.whose(path)
                ))
            })?;
        let base = endpoint::resolve_signin(&self.ctx, &region).map_err(|why| {
            Error::invalid_config(format!("{why} (refreshing {})", self.whose(path)))
        })?;
        let url = format!("{base}/v1/token");
        let body = zeroize::Zeroizing::new(
            PyJson::Object(vec![
                ("clientId".into(), str_of(&file.doc, "clientId")),
                ("refreshToken".into(), str_of(&file.doc, "refreshToken")),
                ("grantType".into(), PyJson::Str("refresh_token".into())),
            ])
            .dumps(false),
        );
        let now = || unix_secs(self.env().now());
        let answer =
            signin::create_oauth2_token(http, self.retry, &url, body.as_bytes(), &key, &now)
                .await
                .map_err(CallError::from)
                .map_err(|e| self.refresh_failed(e, &url, path))?;
        let issued = Issued::parse(&answer).map_err(|why| {
            Error::provider_failed(format!(
                "Error loading login session token: Unable to refresh access token due to an \
                 invalid service response ({OPERATION} at {url}: {why}). Please try running \
                 'aws login' again. ({})",
                self.whose(path)
            ))
        });
        wipe_map(answer);
        let issued = issued?;
        // As botocore: now (whole seconds) plus `expiresIn`, written `YYYY-MM-DDTHH:MM:SSZ`.
        let expires_at = UNIX_EPOCH
            + Duration::from_secs(unix_secs(self.env().now()))
            + Duration::from_secs(issued.expires_in);
        file.apply(issued, expires_at);
        let text = zeroize::Zeroizing::new(file.doc.dumps(false));
        // Written before the lock is released, so that a waiting process finds it.
        if let Err(e) = self.env().fs().write_atomic(path, text.as_bytes()) {
            tracing::warn!(
                "could not write the refreshed `aws login` token to {}: {e}",
                path.display()
            );
        }
        Ok(file.credentials(path))
    }

    /// The CLI's messages for the sign-in service's refusals (`LoginRefreshRequired`,
    /// `LoginInsufficientPermissions`, `LoginError`), with what the service said and where.
    fn refresh_failed(&self, error: CallError, url: &str, path: &Path) -> Error {
        let CallError::Service(service) = error else {
            return error
                .into_error(OPERATION, url)
                .context(format_args!("refreshing {}", self.whose(path)));
        };
        let sentence = match service.code.as_str() {
            "TOKEN_EXPIRED" | "USER_CREDENTIALS_CHANGED" => {
                "Your session has expired or credentials have changed. Please reauthenticate \
                 using 'aws login'."
            }
            "INSUFFICIENT_PERMISSIONS" => {
                "Unable to create or refresh login credentials due to insufficient \
                 permissions. You may be missing permission for the \
                 'signin:CreateOAuth2Token' action."
            }
            _ => {
                "An unspecified error happened when resolving AWS credentials or \
                 refreshing a login session profile."
            }
        };
        let cli_message = (service.exception == "AccessDeniedException").then_some(sentence);
        let detail = CallError::Service(service).into_error(OPERATION, url);
        match cli_message {
            Some(message) => {
                Error::provider_failed(format!("{message} ({detail}; {})", self.whose(path)))
            }
            // The CLI's `ClientError`, passed on as it is.
            None => Error::provider_failed(format!("{detail} (refreshing {})", self.whose(path)))
                .refused_by_service(),
        }
    }
}

//! What several fuzz targets share: the paused runtime the `aws login` refreshes run on, and the
//! credentials a "no secret in `Debug`" check compares with.

use std::sync::OnceLock;

use awscred_core::{Credentials, Secret};

/// A current-thread runtime whose clock is paused: retry backoffs and lock waits pass at once.
pub fn paused_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("a current-thread runtime")
    })
}

/// `creds` again with each secret changed (an `x` appended): its `Debug` must read the same as
/// that of credentials with the original secrets, or a secret shows in it.
pub fn with_secrets_changed(creds: &Credentials) -> Credentials {
    Credentials::new(
        creds.access_key_id(),
        Secret::new(format!("{}x", creds.secret_access_key().expose())),
        creds
            .session_token()
            .map(|t| Secret::new(format!("{}x", t.expose()))),
        creds.expiration(),
        creds.provider(),
    )
    .with_account_id(creds.account_id().map(str::to_owned))
}

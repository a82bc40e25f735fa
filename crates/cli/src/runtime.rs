//! The async runtime the commands drive the chain and the services with.

use crate::failure::Failure;

/// A current-thread runtime to drive the chain.
pub(crate) fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::General(format!("cannot start the async runtime: {e}")))?;
    Ok(runtime.block_on(future))
}

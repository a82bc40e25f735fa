//! The cross-process lock on the real file system, where the answer depends on what the
//! operating system reports.

use std::cell::Cell;
use std::sync::Arc;

use awscred_core::fs::{Fs, RealFs};
use awscred_core::lock::{self, LockOutcome, LockTiming};

/// A cache folder that is a file: the lock cannot be created there, so the caller goes on at
/// once, without waiting the lock's bound for a holder that does not exist.
#[test]
fn a_file_where_the_cache_folder_should_be_gives_no_lock_and_no_wait() {
    let base = std::env::temp_dir().join(format!("awscred-lock-real-fs-{}", std::process::id()));
    std::fs::create_dir_all(&base).unwrap();
    let not_a_dir = base.join("cache");
    std::fs::write(&not_a_dir, "a file").unwrap();
    let fs: Arc<dyn Fs> = Arc::new(RealFs);
    let sleeps = Cell::new(0u32);
    let outcome = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(lock::acquire(
            &fs,
            &not_a_dir.join("k.json.lock"),
            LockTiming::default(),
            || None::<()>,
            |_| {
                sleeps.set(sleeps.get() + 1);
                std::future::ready(())
            },
        ));
    let _ = std::fs::remove_dir_all(&base);
    assert!(matches!(outcome, LockOutcome::Unlocked), "{outcome:?}");
    assert_eq!(sleeps.get(), 0, "no poll: there is nothing to wait for");
}

//! The `aws login` token cache (`~/.aws/login/cache/<sha256>.json`, read by
//! `LoginSessionProvider`) on arbitrary file contents. Invariants: no panic; credentials that
//! load have a `Debug` that does not change when their secrets change (so no secret can show in
//! it); an error never quotes the file.
#![no_main]

use std::sync::Arc;
use std::time::SystemTime;

use awscred_core::Env;
use awscred_core::clock::ManualClock;
use awscred_core::fs::MemFs;
use awscred_login::{LoginSessionProvider, login_token_path};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fs = Arc::new(MemFs::default());
    // The epoch: every plausible expiry lies far ahead, so well-formed tokens load.
    let env = Env::from_vars([("HOME", "/h")])
        .with_fs(fs.clone())
        .with_clock(Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH)));
    let path = login_token_path(&env, "fuzz").expect("HOME is set");
    fs.insert(path, data.to_vec());
    match LoginSessionProvider::from_parts(env, "p", "fuzz").load() {
        Ok(creds) => {
            let swapped = awscred_fuzz::with_secrets_changed(&creds);
            assert_eq!(
                format!("{creds:?}"),
                format!("{swapped:?}"),
                "a secret shows in Debug"
            );
        }
        Err(e) => {
            // Only text the messages cannot hold by themselves (they are ASCII without control
            // characters) proves a quotation: a file that spells a message is not one.
            if let Ok(text) = std::str::from_utf8(data) {
                let foreign = text.chars().any(|c| !c.is_ascii() || c.is_ascii_control());
                if data.len() >= 24 && foreign {
                    assert!(
                        !e.to_string().contains(text),
                        "the file is quoted in an error"
                    );
                }
            }
        }
    }
});

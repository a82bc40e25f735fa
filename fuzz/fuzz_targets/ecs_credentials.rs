//! Feeds arbitrary bytes to the container credentials reader (ECS and EKS Pod Identity
//! documents). Invariants: no panic; accepted credentials never show their secret or token in
//! `Debug`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(creds) = awscred_ecs::parse_credentials(data) {
        let shown = format!("{creds:?}");
        let visible = format!(
            "{} {:?} {:?}",
            creds.access_key_id(),
            creds.account_id(),
            creds.expiration()
        );
        for secret in [Some(creds.secret_access_key()), creds.session_token()]
            .into_iter()
            .flatten()
        {
            let s = secret.expose();
            // Short values can occur in the visible fields or the field names by chance.
            if s.len() >= 16 && !visible.contains(s) {
                assert!(!shown.contains(s), "secret in Debug output");
            }
        }
        assert!(creds.expiration().is_some());
    }
});

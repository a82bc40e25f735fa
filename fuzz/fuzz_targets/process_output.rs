//! Fuzzes the reader of a `credential_process`'s output: any bytes must give credentials or an
//! error, never a panic, and an error never contains the secret values the input carried.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match awscred_process::parse_output(data) {
        Ok(output) => {
            let creds = output.into_credentials(Some("123456789012"));
            let shown = format!("{creds:?}");
            let secret = creds.secret_access_key().expose();
            // What Debug may show: the public values and its own labels. A secret that happens to
            // be part of those (an access key id equal to the secret, say) proves nothing.
            let public = format!(
                "{} {:?} {} {:?} Credentials provider access_key_id secret_access_key \
                 session_token expiration account_id Some None ** redacted **",
                creds.access_key_id(),
                creds.account_id(),
                creds.provider(),
                creds.expiration().map(awscred_core::timestamp::format_z),
            );
            if secret.len() >= 8 && !public.contains(secret) {
                assert!(!shown.contains(secret), "Debug shows the secret");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    // The command-line splitters take any text too.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = awscred_process::split_posix(text);
        let _ = awscred_process::split_windows(text);
    }
});

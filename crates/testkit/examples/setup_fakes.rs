//! The SSO (OIDC and portal) and sign-in fakes as a process, for recording the AWS CLI v2's
//! `configure sso` and `login` against them (crates/cli/tests/record_setup_fixtures.sh). Prints
//! `{"sso": URL, "signin": URL}` and serves until its stdin closes.

use std::io::Read;

use awscred_testkit::signin_fake::SigninFake;
use awscred_testkit::sso_fake::SsoFake;

fn main() {
    let sso = SsoFake::start();
    sso.set_accounts(
        &[
            (
                "111122223333",
                Some("Prod"),
                Some("prod@example.com"),
                &["ReadOnly", "Admin", "Billing"],
            ),
            ("444455556666", Some("Dev"), None, &["Developer"]),
            (
                "777788889999",
                None,
                Some("ops@example.com"),
                &["Ops", "Audit"],
            ),
        ],
        2,
    );
    let signin = SigninFake::start();
    println!(
        "{}",
        serde_json::json!({"sso": sso.url(), "signin": signin.url()})
    );
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

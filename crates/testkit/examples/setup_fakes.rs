//! The SSO (OIDC and portal) and sign-in fakes as a process, for recording the AWS CLI v2's
//! `configure sso` and `login` against them (crates/cli/tests/record_setup_fixtures.sh). Prints
//! `{"sso": URL, "signin": URL}` and serves until its stdin closes.

use std::io::Read;

use awscred_testkit::signin_fake::SigninFake;
use awscred_testkit::sso_fake::SsoFake;

fn main() {
    let sso = SsoFake::start();
    sso.set_recorded_accounts();
    let signin = SigninFake::start();
    println!(
        "{}",
        serde_json::json!({"sso": sso.url(), "signin": signin.url()})
    );
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

//! `ListAccounts` / `ListAccountRoles` against the loopback portal fake: every page read, the
//! `nextToken` percent-encoded, the bearer token sent, a refused token told apart.

use std::sync::Arc;

use awscred_core::Env;
use awscred_core::Secret;
use awscred_core::http::{HttpClient, HyperClient};
use awscred_sso::assignments::{ListError, Portal};
use awscred_testkit::sso_fake::SsoFake;

fn portal(fake: &SsoFake) -> Portal {
    let http: Arc<dyn HttpClient> = Arc::new(HyperClient::new(&Env::from_vars::<&str, &str>([])));
    Portal::new(http, fake.url())
}

#[tokio::test]
async fn every_page_of_accounts_and_roles() {
    let fake = SsoFake::start();
    fake.accept_access_token("tok");
    let roles: Vec<String> = (0..7).map(|i| format!("Role{i}")).collect();
    let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
    let ids: Vec<String> = (0..5).map(|i| format!("11112222333{i}")).collect();
    let accounts: Vec<_> = ids
        .iter()
        .map(|id| (id.as_str(), Some("Name"), None, &roles[..]))
        .collect();
    fake.set_accounts(&accounts, 2);
    let portal = portal(&fake);
    let token = Secret::new("tok");

    let listed = portal.list_accounts(&token).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|a| a.account_id.as_str())
            .collect::<Vec<_>>(),
        ids
    );
    assert_eq!(listed[0].account_name.as_deref(), Some("Name"));
    assert_eq!(listed[0].email_address, None);
    let requests = fake.requests_to("/assignment/accounts");
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].param("next_token"), None);
    assert_eq!(requests[1].param("next_token"), Some("page/2+x="));
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("x-amz-sso_bearer_token").map(String::as_str) == Some("tok"))
    );

    let listed = portal.list_account_roles(&token, &ids[3]).await.unwrap();
    assert_eq!(listed, roles);
    let requests = fake.requests_to("/assignment/roles");
    assert_eq!(requests.len(), 4);
    assert!(
        requests
            .iter()
            .all(|r| r.param("account_id") == Some(ids[3].as_str()))
    );
}

#[tokio::test]
async fn a_refused_token_is_unauthorized() {
    let fake = SsoFake::start();
    fake.set_accounts(&[("111122223333", None, None, &["R"])], 10);
    let err = portal(&fake)
        .list_accounts(&Secret::new("wrong"))
        .await
        .unwrap_err();
    let ListError::Unauthorized(e) = err else {
        panic!("{err}")
    };
    assert!(e.to_string().contains("UnauthorizedException"), "{e}");
    assert!(e.to_string().contains("ListAccounts"), "{e}");
}

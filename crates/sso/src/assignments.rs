//! Every account and role an IAM Identity Center token gives access to: the portal's
//! `ListAccounts`, then `ListAccountRoles` for each account, every page of each, as the CLI's
//! `configure sso` wizard lists them.

use std::sync::Arc;

use awscred_core::http::HttpClient;
use awscred_core::retry::RetryConfig;
use awscred_core::{Error, Result, Secret};
use awscred_profile::ProfileContext;
use serde_json::Value;

use crate::api::{self, Client};
use crate::config::SsoSession;
use crate::endpoint::{self, Service};
use crate::token::{self, SsoTokenProvider, login_hint};

/// A listing stops with an error after this many pages: a portal that keeps answering with a
/// next token is not one to follow forever.
pub const MAX_PAGES: usize = 1000;

/// A role the token's user may assume in an account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AccountRole {
    /// The account id.
    pub account_id: String,
    /// The account's name in the portal (empty when it gives none).
    pub account_name: String,
    /// The role (permission set) name.
    pub role_name: String,
}

/// Every (account, role) the cached token of `session` gives access to, sorted by account then
/// role. An sso-session token is refreshed first when due; a legacy token must be valid.
/// `profile` names the profile in messages (`run awscred sso login --profile ...`).
pub async fn list_account_roles(
    ctx: &ProfileContext,
    session: &SsoSession,
    profile: &str,
    http: Arc<dyn HttpClient>,
) -> Result<Vec<AccountRole>> {
    let token = access_token(ctx, session, profile, http.clone()).await?;
    let portal = endpoint::resolve(ctx, Service::Portal, &session.region);
    let client = Client {
        http: &*http,
        retry: RetryConfig::default(),
    };
    let fail = |e: api::CallError, op: &str| e.into_error(op, &portal);
    let accounts = all_pages(client, &portal, &token, None)
        .await
        .map_err(|e| fail(e, "ListAccounts"))?;
    let mut out = Vec::new();
    for account in accounts {
        let text = |k: &str| account.get(k).and_then(Value::as_str).unwrap_or_default();
        let (id, name) = (text("accountId").to_owned(), text("accountName").to_owned());
        if id.is_empty() {
            return Err(Error::provider_failed(format!(
                "ListAccounts at {portal}: an account has no `accountId`"
            )));
        }
        let roles = all_pages(client, &portal, &token, Some(&id))
            .await
            .map_err(|e| fail(e, "ListAccountRoles"))?;
        for role in roles {
            let Some(role_name) = role.get("roleName").and_then(Value::as_str) else {
                return Err(Error::provider_failed(format!(
                    "ListAccountRoles at {portal}: a role of account {id} has no `roleName`"
                )));
            };
            out.push(AccountRole {
                account_id: id.clone(),
                account_name: name.clone(),
                role_name: role_name.to_owned(),
            });
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

async fn all_pages(
    client: Client<'_>,
    portal: &str,
    token: &Secret,
    account_id: Option<&str>,
) -> api::CallResult<Vec<serde_json::Map<String, Value>>> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = api::list_page(client, portal, token, account_id, next.as_deref()).await?;
        items.extend(page.items);
        match page.next_token {
            Some(t) if Some(&t) == next.as_ref() => {
                return Err(Error::provider_failed(format!(
                    "{portal}: the portal answered the same next token twice"
                ))
                .into());
            }
            Some(t) => next = Some(t),
            None => return Ok(items),
        }
    }
    Err(Error::provider_failed(format!(
        "{portal}: more than {MAX_PAGES} pages of assignments; giving up"
    ))
    .into())
}

async fn access_token(
    ctx: &ProfileContext,
    session: &SsoSession,
    profile: &str,
    http: Arc<dyn HttpClient>,
) -> Result<Secret> {
    if session.session_name.is_some() {
        let provider = SsoTokenProvider::for_session(ctx, profile, session.clone(), http);
        return Ok(provider.token().await?.token);
    }
    let cached = token::load_token(&ctx.env, session, profile)?;
    if cached.expires_at <= ctx.env.now() {
        return Err(Error::provider_failed(format!(
            "the SSO token for {} has expired: {}",
            session.display_name(),
            login_hint(profile)
        )));
    }
    Ok(cached.access_token)
}

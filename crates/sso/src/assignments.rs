//! The access portal's `ListAccounts` and `ListAccountRoles`, every page, as `aws configure sso`
//! lists what a token may use (botocore's paginators: `nextToken` in, `nextToken` out, no page
//! size).

use std::sync::Arc;

use awscred_core::http::{HttpClient, endpoint_of};
use awscred_core::retry::RetryConfig;
use awscred_core::{Error, Secret};
use serde_json::{Map, Value};

use crate::api::{self, CallError};
use crate::util::percent_encode;

/// At most this many pages are read from one listing: a portal that never stops answering
/// `nextToken` must not keep the wizard waiting forever (10 000 pages of the portal's default 20
/// items is far more than any organization has).
const MAX_PAGES: usize = 10_000;

/// An AWS account the token's user may sign in to (`ListAccounts`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Account {
    /// `accountId`.
    pub account_id: String,
    /// `accountName`, when the portal sends it.
    pub account_name: Option<String>,
    /// `emailAddress`, when the portal sends it.
    pub email_address: Option<String>,
}

impl Account {
    /// The account `account_id`, with no name or e-mail address.
    pub fn new(account_id: String) -> Self {
        Account {
            account_id,
            account_name: None,
            email_address: None,
        }
    }

    /// Sets `accountName`.
    pub fn with_account_name(mut self, account_name: Option<String>) -> Self {
        self.account_name = account_name;
        self
    }

    /// Sets `emailAddress`.
    pub fn with_email_address(mut self, email_address: Option<String>) -> Self {
        self.email_address = email_address;
        self
    }
}

/// Why a listing failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ListError {
    /// The portal refused the token (`UnauthorizedException`): the CLI then skips the account
    /// and role and configures the session alone.
    Unauthorized(Error),
    /// Anything else, with the CLI-style message.
    Other(Error),
}

impl ListError {
    /// The error itself, whichever the reason.
    pub fn into_error(self) -> Error {
        match self {
            ListError::Unauthorized(e) | ListError::Other(e) => e,
        }
    }
}

impl std::fmt::Display for ListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListError::Unauthorized(e) => write!(f, "{e}"),
            ListError::Other(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ListError {}

/// The portal at `portal` (see [`crate::endpoint::resolve`]) for one access token.
#[derive(Debug, Clone)]
pub struct Portal {
    http: Arc<dyn HttpClient>,
    url: String,
    retry: RetryConfig,
}

impl Portal {
    /// The portal at `url`, retried as the CLI's standard mode.
    pub fn new(http: Arc<dyn HttpClient>, url: impl Into<String>) -> Portal {
        Portal {
            http,
            url: url.into(),
            retry: RetryConfig::default(),
        }
    }

    /// Every account the token may use, in the portal's order.
    pub async fn list_accounts(&self, token: &Secret) -> Result<Vec<Account>, ListError> {
        let items = self
            .pages(
                "ListAccounts",
                "/assignment/accounts",
                &[],
                "accountList",
                token,
            )
            .await?;
        let text = |item: &Map<String, Value>, key: &str| {
            item.get(key).and_then(Value::as_str).map(str::to_owned)
        };
        items
            .iter()
            .map(|item| {
                Ok(Account {
                    account_id: text(item, "accountId").ok_or_else(|| {
                        self.malformed("ListAccounts", "an account without `accountId`")
                    })?,
                    account_name: text(item, "accountName"),
                    email_address: text(item, "emailAddress"),
                })
            })
            .collect()
    }

    /// The names of every role the token may use in `account_id`, in the portal's order.
    pub async fn list_account_roles(
        &self,
        token: &Secret,
        account_id: &str,
    ) -> Result<Vec<String>, ListError> {
        let items = self
            .pages(
                "ListAccountRoles",
                "/assignment/roles",
                &[("account_id", account_id)],
                "roleList",
                token,
            )
            .await?;
        items
            .iter()
            .map(|item| {
                item.get("roleName")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| self.malformed("ListAccountRoles", "a role without `roleName`"))
            })
            .collect()
    }

    fn malformed(&self, operation: &str, what: &str) -> ListError {
        ListError::Other(Error::provider_failed(format!(
            "{operation}: the response from {} has {what}",
            self.url
        )))
    }

    /// Reads every page; the query's order is botocore's (`next_token` first, then the shape's
    /// other members).
    async fn pages(
        &self,
        operation: &str,
        path: &str,
        params: &[(&str, &str)],
        list_key: &str,
        token: &Secret,
    ) -> Result<Vec<Map<String, Value>>, ListError> {
        let client = api::Client {
            http: &*self.http,
            retry: self.retry,
        };
        let mut items = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query: Vec<String> = Vec::new();
            if let Some(n) = &next {
                query.push(format!("next_token={}", percent_encode(n)));
            }
            query.extend(
                params
                    .iter()
                    .map(|(k, v)| format!("{k}={}", percent_encode(v))),
            );
            let url = if query.is_empty() {
                format!("{}{path}", self.url)
            } else {
                format!("{}{path}?{}", self.url, query.join("&"))
            };
            let request = http::Request::builder()
                .method("GET")
                .uri(&url)
                .header("x-amz-sso_bearer_token", token.expose())
                .body(Vec::new())
                .map_err(|e| {
                    ListError::Other(Error::invalid_config(format!(
                        "invalid portal endpoint {}: {e}",
                        self.url
                    )))
                })?;
            let endpoint = endpoint_of(request.uri());
            let page = match api::call(client, request, operation).await {
                Ok(page) => page,
                Err(CallError::Service(e)) if e.is("unauthorized") => {
                    return Err(ListError::Unauthorized(
                        CallError::Service(e).into_error(operation, &endpoint),
                    ));
                }
                Err(e) => return Err(ListError::Other(e.into_error(operation, &endpoint))),
            };
            match page.get(list_key) {
                Some(Value::Array(list)) => {
                    for item in list {
                        match item {
                            Value::Object(map) => items.push(map.clone()),
                            _ => {
                                return Err(
                                    self.malformed(operation, "a list entry that is not an object")
                                );
                            }
                        }
                    }
                }
                None | Some(Value::Null) => {}
                Some(_) => {
                    return Err(
                        self.malformed(operation, &format!("a `{list_key}` that is not a list"))
                    );
                }
            }
            let token = page
                .get("nextToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            match token {
                None => return Ok(items),
                // botocore's paginator stops a portal that answers with the token it was sent.
                Some(t) if next.as_deref() == Some(t.as_str()) => {
                    return Err(ListError::Other(Error::provider_failed(format!(
                        "{operation}: the same next token was received twice from {}",
                        self.url
                    ))));
                }
                Some(t) => next = Some(t),
            }
        }
        Err(self.malformed(operation, &format!("more than {MAX_PAGES} pages")))
    }
}

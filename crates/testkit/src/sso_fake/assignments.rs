//! The portal's `ListAccounts` and `ListAccountRoles` for [`super::SsoFake`]: `GET
//! /assignment/accounts` and `GET /assignment/roles?account_id=`, the bearer token in
//! `x-amz-sso_bearer_token`, pages of `max_result` items (the fake's page size when absent)
//! chained by an opaque `nextToken` that needs percent-encoding in the query.

use serde_json::{Value, json};

use super::{FakeRequest, Reply, ok, unauthorized};

/// One account the fake lists, with its roles.
#[derive(Debug, Clone)]
pub(super) struct FakeAccount {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub roles: Vec<String>,
}

/// The accounts and how many items a page holds.
#[derive(Debug, Clone, Default)]
pub(super) struct Assignments {
    pub accounts: Vec<FakeAccount>,
    pub page_size: usize,
}

/// The `nextToken` of the page starting at `offset`: `/`, `+` and `=` test the client's
/// query encoding, as the service's long opaque tokens do.
fn next_token(offset: usize) -> String {
    format!("page/{offset}+x=")
}

fn offset_of(token: Option<&str>) -> Option<usize> {
    match token {
        None => Some(0),
        Some(t) => t.strip_prefix("page/")?.strip_suffix("+x=")?.parse().ok(),
    }
}

impl Assignments {
    /// Answers `r` when it is a listing; `None` for any other path.
    pub(super) fn handle(&self, r: &FakeRequest, token_ok: bool) -> Option<Reply> {
        let (list_key, items): (&str, Vec<Value>) = match (r.method.as_str(), r.path.as_str()) {
            ("GET", "/assignment/accounts") => (
                "accountList",
                self.accounts
                    .iter()
                    .map(|a| {
                        let mut v = json!({"accountId": a.id});
                        if let Some(n) = &a.name {
                            v["accountName"] = json!(n);
                        }
                        if let Some(e) = &a.email {
                            v["emailAddress"] = json!(e);
                        }
                        v
                    })
                    .collect(),
            ),
            ("GET", "/assignment/roles") => {
                let Some(account) = r.param("account_id") else {
                    return Some(invalid_request("accountId is required"));
                };
                let roles = self
                    .accounts
                    .iter()
                    .find(|a| a.id == account)
                    .map(|a| a.roles.clone())
                    .unwrap_or_default();
                (
                    "roleList",
                    roles
                        .into_iter()
                        .map(|role| json!({"roleName": role, "accountId": account}))
                        .collect(),
                )
            }
            _ => return None,
        };
        if !token_ok {
            return Some(unauthorized());
        }
        let Some(start) = offset_of(r.param("next_token")) else {
            return Some(invalid_request("invalid nextToken"));
        };
        let size = r
            .param("max_result")
            .and_then(|m| m.parse().ok())
            .unwrap_or(self.page_size.max(1));
        let end = (start + size).min(items.len());
        let page: Vec<Value> = items.get(start..end).unwrap_or_default().to_vec();
        let mut body = json!({ list_key: page });
        if end < items.len() {
            body["nextToken"] = json!(next_token(end));
        }
        Some(ok(body))
    }
}

fn invalid_request(message: &str) -> Reply {
    Reply {
        status: 400,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-amzn-errortype".into(), "InvalidRequestException".into()),
        ],
        body: json!({ "message": message }).to_string(),
    }
}

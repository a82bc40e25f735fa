//! The access portal's assignment listing: `ListAccounts` (`GET /assignment/accounts`) and
//! `ListAccountRoles` (`GET /assignment/roles?account_id=`), paginated with `next_token` /
//! `nextToken` as the service does, for `awscred sso populate`. Once assignments are set,
//! `GetRoleCredentials` refuses a role that is not assigned (`ForbiddenException`).

use serde_json::{Value, json};

use super::{FakeRequest, Reply, SsoFake, ok, unauthorized};

/// The accounts and roles the token's user is assigned, and how many items a page holds.
#[derive(Debug, Default)]
pub(super) struct Assignments {
    /// (account id, account name, role names), in listing order.
    accounts: Vec<(String, String, Vec<String>)>,
    configured: bool,
    page_size: usize,
}

impl SsoFake {
    /// The accounts (id, name) and each one's roles that the portal lists from now on. A page
    /// holds `page_size` items (at least 1), so that listings span several pages.
    pub fn set_assignments(&self, accounts: &[(&str, &str, &[&str])], page_size: usize) {
        let mut s = self.lock();
        s.assignments = Assignments {
            accounts: accounts
                .iter()
                .map(|(id, name, roles)| {
                    let roles = roles.iter().map(|r| (*r).to_owned()).collect();
                    ((*id).to_owned(), (*name).to_owned(), roles)
                })
                .collect(),
            configured: true,
            page_size: page_size.max(1),
        };
    }
}

impl Assignments {
    /// Whether `GetRoleCredentials` may give this role (always, until assignments are set).
    pub(super) fn allows(&self, account: &str, role: &str) -> bool {
        !self.configured
            || self
                .accounts
                .iter()
                .any(|(id, _, roles)| id == account && roles.iter().any(|r| r == role))
    }
}

fn forbidden() -> Reply {
    super::failure(403, "ForbiddenException")
}

/// One page of `items` from `next_token` (an index, as opaque to the client as the service's).
fn page(items: Vec<Value>, r: &FakeRequest, size: usize, key: &str) -> Reply {
    let start = match r.param("next_token") {
        None => 0,
        Some(t) => match t
            .strip_prefix("page-")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) if n < items.len() => n,
            _ => {
                return Reply {
                    status: 400,
                    headers: vec![("x-amzn-errortype".into(), "InvalidRequestException".into())],
                    body: json!({"message": "Invalid next token"}).to_string(),
                };
            }
        },
    };
    let end = (start + size).min(items.len());
    let mut body = json!({ key: items[start..end].to_vec() });
    if end < items.len() {
        body["nextToken"] = json!(format!("page-{end}"));
    }
    ok(body)
}

/// `ListAccounts` / `ListAccountRoles`; `None` for any other request.
pub(super) fn handle(s: &super::State, r: &FakeRequest) -> Option<Reply> {
    let listing = matches!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/assignment/accounts" | "/assignment/roles")
    );
    if !listing {
        return None;
    }
    let token = r
        .headers
        .get("x-amz-sso_bearer_token")
        .cloned()
        .unwrap_or_default();
    if !s.access_tokens.contains(&token) {
        return Some(unauthorized());
    }
    let a = &s.assignments;
    if r.path == "/assignment/accounts" {
        let items = a
            .accounts
            .iter()
            .map(|(id, name, _)| {
                json!({"accountId": id, "accountName": name,
                    "emailAddress": format!("{id}@example.com")})
            })
            .collect();
        return Some(page(items, r, a.page_size, "accountList"));
    }
    let Some(account) = r.param("account_id") else {
        return Some(forbidden());
    };
    let Some((_, _, roles)) = a.accounts.iter().find(|(id, _, _)| id == account) else {
        return Some(forbidden());
    };
    let items = roles
        .iter()
        .map(|role| json!({"roleName": role, "accountId": account}))
        .collect();
    Some(page(items, r, a.page_size, "roleList"))
}

/// `GetRoleCredentials` for a role that is not assigned.
pub(super) fn refuse_unassigned(s: &super::State, r: &FakeRequest) -> Option<Reply> {
    let (account, role) = (r.param("account_id")?, r.param("role_name")?);
    (!s.assignments.allows(account, role)).then(forbidden)
}

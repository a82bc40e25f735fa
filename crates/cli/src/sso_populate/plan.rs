//! What `sso populate` changes in the config file: a profile per (account, role), named from
//! the template, created or brought up to date when awscred wrote it, left alone when it did not;
//! with `--prune`, awscred's own profiles whose role is gone removed.

use std::collections::BTreeMap;

use awscred_profile::ProfileSet;
use awscred_profile::writer::{self, SectionUpdate};
use awscred_sso::SsoSession;

/// The key marking a profile as written by `sso populate`: its value is the sso-session name
/// (or the legacy start URL). The CLI and the SDKs ignore keys they do not know.
pub(crate) const MARKER: &str = "awscred_populated";

/// The default name template, as the CLI's `configure sso` wizard proposes.
pub(crate) const DEFAULT_TEMPLATE: &str = "{role_name}-{account_id}";

/// A role the token's user may use in an account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct AccountRole {
    /// The account id.
    pub(crate) account_id: String,
    /// The account's name in the portal (empty when it gives none).
    pub(crate) account_name: String,
    /// The role (permission set) name.
    pub(crate) role_name: String,
}

/// One change to the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// A profile to create or bring up to date (the writer leaves it byte for byte when nothing
    /// differs).
    Write(String, SectionUpdate),
    /// One of awscred's profiles whose role is gone.
    Remove(String),
    /// A profile of that name exists and awscred did not write it: left alone.
    Foreign(String),
}

/// The settings every generated profile gets.
#[derive(Debug, Clone)]
pub(crate) struct Settings<'a> {
    /// The session the roles were listed with.
    pub(crate) session: &'a SsoSession,
    /// `--prefix`.
    pub(crate) prefix: &'a str,
    /// The name template.
    pub(crate) template: &'a str,
    /// `region` of each profile, when one is known.
    pub(crate) region: Option<&'a str>,
    /// `--prune`.
    pub(crate) prune: bool,
}

impl Settings<'_> {
    /// The value of [`MARKER`] for this session.
    pub(crate) fn marker(&self) -> &str {
        self.session.display_name()
    }

    /// The profile name of `role`: the template filled in, prefixed, then every character a
    /// profile name should not hold (anything but ASCII letters, digits and `_.+=,@-`) made `-`.
    pub(crate) fn name(&self, role: &AccountRole) -> String {
        let filled = self
            .template
            .replace("{role_name}", &role.role_name)
            .replace("{account_id}", &role.account_id)
            .replace("{account_name}", &role.account_name)
            .replace("{sso_session}", self.marker());
        format!("{}{filled}", self.prefix)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_.+=,@-".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    }

    fn update(&self, name: &str, role: &AccountRole) -> SectionUpdate {
        let mut update = SectionUpdate::new(writer::profile_section(name));
        update = match &self.session.session_name {
            Some(session) => update.set("sso_session", session),
            None => update
                .set("sso_start_url", &self.session.start_url)
                .set("sso_region", &self.session.region),
        };
        update = update
            .set("sso_account_id", &role.account_id)
            .set("sso_role_name", &role.role_name);
        if let Some(region) = self.region {
            update = update.set("region", region);
        }
        update.set(MARKER, self.marker())
    }
}

/// The changes, in profile-name order; an error naming the roles when two get the same name.
pub(crate) fn plan(
    set: &ProfileSet,
    roles: &[AccountRole],
    settings: &Settings<'_>,
) -> Result<Vec<Change>, String> {
    let mut wanted: BTreeMap<String, &AccountRole> = BTreeMap::new();
    for role in roles {
        let name = settings.name(role);
        if name.is_empty() || name == "default" {
            return Err(format!(
                "the name template gives the profile name `{name}` for role {} of account {}",
                role.role_name, role.account_id
            ));
        }
        if let Some(other) = wanted.insert(name.clone(), role) {
            return Err(format!(
                "two roles would be written as profile {name}: {} of account {} and {} of account \
                 {}; choose a --name-template that tells them apart (e.g. with {{account_id}})",
                other.role_name, other.account_id, role.role_name, role.account_id
            ));
        }
    }
    let ours = |name: &str| {
        set.profile(name)
            .and_then(|s| s.get(MARKER))
            .is_some_and(|v| v == settings.marker())
    };
    let mut changes = Vec::new();
    for (name, role) in &wanted {
        // A profile of that name in either file, without the marker, is the user's.
        changes.push(if set.profile(name).is_some() && !ours(name) {
            Change::Foreign(name.clone())
        } else {
            Change::Write(name.clone(), settings.update(name, role))
        });
    }
    if settings.prune {
        for name in set.profile_names() {
            if ours(name) && !wanted.contains_key(name) {
                changes.push(Change::Remove(name.to_owned()));
            }
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(account: &str, name: &str, role: &str) -> AccountRole {
        AccountRole {
            account_id: account.into(),
            account_name: name.into(),
            role_name: role.into(),
        }
    }

    fn session() -> SsoSession {
        SsoSession::new(
            Some("corp".into()),
            "https://x.awsapps.com/start",
            "us-east-1",
        )
    }

    #[test]
    fn names_are_filled_in_and_sanitised() {
        let session = session();
        let settings = |template, prefix| Settings {
            session: &session,
            prefix,
            template,
            region: None,
            prune: false,
        };
        let r = role("111", "My Prod (EU)", "Admin");
        assert_eq!(settings(DEFAULT_TEMPLATE, "").name(&r), "Admin-111");
        assert_eq!(
            settings("{sso_session}/{account_name}/{role_name}", "x ").name(&r),
            "x-corp-My-Prod--EU--Admin"
        );
        assert_eq!(settings("{role_name}\u{e9}[]", "").name(&r), "Admin---");
    }

    #[test]
    fn foreign_profiles_are_kept_and_only_marked_ones_pruned() {
        let session = session();
        let config = "[profile Admin-111]\nregion = x\n\
                      [profile Old-222]\nawscred_populated = corp\n\
                      [profile Other-333]\nawscred_populated = another\n";
        let set = ProfileSet::parse(Some((std::path::Path::new("/c"), config)), None);
        let settings = Settings {
            session: &session,
            prefix: "",
            template: DEFAULT_TEMPLATE,
            region: None,
            prune: true,
        };
        let changes = plan(
            &set,
            &[role("111", "", "Admin"), role("444", "", "Dev")],
            &settings,
        )
        .unwrap();
        let kinds: Vec<(&str, &str)> = changes
            .iter()
            .map(|c| match c {
                Change::Write(n, _) => ("write", n.as_str()),
                Change::Remove(n) => ("remove", n.as_str()),
                Change::Foreign(n) => ("foreign", n.as_str()),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("foreign", "Admin-111"),
                ("write", "Dev-444"),
                ("remove", "Old-222")
            ]
        );
        let err = plan(
            &set,
            &[role("1", "", "A B"), role("1", "", "A/B")],
            &settings,
        )
        .unwrap_err();
        assert!(
            err.contains("two roles would be written as profile A-B-1"),
            "{err}"
        );
    }
}

//! The wizards' new values for one section, kept as the CLI keeps them (a Python dict: insertion
//! order, a later value for a key replacing the earlier one in place), and written with the
//! CLI's `ConfigFileWriter` ([`awscred_profile::writer`]).

use std::path::Path;

use awscred_core::Env;
use awscred_profile::Section;
use awscred_profile::writer::{self, SectionUpdate};

use crate::failure::Failure;
use crate::prompt::Stop;

pub(crate) use writer::{profile_section as profile_header, section_header};

/// Keys and values in the order they were first set.
#[derive(Debug, Clone, Default)]
pub(crate) struct Values(Vec<(String, String)>);

impl Values {
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn set(&mut self, key: &str, value: &str) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(existing) => value.clone_into(&mut existing.1),
            None => self.0.push((key.to_owned(), value.to_owned())),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A section's values in the order of its lines, as botocore's parsed config holds them.
pub(crate) fn of_section(section: &Section) -> Values {
    let mut values = Values::default();
    for (key, property) in section.properties() {
        values.set(key, property.value());
    }
    values
}

/// `ConfigFileWriter.update_config` of each `(header, values)` in turn into the config file at
/// `path`, in one atomic write.
pub(crate) fn write_sections(
    env: &Env,
    path: &Path,
    sections: &[(String, &Values)],
) -> Result<(), Stop> {
    let updates: Vec<SectionUpdate> = sections
        .iter()
        .map(|(header, values)| {
            values
                .0
                .iter()
                .fold(SectionUpdate::new(header.as_str()), |u, (k, v)| u.set(k, v))
        })
        .collect();
    writer::update_config_many(env.fs(), path, &updates)
        .map_err(|e| Stop::Failed(Failure::General(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_value_replaces_in_place() {
        let mut v = Values::default();
        v.set("a", "1");
        v.set("b", "2");
        v.set("a", "3");
        assert_eq!(v.0, [("a".into(), "3".into()), ("b".into(), "2".into())]);
        assert_eq!(v.get("a"), Some("3"));
        assert_eq!(v.get("c"), None);
    }
}

//! What every profile-driven tier needs to know about the resolution under way.

use std::sync::Arc;

use awscred_core::Env;

use crate::setting::{self, Origin, Sourced};
use crate::{ProfileSet, Section};

/// The environment, the parsed files, and the selected profile.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProfileContext {
    /// Variables, files, clock.
    pub env: Env,
    /// Both files, parsed and merged.
    pub profiles: Arc<ProfileSet>,
    /// The selected profile's name.
    pub profile_name: String,
    /// Whether the profile was chosen on the command line (`--profile`), which turns the
    /// environment-variable tier off, as in the CLI.
    pub profile_explicit: bool,
    /// `--region`, when given.
    pub region_override: Option<String>,
}

impl ProfileContext {
    /// `profile_name` selected in `profiles`, as `AWS_PROFILE` or the default selects it (the
    /// environment-variable tier stays on); no `--region`.
    pub fn new(env: Env, profiles: Arc<ProfileSet>, profile_name: String) -> Self {
        ProfileContext {
            env,
            profiles,
            profile_name,
            profile_explicit: false,
            region_override: None,
        }
    }

    /// Marks the profile as chosen with `--profile` (`true`), which turns the
    /// environment-variable tier off, as in the CLI.
    pub fn chosen_explicitly(mut self, explicit: bool) -> Self {
        self.profile_explicit = explicit;
        self
    }

    /// Sets `--region`.
    pub fn with_region_override(mut self, region: Option<String>) -> Self {
        self.region_override = region;
        self
    }

    /// The selected profile's section, if it exists.
    pub fn profile(&self) -> Option<&Section> {
        self.profiles.profile(&self.profile_name)
    }

    /// A key of the selected profile.
    pub fn profile_value(&self, key: &str) -> Option<&str> {
        self.profile().and_then(|p| p.get(key))
    }

    /// The region as the CLI picks it: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the
    /// selected profile's `region`.
    pub fn region(&self) -> Option<String> {
        self.region_setting().map(|found| found.value)
    }

    /// [`ProfileContext::region`] and where it came from.
    pub fn region_setting(&self) -> Option<Sourced> {
        match &self.region_override {
            Some(region) => Some(Sourced {
                value: region.clone(),
                origin: Origin::CommandLine { option: "--region" },
            }),
            None => setting::REGION.read(self),
        }
    }
}

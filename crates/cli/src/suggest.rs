//! "Did you mean ...?" for a profile name that is close to one that exists: the same measure
//! clap uses for mistyped subcommands and options (Jaro-Winkler similarity, from `strsim`), so
//! both kinds of suggestion feel alike.

/// The candidate closest to `name`, when one is close enough to be a likely typo: the same
/// name in another case, or a Jaro-Winkler similarity of at least 0.8 (clap's threshold).
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            let score = if c.eq_ignore_ascii_case(name) {
                1.0
            } else {
                strsim::jaro_winkler(name, c)
            };
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// ` Did you mean `NAME`?` for [`closest`], or nothing.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    closest(name, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested_and_far_ones_not() {
        let names = ["default", "dev", "production", "Staging"];
        assert_eq!(closest("prodution", names), Some("production"));
        assert_eq!(closest("staging", names), Some("Staging"));
        assert_eq!(closest("devv", names), Some("dev"));
        assert_eq!(closest("zzz", names), None);
        assert_eq!(
            closest("dev", names),
            None,
            "the name itself is no suggestion"
        );
        assert_eq!(
            did_you_mean("prod", ["production"]),
            " (did you mean `production`?)"
        );
        assert_eq!(did_you_mean("x", ["production"]), "");
    }
}

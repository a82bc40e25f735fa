use super::*;

#[test]
fn header_lines_counts_lines_opening_with_a_bracket() {
    let naive = |text: &str| text.lines().filter(|l| l.starts_with('[')).count();
    for text in ["", "[", "a", "[a]", "\n[", "x = [\n[a]\n  [b]\n[c]"] {
        assert_eq!(cli::header_lines(text), naive(text), "{text:?}");
    }
    // Headers on both sides of every 64-byte boundary the count works in.
    let mut text = String::new();
    for i in 0..300 {
        text.push_str(&"x".repeat(i % 67));
        text.push_str("\n[p]");
    }
    assert_eq!(cli::header_lines(&text), naive(&text));
}

#[test]
fn keys_and_values_read_the_same_at_every_length() {
    for len in [1, 2, 7, 8, 15, 16, 17, 29, 30, 31, 32, 64] {
        let key = "Ab_".repeat(len).chars().take(len).collect::<String>();
        let value = "v-é".repeat(len).chars().take(len).collect::<String>();
        let text = format!(
            "[default]\n{key} = {value}\nlong{key} =   {value}\n  {value}\n\n[profile {key}]\nk = {value}\n"
        );
        let set = ProfileSet::parse(Some((Path::new("config"), &text)), None);
        assert!(
            set.warnings().is_empty() && set.errors().is_empty(),
            "{len}"
        );
        let default = set.profile("default").unwrap();
        assert_eq!(default.get(&key.to_lowercase()), Some(value.as_str()));
        assert_eq!(default.get(&key), Some(value.as_str()));
        let long = default.property(&format!("LONG{key}")).unwrap();
        assert_eq!(long.value(), format!("{value}\n{value}"));
        assert_eq!(long.location().line, 3);
        assert_eq!(set.profile(&key).unwrap().name(), key);
        assert_eq!(set.profile(&key).unwrap().get("k"), Some(value.as_str()));
    }
}

#[test]
fn sections_of_any_size_keep_every_key() {
    for count in [7, 8, 50] {
        let mut text = String::from("[DEFAULT]\nshared = d\n[profile p]\n");
        for i in 0..count {
            text.push_str(&format!("Key_{i} = {i}\n"));
        }
        let set = ProfileSet::parse(Some((Path::new("config"), &text)), None);
        assert!(set.cli_refusals().is_empty(), "{count}");
        let p = set.profile("p").unwrap();
        assert_eq!(p.properties().count(), count + 1);
        assert_eq!(p.get("shared"), Some("d"));
        for i in 0..count {
            assert_eq!(p.get(&format!("KEY_{i}")), Some(i.to_string().as_str()));
        }
        // A key written twice: the CLI refuses the file, the SDK grammar keeps the last.
        text.push_str("key_3 = again\n");
        let set = ProfileSet::parse(Some((Path::new("config"), &text)), None);
        assert_eq!(set.cli_refusals().len(), 1, "{count}");
        assert!(
            set.cli_refusals()[0]
                .message
                .contains("property `key_3` is defined twice")
        );
        let p = set.profile("p").unwrap();
        assert_eq!(p.get("key_3"), Some("again"));
        assert_eq!(p.properties().count(), count);
    }
}

#[test]
fn non_ascii_keys_are_lowered_as_python_lowers_them() {
    let text = "[default]\nRÉGION = x\nÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀ = y\n";
    let set = ProfileSet::parse(Some((Path::new("config"), text)), None);
    let default = set.profile("default").unwrap();
    assert_eq!(default.get("région"), Some("x"));
    assert_eq!(default.get(&"à".repeat(20)), Some("y"));
}

#[test]
fn defaults_reach_sections_before_and_after_them() {
    let text = "[profile a]\nx = 1\n[DEFAULT]\nregion = r\nx = 0\n[profile b]\n[sso-session s]\n";
    let set = ProfileSet::parse(Some((Path::new("config"), text)), None);
    assert_eq!(set.profile("a").unwrap().get("x"), Some("1"));
    assert_eq!(set.profile("a").unwrap().get("region"), Some("r"));
    assert_eq!(set.profile("b").unwrap().get("x"), Some("0"));
    assert_eq!(set.sso_session("s").unwrap().get("region"), Some("r"));
    assert_eq!(set.profile_names(), ["a", "b"]);
}

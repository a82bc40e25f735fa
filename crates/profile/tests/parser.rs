//! Parser behaviour beyond the suites: warnings and errors that name file and line, secrets
//! kept out of `Debug`, hostile input, and the file-reading errors of `load_from`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use awscred_core::fs::MemFs;
use awscred_core::{Env, ErrorKind};
use awscred_profile::{FileLocations, ProfileSet};

const CONFIG: &str = "/home/u/.aws/config";
const CREDENTIALS: &str = "/home/u/.aws/credentials";

fn config(text: &str) -> ProfileSet {
    ProfileSet::parse(Some((Path::new(CONFIG), text)), None)
}

fn both(config: &str, credentials: &str) -> ProfileSet {
    ProfileSet::parse(
        Some((Path::new(CONFIG), config)),
        Some((Path::new(CREDENTIALS), credentials)),
    )
}

#[test]
fn values_remember_file_and_line() {
    let set = both(
        "# c\n[profile a]\n\nregion = x\ns3 =\n  k = v\n",
        "[a]\n\naws_access_key_id = AKID\n",
    );
    let a = set.profile("a").unwrap();
    assert_eq!(
        a.property("region").unwrap().location().to_string(),
        format!("{CONFIG}:4")
    );
    assert_eq!(
        a.property("s3").unwrap().location().to_string(),
        format!("{CONFIG}:5")
    );
    assert_eq!(a.property("s3").unwrap().sub_property("k"), Some("v"));
    assert_eq!(
        a.property("aws_access_key_id")
            .unwrap()
            .location()
            .to_string(),
        format!("{CREDENTIALS}:3")
    );
    assert_eq!(
        a.get("AWS_Access_Key_Id"),
        Some("AKID"),
        "lookups ignore key case"
    );
}

#[test]
fn line_numbers_count_crlf_and_lone_cr_once() {
    let set = config("[profile a]\r\nx = 1\r\ry = 2\rz = 3\n");
    let a = set.profile("a").unwrap();
    assert_eq!(a.property("x").unwrap().location().line, 2);
    assert_eq!(a.property("y").unwrap().location().line, 4);
    assert_eq!(a.property("z").unwrap().location().line, 5);
}

#[test]
fn skipped_sections_warn_with_file_and_line() {
    let set = both(
        "[profile a]\nk = v\n[notaprofile]\nk = v\n[profile a b]\n",
        "[profile c]\nk = v\n",
    );
    let warnings: Vec<String> = set.warnings().iter().map(ToString::to_string).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with(&format!("{CONFIG}:3: section [notaprofile] ignored"))),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with(&format!("{CONFIG}:5: section [profile a b] ignored"))),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with(&format!("{CREDENTIALS}:1:")) && w.contains("`profile c`")),
        "{warnings:?}"
    );
    assert!(set.errors().is_empty());
}

#[test]
fn the_cli_refusing_a_file_reads_it_leniently_with_a_warning() {
    let set = config("[profile a]\nx = 1\n[profile a]\nx = 2 # comment\n");
    assert_eq!(set.profile("a").unwrap().get("x"), Some("2"));
    let warning = &set.warnings()[0];
    assert_eq!(warning.location.line, 3);
    assert!(
        warning.message.contains("the AWS CLI refuses this file"),
        "{warning}"
    );
    assert!(
        warning.message.contains("[profile a] is defined twice"),
        "{warning}"
    );
}

#[test]
fn lines_both_grammars_reject_are_errors_naming_file_and_line() {
    let text =
        "[profile a]\nregion = x\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n[profile b]\nk = v\n";
    let set = config(text);
    assert_eq!(
        set.profile("a").unwrap().get("region"),
        Some("x"),
        "parse() keeps what it can"
    );
    assert_eq!(set.profile("b").unwrap().get("k"), Some("v"));
    assert_eq!(set.errors().len(), 1);
    let err = ProfileSet::try_parse(Some((Path::new(CONFIG), text)), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    let message = err.to_string();
    assert!(
        message.contains(&format!(
            "Unable to parse config file: {CONFIG}:3: Expected an '=' sign"
        )),
        "{message}"
    );
    assert!(
        !message.contains("wJalr"),
        "the offending line may be a secret: {message}"
    );
}

#[test]
fn several_errors_are_counted() {
    let err = ProfileSet::try_parse(
        Some((Path::new(CONFIG), "a = 1\nb = 2\n[profile x\n")),
        None,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains(":1: Expected a profile definition (and 2 more problems)"),
        "{err}"
    );
}

#[test]
fn debug_output_never_contains_values() {
    let set = both(
        "[profile a]\naws_secret_access_key = SECRETCONFIG\n",
        "[a]\naws_secret_access_key = SECRETCREDS\naws_session_token = TOKENVALUE\n[b]\nx = 1\nx = SECRETDUP\n",
    );
    for rendered in [
        format!("{set:?}"),
        format!("{:?}", set.profile("a").unwrap()),
        format!(
            "{:#?}",
            set.profile("a")
                .unwrap()
                .property("aws_session_token")
                .unwrap()
        ),
        set.warnings()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    ] {
        for secret in ["SECRETCONFIG", "SECRETCREDS", "TOKENVALUE", "SECRETDUP"] {
            assert!(!rendered.contains(secret), "{secret} leaked: {rendered}");
        }
    }
}

#[test]
fn huge_files_parse_in_one_pass() {
    let mut text = String::with_capacity(12 << 20);
    for i in 0..100_000 {
        text.push_str(&format!(
            "[profile p{i}]\nregion = us-east-{i}\naws_access_key_id = AKID{i}\n\n"
        ));
    }
    text.push_str("[profile long]\nk = ");
    text.push_str(&"v".repeat(4 << 20));
    let set = config(&text);
    assert_eq!(set.profile_names().len(), 100_001);
    assert_eq!(
        set.profile("p99999").unwrap().get("region"),
        Some("us-east-99999")
    );
    assert_eq!(
        set.profile("long").unwrap().get("k").unwrap().len(),
        4 << 20
    );
}

#[test]
fn hostile_input_never_panics() {
    // A small deterministic generator over the characters that matter to the grammar.
    let alphabet: Vec<char> =
        "[]=:#;'\"\\ \t\r\n\u{feff}\u{a0}\u{2028}\x0c\x1cprofile default sso-session services DEFAULT aé😂"
            .chars()
            .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3_000 {
        let len = (next() % 120) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let split = text
            .char_indices()
            .nth((next() % (len as u64 + 1)) as usize)
            .map_or(text.len(), |(i, _)| i);
        let (a, b) = text.split_at(split);
        let set = both(a, b);
        let lines = |t: &str| t.matches('\n').count() + t.matches('\r').count() + 1;
        for name in set.profile_names() {
            for (_, p) in set.profile(name).unwrap().properties() {
                let max = if &*p.location().file == Path::new(CONFIG) {
                    lines(a)
                } else {
                    lines(b)
                };
                assert!(p.location().line as usize <= max, "{text:?}");
            }
        }
        assert_eq!(
            ProfileSet::try_parse(
                Some((Path::new(CONFIG), a)),
                Some((Path::new(CREDENTIALS), b))
            )
            .is_err(),
            !set.errors().is_empty()
        );
    }
}

/// How a default file path shows in messages: the CLI joins the home directory, `.aws` and the
/// file name with the platform's separator (`\` on Windows).
fn shown(path: &str) -> String {
    if cfg!(windows) {
        path.replacen("/.aws/", "\\.aws\\", 1)
    } else {
        path.to_owned()
    }
}

#[test]
fn invalid_utf8_is_an_error_naming_file_and_line() {
    let fs =
        MemFs::default().with_file(CONFIG, b"[profile a]\nregion = x\nk = \xff\xfe\n".to_vec());
    let env = Env::from_vars([(awscred_testkit::HOME_VAR, "/home/u")]).with_fs(Arc::new(fs));
    let err = ProfileSet::load(&env).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfiguration);
    assert!(
        err.to_string().contains(&format!("{}:3", shown(CONFIG))),
        "{err}"
    );
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
}

#[test]
fn unreadable_file_is_an_error_naming_it() {
    let dir = awscred_testkit::TempDir::new("profile-unreadable");
    // A directory where the file should be: reading it fails with something other than NotFound.
    let path = dir.path().join("config");
    std::fs::create_dir(&path).unwrap();
    let files = FileLocations::new(Some(path.clone()), None);
    let err = ProfileSet::load_from(
        &Env::from_vars([(awscred_testkit::HOME_VAR, "/nonexistent")]),
        &files,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[test]
fn missing_files_are_empty() {
    let env = Env::from_vars([(awscred_testkit::HOME_VAR, "/home/u")])
        .with_fs(Arc::new(MemFs::default()));
    let set = ProfileSet::load(&env).unwrap();
    assert!(set.profile_names().is_empty());
    assert_eq!(set.config_file(), Some(PathBuf::from(CONFIG).as_path()));
}

#[test]
fn load_fails_like_the_cli_on_a_broken_file() {
    let fs = MemFs::default().with_file(CREDENTIALS, "aws_access_key_id = AKID\n");
    let env = Env::from_vars([(awscred_testkit::HOME_VAR, "/home/u")]).with_fs(Arc::new(fs));
    let err = ProfileSet::load(&env).unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "{}:1: Expected a profile definition",
            shown(CREDENTIALS)
        )),
        "{err}"
    );
}

#[test]
fn default_section_is_inherited_as_in_the_cli() {
    let set = config("[DEFAULT]\nregion = base\n[profile a]\n[profile b]\nregion = own\n");
    assert_eq!(set.profile("a").unwrap().get("region"), Some("base"));
    assert_eq!(set.profile("b").unwrap().get("region"), Some("own"));
    assert!(set.profile("DEFAULT").is_none());
}

#[test]
fn quoted_and_odd_headers_name_profiles_as_the_cli_does() {
    let set = config("[profile 'my dev']\na = 1\n[profiles x]\nb = 2\n[profilex]\nc = 3\n");
    assert_eq!(set.profile("my dev").unwrap().get("a"), Some("1"));
    assert_eq!(set.profile("x").unwrap().get("b"), Some("2"));
    assert_eq!(set.profile_names(), ["my dev", "x"]);
    assert!(
        set.warnings()
            .iter()
            .any(|w| w.message.contains("[profiles x] is read as [profile x]"))
    );
}

#[test]
fn a_profile_set_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync + 'static>(_: &T) {}
    let set = config("[profile a]\nk = v\n");
    shareable(&set);
    let shared = Arc::new(set);
    let other = Arc::clone(&shared);
    let value = std::thread::spawn(move || other.profile("a").unwrap().get("k").map(str::to_owned))
        .join()
        .unwrap();
    assert_eq!(value.as_deref(), Some("v"));
}

use awscred_core::fs::ReadLimit;
use std::path::Path;

use awscred_core::fs::{Fs, MemFs};
use serde_json::Value as Json;

use super::*;

/// The CLI v2's `ConfigFileWriter` answers, recorded by `tests/record_writer_fixtures.py`.
const CLI_V2: &str = include_str!("../../tests/fixtures/writer_cliv2.json");

fn update_from(case: &Json) -> SectionUpdate {
    let mut update = SectionUpdate::new(case["section"].as_str().unwrap());
    for pair in case["values"].as_array().unwrap() {
        let key = pair[0].as_str().unwrap();
        update = match &pair[1] {
            Json::String(v) => update.set(key, v),
            Json::Null => update.remove(key),
            Json::Array(subs) => subs.iter().fold(update, |u, sub| {
                u.set_nested(key, sub[0].as_str().unwrap(), sub[1].as_str().unwrap())
            }),
            other => panic!("unexpected value {other}"),
        };
    }
    update
}

/// The CLI reads with universal newlines and writes `\n`: its bytes are ours with every line
/// terminator made `\n`.
fn universal(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Cases where the CLI fails (`UnboundLocalError`) or glues a new line onto a line without
/// its terminator; `docs/conformance.md` lists them. Our answer for each.
fn deviation(before: &str) -> Option<&'static str> {
    Some(match before {
        "[default]\ns3 =\n\n[x]\n" => "[default]\ns3 =\n    a = 1\n\n[x]\n",
        "[default]\ns3 =\n" => "[default]\ns3 =\n    a = 1\n",
        "[default]\ns3 =\n    a = 1" => "[default]\ns3 =\n    a = 1\n    b = 2\n",
        "[default]\nregion = a\n# trailing" => {
            "[default]\nregion = a\n# trailing\noutput = json\n\n"
        }
        _ => return None,
    })
}

#[test]
fn edits_as_the_cli_v2_writer_does() {
    let cases: Vec<Json> = serde_json::from_str(CLI_V2).unwrap();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    for case in &cases {
        let before = case["before"].as_str();
        let update = update_from(case);
        let label = format!("{before:?} {}", case["values"]);
        if let Some(error) = case["error"].as_str() {
            match error.strip_prefix("ValueError: ") {
                Some(message) => {
                    assert_eq!(
                        update.validate().unwrap_err().to_string(),
                        message,
                        "{label}"
                    )
                }
                None => {
                    let expected = deviation(before.unwrap()).expect(&label);
                    assert_eq!(apply(before, &update), expected, "{label}");
                }
            }
            continue;
        }
        update.validate().unwrap();
        let ours = apply(before, &update);
        let cli = case["after"].as_str().unwrap();
        if let Some(expected) = before.and_then(deviation) {
            assert_ne!(universal(&ours), cli, "{label}: no longer a deviation");
            assert_eq!(ours, expected, "{label}");
            continue;
        }
        assert_eq!(universal(&ours), universal(cli), "{label}");
        let before = before.unwrap_or("");
        if !before.contains('\r') {
            assert_eq!(ours, cli, "{label}");
        } else if !before.replace("\r\n", "").contains('\n') && before.contains("\r\n") {
            // A CRLF file stays CRLF, new lines included.
            assert!(
                !ours.replace("\r\n", "").contains('\n'),
                "{label}: {ours:?}"
            );
            assert!(ours.starts_with(&before[..before.find('\r').unwrap()]));
        }
    }
}

#[test]
fn section_names_as_the_cli_builds_them() {
    assert_eq!(profile_section("default"), "default");
    assert_eq!(profile_section("dev"), "profile dev");
    assert_eq!(profile_section("my dev"), "profile 'my dev'");
    assert_eq!(profile_section("it's\tx"), "profile 'it'\"'\"'s\tx'");
    assert_eq!(section_header("sso-session", "corp"), "sso-session corp");
}

#[test]
fn later_calls_replace_earlier_ones_in_place() {
    let update = SectionUpdate::new("default")
        .set("a", "1")
        .set_nested("s3", "x", "1")
        .set("b", "2")
        .set("a", "3")
        .set_nested("s3", "y", "2")
        .set_nested("s3", "x", "4");
    assert_eq!(
        apply(None, &update),
        "[default]\na = 3\ns3 =\n    x = 4\n    y = 2\nb = 2\n"
    );
}

const CONFIG: &str = "/home/u/.aws/config";

fn file(fs: &MemFs) -> String {
    String::from_utf8(fs.read(Path::new(CONFIG), ReadLimit::CONFIG).unwrap()).unwrap()
}

#[test]
fn refuses_a_file_it_cannot_parse_and_leaves_it_alone() {
    for text in [
        "region = x\n[default]\n",
        "[default]\nno equals sign\n",
        "[default]\na = 1\n[default]\nb = 2\n",
        "[default]\na = 1\na = 2\n",
    ] {
        let fs = MemFs::default().with_file(CONFIG, text);
        let path = Path::new(CONFIG);
        let update = SectionUpdate::new("default").set("region", "y");
        let err = update_config(&fs, path, &update).unwrap_err().to_string();
        assert!(
            err.starts_with("Unable to parse config file: /home/u/.aws/config:"),
            "{err}"
        );
        assert!(
            err.split(':').nth(2).unwrap().parse::<u32>().is_ok(),
            "{err}"
        );
        assert!(remove_section(&fs, path, "default").is_err());
        assert!(remove_keys(&fs, path, "default", &["a"]).is_err());
        assert_eq!(file(&fs), text);
    }
    let fs = MemFs::default().with_file(CONFIG, b"[default]\nk = \xff\n".to_vec());
    let err = update_config(
        &fs,
        Path::new(CONFIG),
        &SectionUpdate::new("default").set("k", "v"),
    );
    assert!(
        err.unwrap_err()
            .to_string()
            .contains("config:2: the file is not valid UTF-8")
    );
}

#[test]
fn value_errors_never_quote_the_value() {
    let update = SectionUpdate::new("default").set_nested("s3", "k", "secret\nvalue");
    let err = update.validate().unwrap_err().to_string();
    assert!(!err.contains("secret"), "{err}");
    let fs = MemFs::default();
    assert!(update_config(&fs, Path::new(CONFIG), &update).is_err());
    assert!(fs.snapshot().is_empty(), "nothing written");
}

#[test]
fn removes_sections_keeping_the_next_sections_comments() {
    let text = "# top\n[default]\na = 1\n\n[profile x]\nk = v\n\n# about y\n[profile y]\nk = w\n";
    let fs = MemFs::default().with_file(CONFIG, text);
    let path = Path::new(CONFIG);
    assert!(remove_section(&fs, path, "profile x").unwrap());
    assert_eq!(
        file(&fs),
        "# top\n[default]\na = 1\n\n# about y\n[profile y]\nk = w\n"
    );
    assert!(!remove_section(&fs, path, "profile x").unwrap());
    assert!(remove_section(&fs, path, "profile y").unwrap());
    assert!(remove_section(&fs, path, "default").unwrap());
    assert_eq!(file(&fs), "# top\n");
    let missing = Path::new("/home/u/.aws/credentials");
    assert!(!remove_section(&fs, missing, "default").unwrap());
    assert!(
        fs.read(missing, ReadLimit::CONFIG).is_err(),
        "a missing file is not created"
    );
}

#[test]
fn removes_keys_with_their_sub_properties_keeping_crlf() {
    let text = "[default]\r\nregion = a\r\n# region = old\r\ns3 =\r\n    a = 1\r\n    b = 2\r\n\r\noutput = json\r\n[x]\r\nregion = b\r\n";
    let fs = MemFs::default().with_file(CONFIG, text);
    let path = Path::new(CONFIG);
    assert!(remove_keys(&fs, path, "default", &["region", "s3"]).unwrap());
    assert_eq!(
        file(&fs),
        "[default]\r\n# region = old\r\n\r\noutput = json\r\n[x]\r\nregion = b\r\n"
    );
    assert!(!remove_keys(&fs, path, "default", &["region"]).unwrap());
    assert!(!remove_keys(&fs, path, "nope", &["output"]).unwrap());
}

#[test]
fn writes_real_files_private_and_atomically() {
    let dir = std::env::temp_dir().join(format!("awscred-writer-{}", std::process::id()));
    let path = dir.join("nested/.aws/credentials");
    let update = SectionUpdate::new("default").set("aws_access_key_id", "AKID");
    update_config(&awscred_core::fs::RealFs, &path, &update).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "[default]\naws_access_key_id = AKID\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file left behind");
    assert!(update_config(&awscred_core::fs::RealFs, &dir, &update).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn many_updates_in_one_write_are_the_same_as_one_by_one() {
    let text = "# mine\n[default]\nregion = a\n";
    let updates = [
        SectionUpdate::new("profile x").set("sso_session", "corp"),
        SectionUpdate::new("default").set("output", "json"),
        SectionUpdate::new("profile x").set("region", "b"),
    ];
    let (one, many) = (
        MemFs::default().with_file(CONFIG, text),
        MemFs::default().with_file(CONFIG, text),
    );
    for update in &updates {
        update_config(&one, Path::new(CONFIG), update).unwrap();
    }
    update_config_many(&many, Path::new(CONFIG), &updates).unwrap();
    assert_eq!(file(&one), file(&many));
    assert_eq!(
        file(&many),
        "# mine\n[default]\nregion = a\noutput = json\n[profile x]\nsso_session = corp\nregion = b\n"
    );
    let refused = [
        SectionUpdate::new("default").set("a", "1"),
        SectionUpdate::new("default").set("b", "2\n"),
    ];
    assert!(update_config_many(&many, Path::new(CONFIG), &refused).is_err());
    assert!(
        !file(&many).contains("a = 1"),
        "nothing written when one is refused"
    );
    let fresh = MemFs::default();
    update_config_many(&fresh, Path::new(CONFIG), &updates[..1]).unwrap();
    assert_eq!(file(&fresh), "[profile x]\nsso_session = corp\n");
}

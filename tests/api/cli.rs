//! The binary as an operator meets it: usage, version, and start-up refusing bad settings.

use crate::common::binary;

#[test]
fn version_and_help_answer_and_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    let version = binary::command(dir.path())
        .arg("--version")
        .output()
        .unwrap();
    assert!(version.status.success());
    let text = String::from_utf8(version.stdout).unwrap();
    assert_eq!(text.trim(), format!("attune {}", env!("CARGO_PKG_VERSION")));

    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
    ] {
        let out = binary::command(dir.path()).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Usage: attune"), "{args:?}: {text}");
    }
    let help = binary::command(dir.path()).arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("serve") && help.contains("migrate"), "{help}");
}

#[test]
fn an_unknown_command_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = binary::command(dir.path())
        .arg("frobnicate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn each_bad_setting_stops_start_up_with_one_line_naming_it_and_status_2() {
    let cases = [
        ("ATTUNE_BIND", "not-an-address"),
        ("ATTUNE_TIMEZONE", "Mars/Olympus_Mons"),
        ("ATTUNE_PUBLIC_URL", "booking.example.org"),
        ("DATABASE_URL", "mysql://localhost/attune"),
        ("ATTUNE_LOG", "info,,[[["),
        ("ATTUNE_LOG_FORMAT", "xml"),
        ("ATTUNE_PRACTITIONER_EMAIL", "nobody"),
        ("ATTUNE_SHUTDOWN_TIMEOUT", "0"),
    ];
    for (var, value) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = binary::command(dir.path())
            .env(var, value)
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}={value}: {stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{var}={value}: {stderr}");
        assert!(lines[0].contains(var), "{var}={value}: {stderr}");
        assert!(!stderr.contains("backtrace") && !stderr.contains("panicked"));
        // Nothing was started: no database file appeared.
        assert!(!dir.path().join("attune.db").exists(), "{var}={value}");
    }
}

#[test]
fn a_broken_dotenv_file_is_reported_and_a_good_one_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "ATTUNE_TIMEZONE=Nowhere/Land\n").unwrap();
    let out = binary::command(dir.path()).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ATTUNE_TIMEZONE"), "{stderr}");

    // An unterminated quote swallows the rest of the file; the message must not repeat it.
    std::fs::write(
        dir.path().join(".env"),
        "ATTUNE_TIMEZONE=UTC\nATTUNE_BIND='unterminated\nDATABASE_URL=postgres://u:hunter2@db/a\n",
    )
    .unwrap();
    let out = binary::command(dir.path()).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(".env") && stderr.contains("line 2"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2") && !stderr.contains("unterminated"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_database_fails_start_up_with_status_1_and_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    // A SQLite file in a directory that does not exist cannot be created; waiting won't help.
    let out = binary::command(dir.path())
        .env(
            "DATABASE_URL",
            "sqlite:///nonexistent-dir/attune.db?mode=rwc",
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("connecting to the database"), "{stderr}");
}

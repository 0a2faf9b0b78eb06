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
        ("ATTUNE_MAIL_TRANSPORT", "pigeon"),
        ("ATTUNE_MAIL_FROM", "not an address"),
        ("ATTUNE_MAIL_REPLY_TO", "@"),
        ("ATTUNE_MAIL_MAX_ATTEMPTS", "0"),
        ("ATTUNE_TEMPLATES_DIR", "/no/such/directory"),
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

#[tokio::test]
async fn a_data_key_is_required_on_postgres_and_made_beside_an_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = binary::command(dir.path())
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("ATTUNE_DATA_KEY") && stderr.contains("attune keys generate"),
        "{stderr}"
    );

    let generated = binary::command(dir.path())
        .args(["keys", "generate"])
        .output()
        .unwrap();
    let key = String::from_utf8(generated.stdout).unwrap();
    assert!(attune::crypto::DataKey::parse(key.trim()).is_ok(), "{key}");

    // On SQLite, the first start makes a private key file beside the database and says so.
    let mut cmd = binary::command(dir.path());
    cmd.env("ATTUNE_BIND", "127.0.0.1:0");
    let mut running = binary::Running::start(cmd);
    let warning = running.wait_for_line(
        "generated a new data key",
        std::time::Duration::from_secs(60),
    );
    assert!(warning.contains("attune.key"), "{warning}");
    running.wait_for_line("Attune is listening", std::time::Duration::from_secs(60));
    running.signal("TERM");
    running.wait_exit(std::time::Duration::from_secs(30));
    let file = dir.path().join("attune.key");
    assert!(attune::crypto::DataKey::parse(&std::fs::read_to_string(&file).unwrap()).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
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
        .env(
            "ATTUNE_DATA_KEY",
            attune::crypto::DataKey::generate().to_base64(),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("connecting to the database"), "{stderr}");
}

/// Runs `attune` with `args` on `db`, feeding `stdin`; returns (status, stdout, stderr).
fn run_admin(
    db: &crate::common::TestDatabase,
    args: &[&str],
    stdin: &str,
) -> (Option<i32>, String, String) {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = binary::command(dir.path())
        .args(args)
        .envs(db.env())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test]
async fn the_first_owner_is_created_listed_and_reset_from_the_command_line() {
    let db = std::sync::Arc::new(crate::common::TestDatabase::create().await);
    let create = [
        "admin",
        "create",
        "--email",
        "Emily@Example.org",
        "--name",
        "Emily DiPalma",
        "--password-stdin",
    ];
    let (code, out, err) = run_admin(&db, &create, "vermilion kettle over the moor\n");
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("created emily@example.org (Emily DiPalma) as owner"),
        "{out}"
    );

    // The same email again, a weak password, a bad email: usage errors, status 2.
    let (code, _, err) = run_admin(&db, &create, "another long passphrase\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("already an account"), "{err}");
    let weak = [
        "admin",
        "create",
        "--email",
        "b@example.org",
        "--name",
        "B",
        "--password-stdin",
    ];
    let (code, _, err) = run_admin(&db, &weak, "password1234\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the password is too common"), "{err}");
    let bad = [
        "admin",
        "create",
        "--email",
        "nope",
        "--name",
        "B",
        "--role",
        "assistant",
        "--password-stdin",
    ];
    assert_eq!(
        run_admin(&db, &bad, "vermilion kettle over the moor\n").0,
        Some(2)
    );
    // No terminal and no --password-stdin: told how to do it.
    let (code, _, err) = run_admin(
        &db,
        &["admin", "create", "--email", "c@example.org", "--name", "C"],
        "",
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("--password-stdin"), "{err}");

    let (code, out, _) = run_admin(&db, &["admin", "list"], "");
    assert_eq!(code, Some(0));
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{out}");
    assert!(
        rows[0].contains("emily@example.org")
            && rows[0].contains("owner")
            && rows[0].contains("active")
    );

    // The account signs in to the server; a reset ends that session.
    let app = crate::common::TestApp::builder()
        .database(db.clone())
        .spawn()
        .await;
    let session = app
        .login(&crate::common::staff::Account {
            id: uuid::Uuid::nil(),
            email: "emily@example.org".into(),
            password: "vermilion kettle over the moor".into(),
        })
        .await;
    let token = crate::common::Caller::Bearer(
        app.create_token(&session, serde_json::json!({"name": "t"}))
            .await["token"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let reset = [
        "admin",
        "reset-password",
        "--email",
        "EMILY@example.org",
        "--password-stdin",
    ];
    let (code, out, err) = run_admin(&db, &reset, "tide pool lantern forty\n");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("set a new password"), "{out}");
    // A reset is the answer to a compromised account: sessions and tokens end.
    app.assert_signed_out(&session).await;
    app.assert_signed_out(&token).await;
    let fresh = app
        .login(&crate::common::staff::Account {
            id: uuid::Uuid::nil(),
            email: "emily@example.org".into(),
            password: "tide pool lantern forty".into(),
        })
        .await;
    let resets = app.audit_events(&fresh, "auth.password_reset").await;
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0]["actor"]["kind"], "system");
    assert_eq!(resets[0]["details"]["tokens_revoked"], 1);
    let (code, _, err) = run_admin(
        &db,
        &[
            "admin",
            "reset-password",
            "--email",
            "ghost@example.org",
            "--password-stdin",
        ],
        "x\n",
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("no account"), "{err}");
}

#[tokio::test]
async fn a_start_without_staff_says_how_to_create_the_first_owner() {
    let db = crate::common::TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = binary::command(dir.path());
    cmd.envs(db.env()).env("ATTUNE_BIND", "127.0.0.1:0");
    let mut running = binary::Running::start(cmd);
    let line = running.wait_for_line(
        "no staff account exists yet",
        std::time::Duration::from_secs(60),
    );
    assert!(line.contains("attune admin create --email"), "{line}");
    running.signal("TERM");
    running.wait_exit(std::time::Duration::from_secs(30));
}

#[tokio::test]
async fn admin_email_and_password_settings_create_the_first_owner_once() {
    use reqwest::StatusCode;

    let app = crate::common::TestApp::builder()
        .configure(|c| {
            c.auth.bootstrap_admin = Some(attune::config::BootstrapAdmin {
                email: attune::types::EmailAddress::parse("boot@example.org").unwrap(),
                name: "Boot Owner".into(),
                password: "vermilion kettle over the moor".into(),
            })
        })
        .spawn()
        .await;
    let body = crate::common::assert_status(
        app.try_login("boot@example.org", "vermilion kettle over the moor")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["user"]["role"], "owner");
    // A restart with the settings still present changes nothing.
    let app = app
        .restart(|c| {
            c.auth.bootstrap_admin = Some(attune::config::BootstrapAdmin {
                email: attune::types::EmailAddress::parse("boot@example.org").unwrap(),
                name: "Boot Owner".into(),
                password: "a different passphrase now".into(),
            })
        })
        .await;
    crate::common::assert_status(
        app.try_login("boot@example.org", "vermilion kettle over the moor")
            .await,
        StatusCode::OK,
    )
    .await;
}

#[test]
fn a_broken_template_stops_start_up_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    let file = templates.join("email/reminder/body.txt.hbs");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        "Hello {{recipient.first_name}},\n{{#if appointment.when}}\nno end\n",
    )
    .unwrap();
    let out = binary::command(dir.path())
        .env("ATTUNE_TEMPLATES_DIR", &templates)
        .env("ATTUNE_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains(&file.display().to_string()) && last.contains("line "),
        "{stderr}"
    );
    // Refused before anything was started.
    assert!(!dir.path().join("attune.db").exists());
}

#[tokio::test]
async fn the_worker_command_sends_what_is_queued_and_stops_on_sigterm() {
    let db = std::sync::Arc::new(crate::common::TestDatabase::create().await);
    let key = attune::crypto::DataKey::generate();
    let encoded = key.to_base64();
    let app = crate::common::TestApp::builder()
        .database(db.clone())
        .configure(move |c| c.data_key = attune::config::DataKeySource::Key(Box::new(key)))
        .spawn()
        .await;
    let now = chrono::Utc::now();
    for i in 0..3 {
        crate::common::smtp::queue_plain(
            &app.state,
            attune::mail::Kind::NewBooking,
            &format!("p{i}@example.org"),
            &format!("worker-cli:{i}"),
            "text",
            now,
        )
        .await;
    }
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("outgoing");
    let mut cmd = binary::command(dir.path());
    cmd.arg("worker")
        .envs(db.env())
        .env("ATTUNE_DATA_KEY", &encoded)
        .env("ATTUNE_MAIL_TRANSPORT", "file")
        .env("ATTUNE_MAIL_DIR", &mail);
    let mut running = binary::Running::start(cmd);
    running.wait_for_line("sending queued email", std::time::Duration::from_secs(60));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let count = || {
        std::fs::read_dir(&mail)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .count()
            })
            .unwrap_or(0)
    };
    while count() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(count(), 3);
    running.signal("TERM");
    let status = running.wait_exit(std::time::Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
    // It served no HTTP: nothing said it was listening.
    assert!(!running.drain().iter().any(|l| l.contains("listening")));
}

#[tokio::test]
async fn keys_rotate_re_encrypts_under_the_new_key_and_says_how_much() {
    let db = std::sync::Arc::new(crate::common::TestDatabase::create().await);
    let old = attune::crypto::DataKey::generate();
    let old_encoded = old.to_base64();
    let app = crate::common::TestApp::builder()
        .database(db.clone())
        .clock(attune::clock::Clock::manual(
            crate::common::scheduling::monday_morning(),
        ))
        .configure(move |c| c.data_key = attune::config::DataKeySource::Key(Box::new(old)))
        .spawn()
        .await;
    app.book_ok(&crate::common::scheduling::couple_booking(
        "2026-12-08T14:00:00Z",
    ))
    .await;
    app.stop().await;
    let new = attune::crypto::DataKey::generate().to_base64();
    let dir = tempfile::tempdir().unwrap();
    let run = |previous: &str| {
        binary::command(dir.path())
            .args(["keys", "rotate"])
            .envs(db.env())
            .env("ATTUNE_DATA_KEY", &new)
            .env("ATTUNE_DATA_KEYS_PREVIOUS", previous)
            .output()
            .unwrap()
    };
    let out = run(&old_encoded);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("appointments.message_sealed"), "{stdout}");
    assert!(!stdout.contains("\n0 values"), "{stdout}");
    // Again, without the old key: nothing is left under it.
    let out = run("");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("0 values re-encrypted"), "{stdout}");
}

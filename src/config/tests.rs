//! Settings read from a map of variables, as the environment would give them.

use super::*;
use std::collections::HashMap;

fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn an_empty_environment_gives_the_documented_defaults() {
    let c = parse(&[]).unwrap();
    assert_eq!(c.database_url.expose(), "sqlite://attune.db?mode=rwc");
    assert_eq!(c.database_url.backend(), Backend::Sqlite);
    assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
    assert!(c.public_url.is_none());
    assert_eq!(c.time_zone, TimeZone::UTC);
    assert!(!c.time_zone_explicit);
    assert_eq!(c.log_filter, "info,sqlx=warn");
    assert_eq!(c.log_format, LogFormat::Pretty);
    assert_eq!(c.shutdown_timeout, Duration::from_secs(20));
    assert_eq!(c.seed.practice_name, "My Practice");
    assert_eq!(
        c.seed.practitioner_email.as_str(),
        "practitioner@example.org"
    );
}

#[test]
fn blank_values_count_as_unset() {
    let c = parse(&[("ATTUNE_BIND", "  "), ("ATTUNE_PUBLIC_URL", "")]).unwrap();
    assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
    assert!(c.public_url.is_none());
}

#[test]
fn good_values_are_taken() {
    let c = parse(&[
        ("DATABASE_URL", "postgres://attune:secret@db:5432/attune"),
        ("ATTUNE_BIND", "0.0.0.0:9000"),
        ("ATTUNE_PUBLIC_URL", "https://book.example.org/"),
        ("ATTUNE_TIMEZONE", "America/New_York"),
        ("ATTUNE_LOG", "attune=debug,info"),
        ("ATTUNE_LOG_FORMAT", "json"),
    ])
    .unwrap();
    assert_eq!(c.database_url.backend(), Backend::Postgres);
    assert_eq!(c.bind.port(), 9000);
    assert_eq!(c.public_url.unwrap().as_str(), "https://book.example.org/");
    assert_eq!(c.time_zone.name(), "America/New_York");
    assert!(c.time_zone_explicit);
    assert_eq!(c.log_format, LogFormat::Json);
}

#[test]
fn each_bad_value_names_its_variable() {
    let cases = [
        ("DATABASE_URL", "mysql://localhost/attune"),
        ("DATABASE_URL", "postgres://host:notaport/db"),
        ("ATTUNE_BIND", "localhost"),
        ("ATTUNE_BIND", "127.0.0.1:99999"),
        ("ATTUNE_PUBLIC_URL", "book.example.org"),
        ("ATTUNE_PUBLIC_URL", "ftp://example.org"),
        ("ATTUNE_PUBLIC_URL", "https://example.org/?a=b"),
        ("ATTUNE_PUBLIC_URL", "https://example.org/attune"),
        ("ATTUNE_TIMEZONE", "Mars/Olympus_Mons"),
        ("ATTUNE_LOG", "info,[[["),
        ("ATTUNE_LOG_FORMAT", "xml"),
        ("ATTUNE_SHUTDOWN_TIMEOUT", "soon"),
        ("ATTUNE_PRACTITIONER_EMAIL", "not-an-email"),
        ("ATTUNE_PRACTICE_EMAIL", "a@b"),
        ("ATTUNE_PRACTICE_NAME", "line\nbreak"),
        ("ATTUNE_SESSION_IDLE_TIMEOUT", "12 hours"),
        ("ATTUNE_SESSION_MAX_AGE", "0d"),
        ("ATTUNE_LOGIN_RATE_LIMIT", "ten/15m"),
        ("ATTUNE_PUBLIC_RATE_LIMIT", "100"),
        ("ATTUNE_LOCKOUT_THRESHOLD", "0"),
        ("ATTUNE_LOCKOUT_DURATION", "5y"),
        ("ATTUNE_TRUST_PROXY", "maybe"),
        ("ATTUNE_DATA_KEY", "c2hvcnQ="),
        ("ATTUNE_DATA_KEYS_PREVIOUS", "nonsense!"),
        ("ATTUNE_FEED_PAST_DAYS", "-1"),
        ("ATTUNE_BUSY_REFRESH", "often"),
        ("ATTUNE_BUSY_FETCH_TIMEOUT", "0s"),
        ("ATTUNE_BUSY_ALLOW_PRIVATE", "sometimes"),
        ("ATTUNE_MAIL_TRANSPORT", "pigeon"),
        ("ATTUNE_MAIL_FROM", "not an address"),
        ("ATTUNE_MAIL_REPLY_TO", "a@"),
        ("ATTUNE_MAIL_MAX_ATTEMPTS", "0"),
        ("ATTUNE_SMTP_TIMEOUT", "forever"),
        ("ATTUNE_TEMPLATES_DIR", "/no/such/directory"),
        ("ATTUNE_CARD_PROCESSOR", "stripe"),
    ];
    for (var, value) in cases {
        let err = parse(&[(var, value)]).expect_err(&format!("{var}={value:?} was accepted"));
        assert_eq!(err.var, var, "{var}={value:?}: {err}");
        assert!(!err.to_string().contains('\n'), "{err}");
    }
}

#[test]
fn auth_settings_default_to_the_documented_values_and_parse_overrides() {
    let c = parse(&[]).unwrap().auth;
    assert_eq!(c.session_idle, Duration::from_secs(12 * 3600));
    assert_eq!(c.session_max_age, Duration::from_secs(7 * 86_400));
    assert_eq!(
        c.login_limit,
        RateLimit {
            max: 10,
            window: Duration::from_secs(900)
        }
    );
    assert_eq!(c.lockout_threshold, 10);
    assert!(!c.trust_proxy);
    assert!(c.bootstrap_admin.is_none());

    let c = parse(&[
        ("ATTUNE_SESSION_IDLE_TIMEOUT", "30m"),
        ("ATTUNE_PUBLIC_RATE_LIMIT", "5/10s"),
        ("ATTUNE_TRUST_PROXY", "true"),
        ("ATTUNE_ADMIN_EMAIL", "Owner@Example.org"),
        ("ATTUNE_ADMIN_PASSWORD", "a long enough password"),
    ])
    .unwrap()
    .auth;
    assert_eq!(c.session_idle, Duration::from_secs(1800));
    assert_eq!(
        c.public_limit,
        RateLimit {
            max: 5,
            window: Duration::from_secs(10)
        }
    );
    assert!(c.trust_proxy);
    let admin = c.bootstrap_admin.unwrap();
    assert_eq!(admin.name, "Owner");
    assert!(!format!("{admin:?}").contains("long enough"));

    // One without the other names the one that is missing.
    let alone = parse(&[("ATTUNE_ADMIN_EMAIL", "owner@example.org")]).unwrap_err();
    assert_eq!(alone.var, "ATTUNE_ADMIN_PASSWORD");
    let alone = parse(&[("ATTUNE_ADMIN_PASSWORD", "secret words here")]).unwrap_err();
    assert_eq!(alone.var, "ATTUNE_ADMIN_EMAIL");
    assert!(!alone.to_string().contains("secret"));
}

#[test]
fn mail_settings_default_to_files_and_check_the_smtp_url() {
    let c = parse(&[]).unwrap().mail;
    assert!(
        matches!(&c.transport, MailTransport::File(dir) if dir == std::path::Path::new("mail"))
    );
    assert!(c.from.is_none());
    assert_eq!(c.max_attempts, 8);
    let c = parse(&[
        ("ATTUNE_MAIL_TRANSPORT", "smtp"),
        (
            "ATTUNE_SMTP_URL",
            "smtps://user:hunter2@mail.example.org:465",
        ),
        (
            "ATTUNE_MAIL_FROM",
            "Riverbend Counseling <hello@riverbend.example>",
        ),
    ])
    .unwrap()
    .mail;
    let MailTransport::Smtp(url) = &c.transport else {
        panic!("not smtp")
    };
    assert!(!format!("{url:?} {url}").contains("hunter2"));
    assert_eq!(c.from.unwrap().email.to_string(), "hello@riverbend.example");
    // smtp without a URL names the URL; a bad URL too.
    let err = parse(&[("ATTUNE_MAIL_TRANSPORT", "smtp")]).unwrap_err();
    assert_eq!(err.var, "ATTUNE_SMTP_URL");
    let err = parse(&[
        ("ATTUNE_MAIL_TRANSPORT", "smtp"),
        ("ATTUNE_SMTP_URL", "http://mail.example.org"),
    ])
    .unwrap_err();
    assert_eq!(err.var, "ATTUNE_SMTP_URL");
    assert!(matches!(
        parse(&[("ATTUNE_MAIL_TRANSPORT", "log")])
            .unwrap()
            .mail
            .transport,
        MailTransport::Log
    ));
}

#[test]
fn calendar_settings_default_to_the_documented_values() {
    let c = parse(&[]).unwrap().calendar;
    assert_eq!(c.feed_past_days, 30);
    assert_eq!(c.busy_refresh, Duration::from_secs(900));
    assert_eq!(c.busy_fetch_timeout, Duration::from_secs(20));
    assert!(!c.busy_allow_private);
    let c = parse(&[
        ("ATTUNE_FEED_PAST_DAYS", "0"),
        ("ATTUNE_BUSY_REFRESH", "1h"),
        ("ATTUNE_BUSY_ALLOW_PRIVATE", "yes"),
    ])
    .unwrap()
    .calendar;
    assert_eq!(c.feed_past_days, 0);
    assert_eq!(c.busy_refresh, Duration::from_secs(3600));
    assert!(c.busy_allow_private);
}

#[test]
fn the_data_key_comes_from_the_environment_or_a_file_beside_sqlite() {
    let key = DataKey::generate();
    let c = parse(&[("ATTUNE_DATA_KEY", &key.to_base64())]).unwrap();
    assert!(matches!(c.data_key, DataKeySource::Key(k) if k.id() == key.id()));
    let c = parse(&[("DATABASE_URL", "sqlite:///srv/attune/attune.db?mode=rwc")]).unwrap();
    assert!(
        matches!(c.data_key, DataKeySource::File(p) if p == std::path::Path::new("/srv/attune/attune.key"))
    );
    let c = parse(&[("DATABASE_URL", "postgres://db/attune")]).unwrap();
    assert!(matches!(c.data_key, DataKeySource::Missing));
    assert_eq!(c.load_data_keys().unwrap_err().var, "ATTUNE_DATA_KEY");
}

#[test]
fn a_missing_key_file_is_created_private_and_then_reused() {
    let dir = std::env::temp_dir().join(format!("attune-key-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("attune.db");
    let c = parse(&[(
        "DATABASE_URL",
        &format!("sqlite://{}?mode=rwc", db.display()),
    )])
    .unwrap();
    let first = c.load_data_keys().unwrap();
    let again = c.load_data_keys().unwrap();
    assert_eq!(first.current().id(), again.current().id());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("attune.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::write(dir.join("attune.key"), "garbage").unwrap();
    assert_eq!(c.load_data_keys().unwrap_err().var, "ATTUNE_DATA_KEY");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_database_password_never_shows() {
    let url = DatabaseUrl::parse("postgres://attune:hunter2@db/attune").unwrap();
    assert!(!format!("{url}").contains("hunter2"));
    assert!(!format!("{url:?}").contains("hunter2"));
    assert_eq!(url.expose(), "postgres://attune:hunter2@db/attune");
    let err = DatabaseUrl::parse("postgres://attune:hunter2@db:x/attune").unwrap_err();
    assert!(!err.contains("hunter2"));
    let query =
        DatabaseUrl::parse("postgres://db/attune?user=a&password=hunter2&sslmode=require").unwrap();
    assert!(!query.redacted().contains("hunter2"), "{query}");
    assert!(query.redacted().contains("sslmode=require"));
}

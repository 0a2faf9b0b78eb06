use crate::common::{TestDatabase, binary};

#[tokio::test]
async fn applying_migrations_twice_is_a_no_op() {
    let db = TestDatabase::create().await;
    let conn = attune::db::connect(&db.url()).await.unwrap();
    attune::db::migrate(&conn).await.unwrap();
    let first = attune::db::migration_status(&conn).await.unwrap();
    assert!(!first.is_empty());
    assert!(first.iter().all(|(_, applied)| *applied), "{first:?}");

    attune::db::migrate(&conn).await.unwrap();
    assert_eq!(attune::db::migration_status(&conn).await.unwrap(), first);
}

#[tokio::test]
async fn concurrent_migrations_from_two_instances_both_succeed() {
    let db = TestDatabase::create().await;
    let a = attune::db::connect(&db.url()).await.unwrap();
    let b = attune::db::connect(&db.url()).await.unwrap();
    let (ra, rb) = tokio::join!(attune::db::migrate(&a), attune::db::migrate(&b));
    ra.unwrap();
    rb.unwrap();
    let status = attune::db::migration_status(&a).await.unwrap();
    assert!(status.iter().all(|(_, applied)| *applied));
}

#[tokio::test]
async fn attune_migrate_applies_then_reports_and_status_changes_nothing() {
    let db = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = binary::command(dir.path())
            .args(args)
            .envs(db.env())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?} failed: {stderr}\n{stdout}");
        stdout
    };

    let before = run(&["migrate", "--status"]);
    assert!(
        before.lines().any(|l| l.starts_with("pending ")),
        "{before}"
    );
    assert!(
        !before.lines().any(|l| l.starts_with("applied ")),
        "{before}"
    );

    let applied = run(&["migrate"]);
    let lines: Vec<&str> = applied
        .lines()
        .filter(|l| l.starts_with("applied "))
        .collect();
    assert!(!lines.is_empty(), "{applied}");
    assert!(!applied.contains("pending "), "{applied}");

    // Once more: nothing to do, same list.
    let again = run(&["migrate"]);
    let again: Vec<&str> = again
        .lines()
        .filter(|l| l.starts_with("applied "))
        .collect();
    assert_eq!(again, lines);
}

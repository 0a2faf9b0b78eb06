use reqwest::StatusCode;

use crate::common::{TestApp, spawn_app};

#[tokio::test]
async fn the_public_practice_shows_the_seeded_practice_and_practitioner() {
    let app = TestApp::builder()
        .configure(|c| {
            c.seed.practice_name = "Harbor Couples Counseling".into();
            c.seed.practitioner_name = "Emily DiPalma, LMFT".into();
            c.time_zone = attune::types::TimeZone::parse("America/New_York").unwrap();
        })
        .spawn()
        .await;

    let body = app
        .get_json("/api/v1/public/practice", StatusCode::OK)
        .await;
    assert_eq!(body["name"], "Harbor Couples Counseling");
    assert_eq!(body["time_zone"], "America/New_York");
    let practitioners = body["practitioners"].as_array().unwrap();
    assert_eq!(practitioners.len(), 1);
    assert_eq!(practitioners[0]["name"], "Emily DiPalma, LMFT");
    assert!(uuid::Uuid::parse_str(practitioners[0]["id"].as_str().unwrap()).is_ok());
    // Staff contact details are not public.
    assert!(practitioners[0].get("email").is_none());
    assert!(!body.to_string().contains("@"));
}

#[tokio::test]
async fn seeding_happens_once_and_a_restart_keeps_what_is_stored() {
    let app = spawn_app().await;
    let first = app
        .get_json("/api/v1/public/practice", StatusCode::OK)
        .await;

    // New settings at the second start must not create a second practitioner nor rename
    // the practice: the database is the truth once the practice exists.
    let app = app
        .restart(|c| {
            c.seed.practice_name = "Renamed".into();
            c.seed.practitioner_name = "Someone Else".into();
            c.time_zone = attune::types::TimeZone::parse("Europe/London").unwrap();
            c.time_zone_explicit = true;
        })
        .await;
    let second = app
        .get_json("/api/v1/public/practice", StatusCode::OK)
        .await;
    assert_eq!(first, second);
}

#[tokio::test]
async fn seeding_twice_at_once_creates_one_practice_and_one_practitioner() {
    use attune::first_run::{SeedOutcome, seed};
    use entity::{practice, practitioner};
    use sea_orm::{EntityTrait, PaginatorTrait};

    let app = spawn_app().await;
    // The app seeded at start; two more instances racing must both find it done.
    let db = app.db.connect().await;
    let settings = app.state.config.seed.clone();
    let now = chrono::Utc::now();
    let tz = app.state.config.time_zone;
    let (a, b) = tokio::join!(seed(&db, &settings, tz, now), seed(&db, &settings, tz, now));
    assert_eq!(a.unwrap(), SeedOutcome::AlreadySetUp);
    assert_eq!(b.unwrap(), SeedOutcome::AlreadySetUp);
    assert_eq!(practice::Entity::find().count(&db).await.unwrap(), 1);
    assert_eq!(practitioner::Entity::find().count(&db).await.unwrap(), 1);
}

#[tokio::test]
async fn racing_first_starts_on_an_empty_database_seed_exactly_once() {
    use attune::first_run::{SeedOutcome, seed};
    use entity::{practice, practitioner};
    use sea_orm::{EntityTrait, PaginatorTrait};

    let db = crate::common::TestDatabase::create().await;
    let conn = attune::db::connect(&db.url()).await.unwrap();
    attune::db::migrate(&conn).await.unwrap();
    let config = attune::config::Config::defaults_for(db.url());
    let now = chrono::Utc::now();
    let outcomes = futures_util::future::join_all(
        (0..4).map(|_| seed(&conn, &config.seed, config.time_zone, now)),
    )
    .await;
    let created = outcomes
        .into_iter()
        .map(Result::unwrap)
        .filter(|o| *o == SeedOutcome::Created)
        .count();
    assert_eq!(created, 1);
    assert_eq!(practice::Entity::find().count(&conn).await.unwrap(), 1);
    assert_eq!(practitioner::Entity::find().count(&conn).await.unwrap(), 1);
}

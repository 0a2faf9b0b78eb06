//! Start-up and shutdown of a real process, and what it logs on the way.

use std::{sync::Arc, time::Duration};

use attune::config::Backend;
use reqwest::StatusCode;

use crate::common::{TestApp, TestDatabase, assert_status, binary, client, probe};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_request_in_flight_finish_and_refuses_new_ones() {
    let gate = Arc::new(probe::Gate::default());
    let app = TestApp::builder()
        .extra_routes(probe::routes(gate.clone()))
        .spawn()
        .await;
    let base = app.base.clone();

    let in_flight = tokio::spawn({
        let url = app.url("/api/probe/probe/held");
        async move { client().get(url).send().await }
    });
    gate.entered.notified().await;

    // Shut down while the request is held inside its handler.
    let stopping = tokio::spawn(app.stop());
    // New connections are refused once the listener is closed.
    let mut refused = false;
    for _ in 0..200 {
        let fresh = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        if fresh.get(format!("{base}/healthz")).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        refused,
        "the server kept accepting connections after shutdown began"
    );
    assert!(
        !stopping.is_finished(),
        "shutdown did not wait for the request in flight"
    );

    gate.release.add_permits(1);
    let response = in_flight
        .await
        .unwrap()
        .expect("the request in flight was cut off");
    assert_status(response, StatusCode::OK).await;
    tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .expect("shutdown did not finish")
        .unwrap();
}

/// Starts `attune serve` with JSON logs on a free port and returns it with its base URL.
fn start_binary(dir: &std::path::Path, db: &TestDatabase) -> (binary::Running, String) {
    let mut cmd = binary::command(dir);
    cmd.envs(db.env())
        .env("ATTUNE_BIND", "127.0.0.1:0")
        .env("ATTUNE_LOG_FORMAT", "json");
    let mut running = binary::Running::start(cmd);
    let line = running.wait_for_line("Attune is listening on", Duration::from_secs(60));
    let log: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
    let message = log["message"].as_str().unwrap();
    let base = message
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    (running, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_server_cleanly_and_each_request_is_logged_as_one_span() {
    let db = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let (mut running, base) = start_binary(dir.path(), &db);

    let response = client()
        .get(format!("{base}/api/v1/public/practice"))
        .header("x-request-id", "log-check-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    running.signal("TERM");
    let status = running.wait_exit(Duration::from_secs(30));
    assert!(status.success(), "exit status {status:?}");
    let lines = running.drain();

    let request_line = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["span"]["request_id"] == "log-check-1")
        .unwrap_or_else(|| panic!("no log line for the request:\n{}", lines.join("\n")));
    let span = &request_line["span"];
    assert_eq!(span["method"], "GET");
    assert_eq!(span["route"], "/api/v1/public/practice");
    assert_eq!(span["status"], 200);
    assert!(span["latency_ms"].as_f64().unwrap() >= 0.0, "{span}");
    assert!(
        lines.iter().any(|l| l.contains("SIGTERM received")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("Attune has stopped")),
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_the_server_cleanly_too() {
    let db = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let (mut running, base) = start_binary(dir.path(), &db);
    let response = client()
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    running.signal("INT");
    assert!(running.wait_exit(Duration::from_secs(30)).success());
    assert!(
        running
            .drain()
            .iter()
            .any(|l| l.contains("Ctrl-C received"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_waits_for_a_postgres_that_is_still_starting() {
    let db = TestDatabase::create().await;
    if db.backend() != Backend::Postgres {
        eprintln!("Postgres only: run with ATTUNE_TEST_DATABASE_URL set");
        return;
    }
    // Reserve a port with nothing behind it; the "database" appears there later.
    let parked = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = parked.local_addr().unwrap().port();
    drop(parked);
    let mut url = url::Url::parse(db.url().expose()).unwrap();
    let real = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    url.set_port(Some(port)).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut cmd = binary::command(dir.path());
    cmd.envs(db.env())
        .env("DATABASE_URL", url.as_str())
        .env("ATTUNE_BIND", "127.0.0.1:0")
        .env("ATTUNE_LOG_FORMAT", "json");
    let mut running = binary::Running::start(cmd);
    let waiting = running.wait_for_line("not reachable yet", Duration::from_secs(20));
    // The log names the database without its password.
    assert!(!waiting.contains("password="), "{waiting}");

    // Now "Postgres finishes starting": a proxy to the real server opens on that port.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let real = real.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(real).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    running.wait_for_line("Attune is listening on", Duration::from_secs(40));
    running.signal("TERM");
    assert!(running.wait_exit(Duration::from_secs(30)).success());
}

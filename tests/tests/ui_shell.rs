//! The web UIs' shared look and script (`common::webui`) in a real browser, on a page
//! built with it and served by a small axum app: tables sort and filter, a live section
//! shows new server state without a reload, a line chart draws the daemon's series, an
//! action is sent with the CSRF header (and a request without it is refused), and a
//! hostile value is shown as text.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, put};
use common::Configuration;
use common::http::csrf::{self, CsrfGuard};
use common::webui::series::SeriesStore;
use common::webui::{Shell, chart, html};
use serde_json::Value;
use tusk_tests::browser::Browser;
use tusk_tests::eventually;

const TIMEOUT: Duration = Duration::from_secs(30);
const NAV: &[(&str, &str)] = &[("/", "Overview"), ("/other", "Other")];

struct App {
    shell: Shell,
    counter: AtomicU64,
}

async fn overview(State(app): State<Arc<App>>) -> Response {
    let value = app.counter.load(Ordering::SeqCst);
    app.shell.page(
        "Overview",
        "/",
        html! {
            section #live data-live="1" { "Counter: " span #value { (value) } }
            div.scroll {
                table.sortable data-filter="" #files {
                    thead { tr { th { "Name" } th.num { "Size" } } }
                    tbody {
                        tr { td { "beta" } td.num data-sort="20" { "20 B" } }
                        tr { td { "alpha" } td.num data-sort="300" { "300 B" } }
                        tr { td { "<script>alert(1)</script>" } td.num data-sort="1" { "1 B" } }
                    }
                }
            }
            form #bump data-method="PUT" data-url="/bump" { button type="submit" { "Bump" } }
            (chart::live_line("Counter", &["counter"], false, ""))
        },
    )
}

async fn bump(State(app): State<Arc<App>>) -> &'static str {
    app.counter.fetch_add(100, Ordering::SeqCst);
    "bumped"
}

async fn serve() -> (String, Arc<App>) {
    let app = Arc::new(App {
        shell: Shell::new("TestDaemon", NAV).state(|| "active".to_string()),
        counter: AtomicU64::new(0),
    });
    let sampled = app.clone();
    let series = SeriesStore::start(
        Duration::from_millis(200),
        Box::new(move || vec![("counter", sampled.counter.load(Ordering::SeqCst) as f64)]),
    );
    let mut conf = Configuration::new();
    conf.set(
        common::conf::keys::YARN_RESOURCEMANAGER_WEBAPP_REST_CSRF_ENABLED,
        "true",
    );
    let changes = CsrfGuard::apply(
        CsrfGuard::from_conf(&conf, &csrf::RESOURCEMANAGER),
        Router::new().route("/bump", put(bump)),
    );
    let router = Router::new()
        .route("/", get(overview))
        .merge(changes)
        .with_state(app.clone())
        .merge(series.route())
        .merge(common::webui::routes());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}"), app)
}

async fn column(browser: &Browser, index: usize) -> Vec<String> {
    let script = format!(
        "return Array.from(document.querySelectorAll('#files tbody tr'))
            .filter(row => !row.hidden).map(row => row.cells[{index}].textContent)"
    );
    let value = browser.execute(&script, vec![]).await.unwrap();
    serde_json::from_value(value).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_script_sorts_filters_refreshes_and_sends_changes() {
    let (url, app) = serve().await;
    let browser = Browser::start().await;
    browser.open(&url).await;
    assert_eq!(browser.text("header.top .state").await, "ACTIVE");
    assert_eq!(browser.text("nav.main a.current").await, "Overview");

    // The hostile name is text: no alert, no script element from it.
    assert!(!browser.alert_shown().await);
    assert!(
        column(&browser, 0)
            .await
            .contains(&"<script>alert(1)</script>".to_string())
    );

    // Sorting by size uses data-sort numbers, ascending then descending.
    browser
        .find("#files thead th:nth-child(2)")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(column(&browser, 1).await, ["1 B", "20 B", "300 B"]);
    browser
        .find("#files thead th:nth-child(2)")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(column(&browser, 1).await, ["300 B", "20 B", "1 B"]);

    // The filter box hides rows that do not match.
    browser
        .find("input.table-search")
        .await
        .send_keys("alp")
        .await
        .unwrap();
    assert_eq!(column(&browser, 0).await, ["alpha"]);

    // The live section shows new state without a reload of the page.
    browser
        .execute("window.sameDocument = true", vec![])
        .await
        .unwrap();
    browser.find("#bump button").await.click().await.unwrap();
    eventually(
        TIMEOUT,
        "the live section shows the bumped counter",
        async || browser.text("#value").await == "100",
    )
    .await;
    assert_eq!(app.counter.load(Ordering::SeqCst), 100);
    let same: Value = browser
        .execute("return window.sameDocument === true", vec![])
        .await
        .unwrap();
    assert_eq!(same, Value::Bool(true), "the page was reloaded");

    // A browser request without the CSRF header is refused.
    let refused: Value = browser
        .execute_async(
            "const done = arguments[0];
             fetch('/bump', {method: 'PUT'}).then(async r => done([r.status, await r.text()]));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(refused[0], 400);
    assert_eq!(refused[1], csrf::MISSING_HEADER);
    assert_eq!(app.counter.load(Ordering::SeqCst), 100);

    // The line chart draws the sampled series.
    eventually(TIMEOUT, "the chart drew points", async || {
        let points = browser
            .find("figure.chart.line")
            .await
            .attr("data-points")
            .await;
        points
            .ok()
            .flatten()
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
            >= 2
    })
    .await;
    browser.screenshot("shell").await;
    browser.close().await;
}

//! The ResourceManager's and NodeManagers' web UIs in a real browser, over a mini-cluster
//! with two NodeManagers and Hadoop's REST CSRF filter on: every page of the navigation
//! shows the cluster's real state, a hostile application name stays text, the apps page
//! fits a phone, an application is killed from its page (the Kill button sends the CSRF
//! header; a bare `fetch` PUT is refused), and a failed container's stderr is read from
//! the NodeManager's log page.

use std::time::Duration;

use fantoccini::Locator;
use minicluster::MiniCluster;
use proto::yarn as pb;
use serde_json::json;
use tusk_tests::browser::Browser;
use tusk_tests::eventually;
use tusk_tests::yarn::{app_named, spawn_yarn, wait_final, yarn};

const HOSTILE_NAME: &str = "<img src=x onerror=alert(1)>";
const STDERR_MARKER: &str = "ui-yarn container says goodbye on stderr";

async fn cluster(log_aggregation: bool) -> MiniCluster {
    let cluster = MiniCluster::builder()
        .nodemanagers(2)
        .set("yarn.resourcemanager.webapp.rest-csrf.enabled", "true")
        .set("yarn.nodemanager.webapp.rest-csrf.enabled", "true")
        .set(
            "yarn.log-aggregation-enable",
            if log_aggregation { "true" } else { "false" },
        )
        .build()
        .await
        .expect("mini-cluster");
    cluster
        .wait_nodemanagers(2, Duration::from_secs(30))
        .await
        .expect("NodeManagers registered");
    cluster
}

/// `host:port` of the ResourceManager's web port.
fn rm_address(cluster: &MiniCluster) -> String {
    cluster
        .resourcemanager()
        .unwrap()
        .addresses()
        .webapp
        .to_string()
}

/// `host:port` of NodeManager `index`'s web port.
fn nm_address(cluster: &MiniCluster, index: usize) -> String {
    cluster
        .nodemanager(index)
        .unwrap()
        .http_address()
        .to_string()
}

/// Runs a DistributedShell application to its end; its report.
async fn run_shell(cluster: &MiniCluster, name: &str, command: &str) -> pb::ApplicationReport {
    let (_, _, err) = yarn(
        &cluster.conf_dir(),
        &[
            "distributedshell",
            "-shell_command",
            command,
            "-num_containers",
            "1",
            "-container_memory",
            "128",
            "-appname",
            name,
        ],
    );
    let client = cluster.yarn_client().unwrap();
    let app = app_named(&client, name).await;
    let report = wait_final(&client, &app.application_id, Duration::from_secs(60)).await;
    assert!(!report.application_id.is_empty(), "{err}");
    report
}

/// `(scrollWidth, innerWidth)` of the page at `url` shown `width` pixels wide: in a frame
/// of that width, since headless Chromium keeps its window at least 500 pixels wide.
async fn widths_at(browser: &Browser, url: &str, width: u32) -> (u64, u64) {
    let measured = browser
        .execute_async(
            "const [url, width, done] = arguments;
             const frame = document.createElement('iframe');
             frame.style.cssText = 'width:' + width + 'px;height:844px;border:0';
             frame.onload = () => done([frame.contentDocument.documentElement.scrollWidth,
                                        frame.contentWindow.innerWidth]);
             frame.src = url;
             document.body.appendChild(frame);",
            vec![json!(url), json!(width)],
        )
        .await
        .expect("measure the page in a frame");
    (
        measured[0].as_u64().expect("scrollWidth"),
        measured[1].as_u64().expect("innerWidth"),
    )
}

/// How many `img` elements the page's main content has.
async fn images(browser: &Browser) -> u64 {
    browser
        .execute(
            "return document.querySelectorAll('main img').length;",
            vec![],
        )
        .await
        .expect("count images")
        .as_u64()
        .unwrap_or(u64::MAX)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_page_shows_the_cluster_and_names_stay_text() {
    let cluster = cluster(true).await;
    let app = run_shell(&cluster, HOSTILE_NAME, "echo hello").await;
    let id = app.application_id.clone();
    let rm = format!("http://{}", rm_address(&cluster));
    let browser = Browser::start().await;

    // `/` leads to the overview: two active nodes, one application completed, the
    // allocation chart drawn from the samples.
    browser.open(&format!("{rm}/")).await;
    assert!(
        browser.url().await.ends_with("/cluster"),
        "{}",
        browser.url().await
    );
    assert_eq!(
        browser
            .text("#node-metrics a[href='/cluster/nodes/running'] .value")
            .await,
        "2"
    );
    assert_eq!(
        browser
            .text("#app-metrics a[href='/cluster/apps/FINISHED'] .value")
            .await,
        "1"
    );
    browser.find("figure.chart.line[data-points]").await;
    browser.screenshot("rm-overview").await;

    // Every page of the navigation, reached by its link.
    let links = browser
        .find_all(Locator::Css("nav.main a"))
        .await
        .expect("navigation links");
    let mut targets = Vec::new();
    for link in links {
        targets.push(link.attr("href").await.unwrap().expect("href"));
    }
    assert_eq!(
        targets,
        [
            "/cluster",
            "/cluster/apps",
            "/cluster/nodes",
            "/cluster/scheduler",
            "/cluster/about"
        ]
    );

    browser.open(&format!("{rm}/cluster/apps")).await;
    let row = browser.text("table.apps tbody tr").await;
    assert!(row.contains(&id) && row.contains("FINISHED"), "{row}");
    assert_eq!(browser.text("table.apps td.app-name").await, HOSTILE_NAME);
    assert_eq!(images(&browser).await, 0, "the name made an img element");
    assert!(!browser.alert_shown().await, "the name ran a script");
    browser.screenshot("rm-apps").await;

    browser.open(&format!("{rm}/cluster/apps/FINISHED")).await;
    assert!(browser.text("table.apps tbody").await.contains(&id));
    browser.open(&format!("{rm}/cluster/apps/RUNNING")).await;
    assert!(!browser.text("table.apps").await.contains(&id));

    browser.open(&format!("{rm}/cluster/app/{id}")).await;
    assert_eq!(browser.text("#app-state").await, "FINISHED");
    assert_eq!(browser.text("span.app-name").await, HOSTILE_NAME);
    assert_eq!(images(&browser).await, 0);
    assert!(!browser.alert_shown().await);
    let attempt = browser.text("table.attempts tbody tr").await;
    assert!(attempt.contains("appattempt_"), "{attempt}");
    assert!(
        browser
            .find_all(Locator::Css("form.kill"))
            .await
            .unwrap()
            .is_empty(),
        "no Kill button on a finished application"
    );

    browser.open(&format!("{rm}/cluster/nodes")).await;
    let nodes = browser
        .find_all(Locator::Css("table.nodes tbody tr"))
        .await
        .unwrap();
    assert_eq!(nodes.len(), 2);
    browser.screenshot("rm-nodes").await;
    assert!(browser.text("table.nodes tbody").await.contains("RUNNING"));
    browser.open(&format!("{rm}/cluster/nodes/lost")).await;
    assert!(
        browser
            .find_all(Locator::Css("table.nodes tbody tr"))
            .await
            .unwrap()
            .is_empty()
    );

    browser.open(&format!("{rm}/cluster/scheduler")).await;
    let default_queue = browser.text("tr.queue[data-queue='root.default']").await;
    assert!(default_queue.contains("default"), "{default_queue}");
    browser.find("h2#queue-default").await;
    browser.screenshot("rm-scheduler").await;

    browser.open(&format!("{rm}/cluster/about")).await;
    let about = browser.text("main").await;
    assert!(
        about.contains("ACTIVE") && about.contains("Cluster ID"),
        "{about}"
    );

    // Each NodeManager: `/` leads to the node page, whose navigation leads to its lists.
    for index in 0..2 {
        let nm = format!("http://{}", nm_address(&cluster, index));
        browser.open(&format!("{nm}/")).await;
        assert!(browser.url().await.ends_with("/node"));
        let node_id = cluster.nodemanager(index).unwrap().node_id().to_string();
        assert!(browser.text("table.facts").await.contains(&node_id));
        assert_eq!(browser.text("header.top .state").await, "HEALTHY");
        if index == 0 {
            browser.screenshot("nm-node").await;
        }
        browser.open(&format!("{nm}/node/allApplications")).await;
        assert_eq!(browser.text("h1").await, "Applications on this node");
        browser.open(&format!("{nm}/node/allContainers")).await;
        assert_eq!(browser.text("h1").await, "Containers on this node");
    }
    browser.close().await;

    // A phone, 390 pixels wide: the page itself never scrolls sideways (tables scroll
    // inside their `.scroll` boxes).
    let phone = Browser::start_sized(390, 844).await;
    phone.open(&format!("{rm}/cluster/apps")).await;
    phone.screenshot("rm-apps-phone").await;
    for page in [
        "/cluster/apps",
        "/cluster",
        &format!("/cluster/app/{id}"),
        "/cluster/nodes",
        "/cluster/scheduler",
    ] {
        let (scroll_width, inner_width) = widths_at(&phone, &format!("{rm}{page}"), 390).await;
        assert_eq!(inner_width, 390);
        assert!(
            scroll_width <= inner_width,
            "{page} is {scroll_width} pixels wide on a 390-pixel phone"
        );
    }
    phone.close().await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_application_is_killed_from_its_page() {
    let cluster = cluster(true).await;
    let rm_web = rm_address(&cluster);
    let mut background = spawn_yarn(
        &cluster.conf_dir(),
        &[
            "distributedshell",
            "-shell_command",
            "sleep 300",
            "-num_containers",
            "1",
            "-container_memory",
            "128",
            "-appname",
            "ui-kill",
        ],
    );
    let client = cluster.yarn_client().unwrap();
    let app = app_named(&client, "ui-kill").await;
    let id = app.application_id.clone();
    let state_path = format!("/ws/v1/cluster/apps/{id}/state");
    eventually(Duration::from_secs(60), "ui-kill running", || async {
        let state = tusk_tests::web::get_json(&rm_web, &state_path).await;
        state["state"] == "RUNNING"
    })
    .await;

    let browser = Browser::start().await;
    let rm = format!("http://{rm_web}");
    browser.open(&format!("{rm}/cluster/app/{id}")).await;
    assert_eq!(browser.text("#app-state").await, "RUNNING");
    browser.find("form.kill button").await;
    browser.screenshot("rm-app").await;

    // A browser request without the CSRF header is refused as Hadoop refuses it.
    let answer = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0], {method: 'PUT', headers: {'Content-Type': 'application/json'},
                                  body: JSON.stringify({state: 'KILLED'})})
               .then((response) => response.text().then((text) => done([response.status, text])))
               .catch((error) => done([0, String(error)]));",
            vec![json!(state_path)],
        )
        .await
        .expect("fetch without the header");
    assert_eq!(answer[0], json!(400), "{answer}");
    assert_eq!(
        answer[1],
        json!("Missing Required Header for CSRF Vulnerability Protection")
    );
    let state = tusk_tests::web::get_json(&rm_web, &state_path).await;
    assert_eq!(state["state"], "RUNNING", "the refused PUT killed it");

    // The Kill button asks first, then sends the PUT with the header.
    browser
        .find("form.kill button")
        .await
        .click()
        .await
        .expect("press Kill");
    eventually(Duration::from_secs(10), "the confirm dialog", || async {
        browser.get_alert_text().await.is_ok()
    })
    .await;
    browser.accept_alert().await.expect("accept the confirm");
    eventually(
        Duration::from_secs(60),
        "the application killed",
        || async {
            let state = tusk_tests::web::get_json(&rm_web, &state_path).await;
            state["state"] == "KILLED"
        },
    )
    .await;
    let report = wait_final(&client, &id, Duration::from_secs(10)).await;
    assert_eq!(report.state, pb::YarnApplicationState::Killed as i32);
    // The page shows it without a reload: the live section is fetched again.
    let client: &fantoccini::Client = &browser;
    eventually(
        Duration::from_secs(30),
        "the page to show KILLED",
        || async {
            client
                .find(Locator::Css("#app-state"))
                .await
                .ok()?
                .text()
                .await
                .ok()
                .filter(|text| text == "KILLED")
        },
    )
    .await;
    assert!(
        browser
            .find_all(Locator::Css("form.kill"))
            .await
            .unwrap()
            .is_empty(),
        "the Kill button is gone once the application is killed"
    );
    browser.close().await;
    let _ = background.kill();
    let _ = background.wait();
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_containers_stderr_is_read_from_the_nodemanager() {
    let cluster = cluster(false).await;
    let command = format!("echo {STDERR_MARKER} >&2; exit 3");
    let app = run_shell(&cluster, "ui-fail", &command).await;
    let id = app.application_id.clone();
    let rm = format!("http://{}", rm_address(&cluster));
    let browser = Browser::start().await;

    // From the application's page to its AM's logs on a NodeManager.
    browser.open(&format!("{rm}/cluster/app/{id}")).await;
    browser
        .find("table.attempts a.logs")
        .await
        .click()
        .await
        .expect("follow the attempt's logs link");
    browser.find("table.log-files").await;
    let files = browser.text("table.log-files").await;
    assert!(
        files.contains("stderr") && files.contains("stdout"),
        "{files}"
    );

    // The shell command's container failed on one of the nodes; its stderr is there.
    let container = id.replacen("application_", "container_", 1) + "_01_000002";
    let mut holder = None;
    for index in 0..2 {
        let address = nm_address(&cluster, index);
        let logs = format!("/node/containerlogs/{container}/anyone");
        if tusk_tests::web::get(&address, &logs).await.status == 200 {
            holder = Some(address);
        }
    }
    let nm = format!(
        "http://{}",
        holder.expect("a NodeManager with the container's logs")
    );
    browser.open(&format!("{nm}/node/application/{id}")).await;
    browser
        .find(&format!("table.containers a.logs[href*='{container}']"))
        .await
        .click()
        .await
        .expect("follow the container's logs link");
    browser
        .find("table.log-files a[href$='/stderr']")
        .await
        .click()
        .await
        .expect("open stderr");
    let log = browser.text("pre#log").await;
    assert!(log.contains(STDERR_MARKER), "{log}");
    browser.find("a.full-log").await;
    browser.screenshot("nm-container-log").await;

    // A tail of the file, as `?start=-N` asks.
    let tail_url = format!("{}?start=-8", browser.url().await);
    browser.open(&tail_url).await;
    // The marker line ends " stderr\n": its last 8 bytes (the browser drops the newline).
    assert_eq!(browser.text("pre#log").await, " stderr");
    assert!(
        browser
            .text("p.log-range")
            .await
            .starts_with("Showing bytes")
    );
    browser.close().await;
    cluster.shutdown().await;
}

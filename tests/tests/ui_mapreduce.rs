//! The MapReduce web UIs in a real browser: a `pi` job runs on a mini-cluster with YARN
//! and a JobHistory server, followed from the ResourceManager's application page. While it
//! runs, the tracking link leads through the ResourceManager's proxy to the AM's job page,
//! whose progress section refreshes without a reload and whose relative links keep
//! working under `/proxy/{app}/`; once it is done, the same link leads to the
//! JobHistory job page, whose jobs list, counters, configuration, tasks and task attempts
//! show what the job did. A job history record whose name is an HTML tag shows as text,
//! and the job page fits a phone's width.

use std::time::Duration;

use minicluster::MiniCluster;
use prost::Message;
use serde_json::Value;
use tusk_tests::browser::Browser;
use tusk_tests::eventually;
use tusk_tests::web::{get, get_json};

/// How long the job's milestones may take.
const TIMEOUT: Duration = Duration::from_secs(120);
/// Maps of the `pi` job, and the samples of each: enough to run several seconds.
const MAPS: &str = "2";
const SAMPLES: &str = "40000000";
/// A job name that would run script if a page did not escape it.
const HOSTILE: &str = "<img src=x onerror=alert(1)>";

/// The running application named `name` once its AM registered a tracking URL.
async fn running_app(rm: &str, name: &str) -> Value {
    eventually(TIMEOUT, "the job's AM registered", async || {
        let apps = get_json(rm, "/ws/v1/cluster/apps?states=RUNNING").await;
        apps["apps"]["app"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|app| app["name"] == name && app["trackingUrl"].is_string())
            .cloned()
    })
    .await
}

/// Runs `script` in the page and returns its value.
async fn script(browser: &Browser, script: &str) -> Value {
    browser
        .execute(script, Vec::new())
        .await
        .unwrap_or_else(|error| panic!("{script}: {error}"))
}

/// The text of the first element matching `css`, trimmed.
async fn text(browser: &Browser, css: &str) -> String {
    browser.text(css).await.trim().to_string()
}

/// Whether the page has an `<img>` in its content (a name turned into markup would).
async fn has_injected_image(browser: &Browser) -> bool {
    script(
        browser,
        "return document.querySelectorAll('main img').length > 0",
    )
    .await
    .as_bool()
    .unwrap_or(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_is_followed_from_its_application_master_to_the_job_history() {
    let history = format!("127.0.0.1:{}", tusk_tests::free_port());
    let cluster = MiniCluster::builder()
        .racks(&["/r1", "/r2"])
        .nodemanagers(2)
        .set("mapreduce.jobhistory.webapp.address", &history)
        .build()
        .await
        .unwrap();
    cluster
        .wait_nodemanagers(2, TIMEOUT)
        .await
        .expect("NodeManagers registered");
    let mut conf = cluster.conf().clone();
    conf.set("mapreduce.jobhistory.webapp.address", &history);
    let history_server = mapreduce::yarn::historyserver::HistoryServer::start(&conf)
        .await
        .expect("JobHistoryServer starts");
    let rm = cluster
        .resourcemanager()
        .unwrap()
        .addresses()
        .webapp
        .to_string();
    let job = tokio::process::Command::new(tusk_tests::binary("pi"))
        .args([MAPS, SAMPLES])
        .env("HADOOP_CONF_DIR", cluster.conf_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let app = running_app(&rm, "QuasiMonteCarlo").await;
    let app_id = app["id"].as_str().unwrap().to_string();
    let job_id = app_id.replacen("application_", "job_", 1);
    let browser = Browser::start().await;

    // The ResourceManager's application page links the tracking URL, which leads
    // through the proxy to the AM's job page.
    let proxied = format!("http://{rm}/proxy/{app_id}/");
    assert_eq!(app["trackingUrl"], proxied.as_str(), "{app}");
    let rm_app_page = format!("http://{rm}/cluster/app/{app_id}");
    browser.open(&rm_app_page).await;
    browser
        .find(&format!("main a[href=\"{proxied}\"]"))
        .await
        .click()
        .await
        .unwrap();
    eventually(TIMEOUT, "the tracking link was followed", async || {
        browser.url().await != rm_app_page
    })
    .await;
    assert_eq!(
        browser.url().await,
        format!("{proxied}mapreduce/job/{job_id}")
    );
    assert_eq!(
        text(&browser, "h1").await,
        format!("MapReduce Job {job_id}")
    );
    assert_eq!(text(&browser, "header.top .service").await, "MRAppMaster");
    assert_eq!(text(&browser, "tr[data-kind=map] td.total").await, MAPS);
    browser.find("tr[data-kind=map] .progress").await;
    browser.find("tr[data-kind=reduce] .progress").await;
    browser.screenshot("am-job").await;

    // The pages' data is the REST API's: the job's configuration and AM attempt.
    let rest = format!("/proxy/{app_id}/ws/v1/mapreduce/jobs/{job_id}");
    let conf_document = get_json(&rm, &format!("{rest}/conf")).await;
    let job_name = conf_document["conf"]["property"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|property| property["name"] == "mapreduce.job.name")
        .unwrap_or_else(|| panic!("no mapreduce.job.name in {conf_document}"));
    assert_eq!(job_name["value"], "QuasiMonteCarlo");
    let attempts = get_json(&rm, &format!("{rest}/jobattempts")).await;
    let am = &attempts["jobAttempts"]["jobAttempt"][0];
    assert_eq!(am["id"], 1, "{attempts}");
    let am_node = am["nodeHttpAddress"].as_str().unwrap().to_string();
    assert_eq!(text(&browser, "main table a[href$='/node']").await, am_node);

    // Its live section changes (the elapsed time at least) with no reload.
    script(&browser, "window.tuskMarker = 1; return null").await;
    let before = text(&browser, "#job-live").await;
    eventually(
        TIMEOUT,
        "the AM's job page refreshed in place",
        async || {
            let marked = script(&browser, "return window.tuskMarker === 1").await;
            assert_eq!(marked, Value::Bool(true), "the page was reloaded");
            text(&browser, "#job-live").await != before
        },
    )
    .await;

    // Links between the AM's pages stay under the proxy.
    browser
        .find("nav.tabs a[href*='jobcounters']")
        .await
        .click()
        .await
        .unwrap();
    browser.find("main section").await;
    assert_eq!(
        browser.url().await,
        format!("{proxied}mapreduce/jobcounters/{job_id}")
    );
    browser.find("nav.main a").await.click().await.unwrap();
    browser.find("#job-live").await;
    assert_eq!(
        browser.url().await,
        format!("{proxied}mapreduce/job/{job_id}")
    );

    // Once the job is done, the tracking URL leads to the JobHistory job page.
    let output = job.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    eventually(TIMEOUT, "the proxy redirects", async || {
        get(&rm, &format!("/proxy/{app_id}/")).await.status == 302
    })
    .await;
    // The same link on the ResourceManager's page now leads to the job's history.
    browser.open(&rm_app_page).await;
    browser
        .find(&format!("main a[href=\"{proxied}\"]"))
        .await
        .click()
        .await
        .unwrap();
    eventually(TIMEOUT, "the tracking link was followed", async || {
        browser.url().await != rm_app_page
    })
    .await;
    let job_page = format!("http://{history}/jobhistory/job/{job_id}");
    assert_eq!(browser.url().await, job_page);
    assert_eq!(
        text(&browser, "header.top .service").await,
        "JobHistoryServer"
    );
    let overview = text(&browser, "table.facts").await;
    assert!(overview.contains("SUCCEEDED"), "{overview}");
    assert!(overview.contains("QuasiMonteCarlo"), "{overview}");
    assert_eq!(text(&browser, "tr[data-kind=map] td.total").await, MAPS);
    assert_eq!(text(&browser, "tr[data-kind=reduce] td.total").await, "1");
    browser.find("figure.timeline svg rect.map").await;
    browser.find("figure.timeline svg rect.reduce").await;
    // A bookmark of the AM's counters page now leads to the history server's.
    let bookmark = get(
        &rm,
        &format!("/proxy/{app_id}/mapreduce/jobcounters/{job_id}"),
    )
    .await;
    assert_eq!(bookmark.status, 302);
    assert_eq!(
        bookmark.header("location"),
        Some(format!("http://{history}/jobhistory/jobcounters/{job_id}").as_str())
    );
    let am_logs = browser
        .find("main table a[href*='/node/containerlogs/container_']")
        .await;
    let logs_link = am_logs.attr("href").await.unwrap().unwrap_or_default();
    assert!(logs_link.starts_with("http://"), "{logs_link}");
    browser.screenshot("jobhistory-job").await;
    let size = get(&history, &format!("/jobhistory/job/{job_id}"))
        .await
        .body
        .len();
    assert!(size < 300_000, "the job page is {size} bytes");

    // The successful map attempts, from the job page's count.
    browser
        .find("table.attempt-counts a[href$='/m/SUCCESSFUL']")
        .await
        .click()
        .await
        .unwrap();
    browser.find("table.attempts").await;
    let successful = script(
        &browser,
        "return document.querySelectorAll('table.attempts tbody tr').length",
    )
    .await;
    assert_eq!(successful.to_string(), MAPS);
    let missing = get(&history, "/jobhistory/job/job_1_9999").await;
    assert_eq!(missing.status, 404);

    // Counters: one input record (a control line) per map.
    browser
        .open(&format!("http://{history}/jobhistory/jobcounters/{job_id}"))
        .await;
    assert_eq!(
        text(&browser, "tr[data-counter=MAP_INPUT_RECORDS] td.total").await,
        MAPS
    );
    assert_eq!(
        text(&browser, "tr[data-counter=MAP_INPUT_RECORDS] td.map").await,
        MAPS
    );
    browser.screenshot("jobhistory-counters").await;

    // The configuration the job ran with.
    browser
        .open(&format!("http://{history}/jobhistory/conf/{job_id}"))
        .await;
    let name = text(&browser, "tr[data-key='mapreduce.job.name']").await;
    assert!(name.contains("QuasiMonteCarlo"), "{name}");

    // The map tasks, and the attempts of one, with the node it ran on.
    browser
        .open(&format!("http://{history}/jobhistory/tasks/{job_id}/m"))
        .await;
    let rows = script(
        &browser,
        "return document.querySelectorAll('table.tasks tbody tr').length",
    )
    .await;
    assert_eq!(rows.to_string(), MAPS);
    browser
        .find("table.tasks tbody tr a")
        .await
        .click()
        .await
        .unwrap();
    let node = text(&browser, "table.attempts a.node").await;
    assert!(node.contains(':'), "the attempt's node: {node}");
    assert!(browser.url().await.contains("/jobhistory/task/task_"));
    let attempt_state = text(&browser, "table.attempts tbody tr td .badge").await;
    assert_eq!(attempt_state, "SUCCEEDED");

    // The jobs list.
    browser.open(&format!("http://{history}/")).await;
    assert_eq!(browser.url().await, format!("http://{history}/jobhistory"));
    let row = text(&browser, &format!("tr[data-job='{job_id}']")).await;
    assert!(
        row.contains("QuasiMonteCarlo") && row.contains("SUCCEEDED"),
        "{row}"
    );
    browser.screenshot("jobhistory-jobs").await;
    // Filtered on the server: a text no job has leaves none.
    let filter = browser.find("form.filter input[name=filter]").await;
    filter.send_keys("no such job").await.unwrap();
    browser
        .find("form.filter button")
        .await
        .click()
        .await
        .unwrap();
    eventually(TIMEOUT, "the filtered jobs list", async || {
        browser.url().await.contains("filter=no")
    })
    .await;
    assert_eq!(text(&browser, ".pager .count").await, "No entries");

    // A phone's width: the job page scrolls inside its tables, never sideways as a whole.
    let phone = Browser::start_sized(390, 844).await;
    phone.open(&job_page).await;
    let fits = script(
        &phone,
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth",
    )
    .await;
    assert_eq!(fits, Value::Bool(true), "the job page overflows a phone");
    phone.screenshot("jobhistory-job-phone").await;
    phone.close().await;

    // A job recorded under a hostile name: shown as text, never as markup.
    let client = cluster.client().unwrap();
    let done = mapreduce::yarn::staging::done_dir(&conf).unwrap();
    let mut report = mapreduce::yarn::history::read(&client, &done, &job_id)
        .await
        .unwrap()
        .expect("the job's history");
    report.job_name = HOSTILE.to_string();
    let file = mapreduce::yarn::history::history_file(&done, &job_id);
    client.delete(&file, false).await.unwrap();
    tusk_tests::write_file(&client, &file, &report.encode_to_vec(), 1, 1 << 20).await;
    browser.open(&format!("http://{history}/jobhistory")).await;
    let shown = text(&browser, &format!("tr[data-job='{job_id}'] td.name")).await;
    assert_eq!(shown, HOSTILE);
    assert!(!has_injected_image(&browser).await);
    assert!(!browser.alert_shown().await);
    browser.open(&job_page).await;
    assert!(text(&browser, "table.facts").await.contains(HOSTILE));
    assert!(!has_injected_image(&browser).await);
    assert!(!browser.alert_shown().await);

    browser.close().await;
    history_server.stop().await;
    cluster.shutdown().await;
}

//! The HDFS web UIs in a real browser (headless Chromium): the NameNode's
//! `dfshealth.html` with each of Hadoop's tabs and bookmarks, the file browser
//! (`explorer.html`: browse, upload, download, mkdir, chmod, delete through WebHDFS with
//! the CSRF header; hostile file names shown as text), the DataNode, SecondaryNameNode and
//! JournalNode pages, and the overview at phone width.

use std::path::Path;
use std::time::Duration;

use common::{Configuration, FsPermission};
use fantoccini::Locator;
use minicluster::MiniCluster;
use namenode::{SecondaryConfig, SecondaryDaemon};
use serde_json::{Value, json};
use tusk_tests::browser::Browser;
use tusk_tests::web::{get, get_json, split_url};
use tusk_tests::{content, eventually, read_file, write_file};

const WAIT: Duration = Duration::from_secs(60);

/// A cluster whose WebHDFS wants Hadoop's CSRF header from browsers.
async fn cluster(datanodes: usize, journal_nodes: usize) -> MiniCluster {
    MiniCluster::builder()
        .datanodes(datanodes)
        .journal_nodes(journal_nodes)
        .set("dfs.replication", "1")
        .set("dfs.heartbeat.interval", "1s")
        .set("dfs.webhdfs.rest-csrf.enabled", "true")
        .build()
        .await
        .expect("mini-cluster")
}

fn base_url(address: impl std::fmt::Display) -> String {
    format!("http://{address}")
}

/// Starts a SecondaryNameNode on the cluster's NameNode, HTTP on port 0.
async fn start_secondary(conf: &Configuration, dir: &Path) -> SecondaryDaemon {
    let mut conf = conf.clone();
    conf.set("dfs.namenode.secondary.http-address", "127.0.0.1:0");
    conf.set(
        "dfs.namenode.checkpoint.dir",
        dir.join("checkpoint").display().to_string(),
    );
    let config = SecondaryConfig::from_conf(&conf).expect("SecondaryNameNode config");
    SecondaryDaemon::start(config)
        .await
        .expect("SecondaryNameNode starts")
}

/// Whether the element `css` is shown.
async fn shown(browser: &Browser, css: &str) -> bool {
    browser
        .find(css)
        .await
        .is_displayed()
        .await
        .expect("element visibility")
}

/// How many elements match `css` now.
async fn count(browser: &Browser, css: &str) -> usize {
    browser
        .find_all(Locator::Css(css))
        .await
        .expect("find elements")
        .len()
}

/// Runs `script` in the page and returns its (awaited) value.
async fn run(browser: &Browser, script: &str) -> Value {
    browser
        .execute(script, Vec::new())
        .await
        .unwrap_or_else(|error| panic!("script {script}: {error}"))
}

/// Waits until the status line of `form` says something, and returns it.
async fn form_status(browser: &Browser, form: &str) -> String {
    let css = format!("{form} .status");
    eventually(WAIT, &format!("a status in {form}"), async || {
        let text = browser.text(&css).await;
        (!text.trim().is_empty()).then_some(text)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn namenode_tabs_and_every_hdfs_daemon_page() {
    let cluster = cluster(2, 1).await;
    let secondary = start_secondary(cluster.conf(), cluster.base_dir()).await;
    let namesystem = cluster.namesystem().expect("the NameNode").clone();
    let cluster_id = namesystem.storage_info().cluster_id.clone();
    let nn = base_url(cluster.namenode_http_address());
    let browser = Browser::start().await;

    // `/` leads to the overview; the cluster's own ids and both DataNodes are shown.
    browser.open(&format!("{nn}/")).await;
    assert!(browser.url().await.ends_with("/dfshealth.html"));
    assert!(shown(&browser, "#tab-overview").await);
    assert!(!shown(&browser, "#tab-datanode").await);
    assert_eq!(browser.text("#cluster-id").await, cluster_id);
    assert_eq!(
        browser.text("#block-pool-id").await,
        namesystem.storage_info().block_pool_id
    );
    assert_eq!(browser.text("#ha-state").await, "active");
    eventually(WAIT, "two live DataNodes on the overview", async || {
        browser.text("#live-nodes").await == "2"
    })
    .await;
    let journals = browser.text("#journal-status").await;
    assert!(journals.contains("FileJournalManager(root="), "{journals}");
    assert!(journals.contains("qjournal://"), "{journals}");
    let storage = browser.text("#name-storage").await;
    let name_dir = cluster.name_dirs()[0].display().to_string();
    assert!(storage.contains(&name_dir), "{storage}");
    assert!(storage.contains("Active"), "{storage}");
    assert_eq!(
        count(&browser, "#tab-overview figure.histogram svg").await,
        1
    );
    // The RPC chart is drawn from the samples of /ui/series (taken every 5 s).
    eventually(WAIT, "the RPC chart to have points", async || {
        let points = browser
            .find("figure.chart.line")
            .await
            .attr("data-points")
            .await
            .expect("data-points");
        points.is_some_and(|points| points != "0")
    })
    .await;
    browser.screenshot("namenode-overview").await;

    // Each tab from the navigation.
    browser
        .find("nav.main a[href='/dfshealth.html#tab-datanode']")
        .await
        .click()
        .await
        .expect("open the Datanodes tab");
    assert!(shown(&browser, "#tab-datanode").await);
    assert!(!shown(&browser, "#tab-overview").await);
    eventually(WAIT, "two DataNodes in service", async || {
        count(&browser, "#datanodes-live-table tbody tr").await == 2
    })
    .await;
    let nodes = browser.text("#datanodes-live-table").await;
    assert_eq!(nodes.matches("In Service").count(), 2, "{nodes}");
    assert!(shown(&browser, "#tab-datanode figure.histogram").await);
    assert!(shown(&browser, "#tab-datanode .table-tools input").await);
    browser.screenshot("namenode-datanodes").await;

    browser
        .find("nav.main a[href='/dfshealth.html#tab-datanode-volume-failures']")
        .await
        .click()
        .await
        .expect("open the volume failures tab");
    assert!(shown(&browser, "#no-volume-failures").await);

    browser
        .find("nav.main a[href='/dfshealth.html#tab-snapshot']")
        .await
        .click()
        .await
        .expect("open the snapshot tab");
    assert!(
        browser
            .text("#tab-snapshot")
            .await
            .contains("not supported yet")
    );

    // Startup progress: Hadoop's four phases, all complete once safe mode is off.
    browser
        .open(&format!("{nn}/dfshealth.html#tab-startup-progress"))
        .await;
    assert!(shown(&browser, "#tab-startup-progress").await);
    assert!(!shown(&browser, "#tab-overview").await);
    let phases = browser.text("#startup-phases").await;
    for phase in [
        "Loading fsimage",
        "Loading edits",
        "Saving checkpoint",
        "Safe mode",
    ] {
        assert!(phases.contains(phase), "{phase} missing: {phases}");
    }
    eventually(WAIT, "every startup phase complete", async || {
        browser
            .text("#startup-phases")
            .await
            .matches("COMPLETE")
            .count()
            == 4
    })
    .await;
    assert_eq!(browser.text("#startup-percent").await, "100%");
    let jmx = get_json(
        &cluster.namenode_http_address().to_string(),
        "/jmx?qry=Hadoop:service=NameNode,name=StartupProgress",
    )
    .await;
    assert_eq!(jmx["beans"][0]["PercentComplete"], "1.00");
    assert_eq!(jmx["beans"][0]["LoadingFsImagePercentComplete"], "1.00");
    browser.screenshot("namenode-startup-progress").await;

    // The utilities are the daemon's own endpoints.
    for (link, path) in [
        ("Logs", "/logs/"),
        ("Configuration", "/conf"),
        ("Metrics", "/jmx"),
    ] {
        let href = browser
            .find(&format!("nav.main a[href='{path}']"))
            .await
            .text()
            .await
            .expect("link text");
        assert_eq!(href, link);
    }

    browser
        .find("nav.main a[href='/explorer.html']")
        .await
        .click()
        .await
        .expect("open the file browser");
    eventually(WAIT, "the file browser at /", async || {
        browser.url().await.ends_with("/explorer.html")
    })
    .await;
    assert!(browser.text(".pager .count").await.contains("No entries"));

    // The DataNode: its volumes, its NameNode and its cluster.
    let datanode = base_url(
        cluster
            .datanode_http_address(0)
            .await
            .expect("DataNode web"),
    );
    browser.open(&format!("{datanode}/")).await;
    assert!(browser.url().await.ends_with("/datanode.html"));
    assert_eq!(browser.text("#cluster-id").await, cluster_id);
    assert_eq!(
        browser.text("#datanode-uuid").await,
        cluster.datanode(0).expect("DataNode").uuid().to_string()
    );
    assert_eq!(count(&browser, "#volumes tbody tr").await, 1);
    let rpc = cluster.namenode_rpc_address().to_string();
    eventually(
        WAIT,
        "the DataNode to show its NameNode's heartbeat",
        async || {
            let pools = browser.text("#block-pools").await;
            pools.contains(&rpc) && pools.contains("RUNNING") && pools.contains("active")
        },
    )
    .await;
    assert!(
        browser
            .text("#block-pools")
            .await
            .contains(&namesystem.storage_info().block_pool_id)
    );
    assert!(shown(&browser, "#block-scanner").await);
    browser.screenshot("datanode").await;

    // The SecondaryNameNode: which NameNode it checkpoints, and where.
    browser
        .open(&format!("{}/", base_url(secondary.http_address())))
        .await;
    assert!(browser.url().await.ends_with("/status.html"));
    assert_eq!(browser.text("#namenode-address").await, rpc);
    assert!(
        browser
            .text("#checkpoint-dirs")
            .await
            .contains("checkpoint")
    );
    browser.screenshot("secondarynamenode").await;

    // The JournalNode: the NameNode's journal, written under epoch 1 or later.
    let journal_node = cluster.journal_node(0).expect("JournalNode").http_address();
    browser.open(&format!("{}/", base_url(journal_node))).await;
    assert!(browser.url().await.ends_with("/journalstatus.html"));
    assert_eq!(count(&browser, "section.journal").await, 1);
    let promised: u64 = browser
        .text("section.journal .promised-epoch")
        .await
        .parse()
        .expect("an epoch");
    assert!(promised >= 1, "promised epoch {promised}");
    assert!(
        browser
            .text("section.journal .segments")
            .await
            .contains("in progress")
    );
    browser.screenshot("journalnode").await;
    browser.close().await;

    // At phone width the overview fits: no sideways scrolling of the page.
    let phone = Browser::start_sized(390, 844).await;
    phone.open(&format!("{nn}/dfshealth.html")).await;
    assert_eq!(phone.text("#cluster-id").await, cluster_id);
    assert_eq!(run(&phone, "return window.innerWidth").await, json!(390));
    let fits = run(
        &phone,
        "return document.documentElement.scrollWidth <= window.innerWidth",
    )
    .await;
    assert_eq!(fits, json!(true), "the overview overflows at 390 px");
    phone.screenshot("namenode-overview-phone").await;
    phone.close().await;

    secondary.stop().await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn explorer_browses_uploads_downloads_and_changes_through_webhdfs() {
    let cluster = cluster(1, 0).await;
    let client = cluster.client().expect("client");
    client
        .mkdirs("/ui", FsPermission::new(0o777), true)
        .await
        .expect("mkdir /ui");
    client
        .set_permission("/ui", FsPermission::new(0o777))
        .await
        .expect("chmod /ui");
    client
        .mkdirs("/locked", FsPermission::new(0o755), true)
        .await
        .expect("mkdir /locked");
    let hostile = ["<img src=x onerror=alert(1)>", "say \"hi\" & <b>bye.txt"];
    for name in hostile {
        write_file(&client, &format!("/ui/{name}"), b"x", 1, 1 << 20).await;
    }
    // `<script>alert(1)</script>` as a path: a directory `<script>alert(1)<` and a file.
    write_file(&client, "/ui/<script>alert(1)</script>", b"x", 1, 1 << 20).await;

    let nn_address = cluster.namenode_http_address().to_string();
    let nn = base_url(&nn_address);
    let browser = Browser::start().await;

    // Hadoop's bookmark form turns into the server-side listing.
    browser.open(&format!("{nn}/explorer.html#/ui")).await;
    eventually(WAIT, "the #/ui bookmark to become ?path=/ui", async || {
        browser.url().await.contains("path=%2Fui")
    })
    .await;
    browser.find("#explorer-table").await;
    let listing = browser.text("#explorer-table").await;
    for name in hostile {
        assert!(
            listing.contains(name),
            "{name} not shown as text: {listing}"
        );
    }
    assert!(listing.contains("<script>alert(1)</"), "{listing}");
    assert!(!browser.alert_shown().await, "a file name ran script");
    assert_eq!(count(&browser, "#explorer-table img").await, 0);
    assert_eq!(count(&browser, "#explorer-table b").await, 0);
    browser
        .open(&format!(
            "{nn}/explorer.html?path=/ui/%3Cscript%3Ealert(1)%3C/script%3E"
        ))
        .await;
    assert!(browser.text("nav.breadcrumb").await.contains("script>"));
    assert!(!browser.alert_shown().await, "a path ran script");

    // Upload a local file as the user the page names, then download it back.
    browser.open(&format!("{nn}/explorer.html?path=/ui")).await;
    let user_field = browser.find("#user-name").await;
    assert_eq!(
        user_field.prop("value").await.expect("value").as_deref(),
        Some("dr.who"),
        "Hadoop's static user by default"
    );
    user_field.clear().await.expect("clear user.name");
    user_field.send_keys("alice").await.expect("type user.name");
    let local = tempfile::tempdir().expect("temp dir");
    let mut uploaded = b"first line of the upload\n".to_vec();
    uploaded.extend(content(300_000, 7));
    let local_file = local.path().join("upload.bin");
    std::fs::write(&local_file, &uploaded).expect("write the local file");
    browser
        .find("#upload-form input[type=file]")
        .await
        .send_keys(&local_file.display().to_string())
        .await
        .expect("choose the file");
    browser
        .find("#upload-form button")
        .await
        .click()
        .await
        .expect("upload");
    let status = form_status(&browser, "#upload-form").await;
    assert_eq!(status, "Uploaded upload.bin");
    assert_eq!(read_file(&client, "/ui/upload.bin").await, uploaded);
    let stat = client.stat("/ui/upload.bin").await.expect("stat");
    assert_eq!(stat.owner, "alice");
    eventually(WAIT, "the listing to show the upload", async || {
        browser.text("#explorer-table").await.contains("upload.bin")
    })
    .await;
    browser.screenshot("namenode-explorer").await;

    browser
        .open(&format!("{nn}/explorer.html?path=/ui/upload.bin"))
        .await;
    assert_eq!(count(&browser, "#file-blocks tbody tr").await, 1);
    eventually(WAIT, "the head of the file", async || {
        browser
            .text("#file-head")
            .await
            .starts_with("first line of the upload")
    })
    .await;
    let href = browser
        .find("#download")
        .await
        .attr("href")
        .await
        .expect("href")
        .expect("a download link");
    let redirect = get(&nn_address, &href).await;
    assert_eq!(redirect.status, 307, "download {href}");
    let (datanode, target) = split_url(redirect.header("location").expect("a Location"));
    let downloaded = get(&datanode, &target).await;
    assert_eq!(downloaded.status, 200);
    assert_eq!(downloaded.body, uploaded, "the download is the upload");
    browser.screenshot("namenode-explorer-file").await;

    // mkdir, chmod and delete through the page, as alice.
    browser
        .open(&format!("{nn}/explorer.html?path=/ui&user.name=alice"))
        .await;
    browser
        .find("#mkdir-form input[name=name]")
        .await
        .send_keys("made by page")
        .await
        .expect("type a name");
    browser
        .find("#mkdir-form button")
        .await
        .click()
        .await
        .expect("mkdir");
    assert_eq!(form_status(&browser, "#mkdir-form").await, "Created");
    let made = client
        .get_file_info("/ui/made by page")
        .await
        .expect("file info")
        .expect("the directory exists");
    assert!(made.is_dir);
    assert_eq!(made.owner, "alice");

    browser
        .open(&format!(
            "{nn}/explorer.html?path=/ui/made%20by%20page&user.name=alice"
        ))
        .await;
    let permission = browser.find("#chmod-form input[name=permission]").await;
    permission.clear().await.expect("clear permission");
    permission.send_keys("700").await.expect("type permission");
    browser
        .find("#chmod-form button")
        .await
        .click()
        .await
        .expect("chmod");
    assert_eq!(
        form_status(&browser, "#chmod-form").await,
        "Permission changed"
    );
    let changed = client.stat("/ui/made by page").await.expect("stat");
    assert_eq!(changed.permission, FsPermission::new(0o700));
    eventually(WAIT, "the page to show the new permission", async || {
        browser.text("#dir-permission").await == "drwx------"
    })
    .await;

    run(&browser, "window.confirm = () => true; return true").await;
    browser
        .find("#delete-form button")
        .await
        .click()
        .await
        .expect("delete");
    eventually(WAIT, "the page to go back to /ui", async || {
        let url = browser.url().await;
        url.contains("path=/ui&") || url.ends_with("path=/ui")
    })
    .await;
    assert!(
        client
            .get_file_info("/ui/made by page")
            .await
            .expect("file info")
            .is_none(),
        "deleted"
    );

    // A refusal is shown readably.
    browser
        .open(&format!(
            "{nn}/explorer.html?path=/locked&user.name=mallory"
        ))
        .await;
    browser
        .find("#mkdir-form input[name=name]")
        .await
        .send_keys("nope")
        .await
        .expect("type a name");
    browser
        .find("#mkdir-form button")
        .await
        .click()
        .await
        .expect("mkdir");
    let refusal = form_status(&browser, "#mkdir-form").await;
    assert!(refusal.contains("Permission denied"), "{refusal}");
    assert!(refusal.contains("mallory"), "{refusal}");

    // The page's actions carry the CSRF header; a bare PUT from the page is refused.
    let bare = run(
        &browser,
        "return fetch('/webhdfs/v1/ui/bare?op=MKDIRS&user.name=alice', {method: 'PUT'})\
         .then(r => r.text().then(t => [r.status, t]))",
    )
    .await;
    assert_eq!(bare[0], 400, "{bare}");
    assert_eq!(
        bare[1].as_str().map(str::trim),
        Some("Missing Required Header for CSRF Vulnerability Protection")
    );
    assert!(
        client
            .get_file_info("/ui/bare")
            .await
            .expect("file info")
            .is_none()
    );
    assert!(!browser.alert_shown().await);

    browser.close().await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn explorer_pages_a_large_directory_on_the_server() {
    let cluster = cluster(1, 0).await;
    let client = cluster.client().expect("client");
    client
        .mkdirs("/many", FsPermission::new(0o755), true)
        .await
        .expect("mkdir /many");
    for index in 0..250 {
        client
            .mkdirs(
                &format!("/many/dir-{index:04}"),
                FsPermission::new(0o755),
                false,
            )
            .await
            .expect("mkdir");
    }
    let nn = base_url(cluster.namenode_http_address());
    let browser = Browser::start().await;
    browser
        .open(&format!("{nn}/explorer.html?path=/many&size=100"))
        .await;
    assert_eq!(count(&browser, "#explorer-table tbody tr").await, 100);
    assert!(
        browser
            .text(".pager .count")
            .await
            .contains("Showing 1 to 100 of 250 entries")
    );
    browser
        .find(".pager a[rel=next]")
        .await
        .click()
        .await
        .expect("next page");
    eventually(WAIT, "the second page", async || {
        browser.text("#explorer-table tbody tr td.name").await == "dir-0100/"
    })
    .await;
    // Sorting on the server: by name, descending.
    browser
        .open(&format!(
            "{nn}/explorer.html?path=/many&sort=name&order=desc"
        ))
        .await;
    assert_eq!(
        browser.text("#explorer-table tbody tr td.name").await,
        "dir-0249/"
    );
    // Filtering on the server.
    browser
        .open(&format!("{nn}/explorer.html?path=/many&filter=dir-012"))
        .await;
    assert_eq!(count(&browser, "#explorer-table tbody tr").await, 10);
    // The biggest page the browser serves (500 rows) stays well under 300 KB.
    let address = cluster.namenode_http_address().to_string();
    let empty = get(&address, "/explorer.html?path=/many&filter=none").await;
    let full = get(&address, "/explorer.html?path=/many&size=100000").await;
    assert_eq!((empty.status, full.status), (200, 200));
    let html = String::from_utf8_lossy(&full.body);
    assert_eq!(
        html.matches("<tr>").count(),
        1 + 250 + 4,
        "the heading, every row and the facts"
    );
    let per_row = (full.body.len() - empty.body.len()) / 250;
    assert!(
        empty.body.len() + 500 * per_row < 300 * 1024,
        "{per_row} bytes per row"
    );
    browser.close().await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_ha_pair_shows_which_namenode_is_active() {
    let cluster = minicluster::ha::HaCluster::builder()
        .hdfs_binary(tusk_tests::binary("hdfs"))
        .datanodes(1)
        .build()
        .await
        .expect("HA cluster");
    let active = cluster
        .wait_for_active(None, WAIT)
        .await
        .expect("an active NameNode");
    let browser = Browser::start().await;

    browser
        .open(&format!(
            "{}/dfshealth.html",
            base_url(cluster.namenode_http_address(active))
        ))
        .await;
    assert_eq!(browser.text("#ha-state").await, "active");
    let journals = browser.text("#journal-status").await;
    assert!(journals.contains("qjournal://"), "{journals}");
    assert!(journals.contains("open for write"), "{journals}");

    let standby = base_url(cluster.namenode_http_address(1 - active));
    browser.open(&format!("{standby}/dfshealth.html")).await;
    assert_eq!(browser.text("#ha-state").await, "standby");
    assert!(
        browser
            .text("#journal-status")
            .await
            .contains("open for read (tailing edits)")
    );
    assert_eq!(browser.text("header.top .state").await, "STANDBY");
    // The standby's file browser says why it shows nothing.
    browser.open(&format!("{standby}/explorer.html")).await;
    let refusal = browser.text("#explorer-error").await;
    assert!(refusal.contains("standby"), "{refusal}");
    browser.screenshot("namenode-standby").await;
    browser.close().await;
}

//! A real browser for UI tests: Debian's headless Chromium driven through ChromeDriver's
//! WebDriver protocol (the `fantoccini` crate). Each [`Browser`] has its own ChromeDriver
//! process, its own empty profile and a 1280x800 window; screenshots go to
//! `target/ui-screenshots/`.

use std::io::{BufRead, BufReader};
use std::ops::Deref;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// Where Debian puts Chromium and its driver (`.ci/run` installs both).
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The narrowest window Chromium opens; narrower sizes are emulated.
const MIN_WINDOW_WIDTH: u32 = 500;
/// How long a page may take to show what a test waits for.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// A headless Chromium session; the driver process ends with it.
pub struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts ChromeDriver on a free port and opens a session in a 1280x800 window.
    pub async fn start() -> Self {
        Self::start_sized(1280, 800).await
    }

    /// As [`Browser::start`], with a `width` x `height` window (a phone is 390 wide).
    pub async fn start_sized(width: u32, height: u32) -> Self {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists(),
            "{CHROMEDRIVER} is missing: install Debian's chromium and chromium-driver (.ci/run does)"
        );
        let mut driver = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let port = driver_port(&mut driver);
        let profile = tempfile::tempdir().expect("browser profile dir");
        let mut capabilities = serde_json::Map::new();
        let mut options = json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"),
                ],
        });
        if width < MIN_WINDOW_WIDTH {
            // Chromium widens a narrower window to its minimum: a phone's width is emulated.
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0 },
            });
        }
        capabilities.insert("goog:chromeOptions".to_string(), options);
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("open a Chromium session through chromedriver");
        Self {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Waits until an element matches `css`, and returns it.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(error) => panic!("no element {css:?} on {}: {error}", self.url().await),
        }
    }

    /// The text of the first element matching `css`, once there is one (found again when a
    /// live section replaced it while it was read).
    pub async fn text(&self, css: &str) -> String {
        crate::eventually(PAGE_TIMEOUT, &format!("the text of {css}"), async || {
            self.find(css).await.text().await.ok()
        })
        .await
    }

    /// The page's whole visible text.
    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    /// The address the browser shows.
    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|url| url.to_string())
            .unwrap_or_default()
    }

    /// Opens `url` and waits for its `<main>`.
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|error| panic!("open {url}: {error}"));
        self.find("main").await;
    }

    /// Saves a PNG of the window as `target/ui-screenshots/NAME.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("take a screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("create target/ui-screenshots");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Whether the page ran an `alert()` (escaping tests: a hostile name must not).
    pub async fn alert_shown(&self) -> bool {
        self.client.get_alert_text().await.is_ok()
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Deref for Browser {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Reads "ChromeDriver was started successfully on port N." from the driver's stdout.
fn driver_port(driver: &mut Child) -> u16 {
    let stdout = driver.stdout.take().expect("chromedriver stdout");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = line
                .strip_prefix("ChromeDriver was started successfully on port ")
                .and_then(|rest| rest.trim_end_matches('.').parse::<u16>().ok())
            {
                let _ = sender.send(port);
            }
        }
    });
    receiver
        .recv_timeout(Duration::from_secs(30))
        .expect("chromedriver did not say which port it listens on")
}

/// `target/ui-screenshots`, beside the profile dir the test executable was built in.
pub fn screenshot_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.ancestors()
        .nth(3)
        .expect("test executable lives in target/<profile>/deps")
        .join("ui-screenshots")
}

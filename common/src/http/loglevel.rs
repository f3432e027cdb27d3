//! `/logLevel?log=<target>[&level=<LEVEL>]`: Hadoop's LogLevel servlet over the tracing
//! filter. The page keeps Hadoop's lines, each result line behind the `<!-- OUTPUT -->`
//! marker that `hadoop daemonlog -getlevel/-setlevel` prints (so it reads
//! "Effective Level: DEBUG" as from a Hadoop daemon). A target is a module path
//! (`tusk_namenode`, `tusk_namenode::server`); levels are log4j's names.

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::Html;

use super::escape_html;
use crate::logging::{self, LoggingError, level_name, parse_level};

/// What `hadoop daemonlog` looks for at the start of a result line.
const MARKER: &str = "<!-- OUTPUT -->";

const FORMS: &str = "\n<br /><hr /><h3>Get / Set</h3>\
    \n<form>Class Name: <input type='text' size='50' name='log' /> \
    <input type='submit' value='Get Log Level' /></form>\
    \n<form>Class Name: <input type='text' size='50' name='log' /> \
    Level: <input type='text' name='level' /> \
    <input type='submit' value='Set Log Level' /></form>";

pub(super) async fn log_level(Query(params): Query<HashMap<String, String>>) -> Html<String> {
    let mut page = String::from("<html>\n<title>Log Level</title>\n<body>\n<h1>Log Level</h1>\n");
    if let Some(target) = params.get("log").filter(|target| !target.is_empty()) {
        page.push_str(&results(target, params.get("level")));
    }
    page.push_str(FORMS);
    page.push_str("\n</body></html>\n");
    Html(page)
}

/// The "Results" block: what was asked, what was set, and the level now in effect.
fn results(target: &str, level: Option<&String>) -> String {
    let mut lines = vec![
        "<br /><hr /><h3>Results</h3>".to_string(),
        format!(
            "{MARKER}Submitted Class Name: <b>{}</b><br />",
            escape_html(target)
        ),
        format!("{MARKER}Log Class: <b>tracing_subscriber::EnvFilter</b><br />"),
    ];
    if let Some(level) = level {
        lines.push(format!(
            "{MARKER}Submitted Level: <b>{}</b><br />",
            escape_html(level)
        ));
        match parse_level(level) {
            None => lines.push(format!(
                "{MARKER}Bad Level : <b>{}</b><br />",
                escape_html(level)
            )),
            Some(filter) => match logging::set_level(target, filter) {
                Ok(_) => lines.push(format!(
                    "{MARKER}Setting Level to {} ...<br />",
                    level_name(filter)
                )),
                Err(error) => return failure(lines, &error),
            },
        }
    }
    match logging::effective_level(target) {
        Ok(effective) => lines.push(format!(
            "{MARKER}Effective Level: <b>{}</b><br />",
            level_name(effective)
        )),
        Err(error) => return failure(lines, &error),
    }
    lines.join("\n")
}

/// Hadoop's "Sorry, ..." line for a logger it cannot handle.
fn failure(mut lines: Vec<String>, error: &LoggingError) -> String {
    lines.push(format!("Sorry, {}.<br />", escape_html(&error.to_string())));
    lines.join("\n")
}

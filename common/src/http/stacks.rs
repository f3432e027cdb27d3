//! `/stacks`: the process's threads in the shape of Hadoop's StackServlet dump (a
//! "Process Thread Dump:" header, then a block per thread) with what Linux tells about
//! each: its name, scheduler state and CPU time. A native process has no Java frames to
//! print, so no stack is shown.

use axum::http::header;
use axum::response::IntoResponse;

use crate::metrics::threads;

pub(super) async fn stacks() -> impl IntoResponse {
    let threads = tokio::task::spawn_blocking(threads)
        .await
        .unwrap_or_default();
    let mut text = format!("Process Thread Dump: \n{} active threads\n", threads.len());
    for thread in threads {
        text.push_str(&format!(
            "Thread {} ({}):\n  State: {}\n  CPU time: user {} ms, system {} ms\n",
            thread.tid,
            thread.name,
            thread.state_name(),
            thread.user_millis,
            thread.system_millis
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
}

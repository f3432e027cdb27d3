//! `yarn queue -status QUEUE` with Hadoop's QueueCLI output.

use std::io::Write;

use client::yarn::YarnClient;
use common::Configuration;

const USAGE: &str = "usage: queue
 -status <Queue Name>   List queue information about given queue.";

/// Runs `yarn queue ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let [flag, name] = args else {
        let _ = writeln!(err, "{USAGE}");
        return crate::EXIT_USAGE;
    };
    if flag != "-status" {
        let _ = writeln!(err, "{USAGE}");
        return crate::EXIT_USAGE;
    }
    let client = or_exit!(YarnClient::from_conf(conf), err, "");
    let queues = client.queue_info(name, false).await;
    let Some(queue) = queues.ok().and_then(|queues| queues.into_iter().next()) else {
        let _ = writeln!(
            err,
            "Cannot get queue from RM by queueName = {name}, please check."
        );
        return crate::EXIT_FAILURE;
    };
    let _ = write!(
        out,
        "Queue Information : \n\
         Queue Name : {}\n\
         Queue Path : {}\n\
         \tState : {}\n\
         \tCapacity : {}\n\
         \tCurrent Capacity : {}\n\
         \tMaximum Capacity : {}\n\
         \tDefault Node Label expression : <DEFAULT_PARTITION>\n\
         \tAccessible Node Labels : *\n\
         \tPreemption : disabled\n\
         \tIntra-queue Preemption : disabled\n",
        queue.queue_name,
        queue.queue_path,
        queue.state,
        percent(queue.capacity),
        percent(queue.current_capacity),
        percent(queue.maximum_capacity),
    );
    0
}

/// Hadoop's `DecimalFormat("#.00")` of a fraction as a percentage: `100.00%`, `.50%`.
fn percent(fraction: f32) -> String {
    let text = format!("{:.2}", fraction * 100.0);
    let text = text.strip_prefix('0').unwrap_or(&text);
    format!("{text}%")
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentages_read_like_hadoops() {
        assert_eq!(super::percent(1.0), "100.00%");
        assert_eq!(super::percent(0.0), ".00%");
        assert_eq!(super::percent(0.005), ".50%");
    }
}

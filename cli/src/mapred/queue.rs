//! `mapred queue -list`: the scheduler's queues as Hadoop's JobQueueClient prints them,
//! each queue below the root with its children indented beneath it.

use std::io::Write;

use client::yarn::YarnClient;
use common::Configuration;
use proto::yarn as pb;

const USAGE: &str = "Usage: queue [-list]";

/// Runs `mapred queue ARGS` and returns the exit code.
pub async fn run(
    conf: &Configuration,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    if args.len() != 1 || args[0] != "-list" {
        let _ = writeln!(err, "{USAGE}");
        return crate::EXIT_USAGE;
    }
    let client = or_exit!(YarnClient::from_conf(conf), err, "");
    let queues = or_exit!(client.queue_info("root", true).await, err, "");
    let _ = out.write_all(render(&queues).as_bytes());
    0
}

/// The queues under `root`, depth first, as JobQueueClient's `printJobQueueInfo`.
fn render(queues: &[pb::QueueInfo]) -> String {
    let mut text = String::new();
    if let Some(root) = queues.iter().find(|queue| queue.queue_path == "root") {
        for child in &root.child_queue_names {
            print_queue(queues, &format!("root.{child}"), "", &mut text);
        }
    }
    text
}

fn print_queue(queues: &[pb::QueueInfo], path: &str, prefix: &str, text: &mut String) {
    let Some(queue) = queues.iter().find(|queue| queue.queue_path == path) else {
        return;
    };
    text.push_str(&format!("{prefix}======================\n"));
    text.push_str(&format!("{prefix}Queue Name : {} \n", queue.queue_name));
    text.push_str(&format!(
        "{prefix}Queue State : {} \n",
        queue.state.to_ascii_lowercase()
    ));
    text.push_str(&format!(
        "{prefix}Scheduling Info : Capacity: {}, MaximumCapacity: {}, CurrentCapacity: {} \n",
        java_float(queue.capacity * 100.0),
        java_float(queue.maximum_capacity * 100.0),
        java_float(queue.current_capacity * 100.0)
    ));
    for child in &queue.child_queue_names {
        print_queue(
            queues,
            &format!("{path}.{child}"),
            &format!("{prefix}    "),
            text,
        );
    }
}

/// A float as Java's `Float.toString` writes round values: `100.0`, `37.5`.
fn java_float(value: f32) -> String {
    let text = format!("{value}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(path: &str, children: &[&str], capacity: f32) -> pb::QueueInfo {
        pb::QueueInfo {
            queue_name: path.rsplit('.').next().unwrap().to_string(),
            queue_path: path.to_string(),
            capacity,
            maximum_capacity: 1.0,
            state: "RUNNING".to_string(),
            child_queue_names: children.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn children_are_indented_under_their_parent() {
        let queues = [
            queue("root", &["a", "default"], 1.0),
            queue("root.a", &["a1"], 0.5),
            queue("root.a.a1", &[], 1.0),
            queue("root.default", &[], 0.5),
        ];
        let text = render(&queues);
        assert!(
            text.starts_with("======================\nQueue Name : a \nQueue State : running \n"),
            "{text}"
        );
        assert!(
            text.contains(
                "Scheduling Info : Capacity: 50.0, MaximumCapacity: 100.0, CurrentCapacity: 0.0 \n"
            ),
            "{text}"
        );
        assert!(text.contains("    Queue Name : a1 \n"), "{text}");
        assert!(text.ends_with("Queue Name : default \nQueue State : running \nScheduling Info : Capacity: 50.0, MaximumCapacity: 100.0, CurrentCapacity: 0.0 \n"), "{text}");
    }
}

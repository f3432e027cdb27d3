//! `hdfs secondarynamenode [-checkpoint [force]] [-format] [-geteditsize]`:
//! runs the SecondaryNameNode, or one of its one-shot commands.

use common::Configuration;
use namenode::{SecondaryConfig, SecondaryDaemon, SecondaryNameNode};

const USAGE: &str = "Usage: hdfs secondarynamenode [-checkpoint [force]] [-format] [-geteditsize]";

enum Command {
    Serve,
    Checkpoint { force: bool },
    Format,
    GetEditSize,
}

/// Runs `hdfs secondarynamenode ARGS` and returns the exit code.
pub fn run(conf: &Configuration, args: &[String]) -> i32 {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let command = match words.as_slice() {
        [] => Command::Serve,
        ["-checkpoint"] => Command::Checkpoint { force: false },
        ["-checkpoint", "force"] => Command::Checkpoint { force: true },
        ["-format"] => Command::Format,
        ["-geteditsize"] => Command::GetEditSize,
        _ => {
            eprintln!(
                "secondarynamenode: unknown arguments {}\n{USAGE}",
                words.join(" ")
            );
            return crate::EXIT_USAGE;
        }
    };
    let config = match SecondaryConfig::from_conf(conf) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("secondarynamenode: {error}");
            return crate::EXIT_FAILURE;
        }
    };
    common::logging::init(if matches!(command, Command::Serve) {
        "info"
    } else {
        "warn"
    });
    crate::launcher::runtime().block_on(async move {
        if let Command::Serve = command {
            return serve(config).await;
        }
        let secondary = match SecondaryNameNode::new(config) {
            Ok(secondary) => secondary,
            Err(error) => {
                eprintln!("secondarynamenode: {error}");
                return crate::EXIT_FAILURE;
            }
        };
        let result = match command {
            Command::Checkpoint { force } => checkpoint(&secondary, force).await,
            Command::Format => secondary.format().await.map(|()| {
                println!("Formatted the checkpoint dirs.");
            }),
            Command::GetEditSize => secondary.uncheckpointed_txns().await.map(|count| {
                println!("EditLog size {count} transactions");
            }),
            Command::Serve => Ok(()),
        };
        match result {
            Ok(()) => 0,
            Err(error) => {
                eprintln!("secondarynamenode: {error}");
                crate::EXIT_FAILURE
            }
        }
    })
}

async fn serve(config: SecondaryConfig) -> i32 {
    crate::launcher::serve(
        "secondarynamenode",
        async || Ok(SecondaryDaemon::start(config).await?),
        async |daemon: SecondaryDaemon| daemon.stop().await,
    )
    .await
}

async fn checkpoint(
    secondary: &SecondaryNameNode,
    force: bool,
) -> Result<(), namenode::SecondaryError> {
    if !force {
        let count = secondary.uncheckpointed_txns().await?;
        let threshold = secondary.config().txns;
        if count < threshold {
            eprintln!(
                "EditLog size {count} transactions is smaller than configured checkpoint interval {threshold} transactions."
            );
            eprintln!("Skipping checkpoint.");
            return Ok(());
        }
    }
    let report = secondary.checkpoint().await?;
    if report.merged_txns == 0 {
        println!(
            "No new transactions since the image at txid {}: nothing to checkpoint.",
            report.txid
        );
    } else {
        println!(
            "Checkpoint done. New image at txid {} ({} bytes, {} transactions merged) in {} ms.",
            report.txid,
            report.image_bytes,
            report.merged_txns,
            report.duration.as_millis()
        );
    }
    Ok(())
}

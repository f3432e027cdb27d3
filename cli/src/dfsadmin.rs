//! `hdfs dfsadmin`: administration of the NameNode.

use std::io::Write;

use client::{DfsClient, SafeModeAction};
use common::Configuration;

const USAGE: &str = "Usage: hdfs dfsadmin\n\
\t[-safemode <enter | leave | get | wait>]\n\
\t[-saveNamespace]\n\
\t[-rollEdits]\n\
\t[-report]";

/// Runs `hdfs dfsadmin ARGS` and returns the exit code.
pub async fn run(conf: &Configuration, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let client = match DfsClient::from_conf(conf) {
        Ok(client) => client,
        Err(error) => {
            let _ = writeln!(err, "dfsadmin: {error}");
            return crate::EXIT_FAILURE;
        }
    };
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let (command, result) = match words.as_slice() {
        ["-safemode", action] => ("safemode", safe_mode(&client, action, out).await),
        ["-saveNamespace"] => ("saveNamespace", client.save_namespace().await.map(|_| {
            let _ = writeln!(out, "Save namespace successful");
        })),
        ["-rollEdits"] => ("rollEdits", client.roll_edits().await.map(|txid| {
            let _ = writeln!(out, "Successfully rolled edit logs.\nNew segment starts at txid {txid}");
        })),
        ["-report"] => ("report", report(&client, out).await),
        _ => {
            let _ = writeln!(err, "{USAGE}");
            return crate::EXIT_USAGE;
        }
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            let _ = writeln!(err, "{command}: {error}");
            crate::EXIT_USAGE
        }
    }
}

async fn safe_mode(client: &DfsClient, action: &str, out: &mut dyn Write) -> Result<(), client::RemoteException> {
    let action = match action {
        "enter" => SafeModeAction::Enter,
        "leave" => SafeModeAction::Leave,
        "get" | "wait" => SafeModeAction::Get,
        other => {
            return Err(client::RemoteException::illegal_argument(format!(
                "unknown safemode action '{other}' (expected enter, leave, get or wait)"
            )));
        }
    };
    let on = client.set_safe_mode(action).await?;
    let _ = writeln!(out, "Safe mode is {}", if on { "ON" } else { "OFF" });
    Ok(())
}

async fn report(client: &DfsClient, out: &mut dyn Write) -> Result<(), client::RemoteException> {
    let stats = client.fs_stats().await?;
    let _ = writeln!(
        out,
        "Configured Capacity: {}\nDFS Used: {}\nDFS Remaining: {}\nUnder replicated blocks: {}\n\
         Blocks with corrupt replicas: {}\nMissing blocks: {}\nFiles and directories: {}\nBlocks: {}",
        stats.capacity,
        stats.used,
        stats.remaining,
        stats.under_replicated,
        stats.corrupt_blocks,
        stats.missing_blocks,
        stats.files_total,
        stats.blocks_total
    );
    Ok(())
}

//! The trash emptier (Hadoop's `Trash.Emptier`, run by the NameNode): every
//! `fs.trash.checkpoint.interval` it checkpoints each user's
//! `/user/<user>/.Trash/Current` and deletes checkpoints older than
//! `fs.trash.interval`. It works through ClientProtocol as the superuser, so
//! its changes are logged and checked like any client's.

use std::net::SocketAddr;
use std::time::Duration;

use client::DfsClient;
use client::trash::Trash;
use common::FsPermission;
use tokio::sync::watch;

/// Runs until `stop`; does nothing when the trash is off.
pub async fn run(
    rpc_address: SocketAddr,
    superuser: String,
    trash_interval: Duration,
    checkpoint_interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    if trash_interval.is_zero() || checkpoint_interval.is_zero() {
        return;
    }
    let address = if rpc_address.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], rpc_address.port()))
    } else {
        rpc_address
    };
    let fs = match DfsClient::connect(&address.to_string(), &superuser, FsPermission::new(0o022)) {
        Ok(fs) => fs,
        Err(error) => {
            tracing::error!(error = %error.message, "trash emptier cannot start");
            return;
        }
    };
    let trash = Trash::with_interval(fs, trash_interval);
    tracing::info!(
        interval = ?trash_interval,
        checkpoint_interval = ?checkpoint_interval,
        "trash emptier started"
    );
    let mut ticks = tokio::time::interval(checkpoint_interval);
    ticks.tick().await;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        if let Err(error) = trash.empty_all().await {
            tracing::warn!(error = %error.message, "trash emptier round failed");
        }
    }
}

//! The HA state machine of the namesystem: loading a standby, applying the
//! shared edits it tails (Hadoop's `EditLogTailer`), the transitions, and the
//! standby's checkpoints (Hadoop's `StandbyCheckpointer`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::ids::BlockId;
use common::{ExceptionKind, RemoteException, faults};
use proto::hdfs::namenode_protocol_client::NamenodeProtocolClient;
use proto::namenode_storage::EditRecord;
use proto::namenode_storage::edit_record::Op;
use tokio::sync::watch;
use tonic::transport::Endpoint;
use tracing::{info, warn};

use super::{HaConfig, HaState};
use crate::checkpoint::Checkpoints;
use crate::checkpoint::transfer::storage_info_param;
use crate::editlog::EditLog;
use crate::fsimage;
use crate::namespace::{Limits, Namespace};
use crate::namesystem::Namesystem;
use crate::qjournal::QJM_NODE_NAME;
use crate::retry_cache::RetryCache;
use crate::secondary::transfer::TransferClient;
use crate::storage::{self, NameDirs, StorageError, StorageInfo, image_name};

/// The HA side of a namesystem.
pub(crate) struct HaContext {
    config: HaConfig,
    state: watch::Sender<HaState>,
    /// A standby's last applied txid (the active's last written, once it
    /// stepped down).
    applied_txid: AtomicU64,
    /// Held by a transition, a tailing round and a checkpoint: none of them
    /// overlaps another.
    transition: tokio::sync::Mutex<()>,
    /// The txid and time of the last checkpoint this NameNode has.
    last_checkpoint: Mutex<(u64, Instant)>,
    /// The client RPC's retry cache, filled from the rpc ids of the applied
    /// records (Hadoop's `FSEditLogLoader`), so a call retried on the new
    /// active after a failover is answered, not applied twice.
    retry_cache: OnceLock<Arc<RetryCache>>,
}

impl HaContext {
    /// A standby whose namespace holds every txid up to `loaded_txid`.
    pub(crate) fn new(config: HaConfig, loaded_txid: u64) -> Self {
        Self {
            config,
            state: watch::Sender::new(HaState::Standby),
            applied_txid: AtomicU64::new(loaded_txid),
            transition: tokio::sync::Mutex::new(()),
            last_checkpoint: Mutex::new((loaded_txid, Instant::now())),
            retry_cache: OnceLock::new(),
        }
    }

    pub(crate) fn state(&self) -> HaState {
        *self.state.borrow()
    }

    /// Follows the state, for services that run only while active.
    pub(crate) fn subscribe(&self) -> watch::Receiver<HaState> {
        self.state.subscribe()
    }

    /// Where the shared edits are.
    pub(crate) fn shared_edits(&self) -> &crate::ha::shared::SharedEdits {
        &self.config.shared_edits
    }

    pub(crate) fn applied_txid(&self) -> u64 {
        self.applied_txid.load(Ordering::Acquire)
    }

    fn last_checkpoint(&self) -> (u64, Instant) {
        *self
            .last_checkpoint
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn checkpointed(&self, txid: u64) {
        *self
            .last_checkpoint
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = (txid, Instant::now());
    }
}

/// Loads the newest fsimage of the name dirs: what an HA NameNode starts
/// from (the shared edits hold every later transaction).
pub(crate) fn load_newest_image(
    dirs: &NameDirs,
    limits: Limits,
) -> Result<(Namespace, u64, StorageInfo), StorageError> {
    let currents = dirs.current_dirs();
    let info = StorageInfo::read(&currents[0])?;
    let listing = storage::list_files(&currents)?;
    let (&txid, copies) = listing.images.iter().next_back().ok_or_else(|| {
        StorageError::Invalid(format!("no fsimage found in {}", currents[0].display()))
    })?;
    let mut last_error = None;
    for path in copies {
        match fsimage::load(path, limits.clone()) {
            Ok(image) if image.txid == txid => {
                info!(image_txid = txid, "loaded fsimage for HA");
                return Ok((image.namespace, txid, info));
            }
            Ok(image) => {
                last_error = Some(StorageError::Invalid(format!(
                    "fsimage {} holds txid {} instead of {txid}",
                    path.display(),
                    image.txid
                )));
            }
            Err(error) => last_error = Some(error.into()),
        }
    }
    Err(last_error.unwrap_or_else(|| StorageError::Invalid(format!("no copy of fsimage {txid}"))))
}

fn not_ha() -> RemoteException {
    RemoteException::io("HA for namenode is not enabled")
}

fn storage_failure(what: &str, error: impl std::fmt::Display) -> RemoteException {
    RemoteException::io(format!("{what}: {error}"))
}

impl Namesystem {
    fn ha_context(&self) -> Result<&HaContext, RemoteException> {
        self.ha.as_ref().ok_or_else(not_ha)
    }

    /// The HA status a heartbeat answer carries: the state and the last
    /// written (active) or applied (standby) txid; `None` without HA.
    pub fn ha_status(&self) -> Option<(HaState, u64)> {
        let ha = self.ha.as_ref()?;
        Some((ha.state(), self.last_txid()))
    }

    /// Makes the records this standby applies fill `retry_cache` (the one its
    /// client RPC answers retries from). Without HA it does nothing.
    pub fn replay_into(&self, retry_cache: Arc<RetryCache>) {
        if let Some(ha) = &self.ha {
            let _ = ha.retry_cache.set(retry_cache);
        }
    }

    /// Applies tailed records after the last applied txid, in order, with
    /// their effect on blocks, leases and the retry cache. Returns how many
    /// were applied.
    pub(crate) fn apply_tailed(&self, records: Vec<EditRecord>) -> Result<usize, RemoteException> {
        let ha = self.ha_context()?;
        let mut applied = 0;
        {
            let mut namespace = self.write();
            for record in records {
                let last = ha.applied_txid();
                if record.txid <= last {
                    continue;
                }
                if record.txid != last + 1 {
                    return Err(RemoteException::io(format!(
                        "There appears to be a gap in the edit log. We expected txid {}, but got txid {}.",
                        last + 1,
                        record.txid
                    )));
                }
                let op = record
                    .op
                    .ok_or_else(|| RemoteException::io("record without an operation"))?;
                if matches!(op, Op::Truncate(_)) {
                    // Replicas reported for the state before the truncate (the
                    // blocks' writes, tailed in this same batch) are judged
                    // against it, not against the new stamp, which would make
                    // them stale (Hadoop processes queued messages per edit).
                    self.blocks().process_queued_reports();
                }
                namespace.apply(&op)?;
                self.track_tailed(&namespace, &op);
                if let Some(cache) = ha.retry_cache.get() {
                    cache.add_replayed(&record.rpc_client_id, record.rpc_call_id);
                }
                ha.applied_txid.store(record.txid, Ordering::Release);
                applied += 1;
            }
            let removed = namespace.take_removed_blocks();
            if !removed.is_empty() {
                self.blocks().forget_blocks(&removed);
            }
        }
        if applied > 0 {
            self.blocks().process_queued_reports();
            self.check_safe_mode();
        }
        Ok(applied)
    }

    /// What an applied record changes besides the namespace: the blocks the
    /// block manager tracks and the leases of open files.
    fn track_tailed(&self, namespace: &Namespace, op: &Op) {
        let now = Instant::now();
        let sync_blocks = |path: &str| {
            let Some(slot) = namespace
                .resolve(path)
                .ok()
                .and_then(|resolved| resolved.last())
            else {
                return;
            };
            if let Some(file) = namespace.inode(slot).file() {
                self.blocks().sync_file_blocks(
                    &file.blocks,
                    file.replication,
                    file.is_under_construction(),
                );
            }
        };
        match op {
            Op::AddFile(op) => self.leases.add(&op.client_name, &op.path, now),
            Op::Append(op) => {
                self.leases.add(&op.client_name, &op.path, now);
                sync_blocks(&op.path);
            }
            Op::AddBlock(op) => sync_blocks(&op.path),
            Op::UpdateBlocks(op) => sync_blocks(&op.path),
            Op::SetReplication(op) => sync_blocks(&op.path),
            Op::CloseFile(op) => {
                self.leases.remove(&op.path);
                sync_blocks(&op.path);
            }
            Op::ReassignLease(op) => self.leases.add(&op.new_holder, &op.path, now),
            Op::Rename(op) => {
                if op.overwrite {
                    self.leases.remove_under(&op.dst);
                }
                self.leases.rename(&op.src, &op.dst);
            }
            Op::Delete(op) => self.leases.remove_under(&op.path),
            Op::Concat(op) => sync_blocks(&op.target),
            Op::Truncate(op) => {
                sync_blocks(&op.src);
                if let Some(block) = &op.truncate_block {
                    self.leases.add(&op.client_name, &op.src, now);
                    self.blocks().mark_truncating(BlockId(block.block_id));
                }
            }
            Op::Mkdir(_)
            | Op::SetPermission(_)
            | Op::SetOwner(_)
            | Op::SetTimes(_)
            | Op::SetQuota(_) => {}
        }
    }

    /// One tailing round of a standby: reads and applies what is new in the
    /// shared edits. Returns how many records were applied.
    pub async fn tail_edits(&self) -> Result<usize, RemoteException> {
        let ha = self.ha_context()?;
        let _transition = ha.transition.lock().await;
        if ha.state() != HaState::Standby {
            return Ok(0);
        }
        let records = ha
            .config
            .shared_edits
            .read_edits(ha.applied_txid(), ha.config.tail_in_progress)
            .await
            .map_err(|error| storage_failure("cannot read the shared edits", error))?;
        self.apply_tailed(records)
    }

    /// Hadoop's `transitionToActive`: stops tailing, recovers the shared
    /// edits for writing, applies every remaining edit, opens the edit log at
    /// the next txid on the name dirs and the shared edits, and starts the
    /// active's block work. Only then is the NameNode active.
    pub async fn transition_to_active(&self) -> Result<(), RemoteException> {
        let ha = self.ha_context()?;
        let _transition = ha.transition.lock().await;
        if ha.state() == HaState::Active {
            return Ok(());
        }
        info!("transitioning to active: recovering the shared edits");
        let last = ha
            .config
            .shared_edits
            .recover_for_write(self.storage_info())
            .await
            .map_err(|error| storage_failure("cannot recover the shared edits", error))?;
        let records = ha
            .config
            .shared_edits
            .read_edits(ha.applied_txid(), false)
            .await
            .map_err(|error| storage_failure("cannot read the shared edits", error))?;
        self.apply_tailed(records)?;
        let applied = ha.applied_txid();
        if applied < last {
            return Err(RemoteException::io(format!(
                "cannot become active: the shared edits end at txid {last} but only txids up to {applied} could be read"
            )));
        }
        let dirs = self.current_dirs();
        let shared = ha.config.shared_edits.clone();
        let journal = tokio::task::spawn_blocking(move || shared.open_journal(&dirs, applied + 1))
            .await
            .map_err(|error| storage_failure("cannot open the edit log", error))?
            .map_err(|error| storage_failure("cannot open the edit log", error))?;
        {
            let _namespace = self.write();
            *self
                .editlog
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                Some(Arc::new(EditLog::start(journal, applied)));
            self.journal_failed.store(false, Ordering::Release);
            self.blocks().set_standby(false);
            ha.state.send_replace(HaState::Active);
        }
        info!(txid = applied, "NameNode is active");
        Ok(())
    }

    /// Hadoop's `transitionToStandby`: no more writes, the edit log is
    /// flushed and finalized, DataNodes get no more commands, and tailing
    /// starts again after the last written txid.
    pub async fn transition_to_standby(&self) -> Result<(), RemoteException> {
        let ha = self.ha_context()?;
        let _transition = ha.transition.lock().await;
        if ha.state() == HaState::Standby {
            return Ok(());
        }
        let editlog = {
            let _namespace = self.write();
            ha.state.send_replace(HaState::Standby);
            self.blocks().set_standby(true);
            self.editlog
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take()
        };
        if let Some(editlog) = editlog {
            let closing = editlog.clone();
            tokio::task::spawn_blocking(move || closing.close())
                .await
                .map_err(|error| storage_failure("cannot close the edit log", error))?;
            ha.applied_txid
                .store(editlog.synced_txid(), Ordering::Release);
        }
        info!(txid = ha.applied_txid(), "NameNode is standby");
        Ok(())
    }

    /// Hadoop's `checkHaStateChange`: with automatic failover only the ZKFC
    /// (or a forced user request) changes the state; without it, never the ZKFC.
    pub fn check_ha_state_change(
        &self,
        source: proto::hdfs::HaRequestSource,
        remote: &str,
    ) -> Result<(), RemoteException> {
        use proto::hdfs::HaRequestSource;
        let automatic = self.ha_context()?.config.automatic_failover;
        match source {
            HaRequestSource::RequestByUser if automatic => Err(RemoteException::new(
                ExceptionKind::AccessControl,
                "Manual HA control for this NameNode is disallowed, because automatic HA is enabled.",
            )),
            HaRequestSource::RequestByZkfc if !automatic => Err(RemoteException::new(
                ExceptionKind::AccessControl,
                format!(
                    "Request from ZK failover controller at {remote} denied since automatic HA is not enabled"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Hadoop's `monitorHealth`: an active whose edit log failed (a journal
    /// refused a write: another NameNode took over the quorum, or the quorum
    /// is lost) or is gone is unhealthy, so its ZKFC gives up the lock.
    pub fn monitor_health(&self) -> Result<(), RemoteException> {
        let Some(ha) = &self.ha else {
            return Ok(());
        };
        if ha.state() != HaState::Active {
            return Ok(());
        }
        if self.editlog().is_none() || self.journal_failed.load(Ordering::Acquire) {
            return Err(RemoteException::new(
                ExceptionKind::HealthCheckFailed,
                "The NameNode's edit log failed: it can no longer write transactions",
            ));
        }
        Ok(())
    }

    /// Hadoop's `getServiceStatus`: the state, and whether a standby could
    /// become active (not while in safe mode).
    pub fn service_status(&self) -> Result<(HaState, Option<String>), RemoteException> {
        let ha = self.ha_context()?;
        let state = ha.state();
        if state == HaState::Standby && self.in_safe_mode() {
            return Ok((
                state,
                Some(format!(
                    "The NameNode is in safemode. {}",
                    self.safe_mode_tip()
                )),
            ));
        }
        Ok((state, None))
    }

    /// The standby's checkpoint when one is due: an fsimage at the applied
    /// txid in the name dirs, uploaded to the other NameNodes. Returns its
    /// txid when one was taken.
    pub(crate) async fn standby_checkpoint_if_due(
        self: &Arc<Self>,
        checkpoints: &Checkpoints,
    ) -> Result<Option<u64>, RemoteException> {
        let ha = self.ha_context()?;
        let (last_txid, last_time) = ha.last_checkpoint();
        let applied = ha.applied_txid();
        let due = applied > last_txid
            && (applied - last_txid >= ha.config.checkpoint_txns
                || last_time.elapsed() >= ha.config.checkpoint_period);
        if ha.state() != HaState::Standby || !due {
            return Ok(None);
        }
        let txid = {
            let _transition = ha.transition.lock().await;
            if ha.state() != HaState::Standby {
                return Ok(None);
            }
            let this = self.clone();
            tokio::task::spawn_blocking(move || {
                let namespace = this.read();
                let txid = this.ha.as_ref().map_or(0, HaContext::applied_txid);
                let namespace_id = this.storage_info().namespace_id;
                this.current_dirs()
                    .iter()
                    .try_for_each(|current| {
                        fsimage::save(
                            &namespace,
                            txid,
                            namespace_id,
                            &current.join(image_name(txid)),
                        )
                    })
                    .map(|()| txid)
            })
            .await
            .map_err(|error| storage_failure("cannot save the checkpoint", error))?
            .map_err(|error| storage_failure("cannot save the checkpoint", error))?
        };
        ha.checkpointed(txid);
        info!(txid, "standby saved a checkpoint");
        let image = self.current_dirs()[0].join(image_name(txid));
        let md5 = fsimage::read_md5_file(&image)
            .map_err(|error| storage_failure("cannot read the checkpoint's MD5", error))?;
        let query = format!(
            "txid={txid}&storageInfo={}",
            storage_info_param(self.storage_info())
        );
        for address in &ha.config.other_http_addresses {
            let client = TransferClient::new(
                QJM_NODE_NAME,
                address.clone(),
                checkpoints.config().transfer_bandwidth,
            );
            let uploaded = async {
                let file = std::fs::File::open(&image)
                    .map_err(|error| storage_failure("cannot open the checkpoint", error))?;
                let len = file
                    .metadata()
                    .map_err(|error| storage_failure("cannot open the checkpoint", error))?
                    .len();
                client
                    .upload(&query, file, len, &md5)
                    .await
                    .map_err(|error| RemoteException::io(error.to_string()))
            }
            .await;
            match uploaded {
                Ok(()) => info!(txid, to = %address, "uploaded the checkpoint"),
                Err(error) => {
                    warn!(txid, to = %address, error = %error.message, "cannot upload the checkpoint")
                }
            }
        }
        checkpoints.purge().await;
        Ok(Some(txid))
    }
}

/// Hadoop's `EditLogTailer`: a standby applies what is new in the shared
/// edits, then waits `dfs.ha.tail-edits.period` (doubling, up to
/// `dfs.ha.tail-edits.period.backoff-max`, while it finds nothing) before
/// reading again; when it has read nothing for
/// `dfs.ha.log-roll.period`, it asks the active to roll its edit log (once per
/// txid it reached), so what the active wrote is finalized and readable.
pub(crate) async fn run_tailer(namesystem: Arc<Namesystem>, mut stop: watch::Receiver<bool>) {
    let Some(ha) = &namesystem.ha else {
        return;
    };
    let mut wait = Duration::ZERO;
    let mut last_load = Instant::now();
    let mut last_roll_trigger: Option<u64> = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        if ha.state() != HaState::Standby {
            last_load = Instant::now();
            wait = ha.config.tail_period;
            continue;
        }
        wait = match namesystem.tail_edits().await {
            Ok(0) => backed_off(wait, ha.config.tail_period, ha.config.tail_backoff_max),
            Ok(_) => {
                last_load = Instant::now();
                ha.config.tail_period
            }
            Err(error) => {
                warn!(error = %error.message, "edit log tailing failed; trying again");
                ha.config.tail_period
            }
        };
        let applied = ha.applied_txid();
        let roll_due = ha
            .config
            .log_roll_period
            .is_some_and(|period| last_load.elapsed() > period);
        if roll_due && last_roll_trigger.is_none_or(|txid| txid < applied) {
            last_roll_trigger = Some(applied);
            trigger_active_log_roll(
                &ha.config.other_rpc_addresses,
                &namesystem.config().superuser,
            )
            .await;
        }
    }
}

/// The wait after a read that found nothing, following `previous`: doubled
/// (from 1 ms when the period is zero) up to the backoff maximum, as Hadoop's
/// `EditLogTailer` does; the period itself without a maximum.
fn backed_off(previous: Duration, period: Duration, backoff_max: Duration) -> Duration {
    if backoff_max.is_zero() {
        return period;
    }
    let doubled = previous.max(Duration::from_millis(1)) * 2;
    doubled.min(backoff_max)
}

/// Asks the other NameNodes to roll their edit log (only the active can).
async fn trigger_active_log_roll(others: &[String], user: &str) {
    for address in others {
        let rolled = async {
            let endpoint = Endpoint::from_shared(format!("http://{address}"))
                .map_err(|error| error.to_string())?;
            let mut client = NamenodeProtocolClient::new(faults::channel(QJM_NODE_NAME, endpoint));
            let mut request = tonic::Request::new(proto::hdfs::RollEditLogRequest {});
            if let Ok(value) = user.parse() {
                request.metadata_mut().insert(proto::USER_METADATA, value);
            }
            client
                .roll_edit_log(request)
                .await
                .map_err(|status| RemoteException::from_status(&status).message)
        }
        .await;
        match rolled {
            Ok(_) => info!(active = %address, "triggered a log roll on the active"),
            Err(error) => tracing::debug!(other = %address, %error, "log roll not triggered"),
        }
    }
}

/// Hadoop's `StandbyCheckpointer`: every `dfs.namenode.checkpoint.check.period`
/// a standby checks whether a checkpoint is due (`dfs.namenode.checkpoint.txns`
/// applied or `dfs.namenode.checkpoint.period` passed) and takes it.
pub(crate) async fn run_standby_checkpointer(
    checkpoints: Arc<Checkpoints>,
    mut stop: watch::Receiver<bool>,
) {
    let namesystem = checkpoints.namesystem().clone();
    let Some(ha) = &namesystem.ha else {
        return;
    };
    if !ha.config.standby_checkpoints {
        return;
    }
    let period = ha
        .config
        .checkpoint_check_period
        .min(ha.config.checkpoint_period)
        .max(std::time::Duration::from_millis(100));
    let mut ticks = tokio::time::interval(period);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        if let Err(error) = namesystem.standby_checkpoint_if_due(&checkpoints).await {
            warn!(error = %error.message, "standby checkpoint failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_standby_backs_off_to_the_maximum_and_a_busy_one_keeps_the_period() {
        let ms = Duration::from_millis;
        assert_eq!(backed_off(ms(100), ms(100), Duration::ZERO), ms(100));
        let mut wait = Duration::ZERO;
        let mut waits = Vec::new();
        for _ in 0..12 {
            wait = backed_off(wait, Duration::ZERO, ms(1000));
            waits.push(wait.as_millis());
        }
        assert_eq!(
            waits,
            [2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000, 1000]
        );
    }
}

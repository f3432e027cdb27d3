//! The namesystem: the namespace behind a read/write lock, its edit log and
//! name dirs, and safe mode.
//!
//! A mutation plans and applies its records and appends them to the edit log
//! under the write lock (memory only), releases the lock, then waits for its
//! txid to be durable (group commit). Nothing is acknowledged before that.
//!
//! With HA (see [`crate::ha`]) the namesystem is active or standby; a standby
//! has no edit log and refuses every client operation (`StandbyException`).

use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use common::ids::{BlockId, DatanodeUuid};
use common::{ExceptionKind, FsPermission, RemoteException};
use proto::namenode_storage::edit_record::Op;

use crate::audit::{AuditLog, AuditLogConfig, AuditStatus};
use crate::blockmanager::ExcludedHosts;
use crate::blockmanager::{BlockManager, BlockManagerConfig, DatanodeLocation};
use crate::editlog::{EditLog, Journal};
use crate::ha::{HaConfig, HaState, OperationCategory};
use crate::lease::{LeaseLimits, LeaseManager};
use crate::namespace::{
    Block, Caller, ContentSummary, CreateRequest, INodeStatus, Limits, Listing, Namespace,
    QuotaUsage,
};
use crate::placement::PlacementPolicy;
use crate::qjournal::SharedEditsStartup;
use crate::safemode::{SafeMode, SafeModeConfig};
use crate::startup_progress::{Phase, StartupProgress};
use crate::storage::{NameDirs, StorageError, StorageInfo};
use common::time::now_millis;

/// What the namesystem needs from the NameNode's configuration.
#[derive(Clone, Debug)]
pub struct NamesystemConfig {
    pub name_dirs: Vec<PathBuf>,
    /// The NameNode's own user: the HDFS superuser.
    pub superuser: String,
    pub supergroup: String,
    pub limits: Limits,
    /// `dfs.ls.limit`: entries per listing page.
    pub listing_limit: usize,
    pub default_block_size: u64,
    pub default_replication: u16,
    pub bytes_per_checksum: u32,
    /// `fs.trash.interval`: how long deleted paths stay in the trash.
    pub trash_interval: std::time::Duration,
    /// `fs.trash.checkpoint.interval` (the trash interval when 0): how often
    /// the emptier checkpoints and purges every user's trash.
    pub trash_checkpoint_interval: std::time::Duration,
    pub lease_limits: LeaseLimits,
    /// `dfs.namenode.lease-recheck-interval-ms`: how often expired leases are recovered.
    pub lease_recheck_interval: std::time::Duration,
    /// `dfs.hosts.exclude`: DataNodes to decommission.
    pub hosts_exclude: Option<PathBuf>,
    pub safe_mode: SafeModeConfig,
    pub block_manager: BlockManagerConfig,
    pub placement: PlacementPolicy,
    pub racks: common::topology::RackResolver,
    /// HA settings when this NameNode is one of an HA pair: it then starts
    /// in standby.
    pub ha: Option<HaConfig>,
    /// `dfs.namenode.shared.edits.dir` of a non-HA NameNode: the quorum of
    /// JournalNodes its edits also go to.
    pub shared_edits: Option<crate::qjournal::QuorumJournal>,
    /// `hdfs-audit.log`, when `dfs.namenode.audit.log.enabled`.
    pub audit: Option<AuditLogConfig>,
}

/// Cluster-wide counts for `getFsStats`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FsCounts {
    pub files_total: u64,
    pub blocks_total: u64,
}

/// The NameNode's state and its durability.
pub struct Namesystem {
    namespace: RwLock<Namespace>,
    /// The open edit log; `None` in standby (and after a failed transition).
    pub(crate) editlog: RwLock<Option<Arc<EditLog>>>,
    dirs: NameDirs,
    info: StorageInfo,
    config: NamesystemConfig,
    safe_mode: SafeMode,
    blocks: BlockManager,
    pub(crate) leases: LeaseManager,
    /// The HA state and shared edits, for an HA NameNode.
    pub(crate) ha: Option<crate::ha::HaContext>,
    /// A write to the edit log failed (a journal, or the quorum, refused or
    /// broke): the NameNode is unhealthy until it opens a new edit log.
    pub(crate) journal_failed: std::sync::atomic::AtomicBool,
    /// What startup did, phase by phase.
    startup: StartupProgress,
    /// Where client operations are recorded (`hdfs-audit.log`).
    audit: AuditLog,
}

/// A newly allocated block and the DataNodes to write it to.
#[derive(Clone, Debug)]
pub struct AllocatedBlock {
    pub block: Block,
    /// Offset of the block in the file.
    pub offset: u64,
    pub targets: Vec<DatanodeLocation>,
}

/// A block of a file with where its replicas are.
#[derive(Clone, Debug)]
pub struct LocatedBlock {
    pub block: Block,
    pub offset: u64,
    pub locations: crate::blockmanager::BlockLocations,
}

impl Namesystem {
    /// `hdfs namenode -format`.
    pub fn format(
        config: &NamesystemConfig,
        cluster_id: Option<&str>,
        force: bool,
    ) -> Result<StorageInfo, StorageError> {
        let dirs = NameDirs::lock(&config.name_dirs)?;
        dirs.format(cluster_id, force, &config.superuser, &config.supergroup)
    }

    /// Loads the namespace from the name dirs and opens a new edit segment;
    /// with HA, loads the newest image and starts standby, without an edit
    /// log (the tailer then applies the shared edits).
    pub fn open(config: NamesystemConfig) -> Result<Arc<Self>, StorageError> {
        if let Some(ha) = config.ha.clone() {
            return Self::open_standby(config, ha);
        }
        let dirs = NameDirs::lock(&config.name_dirs)?;
        let audit = open_audit_log(&config)?;
        let shared_edits = config
            .shared_edits
            .as_ref()
            .map(|quorum| SharedEditsStartup::begin(quorum, &dirs.current_dirs()))
            .transpose()?;
        let startup = StartupProgress::default();
        let mut loaded = dirs.load(config.limits.clone(), &startup)?;
        if let Some(shared) = &shared_edits {
            loaded.last_txid = shared.catch_up(
                &dirs.current_dirs(),
                &mut loaded.namespace,
                loaded.last_txid,
            )?;
        }
        loaded.namespace.take_removed_blocks();
        let blocks = BlockManager::new(
            config.block_manager.clone(),
            config.placement.clone(),
            config.racks.clone(),
        );
        loaded.namespace.walk(|_, inode| {
            if let Some(file) = inode.file() {
                add_file_blocks(&blocks, file);
            }
        });
        let leases = LeaseManager::default();
        let now = std::time::Instant::now();
        for (path, holder) in loaded.namespace.open_files() {
            leases.add(&holder, &path, now);
        }
        if let Some(exclude) = &config.hosts_exclude {
            blocks.refresh_nodes(&ExcludedHosts::read(exclude)?);
        }
        let mut journal = Journal::open_segment(&dirs.current_dirs(), loaded.last_txid + 1)
            .map_err(|source| StorageError::Io {
                context: "cannot open a new edit segment".into(),
                source,
            })?;
        if let Some(shared) = shared_edits {
            journal = shared.attach(journal)?;
        }
        startup.end(Phase::SavingCheckpoint, now_millis());
        startup.begin(Phase::SafeMode, "", now_millis());
        let namesystem = Arc::new(Self {
            namespace: RwLock::new(loaded.namespace),
            editlog: RwLock::new(Some(Arc::new(EditLog::start(journal, loaded.last_txid)))),
            dirs,
            info: loaded.info,
            safe_mode: SafeMode::new(config.safe_mode),
            config,
            blocks,
            leases,
            ha: None,
            journal_failed: Default::default(),
            startup,
            audit,
        });
        namesystem.check_safe_mode();
        Ok(namesystem)
    }

    /// An HA NameNode's start: the newest local fsimage (the shared edits
    /// hold every later transaction; the tailer applies them); standby.
    fn open_standby(config: NamesystemConfig, ha: HaConfig) -> Result<Arc<Self>, StorageError> {
        ha.shared_edits.prepare()?;
        let dirs = NameDirs::lock(&config.name_dirs)?;
        let audit = open_audit_log(&config)?;
        let startup = StartupProgress::default();
        startup.begin(Phase::LoadingFsImage, "", now_millis());
        let (mut namespace, image_txid, info) =
            crate::ha::load_newest_image(&dirs, config.limits.clone())?;
        let inodes = namespace.num_inodes();
        startup.set_count(Phase::LoadingFsImage, inodes, inodes);
        startup.end(Phase::LoadingFsImage, now_millis());
        // The tailer applies the shared edits from here on; nothing is saved at startup.
        startup.end(Phase::LoadingEdits, now_millis());
        startup.end(Phase::SavingCheckpoint, now_millis());
        startup.begin(Phase::SafeMode, "", now_millis());
        namespace.take_removed_blocks();
        let blocks = BlockManager::new(
            config.block_manager.clone(),
            config.placement.clone(),
            config.racks.clone(),
        );
        blocks.set_standby(true);
        if let Some(exclude) = &config.hosts_exclude {
            blocks.refresh_nodes(&ExcludedHosts::read(exclude)?);
        }
        namespace.walk(|_, inode| {
            if let Some(file) = inode.file() {
                add_file_blocks(&blocks, file);
            }
        });
        let leases = LeaseManager::default();
        let now = std::time::Instant::now();
        for (path, holder) in namespace.open_files() {
            leases.add(&holder, &path, now);
        }
        let namesystem = Arc::new(Self {
            namespace: RwLock::new(namespace),
            editlog: RwLock::new(None),
            dirs,
            info,
            safe_mode: SafeMode::new(config.safe_mode),
            config,
            blocks,
            leases,
            ha: Some(crate::ha::HaContext::new(ha, image_txid)),
            journal_failed: Default::default(),
            startup,
            audit,
        });
        namesystem.check_safe_mode();
        Ok(namesystem)
    }

    /// The HA state: always active without HA.
    pub fn ha_state(&self) -> HaState {
        self.ha.as_ref().map_or(HaState::Active, |ha| ha.state())
    }

    /// Whether this NameNode is one of an HA pair.
    pub fn is_ha(&self) -> bool {
        self.ha.is_some()
    }

    /// Refuses `category` unless this NameNode's state allows it (Hadoop's
    /// `checkOperation`): a standby refuses reads and writes.
    pub fn check_operation(&self, category: OperationCategory) -> Result<(), RemoteException> {
        if self.ha.is_none()
            && category != OperationCategory::Unchecked
            && self
                .journal_failed
                .load(std::sync::atomic::Ordering::Acquire)
        {
            // Operations applied in memory but never made durable may be in the
            // namespace: answering reads would show what was refused. A
            // daemon exits here (as Hadoop's does); an in-process NameNode
            // serves nothing until it is restarted from its durable state.
            return Err(RemoteException::io(
                "The NameNode stopped serving: its edit log could not be synced to any \
                 journal; restart it to recover its last durable namespace",
            ));
        }
        crate::ha::check_operation(self.ha_state(), category)
    }

    /// The open edit log, or the refusal of `category` (standby).
    fn open_editlog(&self, category: OperationCategory) -> Result<Arc<EditLog>, RemoteException> {
        self.check_operation(category)?;
        self.editlog
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .ok_or_else(|| RemoteException::io("edit log is not open"))
    }

    fn note_journal_failure(&self) {
        self.journal_failed
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// The edit log when open.
    pub(crate) fn editlog(&self) -> Option<Arc<EditLog>> {
        self.editlog
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Block management (DataNodes, replicas, redundancy work).
    pub fn blocks(&self) -> &BlockManager {
        &self.blocks
    }

    pub fn config(&self) -> &NamesystemConfig {
        &self.config
    }

    pub fn storage_info(&self) -> &StorageInfo {
        &self.info
    }

    /// Flushes and finalizes the edit log; later mutations fail.
    pub fn close(&self) {
        if let Some(editlog) = self.editlog() {
            editlog.close();
        }
    }

    /// Stops the edit log as a crash would (nothing more is synced, the
    /// segment stays in progress); later mutations fail.
    pub fn crash(&self) {
        if let Some(editlog) = self.editlog() {
            editlog.abandon();
        }
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Namespace> {
        self.namespace
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Namespace> {
        self.namespace
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The caller as the NameNode sees it (simple authentication).
    pub fn caller(&self, user: &str) -> Caller {
        Caller {
            user: user.to_string(),
            groups: vec![user.to_string()],
            is_superuser: user == self.config.superuser,
            origin: None,
        }
    }

    /// The audit log of client operations.
    pub(crate) fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// What the audit log says of `path` after an operation (`perm=`): read
    /// under its own short read lock, only when the audit log is on.
    pub(crate) fn audit_status(&self, path: &str) -> Option<AuditStatus> {
        let superuser = Caller::superuser(&self.config.superuser);
        let status = self.read().file_info(path, &superuser).ok().flatten()?;
        Some(status.into())
    }

    /// Runs a planned mutation: plan + apply + append under the write lock,
    /// then wait for durability outside it. A plan with no records (nothing
    /// to change) still waits for what is already logged, so its answer never
    /// rests on a change that could yet be lost.
    pub(crate) async fn mutate<T>(
        &self,
        refused_in_safe_mode: impl FnOnce() -> String,
        plan: impl FnOnce(&Namespace) -> Result<(Vec<Op>, T), RemoteException>,
    ) -> Result<T, RemoteException> {
        let (editlog, txid, output) = {
            let mut namespace = self.write();
            let editlog = self.open_editlog(OperationCategory::Write)?;
            if self.in_safe_mode() {
                return Err(self.safe_mode_error(&refused_in_safe_mode()));
            }
            let (ops, output) = plan(&namespace)?;
            let mut txid = editlog.last_txid();
            for op in ops {
                namespace.apply(&op)?;
                txid = editlog
                    .append(op)
                    .inspect_err(|_| self.note_journal_failure())?;
            }
            let removed = namespace.take_removed_blocks();
            if !removed.is_empty() {
                self.blocks.remove_blocks(&removed);
            }
            (editlog, txid, output)
        };
        editlog
            .wait_synced(txid)
            .await
            .inspect_err(|_| self.note_journal_failure())?;
        Ok(output)
    }

    pub async fn mkdirs(
        &self,
        path: &str,
        permission: FsPermission,
        create_parent: bool,
        caller: &Caller,
    ) -> Result<(), RemoteException> {
        let now = common::time::now_millis();
        let result = self
            .mutate(
                || format!("Cannot create directory {path}"),
                |ns| {
                    let ops = ns.plan_mkdirs(path, permission, create_parent, caller, now)?;
                    // The new directory's status, for the audit log, from its record.
                    let created = match ops.last() {
                        Some(Op::Mkdir(made)) if self.audit.is_enabled() => Some(AuditStatus {
                            owner: made.owner.clone(),
                            group: made.group.clone(),
                            permission: FsPermission::new(made.permission as u16),
                        }),
                        _ => None,
                    };
                    Ok((ops, created))
                },
            )
            .await;
        self.audit
            .record(caller, "mkdirs", Some(path), None, &result, |created| {
                created.clone().or_else(|| self.audit_status(path))
            });
        result.map(|_| ())
    }

    pub async fn create(
        &self,
        request: &CreateRequest<'_>,
        caller: &Caller,
    ) -> Result<INodeStatus, RemoteException> {
        let result = self.create_file(request, caller).await;
        self.audit.record(
            caller,
            "create",
            Some(request.path),
            None,
            &result,
            |status| Some(status.clone().into()),
        );
        result
    }

    async fn create_file(
        &self,
        request: &CreateRequest<'_>,
        caller: &Caller,
    ) -> Result<INodeStatus, RemoteException> {
        let now = common::time::now_millis();
        let created = self
            .mutate(
                || format!("Cannot create file{}", request.path),
                |ns| {
                    let ops = ns.plan_create(request, caller, now)?;
                    self.leases
                        .add(request.client_name, request.path, std::time::Instant::now());
                    Ok((ops, ()))
                },
            )
            .await;
        if let Err(error) = created {
            return Err(self
                .take_over_abandoned(request.path, request.client_name, error)
                .await);
        }
        // Part of the create, not a read of its own: it answers even if the
        // NameNode turned standby since the create was logged.
        self.read().file_info(request.path, caller)?.ok_or_else(|| {
            RemoteException::io(format!("'{}': created file vanished", request.path))
        })
    }

    /// Allocates the next block of a file and chooses its DataNodes;
    /// `previous` (the last block, as written) is committed.
    pub async fn add_block(
        &self,
        path: &str,
        client_name: &str,
        file_id: u64,
        previous: Option<Block>,
        writer_host: Option<&str>,
        excluded: &[DatanodeUuid],
    ) -> Result<AllocatedBlock, RemoteException> {
        self.mutate(
            || format!("Cannot add block to {path}"),
            |ns| {
                if let Some(block) = ns.retried_add_block(path, client_name, file_id, previous)? {
                    let (replication, block_size, offset) = ns.open_file_layout(path)?;
                    let targets = self.blocks.allocate(
                        block,
                        replication,
                        block_size,
                        writer_host,
                        excluded,
                    )?;
                    let retried = AllocatedBlock {
                        block,
                        offset,
                        targets,
                    };
                    return Ok((Vec::new(), retried));
                }
                let (op, block) = ns.plan_add_block(path, client_name, file_id, previous)?;
                let (replication, block_size, length_before_last) = ns.open_file_layout(path)?;
                let offset = length_before_last + previous.map_or(0, |previous| previous.num_bytes);
                let targets =
                    self.blocks
                        .allocate(block, replication, block_size, writer_host, excluded)?;
                if let Some(previous) = previous {
                    self.blocks.commit(previous);
                }
                Ok((
                    vec![op],
                    AllocatedBlock {
                        block,
                        offset,
                        targets,
                    },
                ))
            },
        )
        .await
    }

    pub async fn abandon_block(
        &self,
        path: &str,
        client_name: &str,
        file_id: u64,
        block_id: BlockId,
    ) -> Result<(), RemoteException> {
        self.mutate(
            || format!("Cannot abandon block {block_id} for file{path}"),
            |ns| {
                Ok((
                    ns.plan_abandon_block(path, client_name, file_id, block_id)?
                        .into_iter()
                        .collect(),
                    (),
                ))
            },
        )
        .await
    }

    /// Closes a file once its last block has its minimum replicas; `false`
    /// means "not yet, retry" (the DataNodes have not reported it).
    pub async fn complete(
        &self,
        path: &str,
        client_name: &str,
        file_id: u64,
        last: Option<Block>,
    ) -> Result<bool, RemoteException> {
        self.check_operation(OperationCategory::Write)?;
        if let Some(last) = last {
            self.blocks.commit(last);
            if !self.blocks.has_min_replicas(last.id) {
                return Ok(false);
            }
        }
        let now = common::time::now_millis();
        self.mutate(
            || format!("Cannot complete file {path}"),
            |ns| {
                let op = ns.plan_complete(path, client_name, file_id, last, now)?;
                self.leases.remove(path);
                Ok((op.into_iter().collect(), true))
            },
        )
        .await
    }

    /// Pipeline recovery: a new generation stamp for the block being written.
    pub async fn update_block_for_pipeline(
        &self,
        path: &str,
        client_name: &str,
        block_id: BlockId,
    ) -> Result<Block, RemoteException> {
        self.mutate(
            || format!("Cannot update block {block_id} of {path}"),
            |ns| {
                let (op, block) = ns.plan_bump_generation_stamp(path, client_name, block_id)?;
                Ok((vec![op], block))
            },
        )
        .await
    }

    /// Pipeline recovery: the block goes on with `nodes` at its new stamp.
    /// The generation stamp was logged by `update_block_for_pipeline`, which
    /// a standby refuses.
    pub fn update_pipeline(&self, block: Block, nodes: &[DatanodeUuid]) {
        self.blocks
            .update_pipeline(block.id, block.generation_stamp, nodes);
    }

    pub async fn rename(
        &self,
        src: &str,
        dst: &str,
        overwrite: bool,
        move_into_directory: bool,
        caller: &Caller,
    ) -> Result<(), RemoteException> {
        let now = common::time::now_millis();
        let renamed_to = self
            .mutate(
                || format!("Cannot rename {src}"),
                |ns| {
                    let op =
                        ns.plan_rename(src, dst, overwrite, move_into_directory, caller, now)?;
                    let mut renamed_to = None;
                    if let Op::Rename(rename) = &op {
                        if rename.overwrite {
                            self.leases.remove_under(&rename.dst);
                        }
                        self.leases.rename(&rename.src, &rename.dst);
                        renamed_to = Some(rename.dst.clone());
                    }
                    Ok((vec![op], renamed_to))
                },
            )
            .await;
        // The old rename moves into a directory; rename2 names its options.
        let command = match (move_into_directory, overwrite) {
            (true, _) => "rename",
            (false, false) => "rename (options=[NONE])",
            (false, true) => "rename (options=[OVERWRITE])",
        };
        self.audit
            .record(caller, command, Some(src), Some(dst), &renamed_to, |to| {
                self.audit_status(to.as_deref().unwrap_or(dst))
            });
        renamed_to.map(|_| ())
    }

    /// Moves the blocks of `sources`, in order, to the end of `target` and removes the
    /// sources (Hadoop's `concat`); the moved blocks take the target's replication.
    pub async fn concat(
        &self,
        target: &str,
        sources: &[String],
        caller: &Caller,
    ) -> Result<(), RemoteException> {
        let now = common::time::now_millis();
        let result = self
            .mutate(
                || format!("Cannot concat {target}"),
                |ns| {
                    let op = ns.plan_concat(target, sources, caller, now)?;
                    let replication = ns
                        .file_info(target, caller)?
                        .map(|status| status.replication)
                        .unwrap_or_default();
                    for source in sources {
                        let (blocks, _) = ns.file_blocks(source, caller)?;
                        self.blocks.set_replication(&blocks, replication);
                    }
                    Ok((vec![op], ()))
                },
            )
            .await;
        // Hadoop's src is `Arrays.toString(srcs)`.
        let listed = format!("[{}]", sources.join(", "));
        self.audit.record(
            caller,
            "concat",
            Some(&listed),
            Some(target),
            &result,
            |_| self.audit_status(target),
        );
        result
    }

    /// Returns false when nothing was at `path`.
    pub async fn delete(
        &self,
        path: &str,
        recursive: bool,
        caller: &Caller,
    ) -> Result<bool, RemoteException> {
        let now = common::time::now_millis();
        let result = self
            .mutate(
                || format!("Cannot delete {path}"),
                |ns| {
                    let op = ns.plan_delete(path, recursive, caller, now)?;
                    let deleted = op.is_some();
                    if deleted {
                        self.leases.remove_under(path);
                    }
                    Ok((op.into_iter().collect(), deleted))
                },
            )
            .await;
        self.audit
            .record(caller, "delete", Some(path), None, &result, |_| None);
        result
    }

    /// Returns false for a directory.
    pub async fn set_replication(
        &self,
        path: &str,
        replication: u16,
        caller: &Caller,
    ) -> Result<bool, RemoteException> {
        let result = self
            .mutate(
                || format!("Cannot set replication for {path}"),
                |ns| {
                    let op = ns.plan_set_replication(path, replication, caller)?;
                    let is_file = op.is_some();
                    if is_file {
                        let (blocks, _) = ns.file_blocks(path, caller)?;
                        self.blocks.set_replication(&blocks, replication);
                    }
                    Ok((op.into_iter().collect(), is_file))
                },
            )
            .await;
        // Hadoop audits a replication that changed a file only.
        if !matches!(result, Ok(false)) {
            self.audit
                .record(caller, "setReplication", Some(path), None, &result, |_| {
                    None
                });
        }
        result
    }

    pub async fn set_permission(
        &self,
        path: &str,
        permission: FsPermission,
        caller: &Caller,
    ) -> Result<(), RemoteException> {
        let result = self
            .mutate(
                || format!("Cannot set permission for {path}"),
                |ns| Ok((vec![ns.plan_set_permission(path, permission, caller)?], ())),
            )
            .await;
        self.audit
            .record(caller, "setPermission", Some(path), None, &result, |_| {
                self.audit_status(path)
            });
        result
    }

    pub async fn set_owner(
        &self,
        path: &str,
        owner: &str,
        group: &str,
        caller: &Caller,
    ) -> Result<(), RemoteException> {
        let result = self
            .mutate(
                || format!("Cannot set owner for {path}"),
                |ns| Ok((vec![ns.plan_set_owner(path, owner, group, caller)?], ())),
            )
            .await;
        self.audit
            .record(caller, "setOwner", Some(path), None, &result, |_| {
                self.audit_status(path)
            });
        result
    }

    pub async fn set_times(
        &self,
        path: &str,
        mtime: i64,
        atime: i64,
        caller: &Caller,
    ) -> Result<(), RemoteException> {
        let result = self
            .mutate(
                || format!("Cannot set times {path}"),
                |ns| Ok((vec![ns.plan_set_times(path, mtime, atime, caller)?], ())),
            )
            .await;
        self.audit
            .record(caller, "setTimes", Some(path), None, &result, |_| {
                self.audit_status(path)
            });
        result
    }

    pub fn file_info(
        &self,
        path: &str,
        caller: &Caller,
    ) -> Result<Option<INodeStatus>, RemoteException> {
        self.check_operation(OperationCategory::Read)?;
        let result = self.read().file_info(path, caller);
        self.audit
            .record(caller, "getfileinfo", Some(path), None, &result, |_| None);
        result
    }

    pub fn listing(
        &self,
        path: &str,
        start_after: &[u8],
        caller: &Caller,
    ) -> Result<Option<Listing>, RemoteException> {
        self.check_operation(OperationCategory::Read)?;
        let result = self
            .read()
            .listing(path, start_after, self.config.listing_limit, caller);
        self.audit
            .record(caller, "listStatus", Some(path), None, &result, |_| None);
        result
    }

    /// Every entry of the directory at `path` (a file: itself), in name order, for the
    /// file browser, which pages, sorts and filters them itself.
    pub fn directory_entries(
        &self,
        path: &str,
        caller: &Caller,
    ) -> Result<Option<Listing>, RemoteException> {
        self.check_operation(OperationCategory::Read)?;
        self.read().listing(path, &[], usize::MAX, caller)
    }

    pub fn content_summary(
        &self,
        path: &str,
        caller: &Caller,
    ) -> Result<ContentSummary, RemoteException> {
        self.check_operation(OperationCategory::Read)?;
        let result = self.read().content_summary(path, caller);
        self.audit
            .record(caller, "contentSummary", Some(path), None, &result, |_| {
                None
            });
        result
    }

    /// `getQuotaUsage`: a quota directory's cached usage, else a count of the subtree.
    pub fn quota_usage(&self, path: &str, caller: &Caller) -> Result<QuotaUsage, RemoteException> {
        self.check_operation(OperationCategory::Read)?;
        let result = self.read().quota_usage(path, caller);
        self.audit
            .record(caller, "quotaUsage", Some(path), None, &result, |_| None);
        result
    }

    /// `setQuota` (superuser only): `QUOTA_DONT_SET` keeps a quota, `QUOTA_RESET` clears it.
    /// Quotas per storage type are not supported.
    pub async fn set_quota(
        &self,
        path: &str,
        namespace_quota: i64,
        space_quota: i64,
        storage_type: Option<&str>,
        caller: &Caller,
    ) -> Result<(), RemoteException> {
        let result = self
            .set_quota_unaudited(path, namespace_quota, space_quota, storage_type, caller)
            .await;
        let command = quota_command(namespace_quota, space_quota);
        self.audit
            .record(caller, command, Some(path), None, &result, |_| None);
        result
    }

    async fn set_quota_unaudited(
        &self,
        path: &str,
        namespace_quota: i64,
        space_quota: i64,
        storage_type: Option<&str>,
        caller: &Caller,
    ) -> Result<(), RemoteException> {
        self.check_operation(OperationCategory::Write)?;
        self.require_superuser(caller, "setQuota")?;
        if let Some(storage_type) = storage_type {
            return Err(RemoteException::new(
                ExceptionKind::UnsupportedOperation,
                format!("Quota by storage type is not supported: {storage_type}"),
            ));
        }
        self.mutate(
            || format!("Cannot set quota on {path}"),
            |ns| {
                let op = ns.plan_set_quota(path, namespace_quota, space_quota)?;
                Ok((op.into_iter().collect(), ()))
            },
        )
        .await
    }

    /// Refuses `action` on `path` unless `caller` has it (WebHDFS CHECKACCESS).
    pub fn check_access(
        &self,
        path: &str,
        action: common::permission::FsAction,
        caller: &Caller,
    ) -> Result<(), RemoteException> {
        self.check_operation(OperationCategory::Read)?;
        let result = self.read().check_access(path, action, caller);
        self.audit
            .record(caller, "checkAccess", Some(path), None, &result, |_| None);
        result
    }

    /// A file's blocks overlapping `[offset, offset + length)` with their
    /// locations nearest `reader_host` first; its length; whether it is open.
    pub fn block_locations(
        &self,
        path: &str,
        offset: u64,
        length: u64,
        reader_host: &str,
        caller: &Caller,
    ) -> Result<(Vec<LocatedBlock>, u64, bool), RemoteException> {
        self.check_operation(OperationCategory::Read)?;
        let file = self.read().file_blocks(path, caller);
        self.audit
            .record(caller, "open", Some(path), None, &file, |_| None);
        let (blocks, under_construction) = file?;
        let mut start = 0;
        let mut located = Vec::new();
        for block in blocks {
            let end = start + block.num_bytes;
            let overlaps = end > offset && start < offset.saturating_add(length.max(1));
            let open_last = under_construction && block.num_bytes == 0;
            if overlaps || open_last {
                located.push(LocatedBlock {
                    block,
                    offset: start,
                    locations: self.blocks.locations(block.id, reader_host),
                });
            }
            start = end;
        }
        Ok((located, start, under_construction))
    }

    pub fn counts(&self) -> FsCounts {
        let namespace = self.read();
        FsCounts {
            files_total: namespace.num_inodes(),
            blocks_total: namespace.num_blocks(),
        }
    }

    pub fn in_safe_mode(&self) -> bool {
        self.safe_mode.is_on()
    }

    /// Why safe mode is on and what ends it (Hadoop's safe mode tip).
    pub fn safe_mode_tip(&self) -> String {
        self.safe_mode
            .tip(self.blocks.safe_mode_counts(), std::time::Instant::now())
    }

    /// Leaves startup safe mode once enough blocks were reported (called
    /// by the block monitor, and once at startup).
    pub fn check_safe_mode(&self) {
        if !self.in_safe_mode() {
            self.startup.end(Phase::SafeMode, now_millis());
            return;
        }
        let counts = self.blocks.safe_mode_counts();
        self.startup
            .set_count(Phase::SafeMode, counts.safe_blocks, counts.total_blocks);
        if self.safe_mode.update(counts, std::time::Instant::now()) {
            self.startup.end(Phase::SafeMode, now_millis());
            tracing::info!(
                reported_blocks = counts.safe_blocks,
                total_blocks = counts.total_blocks,
                live_datanodes = counts.live_datanodes,
                "leaving safe mode"
            );
        }
    }

    fn safe_mode_error(&self, refused: &str) -> RemoteException {
        let tip = self.safe_mode_tip();
        let reason = tip.strip_prefix("Safe mode is ON. ").unwrap_or(&tip);
        RemoteException::new(
            ExceptionKind::SafeMode,
            format!("{refused}. Name node is in safe mode.\n{reason}"),
        )
    }

    fn require_superuser(&self, caller: &Caller, operation: &str) -> Result<(), RemoteException> {
        if caller.is_superuser || !self.config.limits.permissions_enabled {
            return Ok(());
        }
        Err(RemoteException::new(
            ExceptionKind::AccessControl,
            format!(
                "Access denied for user {}. Superuser privilege is required for {operation}",
                caller.user
            ),
        ))
    }

    /// Enters or leaves safe mode (under the write lock, so no mutation is
    /// half-way through); returns whether it is now on.
    pub fn set_safe_mode(
        &self,
        enter: Option<bool>,
        caller: &Caller,
    ) -> Result<bool, RemoteException> {
        let Some(enter) = enter else {
            return Ok(self.in_safe_mode());
        };
        self.require_superuser(caller, "setSafeMode")?;
        let _namespace = self.write();
        self.safe_mode.set_manual(enter);
        tracing::info!(safe_mode = enter, user = %caller.user, "safe mode changed");
        Ok(enter)
    }

    /// `dfsadmin -saveNamespace`: an fsimage at the last txid, then a new edit
    /// segment. Needs safe mode, as in Hadoop, so the image is consistent.
    /// `dfsadmin -refreshNodes`: rereads `dfs.hosts.exclude` and starts or
    /// stops decommissioning. Returns how many nodes changed state.
    pub fn refresh_nodes(&self, caller: &Caller) -> Result<usize, RemoteException> {
        self.require_superuser(caller, "refreshNodes")?;
        let excluded = match &self.config.hosts_exclude {
            Some(path) => ExcludedHosts::read(path)?,
            None => ExcludedHosts::default(),
        };
        Ok(self.blocks.refresh_nodes(&excluded))
    }

    pub async fn save_namespace(self: &Arc<Self>, caller: &Caller) -> Result<u64, RemoteException> {
        self.require_superuser(caller, "saveNamespace")?;
        let editlog = self.open_editlog(OperationCategory::Journal)?;
        if !self.in_safe_mode() {
            return Err(RemoteException::io(
                "Safe mode should be turned ON in order to create namespace image.",
            ));
        }
        let txid = editlog.last_txid();
        editlog.wait_synced(txid).await?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let namespace = this.read();
            this.dirs
                .save_image(&namespace, txid, this.info.namespace_id)
        })
        .await
        .map_err(|error| RemoteException::io(format!("saveNamespace failed: {error}")))?
        .map_err(|error| RemoteException::io(format!("saveNamespace failed: {error}")))?;
        let first = {
            let _namespace = self.write();
            editlog.roll()
        };
        editlog.wait_rolled(first).await?;
        tracing::info!(txid, "saved namespace");
        Ok(txid)
    }

    /// `dfsadmin -rollEdits`: finalizes the segment; returns the new one's
    /// first txid.
    pub async fn roll_edits(&self, caller: &Caller) -> Result<u64, RemoteException> {
        self.require_superuser(caller, "rollEdits")?;
        let editlog = self.open_editlog(OperationCategory::Journal)?;
        let first = {
            let _namespace = self.write();
            if self.in_safe_mode() {
                return Err(self.safe_mode_error("Log not rolled"));
            }
            editlog.roll()
        };
        editlog.wait_rolled(first).await?;
        Ok(first)
    }

    /// The last txid written to the edit log (a standby: the last applied).
    pub fn last_txid(&self) -> u64 {
        match (self.editlog(), &self.ha) {
            (Some(editlog), _) => editlog.last_txid(),
            (None, Some(ha)) => ha.applied_txid(),
            (None, None) => 0,
        }
    }

    /// The last txid durable in the name dirs (a standby: the last applied).
    pub fn synced_txid(&self) -> u64 {
        match (self.editlog(), &self.ha) {
            (Some(editlog), _) => editlog.synced_txid(),
            (None, Some(ha)) => ha.applied_txid(),
            (None, None) => 0,
        }
    }

    /// What startup did, phase by phase.
    pub fn startup_progress(&self) -> &StartupProgress {
        &self.startup
    }

    /// Every name dir's `current/` directory.
    pub fn current_dirs(&self) -> Vec<PathBuf> {
        self.dirs.current_dirs()
    }

    /// The edit log's journals as Hadoop's journal status lists them: each journal
    /// (`FileJournalManager(root=...)` for a name dir, the shared edits' URI) and its state.
    pub fn journal_status(&self) -> Vec<(String, String)> {
        let writing = self.editlog().is_some();
        let local_state = if writing {
            "EditLogFileOutputStream: open for write"
        } else {
            "not open (standby)"
        };
        let mut journals: Vec<(String, String)> = self
            .current_dirs()
            .iter()
            .map(|current| {
                let root = current.parent().unwrap_or(current);
                (
                    format!("FileJournalManager(root={})", root.display()),
                    local_state.to_string(),
                )
            })
            .collect();
        let shared = match (&self.ha, &self.config.shared_edits) {
            (Some(ha), _) => Some(format!("{:?}", ha.shared_edits())),
            (None, Some(quorum)) => Some(format!("{quorum:?}")),
            (None, None) => None,
        };
        if let Some(shared) = shared {
            let state = if writing {
                "open for write"
            } else {
                "open for read (tailing edits)"
            };
            journals.push((shared, state.to_string()));
        }
        journals
    }
}

/// The audit log's name of a `setQuota` (Hadoop's `getQuotaCommand`).
fn quota_command(namespace_quota: i64, space_quota: i64) -> &'static str {
    use crate::namespace::{QUOTA_DONT_SET, QUOTA_RESET};
    match (namespace_quota, space_quota) {
        (QUOTA_RESET, QUOTA_DONT_SET) => "clearQuota",
        (QUOTA_DONT_SET, QUOTA_RESET) => "clearSpaceQuota",
        (_, QUOTA_DONT_SET) => "setQuota",
        _ => "setSpaceQuota",
    }
}

/// The audit log `config` asks for, started.
fn open_audit_log(config: &NamesystemConfig) -> Result<AuditLog, StorageError> {
    let Some(audit) = &config.audit else {
        return Ok(AuditLog::disabled());
    };
    AuditLog::start(audit).map_err(|source| StorageError::Io {
        context: format!("cannot open the audit log {}", audit.path.display()),
        source,
    })
}

/// Tells the block manager of a file's blocks at startup; the last block of
/// a file still being truncated is marked so.
fn add_file_blocks(blocks: &BlockManager, file: &crate::namespace::FileData) {
    blocks.add_file_blocks(&file.blocks, file.replication, file.is_under_construction());
    let truncating = file
        .under_construction
        .as_ref()
        .is_some_and(|open| open.truncating);
    if truncating && let Some(last) = file.blocks.last() {
        blocks.mark_truncating(last.id);
    }
}

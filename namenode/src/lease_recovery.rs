//! Lease recovery and append in the namesystem: renewing leases, taking an
//! abandoned file over (after the soft limit on another client's request,
//! after the hard limit on the NameNode's own), recovering its last block
//! through the DataNodes, and closing it at the length they agreed on.

use std::time::Instant;

use common::ids::DatanodeUuid;
use common::{ExceptionKind, RemoteException};

use crate::blockmanager::DatanodeLocation;
use crate::lease::NAMENODE_LEASE_HOLDER;
use crate::namespace::{
    Block, Caller, INodeStatus, LeaseRecoveryPlan, TruncatePlan, TruncateRecovery,
};
use crate::namesystem::{LocatedBlock, Namesystem};

/// A file reopened by `append`.
#[derive(Clone, Debug)]
pub struct AppendedFile {
    /// The file's status, open for writing.
    pub status: INodeStatus,
    /// Its last block, if any.
    pub last: Option<Block>,
    /// The last block when it is partial: under construction again, with the
    /// DataNodes holding it, for the append to continue.
    pub reopened: Option<LocatedBlock>,
}

/// How a lease recovery attempt left the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecoveryOutcome {
    /// The file is closed.
    Closed,
    /// DataNodes are recovering its last block; it closes when they report.
    InProgress,
}

impl Namesystem {
    /// Refuses a writer's call unless `client_name` holds the lease on `src`
    /// (and this NameNode is active).
    pub fn check_writer(&self, src: &str, client_name: &str) -> Result<(), RemoteException> {
        self.check_operation(crate::ha::OperationCategory::Write)?;
        if self
            .leases
            .paths_of(client_name)
            .iter()
            .any(|path| path == src)
        {
            return Ok(());
        }
        Err(RemoteException::new(
            ExceptionKind::LeaseExpired,
            format!(
                "No lease on {src}: File is not open for writing. Holder {client_name} does not have any open files."
            ),
        ))
    }

    /// `getAdditionalDatanode`, a writer's pipeline recovery: `count` more
    /// DataNodes for the block of `src` it writes on `existing`, none of
    /// `excluded`, placed as the block's other replicas would be. Answers
    /// the whole pipeline, the existing nodes first.
    pub fn additional_datanodes(
        &self,
        src: &str,
        client_name: &str,
        existing: &[DatanodeUuid],
        excluded: &[DatanodeUuid],
        count: usize,
        writer_host: &str,
    ) -> Result<Vec<DatanodeLocation>, RemoteException> {
        self.check_writer(src, client_name)?;
        let (_, block_size, _) = self.read().open_file_layout(src)?;
        self.blocks()
            .choose_additional(existing, excluded, count, Some(writer_host), block_size)
    }

    /// `renewLease`: the client's leases start over.
    pub fn renew_lease(&self, client_name: &str) {
        self.leases.renew(client_name, Instant::now());
    }

    /// `append`: reopens the closed file at `path` for `client_name`, from
    /// `writer_host`. A partial last block goes back under construction on
    /// the DataNodes holding it, for the client to continue.
    pub async fn append(
        &self,
        path: &str,
        client_name: &str,
        writer_host: &str,
        caller: &Caller,
    ) -> Result<AppendedFile, RemoteException> {
        let result = self
            .append_file(path, client_name, writer_host, caller)
            .await;
        self.audit()
            .record(caller, "append", Some(path), None, &result, |_| None);
        result
    }

    async fn append_file(
        &self,
        path: &str,
        client_name: &str,
        writer_host: &str,
        caller: &Caller,
    ) -> Result<AppendedFile, RemoteException> {
        let now = common::time::now_millis();
        let appended = self
            .mutate(
                || format!("Cannot append to file{path}"),
                |ns| {
                    let plan = ns.plan_append(path, client_name, caller, now)?;
                    self.leases.add(client_name, path, Instant::now());
                    let reopened = plan
                        .last
                        .filter(|_| plan.reopen_last)
                        .map(|last| (last, self.blocks().reopen_for_append(last, writer_host)));
                    Ok((vec![plan.op], (plan.last, reopened)))
                },
            )
            .await;
        let (last, reopened) = match appended {
            Ok(appended) => appended,
            Err(error) => return Err(self.take_over_abandoned(path, client_name, error).await),
        };
        let status = self
            .read()
            .file_info(path, caller)?
            .ok_or_else(|| RemoteException::io(format!("'{path}': appended file vanished")))?;
        let reopened = reopened.map(|(block, locations)| LocatedBlock {
            block,
            offset: status.length - block.num_bytes,
            locations,
        });
        Ok(AppendedFile {
            status,
            last,
            reopened,
        })
    }

    /// `truncate` (HDFS-3107): cuts the file at `path` to `new_length` for
    /// `client_name` on `client_machine`. True when the file has that length
    /// now; false when the DataNodes are cutting its last block, which
    /// closes the file when they report it (the client waits before writing
    /// it again).
    pub async fn truncate(
        &self,
        path: &str,
        new_length: u64,
        client_name: &str,
        client_machine: &str,
        caller: &Caller,
    ) -> Result<bool, RemoteException> {
        let result = self
            .truncate_file(path, new_length, client_name, client_machine, caller)
            .await;
        self.audit()
            .record(caller, "truncate", Some(path), None, &result, |_| {
                self.audit_status(path)
            });
        result
    }

    async fn truncate_file(
        &self,
        path: &str,
        new_length: u64,
        client_name: &str,
        client_machine: &str,
        caller: &Caller,
    ) -> Result<bool, RemoteException> {
        let now = common::time::now_millis();
        let planned = self
            .mutate(
                || format!("Cannot truncate for {path}"),
                |ns| {
                    let plan = ns.plan_truncate(
                        path,
                        new_length,
                        client_name,
                        client_machine,
                        caller,
                        now,
                    )?;
                    let (op, recovery) = match plan {
                        TruncatePlan::Unchanged { done } => return Ok((Vec::new(), (done, None))),
                        TruncatePlan::Truncate { op, recovery } => (op, recovery),
                    };
                    if let Some(recovery) = recovery {
                        self.leases.add(client_name, path, Instant::now());
                        self.blocks().start_truncate(recovery.old);
                    }
                    Ok((vec![op], (recovery.is_none(), recovery)))
                },
            )
            .await;
        let (done, recovery) = match planned {
            Ok(planned) => planned,
            Err(error) => return Err(self.take_over_abandoned(path, client_name, error).await),
        };
        if let Some(recovery) = recovery {
            let TruncateRecovery { old, truncated } = recovery;
            tracing::info!(path, block = %old.id, new_length, block_length = truncated.num_bytes, "truncate: cutting the last block");
            let started = self.blocks().start_recovery(
                old,
                truncated.generation_stamp,
                Some(truncated.num_bytes),
            );
            if !started {
                tracing::warn!(
                    path,
                    block = %old.id,
                    "no live DataNode holds the block to truncate; lease recovery retries it"
                );
            }
        }
        Ok(done)
    }

    /// After a create or append refused because the file is open: when the
    /// writer's lease passed the soft limit, starts recovering the file and
    /// says so; otherwise returns `refusal` unchanged.
    pub(crate) async fn take_over_abandoned(
        &self,
        path: &str,
        client_name: &str,
        refusal: RemoteException,
    ) -> RemoteException {
        if refusal.kind != ExceptionKind::AlreadyBeingCreated {
            return refusal;
        }
        let limits = self.config().lease_limits;
        let Some((holder, soft_expired)) = self.leases.holder(path, limits, Instant::now()) else {
            return refusal;
        };
        if holder == client_name || !(soft_expired || holder == NAMENODE_LEASE_HOLDER) {
            return refusal;
        }
        if holder != NAMENODE_LEASE_HOLDER
            && let Err(error) = self.recover_file(path, &holder).await
        {
            return error;
        }
        RemoteException::new(
            ExceptionKind::RecoveryInProgress,
            format!(
                "Failed to open {path} for {client_name} because lease recovery is in progress. Try again later."
            ),
        )
    }

    /// `recoverLease`: true if the file is closed (or was never open); else
    /// recovery starts now, whoever holds the lease, and the caller polls.
    pub async fn recover_lease(
        &self,
        path: &str,
        caller: &Caller,
    ) -> Result<bool, RemoteException> {
        self.check_operation(crate::ha::OperationCategory::Write)?;
        let status = self
            .read()
            .file_info(path, caller)?
            .ok_or_else(|| RemoteException::not_found(path))?;
        if status.is_directory {
            return Err(RemoteException::new(
                ExceptionKind::FileNotFound,
                format!("'{path}': Is a directory (recoverLease needs a file)"),
            ));
        }
        if !status.under_construction {
            return Ok(true);
        }
        let limits = self.config().lease_limits;
        let holder = self
            .leases
            .holder(path, limits, Instant::now())
            .map(|(holder, _)| holder)
            .unwrap_or_default();
        Ok(self.recover_file(path, &holder).await? == RecoveryOutcome::Closed)
    }

    /// Recovers every file whose lease passed the hard limit. Returns how
    /// many were closed or put under block recovery.
    pub async fn recover_expired_leases(&self) -> usize {
        let expired = self
            .leases
            .expired(self.config().lease_limits, Instant::now());
        let mut recovered = 0;
        for (path, holder) in expired {
            tracing::info!(
                path,
                holder,
                "lease passed the hard limit: recovering the file"
            );
            match self.recover_file(&path, &holder).await {
                Ok(_) => recovered += 1,
                Err(error) => {
                    tracing::warn!(path, holder, error = %error.message, "lease recovery failed");
                    if matches!(
                        error.kind,
                        ExceptionKind::LeaseExpired | ExceptionKind::FileNotFound
                    ) {
                        // The file is gone or no longer open: the lease is stale.
                        self.leases.remove(&path);
                    }
                }
            }
        }
        recovered
    }

    /// Takes the file at `path` from `holder`: closes it if its blocks allow,
    /// otherwise hands the lease to the NameNode and starts block recovery.
    async fn recover_file(
        &self,
        path: &str,
        holder: &str,
    ) -> Result<RecoveryOutcome, RemoteException> {
        let now = common::time::now_millis();
        let (outcome, recovery) = self
            .mutate(
                || format!("Cannot recover the lease of {path}"),
                |ns| {
                    let last = ns.open_file_last_block(path)?;
                    let last_state = last.map(|block| self.blocks().last_block_state(block.id));
                    let plan = ns.plan_lease_recovery(
                        path,
                        holder,
                        NAMENODE_LEASE_HOLDER,
                        last_state.is_some_and(|state| state.written),
                        last_state.is_none_or(|state| state.complete),
                        now,
                    )?;
                    Ok(match plan {
                        LeaseRecoveryPlan::Close(ops) => {
                            self.leases.remove(path);
                            (ops, (RecoveryOutcome::Closed, None))
                        }
                        LeaseRecoveryPlan::RecoverBlock {
                            ops,
                            block,
                            new_length,
                        } => {
                            self.leases.add(NAMENODE_LEASE_HOLDER, path, Instant::now());
                            let stored = last.expect("a block to recover is the last block");
                            (
                                ops,
                                (
                                    RecoveryOutcome::InProgress,
                                    Some((stored, block, new_length)),
                                ),
                            )
                        }
                    })
                },
            )
            .await?;
        if let Some((stored, recovering, new_length)) = recovery
            && !self
                .blocks()
                .start_recovery(stored, recovering.generation_stamp, new_length)
        {
            tracing::warn!(
                path,
                block = %stored.id,
                "no live DataNode holds the block to recover; retrying at the next lease check"
            );
        }
        Ok(outcome)
    }

    /// `commitBlockSynchronization`: the DataNodes agreed on `recovered` (the
    /// block at its recovery id and final length) on `holders`; the file it
    /// ends is closed.
    pub async fn commit_block_synchronization(
        &self,
        recovered: Block,
        holders: &[DatanodeUuid],
    ) -> Result<(), RemoteException> {
        let now = common::time::now_millis();
        let path = self
            .mutate(
                || format!("Cannot commit the recovery of block {}", recovered.id),
                |ns| {
                    // Lease recovery hands the lease to the NameNode; a truncate
                    // leaves it with the client that truncated.
                    let (path, holder) = self
                        .leases
                        .all_open()
                        .into_iter()
                        .find(|(path, holder)| {
                            (holder == NAMENODE_LEASE_HOLDER || ns.is_being_truncated(path))
                                && ns
                                    .open_file_last_block(path)
                                    .ok()
                                    .flatten()
                                    .is_some_and(|last| last.id == recovered.id)
                        })
                        .ok_or_else(|| {
                            RemoteException::io(format!(
                                "commitBlockSynchronization: block {} is not being recovered",
                                recovered.id
                            ))
                        })?;
                    let open = ns.open_file_last_block(&path)?.expect("found above");
                    // A finalized replica keeps its stamp; others take the recovery id.
                    if recovered.generation_stamp > open.generation_stamp {
                        return Err(RemoteException::io(format!(
                            "commitBlockSynchronization: block {} has recovery id {}, older than {}",
                            recovered.id, open.generation_stamp, recovered.generation_stamp
                        )));
                    }
                    let ops = ns.plan_recovered_close(
                        &path,
                        &holder,
                        recovered.id,
                        recovered,
                        now,
                    )?;
                    self.blocks().commit_recovered(recovered, holders);
                    self.leases.remove(&path);
                    Ok((ops, path))
                },
            )
            .await?;
        tracing::info!(
            path,
            block = %recovered.id,
            length = recovered.num_bytes,
            "lease recovery closed the file"
        );
        Ok(())
    }
}

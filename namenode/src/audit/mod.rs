//! The audit log, Hadoop's `FSNamesystem.audit`: one line in `hdfs-audit.log`
//! per namespace operation a client asked for, over any protocol, allowed or
//! refused for want of permission (`allowed=false`).
//!
//! It stays off the request path: a handler only captures the fields of an
//! [`AuditEvent`] (after releasing the namespace lock) and queues it; one
//! writer thread formats the lines and appends them, a batch at a time,
//! through a buffer that is flushed whenever the queue runs empty.
//! When the queue is full (`dfs.namenode.audit.log.async.buffer.size` lines),
//! a handler waits for room if `dfs.namenode.audit.log.async.blocking` (the
//! default, as Hadoop's blocking AsyncAppender: no line is lost); otherwise
//! the line is dropped, counted, and the writer warns how many it lost.

mod line;
mod writer;

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};

use common::conf::{ConfError, keys};
use common::user::CallOrigin;
use common::{Configuration, ExceptionKind, FsPermission, RemoteException};

use crate::namespace::{Caller, INodeStatus};

pub(crate) use line::{LineTime, format_line};

/// The audit log's file name in the log dir (Hadoop's log4j `RFAAUDIT`).
pub const AUDIT_LOG_FILE: &str = "hdfs-audit.log";

/// How the audit log is written, from `dfs.namenode.audit.*` and
/// `hadoop.caller.context.*`.
#[derive(Clone, Debug)]
pub struct AuditLogConfig {
    /// `${hadoop.log.dir}/hdfs-audit.log` (else `$HADOOP_LOG_DIR`).
    pub path: PathBuf,
    /// `dfs.namenode.audit.log.async.buffer.size`: lines queued at most (the
    /// writer raises it to its floor).
    pub queue_capacity: usize,
    /// `dfs.namenode.audit.log.async.blocking`: wait for room (else drop).
    pub block_when_full: bool,
    /// `dfs.namenode.audit.log.debug.cmdlist`: commands not logged.
    pub debug_commands: Vec<String>,
    /// `hadoop.caller.context.*`, when caller contexts are logged.
    pub caller_context: Option<CallerContextLimits>,
}

/// How much of a caller context the audit log keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallerContextLimits {
    /// `hadoop.caller.context.max.size`: characters of the context kept.
    pub max_context_chars: usize,
    /// `hadoop.caller.context.signature.max.size`: a longer signature is left out.
    pub max_signature_bytes: usize,
}

impl AuditLogConfig {
    /// The audit log's settings, or `None` when `dfs.namenode.audit.log.enabled` is false.
    pub fn from_conf(conf: &Configuration) -> Result<Option<Self>, ConfError> {
        if !conf.get_bool(keys::DFS_NAMENODE_AUDIT_LOG_ENABLED)? {
            return Ok(None);
        }
        let log_dir = conf
            .get_trimmed(common::http::LOG_DIR_KEY)
            .filter(|dir| !dir.is_empty())
            .or_else(|| {
                std::env::var(common::http::LOG_DIR_ENV)
                    .ok()
                    .filter(|dir| !dir.is_empty())
            })
            .ok_or_else(|| ConfError::Invalid {
                key: keys::DFS_NAMENODE_AUDIT_LOG_ENABLED.to_string(),
                value: "true".to_string(),
                expected: format!(
                    "a log dir for {AUDIT_LOG_FILE}: set {} or ${}",
                    common::http::LOG_DIR_KEY,
                    common::http::LOG_DIR_ENV
                ),
            })?;
        let caller_context = if conf.get_bool(keys::HADOOP_CALLER_CONTEXT_ENABLED)? {
            Some(CallerContextLimits {
                max_context_chars: conf.get_u32(keys::HADOOP_CALLER_CONTEXT_MAX_SIZE)? as usize,
                max_signature_bytes: conf.get_u32(keys::HADOOP_CALLER_CONTEXT_SIGNATURE_MAX_SIZE)?
                    as usize,
            })
        } else {
            None
        };
        Ok(Some(Self {
            path: PathBuf::from(log_dir).join(AUDIT_LOG_FILE),
            queue_capacity: conf
                .get_u32(keys::DFS_NAMENODE_AUDIT_LOG_ASYNC_BUFFER_SIZE)?
                .max(1) as usize,
            block_when_full: conf.get_bool(keys::DFS_NAMENODE_AUDIT_LOG_ASYNC_BLOCKING)?,
            debug_commands: conf.get_strings(keys::DFS_NAMENODE_AUDIT_LOG_DEBUG_CMDLIST),
            caller_context,
        }))
    }
}

/// The owner, group and permission of the path an operation left (`perm=`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditStatus {
    pub owner: String,
    pub group: String,
    pub permission: FsPermission,
}

impl From<INodeStatus> for AuditStatus {
    fn from(status: INodeStatus) -> Self {
        Self {
            owner: status.owner,
            group: status.group,
            permission: status.permission,
        }
    }
}

/// One audited operation, captured on the request path and formatted by the writer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// When it happened, milliseconds since the epoch.
    pub at_millis: i64,
    pub allowed: bool,
    pub user: String,
    pub origin: CallOrigin,
    /// Hadoop's command name: `mkdirs`, `getfileinfo`, `rename (options=[NONE])`, ...
    pub command: Cow<'static, str>,
    pub src: Option<String>,
    pub dst: Option<String>,
    pub status: Option<AuditStatus>,
}

/// The audit log of one NameNode: a queue to its writer thread, or nothing when off.
pub(crate) struct AuditLog {
    queue: Option<Queue>,
}

struct Queue {
    sender: SyncSender<AuditEvent>,
    block_when_full: bool,
    debug_commands: HashSet<String>,
    dropped: Arc<AtomicU64>,
}

impl AuditLog {
    /// No audit log.
    pub fn disabled() -> Self {
        Self { queue: None }
    }

    /// Opens (appending) the file `config` names and starts its writer thread,
    /// which ends once this is dropped and the queue is written out.
    pub fn start(config: &AuditLogConfig) -> std::io::Result<Self> {
        let (sender, dropped) = writer::spawn(config)?;
        Ok(Self {
            queue: Some(Queue {
                sender,
                block_when_full: config.block_when_full,
                debug_commands: config.debug_commands.iter().cloned().collect(),
                dropped,
            }),
        })
    }

    /// Whether operations are recorded (so callers capture nothing otherwise).
    pub fn is_enabled(&self) -> bool {
        self.queue.is_some()
    }

    /// Records what `result` says of `caller`'s `command`: success is
    /// `allowed=true` (with the status `status` gives, asked only then), an
    /// `AccessControlException` `allowed=false`; other failures and the
    /// NameNode's own calls (no origin) are not audited, as in Hadoop.
    pub fn record<T>(
        &self,
        caller: &Caller,
        command: impl Into<Cow<'static, str>>,
        src: Option<&str>,
        dst: Option<&str>,
        result: &Result<T, RemoteException>,
        status: impl FnOnce(&T) -> Option<AuditStatus>,
    ) {
        let (Some(queue), Some(origin)) = (&self.queue, &caller.origin) else {
            return;
        };
        let (allowed, status) = match result {
            Ok(output) => (true, status(output)),
            Err(error) if error.kind == ExceptionKind::AccessControl => (false, None),
            Err(_) => return,
        };
        let command = command.into();
        if queue.debug_commands.contains(command.as_ref()) {
            return;
        }
        let event = AuditEvent {
            at_millis: common::time::now_millis(),
            allowed,
            user: caller.user.clone(),
            origin: origin.clone(),
            command,
            src: src.map(str::to_string),
            dst: dst.map(str::to_string),
            status,
        };
        queue.push(event);
    }
}

impl Queue {
    fn push(&self, event: AuditEvent) {
        match self.sender.try_send(event) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(event)) if self.block_when_full => {
                // Hadoop's blocking AsyncAppender: wait for the writer to make room.
                let _ = self.sender.send(event);
            }
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

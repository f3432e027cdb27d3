//! Well-known configuration key names, Hadoop's spelling.
//!
//! Every key Tusk reads has its constant here and, unless it is listed in
//! [`super::defaults::WITHOUT_DEFAULT`], its default in [`super::defaults::DEFAULTS`].

// core
/// URI of the default filesystem.
pub const FS_DEFAULT_FS: &str = "fs.defaultFS";
/// Base for other temporary and storage directories.
pub const HADOOP_TMP_DIR: &str = "hadoop.tmp.dir";
/// Buffer size for sequential file I/O, in bytes.
pub const IO_FILE_BUFFER_SIZE: &str = "io.file.buffer.size";
/// Minutes a deleted file stays in the trash; 0 disables the trash.
pub const FS_TRASH_INTERVAL: &str = "fs.trash.interval";
/// Minutes between trash checkpoints; 0 means `fs.trash.interval`.
pub const FS_TRASH_CHECKPOINT_INTERVAL: &str = "fs.trash.checkpoint.interval";
/// Octal umask applied when creating files and directories.
pub const FS_PERMISSIONS_UMASK_MODE: &str = "fs.permissions.umask-mode";
/// Authentication method; Tusk supports `simple` only.
pub const HADOOP_SECURITY_AUTHENTICATION: &str = "hadoop.security.authentication";
/// The user of HTTP requests that name none (WebHDFS without `user.name`).
pub const HADOOP_HTTP_STATICUSER_USER: &str = "hadoop.http.staticuser.user";
/// Files `hadoop fs -rm -safely` deletes without asking.
pub const HADOOP_SHELL_DELETE_LIMIT_NUM_FILES: &str = "hadoop.shell.delete.limit.num.files";
/// Milliseconds between a client's pings of a NameNode of a HA nameservice while calls are
/// in flight; one not answered within it fails them over.
pub const IPC_PING_INTERVAL: &str = "ipc.ping.interval";
/// Largest request, in bytes, a Hadoop IPC server accepts in one frame.
pub const IPC_MAXIMUM_DATA_LENGTH: &str = "ipc.maximum.data.length";
/// How many times a client retries a refused connection before failing the call.
pub const IPC_CLIENT_CONNECT_MAX_RETRIES: &str = "ipc.client.connect.max.retries";
/// The pause between those retries, milliseconds.
pub const IPC_CLIENT_CONNECT_RETRY_INTERVAL: &str = "ipc.client.connect.retry.interval";
/// Milliseconds a connection may idle; a server closes one silent for twice as long.
pub const IPC_CLIENT_CONNECTION_MAXIDLETIME: &str = "ipc.client.connection.maxidletime";
/// Open connections a server keeps at most; 0 means no limit.
pub const IPC_SERVER_MAX_CONNECTIONS: &str = "ipc.server.max.connections";
/// Milliseconds a DataNode waits for a transfer peer's op or answer.
pub const DFS_CLIENT_SOCKET_TIMEOUT: &str = "dfs.client.socket-timeout";
/// Script that maps hosts to racks (ScriptBasedMapping); no default.
pub const NET_TOPOLOGY_SCRIPT_FILE_NAME: &str = "net.topology.script.file.name";
/// Hosts passed to one run of the topology script.
pub const NET_TOPOLOGY_SCRIPT_NUMBER_ARGS: &str = "net.topology.script.number.args";
/// File of `host /rack` lines (TableMapping); no default.
pub const NET_TOPOLOGY_TABLE_FILE_NAME: &str = "net.topology.table.file.name";

// hdfs: namenode
/// Local directories holding the namenode's fsimage.
pub const DFS_NAMENODE_NAME_DIR: &str = "dfs.namenode.name.dir";
/// Local directories holding the namenode's edit log.
pub const DFS_NAMENODE_EDITS_DIR: &str = "dfs.namenode.edits.dir";
/// `host:port` of the namenode RPC server; no default.
pub const DFS_NAMENODE_RPC_ADDRESS: &str = "dfs.namenode.rpc-address";
/// Host the namenode RPC server binds to, overriding the host of the rpc-address.
pub const DFS_NAMENODE_RPC_BIND_HOST: &str = "dfs.namenode.rpc-bind-host";
/// `host:port` of the namenode web UI.
pub const DFS_NAMENODE_HTTP_ADDRESS: &str = "dfs.namenode.http-address";
/// `host:port` of the secondary namenode web UI.
pub const DFS_NAMENODE_SECONDARY_HTTP_ADDRESS: &str = "dfs.namenode.secondary.http-address";
/// Number of namenode RPC handler threads.
pub const DFS_NAMENODE_HANDLER_COUNT: &str = "dfs.namenode.handler.count";
/// Default replication factor of new files.
pub const DFS_REPLICATION: &str = "dfs.replication";
/// Largest replication factor a file may ask for.
pub const DFS_REPLICATION_MAX: &str = "dfs.replication.max";
/// Replicas a block needs before a write is acknowledged as complete.
pub const DFS_NAMENODE_REPLICATION_MIN: &str = "dfs.namenode.replication.min";
/// Default block size of new files, in bytes (size suffixes allowed).
pub const DFS_BLOCKSIZE: &str = "dfs.blocksize";
/// Bytes covered by each checksum.
pub const DFS_BYTES_PER_CHECKSUM: &str = "dfs.bytes-per-checksum";
/// Size of a client write packet, in bytes.
pub const DFS_CLIENT_WRITE_PACKET_SIZE: &str = "dfs.client-write-packet-size";
/// Whether HDFS permission checking is on.
pub const DFS_PERMISSIONS_ENABLED: &str = "dfs.permissions.enabled";
/// Group whose members are HDFS superusers.
pub const DFS_PERMISSIONS_SUPERUSERGROUP: &str = "dfs.permissions.superusergroup";
/// Most entries returned by one directory-listing call.
pub const DFS_LS_LIMIT: &str = "dfs.ls.limit";
/// Longest allowed path component, in bytes; 0 disables the check.
pub const DFS_NAMENODE_FS_LIMITS_MAX_COMPONENT_LENGTH: &str =
    "dfs.namenode.fs-limits.max-component-length";
/// Most children one directory may hold.
pub const DFS_NAMENODE_FS_LIMITS_MAX_DIRECTORY_ITEMS: &str =
    "dfs.namenode.fs-limits.max-directory-items";
/// Smallest block size a file may ask for, in bytes.
pub const DFS_NAMENODE_FS_LIMITS_MIN_BLOCK_SIZE: &str = "dfs.namenode.fs-limits.min-block-size";
/// Most blocks one file may have.
pub const DFS_NAMENODE_FS_LIMITS_MAX_BLOCKS_PER_FILE: &str =
    "dfs.namenode.fs-limits.max-blocks-per-file";
/// Fraction of blocks that must be reported before leaving safe mode.
pub const DFS_NAMENODE_SAFEMODE_THRESHOLD_PCT: &str = "dfs.namenode.safemode.threshold-pct";
/// Live datanodes required before leaving safe mode.
pub const DFS_NAMENODE_SAFEMODE_MIN_DATANODES: &str = "dfs.namenode.safemode.min.datanodes";
/// Milliseconds safe mode lingers after the threshold is reached.
pub const DFS_NAMENODE_SAFEMODE_EXTENSION: &str = "dfs.namenode.safemode.extension";
/// Seconds a lease holder may go without renewing before another client may take the file.
pub const DFS_NAMENODE_LEASE_SOFT_LIMIT_SEC: &str = "dfs.namenode.lease-soft-limit-sec";
/// Seconds after which the namenode recovers an unrenewed lease itself.
pub const DFS_NAMENODE_LEASE_HARD_LIMIT_SEC: &str = "dfs.namenode.lease-hard-limit-sec";
/// Milliseconds between checks for expired leases.
pub const DFS_NAMENODE_LEASE_RECHECK_INTERVAL_MS: &str = "dfs.namenode.lease-recheck-interval-ms";
/// Whether the NameNode keeps a retry cache of non-idempotent calls.
pub const DFS_NAMENODE_ENABLE_RETRY_CACHE: &str = "dfs.namenode.enable.retrycache";
/// How long the retry cache keeps an answer, in milliseconds.
pub const DFS_NAMENODE_RETRY_CACHE_EXPIRYTIME_MILLIS: &str =
    "dfs.namenode.retrycache.expirytime.millis";
/// Percentage of memory the retry cache may take.
pub const DFS_NAMENODE_RETRY_CACHE_HEAP_PERCENT: &str = "dfs.namenode.retrycache.heap.percent";
/// Whether the NameNode writes `hdfs-audit.log` (Tusk's switch for what Hadoop turns on
/// through log4j's `hdfs.audit.logger`).
pub const DFS_NAMENODE_AUDIT_LOG_ENABLED: &str = "dfs.namenode.audit.log.enabled";
/// Accepted for Hadoop's sake: Tusk always writes the audit log from its own thread.
pub const DFS_NAMENODE_AUDIT_LOG_ASYNC: &str = "dfs.namenode.audit.log.async";
/// Whether a handler waits for room when the audit queue is full (else the line is
/// dropped and counted).
pub const DFS_NAMENODE_AUDIT_LOG_ASYNC_BLOCKING: &str = "dfs.namenode.audit.log.async.blocking";
/// Audit lines queued for the writer at most.
pub const DFS_NAMENODE_AUDIT_LOG_ASYNC_BUFFER_SIZE: &str =
    "dfs.namenode.audit.log.async.buffer.size";
/// Commands (`cmd=`) left out of the audit log (Hadoop logs them at DEBUG only).
pub const DFS_NAMENODE_AUDIT_LOG_DEBUG_CMDLIST: &str = "dfs.namenode.audit.log.debug.cmdlist";
/// Whether the audit log carries the caller context a Hadoop IPC client sends.
pub const HADOOP_CALLER_CONTEXT_ENABLED: &str = "hadoop.caller.context.enabled";
/// Characters of a caller context kept in the audit log.
pub const HADOOP_CALLER_CONTEXT_MAX_SIZE: &str = "hadoop.caller.context.max.size";
/// Bytes of a caller context's signature beyond which it is left out.
pub const HADOOP_CALLER_CONTEXT_SIGNATURE_MAX_SIZE: &str =
    "hadoop.caller.context.signature.max.size";
/// File listing datanodes to decommission; no default.
pub const DFS_HOSTS_EXCLUDE: &str = "dfs.hosts.exclude";
/// File listing the datanodes allowed to join; no default (Tusk does not
/// enforce it yet; `hdfs getconf -includeFile` prints it).
pub const DFS_HOSTS: &str = "dfs.hosts";
/// The edit log shared by an HA pair (`qjournal://h1:8485;h2:8485/id`); no
/// default.
pub const DFS_NAMENODE_SHARED_EDITS_DIR: &str = "dfs.namenode.shared.edits.dir";
/// Seconds between datanode heartbeats.
pub const DFS_HEARTBEAT_INTERVAL: &str = "dfs.heartbeat.interval";
/// Milliseconds between checks for dead datanodes.
pub const DFS_NAMENODE_HEARTBEAT_RECHECK_INTERVAL: &str = "dfs.namenode.heartbeat.recheck-interval";
/// Seconds between runs of the redundancy monitor.
pub const DFS_NAMENODE_REDUNDANCY_INTERVAL_SECONDS: &str =
    "dfs.namenode.redundancy.interval.seconds";
/// Seconds before a scheduled replication that has not completed is retried.
pub const DFS_NAMENODE_RECONSTRUCTION_PENDING_TIMEOUT_SEC: &str =
    "dfs.namenode.reconstruction.pending.timeout-sec";
/// Replication streams one datanode may run at once.
pub const DFS_NAMENODE_REPLICATION_MAX_STREAMS: &str = "dfs.namenode.replication.max-streams";
/// Block deletions sent to one datanode per heartbeat.
pub const DFS_BLOCK_INVALIDATE_LIMIT: &str = "dfs.block.invalidate.limit";
/// Whether placement avoids datanodes busier than the average.
pub const DFS_NAMENODE_REDUNDANCY_CONSIDER_LOAD: &str = "dfs.namenode.redundancy.considerLoad";
/// How much busier than the average a datanode may be and still be chosen.
pub const DFS_NAMENODE_REDUNDANCY_CONSIDER_LOAD_FACTOR: &str =
    "dfs.namenode.redundancy.considerLoad.factor";
/// Milliseconds between full block reports.
pub const DFS_BLOCKREPORT_INTERVAL_MSEC: &str = "dfs.blockreport.intervalMsec";
/// Seconds between checkpoints.
pub const DFS_NAMENODE_CHECKPOINT_PERIOD: &str = "dfs.namenode.checkpoint.period";
/// Uncheckpointed transactions that force a checkpoint.
pub const DFS_NAMENODE_CHECKPOINT_TXNS: &str = "dfs.namenode.checkpoint.txns";
/// Seconds between checks of the uncheckpointed transaction count.
pub const DFS_NAMENODE_CHECKPOINT_CHECK_PERIOD: &str = "dfs.namenode.checkpoint.check.period";
/// Checkpoint images kept on disk.
pub const DFS_NAMENODE_NUM_CHECKPOINTS_RETAINED: &str = "dfs.namenode.num.checkpoints.retained";
/// Transactions of edits kept beyond what the oldest retained image needs.
pub const DFS_NAMENODE_NUM_EXTRA_EDITS_RETAINED: &str = "dfs.namenode.num.extra.edits.retained";
/// Most edit-log segments kept beyond what the oldest retained image needs.
pub const DFS_NAMENODE_MAX_EXTRA_EDITS_SEGMENTS_RETAINED: &str =
    "dfs.namenode.max.extra.edits.segments.retained";
/// Bytes per second for image and edit transfers; 0 for no limit.
pub const DFS_IMAGE_TRANSFER_BANDWIDTH_PER_SEC: &str = "dfs.image.transfer.bandwidthPerSec";
/// Local directories where the secondary namenode builds checkpoints.
pub const DFS_NAMENODE_CHECKPOINT_DIR: &str = "dfs.namenode.checkpoint.dir";
/// Local directories where the secondary namenode keeps downloaded edits; the checkpoint
/// directories when unset.
pub const DFS_NAMENODE_CHECKPOINT_EDITS_DIR: &str = "dfs.namenode.checkpoint.edits.dir";

// hdfs: high availability (keys suffixed `.<nameservice>[.<namenode id>]` are prefixes here)
/// Comma-separated logical names of the nameservices; no default.
pub const DFS_NAMESERVICES: &str = "dfs.nameservices";
/// The nameservice this NameNode belongs to, when `dfs.nameservices` lists several; no default.
pub const DFS_NAMESERVICE_ID: &str = "dfs.nameservice.id";
/// Prefix of `dfs.ha.namenodes.<ns>`: the NameNode ids of a nameservice.
pub const DFS_HA_NAMENODES_PREFIX: &str = "dfs.ha.namenodes";
/// Which NameNode of its nameservice this process is, when several share a host; no default.
pub const DFS_HA_NAMENODE_ID: &str = "dfs.ha.namenode.id";
/// Prefix of `dfs.client.failover.proxy.provider.<ns>`: the client's failover proxy class.
pub const DFS_CLIENT_FAILOVER_PROXY_PROVIDER_PREFIX: &str = "dfs.client.failover.proxy.provider";
/// Failovers a client tries before giving up.
pub const DFS_CLIENT_FAILOVER_MAX_ATTEMPTS: &str = "dfs.client.failover.max.attempts";
/// Whether a writer replaces a DataNode its pipeline lost (by the policy below).
pub const DFS_CLIENT_REPLACE_DATANODE_ENABLE: &str =
    "dfs.client.block.write.replace-datanode-on-failure.enable";
/// When a writer replaces a lost DataNode: DEFAULT, ALWAYS or NEVER.
pub const DFS_CLIENT_REPLACE_DATANODE_POLICY: &str =
    "dfs.client.block.write.replace-datanode-on-failure.policy";
/// Whether a writer that found no replacement goes on with the DataNodes it has.
pub const DFS_CLIENT_REPLACE_DATANODE_BEST_EFFORT: &str =
    "dfs.client.block.write.replace-datanode-on-failure.best-effort";
/// The DataNodes a writer that found no replacement needs to go on (0: fail).
pub const DFS_CLIENT_REPLACE_DATANODE_MIN_REPLICATION: &str =
    "dfs.client.block.write.replace-datanode-on-failure.min-replication";
/// Base of the client's exponential backoff between failovers, in milliseconds.
pub const DFS_CLIENT_FAILOVER_SLEEPTIME_BASE: &str = "dfs.client.failover.sleep.base.millis";
/// Cap of the client's backoff between failovers, in milliseconds.
pub const DFS_CLIENT_FAILOVER_SLEEPTIME_MAX: &str = "dfs.client.failover.sleep.max.millis";
/// Connection retries to one NameNode before failing over to the next.
pub const DFS_CLIENT_FAILOVER_CONNECTION_RETRIES: &str = "dfs.client.failover.connection.retries";
/// Whether the ZKFCs fail over automatically.
pub const DFS_HA_AUTOMATIC_FAILOVER_ENABLED: &str = "dfs.ha.automatic-failover.enabled";
/// Newline-separated fencing methods (`shell(...)`, `sshfence`) tried in order; no default.
pub const DFS_HA_FENCING_METHODS: &str = "dfs.ha.fencing.methods";
/// Port of the ZKFC's RPC server (ZKFCProtocol).
pub const DFS_HA_ZKFC_PORT: &str = "dfs.ha.zkfc.port";
/// How often the standby tails the shared edits.
pub const DFS_HA_TAIL_EDITS_PERIOD: &str = "dfs.ha.tail-edits.period";
/// The longest a standby that found nothing new waits before tailing again: its wait
/// doubles from `dfs.ha.tail-edits.period` up to this; 0 keeps the period.
pub const DFS_HA_TAIL_EDITS_PERIOD_BACKOFF_MAX: &str = "dfs.ha.tail-edits.period.backoff-max";
/// Whether the standby also reads edits of the in-progress segment.
pub const DFS_HA_TAIL_EDITS_INPROGRESS: &str = "dfs.ha.tail-edits.in-progress";
/// How often the standby asks the active to roll its edit log; negative disables.
pub const DFS_HA_LOG_ROLL_PERIOD: &str = "dfs.ha.log-roll.period";
/// Whether the standby takes checkpoints.
pub const DFS_HA_STANDBY_CHECKPOINTS: &str = "dfs.ha.standby.checkpoints";
/// `host:port` list of the ZooKeeper ensemble the ZKFCs use; no default.
pub const HA_ZOOKEEPER_QUORUM: &str = "ha.zookeeper.quorum";
/// ZooKeeper session timeout of a ZKFC, in milliseconds.
pub const HA_ZOOKEEPER_SESSION_TIMEOUT_MS: &str = "ha.zookeeper.session-timeout.ms";
/// The znode under which the ZKFCs keep one child per nameservice.
pub const HA_ZOOKEEPER_PARENT_ZNODE: &str = "ha.zookeeper.parent-znode";
/// Milliseconds between the health monitor's checks.
pub const HA_HEALTH_MONITOR_CHECK_INTERVAL_MS: &str = "ha.health-monitor.check-interval.ms";
/// Timeout of one health check, in milliseconds.
pub const HA_HEALTH_MONITOR_RPC_TIMEOUT_MS: &str = "ha.health-monitor.rpc-timeout.ms";
/// Milliseconds between the health monitor's connection attempts.
pub const HA_HEALTH_MONITOR_CONNECT_RETRY_INTERVAL_MS: &str =
    "ha.health-monitor.connect-retry-interval.ms";
/// Timeout of the graceful fence (transitionToStandby of the old active), in milliseconds.
pub const HA_FAILOVER_CONTROLLER_GRACEFUL_FENCE_RPC_TIMEOUT_MS: &str =
    "ha.failover-controller.graceful-fence.rpc-timeout.ms";
/// Timeout of transitionToActive of the new active, in milliseconds.
pub const HA_FAILOVER_CONTROLLER_NEW_ACTIVE_RPC_TIMEOUT_MS: &str =
    "ha.failover-controller.new-active.rpc-timeout.ms";
/// Timeout of haadmin's checks, in milliseconds.
pub const HA_FAILOVER_CONTROLLER_CLI_CHECK_RPC_TIMEOUT_MS: &str =
    "ha.failover-controller.cli-check.rpc-timeout.ms";

// hdfs: journalnode and the quorum journal
/// `host:port` of the JournalNode RPC server.
pub const DFS_JOURNALNODE_RPC_ADDRESS: &str = "dfs.journalnode.rpc-address";
/// `host:port` of the JournalNode HTTP server.
pub const DFS_JOURNALNODE_HTTP_ADDRESS: &str = "dfs.journalnode.http-address";
/// Local directory where a JournalNode keeps its journals.
pub const DFS_JOURNALNODE_EDITS_DIR: &str = "dfs.journalnode.edits.dir";
/// Whether a JournalNode syncs missing segments from its peers.
pub const DFS_JOURNALNODE_ENABLE_SYNC: &str = "dfs.journalnode.enable.sync";
/// Milliseconds between a JournalNode's sync rounds.
pub const DFS_JOURNALNODE_SYNC_INTERVAL: &str = "dfs.journalnode.sync.interval";
/// Bytes of recent edits a JournalNode keeps in memory for in-progress tailing.
pub const DFS_JOURNALNODE_EDIT_CACHE_SIZE_BYTES: &str = "dfs.journalnode.edit-cache-size.bytes";
/// Timeout of startLogSegment on a quorum, in milliseconds.
pub const DFS_QJOURNAL_START_SEGMENT_TIMEOUT_KEY: &str = "dfs.qjournal.start-segment.timeout.ms";
/// Timeout of prepareRecovery on a quorum, in milliseconds.
pub const DFS_QJOURNAL_PREPARE_RECOVERY_TIMEOUT_KEY: &str =
    "dfs.qjournal.prepare-recovery.timeout.ms";
/// Timeout of acceptRecovery on a quorum, in milliseconds.
pub const DFS_QJOURNAL_ACCEPT_RECOVERY_TIMEOUT_KEY: &str =
    "dfs.qjournal.accept-recovery.timeout.ms";
/// Timeout of finalizeLogSegment on a quorum, in milliseconds.
pub const DFS_QJOURNAL_FINALIZE_SEGMENT_TIMEOUT_KEY: &str =
    "dfs.qjournal.finalize-segment.timeout.ms";
/// Timeout of getEditLogManifest (selecting segments to read) on a quorum, in milliseconds.
pub const DFS_QJOURNAL_SELECT_INPUT_STREAMS_TIMEOUT_KEY: &str =
    "dfs.qjournal.select-input-streams.timeout.ms";
/// Timeout of getJournalState on a quorum, in milliseconds.
pub const DFS_QJOURNAL_GET_JOURNAL_STATE_TIMEOUT_KEY: &str =
    "dfs.qjournal.get-journal-state.timeout.ms";
/// Timeout of newEpoch on a quorum, in milliseconds.
pub const DFS_QJOURNAL_NEW_EPOCH_TIMEOUT_KEY: &str = "dfs.qjournal.new-epoch.timeout.ms";
/// Timeout of writing a batch of edits to a quorum, in milliseconds.
pub const DFS_QJOURNAL_WRITE_TXNS_TIMEOUT_KEY: &str = "dfs.qjournal.write-txns.timeout.ms";
/// Megabytes of edits queued for one slow JournalNode before it is dropped from the batch.
pub const DFS_QJOURNAL_QUEUE_SIZE_LIMIT_KEY: &str = "dfs.qjournal.queued-edits.limit.mb";

// hdfs: datanode
/// Local directories holding datanode block files.
pub const DFS_DATANODE_DATA_DIR: &str = "dfs.datanode.data.dir";
/// `host:port` of the datanode data-transfer server.
pub const DFS_DATANODE_ADDRESS: &str = "dfs.datanode.address";
/// `host:port` of the datanode IPC server.
pub const DFS_DATANODE_IPC_ADDRESS: &str = "dfs.datanode.ipc.address";
/// `host:port` of the datanode web UI.
pub const DFS_DATANODE_HTTP_ADDRESS: &str = "dfs.datanode.http.address";
/// Host the datanode advertises; no default (the address it binds).
pub const DFS_DATANODE_HOSTNAME: &str = "dfs.datanode.hostname";
/// Bytes per second the block scanner reads on each volume; 0 disables it.
pub const DFS_BLOCK_SCANNER_VOLUME_BYTES_PER_SECOND: &str =
    "dfs.block.scanner.volume.bytes.per.second";
/// Hours between scans of one replica.
pub const DFS_DATANODE_SCAN_PERIOD_HOURS: &str = "dfs.datanode.scan.period.hours";
/// Whether written replica data is dropped from the page cache (on in Tusk, off in Hadoop).
pub const DFS_DATANODE_DROP_CACHE_BEHIND_WRITES: &str = "dfs.datanode.drop.cache.behind.writes";

// hdfs: client
/// Whether readers check each block against the digest the namenode holds (Tusk's own key).
pub const DFS_CLIENT_READ_VERIFY_BLOCK_DIGESTS: &str = "dfs.client.read.verify-block-digests";
/// Milliseconds between lease renewals while files are open for writing (Tusk's own key).
pub const DFS_CLIENT_LEASE_RENEW_INTERVAL_MS: &str = "dfs.client.lease.renew-interval-ms";

// http: the REST CSRF filter (Hadoop's RestCsrfPreventionFilter), one set per web app
/// Whether WebHDFS refuses browser requests that change state without the custom header.
pub const DFS_WEBHDFS_REST_CSRF_ENABLED: &str = "dfs.webhdfs.rest-csrf.enabled";
/// The header WebHDFS's CSRF filter asks for.
pub const DFS_WEBHDFS_REST_CSRF_CUSTOM_HEADER: &str = "dfs.webhdfs.rest-csrf.custom-header";
/// Methods WebHDFS's CSRF filter lets through without the header.
pub const DFS_WEBHDFS_REST_CSRF_METHODS_TO_IGNORE: &str = "dfs.webhdfs.rest-csrf.methods-to-ignore";
/// User agents (comma-separated regexes) WebHDFS's CSRF filter treats as browsers.
pub const DFS_WEBHDFS_REST_CSRF_BROWSER_USERAGENTS_REGEX: &str =
    "dfs.webhdfs.rest-csrf.browser-useragents-regex";
/// Whether the ResourceManager's web app refuses browser requests that change state
/// without the custom header.
pub const YARN_RESOURCEMANAGER_WEBAPP_REST_CSRF_ENABLED: &str =
    "yarn.resourcemanager.webapp.rest-csrf.enabled";
/// The header the ResourceManager's CSRF filter asks for.
pub const YARN_RESOURCEMANAGER_WEBAPP_REST_CSRF_CUSTOM_HEADER: &str =
    "yarn.resourcemanager.webapp.rest-csrf.custom-header";
/// Methods the ResourceManager's CSRF filter lets through without the header.
pub const YARN_RESOURCEMANAGER_WEBAPP_REST_CSRF_METHODS_TO_IGNORE: &str =
    "yarn.resourcemanager.webapp.rest-csrf.methods-to-ignore";
/// Whether the NodeManager's web app refuses browser requests that change state without
/// the custom header.
pub const YARN_NODEMANAGER_WEBAPP_REST_CSRF_ENABLED: &str =
    "yarn.nodemanager.webapp.rest-csrf.enabled";
/// The header the NodeManager's CSRF filter asks for.
pub const YARN_NODEMANAGER_WEBAPP_REST_CSRF_CUSTOM_HEADER: &str =
    "yarn.nodemanager.webapp.rest-csrf.custom-header";
/// Methods the NodeManager's CSRF filter lets through without the header.
pub const YARN_NODEMANAGER_WEBAPP_REST_CSRF_METHODS_TO_IGNORE: &str =
    "yarn.nodemanager.webapp.rest-csrf.methods-to-ignore";

// yarn
/// `host:port` of the resourcemanager client RPC server.
pub const YARN_RESOURCEMANAGER_ADDRESS: &str = "yarn.resourcemanager.address";
/// `host:port` of the resourcemanager scheduler (application master) RPC server.
pub const YARN_RESOURCEMANAGER_SCHEDULER_ADDRESS: &str = "yarn.resourcemanager.scheduler.address";
/// `host:port` of the resourcemanager resource tracker (nodemanager) RPC server.
pub const YARN_RESOURCEMANAGER_RESOURCE_TRACKER_ADDRESS: &str =
    "yarn.resourcemanager.resource-tracker.address";
/// `host:port` of the resourcemanager admin RPC server.
pub const YARN_RESOURCEMANAGER_ADMIN_ADDRESS: &str = "yarn.resourcemanager.admin.address";
/// The highest priority an application can have; higher asks are capped.
pub const YARN_CLUSTER_MAX_APPLICATION_PRIORITY: &str = "yarn.cluster.max-application-priority";
/// File of the hosts allowed to run NodeManagers (empty: every host).
pub const YARN_RESOURCEMANAGER_NODES_INCLUDE_PATH: &str = "yarn.resourcemanager.nodes.include-path";
/// File of the hosts whose NodeManagers are decommissioned.
pub const YARN_RESOURCEMANAGER_NODES_EXCLUDE_PATH: &str = "yarn.resourcemanager.nodes.exclude-path";
/// Whether ResourceManager high availability is configured.
pub const YARN_RESOURCEMANAGER_HA_ENABLED: &str = "yarn.resourcemanager.ha.enabled";
/// The ResourceManager ids of an HA cluster (`rm1,rm2`).
pub const YARN_RESOURCEMANAGER_HA_RM_IDS: &str = "yarn.resourcemanager.ha.rm-ids";
/// `host:port` of the resourcemanager web UI.
pub const YARN_RESOURCEMANAGER_WEBAPP_ADDRESS: &str = "yarn.resourcemanager.webapp.address";
/// Milliseconds between nodemanager heartbeats.
pub const YARN_RESOURCEMANAGER_NODEMANAGERS_HEARTBEAT_INTERVAL_MS: &str =
    "yarn.resourcemanager.nodemanagers.heartbeat-interval-ms";
/// Milliseconds without a heartbeat after which a nodemanager is lost.
pub const YARN_NM_LIVENESS_MONITOR_EXPIRY_INTERVAL_MS: &str =
    "yarn.nm.liveness-monitor.expiry-interval-ms";
/// Milliseconds without a heartbeat after which an application master attempt is lost.
pub const YARN_AM_LIVENESS_MONITOR_EXPIRY_INTERVAL_MS: &str =
    "yarn.am.liveness-monitor.expiry-interval-ms";
/// `host:port` of the nodemanager container-management RPC server.
pub const YARN_NODEMANAGER_ADDRESS: &str = "yarn.nodemanager.address";
/// Host the nodemanager advertises in its node id; no default (the address it binds).
pub const YARN_NODEMANAGER_HOSTNAME: &str = "yarn.nodemanager.hostname";
/// `host:port` of the nodemanager web UI.
pub const YARN_NODEMANAGER_WEBAPP_ADDRESS: &str = "yarn.nodemanager.webapp.address";
/// Local directories for container working files.
pub const YARN_NODEMANAGER_LOCAL_DIRS: &str = "yarn.nodemanager.local-dirs";
/// Local directories for container logs.
pub const YARN_NODEMANAGER_LOG_DIRS: &str = "yarn.nodemanager.log-dirs";
/// Memory the nodemanager offers, in MiB; -1 detects the machine's memory.
pub const YARN_NODEMANAGER_RESOURCE_MEMORY_MB: &str = "yarn.nodemanager.resource.memory-mb";
/// Virtual cores the nodemanager offers; -1 detects the machine's CPUs.
pub const YARN_NODEMANAGER_RESOURCE_CPU_VCORES: &str = "yarn.nodemanager.resource.cpu-vcores";
/// Milliseconds between checks of container memory use.
pub const YARN_NODEMANAGER_CONTAINER_MONITOR_INTERVAL_MS: &str =
    "yarn.nodemanager.container-monitor.interval-ms";
/// Whether containers over their physical-memory limit are killed.
pub const YARN_NODEMANAGER_PMEM_CHECK_ENABLED: &str = "yarn.nodemanager.pmem-check-enabled";
/// Milliseconds between SIGTERM and SIGKILL when a container is stopped.
pub const YARN_NODEMANAGER_SLEEP_DELAY_BEFORE_SIGKILL_MS: &str =
    "yarn.nodemanager.sleep-delay-before-sigkill.ms";
/// Whether container logs are copied to the filesystem when an application ends.
pub const YARN_LOG_AGGREGATION_ENABLE: &str = "yarn.log-aggregation-enable";
/// Filesystem directory aggregated logs go to.
pub const YARN_NODEMANAGER_REMOTE_APP_LOG_DIR: &str = "yarn.nodemanager.remote-app-log-dir";
/// Directory under `<remote-app-log-dir>/<user>` that aggregated logs go to.
pub const YARN_NODEMANAGER_REMOTE_APP_LOG_DIR_SUFFIX: &str =
    "yarn.nodemanager.remote-app-log-dir-suffix";
/// Auxiliary services the nodemanager runs (such as `mapreduce_shuffle`); no default.
pub const YARN_NODEMANAGER_AUX_SERVICES: &str = "yarn.nodemanager.aux-services";
/// Smallest container memory the scheduler grants, in MiB.
pub const YARN_SCHEDULER_MINIMUM_ALLOCATION_MB: &str = "yarn.scheduler.minimum-allocation-mb";
/// Largest container memory the scheduler grants, in MiB.
pub const YARN_SCHEDULER_MAXIMUM_ALLOCATION_MB: &str = "yarn.scheduler.maximum-allocation-mb";
/// Fewest virtual cores the scheduler grants.
pub const YARN_SCHEDULER_MINIMUM_ALLOCATION_VCORES: &str =
    "yarn.scheduler.minimum-allocation-vcores";
/// Most virtual cores the scheduler grants.
pub const YARN_SCHEDULER_MAXIMUM_ALLOCATION_VCORES: &str =
    "yarn.scheduler.maximum-allocation-vcores";
/// Scheduling opportunities missed before a container may go off its node.
pub const YARN_SCHEDULER_CAPACITY_NODE_LOCALITY_DELAY: &str =
    "yarn.scheduler.capacity.node-locality-delay";
/// Further opportunities missed before a container may go off its rack; -1 for Hadoop's rule.
pub const YARN_SCHEDULER_CAPACITY_RACK_LOCALITY_ADDITIONAL_DELAY: &str =
    "yarn.scheduler.capacity.rack-locality-additional-delay";
/// Attempts an application master gets before its application fails.
pub const YARN_RESOURCEMANAGER_AM_MAX_ATTEMPTS: &str = "yarn.resourcemanager.am.max-attempts";

// mapreduce
/// Map-side sort buffer, in MiB.
pub const MAPREDUCE_TASK_IO_SORT_MB: &str = "mapreduce.task.io.sort.mb";
/// Fill fraction of the sort buffer that starts a spill.
pub const MAPREDUCE_MAP_SORT_SPILL_PERCENT: &str = "mapreduce.map.sort.spill.percent";
/// Streams merged at once while sorting.
pub const MAPREDUCE_TASK_IO_SORT_FACTOR: &str = "mapreduce.task.io.sort.factor";
/// Default number of reduce tasks per job.
pub const MAPREDUCE_JOB_REDUCES: &str = "mapreduce.job.reduces";
/// Number of map tasks a job generator (teragen) runs.
pub const MAPREDUCE_JOB_MAPS: &str = "mapreduce.job.maps";
/// Name of a job.
pub const MAPREDUCE_JOB_NAME: &str = "mapreduce.job.name";
/// Queue a job is submitted to.
pub const MAPREDUCE_JOB_QUEUENAME: &str = "mapreduce.job.queuename";
/// `local` (in-process LocalJobRunner) or `yarn`.
pub const MAPREDUCE_FRAMEWORK_NAME: &str = "mapreduce.framework.name";
/// Spills from which the final map-side merge runs the combiner again.
pub const MAPREDUCE_MAP_COMBINE_MINSPILLS: &str = "mapreduce.map.combine.minspills";
/// Memory of the map-side combining table as a fraction of the sort buffer (Tusk's own key).
pub const TUSK_MAP_COMBINE_TABLE_PERCENT: &str = "tusk.map.combine.table.percent";
/// Attempts per map task.
pub const MAPREDUCE_MAP_MAXATTEMPTS: &str = "mapreduce.map.maxattempts";
/// Attempts per reduce task.
pub const MAPREDUCE_REDUCE_MAXATTEMPTS: &str = "mapreduce.reduce.maxattempts";
/// Maps the local runner runs at once; no default (the machine's parallelism).
pub const MAPREDUCE_LOCAL_MAP_TASKS_MAXIMUM: &str = "mapreduce.local.map.tasks.maximum";
/// Reduces the local runner runs at once; no default (the machine's parallelism).
pub const MAPREDUCE_LOCAL_REDUCE_TASKS_MAXIMUM: &str = "mapreduce.local.reduce.tasks.maximum";
/// Smallest input split, in bytes.
pub const MAPREDUCE_INPUT_FILEINPUTFORMAT_SPLIT_MINSIZE: &str =
    "mapreduce.input.fileinputformat.split.minsize";
/// Largest input split, in bytes.
pub const MAPREDUCE_INPUT_FILEINPUTFORMAT_SPLIT_MAXSIZE: &str =
    "mapreduce.input.fileinputformat.split.maxsize";
/// The job's input paths, comma-separated; no default (set by the client).
pub const MAPREDUCE_INPUT_FILEINPUTFORMAT_INPUTDIR: &str =
    "mapreduce.input.fileinputformat.inputdir";
/// The job's output directory; no default (set by the client).
pub const MAPREDUCE_OUTPUT_FILEOUTPUTFORMAT_OUTPUTDIR: &str =
    "mapreduce.output.fileoutputformat.outputdir";
/// Local directories for spills and map outputs.
pub const MAPREDUCE_CLUSTER_LOCAL_DIR: &str = "mapreduce.cluster.local.dir";
/// What TextOutputFormat puts between key and value.
pub const MAPREDUCE_OUTPUT_TEXTOUTPUTFORMAT_SEPARATOR: &str =
    "mapreduce.output.textoutputformat.separator";
/// What KeyValueTextInputFormat splits lines at (its first byte).
pub const MAPREDUCE_INPUT_KEYVALUELINERECORDREADER_KEY_VALUE_SEPARATOR: &str =
    "mapreduce.input.keyvaluelinerecordreader.key.value.separator";
/// Longest line a LineRecordReader returns; longer lines are skipped.
pub const MAPREDUCE_INPUT_LINERECORDREADER_LINE_MAXLENGTH: &str =
    "mapreduce.input.linerecordreader.line.maxlength";
/// Fraction of the maps that must finish before reduces are scheduled.
pub const MAPREDUCE_JOB_REDUCE_SLOWSTART_COMPLETEDMAPS: &str =
    "mapreduce.job.reduce.slowstart.completedmaps";
/// Whether slow map tasks get speculative attempts.
pub const MAPREDUCE_MAP_SPECULATIVE: &str = "mapreduce.map.speculative";
/// Whether slow reduce tasks get speculative attempts.
pub const MAPREDUCE_REDUCE_SPECULATIVE: &str = "mapreduce.reduce.speculative";
/// Most speculative attempts, as a fraction of the running tasks.
pub const MAPREDUCE_JOB_SPECULATIVE_SPECULATIVE_CAP_RUNNING_TASKS: &str =
    "mapreduce.job.speculative.speculative-cap-running-tasks";
/// Standard deviations slower than the mean a task must be to be speculated.
pub const MAPREDUCE_JOB_SPECULATIVE_SLOWTASKTHRESHOLD: &str =
    "mapreduce.job.speculative.slowtaskthreshold";
/// Container memory of a map task, in MiB.
pub const MAPREDUCE_MAP_MEMORY_MB: &str = "mapreduce.map.memory.mb";
/// Virtual cores of a map task.
pub const MAPREDUCE_MAP_CPU_VCORES: &str = "mapreduce.map.cpu.vcores";
/// Container memory of a reduce task, in MiB.
pub const MAPREDUCE_REDUCE_MEMORY_MB: &str = "mapreduce.reduce.memory.mb";
/// Virtual cores of a reduce task.
pub const MAPREDUCE_REDUCE_CPU_VCORES: &str = "mapreduce.reduce.cpu.vcores";
/// Fetch-failure reports about one map output before it is run again.
pub const MAPREDUCE_JOB_MAXFETCHFAILURES_NOTIFICATIONS: &str =
    "mapreduce.job.maxfetchfailures.notifications";
/// Fraction of a reduce's memory that holds shuffled map outputs.
pub const MAPREDUCE_REDUCE_SHUFFLE_INPUT_BUFFER_PERCENT: &str =
    "mapreduce.reduce.shuffle.input.buffer.percent";
/// Largest single map output kept in memory, as a fraction of the shuffle buffer.
pub const MAPREDUCE_REDUCE_SHUFFLE_MEMORY_LIMIT_PERCENT: &str =
    "mapreduce.reduce.shuffle.memory.limit.percent";
/// Fill fraction of the shuffle buffer that starts an in-memory merge.
pub const MAPREDUCE_REDUCE_SHUFFLE_MERGE_PERCENT: &str = "mapreduce.reduce.shuffle.merge.percent";
/// Map outputs a reduce fetches at once.
pub const MAPREDUCE_REDUCE_SHUFFLE_PARALLELCOPIES: &str = "mapreduce.reduce.shuffle.parallelcopies";
/// Milliseconds a shuffle fetch waits to connect.
pub const MAPREDUCE_REDUCE_SHUFFLE_CONNECT_TIMEOUT: &str =
    "mapreduce.reduce.shuffle.connect.timeout";
/// Milliseconds a shuffle fetch waits for data.
pub const MAPREDUCE_REDUCE_SHUFFLE_READ_TIMEOUT: &str = "mapreduce.reduce.shuffle.read.timeout";
/// Port of the nodemanager shuffle service.
pub const MAPREDUCE_SHUFFLE_PORT: &str = "mapreduce.shuffle.port";
/// Filesystem directory where job submission files are staged.
pub const YARN_APP_MAPREDUCE_AM_STAGING_DIR: &str = "yarn.app.mapreduce.am.staging-dir";
/// Milliseconds between the MapReduce application master's heartbeats to the scheduler.
pub const YARN_APP_MAPREDUCE_AM_SCHEDULER_HEARTBEAT_INTERVAL_MS: &str =
    "yarn.app.mapreduce.am.scheduler.heartbeat.interval-ms";
/// Container memory of the MapReduce application master, in MiB.
pub const YARN_APP_MAPREDUCE_AM_RESOURCE_MB: &str = "yarn.app.mapreduce.am.resource.mb";
/// Virtual cores of the MapReduce application master.
pub const YARN_APP_MAPREDUCE_AM_RESOURCE_CPU_VCORES: &str =
    "yarn.app.mapreduce.am.resource.cpu-vcores";
/// Replication of the job files a client submits.
pub const MAPREDUCE_CLIENT_SUBMIT_FILE_REPLICATION: &str =
    "mapreduce.client.submit.file.replication";
/// Milliseconds between a waiting client's progress polls.
pub const MAPREDUCE_CLIENT_PROGRESSMONITOR_POLLINTERVAL: &str =
    "mapreduce.client.progressmonitor.pollinterval";
/// `host:port` of the job history server's web UI.
pub const MAPREDUCE_JOBHISTORY_WEBAPP_ADDRESS: &str = "mapreduce.jobhistory.webapp.address";
/// Samples terasort reads to choose its partition boundaries.
pub const MAPREDUCE_TERASORT_PARTITIONS_SAMPLE: &str = "mapreduce.terasort.partitions.sample";
/// Replication of terasort's output files.
pub const MAPREDUCE_TERASORT_OUTPUT_REPLICATION: &str = "mapreduce.terasort.output.replication";

//! The defaults table: the one place a default value is written.
//!
//! [`super::Configuration::new`] starts from these values, and the typed getters fall back to
//! them when a key is absent or empty, so no caller passes a fallback of its own. The values are
//! Hadoop's (`core-default.xml`, `hdfs-default.xml`, `yarn-default.xml`,
//! `mapred-default.xml`) except where a comment says Tusk differs.

use super::keys;

/// Default value of every key Tusk reads, except those in [`WITHOUT_DEFAULT`].
pub const DEFAULTS: &[(&str, &str)] = &[
    // core
    (keys::FS_DEFAULT_FS, "file:///"),
    (keys::HADOOP_TMP_DIR, "/tmp/hadoop-${user.name}"),
    (keys::IO_FILE_BUFFER_SIZE, "4096"),
    (keys::FS_TRASH_INTERVAL, "0"),
    (keys::FS_TRASH_CHECKPOINT_INTERVAL, "0"),
    (keys::FS_PERMISSIONS_UMASK_MODE, "022"),
    (keys::HADOOP_SECURITY_AUTHENTICATION, "simple"),
    (keys::HADOOP_HTTP_STATICUSER_USER, "dr.who"),
    (keys::HADOOP_SHELL_DELETE_LIMIT_NUM_FILES, "100"),
    (keys::NET_TOPOLOGY_SCRIPT_NUMBER_ARGS, "100"),
    (keys::IPC_PING_INTERVAL, "60000"),
    (keys::IPC_MAXIMUM_DATA_LENGTH, "67108864"),
    (keys::IPC_CLIENT_CONNECT_MAX_RETRIES, "10"),
    (keys::IPC_CLIENT_CONNECT_RETRY_INTERVAL, "1000"),
    (keys::IPC_CLIENT_CONNECTION_MAXIDLETIME, "10000"),
    (keys::IPC_SERVER_MAX_CONNECTIONS, "0"),
    (keys::DFS_CLIENT_SOCKET_TIMEOUT, "60000"),
    // hdfs: namenode
    (
        keys::DFS_NAMENODE_NAME_DIR,
        "file://${hadoop.tmp.dir}/dfs/name",
    ),
    (keys::DFS_NAMENODE_EDITS_DIR, "${dfs.namenode.name.dir}"),
    (keys::DFS_NAMENODE_HTTP_ADDRESS, "0.0.0.0:9870"),
    (keys::DFS_NAMENODE_SECONDARY_HTTP_ADDRESS, "0.0.0.0:9868"),
    (keys::DFS_NAMENODE_HANDLER_COUNT, "10"),
    (keys::DFS_REPLICATION, "3"),
    (keys::DFS_REPLICATION_MAX, "512"),
    (keys::DFS_NAMENODE_REPLICATION_MIN, "1"),
    (keys::DFS_BLOCKSIZE, "134217728"),
    (keys::DFS_BYTES_PER_CHECKSUM, "512"),
    (keys::DFS_CLIENT_WRITE_PACKET_SIZE, "65536"),
    (keys::DFS_PERMISSIONS_ENABLED, "true"),
    (keys::DFS_PERMISSIONS_SUPERUSERGROUP, "supergroup"),
    (keys::DFS_LS_LIMIT, "1000"),
    (keys::DFS_NAMENODE_FS_LIMITS_MAX_COMPONENT_LENGTH, "255"),
    (keys::DFS_NAMENODE_FS_LIMITS_MAX_DIRECTORY_ITEMS, "1048576"),
    (keys::DFS_NAMENODE_FS_LIMITS_MIN_BLOCK_SIZE, "1048576"),
    (keys::DFS_NAMENODE_FS_LIMITS_MAX_BLOCKS_PER_FILE, "10000"),
    (keys::DFS_NAMENODE_SAFEMODE_THRESHOLD_PCT, "0.999f"),
    (keys::DFS_NAMENODE_SAFEMODE_MIN_DATANODES, "0"),
    (keys::DFS_NAMENODE_SAFEMODE_EXTENSION, "30000"),
    // Hadoop's fixed lease limits (HdfsConstants), as keys.
    (keys::DFS_NAMENODE_LEASE_SOFT_LIMIT_SEC, "60"),
    (keys::DFS_NAMENODE_LEASE_HARD_LIMIT_SEC, "1200"),
    (keys::DFS_NAMENODE_LEASE_RECHECK_INTERVAL_MS, "2000"),
    (keys::DFS_NAMENODE_ENABLE_RETRY_CACHE, "true"),
    (keys::DFS_NAMENODE_RETRY_CACHE_EXPIRYTIME_MILLIS, "600000"),
    (keys::DFS_NAMENODE_RETRY_CACHE_HEAP_PERCENT, "0.03f"),
    // Tusk's switch; Hadoop's log4j default sends audit events to a NullAppender.
    (keys::DFS_NAMENODE_AUDIT_LOG_ENABLED, "false"),
    (keys::DFS_NAMENODE_AUDIT_LOG_ASYNC, "false"),
    (keys::DFS_NAMENODE_AUDIT_LOG_ASYNC_BLOCKING, "true"),
    (keys::DFS_NAMENODE_AUDIT_LOG_ASYNC_BUFFER_SIZE, "128"),
    (keys::DFS_NAMENODE_AUDIT_LOG_DEBUG_CMDLIST, ""),
    (keys::HADOOP_CALLER_CONTEXT_ENABLED, "false"),
    (keys::HADOOP_CALLER_CONTEXT_MAX_SIZE, "128"),
    (keys::HADOOP_CALLER_CONTEXT_SIGNATURE_MAX_SIZE, "40"),
    (keys::DFS_HEARTBEAT_INTERVAL, "3"),
    (keys::DFS_NAMENODE_HEARTBEAT_RECHECK_INTERVAL, "300000"),
    (keys::DFS_NAMENODE_REDUNDANCY_INTERVAL_SECONDS, "3"),
    (keys::DFS_NAMENODE_RECONSTRUCTION_PENDING_TIMEOUT_SEC, "300"),
    (keys::DFS_NAMENODE_REPLICATION_MAX_STREAMS, "2"),
    (keys::DFS_BLOCK_INVALIDATE_LIMIT, "1000"),
    (keys::DFS_NAMENODE_REDUNDANCY_CONSIDER_LOAD, "true"),
    (keys::DFS_NAMENODE_REDUNDANCY_CONSIDER_LOAD_FACTOR, "2.0"),
    (keys::DFS_BLOCKREPORT_INTERVAL_MSEC, "21600000"),
    (keys::DFS_NAMENODE_CHECKPOINT_PERIOD, "3600"),
    (keys::DFS_NAMENODE_CHECKPOINT_TXNS, "1000000"),
    (keys::DFS_NAMENODE_CHECKPOINT_CHECK_PERIOD, "60"),
    (keys::DFS_NAMENODE_NUM_CHECKPOINTS_RETAINED, "2"),
    (keys::DFS_NAMENODE_NUM_EXTRA_EDITS_RETAINED, "1000000"),
    (
        keys::DFS_NAMENODE_MAX_EXTRA_EDITS_SEGMENTS_RETAINED,
        "10000",
    ),
    (keys::DFS_IMAGE_TRANSFER_BANDWIDTH_PER_SEC, "0"),
    (
        keys::DFS_NAMENODE_CHECKPOINT_DIR,
        "file://${hadoop.tmp.dir}/dfs/namesecondary",
    ),
    // hdfs: high availability
    (keys::DFS_CLIENT_FAILOVER_MAX_ATTEMPTS, "15"),
    (keys::DFS_CLIENT_REPLACE_DATANODE_ENABLE, "true"),
    (keys::DFS_CLIENT_REPLACE_DATANODE_POLICY, "DEFAULT"),
    (keys::DFS_CLIENT_REPLACE_DATANODE_BEST_EFFORT, "false"),
    (keys::DFS_CLIENT_REPLACE_DATANODE_MIN_REPLICATION, "0"),
    (keys::DFS_CLIENT_FAILOVER_SLEEPTIME_BASE, "500"),
    (keys::DFS_CLIENT_FAILOVER_SLEEPTIME_MAX, "15000"),
    (keys::DFS_CLIENT_FAILOVER_CONNECTION_RETRIES, "0"),
    (keys::DFS_HA_AUTOMATIC_FAILOVER_ENABLED, "false"),
    (keys::DFS_HA_ZKFC_PORT, "8019"),
    (keys::DFS_HA_TAIL_EDITS_PERIOD, "60s"),
    (keys::DFS_HA_TAIL_EDITS_PERIOD_BACKOFF_MAX, "0"),
    (keys::DFS_HA_TAIL_EDITS_INPROGRESS, "false"),
    (keys::DFS_HA_LOG_ROLL_PERIOD, "120s"),
    (keys::DFS_HA_STANDBY_CHECKPOINTS, "true"),
    (keys::HA_ZOOKEEPER_SESSION_TIMEOUT_MS, "10000"),
    (keys::HA_ZOOKEEPER_PARENT_ZNODE, "/hadoop-ha"),
    (keys::HA_HEALTH_MONITOR_CHECK_INTERVAL_MS, "1000"),
    (keys::HA_HEALTH_MONITOR_RPC_TIMEOUT_MS, "45000"),
    (keys::HA_HEALTH_MONITOR_CONNECT_RETRY_INTERVAL_MS, "1000"),
    (
        keys::HA_FAILOVER_CONTROLLER_GRACEFUL_FENCE_RPC_TIMEOUT_MS,
        "5000",
    ),
    (
        keys::HA_FAILOVER_CONTROLLER_NEW_ACTIVE_RPC_TIMEOUT_MS,
        "60000",
    ),
    (
        keys::HA_FAILOVER_CONTROLLER_CLI_CHECK_RPC_TIMEOUT_MS,
        "20000",
    ),
    // hdfs: journalnode and the quorum journal
    (keys::DFS_JOURNALNODE_RPC_ADDRESS, "0.0.0.0:8485"),
    (keys::DFS_JOURNALNODE_HTTP_ADDRESS, "0.0.0.0:8480"),
    (
        keys::DFS_JOURNALNODE_EDITS_DIR,
        "/tmp/hadoop/dfs/journalnode/",
    ),
    (keys::DFS_JOURNALNODE_ENABLE_SYNC, "true"),
    (keys::DFS_JOURNALNODE_SYNC_INTERVAL, "120000"),
    (keys::DFS_JOURNALNODE_EDIT_CACHE_SIZE_BYTES, "1048576"),
    (keys::DFS_QJOURNAL_START_SEGMENT_TIMEOUT_KEY, "20000"),
    (keys::DFS_QJOURNAL_PREPARE_RECOVERY_TIMEOUT_KEY, "120000"),
    (keys::DFS_QJOURNAL_ACCEPT_RECOVERY_TIMEOUT_KEY, "120000"),
    (keys::DFS_QJOURNAL_FINALIZE_SEGMENT_TIMEOUT_KEY, "120000"),
    (keys::DFS_QJOURNAL_SELECT_INPUT_STREAMS_TIMEOUT_KEY, "20000"),
    (keys::DFS_QJOURNAL_GET_JOURNAL_STATE_TIMEOUT_KEY, "120000"),
    (keys::DFS_QJOURNAL_NEW_EPOCH_TIMEOUT_KEY, "120000"),
    (keys::DFS_QJOURNAL_WRITE_TXNS_TIMEOUT_KEY, "20000"),
    (keys::DFS_QJOURNAL_QUEUE_SIZE_LIMIT_KEY, "10"),
    // hdfs: datanode
    (
        keys::DFS_DATANODE_DATA_DIR,
        "file://${hadoop.tmp.dir}/dfs/data",
    ),
    (keys::DFS_DATANODE_ADDRESS, "0.0.0.0:9866"),
    (keys::DFS_DATANODE_IPC_ADDRESS, "0.0.0.0:9867"),
    (keys::DFS_DATANODE_HTTP_ADDRESS, "0.0.0.0:9864"),
    (keys::DFS_BLOCK_SCANNER_VOLUME_BYTES_PER_SECOND, "1048576"),
    (keys::DFS_DATANODE_SCAN_PERIOD_HOURS, "504"),
    // Tusk: on (Hadoop: off); see the DataNode's configuration.
    (keys::DFS_DATANODE_DROP_CACHE_BEHIND_WRITES, "true"),
    // hdfs: client (Tusk's own keys)
    (keys::DFS_CLIENT_READ_VERIFY_BLOCK_DIGESTS, "true"),
    (keys::DFS_CLIENT_LEASE_RENEW_INTERVAL_MS, "30000"),
    // http: CSRF filters (off, as in Hadoop)
    (keys::DFS_WEBHDFS_REST_CSRF_ENABLED, "false"),
    (keys::DFS_WEBHDFS_REST_CSRF_CUSTOM_HEADER, "X-XSRF-HEADER"),
    (
        keys::DFS_WEBHDFS_REST_CSRF_METHODS_TO_IGNORE,
        "GET,OPTIONS,HEAD,TRACE",
    ),
    (
        keys::DFS_WEBHDFS_REST_CSRF_BROWSER_USERAGENTS_REGEX,
        "^Mozilla.*,^Opera.*",
    ),
    (keys::YARN_RESOURCEMANAGER_WEBAPP_REST_CSRF_ENABLED, "false"),
    (
        keys::YARN_RESOURCEMANAGER_WEBAPP_REST_CSRF_CUSTOM_HEADER,
        "X-XSRF-Header",
    ),
    (
        keys::YARN_RESOURCEMANAGER_WEBAPP_REST_CSRF_METHODS_TO_IGNORE,
        "GET,OPTIONS,HEAD",
    ),
    (keys::YARN_NODEMANAGER_WEBAPP_REST_CSRF_ENABLED, "false"),
    (
        keys::YARN_NODEMANAGER_WEBAPP_REST_CSRF_CUSTOM_HEADER,
        "X-XSRF-Header",
    ),
    (
        keys::YARN_NODEMANAGER_WEBAPP_REST_CSRF_METHODS_TO_IGNORE,
        "GET,OPTIONS,HEAD",
    ),
    // yarn
    (keys::YARN_RESOURCEMANAGER_ADDRESS, "0.0.0.0:8032"),
    (keys::YARN_RESOURCEMANAGER_SCHEDULER_ADDRESS, "0.0.0.0:8030"),
    (
        keys::YARN_RESOURCEMANAGER_RESOURCE_TRACKER_ADDRESS,
        "0.0.0.0:8031",
    ),
    (keys::YARN_RESOURCEMANAGER_ADMIN_ADDRESS, "0.0.0.0:8033"),
    (keys::YARN_CLUSTER_MAX_APPLICATION_PRIORITY, "0"),
    (keys::YARN_RESOURCEMANAGER_HA_ENABLED, "false"),
    (keys::YARN_RESOURCEMANAGER_WEBAPP_ADDRESS, "0.0.0.0:8088"),
    (
        keys::YARN_RESOURCEMANAGER_NODEMANAGERS_HEARTBEAT_INTERVAL_MS,
        "1000",
    ),
    (keys::YARN_NM_LIVENESS_MONITOR_EXPIRY_INTERVAL_MS, "600000"),
    (keys::YARN_AM_LIVENESS_MONITOR_EXPIRY_INTERVAL_MS, "600000"),
    (keys::YARN_NODEMANAGER_ADDRESS, "0.0.0.0:0"),
    (keys::YARN_NODEMANAGER_WEBAPP_ADDRESS, "0.0.0.0:8042"),
    (
        keys::YARN_NODEMANAGER_LOCAL_DIRS,
        "${hadoop.tmp.dir}/nm-local-dir",
    ),
    // Tusk: under hadoop.tmp.dir (Hadoop: ${yarn.log.dir}/userlogs).
    (
        keys::YARN_NODEMANAGER_LOG_DIRS,
        "${hadoop.tmp.dir}/userlogs",
    ),
    (keys::YARN_NODEMANAGER_RESOURCE_MEMORY_MB, "-1"),
    (keys::YARN_NODEMANAGER_RESOURCE_CPU_VCORES, "-1"),
    (keys::YARN_NODEMANAGER_CONTAINER_MONITOR_INTERVAL_MS, "3000"),
    (keys::YARN_NODEMANAGER_PMEM_CHECK_ENABLED, "true"),
    (keys::YARN_NODEMANAGER_SLEEP_DELAY_BEFORE_SIGKILL_MS, "250"),
    (keys::YARN_LOG_AGGREGATION_ENABLE, "false"),
    (keys::YARN_NODEMANAGER_REMOTE_APP_LOG_DIR, "/tmp/logs"),
    (keys::YARN_NODEMANAGER_REMOTE_APP_LOG_DIR_SUFFIX, "logs"),
    (keys::YARN_SCHEDULER_MINIMUM_ALLOCATION_MB, "1024"),
    (keys::YARN_SCHEDULER_MAXIMUM_ALLOCATION_MB, "8192"),
    (keys::YARN_SCHEDULER_MINIMUM_ALLOCATION_VCORES, "1"),
    (keys::YARN_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, "4"),
    (keys::YARN_SCHEDULER_CAPACITY_NODE_LOCALITY_DELAY, "40"),
    (
        keys::YARN_SCHEDULER_CAPACITY_RACK_LOCALITY_ADDITIONAL_DELAY,
        "-1",
    ),
    (keys::YARN_RESOURCEMANAGER_AM_MAX_ATTEMPTS, "2"),
    // mapreduce
    (keys::MAPREDUCE_TASK_IO_SORT_MB, "100"),
    (keys::MAPREDUCE_MAP_SORT_SPILL_PERCENT, "0.80"),
    (keys::MAPREDUCE_TASK_IO_SORT_FACTOR, "10"),
    (keys::MAPREDUCE_JOB_REDUCES, "1"),
    (keys::MAPREDUCE_JOB_MAPS, "2"),
    // Tusk: names an unnamed job (Hadoop: no default).
    (keys::MAPREDUCE_JOB_NAME, "job"),
    (keys::MAPREDUCE_JOB_QUEUENAME, "default"),
    (keys::MAPREDUCE_FRAMEWORK_NAME, "local"),
    (keys::MAPREDUCE_MAP_COMBINE_MINSPILLS, "3"),
    (keys::TUSK_MAP_COMBINE_TABLE_PERCENT, "0.25"),
    (keys::MAPREDUCE_MAP_MAXATTEMPTS, "4"),
    (keys::MAPREDUCE_REDUCE_MAXATTEMPTS, "4"),
    (keys::MAPREDUCE_INPUT_FILEINPUTFORMAT_SPLIT_MINSIZE, "0"),
    // Hadoop: Long.MAX_VALUE; Tusk's sizes are unsigned.
    (
        keys::MAPREDUCE_INPUT_FILEINPUTFORMAT_SPLIT_MAXSIZE,
        "18446744073709551615",
    ),
    (
        keys::MAPREDUCE_CLUSTER_LOCAL_DIR,
        "${hadoop.tmp.dir}/mapred/local",
    ),
    (keys::MAPREDUCE_OUTPUT_TEXTOUTPUTFORMAT_SEPARATOR, "\t"),
    (
        keys::MAPREDUCE_INPUT_KEYVALUELINERECORDREADER_KEY_VALUE_SEPARATOR,
        "\t",
    ),
    (
        keys::MAPREDUCE_INPUT_LINERECORDREADER_LINE_MAXLENGTH,
        "2147483647",
    ),
    (keys::MAPREDUCE_JOB_REDUCE_SLOWSTART_COMPLETEDMAPS, "0.05"),
    (keys::MAPREDUCE_MAP_SPECULATIVE, "true"),
    (keys::MAPREDUCE_REDUCE_SPECULATIVE, "true"),
    (
        keys::MAPREDUCE_JOB_SPECULATIVE_SPECULATIVE_CAP_RUNNING_TASKS,
        "0.1",
    ),
    (keys::MAPREDUCE_JOB_SPECULATIVE_SLOWTASKTHRESHOLD, "1.0"),
    // Hadoop: -1, which it derives as 1024.
    (keys::MAPREDUCE_MAP_MEMORY_MB, "1024"),
    (keys::MAPREDUCE_MAP_CPU_VCORES, "1"),
    (keys::MAPREDUCE_REDUCE_MEMORY_MB, "1024"),
    (keys::MAPREDUCE_REDUCE_CPU_VCORES, "1"),
    (keys::MAPREDUCE_JOB_MAXFETCHFAILURES_NOTIFICATIONS, "3"),
    (keys::MAPREDUCE_REDUCE_SHUFFLE_INPUT_BUFFER_PERCENT, "0.70"),
    (keys::MAPREDUCE_REDUCE_SHUFFLE_MEMORY_LIMIT_PERCENT, "0.25"),
    (keys::MAPREDUCE_REDUCE_SHUFFLE_MERGE_PERCENT, "0.66"),
    (keys::MAPREDUCE_REDUCE_SHUFFLE_PARALLELCOPIES, "5"),
    (keys::MAPREDUCE_REDUCE_SHUFFLE_CONNECT_TIMEOUT, "180000"),
    (keys::MAPREDUCE_REDUCE_SHUFFLE_READ_TIMEOUT, "180000"),
    (keys::MAPREDUCE_SHUFFLE_PORT, "13562"),
    (
        keys::YARN_APP_MAPREDUCE_AM_STAGING_DIR,
        "/tmp/hadoop-yarn/staging",
    ),
    // Tusk: 100 (Hadoop: 1000); jobs on a small cluster finish sooner.
    (
        keys::YARN_APP_MAPREDUCE_AM_SCHEDULER_HEARTBEAT_INTERVAL_MS,
        "100",
    ),
    (keys::YARN_APP_MAPREDUCE_AM_RESOURCE_MB, "1536"),
    (keys::YARN_APP_MAPREDUCE_AM_RESOURCE_CPU_VCORES, "1"),
    (keys::MAPREDUCE_CLIENT_SUBMIT_FILE_REPLICATION, "10"),
    // Tusk: 100 (Hadoop: 1000); a waiting client sees the end sooner.
    (keys::MAPREDUCE_CLIENT_PROGRESSMONITOR_POLLINTERVAL, "100"),
    (keys::MAPREDUCE_JOBHISTORY_WEBAPP_ADDRESS, "0.0.0.0:19888"),
    (keys::MAPREDUCE_TERASORT_PARTITIONS_SAMPLE, "100000"),
    (keys::MAPREDUCE_TERASORT_OUTPUT_REPLICATION, "1"),
];

/// Keys Tusk reads that have no default: their absence means something (an address to derive
/// from `fs.defaultFS`, a feature left off, a value computed from the machine), so they are read
/// with the getters that return an `Option`.
pub const WITHOUT_DEFAULT: &[&str] = &[
    keys::YARN_RESOURCEMANAGER_HA_RM_IDS,
    keys::YARN_RESOURCEMANAGER_NODES_INCLUDE_PATH,
    keys::YARN_RESOURCEMANAGER_NODES_EXCLUDE_PATH,
    keys::DFS_NAMENODE_RPC_ADDRESS,
    keys::DFS_NAMENODE_RPC_BIND_HOST,
    keys::DFS_HOSTS_EXCLUDE,
    keys::DFS_HOSTS,
    keys::DFS_NAMENODE_SHARED_EDITS_DIR,
    keys::DFS_NAMESERVICES,
    keys::DFS_NAMESERVICE_ID,
    keys::DFS_HA_NAMENODES_PREFIX,
    keys::DFS_HA_NAMENODE_ID,
    keys::DFS_CLIENT_FAILOVER_PROXY_PROVIDER_PREFIX,
    keys::DFS_HA_FENCING_METHODS,
    keys::HA_ZOOKEEPER_QUORUM,
    keys::DFS_NAMENODE_CHECKPOINT_EDITS_DIR,
    keys::DFS_DATANODE_HOSTNAME,
    keys::NET_TOPOLOGY_SCRIPT_FILE_NAME,
    keys::NET_TOPOLOGY_TABLE_FILE_NAME,
    keys::YARN_NODEMANAGER_HOSTNAME,
    keys::YARN_NODEMANAGER_AUX_SERVICES,
    keys::MAPREDUCE_LOCAL_MAP_TASKS_MAXIMUM,
    keys::MAPREDUCE_LOCAL_REDUCE_TASKS_MAXIMUM,
    keys::MAPREDUCE_INPUT_FILEINPUTFORMAT_INPUTDIR,
    keys::MAPREDUCE_OUTPUT_FILEOUTPUTFORMAT_OUTPUTDIR,
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The value of every `pub const NAME: &str = "...";` in `keys.rs`.
    fn key_constants() -> Vec<&'static str> {
        let source = include_str!("keys.rs");
        let mut names = Vec::new();
        for declaration in source.split("pub const ").skip(1) {
            let body = declaration.split(';').next().unwrap();
            let value = body.split('"').nth(1).unwrap();
            names.push(value);
        }
        names
    }

    #[test]
    fn defaults_have_no_duplicate_keys() {
        let mut seen = HashSet::new();
        for &(key, _) in DEFAULTS {
            assert!(seen.insert(key), "duplicate default for {key}");
        }
        for &key in WITHOUT_DEFAULT {
            assert!(
                seen.insert(key),
                "{key} both has a default and is listed without one"
            );
        }
    }

    #[test]
    fn every_key_constant_has_a_default_or_is_listed_without_one() {
        let constants = key_constants();
        assert!(
            constants.len() > 100,
            "{} key constants found",
            constants.len()
        );
        for key in &constants {
            let has_default = DEFAULTS.iter().any(|&(name, _)| name == *key);
            let listed_without = WITHOUT_DEFAULT.contains(key);
            assert!(
                has_default || listed_without,
                "{key} has no default and is not listed in WITHOUT_DEFAULT"
            );
        }
        let constants: HashSet<&str> = constants.into_iter().collect();
        for &(key, _) in DEFAULTS {
            assert!(
                constants.contains(key),
                "default for {key}, which has no constant"
            );
        }
    }
}

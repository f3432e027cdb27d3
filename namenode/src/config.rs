//! The NameNode's typed configuration, read and validated once at start.

use std::net::SocketAddr;
use std::path::PathBuf;

use common::Configuration;
use common::conf::{ConfError, keys};

use common::conf::TimeUnit;

use crate::audit::AuditLogConfig;
use crate::blockmanager::BlockManagerConfig;
use crate::checkpoint::CheckpointConfig;
use crate::ha::HaConfig;
use crate::hadoop_ipc::IpcConfig;
use crate::lease::LeaseLimits;
use crate::namespace::Limits;
use crate::namesystem::NamesystemConfig;
use crate::placement::PlacementPolicy;
use crate::retry_cache::RetryCacheConfig;
use crate::safemode::SafeModeConfig;

/// Where the NameNode listens and how its namesystem behaves.
#[derive(Clone, Debug)]
pub struct NameNodeConfig {
    /// ClientProtocol (gRPC, and Hadoop IPC on the same port):
    /// `dfs.namenode.rpc-address`, else the authority
    /// of `fs.defaultFS` (with HA: `dfs.namenode.rpc-address.<ns>.<nn>`);
    /// `dfs.namenode.rpc-bind-host` overrides the host.
    pub rpc_address: SocketAddr,
    /// Web UI and JMX: `dfs.namenode.http-address` (with HA:
    /// `dfs.namenode.http-address.<ns>.<nn>`).
    pub http_address: SocketAddr,
    pub namesystem: NamesystemConfig,
    /// Image transfer and retention of old images and edits.
    pub checkpoint: CheckpointConfig,
    /// The retry cache of non-idempotent calls.
    pub retry_cache: RetryCacheConfig,
    /// Hadoop IPC, served on the RPC port beside gRPC.
    pub ipc: IpcConfig,
    /// `hadoop.http.staticuser.user`: who a WebHDFS request without
    /// `user.name` acts as.
    pub http_static_user: String,
    /// The configuration this was read from, which `/conf` shows.
    pub conf: Configuration,
}

impl NameNodeConfig {
    pub fn from_conf(conf: &Configuration) -> Result<Self, ConfError> {
        let ha = HaConfig::from_conf(conf)?;
        let rpc_key = keys::DFS_NAMENODE_RPC_ADDRESS;
        let rpc_text = match &ha {
            Some(local) => local.rpc_address.clone(),
            None => conf.namenode_rpc_address()?,
        };
        let (rpc_host, rpc_port) = split_host_port(rpc_key, &rpc_text)?;
        let rpc_host = conf
            .get_trimmed(keys::DFS_NAMENODE_RPC_BIND_HOST)
            .unwrap_or(rpc_host);
        let rpc_address = common::conf::resolve_socket_addr(rpc_key, &rpc_host, rpc_port)?;
        let http_key = keys::DFS_NAMENODE_HTTP_ADDRESS;
        let http_address = match &ha {
            Some(local) => {
                let (host, port) = split_host_port(http_key, &local.http_address)?;
                common::conf::resolve_socket_addr(http_key, &host, port)?
            }
            None => conf.get_resolved_socket_addr(http_key)?,
        };

        let superuser = common::user::os_user();
        let namesystem = NamesystemConfig {
            name_dirs: conf.get_local_dirs(keys::DFS_NAMENODE_NAME_DIR)?,
            superuser,
            supergroup: conf.get_string(keys::DFS_PERMISSIONS_SUPERUSERGROUP)?,
            limits: Limits {
                max_component_length: conf
                    .get_u64(keys::DFS_NAMENODE_FS_LIMITS_MAX_COMPONENT_LENGTH)?
                    as usize,
                max_directory_items: conf
                    .get_u64(keys::DFS_NAMENODE_FS_LIMITS_MAX_DIRECTORY_ITEMS)?
                    as usize,
                min_block_size: conf.get_size_bytes(keys::DFS_NAMENODE_FS_LIMITS_MIN_BLOCK_SIZE)?,
                max_blocks_per_file: conf
                    .get_u64(keys::DFS_NAMENODE_FS_LIMITS_MAX_BLOCKS_PER_FILE)?
                    as usize,
                min_replication: conf.get_u16(keys::DFS_NAMENODE_REPLICATION_MIN)?,
                max_replication: conf.get_u16(keys::DFS_REPLICATION_MAX)?,
                permissions_enabled: conf.get_bool(keys::DFS_PERMISSIONS_ENABLED)?,
            },
            listing_limit: conf.get_u32(keys::DFS_LS_LIMIT)?.max(1) as usize,
            default_block_size: conf.get_size_bytes(keys::DFS_BLOCKSIZE)?,
            default_replication: conf.get_u16(keys::DFS_REPLICATION)?,
            bytes_per_checksum: conf.get_u32(keys::DFS_BYTES_PER_CHECKSUM)?,
            trash_interval: conf.get_minutes(keys::FS_TRASH_INTERVAL)?,
            trash_checkpoint_interval: match conf.get_minutes(keys::FS_TRASH_CHECKPOINT_INTERVAL)? {
                interval if interval.is_zero() => conf.get_minutes(keys::FS_TRASH_INTERVAL)?,
                interval => interval,
            },
            lease_limits: LeaseLimits {
                soft: conf
                    .get_duration(keys::DFS_NAMENODE_LEASE_SOFT_LIMIT_SEC, TimeUnit::Seconds)?,
                hard: conf
                    .get_duration(keys::DFS_NAMENODE_LEASE_HARD_LIMIT_SEC, TimeUnit::Seconds)?,
            },
            lease_recheck_interval: conf.get_duration(
                keys::DFS_NAMENODE_LEASE_RECHECK_INTERVAL_MS,
                TimeUnit::Milliseconds,
            )?,
            safe_mode: SafeModeConfig {
                threshold: conf.get_f64(keys::DFS_NAMENODE_SAFEMODE_THRESHOLD_PCT)?,
                min_datanodes: conf.get_u32(keys::DFS_NAMENODE_SAFEMODE_MIN_DATANODES)? as usize,
                extension: conf.get_duration(
                    keys::DFS_NAMENODE_SAFEMODE_EXTENSION,
                    TimeUnit::Milliseconds,
                )?,
            },
            hosts_exclude: conf
                .get_trimmed(keys::DFS_HOSTS_EXCLUDE)
                .filter(|path| !path.is_empty())
                .map(PathBuf::from),
            block_manager: BlockManagerConfig {
                heartbeat_interval: conf
                    .get_duration(keys::DFS_HEARTBEAT_INTERVAL, TimeUnit::Seconds)?,
                recheck_interval: conf.get_duration(
                    keys::DFS_NAMENODE_HEARTBEAT_RECHECK_INTERVAL,
                    TimeUnit::Milliseconds,
                )?,
                redundancy_interval: conf.get_duration(
                    keys::DFS_NAMENODE_REDUNDANCY_INTERVAL_SECONDS,
                    TimeUnit::Seconds,
                )?,
                pending_timeout: conf.get_duration(
                    keys::DFS_NAMENODE_RECONSTRUCTION_PENDING_TIMEOUT_SEC,
                    TimeUnit::Seconds,
                )?,
                max_streams: conf
                    .get_u32(keys::DFS_NAMENODE_REPLICATION_MAX_STREAMS)?
                    .max(1) as usize,
                invalidate_limit: conf.get_u32(keys::DFS_BLOCK_INVALIDATE_LIMIT)?.max(1) as usize,
                min_replication: conf.get_u16(keys::DFS_NAMENODE_REPLICATION_MIN)?,
                clock: common::time::Clock::system(),
            },
            placement: PlacementPolicy {
                consider_load: conf.get_bool(keys::DFS_NAMENODE_REDUNDANCY_CONSIDER_LOAD)?,
                load_factor: conf.get_f64(keys::DFS_NAMENODE_REDUNDANCY_CONSIDER_LOAD_FACTOR)?,
            },
            racks: common::topology::RackResolver::from_conf(conf).map_err(|error| {
                ConfError::Invalid {
                    key: keys::NET_TOPOLOGY_SCRIPT_FILE_NAME.into(),
                    value: String::new(),
                    expected: error.to_string(),
                }
            })?,
            ha: ha.map(|local| local.config),
            shared_edits: crate::qjournal::non_ha_shared_edits(conf)?,
            audit: AuditLogConfig::from_conf(conf)?,
        };
        Ok(Self {
            rpc_address,
            http_address,
            namesystem,
            checkpoint: CheckpointConfig::from_conf(conf)?,
            retry_cache: RetryCacheConfig::from_conf(conf)?,
            ipc: IpcConfig::from_conf(conf)?,
            http_static_user: conf.get_string(keys::HADOOP_HTTP_STATICUSER_USER)?,
            conf: conf.clone(),
        })
    }
}

fn split_host_port(key: &str, text: &str) -> Result<(String, u16), ConfError> {
    let invalid = || ConfError::Invalid {
        key: key.into(),
        value: text.into(),
        expected: "host:port".into(),
    };
    let (host, port) = text.rsplit_once(':').ok_or_else(invalid)?;
    let port = port.parse().map_err(|_| invalid())?;
    Ok((host.trim_matches(['[', ']']).to_string(), port))
}

//! The NameNode's typed configuration, read and validated once at start.

use std::net::SocketAddr;
use std::path::PathBuf;

use common::Configuration;
use common::conf::ConfError;

use std::time::Duration;

use common::conf::TimeUnit;

use crate::blockmanager::BlockManagerConfig;
use crate::checkpoint::CheckpointConfig;
use crate::lease::LeaseLimits;
use crate::namespace::Limits;
use crate::namesystem::NamesystemConfig;
use crate::placement::PlacementPolicy;
use crate::safemode::SafeModeConfig;

/// Where the NameNode listens and how its namesystem behaves.
#[derive(Clone, Debug)]
pub struct NameNodeConfig {
    /// ClientProtocol (gRPC): `dfs.namenode.rpc-address`, else the authority
    /// of `fs.defaultFS`; `dfs.namenode.rpc-bind-host` overrides the host.
    pub rpc_address: SocketAddr,
    /// Web UI and JMX: `dfs.namenode.http-address`.
    pub http_address: SocketAddr,
    pub namesystem: NamesystemConfig,
    /// Image transfer and retention of old images and edits.
    pub checkpoint: CheckpointConfig,
}

impl NameNodeConfig {
    pub fn from_conf(conf: &Configuration) -> Result<Self, ConfError> {
        let rpc_key = "dfs.namenode.rpc-address";
        let rpc_text = conf.namenode_rpc_address()?;
        let (rpc_host, rpc_port) = split_host_port(rpc_key, &rpc_text)?;
        let rpc_host = conf
            .get_trimmed("dfs.namenode.rpc-bind-host")
            .unwrap_or(rpc_host);
        let rpc_address = common::conf::resolve_socket_addr(rpc_key, &rpc_host, rpc_port)?;
        let http_key = "dfs.namenode.http-address";
        let http_address = conf.get_resolved_socket_addr(http_key, "0.0.0.0:9870")?;

        let superuser = common::user::os_user();
        let namesystem = NamesystemConfig {
            name_dirs: conf.get_local_dirs("dfs.namenode.name.dir")?,
            superuser,
            supergroup: conf.get_or("dfs.permissions.superusergroup", "supergroup"),
            limits: Limits {
                max_component_length: conf
                    .get_u64("dfs.namenode.fs-limits.max-component-length", 255)?
                    as usize,
                max_directory_items: conf
                    .get_u64("dfs.namenode.fs-limits.max-directory-items", 1024 * 1024)?
                    as usize,
                min_block_size: conf
                    .get_size_bytes("dfs.namenode.fs-limits.min-block-size", 1024 * 1024)?,
                max_blocks_per_file: conf
                    .get_u64("dfs.namenode.fs-limits.max-blocks-per-file", 10_000)?
                    as usize,
                min_replication: conf.get_u16("dfs.namenode.replication.min", 1)?,
                max_replication: conf.get_u16("dfs.replication.max", 512)?,
                permissions_enabled: conf.get_bool("dfs.permissions.enabled", true)?,
            },
            listing_limit: conf.get_u32("dfs.ls.limit", 1000)?.max(1) as usize,
            default_block_size: conf.get_size_bytes("dfs.blocksize", 128 * 1024 * 1024)?,
            default_replication: conf.get_u16("dfs.replication", 3)?,
            bytes_per_checksum: conf.get_u32("dfs.bytes-per-checksum", 512)?,
            trash_interval: conf.get_minutes("fs.trash.interval")?,
            trash_checkpoint_interval: match conf.get_minutes("fs.trash.checkpoint.interval")? {
                interval if interval.is_zero() => conf.get_minutes("fs.trash.interval")?,
                interval => interval,
            },
            lease_limits: LeaseLimits {
                soft: conf.get_duration(
                    "dfs.namenode.lease-soft-limit-sec",
                    Duration::from_secs(60),
                    TimeUnit::Seconds,
                )?,
                hard: conf.get_duration(
                    "dfs.namenode.lease-hard-limit-sec",
                    Duration::from_secs(20 * 60),
                    TimeUnit::Seconds,
                )?,
            },
            lease_recheck_interval: conf.get_duration(
                "dfs.namenode.lease-recheck-interval-ms",
                Duration::from_secs(2),
                TimeUnit::Milliseconds,
            )?,
            safe_mode: SafeModeConfig {
                threshold: conf.get_f64("dfs.namenode.safemode.threshold-pct", 0.999)?,
                min_datanodes: conf.get_u32("dfs.namenode.safemode.min.datanodes", 0)? as usize,
                extension: conf.get_duration(
                    "dfs.namenode.safemode.extension",
                    Duration::from_secs(30),
                    TimeUnit::Milliseconds,
                )?,
            },
            hosts_exclude: conf
                .get_trimmed("dfs.hosts.exclude")
                .filter(|path| !path.is_empty())
                .map(PathBuf::from),
            block_manager: BlockManagerConfig {
                heartbeat_interval: conf.get_duration(
                    "dfs.heartbeat.interval",
                    Duration::from_secs(3),
                    TimeUnit::Seconds,
                )?,
                recheck_interval: conf.get_duration(
                    "dfs.namenode.heartbeat.recheck-interval",
                    Duration::from_secs(300),
                    TimeUnit::Milliseconds,
                )?,
                redundancy_interval: conf.get_duration(
                    "dfs.namenode.redundancy.interval.seconds",
                    Duration::from_secs(3),
                    TimeUnit::Seconds,
                )?,
                pending_timeout: conf.get_duration(
                    "dfs.namenode.reconstruction.pending.timeout-sec",
                    Duration::from_secs(300),
                    TimeUnit::Seconds,
                )?,
                max_streams: conf
                    .get_u32("dfs.namenode.replication.max-streams", 2)?
                    .max(1) as usize,
                invalidate_limit: conf.get_u32("dfs.block.invalidate.limit", 1000)?.max(1) as usize,
                min_replication: conf.get_u16("dfs.namenode.replication.min", 1)?,
                clock: common::time::Clock::system(),
            },
            placement: PlacementPolicy {
                consider_load: conf.get_bool("dfs.namenode.redundancy.considerLoad", true)?,
                load_factor: conf.get_f64("dfs.namenode.redundancy.considerLoad.factor", 2.0)?,
            },
            racks: common::topology::RackResolver::from_conf(conf).map_err(|error| {
                ConfError::Invalid {
                    key: "net.topology.script.file.name".into(),
                    value: String::new(),
                    expected: error.to_string(),
                }
            })?,
        };
        Ok(Self {
            rpc_address,
            http_address,
            namesystem,
            checkpoint: CheckpointConfig::from_conf(conf)?,
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

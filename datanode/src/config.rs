//! The DataNode's typed configuration, read and validated once at start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use common::conf::{ConfError, TimeUnit, keys};
use common::{Configuration, FsPermission};

#[derive(Clone, Debug)]
pub struct DataNodeConfig {
    /// `dfs.datanode.data.dir`
    pub data_dirs: Vec<PathBuf>,
    /// `dfs.datanode.address`: data transfer.
    pub xfer_address: SocketAddr,
    /// `dfs.datanode.ipc.address`: InterDatanodeProtocol (block recovery).
    pub ipc_address: SocketAddr,
    /// `dfs.datanode.http.address`: status page and `/jmx`.
    pub http_address: SocketAddr,
    /// `dfs.datanode.hostname`: the host the DataNode advertises (else the
    /// IP it binds, or 127.0.0.1 when it binds every address).
    pub hostname: Option<String>,
    /// The RPC addresses of the NameNodes this DataNode serves: those of
    /// the HA nameservice (`dfs.nameservices`, `dfs.ha.namenodes.<ns>`,
    /// `dfs.namenode.rpc-address.<ns>.<nn>`), else the one NameNode of
    /// `dfs.namenode.rpc-address` or fs.defaultFS.
    pub namenode_addresses: Vec<String>,
    /// `dfs.heartbeat.interval`
    pub heartbeat_interval: Duration,
    /// `dfs.blockreport.intervalMsec`
    pub block_report_interval: Duration,
    /// `dfs.bytes-per-checksum`
    pub bytes_per_checksum: u32,
    /// `dfs.client.socket-timeout`: how long a transfer peer may stay silent.
    pub socket_timeout: std::time::Duration,
    /// `dfs.block.scanner.volume.bytes.per.second` (0 disables the scanner).
    pub scanner_bytes_per_second: u64,
    /// `dfs.datanode.scan.period.hours`
    pub scan_period: Duration,
    /// `dfs.datanode.drop.cache.behind.writes`: drop written replica data
    /// from the page cache once it is on its way to disk. On by default in
    /// Tusk (off in Hadoop): a replica is mostly read later, often by
    /// another node, and its pages would evict more useful ones; and reusing
    /// a few pages costs less than filling fresh ones (measured twice as
    /// fast for 3-replica writes on a VM whose free memory the host reclaims).
    pub drop_cache_behind_writes: bool,
    /// The name this DataNode connects out as, for the fault rules of
    /// tests (see [`common::faults`]): `dfs.datanode.hostname`, else `datanode`.
    pub node_name: String,
    /// `hadoop.http.staticuser.user`: who a WebHDFS request without
    /// `user.name` acts as.
    pub http_static_user: String,
    /// `fs.permissions.umask-mode`, applied to files WebHDFS creates (the
    /// DataNode is their DFS client).
    pub umask: FsPermission,
    /// The configuration this was read from, which `/conf` shows.
    pub conf: Configuration,
}

impl DataNodeConfig {
    pub fn from_conf(conf: &Configuration) -> Result<Self, ConfError> {
        let namenode_addresses = namenode_addresses(conf)?;
        Ok(Self {
            data_dirs: conf.get_local_dirs(keys::DFS_DATANODE_DATA_DIR)?,
            xfer_address: conf.get_resolved_socket_addr(keys::DFS_DATANODE_ADDRESS)?,
            ipc_address: conf.get_resolved_socket_addr(keys::DFS_DATANODE_IPC_ADDRESS)?,
            http_address: conf.get_resolved_socket_addr(keys::DFS_DATANODE_HTTP_ADDRESS)?,
            hostname: conf.get_trimmed(keys::DFS_DATANODE_HOSTNAME),
            namenode_addresses,
            heartbeat_interval: conf
                .get_duration(keys::DFS_HEARTBEAT_INTERVAL, TimeUnit::Seconds)?,
            block_report_interval: conf
                .get_duration(keys::DFS_BLOCKREPORT_INTERVAL_MSEC, TimeUnit::Milliseconds)?,
            bytes_per_checksum: conf.get_u32(keys::DFS_BYTES_PER_CHECKSUM)?.max(1),
            socket_timeout: conf
                .get_duration(keys::DFS_CLIENT_SOCKET_TIMEOUT, TimeUnit::Milliseconds)?,
            scanner_bytes_per_second: conf
                .get_size_bytes(keys::DFS_BLOCK_SCANNER_VOLUME_BYTES_PER_SECOND)?,
            scan_period: conf
                .get_duration(keys::DFS_DATANODE_SCAN_PERIOD_HOURS, TimeUnit::Hours)?,
            drop_cache_behind_writes: conf.get_bool(keys::DFS_DATANODE_DROP_CACHE_BEHIND_WRITES)?,
            node_name: conf
                .get_trimmed(keys::DFS_DATANODE_HOSTNAME)
                .unwrap_or_else(|| "datanode".to_string()),
            http_static_user: conf.get_string(keys::HADOOP_HTTP_STATICUSER_USER)?,
            umask: umask(conf)?,
            conf: conf.clone(),
        })
    }
}

fn umask(conf: &Configuration) -> Result<FsPermission, ConfError> {
    let key = keys::FS_PERMISSIONS_UMASK_MODE;
    let text = conf.get_string(key)?;
    FsPermission::from_octal(text.trim()).ok_or_else(|| ConfError::Invalid {
        key: key.into(),
        value: text.clone(),
        expected: "an octal mode".into(),
    })
}

/// The NameNodes a DataNode serves: every NameNode of its HA nameservice
/// (the one in `dfs.nameservices` with HA NameNodes, or `dfs.nameservice.id`
/// when there are several), else the one NameNode.
fn namenode_addresses(conf: &Configuration) -> Result<Vec<String>, ConfError> {
    let ha: Vec<String> = conf
        .nameservice_ids()
        .into_iter()
        .filter(|id| conf.is_ha_nameservice(id))
        .collect();
    let nameservice = match ha.as_slice() {
        [] => return Ok(vec![conf.namenode_rpc_address()?]),
        [only] => only.clone(),
        _ => conf
            .get_trimmed(keys::DFS_NAMESERVICE_ID)
            .ok_or_else(|| ConfError::Missing {
                key: keys::DFS_NAMESERVICE_ID.into(),
            })?,
    };
    Ok(conf
        .nameservice(&nameservice)?
        .namenodes
        .into_iter()
        .map(|namenode| namenode.rpc_address)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(pairs: &[(&str, &str)]) -> Configuration {
        let mut conf = Configuration::new();
        for &(key, value) in pairs {
            conf.set(key, value);
        }
        conf
    }

    #[test]
    fn one_namenode_without_ha() {
        let conf = conf(&[("fs.defaultFS", "hdfs://nn:9000")]);
        assert_eq!(namenode_addresses(&conf).unwrap(), ["nn:9000"]);
    }

    #[test]
    fn every_namenode_of_the_nameservice() {
        let mut pairs = vec![
            ("fs.defaultFS", "hdfs://mycluster"),
            ("dfs.nameservices", "mycluster"),
            ("dfs.ha.namenodes.mycluster", "nn1,nn2"),
            ("dfs.namenode.rpc-address.mycluster.nn1", "h1:8020"),
        ];
        assert_eq!(
            namenode_addresses(&conf(&pairs)).unwrap_err().to_string(),
            "configuration dfs.namenode.rpc-address.mycluster.nn2 is missing"
        );
        pairs.push(("dfs.namenode.rpc-address.mycluster.nn2", "h2:8020"));
        assert_eq!(
            namenode_addresses(&conf(&pairs)).unwrap(),
            ["h1:8020", "h2:8020"]
        );
    }
}

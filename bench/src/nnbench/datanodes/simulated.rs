//! Simulated DataNodes: each registers, heartbeats and reports over the
//! NameNode's real DatanodeProtocol, on a connection of its own, and stores
//! nothing. Their replicas follow a fixed placement: block `j` lives on
//! DataNodes `j`, `j + 1` and `j + 2` (mod N), so DataNode `k` holds the
//! blocks `j ≡ k, k - 1, k - 2 (mod N)` and builds its report from that.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use proto::hdfs as pb;
use proto::hdfs::datanode_protocol_client::DatanodeProtocolClient;
use tonic::transport::{Channel, Endpoint};

use super::image::{BLOCK_BYTES, CLUSTER_ID, Image};

/// Replicas of every block.
pub const REPLICATION: u64 = 3;
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;
/// The space every simulated DataNode reports: 100 TB.
const CAPACITY: u64 = 100_000_000_000_000;

/// The simulated cluster's shape.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    pub datanodes: u64,
    /// Blocks whose first replica is on a given DataNode.
    pub blocks_per_residue: u64,
}

impl Placement {
    /// `datanodes` DataNodes holding about `replicas_per_datanode` replicas each.
    pub fn new(datanodes: u64, replicas_per_datanode: u64) -> Self {
        Self {
            datanodes,
            blocks_per_residue: (replicas_per_datanode / REPLICATION).max(1),
        }
    }

    pub fn blocks(&self) -> u64 {
        self.datanodes * self.blocks_per_residue
    }

    pub fn replicas_per_datanode(&self) -> u64 {
        REPLICATION.min(self.datanodes) * self.blocks_per_residue
    }

    /// The blocks DataNode `k` holds, as indexes into the namespace's blocks.
    pub fn blocks_of(&self, k: u64) -> impl Iterator<Item = u64> + '_ {
        let n = self.datanodes;
        (0..REPLICATION.min(n)).flat_map(move |offset| {
            let residue = (k + n - offset) % n;
            (0..self.blocks_per_residue).map(move |m| residue + m * n)
        })
    }
}

/// One simulated DataNode.
pub struct SimulatedDatanode {
    pub index: u64,
    uuid: String,
    rpc: DatanodeProtocolClient<Channel>,
    /// Cleared to stop its heartbeats (a dead node).
    alive: Arc<AtomicBool>,
}

impl SimulatedDatanode {
    /// Connects DataNode `index` to the NameNode at `rpc_address` (lazily).
    pub fn new(index: u64, rpc_address: &str) -> anyhow::Result<Self> {
        let endpoint = Endpoint::from_shared(format!("http://{rpc_address}"))?.tcp_nodelay(true);
        let rpc = DatanodeProtocolClient::new(endpoint.connect_lazy())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        Ok(Self {
            index,
            uuid: format!("sim-datanode-{index:05}"),
            rpc,
            alive: Arc::new(AtomicBool::new(true)),
        })
    }

    fn storage(&self, placement: &Placement) -> pb::StorageReport {
        let used = placement.replicas_per_datanode() * BLOCK_BYTES;
        pb::StorageReport {
            capacity: CAPACITY,
            dfs_used: used,
            remaining: CAPACITY - used,
            failed_volumes: 0,
        }
    }

    /// Registers, with a made-up address of its own.
    pub async fn register(&self, placement: &Placement) -> anyhow::Result<()> {
        let k = self.index;
        let request = pb::RegisterDatanodeRequest {
            registration: Some(pb::DatanodeRegistration {
                datanode_uuid: self.uuid.clone(),
                host: format!("10.{}.{}.{}", k >> 16 & 255, k >> 8 & 255, k & 255),
                xfer_port: 9866,
                ipc_port: 9867,
                http_port: 9864,
                cluster_id: CLUSTER_ID.into(),
            }),
            storage: Some(self.storage(placement)),
        };
        self.rpc
            .clone()
            .register_datanode(request)
            .await
            .with_context(|| format!("registering {}", self.uuid))?;
        Ok(())
    }

    /// Heartbeats every `interval` until stopped, ignoring the commands
    /// (it stores nothing to copy or delete).
    pub fn start_heartbeats(&self, placement: Placement, interval: Duration) {
        let mut rpc = self.rpc.clone();
        let alive = self.alive.clone();
        let request = pb::HeartbeatRequest {
            datanode_uuid: self.uuid.clone(),
            storage: Some(self.storage(&placement)),
            xceiver_count: 0,
        };
        // Spread over the interval, as DataNodes started at different times are.
        let offset = interval.mul_f64((self.index % 1000) as f64 / 1000.0);
        tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            let mut ticks = tokio::time::interval(interval);
            loop {
                ticks.tick().await;
                if !alive.load(Ordering::Relaxed) {
                    break;
                }
                let _ = rpc.send_heartbeat(request.clone()).await;
            }
        });
    }

    /// Stops its heartbeats: to the NameNode, it has died.
    pub fn stop(&self) {
        self.alive.store(false, Ordering::Relaxed);
    }

    /// Sends a full block report of every replica it holds.
    pub async fn block_report(&self, image: &Image, placement: &Placement) -> anyhow::Result<()> {
        let replicas = placement
            .blocks_of(self.index)
            .map(|j| {
                let block = image.block(j);
                pb::ReplicaReport {
                    block: Some(pb::Block {
                        block_id: block.id.0,
                        generation_stamp: block.generation_stamp.0,
                        num_bytes: block.num_bytes,
                    }),
                    state: pb::ReplicaState::Finalized.into(),
                }
            })
            .collect();
        let request = pb::BlockReportRequest {
            datanode_uuid: self.uuid.clone(),
            replicas,
        };
        self.rpc
            .clone()
            .block_report(request)
            .await
            .with_context(|| format!("block report of {}", self.uuid))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Placement;

    #[test]
    fn every_block_is_on_three_consecutive_datanodes() {
        let placement = Placement::new(5, 6);
        assert_eq!(placement.blocks(), 10);
        let mut holders = vec![Vec::new(); 10];
        for k in 0..5 {
            let blocks: Vec<u64> = placement.blocks_of(k).collect();
            assert_eq!(blocks.len() as u64, placement.replicas_per_datanode());
            for j in blocks {
                holders[j as usize].push(k);
            }
        }
        for (j, mut nodes) in holders.into_iter().enumerate() {
            nodes.sort();
            let mut expected: Vec<u64> = (0..3).map(|r| (j as u64 + r) % 5).collect();
            expected.sort();
            assert_eq!(nodes, expected, "block {j}");
        }
    }
}

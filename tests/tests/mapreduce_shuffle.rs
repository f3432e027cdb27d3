//! The reduce side's fetch of one map output from a real NodeManager
//! shuffle service over real sockets: memory and disk destinations give
//! the same records, a flipped byte on the map's disk is caught by the
//! checksum, a dead address or an unknown map is an error naming the
//! attempt, and a mini-cluster's NodeManagers run the service.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::Configuration;
use common::yarn::ApplicationId;
use mapreduce::ifile::{IndexEntry, SegmentFileWriter, read_index, write_index};
use mapreduce::mapoutput::{
    MAP_OUTPUT_FILE, MAP_OUTPUT_INDEX_FILE, SHUFFLE_PORT_KEY, SHUFFLE_SERVICE_NAME, map_output_dir,
    parse_shuffle_port,
};
use mapreduce::records::RecordSource;
use mapreduce::shuffle::{
    FetchError, FetchFailure, FetchLimits, FetchedSegment, MapOutputLocation, ShuffleHandler,
    fetch_map_output,
};
use minicluster::MiniCluster;
use nodemanager::layout::app_dir;
use nodemanager::{AuxServiceContext, AuxiliaryService};

const JOB: &str = "job_1700000000000_0007";
const APPLICATION: &str = "application_1700000000000_0007";
const ATTEMPT: &str = "attempt_1700000000000_0007_m_000003_0";
const USER: &str = "alice";
const PARTITIONS: u32 = 3;

type Records = Vec<(Vec<u8>, Vec<u8>)>;

/// Partition 0 is small, 1 empty, 2 several socket buffers long.
fn records(partition: u32) -> Records {
    let count = [40, 0, 6000][partition as usize];
    (0..count)
        .map(|i| {
            let key = format!("p{partition}-key{i:06}").into_bytes();
            (key, vec![(i % 251) as u8; 10 + i % 150])
        })
        .collect()
}

/// A NodeManager's local dir holding ATTEMPT's output, and a shuffle
/// service over it on port 0, on a runtime of its own.
struct ShuffleNode {
    _runtime: tokio::runtime::Runtime,
    _handler: ShuffleHandler,
    address: String,
    output_dir: PathBuf,
    spill_dir: tempfile::TempDir,
    _local_dir: tempfile::TempDir,
}

impl ShuffleNode {
    fn start() -> Self {
        let local_dir = tempfile::tempdir().unwrap();
        let application: ApplicationId = APPLICATION.parse().unwrap();
        let output_dir = map_output_dir(&app_dir(local_dir.path(), USER, application), ATTEMPT);
        write_map_output(&output_dir);
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mut conf = Configuration::new();
        conf.set(SHUFFLE_PORT_KEY, "0");
        let context = AuxServiceContext {
            conf,
            local_dirs: vec![local_dir.path().to_path_buf()],
            host: "127.0.0.1".to_string(),
        };
        let handler = ShuffleHandler::new();
        let metadata = {
            let _entered = runtime.enter();
            handler.start(&context).unwrap()
        };
        handler.initialize_application(application, USER);
        let port = parse_shuffle_port(&metadata).unwrap();
        Self {
            _runtime: runtime,
            _handler: handler,
            address: format!("127.0.0.1:{port}"),
            output_dir,
            spill_dir: tempfile::tempdir().unwrap(),
            _local_dir: local_dir,
        }
    }

    fn fetch(&self, partition: u32, max_in_memory: u64) -> Result<FetchedSegment, FetchError> {
        let location = MapOutputLocation {
            address: self.address.clone(),
            attempt_id: ATTEMPT.to_string(),
        };
        fetch_map_output(
            &location,
            JOB,
            partition,
            &limits(max_in_memory),
            self.spill_dir.path(),
        )
    }

    fn index(&self) -> Vec<IndexEntry> {
        read_index(&self.output_dir.join(MAP_OUTPUT_INDEX_FILE)).unwrap()
    }

    fn spilled_files(&self) -> usize {
        std::fs::read_dir(self.spill_dir.path()).unwrap().count()
    }
}

fn write_map_output(output_dir: &Path) {
    std::fs::create_dir_all(output_dir).unwrap();
    let mut writer = SegmentFileWriter::create(&output_dir.join(MAP_OUTPUT_FILE)).unwrap();
    let mut entries = Vec::new();
    for partition in 0..PARTITIONS {
        for (key, value) in records(partition) {
            writer.append(&key, &value).unwrap();
        }
        entries.push(writer.finish_segment().unwrap());
    }
    writer.close().unwrap();
    write_index(&output_dir.join(MAP_OUTPUT_INDEX_FILE), &entries).unwrap();
}

fn limits(max_in_memory: u64) -> FetchLimits {
    FetchLimits {
        connect_timeout: Duration::from_secs(30),
        read_timeout: Duration::from_secs(30),
        max_in_memory,
    }
}

fn drain(segment: FetchedSegment) -> Records {
    let mut source = segment.into_source().unwrap();
    let mut records = Vec::new();
    while source.next().unwrap() {
        records.push((source.key().to_vec(), source.value().to_vec()));
    }
    records
}

#[test]
fn memory_and_disk_fetches_give_the_same_records() {
    let node = ShuffleNode::start();
    let index = node.index();
    assert!(index[2].length > 512 * 1024, "partition 2 spans many reads");
    for partition in 0..PARTITIONS {
        let entry = index[partition as usize];
        let in_memory = node.fetch(partition, u64::MAX).unwrap();
        assert!(
            matches!(in_memory, FetchedSegment::Memory { .. }),
            "{in_memory:?}"
        );
        let on_disk = node.fetch(partition, entry.length - 1).unwrap();
        let FetchedSegment::Disk { path, .. } = &on_disk else {
            panic!("partition {partition} stayed in memory: {on_disk:?}");
        };
        assert!(
            path.starts_with(node.spill_dir.path()),
            "{}",
            path.display()
        );
        for segment in [&in_memory, &on_disk] {
            assert_eq!(segment.records(), entry.records);
            assert_eq!(segment.bytes(), entry.length);
        }
        assert_eq!(
            drain(in_memory),
            records(partition),
            "partition {partition}"
        );
        assert_eq!(drain(on_disk), records(partition), "partition {partition}");
    }
}

#[test]
fn a_flipped_byte_on_the_maps_disk_is_a_checksum_error() {
    let node = ShuffleNode::start();
    let entry = node.index()[2];
    let data = node.output_dir.join(MAP_OUTPUT_FILE);
    let original = std::fs::read(&data).unwrap();
    let mut damaged = original.clone();
    damaged[(entry.offset + entry.length / 2) as usize] ^= 0x20;
    std::fs::write(&data, &damaged).unwrap();
    assert_ne!(
        std::fs::read(&data).unwrap(),
        original,
        "the byte is flipped"
    );

    for max_in_memory in [u64::MAX, 0] {
        let error = node.fetch(2, max_in_memory).unwrap_err();
        assert!(
            matches!(error.failure, FetchFailure::Checksum { partition: 2, .. }),
            "{error}"
        );
        assert_eq!(error.attempt_id, ATTEMPT);
        assert!(error.to_string().contains("checksum mismatch"), "{error}");
    }
    assert_eq!(node.spilled_files(), 0, "a damaged segment is not kept");
    assert_eq!(drain(node.fetch(0, 0).unwrap()), records(0));
}

#[test]
fn a_dead_address_is_a_connect_error_naming_the_attempt() {
    let node = ShuffleNode::start();
    let dead = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let location = MapOutputLocation {
        address: dead.clone(),
        attempt_id: ATTEMPT.to_string(),
    };
    let error = fetch_map_output(&location, JOB, 0, &limits(0), node.spill_dir.path()).unwrap_err();
    assert!(matches!(error.failure, FetchFailure::Connect(_)), "{error}");
    let message = error.to_string();
    assert!(message.contains(ATTEMPT), "{message}");
    assert!(message.contains(&dead), "{message}");
}

#[test]
fn an_unknown_map_is_not_found_naming_it() {
    let node = ShuffleNode::start();
    let other = "attempt_1700000000000_0007_m_000009_0";
    let location = MapOutputLocation {
        address: node.address.clone(),
        attempt_id: other.to_string(),
    };
    let error = fetch_map_output(&location, JOB, 0, &limits(0), node.spill_dir.path()).unwrap_err();
    let FetchFailure::Status { status, body } = &error.failure else {
        panic!("{error}");
    };
    assert_eq!(*status, 404);
    assert_eq!(body, &format!("{other}: map output not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minicluster_nodemanagers_run_the_shuffle_service() {
    let cluster = MiniCluster::builder()
        .nodemanagers(2)
        .build()
        .await
        .unwrap();
    assert_eq!(
        cluster
            .conf()
            .get("yarn.nodemanager.aux-services")
            .as_deref(),
        Some(SHUFFLE_SERVICE_NAME)
    );
    let mut addresses = Vec::new();
    for index in 0..2 {
        let nodemanager = cluster.nodemanager(index).unwrap();
        let metadata = &nodemanager.containers().aux_metadata[SHUFFLE_SERVICE_NAME];
        let port = parse_shuffle_port(metadata).unwrap();
        let host = nodemanager.node_id().split(':').next().unwrap().to_string();
        addresses.push(format!("{host}:{port}"));
    }
    let spill_dir = tempfile::tempdir().unwrap();
    for address in addresses {
        let location = MapOutputLocation {
            address,
            attempt_id: ATTEMPT.to_string(),
        };
        let spill = spill_dir.path().to_path_buf();
        let error = tokio::task::spawn_blocking(move || {
            fetch_map_output(&location, JOB, 0, &limits(0), &spill)
        })
        .await
        .unwrap()
        .unwrap_err();
        assert!(
            matches!(&error.failure, FetchFailure::Status { status: 404, body }
                if body.contains(&format!("{APPLICATION} is not running on this node"))),
            "{error}"
        );
    }
    cluster.shutdown().await;
}

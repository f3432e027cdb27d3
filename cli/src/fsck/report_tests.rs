use super::*;

fn replica(host: &str, rack: &str) -> Replica {
    Replica {
        name: format!("{host}:9866"),
        storage_id: format!("uuid-{host}"),
        rack: rack.to_string(),
        admin_state: AdminState::Normal,
    }
}

fn block(id: u64, length: u64, replicas: Vec<Replica>) -> Block {
    Block {
        id,
        generation_stamp: 1001,
        length,
        corrupt: false,
        replicas,
    }
}

fn file(path: &str, replication: u16, blocks: Vec<Block>) -> File {
    File {
        path: path.to_string(),
        length: blocks.iter().map(|block| block.length).sum(),
        replication,
        under_construction: false,
        blocks,
    }
}

fn cluster(racks: usize) -> Cluster {
    Cluster {
        block_pool: Some("BP-1-127.0.0.1-5".to_string()),
        live_datanodes: 3,
        racks,
        default_replication: 3,
        min_replication: 1,
    }
}

const ALL: Show = Show {
    files: true,
    blocks: true,
    locations: true,
    racks: false,
};

#[test]
fn healthy_files_print_ok_and_their_blocks() {
    let mut totals = Totals::default();
    let replicas = vec![replica("a", "/r1"), replica("b", "/r2")];
    let f = file("/f", 2, vec![block(7, 1234, replicas)]);
    let text = check_file(&f, ALL, &cluster(2), &mut totals);
    assert_eq!(
        text,
        "/f 1234 bytes, replicated: replication=2, 1 block(s):  OK\n\
         0. BP-1-127.0.0.1-5:blk_7_1001 len=1234 Live_repl=2 \
         [DatanodeInfoWithStorage[a:9866,uuid-a,DISK], DatanodeInfoWithStorage[b:9866,uuid-b,DISK]]\n\n"
    );
    let racks = Show {
        racks: true,
        locations: false,
        ..ALL
    };
    let text = check_file(&f, racks, &cluster(2), &mut totals);
    assert!(
        text.ends_with("Live_repl=2 [/r1/a:9866, /r2/b:9866]\n\n"),
        "{text}"
    );
    let quiet = check_file(&f, Show::default(), &cluster(2), &mut totals);
    assert_eq!(quiet, "");
    assert_eq!(totals.total_files, 3);
    assert_eq!(totals.total_blocks, 3);
    assert_eq!(totals.total_replicas, 6);
    assert!(totals.is_healthy());
}

#[test]
fn under_replicated_blocks_are_reported() {
    let mut totals = Totals::default();
    let f = file(
        "/u",
        3,
        vec![block(1, 10, vec![replica("a", "/default-rack")])],
    );
    let text = check_file(&f, Show::default(), &cluster(1), &mut totals);
    assert_eq!(
        text,
        "\n/u:  Under replicated BP-1-127.0.0.1-5:blk_1_1001. Target Replicas is 3 but found 1 live \
         replica(s), 0 decommissioned replica(s), 0 decommissioning replica(s).\n"
    );
    let text = check_file(&f, ALL, &cluster(1), &mut totals);
    assert!(text.starts_with(
        "/u 10 bytes, replicated: replication=3, 1 block(s):  Under replicated BP-1-127.0.0.1-5:blk_1_1001."
    ));
    assert!(!text.contains(" OK"));
    assert_eq!(totals.under_replicated, 2);
    assert_eq!(totals.missing_replicas, 4);
    assert!(totals.is_healthy());
}

#[test]
fn missing_and_corrupt_blocks_make_the_file_corrupt() {
    let mut totals = Totals::default();
    let mut corrupt = block(2, 20, vec![replica("a", "/r")]);
    corrupt.corrupt = true;
    let f = file("/c", 1, vec![block(1, 10, Vec::new()), corrupt]);
    let text = check_file(&f, Show::default(), &cluster(1), &mut totals);
    assert_eq!(
        text,
        "\n/c: CORRUPT blockpool BP-1-127.0.0.1-5 block blk_2\n\
         \n/c: MISSING 1 blocks of total size 10 B.\n/c: CORRUPT 1 blocks of total size 20 B."
    );
    let text = check_file(&f, ALL, &cluster(1), &mut totals);
    assert!(
        text.contains(
            " MISSING 1 blocks of total size 10 B\n CORRUPT 1 blocks of total size 20 B\n"
        )
    );
    assert!(text.contains("0. BP-1-127.0.0.1-5:blk_1_1001 len=10 MISSING!\n"));
    assert!(text.contains("1. BP-1-127.0.0.1-5:blk_2_1001 len=20 Live_repl=0"));
    assert!(!totals.is_healthy());
    assert_eq!(totals.corrupt_files, 2);
    assert_eq!(totals.missing_blocks.len(), 2);
    assert_eq!(totals.under_min_replicated, 4);
    assert_eq!(
        corrupt_block_lines(&f),
        [(1, "blk_1\t/c".to_string()), (2, "blk_2\t/c".to_string())]
    );
}

#[test]
fn replicas_on_one_rack_of_many_are_mis_replicated() {
    let one_rack = [replica("a", "/r1"), replica("b", "/r1")];
    assert_eq!(missing_racks(&one_rack, 2, 2), 1);
    assert_eq!(missing_racks(&one_rack, 2, 1), 0);
    assert_eq!(missing_racks(&one_rack[..1], 1, 3), 0);
    assert_eq!(
        missing_racks(&[replica("a", "/r1"), replica("b", "/r2")], 3, 2),
        0
    );
    assert_eq!(missing_racks(&[], 3, 2), 2);

    let mut totals = Totals::default();
    let f = file("/m", 2, vec![block(3, 5, one_rack.to_vec())]);
    let text = check_file(&f, Show::default(), &cluster(2), &mut totals);
    assert_eq!(
        text,
        "\n/m:  Replica placement policy is violated for BP-1-127.0.0.1-5:blk_3_1001. Block should be \
         additionally replicated on 1 more rack(s). Total number of racks in the cluster: 2\n"
    );
    assert_eq!(totals.mis_replicated, 1);
}

#[test]
fn decommissioning_replicas_are_not_live() {
    let mut totals = Totals::default();
    let mut leaving = replica("b", "/r");
    leaving.admin_state = AdminState::Decommissioning;
    let f = file(
        "/d",
        2,
        vec![block(4, 1, vec![replica("a", "/r"), leaving])],
    );
    let text = check_file(&f, ALL, &cluster(1), &mut totals);
    assert!(text.contains("Live_repl=1"), "{text}");
    assert_eq!(
        (totals.under_replicated, totals.decommissioning_replicas),
        (0, 1)
    );
}

#[test]
fn files_being_written_are_only_counted() {
    let mut totals = Totals::default();
    let mut f = file("/open", 3, vec![block(5, 100, Vec::new())]);
    f.under_construction = true;
    assert_eq!(check_file(&f, ALL, &cluster(1), &mut totals), "");
    assert_eq!(
        (
            totals.open_files,
            totals.open_files_size,
            totals.open_files_blocks
        ),
        (1, 100, 1)
    );
    assert!(totals.is_healthy());
}

#[test]
fn block_names_need_no_pool() {
    let unknown = Cluster::default();
    assert_eq!(unknown.block_name(&block(9, 0, Vec::new())), "blk_9_1001");
    let mut corrupt = block(9, 1, Vec::new());
    corrupt.corrupt = true;
    let text = check_file(
        &file("/f", 1, vec![corrupt]),
        Show::default(),
        &unknown,
        &mut Totals::default(),
    );
    assert!(text.starts_with("\n/f: CORRUPT block blk_9\n"), "{text}");
}

#[test]
fn summary_follows_hadoop_3() {
    let mut totals = Totals {
        total_dirs: 2,
        ..Totals::default()
    };
    let f = file("/f", 3, vec![block(1, 100, vec![replica("a", "/r")])]);
    check_file(&f, Show::default(), &cluster(1), &mut totals);
    let text = summary(&totals, &cluster(1));
    assert_eq!(
        text,
        "\nStatus: HEALTHY\n Number of data-nodes:\t3\n Number of racks:\t\t1\n Total dirs:\t\t\t2\n \
         Total symlinks:\t\t0\n\nReplicated Blocks:\n Total size:\t100 B\n Total files:\t1\n \
         Total blocks (validated):\t1 (avg. block size 100 B)\n Minimally replicated blocks:\t1 (100.0 %)\n \
         Over-replicated blocks:\t0 (0.0 %)\n Under-replicated blocks:\t1 (100.0 %)\n \
         Mis-replicated blocks:\t\t0 (0.0 %)\n Default replication factor:\t3\n \
         Average block replication:\t1.0\n Missing blocks:\t\t0\n Corrupt blocks:\t\t0\n \
         Missing replicas:\t\t2 (66.666664 %)\n\nErasure Coded Block Groups:\n Total size:\t0 B\n \
         Total files:\t0\n Total block groups (validated):\t0\n Minimally erasure-coded block groups:\t0\n \
         Over-erasure-coded block groups:\t0\n Under-erasure-coded block groups:\t0\n \
         Unsatisfactory placement block groups:\t0\n Average block group size:\t0.0\n \
         Missing block groups:\t\t0\n Corrupt block groups:\t\t0\n Missing internal blocks:\t0\n"
    );
    assert_eq!(
        final_line("/", true),
        "The filesystem under path '/' is HEALTHY"
    );
}

#[test]
fn corrupt_summaries_have_the_starred_block() {
    let mut totals = Totals::default();
    let f = file("/c", 1, vec![block(1, 10, Vec::new())]);
    check_file(&f, Show::default(), &cluster(1), &mut totals);
    let text = summary(&totals, &cluster(1));
    assert!(text.starts_with("\nStatus: CORRUPT\n"), "{text}");
    assert!(
        text.contains(
            "\n  ********************************\n  UNDER MIN REPL'D BLOCKS:\t1 (100.0 %)\n  \
             dfs.namenode.replication.min:\t1\n  CORRUPT FILES:\t1\n  MISSING BLOCKS:\t1\n  \
             MISSING SIZE:\t\t10 B\n  ********************************\n"
        ),
        "{text}"
    );
    assert!(text.contains("\n Missing blocks:\t\t1\n"));
    assert!(text.contains("\n Average block replication:\t0.0\n"));
    assert_eq!(
        final_line("/x", false),
        "The filesystem under path '/x' is CORRUPT"
    );
}

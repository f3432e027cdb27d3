//! The capacity scheduler on a live cluster: two busy queues at 70/30
//! share the cluster in that ratio; bad submissions are refused with
//! reasons and the RM keeps serving.

use std::time::Duration;

use minicluster::MiniCluster;
use proto::yarn as pb;
use tusk_tests::eventually;
use tusk_tests::yarn::{spawn_yarn, wait_exit, yarn};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_busy_queues_share_the_cluster_seventy_thirty() {
    // Every node has 256 MB: the first holds exactly the two 128 MB AMs
    // and no 256 MB worker, so neither application gets a head start.
    let mut cluster = MiniCluster::builder()
        .nodemanagers(1)
        .set("yarn.nodemanager.resource.memory-mb", "256")
        .set("yarn.scheduler.capacity.root.queues", "a,b")
        .set("yarn.scheduler.capacity.root.a.capacity", "70")
        .set("yarn.scheduler.capacity.root.b.capacity", "30")
        .set("yarn.scheduler.capacity.root.a.user-limit-factor", "100")
        .set("yarn.scheduler.capacity.root.b.user-limit-factor", "100")
        .build()
        .await
        .expect("mini-cluster");
    cluster
        .wait_nodemanagers(1, Duration::from_secs(30))
        .await
        .unwrap();
    let conf_dir = cluster.conf_dir();
    let mut clients = Vec::new();
    for queue in ["a", "b"] {
        clients.push(spawn_yarn(
            &conf_dir,
            &[
                "distributedshell",
                "-shell_command",
                "sleep 60",
                "-num_containers",
                "20",
                "-container_memory",
                "256",
                "-master_memory",
                "128",
                "-queue",
                queue,
                "-appname",
                &format!("busy-{queue}"),
            ],
        ));
    }
    let client = cluster.yarn_client().unwrap();
    let running = || async {
        let filter = pb::GetApplicationsRequest {
            states: vec![pb::YarnApplicationState::Running as i32],
            ..Default::default()
        };
        let apps = client.applications(filter).await.ok()?;
        (apps.len() == 2).then_some(apps)
    };
    let apps = eventually(Duration::from_secs(30), "both AMs registered", running).await;
    for index in 1..=8 {
        cluster
            .yarn_mut()
            .unwrap()
            .start_nodemanager(index)
            .await
            .unwrap();
    }
    let total_mb = 9 * 256;
    let used = |name: &'static str| {
        let client = client.clone();
        async move {
            let queue = client.queue_info(name, false).await.ok()?;
            queue[0].used.map(|used| used.memory_mb)
        }
    };
    eventually(
        Duration::from_secs(30),
        "the cluster to fill up",
        || async {
            let (a, b) = (used("a").await?, used("b").await?);
            (a + b == total_mb).then_some(())
        },
    )
    .await;
    let (a, b) = (used("a").await.unwrap(), used("b").await.unwrap());
    let expected_a = 0.7 * total_mb as f64;
    assert!(
        (a as f64 - expected_a).abs() <= 256.0,
        "queue a uses {a} MB, b {b} MB of {total_mb}: not 70/30 within one container"
    );
    for app in &apps {
        let (code, out, err) = yarn(&conf_dir, &["application", "-kill", &app.application_id]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, format!("Killing application {}\n", app.application_id));
    }
    for app in &apps {
        let report =
            tusk_tests::yarn::wait_final(&client, &app.application_id, Duration::from_secs(30))
                .await;
        assert_eq!(report.state, pb::YarnApplicationState::Killed as i32);
    }
    for child in clients {
        assert_eq!(wait_exit(child, Duration::from_secs(30)).await, Some(2));
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_submissions_are_refused_with_reasons() {
    let cluster = MiniCluster::builder()
        .datanodes(1)
        .nodemanagers(1)
        .build()
        .await
        .expect("mini-cluster");
    let client = cluster.yarn_client().unwrap();
    let submit = |queue: &str, memory_mb: i64, resources: Vec<pb::LocalResource>| {
        let client = client.clone();
        let queue = queue.to_string();
        async move {
            let id = client.new_application().await.unwrap().application_id;
            let context = pb::ApplicationSubmissionContext {
                application_id: id.clone(),
                application_name: "bad".into(),
                queue,
                am_resource: Some(pb::Resource {
                    memory_mb,
                    vcores: 1,
                }),
                am_container_spec: Some(pb::ContainerLaunchContext {
                    command: "true".into(),
                    local_resources: resources,
                    ..Default::default()
                }),
                ..Default::default()
            };
            (id, client.submit_application(context).await)
        }
    };
    let user = client.user().to_string();
    let (id, result) = submit("nosuch", 128, Vec::new()).await;
    assert_eq!(
        result.unwrap_err().message,
        format!(
            "Failed to submit {id} to YARN : Application {id} submitted by user {user} to unknown queue: nosuch"
        )
    );
    let (id, result) = submit("root", 128, Vec::new()).await;
    assert!(result.unwrap_err().message.ends_with(&format!(
        "Application {id} submitted by user {user} to non-leaf queue: root"
    )));
    let (_, result) = submit("default", 100_000, Vec::new()).await;
    let message = result.unwrap_err().message;
    assert!(
        message.contains("Invalid resource request, requested resource <memory:100000, vCores:1> is negative or greater than the maximum allowed allocation <memory:4096, vCores:8>"),
        "{message}"
    );
    let missing = pb::LocalResource {
        name: "job.bin".into(),
        path: format!("{}/no/such/file", cluster.default_fs()),
        size: 10,
        timestamp: 1,
        executable: true,
    };
    let (id, result) = submit("default", 128, vec![missing]).await;
    assert_eq!(
        result.unwrap_err().message,
        format!(
            "Failed to submit {id} to YARN : local resource 'job.bin': File does not exist: {}/no/such/file",
            cluster.default_fs()
        )
    );
    // Nothing was admitted, and the RM still answers.
    let apps = client
        .applications(pb::GetApplicationsRequest::default())
        .await
        .unwrap();
    assert!(apps.is_empty(), "{apps:?}");
    let (code, out, err) = yarn(
        &cluster.conf_dir(),
        &["application", "-status", "application_1_0001"],
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        err,
        "Application with id 'application_1_0001' doesn't exist in RM.\n"
    );
    let (_, result) = submit("default", 128, Vec::new()).await;
    assert!(result.is_ok(), "{result:?}");
    cluster.shutdown().await;
}

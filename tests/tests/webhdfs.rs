//! WebHDFS (`/webhdfs/v1`) on the mini-cluster, over real HTTP: Hadoop's
//! JSON shapes, status codes and RemoteException bodies; the 307 flow to the
//! DataNodes for data; bad input; faults; and a third-party Python client.

use std::time::Duration;

use minicluster::MiniCluster;
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tusk_tests::web::{Reply, read_reply, request, split_url};
use tusk_tests::{content, eventually, read_file, write_file};

const WAIT: Duration = Duration::from_secs(60);

/// A cluster of `datanodes`; WebHDFS requests naming no user act as
/// `static_user` (`hadoop.http.staticuser.user`), else as Hadoop's dr.who.
async fn cluster(datanodes: usize, static_user: Option<&str>) -> MiniCluster {
    let mut builder = MiniCluster::builder();
    if let Some(user) = static_user {
        builder = builder.set("hadoop.http.staticuser.user", user);
    }
    builder
        .datanodes(datanodes)
        .set("dfs.replication", &datanodes.min(3).to_string())
        .set("dfs.ls.limit", "2")
        .set("dfs.heartbeat.interval", "200ms")
        .build()
        .await
        .unwrap()
}

/// The NameNode's `host:port` for HTTP.
fn nn(cluster: &MiniCluster) -> String {
    cluster.namenode_http_address().to_string()
}

/// `METHOD /webhdfs/v1<path>?<query>` on the NameNode.
async fn call(cluster: &MiniCluster, method: &str, path: &str, query: &str) -> Reply {
    let target = format!("/webhdfs/v1{path}?{query}");
    request(&nn(cluster), method, &target, b"").await
}

/// Asserts `reply` is Hadoop's RemoteException `exception` with `status`;
/// returns its message.
fn assert_error(reply: &Reply, status: u16, exception: &str) -> String {
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let (name, message) = reply.exception();
    assert_eq!(name, exception, "{message}");
    let class = reply.json()["RemoteException"]["javaClassName"].clone();
    assert!(
        class.as_str().unwrap().ends_with(exception),
        "javaClassName {class}"
    );
    message
}

/// A 307 from the NameNode, then the same request with `body` to the DataNode.
async fn via_datanode(
    cluster: &MiniCluster,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
) -> Reply {
    let redirect = call(cluster, method, path, query).await;
    assert_eq!(
        redirect.status,
        307,
        "{}",
        String::from_utf8_lossy(&redirect.body)
    );
    let location = redirect.header("location").expect("a Location header");
    assert!(location.contains("namenoderpcaddress="), "{location}");
    let (datanode, target) = split_url(location);
    assert_ne!(datanode, nn(cluster), "redirected to a DataNode");
    request(&datanode, method, &target, body).await
}

async fn create(cluster: &MiniCluster, path: &str, query: &str, data: &[u8]) {
    let created = via_datanode(cluster, "PUT", path, &format!("op=CREATE&{query}"), data).await;
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let location = created.header("location").unwrap();
    assert!(
        location.starts_with("webhdfs://") && location.ends_with(path),
        "{location}"
    );
}

async fn open(cluster: &MiniCluster, path: &str, query: &str) -> Vec<u8> {
    let read = via_datanode(cluster, "GET", path, &format!("op=OPEN&{query}"), b"").await;
    assert_eq!(read.status, 200, "{}", String::from_utf8_lossy(&read.body));
    read.body
}

fn names(listing: &Value) -> Vec<String> {
    listing["FileStatuses"]["FileStatus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|status| status["pathSuffix"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_operations_answer_hadoops_json() {
    let cluster = cluster(1, Some("ann")).await;
    cluster.create_home_dirs("ann").await.unwrap();
    let client = cluster.client_as("ann").unwrap();
    let as_ann = "user.name=ann";

    let made = call(
        &cluster,
        "PUT",
        "/user/ann/d/e",
        &format!("op=MKDIRS&permission=750&{as_ann}"),
    )
    .await;
    assert_eq!(made.json(), serde_json::json!({"boolean": true}));
    for name in ["a", "b", "c"] {
        write_file(
            &client,
            &format!("/user/ann/d/{name}"),
            b"hello",
            1,
            1 << 20,
        )
        .await;
    }
    let status = call(&cluster, "GET", "/user/ann/d/e", "op=GETFILESTATUS")
        .await
        .json();
    let status = &status["FileStatus"];
    assert_eq!(status["type"], "DIRECTORY");
    assert_eq!(status["permission"], "750");
    assert_eq!(status["owner"], "ann");
    assert_eq!(status["pathSuffix"], "");
    let file = call(&cluster, "GET", "/user/ann/d/a", "op=GETFILESTATUS")
        .await
        .json();
    assert_eq!(file["FileStatus"]["length"], 5);
    assert_eq!(file["FileStatus"]["type"], "FILE");
    assert_eq!(file["FileStatus"]["replication"], 1);
    assert_eq!(file["FileStatus"]["blockSize"], 1 << 20);

    // Listings page through dfs.ls.limit (2) entries.
    let listing = call(&cluster, "GET", "/user/ann/d", "op=LISTSTATUS")
        .await
        .json();
    assert_eq!(names(&listing), ["a", "b", "c", "e"]);
    let batch = call(&cluster, "GET", "/user/ann/d", "op=LISTSTATUS_BATCH")
        .await
        .json();
    assert_eq!(
        names(&batch["DirectoryListing"]["partialListing"]),
        ["a", "b"]
    );
    assert_eq!(batch["DirectoryListing"]["remainingEntries"], 2);
    let rest = call(
        &cluster,
        "GET",
        "/user/ann/d",
        "op=LISTSTATUS_BATCH&startAfter=b",
    )
    .await
    .json();
    assert_eq!(
        names(&rest["DirectoryListing"]["partialListing"]),
        ["c", "e"]
    );
    assert_eq!(rest["DirectoryListing"]["remainingEntries"], 0);

    let summary = call(&cluster, "GET", "/user/ann/d", "op=GETCONTENTSUMMARY")
        .await
        .json();
    let summary = &summary["ContentSummary"];
    assert_eq!(
        (
            summary["fileCount"].clone(),
            summary["directoryCount"].clone()
        ),
        (3.into(), 2.into())
    );
    assert_eq!(
        (summary["length"].clone(), summary["quota"].clone()),
        (15.into(), (-1).into())
    );
    let quota = call(&cluster, "GET", "/user/ann/d", "op=GETQUOTAUSAGE")
        .await
        .json();
    assert_eq!(quota["QuotaUsage"]["fileAndDirectoryCount"], 5);

    let renamed = call(
        &cluster,
        "PUT",
        "/user/ann/d/a",
        &format!("op=RENAME&destination=/user/ann/d/z&{as_ann}"),
    )
    .await;
    assert_eq!(renamed.json()["boolean"], true);
    let missing = call(
        &cluster,
        "PUT",
        "/user/ann/d/a",
        &format!("op=RENAME&destination=/user/ann/d/y&{as_ann}"),
    )
    .await;
    assert_eq!(missing.json()["boolean"], false);
    assert!(
        client
            .get_file_info("/user/ann/d/z")
            .await
            .unwrap()
            .is_some()
    );

    let replication = call(
        &cluster,
        "PUT",
        "/user/ann/d/z",
        &format!("op=SETREPLICATION&replication=2&{as_ann}"),
    )
    .await;
    assert_eq!(replication.json()["boolean"], true);
    let chmod = call(
        &cluster,
        "PUT",
        "/user/ann/d/z",
        &format!("op=SETPERMISSION&permission=600&{as_ann}"),
    )
    .await;
    assert_eq!(chmod.status, 200);
    let chown = call(
        &cluster,
        "PUT",
        "/user/ann/d/z",
        &format!("op=SETOWNER&group=ann&{as_ann}"),
    )
    .await;
    assert_eq!(chown.status, 200);
    let times = call(
        &cluster,
        "PUT",
        "/user/ann/d/z",
        &format!("op=SETTIMES&modificationtime=1000&accesstime=2000&{as_ann}"),
    )
    .await;
    assert_eq!(times.status, 200);
    let z = client.stat("/user/ann/d/z").await.unwrap();
    assert_eq!(
        (z.replication, z.permission.bits(), z.group.as_str()),
        (2, 0o600, "ann")
    );
    assert_eq!((z.modification_time, z.access_time), (1000, 2000));

    let home = call(
        &cluster,
        "GET",
        "/",
        &format!("op=GETHOMEDIRECTORY&{as_ann}"),
    )
    .await
    .json();
    assert_eq!(home, serde_json::json!({"Path": "/user/ann"}));
    let trash = call(
        &cluster,
        "GET",
        "/user/ann/d",
        &format!("op=GETTRASHROOT&{as_ann}"),
    )
    .await
    .json();
    assert_eq!(trash["Path"], "/user/ann/.Trash");
    let defaults = call(&cluster, "GET", "/", "op=GETSERVERDEFAULTS")
        .await
        .json();
    assert_eq!(defaults["FsServerDefaults"]["replication"], 1);
    assert_eq!(defaults["FsServerDefaults"]["bytesPerChecksum"], 512);
    let fs = call(&cluster, "GET", "/", "op=GETSTATUS").await.json();
    assert!(fs["FsStatus"]["capacity"].as_u64().unwrap() > 0, "{fs}");

    let allowed = call(
        &cluster,
        "GET",
        "/user/ann/d/z",
        &format!("op=CHECKACCESS&fsaction=rw-&{as_ann}"),
    )
    .await;
    assert_eq!(allowed.status, 200);
    let refused = call(
        &cluster,
        "GET",
        "/user/ann/d/z",
        "op=CHECKACCESS&fsaction=r--&user.name=bob",
    )
    .await;
    assert_error(&refused, 403, "AccessControlException");

    let not_empty = call(
        &cluster,
        "DELETE",
        "/user/ann/d",
        &format!("op=DELETE&{as_ann}"),
    )
    .await;
    assert_error(&not_empty, 403, "PathIsNotEmptyDirectoryException");
    let deleted = call(
        &cluster,
        "DELETE",
        "/user/ann/d",
        &format!("op=DELETE&recursive=true&{as_ann}"),
    )
    .await;
    assert_eq!(deleted.json()["boolean"], true);
    let again = call(
        &cluster,
        "DELETE",
        "/user/ann/d",
        &format!("op=DELETE&recursive=true&{as_ann}"),
    )
    .await;
    assert_eq!(again.json()["boolean"], false);
    assert!(client.get_file_info("/user/ann/d").await.unwrap().is_none());
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_hadoops_remote_exceptions() {
    let cluster = cluster(1, None).await;
    let client = cluster.client().unwrap();
    write_file(&client, "/f", b"0123456789", 1, 1 << 20).await;

    let unknown = call(&cluster, "GET", "/", "op=FROB").await;
    let message = assert_error(&unknown, 400, "IllegalArgumentException");
    assert_eq!(
        message,
        "Invalid value for webhdfs parameter \"op\": No enum constant \
         org.apache.hadoop.hdfs.web.resources.GetOpParam.Op.FROB"
    );
    let wrong_method = call(&cluster, "GET", "/x", "op=MKDIRS").await;
    assert_error(&wrong_method, 400, "IllegalArgumentException");
    assert_error(
        &call(&cluster, "GET", "/", "").await,
        400,
        "UnsupportedOperationException",
    );
    for (method, op) in [
        ("PUT", "SETACL"),
        ("GET", "GETACLSTATUS"),
        ("PUT", "SETXATTR"),
        ("PUT", "CREATESNAPSHOT"),
        ("GET", "GETDELEGATIONTOKEN"),
        ("PUT", "SETSTORAGEPOLICY"),
        ("POST", "UNSETSTORAGEPOLICY"),
    ] {
        let reply = call(&cluster, method, "/f", &format!("op={op}")).await;
        let message = assert_error(&reply, 400, "UnsupportedOperationException");
        assert!(message.contains(op), "{message}");
    }

    let missing = call(&cluster, "GET", "/nope", "op=GETFILESTATUS").await;
    assert_eq!(
        assert_error(&missing, 404, "FileNotFoundException"),
        "File does not exist: /nope"
    );
    assert_error(
        &call(&cluster, "GET", "/nope", "op=LISTSTATUS").await,
        404,
        "FileNotFoundException",
    );
    assert_error(
        &call(&cluster, "GET", "/nope", "op=OPEN").await,
        404,
        "FileNotFoundException",
    );

    let bad_offset = call(&cluster, "GET", "/f", "op=OPEN&offset=abc").await;
    assert!(assert_error(&bad_offset, 400, "IllegalArgumentException").contains("\"offset\""));
    let negative = call(&cluster, "GET", "/f", "op=OPEN&length=-1").await;
    assert!(assert_error(&negative, 400, "IllegalArgumentException").contains("length = -1 < 0"));
    let past_end = call(&cluster, "GET", "/f", "op=OPEN&offset=10").await;
    assert!(assert_error(&past_end, 403, "IOException").contains("out of the range [0, 10)"));
    let relative = call(&cluster, "PUT", "/f", "op=RENAME&destination=g").await;
    assert!(assert_error(&relative, 400, "IllegalArgumentException").contains("absolute path"));
    let no_destination = call(&cluster, "PUT", "/f", "op=RENAME").await;
    assert_error(&no_destination, 400, "IllegalArgumentException");
    let bad_permission = call(&cluster, "PUT", "/d", "op=MKDIRS&permission=999").await;
    assert_error(&bad_permission, 400, "IllegalArgumentException");
    let dots = call(&cluster, "PUT", "/a/../b", "op=MKDIRS").await;
    assert_error(&dots, 400, "InvalidPathException");

    // The static user (dr.who) may not write under the superuser's root.
    let refused = call(&cluster, "PUT", "/dr-who-dir", "op=MKDIRS").await;
    assert!(assert_error(&refused, 403, "AccessControlException").contains("dr.who"));
    let proxy = call(&cluster, "PUT", "/p", "op=MKDIRS&user.name=ann&doas=bob").await;
    assert_error(&proxy, 403, "AuthorizationException");
    let superuser = common::user::os_user();
    let exists = call(
        &cluster,
        "PUT",
        "/f",
        &format!("op=CREATE&noredirect=true&user.name={superuser}"),
    )
    .await;
    assert_eq!(exists.status, 200, "the NameNode only chooses a DataNode");
    let (datanode, target) = split_url(exists.json()["Location"].as_str().unwrap());
    let refused = request(&datanode, "PUT", &target, b"x").await;
    assert_error(&refused, 403, "FileAlreadyExistsException");
    let dn_unknown = request(
        &datanode,
        "GET",
        "/webhdfs/v1/f?op=LISTSTATUS&namenoderpcaddress=x",
        b"",
    )
    .await;
    assert_error(&dn_unknown, 400, "IllegalArgumentException");

    // A 10 MB query string is refused at the HTTP layer; the NameNode serves on.
    let huge = format!(
        "GET /webhdfs/v1/f?op=GETFILESTATUS&x={} HTTP/1.1\r\n\r\n",
        "a".repeat(10 << 20)
    );
    let mut stream = tokio::net::TcpStream::connect(nn(&cluster)).await.unwrap();
    let (mut reading, mut writing) = stream.split();
    let (_, reply) = tokio::join!(writing.write_all(huge.as_bytes()), async {
        let mut raw = Vec::new();
        let _ = tokio::io::AsyncReadExt::read_to_end(&mut reading, &mut raw).await;
        raw
    });
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 4"), "{:.200}", reply);
    let head = request(&nn(&cluster), "HEAD", "/webhdfs/v1/f?op=GETFILESTATUS", b"").await;
    assert_eq!(head.status, 405);
    let fine = call(&cluster, "GET", "/f", "op=GETFILESTATUS").await;
    assert_eq!(fine.status, 200);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_flows_through_redirects_to_the_datanodes() {
    let cluster = cluster(2, Some(&common::user::os_user())).await;
    let client = cluster.client().unwrap();
    let block = 64 * 1024;
    let cases = [
        ("/empty", 0),
        ("/one-block-and-a-byte", block + 1),
        ("/many-blocks", 10 * block + 12_345),
    ];
    for (path, len) in cases {
        let data = content(len, len as u8);
        create(
            &cluster,
            path,
            &format!("blocksize={block}&permission=640"),
            &data,
        )
        .await;
        assert_eq!(
            read_file(&client, path).await,
            data,
            "{path} through the DFS client"
        );
        assert_eq!(
            open(&cluster, path, "").await,
            data,
            "{path} through WebHDFS"
        );
        let status = client.stat(path).await.unwrap();
        assert_eq!(
            (status.permission.bits(), status.block_size),
            (0o640, block as u64)
        );
    }
    let data = content(10 * block + 12_345, 7);
    write_file(&client, "/by-client", &data, 2, block as u64).await;
    let offset = block - 100;
    let ranged = open(
        &cluster,
        "/by-client",
        &format!("offset={offset}&length={}", block + 200),
    )
    .await;
    assert_eq!(ranged, &data[offset..offset + block + 200]);
    let tail = open(
        &cluster,
        "/by-client",
        &format!("offset={}&length=999999999", data.len() - 5),
    )
    .await;
    assert_eq!(tail, &data[data.len() - 5..]);

    let locations = call(&cluster, "GET", "/by-client", "op=GETFILEBLOCKLOCATIONS")
        .await
        .json();
    let blocks = locations["BlockLocations"]["BlockLocation"]
        .as_array()
        .unwrap();
    assert_eq!(blocks.len(), 11);
    assert_eq!(blocks[1]["offset"], block);
    assert_eq!(blocks[1]["hosts"].as_array().unwrap().len(), 2);

    // noredirect answers the Location as JSON.
    let json = call(
        &cluster,
        "GET",
        "/by-client",
        "op=OPEN&noredirect=true&offset=5",
    )
    .await;
    assert_eq!(json.status, 200);
    let location = json.json()["Location"].as_str().unwrap().to_string();
    assert!(
        location.contains("/webhdfs/v1/by-client?op=OPEN"),
        "{location}"
    );
    let (datanode, target) = split_url(&location);
    assert_eq!(
        request(&datanode, "GET", &target, b"").await.body,
        &data[5..]
    );

    let more = content(3 * block + 7, 9);
    let appended = via_datanode(&cluster, "POST", "/by-client", "op=APPEND", &more).await;
    assert_eq!(
        appended.status,
        200,
        "{}",
        String::from_utf8_lossy(&appended.body)
    );
    let mut expected = data.clone();
    expected.extend_from_slice(&more);
    assert_eq!(read_file(&client, "/by-client").await, expected);

    let checksum = via_datanode(&cluster, "GET", "/by-client", "op=GETFILECHECKSUM", b"")
        .await
        .json();
    let native = client.file_checksum("/by-client").await.unwrap();
    assert_eq!(checksum["FileChecksum"]["bytes"], native.hex());
    assert_eq!(checksum["FileChecksum"]["algorithm"], native.algorithm());
    assert_eq!(checksum["FileChecksum"]["length"], 28);
    cluster.shutdown().await;
}

/// Sends the head of a CREATE and `first` bytes of its body to the DataNode
/// the NameNode picks; returns the open connection and the DataNode's address.
async fn start_create(
    cluster: &MiniCluster,
    path: &str,
    query: &str,
    len: usize,
    first: &[u8],
) -> (tokio::net::TcpStream, String) {
    let redirect = call(cluster, "PUT", path, &format!("op=CREATE&{query}")).await;
    let (datanode, target) = split_url(redirect.header("location").unwrap());
    let mut stream = tokio::net::TcpStream::connect(&datanode).await.unwrap();
    let head = format!(
        "PUT {target} HTTP/1.1\r\nHost: {datanode}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first).await.unwrap();
    (stream, datanode)
}

/// The `Location` of a `noredirect=true` answer.
fn no_redirect_location(reply: &Reply) -> String {
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()["Location"].as_str().unwrap().to_string()
}

/// The DataNode host a `noredirect=true` answer names.
async fn redirect_host(cluster: &MiniCluster, method: &str, path: &str, query: &str) -> String {
    let reply = call(cluster, method, path, &format!("{query}&noredirect=true")).await;
    let location = no_redirect_location(&reply);
    let (datanode, _) = split_url(&location);
    datanode.rsplit_once(':').unwrap().0.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_never_name_an_excluded_datanode() {
    let cluster = cluster(3, Some(&common::user::os_user())).await;
    let hosts: Vec<String> = (0..3).map(minicluster::datanode_host).collect();
    let xfer = |index: usize| cluster.datanode(index).unwrap().xfer_address().to_string();
    create(&cluster, "/x", "op=CREATE", &content(5000, 1)).await;

    // By host:xferport and by bare host, for CREATE, OPEN and APPEND, several times
    // (CREATE picks at random).
    let excluded = format!("excludedatanodes={},{}", xfer(0), hosts[1]);
    for _ in 0..5 {
        for (method, path, op) in [
            ("PUT", "/y", "op=CREATE"),
            ("GET", "/x", "op=OPEN"),
            ("POST", "/x", "op=APPEND"),
        ] {
            let host = redirect_host(&cluster, method, path, &format!("{op}&{excluded}")).await;
            assert_eq!(host, hosts[2], "{op} with {excluded}");
        }
    }
    let all = format!("excludedatanodes={},{},{}", hosts[0], hosts[1], xfer(2));
    let refused = call(
        &cluster,
        "PUT",
        "/y",
        &format!("op=CREATE&noredirect=true&{all}"),
    )
    .await;
    let message = assert_error(&refused, 403, "IOException");
    assert!(
        message.contains(&format!(
            "excludeDatanodes={},{},{}",
            hosts[0],
            hosts[1],
            xfer(2)
        )),
        "{message}"
    );
    let refused = call(
        &cluster,
        "GET",
        "/x",
        &format!("op=OPEN&noredirect=true&{all}"),
    )
    .await;
    assert_error(&refused, 403, "IOException");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datanode_killed_during_a_create_loses_nothing() {
    let mut cluster = cluster(3, Some(&common::user::os_user())).await;
    let client = cluster.client().unwrap();
    let block = 64 * 1024;
    let data = content(6 * block + 333, 3);
    let half = 3 * block + 100;
    let (mut stream, receiver) = start_create(
        &cluster,
        "/survivor",
        &format!("blocksize={block}&replication=3"),
        data.len(),
        &data[..half],
    )
    .await;
    eventually(WAIT, "the first blocks written", async || {
        let status = client.get_file_info("/survivor").await.unwrap();
        status.is_some_and(|status| status.under_construction && status.length >= 2 * block as u64)
    })
    .await;
    // Kill a pipeline DataNode other than the one receiving the HTTP body.
    let mut victim = None;
    for index in 0..3 {
        if cluster.datanode_http_address(index).await.unwrap() != receiver {
            victim = Some(index);
            break;
        }
    }
    let victim = victim.expect("another DataNode");
    cluster.stop_datanode(victim).await;
    assert!(
        cluster.datanode(victim).is_err(),
        "DataNode {victim} is down"
    );
    stream.write_all(&data[half..]).await.unwrap();
    let reply = read_reply(&mut stream).await.unwrap();
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(read_file(&client, "/survivor").await, data);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_mid_create_leaves_a_recoverable_file() {
    let cluster = cluster(1, Some(&common::user::os_user())).await;
    let client = cluster.client().unwrap();
    let data = content(300 * 1024, 5);
    let (stream, _) = start_create(&cluster, "/abandoned", "blocksize=65536", 1 << 20, &data).await;
    eventually(WAIT, "the file being written", async || {
        let status = client.get_file_info("/abandoned").await.unwrap();
        status.is_some_and(|status| status.under_construction && status.length > 0)
    })
    .await;
    drop(stream);
    eventually(WAIT, "lease recovery closing the file", async || {
        client.recover_lease("/abandoned").await.unwrap_or(false)
    })
    .await;
    let kept = read_file(&client, "/abandoned").await;
    assert!(
        !kept.is_empty() && kept.len() <= data.len(),
        "kept {} bytes",
        kept.len()
    );
    assert_eq!(
        kept,
        &data[..kept.len()],
        "what was kept is a prefix of what was sent"
    );
    // The DataNode still serves.
    create(&cluster, "/after", "", b"still here").await;
    assert_eq!(open(&cluster, "/after", "").await, b"still here");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_namenode_answers_standby_exception() {
    let cluster = minicluster::ha::HaCluster::builder()
        .hdfs_binary(tusk_tests::binary("hdfs"))
        .datanodes(1)
        .build()
        .await
        .unwrap();
    let active = cluster.wait_for_active(None, WAIT).await.unwrap();
    let standby_http = cluster.namenode_http_address(1 - active);
    let reply = request(&standby_http, "GET", "/webhdfs/v1/?op=LISTSTATUS", b"").await;
    assert!(assert_error(&reply, 403, "StandbyException").contains("standby"));
    let reply = request(
        &cluster.namenode_http_address(active),
        "GET",
        "/webhdfs/v1/?op=LISTSTATUS",
        b"",
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
}

/// HdfsCLI (PyPI `hdfs`), a WebHDFS client nobody here wrote, drives the
/// cluster through `tests/scripts/webhdfs_hdfscli.py`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hdfscli_python_client_works_against_the_cluster() {
    let importable = std::process::Command::new("python3")
        .args(["-c", "import hdfs"])
        .status()
        .is_ok_and(|status| status.success());
    if !importable {
        eprintln!("SKIPPED: python3 cannot import hdfs (pip install hdfs; .ci/run installs it)");
        return;
    }
    let cluster = cluster(2, None).await;
    cluster.create_home_dirs("ann").await.unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/webhdfs_hdfscli.py");
    let output = tokio::process::Command::new("python3")
        .args([script, &format!("http://{}", nn(&cluster)), "ann"])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("ALL OK"), "{stdout}");
    // What the script left, seen through the native client.
    let client = cluster.client_as("ann").unwrap();
    let kept = read_file(&client, "/user/ann/py/renamed.bin").await;
    assert_eq!(kept, content(200_000, 11));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_names_the_nameservice_so_a_failover_before_it_is_followed_loses_nothing() {
    let mut cluster = minicluster::ha::HaCluster::builder()
        .hdfs_binary(tusk_tests::binary("hdfs"))
        .datanodes(1)
        .set("dfs.replication", "1")
        .build()
        .await
        .unwrap();
    cluster.wait_until_writable(WAIT).await.unwrap();
    let active = cluster.wait_for_active(None, WAIT).await.unwrap();
    let user = common::user::os_user();
    let target = format!("/webhdfs/v1/ha-file?op=CREATE&noredirect=true&user.name={user}");
    let reply = request(&cluster.namenode_http_address(active), "PUT", &target, b"").await;
    let location = no_redirect_location(&reply);
    let nameservice = format!("namenoderpcaddress={}", minicluster::ha::NAMESERVICE);
    assert!(location.contains(&nameservice), "{location}");

    cluster.kill_namenode(active);
    cluster
        .wait_for_active(Some(1 - active), WAIT)
        .await
        .unwrap();
    let data = content(300_000, 7);
    let (datanode, target) = split_url(&location);
    let written = request(&datanode, "PUT", &target, &data).await;
    assert_eq!(
        written.status,
        201,
        "{}",
        String::from_utf8_lossy(&written.body)
    );
    let client = cluster.client().unwrap();
    assert_eq!(read_file(&client, "/ha-file").await, data);
    cluster.shutdown().await;
}

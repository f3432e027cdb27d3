//! Compiles the protocol definitions with protox (pure Rust): no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "protos/hdfs.proto",
        "protos/client_protocol.proto",
        "protos/namenode_storage.proto",
        "protos/datanode_protocol.proto",
        "protos/data_transfer.proto",
        "protos/namenode_protocol.proto",
        "protos/journal_protocol.proto",
        "protos/ha_protocol.proto",
        "protos/yarn_records.proto",
        "protos/yarn_protocols.proto",
        "protos/mapreduce_protocols.proto",
        "protos/hadoop/security.proto",
        "protos/hadoop/hdfs.proto",
        "protos/hadoop/datatransfer.proto",
        "protos/hadoop/rpc_header.proto",
        "protos/hadoop/ipc_connection_context.proto",
        "protos/hadoop/protobuf_rpc_engine.proto",
        "protos/hadoop/ha_service_protocol.proto",
        "protos/hadoop/client_namenode_protocol.proto",
    ];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(protos, ["protos"])?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    Ok(())
}

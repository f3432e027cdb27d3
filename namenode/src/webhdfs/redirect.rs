//! Data operations go to a DataNode, as Hadoop's `redirectURI` sends them:
//! OPEN to one holding the block at `offset`, APPEND and GETFILECHECKSUM to
//! one holding the last block, CREATE (and empty files) to any live one;
//! never to one `excludedatanodes` names (a client retrying after a failed
//! DataNode names it there).
//! The answer is `307 Location: http://<datanode-http>/webhdfs/v1/<path>?...`
//! or, with `noredirect=true`, `200 {"Location": ...}`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use common::webhdfs::{self, Op};
use common::{ExceptionKind, RemoteException};
use rand::seq::IndexedRandom;
use serde_json::json;

use super::{WebHdfs, WebRequest};
use crate::blockmanager::{AdminState, DatanodeLocation};

/// The redirect (or its JSON) for `op`.
pub(super) fn to_datanode(
    web: &WebHdfs,
    op: Op,
    request: &WebRequest,
) -> Result<Response, RemoteException> {
    let datanode = choose_datanode(web, op, request)?;
    let location = location(web, op, request, &datanode)?;
    if request.params.no_redirect()? {
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            json!({ "Location": location }).to_string(),
        )
            .into_response());
    }
    Ok((
        StatusCode::TEMPORARY_REDIRECT,
        [
            (header::LOCATION, location.as_str()),
            (header::CONTENT_TYPE, "application/octet-stream"),
        ],
    )
        .into_response())
}

fn choose_datanode(
    web: &WebHdfs,
    op: Op,
    request: &WebRequest,
) -> Result<DatanodeLocation, RemoteException> {
    let namesystem = &web.namesystem;
    let path = &request.path;
    let excluded = Excluded(request.params.exclude_datanodes());
    if op == Op::Create {
        return any_live_datanode(web, &excluded);
    }
    let status = namesystem
        .file_info(path, &request.caller)?
        .ok_or_else(|| {
            RemoteException::new(
                ExceptionKind::FileNotFound,
                format!("File {path} not found."),
            )
        })?;
    if status.is_directory {
        return Err(RemoteException::new(
            ExceptionKind::FileNotFound,
            format!("Path is not a file: {path}"),
        ));
    }
    let length = status.length;
    let offset = request.params.offset()?;
    if op == Op::Open && offset >= length && length > 0 {
        return Err(RemoteException::io(format!(
            "Offset={offset} out of the range [0, {length}); OPEN, path={path}"
        )));
    }
    if length == 0 {
        return any_live_datanode(web, &excluded);
    }
    let at = if op == Op::Open { offset } else { length - 1 };
    let (blocks, _, _) = namesystem.block_locations(path, at, 1, "", &request.caller)?;
    blocks
        .first()
        .and_then(|block| {
            let mut locations = block.locations.locations.iter();
            locations
                .find(|location| !excluded.contains(location))
                .cloned()
        })
        .ok_or_else(|| RemoteException::io("No active nodes contain this block"))
}

fn any_live_datanode(
    web: &WebHdfs,
    excluded: &Excluded,
) -> Result<DatanodeLocation, RemoteException> {
    let live: Vec<DatanodeLocation> = web
        .namesystem
        .blocks()
        .datanode_report()
        .into_iter()
        .filter(|node| node.alive && node.admin_state == AdminState::Normal)
        .map(|node| node.location)
        .filter(|location| !excluded.contains(location))
        .collect();
    live.choose(&mut rand::rng()).cloned().ok_or_else(|| {
        let named = if excluded.0.is_empty() {
            "null".to_owned()
        } else {
            excluded.0.join(",")
        };
        RemoteException::io(format!(
            "Failed to find datanode, suggest to check cluster health. excludeDatanodes={named}"
        ))
    })
}

/// The DataNodes of `excludedatanodes`: `host:xferport` entries, or bare hosts.
struct Excluded<'a>(Vec<&'a str>);

impl Excluded<'_> {
    fn contains(&self, location: &DatanodeLocation) -> bool {
        let address = &location.address;
        self.0.iter().any(|entry| match entry.rsplit_once(':') {
            Some((host, port)) => host == address.host && port == address.xfer_port.to_string(),
            None => *entry == address.host,
        })
    }
}

/// `http://<datanode>/webhdfs/v1/<path>?op=..&user.name=..&namenoderpcaddress=..&<params>`,
/// the op's parameters checked and sorted by name as Hadoop's.
fn location(
    web: &WebHdfs,
    op: Op,
    request: &WebRequest,
    datanode: &DatanodeLocation,
) -> Result<String, RemoteException> {
    let params = &request.params;
    let mut forwarded: Vec<(&str, String)> = Vec::new();
    match op {
        Op::Open => {
            forwarded.push(("offset", params.offset()?.to_string()));
            if let Some(length) = params.length()? {
                forwarded.push(("length", length.to_string()));
            }
        }
        Op::Create => {
            forwarded.push(("overwrite", params.overwrite()?.to_string()));
            forwarded.push(("createparent", params.create_parent()?.to_string()));
            if let Some(permission) = params.permission()? {
                forwarded.push(("permission", format!("{:o}", permission.bits())));
            }
            if let Some(replication) = params.replication()? {
                forwarded.push(("replication", replication.to_string()));
            }
            if let Some(block_size) = params.block_size()? {
                forwarded.push(("blocksize", block_size.to_string()));
            }
        }
        _ => {}
    }
    if let Some(buffer_size) = params.buffer_size()? {
        forwarded.push(("buffersize", buffer_size.to_string()));
    }
    forwarded.sort();
    let address = &datanode.address;
    let mut url = format!(
        "http://{}:{}{}{}?op={}&user.name={}&namenoderpcaddress={}",
        address.host,
        address.http_port,
        webhdfs::PATH_PREFIX,
        webhdfs::percent_encode(&request.path, true),
        op.name(),
        webhdfs::percent_encode(&request.user, false),
        webhdfs::percent_encode(&namenode_rpc_address(web, request), false),
    );
    for (name, value) in forwarded {
        url.push_str(&format!("&{name}={value}"));
    }
    Ok(url)
}

/// This NameNode's RPC address as the DataNode should dial it: the bound
/// one, or with a wildcard bind the host the client reached us by.
/// `namenoderpcaddress`: the nameservice of an HA NameNode, else its RPC
/// address (the request's host for a wildcard bind).
fn namenode_rpc_address(web: &WebHdfs, request: &WebRequest) -> String {
    if let Some(nameservice) = &web.nameservice {
        return nameservice.clone();
    }
    let bound = web.rpc_address;
    if !bound.ip().is_unspecified() {
        return bound.to_string();
    }
    let host = request.host.as_deref().unwrap_or("127.0.0.1");
    format!("{host}:{}", bound.port())
}

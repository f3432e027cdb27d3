//! The NameNode's WebHDFS operations: decode the op's parameters, call the
//! namesystem as the RPC adapter does, answer Hadoop's JSON.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use common::webhdfs::{Op, Params};
use common::{ExceptionKind, FsPermission, RemoteException};
use serde_json::{Value, json};

use super::{WebHdfs, WebRequest, json, listing, redirect};

/// Hadoop's default permission of a directory (and of SETPERMISSION).
const DEFAULT_DIRECTORY_PERMISSION: u16 = 0o755;

type Answer = Result<Response, RemoteException>;

fn json_ok(value: Value) -> Answer {
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response())
}

fn empty_ok() -> Answer {
    Ok(StatusCode::OK.into_response())
}

/// Runs a served op (unsupported ones were answered before).
pub(super) async fn run(web: &WebHdfs, op: Op, request: &WebRequest) -> Answer {
    let namesystem = &web.namesystem;
    let (path, params, caller) = (&request.path, &request.params, &request.caller);
    match op {
        Op::Open | Op::GetFileChecksum | Op::Create | Op::Append => {
            redirect::to_datanode(web, op, request)
        }
        Op::GetFileStatus => {
            let status = namesystem.file_info(path, caller)?.ok_or_else(|| {
                RemoteException::new(
                    ExceptionKind::FileNotFound,
                    format!("File does not exist: {path}"),
                )
            })?;
            json_ok(json!({ "FileStatus": json::file_status(&status) }))
        }
        Op::ListStatus => list_status(web, request),
        Op::ListStatusBatch => {
            let start_after = params.get("startafter").unwrap_or_default();
            let listing = namesystem
                .listing(path, start_after.as_bytes(), caller)?
                .ok_or_else(|| no_such_directory(path))?;
            json_ok(json!({
                "DirectoryListing": {
                    "partialListing": json::file_statuses(&listing.entries),
                    "remainingEntries": listing.remaining,
                }
            }))
        }
        Op::GetContentSummary => json_ok(json::content_summary(
            &namesystem.content_summary(path, caller)?,
        )),
        Op::GetQuotaUsage => json_ok(json::quota_usage(&namesystem.quota_usage(path, caller)?)),
        Op::GetHomeDirectory => {
            json_ok(json!({ "Path": common::path::home_directory(&request.user) }))
        }
        Op::GetTrashRoot => {
            let home = common::path::home_directory(&request.user);
            json_ok(json!({ "Path": format!("{home}/.Trash") }))
        }
        Op::GetFileBlockLocations => {
            let length = params.length()?.unwrap_or(u64::MAX);
            let (blocks, _, _) =
                namesystem.block_locations(path, params.offset()?, length, "", caller)?;
            json_ok(json::block_locations(&blocks))
        }
        Op::GetServerDefaults => json_ok(json::server_defaults(namesystem.config())),
        Op::GetStatus => json_ok(json::fs_status(&namesystem.blocks().stats())),
        Op::CheckAccess => {
            let action = Params::required(params.fs_action()?, "fsaction", "CHECKACCESS")?;
            namesystem.check_access(path, action, caller)?;
            empty_ok()
        }
        Op::Mkdirs => {
            let permission = params
                .permission()?
                .unwrap_or(FsPermission::new(DEFAULT_DIRECTORY_PERMISSION));
            namesystem.mkdirs(path, permission, true, caller).await?;
            json_ok(json!({ "boolean": true }))
        }
        Op::Rename => {
            let destination = Params::required(params.destination()?, "destination", "RENAME")?;
            let renamed = match namesystem
                .rename(path, destination, false, true, caller)
                .await
            {
                Ok(()) => true,
                Err(error) if rename_returns_false(error.kind) => false,
                Err(error) => return Err(error),
            };
            json_ok(json!({ "boolean": renamed }))
        }
        Op::SetReplication => {
            let replication = params
                .replication()?
                .unwrap_or(namesystem.config().default_replication);
            let is_file = namesystem
                .set_replication(path, replication, caller)
                .await?;
            json_ok(json!({ "boolean": is_file }))
        }
        Op::SetOwner => {
            let (owner, group) = (params.get("owner"), params.get("group"));
            if owner.is_none() && group.is_none() {
                return Err(RemoteException::illegal_argument(
                    "Both owner and group are empty.",
                ));
            }
            let (owner, group) = (owner.unwrap_or_default(), group.unwrap_or_default());
            namesystem.set_owner(path, owner, group, caller).await?;
            empty_ok()
        }
        Op::SetPermission => {
            let permission = params
                .permission()?
                .unwrap_or(FsPermission::new(DEFAULT_DIRECTORY_PERMISSION));
            namesystem.set_permission(path, permission, caller).await?;
            empty_ok()
        }
        Op::SetTimes => {
            let (mtime, atime) = (params.modification_time()?, params.access_time()?);
            namesystem.set_times(path, mtime, atime, caller).await?;
            empty_ok()
        }
        Op::SetQuota => {
            let (namespace_quota, space_quota) = params.quotas()?;
            namesystem
                .set_quota(path, namespace_quota, space_quota, None, caller)
                .await?;
            empty_ok()
        }
        Op::Concat => {
            let sources: Vec<String> = params
                .get("sources")
                .unwrap_or_default()
                .split(',')
                .filter(|source| !source.is_empty())
                .map(str::to_string)
                .collect();
            namesystem.concat(path, &sources, caller).await?;
            empty_ok()
        }
        Op::Truncate => {
            let new_length = Params::required(params.new_length()?, "newlength", "TRUNCATE")?;
            // As Hadoop's NamenodeWebHdfsMethods: each REST call is its own client.
            let client_name = format!("DFSClient_{}", rand::random::<i64>());
            let done = namesystem
                .truncate(path, new_length, &client_name, "", caller)
                .await?;
            json_ok(json!({ "boolean": done }))
        }
        Op::Delete => {
            let deleted = namesystem.delete(path, params.recursive()?, caller).await?;
            json_ok(json!({ "boolean": deleted }))
        }
        Op::Unsupported { name, lacks } => Err(common::webhdfs::ops::unsupported(name, lacks)),
    }
}

/// `FileSystem#rename` (what WebHDFS RENAME is) answers false, not an
/// error, when the source is missing or the destination is taken.
fn rename_returns_false(kind: ExceptionKind) -> bool {
    matches!(
        kind,
        ExceptionKind::FileNotFound
            | ExceptionKind::FileAlreadyExists
            | ExceptionKind::ParentNotDirectory
    )
}

fn no_such_directory(path: &str) -> RemoteException {
    RemoteException::new(
        ExceptionKind::FileNotFound,
        format!("File {path} does not exist."),
    )
}

/// The listing, streamed a page at a time (`listing`); a missing directory is
/// refused before anything is sent.
fn list_status(web: &WebHdfs, request: &WebRequest) -> Answer {
    let first = web
        .namesystem
        .listing(&request.path, &[], &request.caller)?
        .ok_or_else(|| no_such_directory(&request.path))?;
    Ok(listing::respond(
        web.namesystem.clone(),
        request.path.clone(),
        request.caller.clone(),
        first,
    ))
}

//! ClientNamenodeProtocol's namespace calls: statuses, listings, block
//! locations, summaries, and the changes of names, permissions and times.

use common::permission::FsAction;
use common::{ExceptionKind, RemoteException};
use proto::hadoop::hdfs as hadoop;
use proto::hdfs as pb;
use proto::hdfs::client_protocol_server::ClientProtocol;
use tonic::Status;

use super::IpcServer;
use super::convert;
use super::dispatch::Call;

type CallResult<T> = Result<T, Status>;

impl IpcServer {
    /// The status of `src`, if anything is there.
    pub(super) async fn status(
        &self,
        call: &Call,
        src: &str,
    ) -> CallResult<Option<pb::FileStatus>> {
        let request = call.request(pb::GetFileInfoRequest {
            src: src.to_string(),
        });
        Ok(self.client.get_file_info(request).await?.into_inner().fs)
    }

    /// The status of `src`, which must exist.
    pub(super) async fn existing_status(
        &self,
        call: &Call,
        src: &str,
    ) -> CallResult<pb::FileStatus> {
        self.status(call, src)
            .await?
            .ok_or_else(|| RemoteException::not_found(src).into())
    }

    /// The status of the file `src` (Hadoop's messages for anything else).
    async fn file_only_status(&self, call: &Call, src: &str) -> CallResult<pb::FileStatus> {
        let not_a_file =
            |message: String| RemoteException::new(ExceptionKind::FileNotFound, message);
        match self.status(call, src).await? {
            Some(status) if convert::is_file(&status) => Ok(status),
            Some(_) => Err(not_a_file(format!("Path is not a file: {src}")).into()),
            None => Err(not_a_file(format!("File does not exist: {src}")).into()),
        }
    }

    /// The blocks of `src` overlapping `[offset, offset + length)`, with the
    /// file's last block (Hadoop clients read an open file's length from it).
    pub(super) async fn located_blocks(
        &self,
        call: &Call,
        src: &str,
        offset: u64,
        length: u64,
    ) -> CallResult<hadoop::LocatedBlocksProto> {
        let locate = |offset, length| {
            call.request(pb::GetBlockLocationsRequest {
                src: src.to_string(),
                offset,
                length,
            })
        };
        let range = self
            .client
            .get_block_locations(locate(offset, length))
            .await?
            .into_inner();
        let ends_the_file = |block: &pb::LocatedBlock| {
            let block_length = block.block.as_ref().map_or(0, |block| block.num_bytes);
            block.offset + block_length == range.file_length
        };
        // The range of an open file always holds its open last block.
        let last = match range.blocks.last() {
            Some(last) if ends_the_file(last) => Some(last.clone()),
            _ if range.file_length == 0 => None,
            _ => {
                let tail = locate(range.file_length - 1, 1);
                let mut tail = self.client.get_block_locations(tail).await?.into_inner();
                tail.blocks.pop()
            }
        };
        Ok(convert::located_blocks(range, last, &self.block_pool_id()))
    }

    pub(super) fn block_pool_id(&self) -> String {
        self.namesystem.storage_info().block_pool_id.clone()
    }

    pub(super) async fn get_file_info(
        &self,
        call: &Call,
        r: hadoop::GetFileInfoRequestProto,
    ) -> CallResult<hadoop::GetFileInfoResponseProto> {
        let status = self.status(call, &r.src).await?;
        Ok(hadoop::GetFileInfoResponseProto {
            fs: status.map(convert::file_status),
        })
    }

    /// As getFileInfo: there are no symbolic links.
    pub(super) async fn get_file_link_info(
        &self,
        call: &Call,
        r: hadoop::GetFileLinkInfoRequestProto,
    ) -> CallResult<hadoop::GetFileLinkInfoResponseProto> {
        let status = self.status(call, &r.src).await?;
        Ok(hadoop::GetFileLinkInfoResponseProto {
            fs: status.map(convert::file_status),
        })
    }

    pub(super) async fn get_located_file_info(
        &self,
        call: &Call,
        r: hadoop::GetLocatedFileInfoRequestProto,
    ) -> CallResult<hadoop::GetLocatedFileInfoResponseProto> {
        let src = r.src.unwrap_or_default();
        let Some(status) = self.status(call, &src).await? else {
            return Ok(hadoop::GetLocatedFileInfoResponseProto { fs: None });
        };
        let locations = if convert::is_file(&status) {
            Some(self.located_blocks(call, &src, 0, u64::MAX).await?)
        } else {
            None
        };
        let mut status = convert::file_status(status);
        status.locations = locations;
        Ok(hadoop::GetLocatedFileInfoResponseProto { fs: Some(status) })
    }

    /// One page of a directory (`dfs.ls.limit` entries); with needLocation
    /// each file's status carries its block locations.
    pub(super) async fn get_listing(
        &self,
        call: &Call,
        r: hadoop::GetListingRequestProto,
    ) -> CallResult<hadoop::GetListingResponseProto> {
        let request = call.request(pb::GetListingRequest {
            src: r.src.clone(),
            start_after: r.start_after,
        });
        let listing = self
            .client
            .get_listing(request)
            .await?
            .into_inner()
            .dir_list;
        let Some(listing) = listing else {
            return Ok(hadoop::GetListingResponseProto { dir_list: None });
        };
        let mut entries = Vec::with_capacity(listing.partial_listing.len());
        for entry in listing.partial_listing {
            let locations = if r.need_location && convert::is_file(&entry) {
                let path = convert::child_path(&r.src, &entry.name);
                Some(self.located_blocks(call, &path, 0, u64::MAX).await?)
            } else {
                None
            };
            let mut status = convert::file_status(entry);
            status.locations = locations;
            entries.push(status);
        }
        Ok(hadoop::GetListingResponseProto {
            dir_list: Some(hadoop::DirectoryListingProto {
                partial_listing: entries,
                remaining_entries: listing.remaining_entries,
            }),
        })
    }

    pub(super) async fn get_block_locations(
        &self,
        call: &Call,
        r: hadoop::GetBlockLocationsRequestProto,
    ) -> CallResult<hadoop::GetBlockLocationsResponseProto> {
        let located = self
            .located_blocks(call, &r.src, r.offset, r.length)
            .await?;
        Ok(hadoop::GetBlockLocationsResponseProto {
            locations: Some(located),
        })
    }

    async fn content_summary(&self, call: &Call, path: String) -> CallResult<pb::ContentSummary> {
        let request = call.request(pb::GetContentSummaryRequest { path });
        let response = self.client.get_content_summary(request).await?.into_inner();
        Ok(response.summary.unwrap_or_default())
    }

    pub(super) async fn get_content_summary(
        &self,
        call: &Call,
        r: hadoop::GetContentSummaryRequestProto,
    ) -> CallResult<hadoop::GetContentSummaryResponseProto> {
        let summary = self.content_summary(call, r.path).await?;
        Ok(hadoop::GetContentSummaryResponseProto {
            summary: hadoop::ContentSummaryProto {
                length: summary.length,
                file_count: summary.file_count,
                directory_count: summary.directory_count,
                // -1 (no quota) as Hadoop's unsigned field carries it.
                quota: summary.quota as u64,
                space_consumed: summary.space_consumed,
                space_quota: summary.space_quota as u64,
                ..Default::default()
            },
        })
    }

    pub(super) async fn get_quota_usage(
        &self,
        call: &Call,
        r: hadoop::GetQuotaUsageRequestProto,
    ) -> CallResult<hadoop::GetQuotaUsageResponseProto> {
        let request = call.request(pb::GetQuotaUsageRequest { path: r.path });
        let response = self.client.get_quota_usage(request).await?.into_inner();
        let usage = response.usage.unwrap_or_default();
        // -1 (no quota) as Hadoop's unsigned fields carry it.
        Ok(hadoop::GetQuotaUsageResponseProto {
            usage: hadoop::QuotaUsageProto {
                file_and_directory_count: usage.file_and_directory_count as u64,
                quota: usage.quota as u64,
                space_consumed: usage.space_consumed as u64,
                space_quota: usage.space_quota as u64,
                type_quota_infos: None,
            },
        })
    }

    pub(super) async fn get_preferred_block_size(
        &self,
        call: &Call,
        r: hadoop::GetPreferredBlockSizeRequestProto,
    ) -> CallResult<hadoop::GetPreferredBlockSizeResponseProto> {
        let status = self.file_only_status(call, &r.filename).await?;
        Ok(hadoop::GetPreferredBlockSizeResponseProto {
            bsize: status.block_size,
        })
    }

    pub(super) async fn is_file_closed(
        &self,
        call: &Call,
        r: hadoop::IsFileClosedRequestProto,
    ) -> CallResult<hadoop::IsFileClosedResponseProto> {
        let status = self.file_only_status(call, &r.src).await?;
        Ok(hadoop::IsFileClosedResponseProto {
            result: !status.under_construction,
        })
    }

    pub(super) async fn check_access(
        &self,
        call: &Call,
        r: hadoop::CheckAccessRequestProto,
    ) -> CallResult<hadoop::CheckAccessResponseProto> {
        let caller = self.client.caller(&call.request(()));
        let action = FsAction(r.mode as u8 & 0o7);
        self.namesystem.check_access(&r.path, action, &caller)?;
        Ok(hadoop::CheckAccessResponseProto {})
    }

    pub(super) async fn mkdirs(
        &self,
        call: &Call,
        r: hadoop::MkdirsRequestProto,
    ) -> CallResult<hadoop::MkdirsResponseProto> {
        let request = call.request(pb::MkdirsRequest {
            src: r.src,
            masked: r.masked.perm,
            create_parent: r.create_parent,
        });
        let result = self.client.mkdirs(request).await?.into_inner().result;
        Ok(hadoop::MkdirsResponseProto { result })
    }

    /// FileSystem#rename: a missing source, an existing destination or a
    /// missing destination parent answer false, as in Hadoop.
    pub(super) async fn rename(
        &self,
        call: &Call,
        r: hadoop::RenameRequestProto,
    ) -> CallResult<hadoop::RenameResponseProto> {
        let request = call.request(pb::RenameRequest {
            src: r.src,
            dst: r.dst,
            overwrite: false,
            move_into_directory: true,
        });
        let result = match self.client.rename(request).await {
            Ok(_) => true,
            Err(status) => match RemoteException::from_status(&status).kind {
                ExceptionKind::FileNotFound
                | ExceptionKind::FileAlreadyExists
                | ExceptionKind::ParentNotDirectory => false,
                _ => return Err(status),
            },
        };
        Ok(hadoop::RenameResponseProto { result })
    }

    /// FileContext#rename: failures are exceptions.
    pub(super) async fn rename2(
        &self,
        call: &Call,
        r: hadoop::Rename2RequestProto,
    ) -> CallResult<hadoop::Rename2ResponseProto> {
        let request = call.request(pb::RenameRequest {
            src: r.src,
            dst: r.dst,
            overwrite: r.overwrite_dest,
            move_into_directory: false,
        });
        self.client.rename(request).await?;
        Ok(hadoop::Rename2ResponseProto {})
    }

    pub(super) async fn delete(
        &self,
        call: &Call,
        r: hadoop::DeleteRequestProto,
    ) -> CallResult<hadoop::DeleteResponseProto> {
        let request = call.request(pb::DeleteRequest {
            src: r.src,
            recursive: r.recursive,
        });
        let result = self.client.delete(request).await?.into_inner().result;
        Ok(hadoop::DeleteResponseProto { result })
    }

    pub(super) async fn concat(
        &self,
        call: &Call,
        r: hadoop::ConcatRequestProto,
    ) -> CallResult<hadoop::ConcatResponseProto> {
        let request = call.request(pb::ConcatRequest {
            trg: r.trg,
            srcs: r.srcs,
        });
        self.client.concat(request).await?;
        Ok(hadoop::ConcatResponseProto {})
    }

    pub(super) async fn truncate(
        &self,
        call: &Call,
        r: hadoop::TruncateRequestProto,
    ) -> CallResult<hadoop::TruncateResponseProto> {
        let request = call.request(pb::TruncateRequest {
            src: r.src,
            new_length: r.new_length,
            client_name: r.client_name,
        });
        let result = self.client.truncate(request).await?.into_inner().result;
        Ok(hadoop::TruncateResponseProto { result })
    }

    pub(super) async fn set_permission(
        &self,
        call: &Call,
        r: hadoop::SetPermissionRequestProto,
    ) -> CallResult<hadoop::SetPermissionResponseProto> {
        let request = call.request(pb::SetPermissionRequest {
            src: r.src,
            permission: r.permission.perm,
        });
        self.client.set_permission(request).await?;
        Ok(hadoop::SetPermissionResponseProto {})
    }

    pub(super) async fn set_owner(
        &self,
        call: &Call,
        r: hadoop::SetOwnerRequestProto,
    ) -> CallResult<hadoop::SetOwnerResponseProto> {
        let request = call.request(pb::SetOwnerRequest {
            src: r.src,
            username: r.username.unwrap_or_default(),
            groupname: r.groupname.unwrap_or_default(),
        });
        self.client.set_owner(request).await?;
        Ok(hadoop::SetOwnerResponseProto {})
    }

    pub(super) async fn set_replication(
        &self,
        call: &Call,
        r: hadoop::SetReplicationRequestProto,
    ) -> CallResult<hadoop::SetReplicationResponseProto> {
        let request = call.request(pb::SetReplicationRequest {
            src: r.src,
            replication: r.replication,
        });
        let result = self
            .client
            .set_replication(request)
            .await?
            .into_inner()
            .result;
        Ok(hadoop::SetReplicationResponseProto { result })
    }

    pub(super) async fn set_times(
        &self,
        call: &Call,
        r: hadoop::SetTimesRequestProto,
    ) -> CallResult<hadoop::SetTimesResponseProto> {
        // Hadoop's -1 ("unchanged") arrives as the unsigned field's maximum.
        let request = call.request(pb::SetTimesRequest {
            src: r.src,
            mtime: r.mtime as i64,
            atime: r.atime as i64,
        });
        self.client.set_times(request).await?;
        Ok(hadoop::SetTimesResponseProto {})
    }

    pub(super) async fn set_quota(
        &self,
        call: &Call,
        r: hadoop::SetQuotaRequestProto,
    ) -> CallResult<hadoop::SetQuotaResponseProto> {
        // Hadoop's -1 (clear) and i64::MAX (keep) arrive in unsigned fields.
        let request = call.request(pb::SetQuotaRequest {
            path: r.path,
            namespace_quota: r.namespace_quota as i64,
            space_quota: r.storagespace_quota as i64,
            storage_type: r
                .storage_type
                .and_then(|code| hadoop::StorageTypeProto::try_from(code).ok())
                .map(|storage_type| storage_type.as_str_name().to_string()),
        });
        self.client.set_quota(request).await?;
        Ok(hadoop::SetQuotaResponseProto {})
    }
}

//! The read calls of features Tusk lacks, answered as a Hadoop namespace
//! without them answers: the minimal ACL of the permission bits, no extended
//! attributes, the HOT storage policy, no erasure coding policy, no
//! encryption zone, no snapshottable directory. Clients call several of them
//! in ordinary work (`distcp -p`, `hdfs dfs -getfacl`, `hdfs ec`). The calls
//! that would change these features are refused (see `dispatch`).

use common::RemoteException;
use proto::hadoop::hdfs as hadoop;
use tonic::Status;

use super::IpcServer;
use super::convert::HOT_STORAGE_POLICY_ID;
use super::dispatch::Call;

type CallResult<T> = Result<T, Status>;

fn hot_storage_policy() -> hadoop::BlockStoragePolicyProto {
    let storage_types = |types: &[hadoop::StorageTypeProto]| hadoop::StorageTypesProto {
        storage_types: types.iter().map(|kind| *kind as i32).collect(),
    };
    hadoop::BlockStoragePolicyProto {
        policy_id: HOT_STORAGE_POLICY_ID,
        name: "HOT".to_string(),
        creation_policy: storage_types(&[hadoop::StorageTypeProto::Disk]),
        creation_fallback_policy: Some(storage_types(&[])),
        replication_fallback_policy: Some(storage_types(&[hadoop::StorageTypeProto::Archive])),
    }
}

impl IpcServer {
    pub(super) async fn get_acl_status(
        &self,
        call: &Call,
        r: hadoop::GetAclStatusRequestProto,
    ) -> CallResult<hadoop::GetAclStatusResponseProto> {
        let status = self.existing_status(call, &r.src).await?;
        let sticky = status.permission & u32::from(common::FsPermission::STICKY) != 0;
        Ok(hadoop::GetAclStatusResponseProto {
            result: hadoop::AclStatusProto {
                owner: status.owner,
                group: status.group,
                sticky,
                entries: Vec::new(),
                permission: Some(hadoop::FsPermissionProto {
                    perm: status.permission,
                }),
            },
        })
    }

    /// Asked by name, an attribute is missing (Hadoop's message); asked
    /// for all, there are none.
    pub(super) async fn get_xattrs(
        &self,
        call: &Call,
        r: hadoop::GetXAttrsRequestProto,
    ) -> CallResult<hadoop::GetXAttrsResponseProto> {
        self.existing_status(call, &r.src).await?;
        if !r.x_attrs.is_empty() {
            let missing = "At least one of the attributes provided was not found.";
            return Err(RemoteException::io(missing).into());
        }
        Ok(hadoop::GetXAttrsResponseProto {
            x_attrs: Vec::new(),
        })
    }

    pub(super) async fn list_xattrs(
        &self,
        call: &Call,
        r: hadoop::ListXAttrsRequestProto,
    ) -> CallResult<hadoop::ListXAttrsResponseProto> {
        self.existing_status(call, &r.src).await?;
        Ok(hadoop::ListXAttrsResponseProto {
            x_attrs: Vec::new(),
        })
    }

    pub(super) async fn get_storage_policy(
        &self,
        call: &Call,
        r: hadoop::GetStoragePolicyRequestProto,
    ) -> CallResult<hadoop::GetStoragePolicyResponseProto> {
        self.existing_status(call, &r.path).await?;
        Ok(hadoop::GetStoragePolicyResponseProto {
            storage_policy: hot_storage_policy(),
        })
    }

    pub(super) async fn get_storage_policies(
        &self,
        _call: &Call,
        _r: hadoop::GetStoragePoliciesRequestProto,
    ) -> CallResult<hadoop::GetStoragePoliciesResponseProto> {
        self.namesystem
            .check_operation(crate::ha::OperationCategory::Read)?;
        Ok(hadoop::GetStoragePoliciesResponseProto {
            policies: vec![hot_storage_policy()],
        })
    }

    /// No policy: the file is replicated.
    pub(super) async fn get_erasure_coding_policy(
        &self,
        call: &Call,
        r: hadoop::GetErasureCodingPolicyRequestProto,
    ) -> CallResult<hadoop::GetErasureCodingPolicyResponseProto> {
        self.existing_status(call, &r.src).await?;
        Ok(hadoop::GetErasureCodingPolicyResponseProto {})
    }

    pub(super) async fn get_erasure_coding_policies(
        &self,
        _call: &Call,
        _r: hadoop::GetErasureCodingPoliciesRequestProto,
    ) -> CallResult<hadoop::GetErasureCodingPoliciesResponseProto> {
        self.namesystem
            .check_operation(crate::ha::OperationCategory::Read)?;
        Ok(hadoop::GetErasureCodingPoliciesResponseProto {})
    }

    pub(super) async fn get_erasure_coding_codecs(
        &self,
        _call: &Call,
        _r: hadoop::GetErasureCodingCodecsRequestProto,
    ) -> CallResult<hadoop::GetErasureCodingCodecsResponseProto> {
        self.namesystem
            .check_operation(crate::ha::OperationCategory::Read)?;
        Ok(hadoop::GetErasureCodingCodecsResponseProto {})
    }

    /// No zone: the path is not encrypted.
    pub(super) async fn get_ez_for_path(
        &self,
        call: &Call,
        r: hadoop::GetEzForPathRequestProto,
    ) -> CallResult<hadoop::GetEzForPathResponseProto> {
        self.existing_status(call, &r.src).await?;
        Ok(hadoop::GetEzForPathResponseProto {})
    }

    pub(super) async fn list_encryption_zones(
        &self,
        _call: &Call,
        _r: hadoop::ListEncryptionZonesRequestProto,
    ) -> CallResult<hadoop::ListEncryptionZonesResponseProto> {
        self.namesystem
            .check_operation(crate::ha::OperationCategory::Read)?;
        Ok(hadoop::ListEncryptionZonesResponseProto { has_more: false })
    }

    pub(super) async fn get_snapshottable_dir_listing(
        &self,
        _call: &Call,
        _r: hadoop::GetSnapshottableDirListingRequestProto,
    ) -> CallResult<hadoop::GetSnapshottableDirListingResponseProto> {
        self.namesystem
            .check_operation(crate::ha::OperationCategory::Read)?;
        Ok(hadoop::GetSnapshottableDirListingResponseProto {})
    }
}

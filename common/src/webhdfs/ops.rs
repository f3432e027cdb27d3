//! WebHDFS operations: the `op` parameter, per HTTP method, as Hadoop 3's
//! `GetOpParam`, `PutOpParam`, `PostOpParam` and `DeleteOpParam` name them.

use crate::RemoteException;

/// The HTTP methods WebHDFS uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Put,
    Post,
    Delete,
}

impl HttpMethod {
    /// Hadoop's enum class of this method's operations (named in errors).
    fn op_class(self) -> &'static str {
        match self {
            Self::Get => "org.apache.hadoop.hdfs.web.resources.GetOpParam.Op",
            Self::Put => "org.apache.hadoop.hdfs.web.resources.PutOpParam.Op",
            Self::Post => "org.apache.hadoop.hdfs.web.resources.PostOpParam.Op",
            Self::Delete => "org.apache.hadoop.hdfs.web.resources.DeleteOpParam.Op",
        }
    }
}

/// An operation Tusk serves, or one Hadoop defines for a feature Tusk lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Open,
    GetFileStatus,
    ListStatus,
    ListStatusBatch,
    GetContentSummary,
    GetQuotaUsage,
    GetFileChecksum,
    GetHomeDirectory,
    GetTrashRoot,
    GetFileBlockLocations,
    GetServerDefaults,
    GetStatus,
    CheckAccess,
    Create,
    Mkdirs,
    Rename,
    SetReplication,
    SetOwner,
    SetPermission,
    SetTimes,
    SetQuota,
    Append,
    Concat,
    Truncate,
    Delete,
    /// Hadoop's op named `name`, for a feature Tusk lacks (`lacks` says which).
    Unsupported {
        name: &'static str,
        lacks: &'static str,
    },
}

impl Op {
    /// The op's name as the `op` parameter spells it.
    pub fn name(self) -> &'static str {
        if let Self::Unsupported { name, .. } = self {
            return name;
        }
        SERVED
            .iter()
            .find(|(_, _, op)| *op == self)
            .map_or("NULL", |(_, name, _)| *name)
    }
}

const SERVED: &[(HttpMethod, &str, Op)] = &[
    (HttpMethod::Get, "OPEN", Op::Open),
    (HttpMethod::Get, "GETFILESTATUS", Op::GetFileStatus),
    (HttpMethod::Get, "LISTSTATUS", Op::ListStatus),
    (HttpMethod::Get, "LISTSTATUS_BATCH", Op::ListStatusBatch),
    (HttpMethod::Get, "GETCONTENTSUMMARY", Op::GetContentSummary),
    (HttpMethod::Get, "GETQUOTAUSAGE", Op::GetQuotaUsage),
    (HttpMethod::Get, "GETFILECHECKSUM", Op::GetFileChecksum),
    (HttpMethod::Get, "GETHOMEDIRECTORY", Op::GetHomeDirectory),
    (HttpMethod::Get, "GETTRASHROOT", Op::GetTrashRoot),
    (
        HttpMethod::Get,
        "GETFILEBLOCKLOCATIONS",
        Op::GetFileBlockLocations,
    ),
    (HttpMethod::Get, "GETSERVERDEFAULTS", Op::GetServerDefaults),
    (HttpMethod::Get, "GETSTATUS", Op::GetStatus),
    (HttpMethod::Get, "CHECKACCESS", Op::CheckAccess),
    (HttpMethod::Put, "CREATE", Op::Create),
    (HttpMethod::Put, "MKDIRS", Op::Mkdirs),
    (HttpMethod::Put, "RENAME", Op::Rename),
    (HttpMethod::Put, "SETREPLICATION", Op::SetReplication),
    (HttpMethod::Put, "SETOWNER", Op::SetOwner),
    (HttpMethod::Put, "SETPERMISSION", Op::SetPermission),
    (HttpMethod::Put, "SETTIMES", Op::SetTimes),
    (HttpMethod::Put, "SETQUOTA", Op::SetQuota),
    (HttpMethod::Post, "APPEND", Op::Append),
    (HttpMethod::Post, "CONCAT", Op::Concat),
    (HttpMethod::Post, "TRUNCATE", Op::Truncate),
    (HttpMethod::Delete, "DELETE", Op::Delete),
];

const SNAPSHOTS: &str = "snapshots";
const ACLS: &str = "ACLs";
const XATTRS: &str = "extended attributes";
const STORAGE_POLICIES: &str = "storage policies";
const ERASURE_CODING: &str = "erasure coding";
const TOKENS: &str = "delegation tokens (authentication is simple)";
const SYMLINKS: &str = "symbolic links";
const QUOTAS_BY_STORAGE_TYPE: &str = "quotas by storage type";

/// Hadoop 3's other ops, and the feature each needs.
const LACKING: &[(HttpMethod, &str, &str)] = &[
    (HttpMethod::Get, "NULL", "an op"),
    (HttpMethod::Get, "GETDELEGATIONTOKEN", TOKENS),
    (
        HttpMethod::Get,
        "GET_BLOCK_LOCATIONS",
        "Hadoop's private LocatedBlocks API",
    ),
    (HttpMethod::Get, "GETACLSTATUS", ACLS),
    (HttpMethod::Get, "GETXATTRS", XATTRS),
    (HttpMethod::Get, "LISTXATTRS", XATTRS),
    (HttpMethod::Get, "GETALLSTORAGEPOLICY", STORAGE_POLICIES),
    (HttpMethod::Get, "GETSTORAGEPOLICY", STORAGE_POLICIES),
    (HttpMethod::Get, "GETSNAPSHOTDIFF", SNAPSHOTS),
    (HttpMethod::Get, "GETSNAPSHOTDIFFLISTING", SNAPSHOTS),
    (HttpMethod::Get, "GETSNAPSHOTTABLEDIRECTORYLIST", SNAPSHOTS),
    (HttpMethod::Get, "GETSNAPSHOTLIST", SNAPSHOTS),
    (HttpMethod::Get, "GETLINKTARGET", SYMLINKS),
    (HttpMethod::Get, "GETFILELINKSTATUS", SYMLINKS),
    (HttpMethod::Get, "GETECPOLICIES", ERASURE_CODING),
    (HttpMethod::Get, "GETECCODECS", ERASURE_CODING),
    (HttpMethod::Get, "GETECPOLICY", ERASURE_CODING),
    (
        HttpMethod::Get,
        "GETTRASHROOTS",
        "encryption zones (one trash root per user)",
    ),
    (HttpMethod::Put, "NULL", "an op"),
    (HttpMethod::Put, "CREATESYMLINK", SYMLINKS),
    (HttpMethod::Put, "RENEWDELEGATIONTOKEN", TOKENS),
    (HttpMethod::Put, "CANCELDELEGATIONTOKEN", TOKENS),
    (HttpMethod::Put, "MODIFYACLENTRIES", ACLS),
    (HttpMethod::Put, "REMOVEACLENTRIES", ACLS),
    (HttpMethod::Put, "REMOVEDEFAULTACL", ACLS),
    (HttpMethod::Put, "REMOVEACL", ACLS),
    (HttpMethod::Put, "SETACL", ACLS),
    (HttpMethod::Put, "SETXATTR", XATTRS),
    (HttpMethod::Put, "REMOVEXATTR", XATTRS),
    (HttpMethod::Put, "ENABLEECPOLICY", ERASURE_CODING),
    (HttpMethod::Put, "DISABLEECPOLICY", ERASURE_CODING),
    (HttpMethod::Put, "SETECPOLICY", ERASURE_CODING),
    (HttpMethod::Put, "ALLOWSNAPSHOT", SNAPSHOTS),
    (HttpMethod::Put, "DISALLOWSNAPSHOT", SNAPSHOTS),
    (HttpMethod::Put, "CREATESNAPSHOT", SNAPSHOTS),
    (HttpMethod::Put, "RENAMESNAPSHOT", SNAPSHOTS),
    (HttpMethod::Put, "SETSTORAGEPOLICY", STORAGE_POLICIES),
    (HttpMethod::Put, "SATISFYSTORAGEPOLICY", STORAGE_POLICIES),
    (
        HttpMethod::Put,
        "SETQUOTABYSTORAGETYPE",
        QUOTAS_BY_STORAGE_TYPE,
    ),
    (HttpMethod::Post, "NULL", "an op"),
    (HttpMethod::Post, "UNSETECPOLICY", ERASURE_CODING),
    (HttpMethod::Post, "UNSETSTORAGEPOLICY", STORAGE_POLICIES),
    (HttpMethod::Delete, "NULL", "an op"),
    (HttpMethod::Delete, "DELETESNAPSHOT", SNAPSHOTS),
];

/// The op `value` names for `method` (case-insensitive, as Hadoop's); no op
/// is Hadoop's `NULL`. A name Hadoop does not define for the method is
/// Hadoop's `Invalid value for webhdfs parameter "op"` error.
pub fn parse_op(method: HttpMethod, value: Option<&str>) -> Result<Op, RemoteException> {
    let name = value.unwrap_or("NULL").to_ascii_uppercase();
    if let Some((_, _, op)) = SERVED
        .iter()
        .find(|(served_method, served, _)| *served_method == method && *served == name)
    {
        return Ok(*op);
    }
    if let Some((_, name, lacks)) = LACKING
        .iter()
        .find(|(lacking_method, lacking, _)| *lacking_method == method && *lacking == name)
    {
        return Ok(Op::Unsupported { name, lacks });
    }
    Err(RemoteException::illegal_argument(format!(
        "Invalid value for webhdfs parameter \"op\": No enum constant {}.{name}",
        method.op_class()
    )))
}

/// Hadoop's answer to an op it defines but Tusk cannot serve:
/// `UnsupportedOperationException`, `op=NAME is not supported`.
pub fn unsupported(name: &str, lacks: &str) -> RemoteException {
    RemoteException::new(
        crate::ExceptionKind::UnsupportedOperation,
        format!("op={name} is not supported: Tusk has no {lacks}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ExceptionKind;

    #[test]
    fn ops_parse_per_method_case_insensitively() {
        assert_eq!(
            parse_op(HttpMethod::Get, Some("liststatus")).unwrap(),
            Op::ListStatus
        );
        assert_eq!(
            parse_op(HttpMethod::Put, Some("CREATE")).unwrap(),
            Op::Create
        );
        let error = parse_op(HttpMethod::Get, Some("MKDIRS")).unwrap_err();
        assert_eq!(error.kind, ExceptionKind::IllegalArgument);
        assert_eq!(
            error.message,
            "Invalid value for webhdfs parameter \"op\": No enum constant \
             org.apache.hadoop.hdfs.web.resources.GetOpParam.Op.MKDIRS"
        );
    }

    #[test]
    fn lacking_features_and_no_op_are_unsupported() {
        assert!(matches!(
            parse_op(HttpMethod::Put, Some("SETACL")).unwrap(),
            Op::Unsupported { name: "SETACL", .. }
        ));
        assert!(matches!(
            parse_op(HttpMethod::Delete, None).unwrap(),
            Op::Unsupported { name: "NULL", .. }
        ));
        assert_eq!(Op::Mkdirs.name(), "MKDIRS");
    }
}

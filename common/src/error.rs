//! The error a daemon reports to a caller, typed by Hadoop's exception classes.
//!
//! The message is written to follow a command name directly, as Hadoop's shell
//! prints it: `mkdir: '/a/b': No such file or directory`.

use std::fmt;

use proto::EXCEPTION_METADATA;

/// Which Hadoop exception a failure corresponds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExceptionKind {
    FileNotFound,
    FileAlreadyExists,
    ParentNotDirectory,
    PathIsNotEmptyDirectory,
    PathIsDirectory,
    PathIsNotDirectory,
    AccessControl,
    /// A caller may not act as another user (a `doas` without proxy-user rights).
    Authorization,
    SafeMode,
    InvalidPath,
    PathComponentTooLong,
    MaxDirectoryItemsExceeded,
    /// A directory's name quota (files and directories) would be exceeded.
    NsQuotaExceeded,
    /// A directory's space quota (bytes times replication) would be exceeded.
    DsQuotaExceeded,
    AlreadyBeingCreated,
    LeaseExpired,
    RecoveryInProgress,
    IllegalArgument,
    /// Hadoop's own `HadoopIllegalArgumentException` (an `IllegalArgumentException`).
    HadoopIllegalArgument,
    UnsupportedOperation,
    /// The NameNode is standby: the client should try the other one.
    Standby,
    /// An HA service failed its health check (haadmin -checkHealth, the ZKFC).
    HealthCheckFailed,
    Io,
}

impl ExceptionKind {
    const ALL: [ExceptionKind; 23] = [
        Self::FileNotFound,
        Self::FileAlreadyExists,
        Self::ParentNotDirectory,
        Self::PathIsNotEmptyDirectory,
        Self::PathIsDirectory,
        Self::PathIsNotDirectory,
        Self::AccessControl,
        Self::Authorization,
        Self::SafeMode,
        Self::InvalidPath,
        Self::PathComponentTooLong,
        Self::MaxDirectoryItemsExceeded,
        Self::NsQuotaExceeded,
        Self::DsQuotaExceeded,
        Self::AlreadyBeingCreated,
        Self::LeaseExpired,
        Self::RecoveryInProgress,
        Self::IllegalArgument,
        Self::HadoopIllegalArgument,
        Self::UnsupportedOperation,
        Self::Standby,
        Self::HealthCheckFailed,
        Self::Io,
    ];

    /// The Java class name Hadoop uses for this failure.
    pub fn class_name(self) -> &'static str {
        match self {
            Self::FileNotFound => "java.io.FileNotFoundException",
            Self::FileAlreadyExists => "org.apache.hadoop.fs.FileAlreadyExistsException",
            Self::ParentNotDirectory => "org.apache.hadoop.fs.ParentNotDirectoryException",
            Self::PathIsNotEmptyDirectory => {
                "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException"
            }
            Self::PathIsDirectory => "org.apache.hadoop.fs.PathIsDirectoryException",
            Self::PathIsNotDirectory => "org.apache.hadoop.fs.PathIsNotDirectoryException",
            Self::AccessControl => "org.apache.hadoop.security.AccessControlException",
            Self::Authorization => "org.apache.hadoop.security.authorize.AuthorizationException",
            Self::SafeMode => "org.apache.hadoop.hdfs.server.namenode.SafeModeException",
            Self::InvalidPath => "org.apache.hadoop.fs.InvalidPathException",
            Self::PathComponentTooLong => {
                "org.apache.hadoop.hdfs.protocol.FSLimitException$PathComponentTooLongException"
            }
            Self::MaxDirectoryItemsExceeded => {
                "org.apache.hadoop.hdfs.protocol.FSLimitException$MaxDirectoryItemsExceededException"
            }
            Self::NsQuotaExceeded => "org.apache.hadoop.hdfs.protocol.NSQuotaExceededException",
            Self::DsQuotaExceeded => "org.apache.hadoop.hdfs.protocol.DSQuotaExceededException",
            Self::AlreadyBeingCreated => {
                "org.apache.hadoop.hdfs.protocol.AlreadyBeingCreatedException"
            }
            Self::LeaseExpired => "org.apache.hadoop.hdfs.server.namenode.LeaseExpiredException",
            Self::RecoveryInProgress => {
                "org.apache.hadoop.hdfs.protocol.RecoveryInProgressException"
            }
            Self::IllegalArgument => "java.lang.IllegalArgumentException",
            Self::HadoopIllegalArgument => "org.apache.hadoop.HadoopIllegalArgumentException",
            Self::UnsupportedOperation => "java.lang.UnsupportedOperationException",
            Self::Standby => "org.apache.hadoop.ipc.StandbyException",
            Self::HealthCheckFailed => "org.apache.hadoop.ha.HealthCheckFailedException",
            Self::Io => "java.io.IOException",
        }
    }

    /// The kind named by a Java class name; unknown names are plain I/O errors.
    pub fn from_class_name(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|kind| kind.class_name() == name)
            .unwrap_or(Self::Io)
    }

    fn grpc_code(self) -> tonic::Code {
        match self {
            Self::FileNotFound => tonic::Code::NotFound,
            Self::FileAlreadyExists | Self::AlreadyBeingCreated => tonic::Code::AlreadyExists,
            Self::AccessControl | Self::Authorization => tonic::Code::PermissionDenied,
            Self::SafeMode | Self::LeaseExpired | Self::RecoveryInProgress => {
                tonic::Code::FailedPrecondition
            }
            Self::InvalidPath
            | Self::PathComponentTooLong
            | Self::IllegalArgument
            | Self::HadoopIllegalArgument
            | Self::ParentNotDirectory
            | Self::PathIsDirectory
            | Self::PathIsNotDirectory
            | Self::PathIsNotEmptyDirectory => tonic::Code::InvalidArgument,
            Self::MaxDirectoryItemsExceeded | Self::NsQuotaExceeded | Self::DsQuotaExceeded => {
                tonic::Code::ResourceExhausted
            }
            Self::UnsupportedOperation => tonic::Code::Unimplemented,
            Self::Standby | Self::HealthCheckFailed => tonic::Code::Unavailable,
            Self::Io => tonic::Code::Internal,
        }
    }
}

/// A failure as the caller sees it: its kind and a message for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteException {
    pub kind: ExceptionKind,
    pub message: String,
}

impl RemoteException {
    pub fn new(kind: ExceptionKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// `'<path>': No such file or directory`
    pub fn not_found(path: &str) -> Self {
        Self::new(
            ExceptionKind::FileNotFound,
            format!("'{path}': No such file or directory"),
        )
    }

    pub fn io(message: impl Into<String>) -> Self {
        Self::new(ExceptionKind::Io, message)
    }

    pub fn illegal_argument(message: impl Into<String>) -> Self {
        Self::new(ExceptionKind::IllegalArgument, message)
    }

    /// Decodes a gRPC status; a status without the exception metadata (a
    /// transport failure, an unreachable server) becomes an I/O error.
    pub fn from_status(status: &tonic::Status) -> Self {
        let kind = status
            .metadata()
            .get(EXCEPTION_METADATA)
            .and_then(|value| value.to_str().ok())
            .map(ExceptionKind::from_class_name);
        match kind {
            Some(kind) => Self::new(kind, status.message()),
            None => Self::io(describe_transport_status(status)),
        }
    }

    /// The gRPC status carrying this exception. A message longer than
    /// [`MAX_STATUS_MESSAGE_BYTES`] (one naming a 100 KB file name, say) is
    /// cut in the middle, saying how much was left out: it travels in a header, and one
    /// over the peer's header limit would lose the whole answer.
    pub fn to_status(&self) -> tonic::Status {
        let mut status = tonic::Status::new(self.kind.grpc_code(), cut_message(&self.message));
        status.metadata_mut().insert(
            EXCEPTION_METADATA,
            tonic::metadata::MetadataValue::from_static(self.kind.class_name()),
        );
        status
    }
}

/// The longest exception message a gRPC status carries: well under the
/// 16 KiB header lists HTTP/2 peers accept by default.
pub const MAX_STATUS_MESSAGE_BYTES: usize = 4096;

/// `message` if it fits in [`MAX_STATUS_MESSAGE_BYTES`]; otherwise its head
/// and its tail (where Hadoop's messages put the figures) around a note of
/// how much was left out.
fn cut_message(message: &str) -> String {
    if message.len() <= MAX_STATUS_MESSAGE_BYTES {
        return message.to_string();
    }
    let mut head = MAX_STATUS_MESSAGE_BYTES / 2;
    while !message.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = message.len() - MAX_STATUS_MESSAGE_BYTES / 2;
    while !message.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{}...({} bytes left out)...{}",
        &message[..head],
        tail - head,
        &message[tail..]
    )
}

/// A transport failure's message: the channel wrote it naming the address and
/// the cause (`common::faults::Channel`); a deadline or an unknown failure
/// says which.
fn describe_transport_status(status: &tonic::Status) -> String {
    match status.code() {
        tonic::Code::Unavailable => status.message().to_string(),
        tonic::Code::DeadlineExceeded => format!("Call timed out: {}", status.message()),
        _ => format!("{:?}: {}", status.code(), status.message()),
    }
}

impl fmt::Display for RemoteException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RemoteException {}

impl From<RemoteException> for tonic::Status {
    fn from(error: RemoteException) -> Self {
        error.to_status()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trip_keeps_kind_and_message() {
        for kind in ExceptionKind::ALL {
            let error = RemoteException::new(kind, "'/a': something");
            let back = RemoteException::from_status(&error.to_status());
            assert_eq!(back, error);
        }
    }

    #[test]
    fn status_without_metadata_is_io() {
        let status = tonic::Status::unavailable("tcp connect error");
        let error = RemoteException::from_status(&status);
        assert_eq!(error.kind, ExceptionKind::Io);
        assert_eq!(error.message, "tcp connect error");
    }

    #[test]
    fn a_huge_message_is_cut_to_fit_a_header() {
        let name = "é".repeat(50_000);
        let error = RemoteException::new(
            ExceptionKind::PathComponentTooLong,
            format!("'{name}' is exceeded: limit=255 length=100000"),
        );
        let status = error.to_status();
        assert!(status.message().len() <= MAX_STATUS_MESSAGE_BYTES + 40);
        assert!(status.message().contains("bytes left out)..."));
        assert!(status.message().ends_with("limit=255 length=100000"));
        assert_eq!(
            RemoteException::from_status(&status).kind,
            ExceptionKind::PathComponentTooLong
        );
    }
}

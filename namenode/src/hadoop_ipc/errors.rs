//! How Hadoop IPC tells a failure: a status (ERROR keeps the connection,
//! FATAL closes it), an error code, a Java exception class and a message.
//! Every class name and message of the IPC layer is here; a call's own
//! failure carries the class the namesystem chose
//! ([`common::ExceptionKind::class_name`], in [`proto::EXCEPTION_METADATA`]).

use common::{ExceptionKind, RemoteException};
use proto::hadoop::common::rpc_response_header_proto::{RpcErrorCodeProto, RpcStatusProto};

use super::framing::IPC_VERSION;

const IO_EXCEPTION: &str = "java.io.IOException";
const UNSUPPORTED_OPERATION: &str = "java.lang.UnsupportedOperationException";
const NO_SUCH_METHOD: &str = "org.apache.hadoop.ipc.RpcNoSuchMethodException";
const NO_SUCH_PROTOCOL: &str = "org.apache.hadoop.ipc.RpcNoSuchProtocolException";
const VERSION_MISMATCH: &str = "org.apache.hadoop.ipc.RPC$VersionMismatch";
const IPC_EXCEPTION: &str = "org.apache.hadoop.ipc.IpcException";
const RPC_SERVER_EXCEPTION: &str = "org.apache.hadoop.ipc.RpcServerException";
const ACCESS_CONTROL: &str = "org.apache.hadoop.security.AccessControlException";
const AUTHORIZATION: &str = "org.apache.hadoop.security.authorize.AuthorizationException";

/// A failed call or connection, as its answer carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct RpcFailure {
    pub status: RpcStatusProto,
    pub code: RpcErrorCodeProto,
    pub class: String,
    pub message: String,
}

impl RpcFailure {
    fn error(code: RpcErrorCodeProto, class: &str, message: String) -> Self {
        Self {
            status: RpcStatusProto::Error,
            code,
            class: class.to_string(),
            message,
        }
    }

    fn fatal(code: RpcErrorCodeProto, class: &str, message: String) -> Self {
        Self {
            status: RpcStatusProto::Fatal,
            code,
            class: class.to_string(),
            message,
        }
    }

    pub fn is_fatal(&self) -> bool {
        self.status == RpcStatusProto::Fatal
    }

    /// A call's own failure: the exception the namesystem (or the gRPC
    /// layer) raised, or an I/O error when it named none.
    pub fn application(status: &tonic::Status) -> Self {
        let class = status
            .metadata()
            .get(proto::EXCEPTION_METADATA)
            .and_then(|value| value.to_str().ok())
            .unwrap_or(IO_EXCEPTION);
        Self::error(
            RpcErrorCodeProto::ErrorApplication,
            class,
            status.message().to_string(),
        )
    }

    /// A ClientNamenodeProtocol method Tusk has no feature for.
    pub fn unsupported(method: &str, why: &str) -> Self {
        Self::error(
            RpcErrorCodeProto::ErrorApplication,
            UNSUPPORTED_OPERATION,
            unsupported_message(method, why),
        )
    }

    pub fn no_such_method(method: &str, protocol: &str) -> Self {
        Self::error(
            RpcErrorCodeProto::ErrorNoSuchMethod,
            NO_SUCH_METHOD,
            format!("Unknown method {method} called on {protocol} protocol."),
        )
    }

    pub fn no_such_protocol(protocol: &str) -> Self {
        Self::error(
            RpcErrorCodeProto::ErrorNoSuchProtocol,
            NO_SUCH_PROTOCOL,
            format!("Unknown protocol: {protocol}"),
        )
    }

    pub fn protocol_version_mismatch(protocol: &str, client: u64, server: u64) -> Self {
        Self::error(
            RpcErrorCodeProto::ErrorRpcVersionMismatch,
            VERSION_MISMATCH,
            format!("Protocol {protocol} version mismatch. (client = {client}, server = {server})"),
        )
    }

    /// A request message that does not decode as its method's.
    pub fn undecodable_parameters(error: &prost::DecodeError) -> Self {
        Self::error(
            RpcErrorCodeProto::ErrorRpcServer,
            RPC_SERVER_EXCEPTION,
            format!("IPC server unable to read call parameters: {error}"),
        )
    }

    pub fn ipc_version_mismatch(client_version: u8) -> Self {
        Self::fatal(
            RpcErrorCodeProto::FatalVersionMismatch,
            VERSION_MISMATCH,
            format!(
                "Server IPC version {IPC_VERSION} cannot communicate with client version {client_version}"
            ),
        )
    }

    pub fn unknown_auth_protocol(auth_protocol: u8) -> Self {
        Self::fatal(
            RpcErrorCodeProto::FatalUnauthorized,
            IPC_EXCEPTION,
            format!("Unknown auth protocol:{}", auth_protocol as i8),
        )
    }

    /// SASL (Kerberos, tokens) asked of a NameNode with simple authentication.
    pub fn sasl_refused() -> Self {
        Self::fatal(
            RpcErrorCodeProto::FatalUnauthorized,
            ACCESS_CONTROL,
            "SASL authentication is not enabled: this NameNode accepts only SIMPLE \
             authentication (hadoop.security.authentication=simple)"
                .to_string(),
        )
    }

    /// A proxy user (`realUser` acting as another): Tusk has no proxy users.
    pub fn impersonation_refused(real_user: &str, effective_user: &str) -> Self {
        Self::fatal(
            RpcErrorCodeProto::FatalUnauthorized,
            AUTHORIZATION,
            format!("User: {real_user} is not allowed to impersonate {effective_user}"),
        )
    }

    /// A user name that cannot be carried to the namesystem.
    pub fn invalid_user(user: &str) -> Self {
        Self::fatal(
            RpcErrorCodeProto::FatalUnauthorized,
            ACCESS_CONTROL,
            format!("Invalid user name {user:?}"),
        )
    }

    pub fn invalid_header(message: impl Into<String>) -> Self {
        Self::fatal(
            RpcErrorCodeProto::FatalInvalidRpcHeader,
            RPC_SERVER_EXCEPTION,
            message.into(),
        )
    }

    pub fn undecodable(what: &str, error: &prost::DecodeError) -> Self {
        Self::fatal(
            RpcErrorCodeProto::FatalDeserializingRequest,
            RPC_SERVER_EXCEPTION,
            format!("IPC server unable to read {what}: {error}"),
        )
    }

    /// A frame longer than `ipc.maximum.data.length` (Hadoop's message).
    pub fn frame_too_long(message: String) -> Self {
        Self::fatal(RpcErrorCodeProto::FatalUnknown, IO_EXCEPTION, message)
    }
}

fn unsupported_message(what: &str, why: &str) -> String {
    format!("{what} is not supported by Tusk: {why}")
}

/// A handler's refusal of what Tusk cannot do (an option of a call it
/// serves): an `UnsupportedOperationException`, worded as
/// [`RpcFailure::unsupported`].
pub(super) fn unsupported_status(what: &str, why: &str) -> tonic::Status {
    RemoteException::new(
        ExceptionKind::UnsupportedOperation,
        unsupported_message(what, why),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_failure_keeps_the_namesystem_class_and_message() {
        let status = RemoteException::not_found("/missing").to_status();
        let failure = RpcFailure::application(&status);
        assert_eq!(failure.class, "java.io.FileNotFoundException");
        assert_eq!(failure.message, "'/missing': No such file or directory");
        assert!(!failure.is_fatal());

        let bare = RpcFailure::application(&tonic::Status::internal("boom"));
        assert_eq!(bare.class, IO_EXCEPTION);
    }

    #[test]
    fn unknown_methods_are_named_as_hadoop_names_them() {
        let failure = RpcFailure::no_such_method("frobnicate", super::super::CLIENT_PROTOCOL);
        assert_eq!(
            failure.message,
            "Unknown method frobnicate called on org.apache.hadoop.hdfs.protocol.ClientProtocol protocol."
        );
        assert_eq!(failure.code, RpcErrorCodeProto::ErrorNoSuchMethod);
        assert_eq!(
            RpcFailure::unknown_auth_protocol(0x51).message,
            "Unknown auth protocol:81"
        );
    }
}

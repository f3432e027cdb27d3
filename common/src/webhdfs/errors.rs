//! Hadoop's WebHDFS error answers: one table from exception kind to HTTP
//! status (Hadoop's `ExceptionHandler`), and the `RemoteException` JSON body.

use serde_json::json;

use crate::{ExceptionKind, RemoteException};

/// The HTTP status Hadoop's `ExceptionHandler` gives an exception: 404 for
/// `FileNotFoundException`, 400 for `IllegalArgumentException` (which
/// `InvalidPathException` extends) and `UnsupportedOperationException`, 403
/// for `SecurityException`, `AuthorizationException` and every other
/// `IOException` (access control, standby, safe mode, already exists, ...).
pub fn status_of(kind: ExceptionKind) -> u16 {
    match kind {
        ExceptionKind::FileNotFound => 404,
        ExceptionKind::IllegalArgument
        | ExceptionKind::HadoopIllegalArgument
        | ExceptionKind::InvalidPath
        | ExceptionKind::UnsupportedOperation => 400,
        ExceptionKind::FileAlreadyExists
        | ExceptionKind::ParentNotDirectory
        | ExceptionKind::PathIsNotEmptyDirectory
        | ExceptionKind::PathIsDirectory
        | ExceptionKind::PathIsNotDirectory
        | ExceptionKind::AccessControl
        | ExceptionKind::Authorization
        | ExceptionKind::SafeMode
        | ExceptionKind::PathComponentTooLong
        | ExceptionKind::MaxDirectoryItemsExceeded
        | ExceptionKind::NsQuotaExceeded
        | ExceptionKind::DsQuotaExceeded
        | ExceptionKind::AlreadyBeingCreated
        | ExceptionKind::LeaseExpired
        | ExceptionKind::RecoveryInProgress
        | ExceptionKind::Standby
        | ExceptionKind::HealthCheckFailed
        | ExceptionKind::Io => 403,
    }
}

/// The HTTP answer both daemons give for `error`: its status and JSON body.
pub fn error_response(error: &RemoteException) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let status =
        StatusCode::from_u16(status_of(error.kind)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        error_body(error),
    )
        .into_response()
}

/// `{"RemoteException":{"exception":..,"javaClassName":..,"message":..}}`
pub fn error_body(error: &RemoteException) -> String {
    let class_name = error.kind.class_name();
    let simple_name = class_name.rsplit('.').next().unwrap_or(class_name);
    json!({
        "RemoteException": {
            "exception": simple_name,
            "javaClassName": class_name,
            "message": error.message,
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_hadoops_exception_handler() {
        assert_eq!(status_of(ExceptionKind::FileNotFound), 404);
        assert_eq!(status_of(ExceptionKind::InvalidPath), 400);
        assert_eq!(status_of(ExceptionKind::UnsupportedOperation), 400);
        assert_eq!(status_of(ExceptionKind::AccessControl), 403);
        assert_eq!(status_of(ExceptionKind::Standby), 403);
        assert_eq!(status_of(ExceptionKind::FileAlreadyExists), 403);
    }

    #[test]
    fn body_names_the_class_both_ways() {
        let body = error_body(&RemoteException::new(
            ExceptionKind::FileNotFound,
            "File does not exist: /x",
        ));
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            value["RemoteException"]["exception"],
            "FileNotFoundException"
        );
        assert_eq!(
            value["RemoteException"]["javaClassName"],
            "java.io.FileNotFoundException"
        );
        assert_eq!(
            value["RemoteException"]["message"],
            "File does not exist: /x"
        );
    }
}

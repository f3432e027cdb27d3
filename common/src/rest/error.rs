//! The failures of the YARN REST APIs, one table from our kind to Hadoop's
//! exception class and HTTP status (Jersey's `GenericExceptionHandler`).

use http::StatusCode;
use serde_json::{Value, json};

/// Hadoop's web exceptions the REST APIs answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestErrorKind {
    /// `org.apache.hadoop.yarn.webapp.NotFoundException`, 404.
    NotFound,
    /// `org.apache.hadoop.yarn.webapp.BadRequestException`, 400.
    BadRequest,
    /// `java.lang.IllegalArgumentException` (an unknown enum value), 400.
    IllegalArgument,
    /// `java.lang.NumberFormatException` (a number that does not parse), 400.
    NumberFormat,
    /// `org.apache.hadoop.yarn.exceptions.YarnException` (the scheduler
    /// refused an operation it does not support), 500.
    YarnException,
}

impl RestErrorKind {
    /// (simple name, Java class name, status) as Hadoop reports them.
    fn table(self) -> (&'static str, &'static str, StatusCode) {
        match self {
            Self::NotFound => (
                "NotFoundException",
                "org.apache.hadoop.yarn.webapp.NotFoundException",
                StatusCode::NOT_FOUND,
            ),
            Self::BadRequest => (
                "BadRequestException",
                "org.apache.hadoop.yarn.webapp.BadRequestException",
                StatusCode::BAD_REQUEST,
            ),
            Self::IllegalArgument => (
                "IllegalArgumentException",
                "java.lang.IllegalArgumentException",
                StatusCode::BAD_REQUEST,
            ),
            Self::NumberFormat => (
                "NumberFormatException",
                "java.lang.NumberFormatException",
                StatusCode::BAD_REQUEST,
            ),
            Self::YarnException => (
                "YarnException",
                "org.apache.hadoop.yarn.exceptions.YarnException",
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        }
    }

    pub fn status(self) -> StatusCode {
        self.table().2
    }
}

/// A REST failure: its kind and the message exactly as Hadoop words it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RestError {
    pub kind: RestErrorKind,
    pub message: String,
}

impl RestError {
    /// Hadoop's `new NotFoundException(detail)`: the message reads
    /// `java.lang.Exception: detail`.
    pub fn not_found(detail: impl std::fmt::Display) -> Self {
        Self {
            kind: RestErrorKind::NotFound,
            message: format!("java.lang.Exception: {detail}"),
        }
    }

    /// Hadoop's `new BadRequestException(detail)`.
    pub fn bad_request(detail: impl std::fmt::Display) -> Self {
        Self {
            kind: RestErrorKind::BadRequest,
            message: format!("java.lang.Exception: {detail}"),
        }
    }

    /// Hadoop's `new BadRequestException(cause)` for an
    /// `IllegalArgumentException` (an id that does not parse).
    pub fn bad_argument(detail: impl std::fmt::Display) -> Self {
        Self {
            kind: RestErrorKind::BadRequest,
            message: format!("java.lang.IllegalArgumentException: {detail}"),
        }
    }

    /// An `IllegalArgumentException` escaping to Jersey unwrapped.
    pub fn illegal_argument(detail: impl std::fmt::Display) -> Self {
        Self {
            kind: RestErrorKind::IllegalArgument,
            message: detail.to_string(),
        }
    }

    /// Java's `Long.parseLong` refusing `text`.
    pub fn number_format(text: &str) -> Self {
        Self {
            kind: RestErrorKind::NumberFormat,
            message: format!("For input string: \"{text}\""),
        }
    }

    /// `{"RemoteException": {"exception", "message", "javaClassName"}}`.
    pub fn to_document(&self) -> Value {
        let (exception, java_class, _) = self.kind.table();
        json!({"RemoteException": {
            "exception": exception,
            "message": self.message,
            "javaClassName": java_class,
        }})
    }
}

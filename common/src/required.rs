//! Required fields of wire messages. proto3 makes every message field
//! optional; a request without one it needs is refused with an
//! `IllegalArgumentException` naming the field (Hadoop's protobuf check
//! says "Message missing required fields"), never served with a default.

use crate::error::RemoteException;

/// `field.required("block")?`: the value, or the refusal naming the field.
pub trait Required<T> {
    /// The value of the required field `name`, or an `IllegalArgument`
    /// error (gRPC `InvalidArgument`) that names it.
    fn required(self, name: &str) -> Result<T, RemoteException>;
}

impl<T> Required<T> for Option<T> {
    fn required(self, name: &str) -> Result<T, RemoteException> {
        self.ok_or_else(|| missing_field(name))
    }
}

/// The error for a request that lacks the required field `name`.
pub fn missing_field(name: &str) -> RemoteException {
    RemoteException::illegal_argument(format!("Message missing required fields: {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExceptionKind;

    #[test]
    fn a_missing_field_is_an_illegal_argument_naming_it() {
        assert_eq!(Some(7).required("block").unwrap(), 7);
        let error = None::<u64>.required("block").unwrap_err();
        assert_eq!(error.kind, ExceptionKind::IllegalArgument);
        assert_eq!(error.message, "Message missing required fields: block");
        assert_eq!(error.to_status().code(), tonic::Code::InvalidArgument);
    }
}

//! [`RecordSource`]: a stream of serialized (key, value) records, the one
//! shape that record readers, sorted spills, map-output segments, shuffled
//! segments and merges all share.

use crate::Error;

/// A stream of records, read one at a time into reused buffers.
pub trait RecordSource: Send {
    /// Moves to the next record; false at the end.
    fn next(&mut self) -> Result<bool, Error>;
    /// The current record's serialized key (valid after `next` returned true).
    fn key(&self) -> &[u8];
    /// The current record's serialized value.
    fn value(&self) -> &[u8];
    /// The bytes of local files this source reads in all (the FILE counters).
    fn local_file_bytes(&self) -> u64 {
        0
    }
}

impl<T: RecordSource + ?Sized> RecordSource for Box<T> {
    fn next(&mut self) -> Result<bool, Error> {
        (**self).next()
    }
    fn key(&self) -> &[u8] {
        (**self).key()
    }
    fn value(&self) -> &[u8] {
        (**self).value()
    }
    fn local_file_bytes(&self) -> u64 {
        (**self).local_file_bytes()
    }
}

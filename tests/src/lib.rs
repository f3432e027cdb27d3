//! End-to-end tests live in `tests/`; this library only names the crate.

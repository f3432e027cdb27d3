//! ResourceManager: grants containers on NodeManagers to applications.
//!
//! Filled by the YARN issue; the crate exists so the workspace has its final shape.

//! ResourceManager: grants containers on NodeManagers to applications.

pub mod scheduler;

//! minicluster

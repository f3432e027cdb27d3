//! Applications that run on YARN next to MapReduce: each has a client that
//! submits it and an ApplicationMaster that the NodeManager starts.

pub mod distributedshell;

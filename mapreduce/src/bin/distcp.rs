//! `distcp [OPTIONS] SRC... DST` (`hadoop distcp`): copies files and
//! directory trees between `hdfs://`, `webhdfs://` and `file://` paths with
//! a map-only MapReduce job, as Hadoop's DistCp.

fn main() {
    mapreduce::distcp::main()
}

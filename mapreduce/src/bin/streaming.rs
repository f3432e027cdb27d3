//! `streaming -input IN -output OUT -mapper CMD -reducer CMD ...` (`mapred
//! streaming`, Hadoop Streaming): any executable as mapper and reducer.

fn main() {
    mapreduce::streaming::main()
}

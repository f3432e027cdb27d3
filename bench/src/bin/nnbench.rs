//! `nnbench`: the NameNode throughput benchmark (also `hdfs nnbench`).
//!
//! `nnbench [GENERIC_OPTIONS] [-mode inprocess|rpc] [-op ...] ...`; see
//! [`bench::nnbench::USAGE`].

use std::process::ExitCode;

use common::Configuration;
use common::exit_code;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut conf = match Configuration::load() {
        Ok(conf) => conf,
        Err(error) => {
            eprintln!("nnbench: {error}");
            return ExitCode::from(exit_code::FAILURE as u8);
        }
    };
    let args = match conf.apply_generic_options(args) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("nnbench: {error}");
            return ExitCode::from(exit_code::USAGE as u8);
        }
    };
    ExitCode::from(bench::nnbench::run(&conf, &args) as u8)
}

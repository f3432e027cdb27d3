//! `mapred`: MapReduce commands. Job submission and history arrive with the
//! MapReduce issue.

use std::process::ExitCode;

use tusk_cli::launcher::{self, exit};

const USAGE: &str = "Usage: mapred [--config confdir] COMMAND

  version           print the version";

fn main() -> ExitCode {
    match launcher::parse("mapred", std::env::args().skip(1).collect()) {
        Ok(Some(invocation)) if invocation.command == "version" => {
            println!("Tusk {}", env!("CARGO_PKG_VERSION"));
            exit(0)
        }
        Ok(_) => {
            eprintln!("{USAGE}");
            exit(tusk_cli::EXIT_USAGE)
        }
        Err(code) => code,
    }
}

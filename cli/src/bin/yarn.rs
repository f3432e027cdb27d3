//! `yarn`: the resource layer's commands. The ResourceManager and NodeManager
//! arrive with the YARN issue; `getconf`-style tools work already.

use std::process::ExitCode;

use tusk_cli::launcher::{self, exit};

const USAGE: &str = "Usage: yarn [--config confdir] COMMAND

  version           print the version";

fn main() -> ExitCode {
    match launcher::parse("yarn", std::env::args().skip(1).collect()) {
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

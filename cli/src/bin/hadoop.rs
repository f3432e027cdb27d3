//! `hadoop`: the common entry point: `fs` (the `hdfs dfs` shell), `jar`
//! (as `yarn jar`), `version`, `classpath`, `checknative` and `conftest`.

use std::process::ExitCode;

use tusk_cli::launcher::{self, exit};

const USAGE: &str = "Usage: hadoop [--config confdir] COMMAND [GENERIC_OPTIONS] [COMMAND_OPTIONS]

  fs                run a generic filesystem user client (as hdfs dfs)
  jar <binary>      run a MapReduce job binary as its job client (as yarn jar)
  distcp <srcurl> <desturl> copy file or directories recursively
  version           print the version
  classpath         prints the class path needed to get the Hadoop jar (Tusk has none)
  checknative       check native Hadoop and compression libraries availability
  conftest          validate configuration XML files

Generic options: -D <property=value>, -conf <file>, -fs <hdfs://host:port>";

fn main() -> ExitCode {
    let invocation = match launcher::invocation("hadoop", USAGE) {
        Ok(invocation) => invocation,
        Err(code) => return code,
    };
    let conf = &invocation.conf;
    let args = &invocation.args;
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let code = match invocation.command.as_str() {
        "fs" => launcher::runtime().block_on(tusk_cli::dfs::run(conf, args, &mut out, &mut err)),
        "jar" => {
            let raw: Vec<String> = std::env::args()
                .skip_while(|arg| arg != "jar")
                .skip(1)
                .collect();
            tusk_cli::yarn::jar::run(&raw)
        }
        "distcp" => {
            tusk_cli::yarn::jar::run_bundled("distcp", &tusk_cli::yarn::jar::args_after("distcp"))
        }
        "version" => tusk_cli::hadoop::version(&mut out),
        "classpath" => tusk_cli::hadoop::classpath(&mut out),
        "checknative" => tusk_cli::hadoop::checknative(&mut out),
        "conftest" => tusk_cli::hadoop::conftest(args, &mut out, &mut err),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            0
        }
        other => {
            eprintln!("ERROR: {other} is not COMMAND nor fully qualified CLASSNAME.\n{USAGE}");
            tusk_cli::EXIT_USAGE
        }
    };
    exit(code)
}

//! `mapred`: MapReduce commands.

use std::process::ExitCode;

use tusk_cli::launcher::{self, exit};
use tusk_cli::mapred;

const USAGE: &str = "Usage: mapred [--config confdir] [--daemon (start|status|stop)] COMMAND [GENERIC_OPTIONS] [COMMAND_OPTIONS]

  distcp <srcurl> <desturl> copy file or directories recursively
  historyserver     run the JobHistoryServer (REST on mapreduce.jobhistory.webapp.address)
  job               manipulate MapReduce jobs
  queue             get information regarding JobQueues (-list)
  streaming         run a Hadoop Streaming job (any executable as mapper and reducer)
  version           print the version

Generic options: -D <property=value>, -conf <file>, -fs <hdfs://host:port>";

fn main() -> ExitCode {
    let invocation = match launcher::invocation("mapred", USAGE) {
        Ok(invocation) => invocation,
        Err(code) => return code,
    };
    let (conf, args) = (&invocation.conf, &invocation.args);
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let code = match invocation.command.as_str() {
        "distcp" | "streaming" => {
            let command = invocation.command.as_str();
            tusk_cli::yarn::jar::run_bundled(command, &tusk_cli::yarn::jar::args_after(command))
        }
        "historyserver" => mapred::historyserver::run(conf, args),
        "job" => launcher::runtime().block_on(mapred::job::run(conf, args, &mut out, &mut err)),
        "queue" => launcher::runtime().block_on(mapred::queue::run(conf, args, &mut out, &mut err)),
        "version" => tusk_cli::hadoop::version(&mut out),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            0
        }
        other => {
            eprintln!("mapred: unknown command '{other}'\n{USAGE}");
            tusk_cli::EXIT_USAGE
        }
    };
    exit(code)
}

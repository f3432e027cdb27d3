//! `yarn`: the resource layer's daemons and user commands.

use std::process::ExitCode;

use tusk_cli::launcher::{self, exit};
use tusk_cli::yarn;

const USAGE: &str = "Usage: yarn [--config confdir] [--daemon (start|status|stop)] COMMAND [GENERIC_OPTIONS] [COMMAND_OPTIONS]

  resourcemanager   run the ResourceManager
  nodemanager       run a NodeManager on each worker
  application       prints application(s) report/kill application
  applicationattempt prints applicationattempt(s) report
  container         prints container(s) report
  node              prints node report(s)
  queue             prints queue information
  logs              dump container logs
  top               view cluster information
  rmadmin           admin tools
  jar <binary>      run a MapReduce job binary as its job client
  distributedshell  run a shell command in N containers (YARN's example application)
  version           print the version

Generic options: -D <property=value>, -conf <file>, -fs <hdfs://host:port>";

fn main() -> ExitCode {
    let invocation = match launcher::invocation("yarn", USAGE) {
        Ok(invocation) => invocation,
        Err(code) => return code,
    };
    let conf = &invocation.conf;
    let args = &invocation.args;
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let code = match invocation.command.as_str() {
        "resourcemanager" => yarn::daemons::resourcemanager(conf, args),
        "nodemanager" => yarn::daemons::nodemanager(conf, args),
        "application" | "app" => {
            launcher::runtime().block_on(yarn::application::run(conf, args, &mut out, &mut err))
        }
        "applicationattempt" => launcher::runtime().block_on(yarn::attempts::run(
            yarn::attempts::Subject::Attempt,
            conf,
            args,
            &mut out,
            &mut err,
        )),
        "container" => launcher::runtime().block_on(yarn::attempts::run(
            yarn::attempts::Subject::Container,
            conf,
            args,
            &mut out,
            &mut err,
        )),
        "node" => launcher::runtime().block_on(yarn::node::run(conf, args, &mut out, &mut err)),
        "queue" => launcher::runtime().block_on(yarn::queue::run(conf, args, &mut out, &mut err)),
        "logs" => launcher::runtime().block_on(yarn::logs::run(conf, args, &mut out, &mut err)),
        "top" => launcher::runtime().block_on(yarn::top::run(conf, args, &mut out, &mut err)),
        "rmadmin" => {
            launcher::runtime().block_on(yarn::rmadmin::run(conf, args, &mut out, &mut err))
        }
        "jar" => {
            let raw: Vec<String> = std::env::args()
                .skip_while(|arg| arg != "jar")
                .skip(1)
                .collect();
            yarn::jar::run(&raw)
        }
        "distributedshell" => {
            launcher::runtime().block_on(yarn::distributedshell::run(conf, args, &mut err))
        }
        "distributedshell-am" => {
            common::logging::init("info");
            launcher::runtime().block_on(yarn::distributedshell::run_am(conf))
        }
        "version" => tusk_cli::hadoop::version(&mut out),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            0
        }
        other => {
            eprintln!("yarn: unknown command '{other}'\n{USAGE}");
            tusk_cli::EXIT_USAGE
        }
    };
    exit(code)
}

//! `mapred`: MapReduce commands. Job submission and history arrive with the
//! MapReduce issue.

fn main() -> std::process::ExitCode {
    tusk_cli::launcher::placeholder_main(
        "mapred",
        "Usage: mapred [--config confdir] COMMAND\n\n  version           print the version",
    )
}

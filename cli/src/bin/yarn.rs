//! `yarn`: the resource layer's commands. The ResourceManager, NodeManager
//! and `yarn application` arrive with the YARN issue.

fn main() -> std::process::ExitCode {
    tusk_cli::launcher::placeholder_main(
        "yarn",
        "Usage: yarn [--config confdir] COMMAND\n\n  version           print the version",
    )
}

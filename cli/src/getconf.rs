//! `hdfs getconf`: the effective configuration.

use std::io::Write;

use common::Configuration;

const USAGE: &str = "Usage: hdfs getconf [-namenodes | -nnRpcAddresses | -confKey [key]]";

/// Runs `hdfs getconf ARGS` and returns the exit code.
pub fn run(conf: &Configuration, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let printed = match args.first().map(String::as_str) {
        Some("-confKey") if args.len() == 2 => match conf.get(&args[1]) {
            Some(value) => writeln!(out, "{value}"),
            None => {
                let _ = writeln!(err, "Configuration {} is missing.", args[1]);
                return crate::EXIT_FAILURE;
            }
        },
        Some("-namenodes") | Some("-nnRpcAddresses") => match namenode_address(conf) {
            Some(address) if args[0] == "-namenodes" => {
                writeln!(
                    out,
                    "{}",
                    address
                        .rsplit_once(':')
                        .map_or(address.as_str(), |(host, _)| host)
                )
            }
            Some(address) => writeln!(out, "{address}"),
            None => {
                let _ = writeln!(
                    err,
                    "Incorrect configuration: namenode address dfs.namenode.rpc-address is not configured."
                );
                return crate::EXIT_FAILURE;
            }
        },
        _ => {
            let _ = writeln!(err, "{USAGE}");
            return crate::EXIT_USAGE;
        }
    };
    if printed.is_err() {
        return crate::EXIT_FAILURE;
    }
    0
}

fn namenode_address(conf: &Configuration) -> Option<String> {
    conf.get_trimmed(common::conf::keys::DFS_NAMENODE_RPC_ADDRESS)
        .or_else(|| {
            client::DfsClient::from_conf(conf)
                .ok()
                .map(|client| client.authority().to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_to_strings(conf: &Configuration, args: &[&str]) -> (i32, String, String) {
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(conf, &args, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn prints_effective_values_and_missing_keys() {
        let mut conf = Configuration::new();
        conf.set("dfs.replication", "2");
        assert_eq!(
            run_to_strings(&conf, &["-confKey", "dfs.replication"]),
            (0, "2\n".into(), String::new())
        );
        let (code, _, err) = run_to_strings(&conf, &["-confKey", "no.such.key"]);
        assert_eq!(
            (code, err.as_str()),
            (1, "Configuration no.such.key is missing.\n")
        );
        assert_eq!(run_to_strings(&conf, &[]).0, 255);
    }
}

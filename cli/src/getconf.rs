//! `hdfs getconf`: the effective configuration.

use std::io::Write;

use common::Configuration;
use common::conf::key_with_suffixes;
use common::conf::keys;

const USAGE: &str = "Usage: hdfs getconf [-namenodes | -secondaryNameNodes | -journalNodes | \
-includeFile | -excludeFile | -nnRpcAddresses | -confKey [key]]";

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
        Some("-secondaryNameNodes") if args.len() == 1 => {
            let address = conf.get_trimmed(keys::DFS_NAMENODE_SECONDARY_HTTP_ADDRESS);
            writeln!(out, "{}", address.as_deref().map_or("", host_of))
        }
        Some("-journalNodes") if args.len() == 1 => {
            let shared = conf.get_trimmed(keys::DFS_NAMENODE_SHARED_EDITS_DIR);
            writeln!(
                out,
                "{}",
                journal_hosts(shared.as_deref().unwrap_or_default()).join(" ")
            )
        }
        // Hadoop's hdfs-default.xml sets both to "": unset prints an empty line.
        Some("-includeFile") if args.len() == 1 => {
            writeln!(
                out,
                "{}",
                conf.get_trimmed(keys::DFS_HOSTS).unwrap_or_default()
            )
        }
        Some("-excludeFile") if args.len() == 1 => {
            let exclude = conf.get_trimmed(keys::DFS_HOSTS_EXCLUDE);
            writeln!(out, "{}", exclude.unwrap_or_default())
        }
        Some("-namenodes") | Some("-nnRpcAddresses") => match namenode_addresses(conf) {
            addresses if addresses.is_empty() => {
                let _ = writeln!(
                    err,
                    "Incorrect configuration: namenode address dfs.namenode.rpc-address is not configured."
                );
                return crate::EXIT_FAILURE;
            }
            addresses if args[0] == "-namenodes" => {
                let hosts: Vec<&str> = addresses.iter().map(|address| host_of(address)).collect();
                writeln!(out, "{}", hosts.join(" "))
            }
            addresses => writeln!(out, "{}", addresses.join("\n")),
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

/// The host of a `host:port` address.
fn host_of(address: &str) -> &str {
    address.rsplit_once(':').map_or(address, |(host, _)| host)
}

/// The JournalNode hosts of a `qjournal://h1:8485;h2:8485/journalId` URI, in
/// order, each once; none for anything else (no quorum journal configured).
fn journal_hosts(shared_edits_dir: &str) -> Vec<&str> {
    let Some(rest) = shared_edits_dir.strip_prefix("qjournal://") else {
        return Vec::new();
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let mut hosts: Vec<&str> = Vec::new();
    for address in authority.split(';').filter(|address| !address.is_empty()) {
        let host = host_of(address);
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

/// The RPC addresses of every NameNode, as Hadoop's `DFSUtil.getNNServiceRpcAddresses`
/// lists them: each NameNode of each nameservice in `dfs.nameservices` (both of an HA
/// pair), else `dfs.namenode.rpc-address`, else `fs.defaultFS`'s.
fn namenode_addresses(conf: &Configuration) -> Vec<String> {
    let mut addresses = Vec::new();
    for id in conf.nameservice_ids() {
        if let Ok(nameservice) = conf.nameservice(&id) {
            addresses.extend(
                nameservice
                    .namenodes
                    .into_iter()
                    .map(|namenode| namenode.rpc_address),
            );
        } else if let Some(address) = conf.get_trimmed(&key_with_suffixes(
            keys::DFS_NAMENODE_RPC_ADDRESS,
            &[id.as_str()],
        )) {
            addresses.push(address);
        }
    }
    if addresses.is_empty() {
        addresses.extend(
            conf.get_trimmed(keys::DFS_NAMENODE_RPC_ADDRESS)
                .or_else(|| {
                    client::DfsClient::from_conf(conf)
                        .ok()
                        .map(|client| client.authority().to_string())
                }),
        );
    }
    addresses
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

    #[test]
    fn names_the_secondary_journal_nodes_and_host_files() {
        let mut conf = Configuration::new();
        assert_eq!(
            run_to_strings(&conf, &["-secondaryNameNodes"]),
            (0, "0.0.0.0\n".into(), String::new())
        );
        assert_eq!(
            run_to_strings(&conf, &["-journalNodes"]),
            (0, "\n".into(), String::new())
        );
        assert_eq!(
            run_to_strings(&conf, &["-excludeFile"]),
            (0, "\n".into(), String::new())
        );
        conf.set(
            keys::DFS_NAMENODE_SECONDARY_HTTP_ADDRESS,
            "snn.example:9868",
        );
        conf.set(
            keys::DFS_NAMENODE_SHARED_EDITS_DIR,
            "qjournal://jn1:8485;jn2:8485;jn1:8486/ns1",
        );
        conf.set(keys::DFS_HOSTS, "/etc/hadoop/dfs.include");
        conf.set(keys::DFS_HOSTS_EXCLUDE, " /etc/hadoop/dfs.exclude ");
        let expected = [
            ("-secondaryNameNodes", "snn.example\n"),
            ("-journalNodes", "jn1 jn2\n"),
            ("-includeFile", "/etc/hadoop/dfs.include\n"),
            ("-excludeFile", "/etc/hadoop/dfs.exclude\n"),
        ];
        for (option, out) in expected {
            assert_eq!(
                run_to_strings(&conf, &[option]),
                (0, out.to_string(), String::new()),
                "{option}"
            );
        }
        assert_eq!(run_to_strings(&conf, &["-journalNodes", "extra"]).0, 255);
    }

    #[test]
    fn lists_both_namenodes_of_an_ha_nameservice() {
        let mut conf = Configuration::new();
        conf.set(keys::DFS_NAMESERVICES, "mycluster");
        conf.set("dfs.ha.namenodes.mycluster", "nn1,nn2");
        conf.set(
            "dfs.namenode.rpc-address.mycluster.nn1",
            "nn-a.example:8020",
        );
        conf.set(
            "dfs.namenode.rpc-address.mycluster.nn2",
            "nn-b.example:8020",
        );
        conf.set("fs.defaultFS", "hdfs://mycluster");
        assert_eq!(
            run_to_strings(&conf, &["-namenodes"]),
            (0, "nn-a.example nn-b.example\n".into(), String::new())
        );
        assert_eq!(
            run_to_strings(&conf, &["-nnRpcAddresses"]),
            (
                0,
                "nn-a.example:8020\nnn-b.example:8020\n".into(),
                String::new()
            )
        );
    }
}

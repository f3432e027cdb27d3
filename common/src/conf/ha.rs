//! Nameservices: the logical names of HA NameNode pairs, as Hadoop's `DFSUtil` and `HAUtil`
//! read them from `dfs.nameservices`, `dfs.ha.namenodes.<ns>` and the per-NameNode
//! `dfs.namenode.rpc-address.<ns>.<nn>` / `dfs.namenode.http-address.<ns>.<nn>`.

use super::{ConfError, Configuration, keys};

/// One NameNode of a nameservice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaNameNode {
    /// Its id within the nameservice (`nn1`).
    pub id: String,
    /// `host:port` of its RPC server.
    pub rpc_address: String,
    /// `host:port` of its HTTP server (the nameservice-wide default when not set per NameNode).
    pub http_address: String,
}

/// A nameservice and its NameNodes, in the order `dfs.ha.namenodes.<ns>` lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nameservice {
    pub id: String,
    pub namenodes: Vec<HaNameNode>,
}

impl Nameservice {
    /// The NameNode with this id.
    pub fn namenode(&self, id: &str) -> Option<&HaNameNode> {
        self.namenodes.iter().find(|namenode| namenode.id == id)
    }

    /// The other NameNodes of the nameservice.
    pub fn others(&self, id: &str) -> impl Iterator<Item = &HaNameNode> {
        self.namenodes
            .iter()
            .filter(move |namenode| namenode.id != id)
    }
}

/// `key.<suffix>` (Hadoop's `DFSUtil.addKeySuffixes`).
pub fn key_with_suffixes(key: &str, suffixes: &[&str]) -> String {
    let mut name = key.to_string();
    for suffix in suffixes {
        name.push('.');
        name.push_str(suffix);
    }
    name
}

impl Configuration {
    /// The ids in `dfs.nameservices`.
    pub fn nameservice_ids(&self) -> Vec<String> {
        self.get_strings(keys::DFS_NAMESERVICES)
    }

    /// Whether `name` (the host of an `hdfs://name` URI) is a nameservice with HA NameNodes.
    pub fn is_ha_nameservice(&self, name: &str) -> bool {
        self.nameservice_ids().iter().any(|id| id == name)
            && !self
                .get_strings(&key_with_suffixes(keys::DFS_HA_NAMENODES_PREFIX, &[name]))
                .is_empty()
    }

    /// The NameNodes of nameservice `id`. Every NameNode needs its
    /// `dfs.namenode.rpc-address.<ns>.<nn>`; a missing one is an error naming the key.
    pub fn nameservice(&self, id: &str) -> Result<Nameservice, ConfError> {
        if !self.nameservice_ids().iter().any(|known| known == id) {
            return Err(ConfError::Invalid {
                key: keys::DFS_NAMESERVICES.into(),
                value: self.get(keys::DFS_NAMESERVICES).unwrap_or_default(),
                expected: format!("a list that names the nameservice '{id}'"),
            });
        }
        let ids_key = key_with_suffixes(keys::DFS_HA_NAMENODES_PREFIX, &[id]);
        let ids = self.get_strings(&ids_key);
        if ids.is_empty() {
            return Err(ConfError::Missing { key: ids_key });
        }
        let namenodes = ids
            .into_iter()
            .map(|nn| {
                let rpc_key = key_with_suffixes(keys::DFS_NAMENODE_RPC_ADDRESS, &[id, &nn]);
                let rpc_address = self
                    .get_trimmed(&rpc_key)
                    .ok_or(ConfError::Missing { key: rpc_key })?;
                let http_key = key_with_suffixes(keys::DFS_NAMENODE_HTTP_ADDRESS, &[id, &nn]);
                let http_address = match self.get_trimmed(&http_key) {
                    Some(address) => address,
                    None => self.get_trimmed_or_default(keys::DFS_NAMENODE_HTTP_ADDRESS)?,
                };
                Ok(HaNameNode {
                    id: nn,
                    rpc_address,
                    http_address,
                })
            })
            .collect::<Result<Vec<_>, ConfError>>()?;
        Ok(Nameservice {
            id: id.to_string(),
            namenodes,
        })
    }

    /// The nameservice this process's NameNode (or ZKFC) belongs to and its id in it, when HA
    /// is configured: `dfs.nameservice.id` (or the only entry of `dfs.nameservices`) and
    /// `dfs.ha.namenode.id`, or else the one NameNode whose RPC host is a local address.
    /// `None` without HA.
    pub fn local_ha_namenode(&self) -> Result<Option<(Nameservice, String)>, ConfError> {
        let nameservice_id = match self.get_trimmed(keys::DFS_NAMESERVICE_ID) {
            Some(id) => id,
            None => {
                let ids = self.nameservice_ids();
                let mut ha = ids.iter().filter(|id| self.is_ha_nameservice(id));
                match (ha.next(), ha.next()) {
                    (None, _) => return Ok(None),
                    (Some(id), None) => id.clone(),
                    (Some(_), Some(_)) => {
                        return Err(ConfError::Missing {
                            key: keys::DFS_NAMESERVICE_ID.into(),
                        });
                    }
                }
            }
        };
        if !self.is_ha_nameservice(&nameservice_id) {
            return Ok(None);
        }
        let nameservice = self.nameservice(&nameservice_id)?;
        if let Some(id) = self.get_trimmed(keys::DFS_HA_NAMENODE_ID) {
            if nameservice.namenode(&id).is_none() {
                return Err(ConfError::Invalid {
                    key: keys::DFS_HA_NAMENODE_ID.into(),
                    value: id,
                    expected: format!(
                        "one of the NameNodes of {nameservice_id} ({})",
                        nameservice
                            .namenodes
                            .iter()
                            .map(|namenode| namenode.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            return Ok(Some((nameservice, id)));
        }
        let local: Vec<String> = nameservice
            .namenodes
            .iter()
            .filter(|namenode| is_local_address(&namenode.rpc_address))
            .map(|namenode| namenode.id.clone())
            .collect();
        match local.as_slice() {
            [id] => {
                let id = id.clone();
                Ok(Some((nameservice, id)))
            }
            _ => Err(ConfError::Invalid {
                key: keys::DFS_HA_NAMENODE_ID.into(),
                value: String::new(),
                expected: format!(
                    "the id of this NameNode: {} of the NameNodes of {nameservice_id} have a local \
                     RPC address, so set dfs.ha.namenode.id",
                    local.len()
                ),
            }),
        }
    }
}

/// Whether `host:port` names an address of this machine (loopback or bound by an interface).
fn is_local_address(address: &str) -> bool {
    use std::net::ToSocketAddrs;
    let Ok(resolved) = address.to_socket_addrs() else {
        return false;
    };
    resolved.into_iter().any(|socket| {
        socket.ip().is_loopback()
            || socket.ip().is_unspecified()
            || std::net::TcpListener::bind((socket.ip(), 0)).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use crate::conf::test_support::*;

    fn ha_conf(extra: &[(&str, &str)]) -> Configuration {
        let mut pairs = vec![
            ("dfs.nameservices", "mycluster"),
            ("dfs.ha.namenodes.mycluster", "nn1,nn2"),
            ("dfs.namenode.rpc-address.mycluster.nn1", "127.0.0.1:8020"),
            ("dfs.namenode.rpc-address.mycluster.nn2", "127.0.0.1:8021"),
            ("dfs.namenode.http-address.mycluster.nn1", "127.0.0.1:9870"),
        ];
        pairs.extend_from_slice(extra);
        conf_with(&pairs)
    }

    #[test]
    fn nameservice_lists_its_namenodes() {
        let conf = ha_conf(&[]);
        assert!(conf.is_ha_nameservice("mycluster"));
        assert!(!conf.is_ha_nameservice("nn.example.com"));
        let nameservice = conf.nameservice("mycluster").unwrap();
        assert_eq!(nameservice.namenodes.len(), 2);
        assert_eq!(nameservice.namenodes[0].http_address, "127.0.0.1:9870");
        assert_eq!(nameservice.namenodes[1].http_address, "0.0.0.0:9870");
        assert_eq!(nameservice.others("nn1").next().unwrap().id, "nn2");
    }

    #[test]
    fn a_missing_rpc_address_is_named() {
        let conf = conf_with(&[
            ("dfs.nameservices", "mycluster"),
            ("dfs.ha.namenodes.mycluster", "nn1,nn2"),
            ("dfs.namenode.rpc-address.mycluster.nn1", "127.0.0.1:8020"),
        ]);
        assert_eq!(
            conf.nameservice("mycluster").unwrap_err().to_string(),
            "configuration dfs.namenode.rpc-address.mycluster.nn2 is missing"
        );
        assert!(conf.nameservice("other").is_err());
    }

    #[test]
    fn the_local_namenode_comes_from_its_id() {
        let conf = ha_conf(&[("dfs.ha.namenode.id", "nn2")]);
        let (nameservice, id) = conf.local_ha_namenode().unwrap().unwrap();
        assert_eq!((nameservice.id.as_str(), id.as_str()), ("mycluster", "nn2"));
        let both_local = ha_conf(&[]);
        assert!(both_local.local_ha_namenode().is_err());
        let wrong = ha_conf(&[("dfs.ha.namenode.id", "nn9")]);
        assert!(wrong.local_ha_namenode().is_err());
        assert!(conf_with(&[]).local_ha_namenode().unwrap().is_none());
    }
}

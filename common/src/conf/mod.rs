//! Hadoop-style configuration, the counterpart of `org.apache.hadoop.conf.Configuration`.
//!
//! A [`Configuration`] starts from Hadoop's defaults for the keys Tusk uses, then layers the
//! site files (`core-site.xml`, `hdfs-site.xml`, `yarn-site.xml`, `mapred-site.xml`) and the
//! generic command-line options (`-D`, `-conf`, `-fs`) on top, with Hadoop's precedence rules:
//!
//! - a later resource overrides an earlier one, unless the earlier one marked the key
//!   `<final>true</final>`;
//! - a value set programmatically ([`Configuration::set`], `-D`, `-fs`) wins over every
//!   resource, whenever that resource is added (Hadoop's "overlay").
//!
//! Values are stored raw and `${var}` references are expanded on every read, so a site file can
//! change `hadoop.tmp.dir` and every directory derived from it follows.
//!
//! Every default lives in one table ([`defaults`]); the typed getters read it when a key is
//! absent, so callers never pass a fallback of their own.
//!
//! The pieces: [`keys`] (key names), [`defaults`] (the defaults table), `xml` (reading and
//! writing resources), `generic_options` (`-D`, `-conf`, `-fs`), `values` (sizes, durations,
//! numbers, booleans, local directories), `address` (`host:port`, the NameNode's address), `ha`
//! (nameservices and their NameNodes) and `configuration` (the [`Configuration`] type).

use std::io;
use std::path::Path;

mod address;
mod configuration;
pub mod defaults;
mod dump;
mod generic_options;
mod ha;
pub mod keys;
mod values;
mod xml;

pub use address::{DEFAULT_NAMENODE_PORT, hdfs_authority, resolve_socket_addr};
pub use configuration::{Configuration, PropertyInfo};
pub use dump::{DumpError, DumpFormat};
pub use ha::{HaNameNode, Nameservice, key_with_suffixes};
pub use values::TimeUnit;
pub use xml::validate_resource;

/// Errors naming the key or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfError {
    /// A value that does not parse as the type its key requires.
    #[error("invalid value for {key}: '{value}' ({expected})")]
    Invalid {
        key: String,
        value: String,
        expected: String,
    },
    /// A key that must be set but is absent or empty.
    #[error("configuration {key} is missing")]
    Missing { key: String },
    /// A key read through a getter that needs a default, but which is neither set nor in the
    /// defaults table: a programming error the table must fix.
    #[error("configuration {key} is not set and has no default")]
    NoDefault { key: String },
    /// A resource that is not a well-formed Hadoop configuration file.
    #[error("cannot parse {file}: {reason}")]
    Parse { file: String, reason: String },
    /// A resource that cannot be read or written.
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
    /// Malformed generic command-line options.
    #[error("{0}")]
    Usage(String),
}

fn invalid(key: &str, value: impl Into<String>, expected: &str) -> ConfError {
    ConfError::Invalid {
        key: key.to_string(),
        value: value.into(),
        expected: expected.to_string(),
    }
}

fn io_error(path: &Path, source: io::Error) -> ConfError {
    ConfError::Io {
        file: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod test_support {
    pub use std::fs;
    pub use std::path::{Path, PathBuf};

    pub use super::{ConfError, Configuration, keys};

    pub fn site_xml(properties: &str) -> String {
        format!("<?xml version=\"1.0\"?>\n<configuration>\n{properties}\n</configuration>\n")
    }

    pub fn property(name: &str, value: &str) -> String {
        format!("<property><name>{name}</name><value>{value}</value></property>")
    }

    pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        path
    }

    pub fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    pub fn conf_with(pairs: &[(&str, &str)]) -> Configuration {
        let mut conf = Configuration::new();
        for &(key, value) in pairs {
            conf.set(key, value);
        }
        conf
    }
}

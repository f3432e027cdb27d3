//! Hadoop's generic command-line options (GenericOptionsParser): `-D`, `-conf` and `-fs`.

use std::path::Path;

use super::{ConfError, Configuration, keys};

impl Configuration {
    /// Consumes Hadoop's generic options (GenericOptionsParser) from `args` and returns the
    /// remaining arguments in order.
    ///
    /// Recognized anywhere in `args` up to a literal `--` (which is dropped; everything after it
    /// passes through untouched): `-D key=value`, `-Dkey=value`, `-conf FILE` (added as a
    /// resource) and `-fs URI` (sets `fs.defaultFS`; `local` means `file:///`). As in Hadoop,
    /// `-D` and `-fs` values win over `-conf` files whatever their order.
    pub fn apply_generic_options(&mut self, args: Vec<String>) -> Result<Vec<String>, ConfError> {
        let mut remaining = Vec::with_capacity(args.len());
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--" => {
                    remaining.extend(args.by_ref());
                    break;
                }
                "-D" => {
                    let definition = option_argument(&mut args, "-D", "key=value")?;
                    self.set_definition(&definition)?;
                }
                "-conf" => {
                    let file = option_argument(&mut args, "-conf", "a configuration file")?;
                    self.add_resource(Path::new(&file))?;
                }
                "-fs" => {
                    let uri = option_argument(&mut args, "-fs", "a filesystem URI")?;
                    let uri = if uri == "local" {
                        "file:///"
                    } else {
                        uri.as_str()
                    };
                    self.set(keys::FS_DEFAULT_FS, uri);
                }
                _ => match arg.strip_prefix("-D") {
                    Some(definition) => self.set_definition(definition)?,
                    None => remaining.push(arg),
                },
            }
        }
        Ok(remaining)
    }

    /// Applies one `-D` argument, `key=value`.
    fn set_definition(&mut self, definition: &str) -> Result<(), ConfError> {
        let Some((key, value)) = definition.split_once('=') else {
            return Err(ConfError::Usage(format!(
                "-D expects key=value, got '{definition}'"
            )));
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(ConfError::Usage(format!(
                "-D expects key=value with a non-empty key, got '{definition}'"
            )));
        }
        self.set(key, value);
        Ok(())
    }
}

/// The argument following a generic option, or a usage error saying what it needs.
fn option_argument(
    args: &mut impl Iterator<Item = String>,
    option: &str,
    what: &str,
) -> Result<String, ConfError> {
    match args.next() {
        Some(argument) if !argument.is_empty() => Ok(argument),
        _ => Err(ConfError::Usage(format!("{option} requires {what}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::test_support::*;

    #[test]
    fn generic_options_set_values_and_keep_other_args() {
        let dir = tempfile::tempdir().unwrap();
        let file = write_file(
            dir.path(),
            "extra.xml",
            &site_xml(&[property("from.file", "yes"), property("both", "file")].concat()),
        );
        let file_arg = file.display().to_string();
        let mut conf = Configuration::new();
        let remaining = conf
            .apply_generic_options(args(&[
                "-ls",
                "-D",
                "dfs.replication=2",
                "-Dpair=a=b",
                "-Dboth=cli",
                "-conf",
                &file_arg,
                "/path",
                "-fs",
                "hdfs://nn:8020",
                "-R",
                "--",
                "-D",
                "after=dash",
                "--",
            ]))
            .unwrap();
        assert_eq!(
            remaining,
            args(&["-ls", "/path", "-R", "-D", "after=dash", "--"])
        );
        assert_eq!(conf.get_u16(keys::DFS_REPLICATION).unwrap(), 2);
        assert_eq!(conf.get("pair").as_deref(), Some("a=b"));
        assert_eq!(conf.get("from.file").as_deref(), Some("yes"));
        // -D wins over -conf even when it comes first, as in Hadoop.
        assert_eq!(conf.get("both").as_deref(), Some("cli"));
        assert_eq!(
            conf.get(keys::FS_DEFAULT_FS).as_deref(),
            Some("hdfs://nn:8020")
        );
        assert_eq!(conf.get("after"), None);

        conf.apply_generic_options(args(&["-fs", "local", "-Dempty="]))
            .unwrap();
        assert_eq!(conf.get(keys::FS_DEFAULT_FS).as_deref(), Some("file:///"));
        assert_eq!(conf.get("empty").as_deref(), Some(""));
    }

    #[test]
    fn malformed_generic_options_are_usage_errors() {
        for bad in [
            &["-D", "novalue"][..],
            &["-Dnovalue"],
            &["-D=value"],
            &["-D"],
            &["-conf"],
            &["-fs"],
        ] {
            let error = Configuration::new()
                .apply_generic_options(args(bad))
                .unwrap_err();
            assert!(matches!(error, ConfError::Usage(_)), "{bad:?}: {error:?}");
        }
        let message = Configuration::new()
            .apply_generic_options(args(&["-Dnovalue"]))
            .unwrap_err()
            .to_string();
        assert_eq!(message, "-D expects key=value, got 'novalue'");

        let error = Configuration::new()
            .apply_generic_options(args(&["-conf", "/nonexistent/tusk/conf.xml"]))
            .unwrap_err();
        assert!(matches!(error, ConfError::Io { .. }), "{error:?}");
    }
}

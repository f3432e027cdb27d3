//! DistCp's command line (Hadoop's `OptionsParser`): the options Tusk
//! supports, the configuration keys they travel to the tasks in, and the
//! `Input Options` line the client logs.

/// `-update`: copy only what differs (`distcp.sync.folders`).
pub const SYNC_FOLDERS_KEY: &str = "distcp.sync.folders";
/// `-overwrite`: copy even what is there (`distcp.copy.overwrite`).
pub const OVERWRITE_KEY: &str = "distcp.copy.overwrite";
/// `-skipcrccheck`: compare lengths only (`distcp.skip.crc`).
pub const SKIP_CRC_KEY: &str = "distcp.skip.crc";
/// `-i`: count failed copies instead of failing the task (`distcp.ignore.failures`).
pub const IGNORE_FAILURES_KEY: &str = "distcp.ignore.failures";
/// `-p[rbugpct]`: the attributes preserved, as letters (`distcp.preserve.status`).
pub const PRESERVE_KEY: &str = "distcp.preserve.status";
/// Default number of maps (`-m`), as Hadoop's `DEFAULT_MAPS`.
pub const DEFAULT_MAPS: usize = 20;
/// Bytes one map should copy when `-m` is not given (`distcp.bytes.per.map`).
pub const BYTES_PER_MAP: u64 = 256 << 20;

pub const USAGE: &str = "usage: distcp OPTIONS [source_path...] <target_path>
              OPTIONS
 -delete              Delete from target, files missing in source
 -i                   Ignore failures during copy
 -m <arg>             Max number of concurrent maps to use for copy
 -overwrite           Choose to overwrite target files unconditionally, even if they exist.
 -p <arg>             preserve status (rbugpct)(replication, block-size, user, group,
                      permission, checksum-type, timestamps)
 -skipcrccheck        Whether to skip CRC checks between source and target paths.
 -update              Update target, copying only missing files or directories";

/// The attributes `-p` preserves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Preserve {
    pub replication: bool,
    pub block_size: bool,
    pub user: bool,
    pub group: bool,
    pub permission: bool,
    pub times: bool,
}

impl Preserve {
    /// From `-p`'s letters (`rbugpct`; `-p` alone is all of them; Hadoop's
    /// `a` and `x`, ACLs and XAttrs, are accepted and have nothing to keep).
    pub fn parse(letters: &str) -> Result<Self, String> {
        let letters = if letters.is_empty() {
            "rbugpct"
        } else {
            letters
        };
        let mut preserve = Preserve::default();
        for letter in letters.chars() {
            match letter {
                'r' => preserve.replication = true,
                'b' => preserve.block_size = true,
                'u' => preserve.user = true,
                'g' => preserve.group = true,
                'p' => preserve.permission = true,
                't' => preserve.times = true,
                'c' | 'a' | 'x' => {}
                other => return Err(format!("Invalid preserve option: {other}")),
            }
        }
        Ok(preserve)
    }

    /// The letters, for the tasks' configuration.
    pub fn letters(&self) -> String {
        [
            (self.replication, 'r'),
            (self.block_size, 'b'),
            (self.user, 'u'),
            (self.group, 'g'),
            (self.permission, 'p'),
            (self.times, 't'),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, letter)| *letter)
        .collect()
    }

    /// Hadoop's `preserveStatus=[...]` names.
    fn names(&self) -> Vec<&'static str> {
        [
            (self.replication, "REPLICATION"),
            (self.block_size, "BLOCKSIZE"),
            (self.user, "USER"),
            (self.group, "GROUP"),
            (self.permission, "PERMISSION"),
            (self.times, "TIMES"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect()
    }

    /// Whether any attribute of a directory is kept.
    pub fn any_of_directories(&self) -> bool {
        self.user || self.group || self.permission || self.times
    }
}

/// A parsed `distcp` command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub update: bool,
    pub overwrite: bool,
    pub skip_crc: bool,
    pub ignore_failures: bool,
    /// `-delete`: remove what the target has and the sources do not.
    pub delete: bool,
    pub verbose: bool,
    pub preserve: Preserve,
    /// `-m`, when given.
    pub max_maps: Option<usize>,
    pub sources: Vec<String>,
    pub target: String,
}

impl Options {
    /// Parses the arguments after the generic options; the error is
    /// Hadoop's `Invalid arguments:` reason.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Options::default();
        let mut paths = Vec::new();
        let mut words = args.iter();
        while let Some(word) = words.next() {
            match word.as_str() {
                "-update" => options.update = true,
                "-overwrite" => options.overwrite = true,
                "-skipcrccheck" => options.skip_crc = true,
                "-i" => options.ignore_failures = true,
                "-delete" => options.delete = true,
                "-v" => options.verbose = true,
                "-m" => {
                    let value = words.next().ok_or("Missing argument for option: m")?;
                    let maps = value
                        .parse::<usize>()
                        .ok()
                        .filter(|maps| *maps > 0)
                        .ok_or_else(|| format!("Number of maps is invalid: {value}"))?;
                    options.max_maps = Some(maps);
                }
                preserve if preserve.starts_with("-p") => {
                    options.preserve = Preserve::parse(&preserve[2..])?;
                }
                option if option.starts_with('-') && option.len() > 1 => {
                    return Err(format!("Unrecognized option: {option}"));
                }
                path => paths.push(path.to_string()),
            }
        }
        if paths.len() < 2 {
            return Err("Target path not specified".into());
        }
        options.target = paths.pop().expect("two paths or more");
        options.sources = paths;
        if options.update && options.overwrite {
            return Err("Overwrite and update options are mutually exclusive".into());
        }
        if options.delete && !options.sync_or_overwrite() {
            return Err(
                "Delete missing is applicable only with update or overwrite options".into(),
            );
        }
        if options.skip_crc && !options.update {
            return Err("Skip CRC is valid only with update options".into());
        }
        Ok(options)
    }

    /// Whether the contents of source directories go straight into the
    /// target (`-update` or `-overwrite`).
    pub fn sync_or_overwrite(&self) -> bool {
        self.update || self.overwrite
    }

    /// The settings the copy tasks read.
    pub fn task_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            (SYNC_FOLDERS_KEY, self.update.to_string()),
            (OVERWRITE_KEY, self.overwrite.to_string()),
            (SKIP_CRC_KEY, self.skip_crc.to_string()),
            (IGNORE_FAILURES_KEY, self.ignore_failures.to_string()),
            (PRESERVE_KEY, self.preserve.letters()),
        ]
    }

    /// Hadoop's `DistCpOptions{...}` description, for the `Input Options` log line.
    pub fn describe(&self, sources: &[String], target: &str, target_exists: bool) -> String {
        let maps = self.max_maps.unwrap_or(DEFAULT_MAPS);
        format!(
            "DistCpOptions{{atomicCommit=false, syncFolder={}, deleteMissing={}, \
             ignoreFailures={}, overwrite={}, append=false, useDiff=false, useRdiff=false, \
             fromSnapshot=null, toSnapshot=null, skipCRC={}, blocking=true, \
             numListstatusThreads=0, maxMaps={maps}, mapBandwidth=0.0, \
             copyStrategy='uniformsize', preserveStatus=[{}], atomicWorkPath=null, \
             logPath=null, sourceFileListing=null, sourcePaths=[{}], targetPath={target}, \
             filtersFile='null', blocksPerChunk=0, copyBufferSize=8192, verboseLog={}, \
             directWrite=false}}, sourcePaths=[{}], targetPathExists={target_exists}, \
             preserveRawXattrsfalse",
            self.update,
            self.delete,
            self.ignore_failures,
            self.overwrite,
            self.skip_crc,
            self.preserve.names().join(", "),
            sources.join(", "),
            self.verbose,
            sources.join(", "),
        )
    }
}

/// The flag `key` of a task's configuration (false when unset or not `true`).
pub fn flag(conf: &common::Configuration, key: &str) -> bool {
    conf.get(key)
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(&args.iter().map(|arg| arg.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_hadoops_options() {
        let options = parse(&["-update", "-pug", "-m", "3", "/a", "/b", "/dst"]).unwrap();
        assert!(options.update && !options.overwrite);
        assert_eq!(options.max_maps, Some(3));
        assert_eq!(options.sources, ["/a", "/b"]);
        assert_eq!(options.target, "/dst");
        assert_eq!(options.preserve.letters(), "ug");
        let all = parse(&["-p", "/a", "/b"]).unwrap();
        assert_eq!(all.preserve.letters(), "rbugpt");
        assert_eq!(
            Preserve::parse(&all.preserve.letters()).unwrap(),
            all.preserve
        );
    }

    #[test]
    fn rejects_what_hadoop_rejects() {
        assert_eq!(parse(&["/a"]).unwrap_err(), "Target path not specified");
        assert!(parse(&["-update", "-overwrite", "/a", "/b"]).is_err());
        assert!(parse(&["-skipcrccheck", "/a", "/b"]).is_err());
        assert!(parse(&["-update", "-skipcrccheck", "/a", "/b"]).is_ok());
        assert!(parse(&["-delete", "/a", "/b"]).is_err());
        assert!(parse(&["-update", "-delete", "/a", "/b"]).unwrap().delete);
        assert_eq!(
            parse(&["-bogus", "/a", "/b"]).unwrap_err(),
            "Unrecognized option: -bogus"
        );
        assert!(parse(&["-m", "0", "/a", "/b"]).is_err());
        assert!(parse(&["-pq", "/a", "/b"]).is_err());
    }
}

//! Command-line options of one command, parsed like Hadoop's `CommandFormat`: flags come
//! first, each a separate argument (`-R`, not `-Rf`); the first non-option, `-` or `--` ends
//! them; then the count of remaining arguments is checked.

use std::collections::BTreeSet;

/// A usage error: the command prints `-<cmd>: <message>` and its usage line, and exits 255.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

/// The flags a command accepts and how many arguments must remain after them.
pub struct CommandFormat {
    /// Fewest arguments allowed after the options.
    pub min: usize,
    /// Most arguments allowed after the options.
    pub max: usize,
    /// Flag names without the leading dash (`"R"`, `"skipTrash"`).
    pub flags: &'static [&'static str],
    /// Leave unknown options among the arguments instead of rejecting them (`-chmod -w`).
    pub ignore_unknown: bool,
}

impl CommandFormat {
    /// Accepts `flags`, then between `min` and `max` arguments.
    pub const fn new(min: usize, max: usize, flags: &'static [&'static str]) -> Self {
        Self {
            min,
            max,
            flags,
            ignore_unknown: false,
        }
    }

    /// Removes the leading options from `args` and returns the flags that were set.
    pub fn parse(&self, args: &mut Vec<String>) -> Result<Flags, UsageError> {
        let mut set = BTreeSet::new();
        let mut at = 0;
        while at < args.len() {
            let arg = &args[at];
            if !arg.starts_with('-') || arg == "-" {
                break;
            }
            if arg == "--" {
                args.remove(at);
                break;
            }
            let name = &arg[1..];
            if let Some(flag) = self.flags.iter().find(|flag| **flag == name) {
                set.insert(*flag);
                args.remove(at);
            } else if self.ignore_unknown {
                at += 1;
            } else {
                return Err(UsageError(format!("Illegal option {arg}")));
            }
        }
        if args.len() < self.min {
            return Err(UsageError(format!(
                "Not enough arguments: expected {} but got {}",
                self.min,
                args.len()
            )));
        }
        if args.len() > self.max {
            return Err(UsageError(format!(
                "Too many arguments: expected {} but got {}",
                self.max,
                args.len()
            )));
        }
        Ok(Flags(set))
    }
}

/// The flags given to a command.
#[derive(Debug, Default)]
pub struct Flags(BTreeSet<&'static str>);

impl Flags {
    /// Whether `flag` (without its dash) was given.
    pub fn has(&self, flag: &str) -> bool {
        self.0.contains(flag)
    }

    /// How many distinct flags were given.
    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// The given flags, in name order.
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().copied()
    }
}

/// Removes `option` and the argument after it from `args` (before any `--`), returning that
/// argument (Hadoop's `StringUtils.popOptionWithArgument`).
pub fn pop_option_with_argument(
    option: &str,
    args: &mut Vec<String>,
) -> Result<Option<String>, UsageError> {
    let Some(at) = args
        .iter()
        .take_while(|arg| *arg != "--")
        .position(|arg| arg == option)
    else {
        return Ok(None);
    };
    if at + 1 >= args.len() {
        return Err(UsageError(format!("option {option} requires 1 argument.")));
    }
    let value = args.remove(at + 1);
    args.remove(at);
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn parses_flags_until_the_first_argument() {
        let format = CommandFormat::new(0, usize::MAX, &["R", "d", "skipTrash"]);
        let mut list = args(&["-R", "-skipTrash", "/a", "-d"]);
        let flags = format.parse(&mut list).unwrap();
        assert!(flags.has("R") && flags.has("skipTrash") && !flags.has("d"));
        assert_eq!(flags.count(), 2);
        assert_eq!(list, args(&["/a", "-d"]));

        let mut list = args(&["-d", "--", "-R"]);
        let flags = format.parse(&mut list).unwrap();
        assert_eq!(flags.iter().collect::<Vec<_>>(), ["d"]);
        assert_eq!(list, args(&["-R"]));

        let mut list = args(&["-", "x"]);
        assert_eq!(format.parse(&mut list).unwrap().count(), 0);
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn rejects_unknown_options_and_wrong_counts() {
        let format = CommandFormat::new(1, 1, &["e"]);
        let mut list = args(&["-x", "/a"]);
        assert_eq!(
            format.parse(&mut list).unwrap_err(),
            UsageError("Illegal option -x".into())
        );
        let mut list = args(&["-e"]);
        assert_eq!(
            format.parse(&mut list).unwrap_err().0,
            "Not enough arguments: expected 1 but got 0"
        );
        let mut list = args(&["/a", "/b"]);
        assert_eq!(
            format.parse(&mut list).unwrap_err().0,
            "Too many arguments: expected 1 but got 2"
        );
        // Combined flags are not split.
        let mut list = args(&["-ee", "/a"]);
        assert!(format.parse(&mut list).is_err());
    }

    #[test]
    fn can_leave_unknown_options_in_place() {
        let format = CommandFormat {
            ignore_unknown: true,
            ..CommandFormat::new(2, usize::MAX, &["R"])
        };
        let mut list = args(&["-R", "-w", "/f"]);
        assert!(format.parse(&mut list).unwrap().has("R"));
        assert_eq!(list, args(&["-w", "/f"]));
    }

    #[test]
    fn pops_an_option_with_its_argument() {
        let mut list = args(&["-a", "-t", "20240101:120000", "/f"]);
        let value = pop_option_with_argument("-t", &mut list).unwrap();
        assert_eq!(value.as_deref(), Some("20240101:120000"));
        assert_eq!(list, args(&["-a", "/f"]));
        assert_eq!(pop_option_with_argument("-t", &mut list).unwrap(), None);
        let mut list = args(&["/f", "-t"]);
        assert_eq!(
            pop_option_with_argument("-t", &mut list).unwrap_err().0,
            "option -t requires 1 argument."
        );
        let mut list = args(&["--", "-t", "x"]);
        assert_eq!(pop_option_with_argument("-t", &mut list).unwrap(), None);
    }
}

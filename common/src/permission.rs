//! POSIX-style permissions as HDFS keeps them: nine rwx bits plus the sticky bit.

use std::fmt;

/// What an access needs: a subset of read (4), write (2), execute (1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FsAction(pub u8);

impl FsAction {
    pub const NONE: FsAction = FsAction(0);
    pub const EXECUTE: FsAction = FsAction(1);
    pub const WRITE: FsAction = FsAction(2);
    pub const WRITE_EXECUTE: FsAction = FsAction(3);
    pub const READ: FsAction = FsAction(4);
    pub const READ_EXECUTE: FsAction = FsAction(5);
    pub const ALL: FsAction = FsAction(7);

    /// Whether `granted` bits cover every bit this action needs.
    pub fn is_granted_by(self, granted: u8) -> bool {
        granted & self.0 == self.0
    }

    /// Hadoop's symbolic name (`WRITE`, `READ_EXECUTE`, ...), used in errors.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "NONE",
            1 => "EXECUTE",
            2 => "WRITE",
            3 => "WRITE_EXECUTE",
            4 => "READ",
            5 => "READ_EXECUTE",
            6 => "READ_WRITE",
            _ => "ALL",
        }
    }
}

/// Permission bits of an inode (`0o1777` at most).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct FsPermission(u16);

impl FsPermission {
    pub const STICKY: u16 = 0o1000;

    /// Keeps only the permission and sticky bits of `mode`.
    pub fn new(mode: u16) -> Self {
        Self(mode & 0o1777)
    }

    pub fn bits(self) -> u16 {
        self.0
    }

    pub fn sticky(self) -> bool {
        self.0 & Self::STICKY != 0
    }

    pub fn user_action(self) -> u8 {
        ((self.0 >> 6) & 7) as u8
    }

    pub fn group_action(self) -> u8 {
        ((self.0 >> 3) & 7) as u8
    }

    pub fn other_action(self) -> u8 {
        (self.0 & 7) as u8
    }

    /// Default for new directories (0777) or files (0666), minus `umask`.
    pub fn default_for(is_directory: bool, umask: FsPermission) -> Self {
        let base = if is_directory { 0o777 } else { 0o666 };
        Self::new(base & !umask.0)
    }

    /// Parses an octal mode such as `755` or `1777`.
    pub fn from_octal(text: &str) -> Option<Self> {
        if text.is_empty() || text.len() > 4 {
            return None;
        }
        u16::from_str_radix(text, 8)
            .ok()
            .filter(|mode| *mode <= 0o1777)
            .map(Self::new)
    }

    /// Applies a chmod mode, octal (`644`) or symbolic (`u+x,go-w`, `a=rX`,
    /// `+t`), to the current permission as Hadoop's ChmodParser does.
    pub fn apply_chmod(self, spec: &str, is_directory: bool) -> Result<Self, String> {
        if let Some(octal) = Self::from_octal(spec) {
            return Ok(octal);
        }
        let mut mode = self.0;
        for clause in spec.split(',') {
            mode = apply_symbolic_clause(mode, clause, is_directory).ok_or_else(|| {
                format!("chmod : mode '{spec}' does not match the expected pattern.")
            })?;
        }
        Ok(Self::new(mode))
    }
}

fn apply_symbolic_clause(mode: u16, clause: &str, is_directory: bool) -> Option<u16> {
    let operator_at = clause.find(['+', '-', '='])?;
    let (who, rest) = clause.split_at(operator_at);
    let mut who_mask = 0u16;
    for c in who.chars() {
        who_mask |= match c {
            'u' => 0o700,
            'g' => 0o070,
            'o' => 0o007,
            'a' => 0o777,
            _ => return None,
        };
    }
    if who_mask == 0 {
        who_mask = 0o777;
    }
    let mut chars = rest.chars();
    let operator = chars.next()?;
    let mut rwx = 0u16;
    let mut sticky = false;
    for c in chars {
        match c {
            'r' => rwx |= 0o444,
            'w' => rwx |= 0o222,
            'x' => rwx |= 0o111,
            // X: execute only for directories or when someone already has it.
            'X' if is_directory || mode & 0o111 != 0 => rwx |= 0o111,
            'X' => {}
            't' => sticky = true,
            _ => return None,
        }
    }
    let bits = rwx & who_mask;
    let sticky_bit = if sticky { FsPermission::STICKY } else { 0 };
    Some(match operator {
        '+' => mode | bits | sticky_bit,
        '-' => mode & !bits & !sticky_bit,
        _ => (mode & !who_mask & !FsPermission::STICKY) | bits | sticky_bit,
    })
}

impl fmt::Display for FsPermission {
    /// `rwxr-xr-x`, with `t`/`T` in the last place for the sticky bit.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = [b'-'; 9];
        for (i, c) in b"rwxrwxrwx".iter().enumerate() {
            if self.0 & (0o400 >> i) != 0 {
                text[i] = *c;
            }
        }
        if self.sticky() {
            text[8] = if text[8] == b'x' { b't' } else { b'T' };
        }
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Octal for FsPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Octal::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_ls() {
        assert_eq!(FsPermission::new(0o755).to_string(), "rwxr-xr-x");
        assert_eq!(FsPermission::new(0o1777).to_string(), "rwxrwxrwt");
        assert_eq!(FsPermission::new(0o1776).to_string(), "rwxrwxrwT");
        assert_eq!(FsPermission::new(0).to_string(), "---------");
    }

    #[test]
    fn umask_applies_to_defaults() {
        let umask = FsPermission::new(0o022);
        assert_eq!(FsPermission::default_for(true, umask).bits(), 0o755);
        assert_eq!(FsPermission::default_for(false, umask).bits(), 0o644);
    }

    #[test]
    fn chmod_octal_and_symbolic() {
        let p = FsPermission::new(0o644);
        assert_eq!(p.apply_chmod("700", false).unwrap().bits(), 0o700);
        assert_eq!(p.apply_chmod("u+x", false).unwrap().bits(), 0o744);
        assert_eq!(p.apply_chmod("go-r", false).unwrap().bits(), 0o600);
        assert_eq!(p.apply_chmod("a=r", false).unwrap().bits(), 0o444);
        assert_eq!(p.apply_chmod("+x", false).unwrap().bits(), 0o755);
        assert_eq!(p.apply_chmod("u+x,g+w", false).unwrap().bits(), 0o764);
        assert_eq!(p.apply_chmod("a+X", false).unwrap().bits(), 0o644);
        assert_eq!(p.apply_chmod("a+X", true).unwrap().bits(), 0o755);
        assert_eq!(p.apply_chmod("+t", true).unwrap().bits(), 0o1644);
        assert!(p.apply_chmod("q+x", false).is_err());
        assert!(p.apply_chmod("u+z", false).is_err());
        assert!(p.apply_chmod("999", false).is_err());
    }

    #[test]
    fn actions_are_checked_bitwise() {
        assert!(FsAction::WRITE_EXECUTE.is_granted_by(7));
        assert!(!FsAction::WRITE_EXECUTE.is_granted_by(5));
        assert!(FsAction::NONE.is_granted_by(0));
    }
}

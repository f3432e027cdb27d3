//! WebHDFS query parameters: Hadoop's names (case-insensitive), defaults,
//! ranges and error texts. A bad value is Hadoop's
//! `Invalid value for webhdfs parameter "NAME": REASON` (400).

use crate::permission::FsAction;
use crate::{FsPermission, RemoteException};

/// Hadoop's default `user.name` / `doas` pattern
/// (`dfs.webhdfs.user.provider.user.pattern`).
const USER_PATTERN: &str = "^[A-Za-z_][A-Za-z0-9._-]*[$]?$";
/// The `fsaction` pattern of Hadoop's `FsActionParam`.
const FS_ACTION_PATTERN: &str = "[r-][w-][x-]";

/// The query parameters of one request.
#[derive(Clone, Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

fn invalid(name: &str, reason: impl std::fmt::Display) -> RemoteException {
    RemoteException::illegal_argument(format!(
        "Invalid value for webhdfs parameter \"{name}\": {reason}"
    ))
}

fn out_of_domain(name: &str, value: &str, domain: &str) -> RemoteException {
    invalid(
        name,
        format!("Invalid value: \"{value}\" does not belong to the domain {domain}"),
    )
}

impl Params {
    /// The decoded `name=value` pairs of a query; names are matched
    /// case-insensitively, as Hadoop's `ParamFilter` lower-cases them.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        let pairs = pairs
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .collect();
        Self { pairs }
    }

    /// The first value of `name`; an empty value counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    /// Hadoop's `validateOpParams`: `name` must be given for `op`.
    pub fn required<T>(value: Option<T>, name: &str, op: &str) -> Result<T, RemoteException> {
        value.ok_or_else(|| {
            RemoteException::illegal_argument(format!(
                "Required param {name} for op: {op} is null or empty"
            ))
        })
    }

    fn long(&self, name: &str, min: i64) -> Result<Option<i64>, RemoteException> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        let value: i64 = text.parse().map_err(|_| {
            invalid(
                name,
                format!("Failed to parse \"{text}\" as a radix-10 long integer."),
            )
        })?;
        if value < min {
            return Err(invalid(
                name,
                format!("Invalid parameter range: {name} = {value} < {min}"),
            ));
        }
        Ok(Some(value))
    }

    fn boolean(&self, name: &str, default: bool) -> Result<bool, RemoteException> {
        match self.get(name) {
            None => Ok(default),
            Some(text) if text.eq_ignore_ascii_case("true") => Ok(true),
            Some(text) if text.eq_ignore_ascii_case("false") => Ok(false),
            Some(text) => Err(invalid(
                name,
                format!("Failed to parse \"{text}\" to Boolean."),
            )),
        }
    }

    /// `offset`: where a read starts (default 0).
    pub fn offset(&self) -> Result<u64, RemoteException> {
        Ok(self.long("offset", 0)?.unwrap_or(0) as u64)
    }

    /// `length`: how many bytes to read (default: to the end).
    pub fn length(&self) -> Result<Option<u64>, RemoteException> {
        Ok(self.long("length", 0)?.map(|length| length as u64))
    }

    /// `newlength` of TRUNCATE (no default).
    pub fn new_length(&self) -> Result<Option<u64>, RemoteException> {
        Ok(self.long("newlength", 0)?.map(|length| length as u64))
    }

    /// `buffersize`: checked (at least 1) and passed on; Tusk's streams
    /// size their own buffers.
    pub fn buffer_size(&self) -> Result<Option<u64>, RemoteException> {
        let value = self.long("buffersize", 1)?;
        if value.is_some_and(|size| size > i64::from(i32::MAX)) {
            return Err(invalid(
                "buffersize",
                "Invalid parameter range: buffersize > 2147483647",
            ));
        }
        Ok(value.map(|size| size as u64))
    }

    /// `blocksize` of a new file (default: the NameNode's).
    pub fn block_size(&self) -> Result<Option<u64>, RemoteException> {
        Ok(self.long("blocksize", 1)?.map(|size| size as u64))
    }

    /// SETQUOTA's `namespacequota` and `storagespacequota` (at least -1, which clears;
    /// absent: Hadoop's `QUOTA_DONT_SET`, `Long.MAX_VALUE`).
    pub fn quotas(&self) -> Result<(i64, i64), RemoteException> {
        let namespace = self.long("namespacequota", -1)?.unwrap_or(i64::MAX);
        let space = self.long("storagespacequota", -1)?.unwrap_or(i64::MAX);
        Ok((namespace, space))
    }

    /// `replication` (a Java short, at least 1; default: the NameNode's).
    pub fn replication(&self) -> Result<Option<u16>, RemoteException> {
        let Some(text) = self.get("replication") else {
            return Ok(None);
        };
        let value: i16 = text.parse().map_err(|_| {
            invalid(
                "replication",
                format!("Failed to parse \"{text}\" as a radix-10 short integer."),
            )
        })?;
        if value < 1 {
            return Err(invalid(
                "replication",
                format!("Invalid parameter range: replication = {value} < 1"),
            ));
        }
        Ok(Some(value as u16))
    }

    /// `permission`, octal, at most 1777.
    pub fn permission(&self) -> Result<Option<FsPermission>, RemoteException> {
        let Some(text) = self.get("permission") else {
            return Ok(None);
        };
        let value = i16::from_str_radix(text, 8).map_err(|_| {
            invalid(
                "permission",
                format!("Failed to parse \"{text}\" as a radix-8 short integer."),
            )
        })?;
        if !(0..=0o1777).contains(&value) {
            let bound = if value < 0 { "< 0" } else { "> 1777" };
            return Err(invalid(
                "permission",
                format!("Invalid parameter range: permission = {text} {bound}"),
            ));
        }
        Ok(Some(FsPermission::new(value as u16)))
    }

    /// `overwrite` of CREATE (default false).
    pub fn overwrite(&self) -> Result<bool, RemoteException> {
        self.boolean("overwrite", false)
    }

    /// `recursive` of DELETE (default false).
    pub fn recursive(&self) -> Result<bool, RemoteException> {
        self.boolean("recursive", false)
    }

    /// `noredirect`: answer `200 {"Location": ...}` instead of a 307.
    pub fn no_redirect(&self) -> Result<bool, RemoteException> {
        self.boolean("noredirect", false)
    }

    /// `excludedatanodes` of CREATE, OPEN and APPEND: DataNodes the redirect
    /// must not name, each `host:xferport` or a bare host (every DataNode on it).
    pub fn exclude_datanodes(&self) -> Vec<&str> {
        self.get("excludedatanodes")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|entry| !entry.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `createparent` of CREATE (default true).
    pub fn create_parent(&self) -> Result<bool, RemoteException> {
        self.boolean("createparent", true)
    }

    /// `destination` of RENAME: an absolute path.
    pub fn destination(&self) -> Result<Option<&str>, RemoteException> {
        let Some(destination) = self.get("destination") else {
            return Ok(None);
        };
        if !destination.starts_with('/') {
            return Err(invalid(
                "destination",
                format!(
                    "Invalid parameter value: destination = \"{destination}\" is not an absolute path."
                ),
            ));
        }
        Ok(Some(destination))
    }

    fn user_param(&self, name: &str) -> Result<Option<&str>, RemoteException> {
        let Some(user) = self.get(name) else {
            return Ok(None);
        };
        if !is_user_name(user) {
            return Err(out_of_domain(name, user, USER_PATTERN));
        }
        Ok(Some(user))
    }

    /// `user.name`: who the request acts as (simple authentication).
    pub fn user(&self) -> Result<Option<&str>, RemoteException> {
        self.user_param("user.name")
    }

    /// `doas`: the user `user.name` asks to act for (proxy users).
    pub fn doas(&self) -> Result<Option<&str>, RemoteException> {
        self.user_param("doas")
    }

    /// Who the request acts as: `user.name`, else `static_user`
    /// (`hadoop.http.staticuser.user`). Tusk has no proxy users, so a `doas`
    /// naming someone else is refused as Hadoop refuses an unauthorized proxy.
    pub fn acting_user(&self, static_user: &str) -> Result<String, RemoteException> {
        let user = self.user()?.unwrap_or(static_user).to_string();
        match self.doas()? {
            Some(doas) if doas != user => Err(RemoteException::new(
                crate::ExceptionKind::Authorization,
                format!("User: {user} is not allowed to impersonate {doas}"),
            )),
            _ => Ok(user),
        }
    }

    /// `modificationtime` of SETTIMES in ms (default -1: unchanged).
    pub fn modification_time(&self) -> Result<i64, RemoteException> {
        Ok(self.long("modificationtime", -1)?.unwrap_or(-1))
    }

    /// `accesstime` of SETTIMES in ms (default -1: unchanged).
    pub fn access_time(&self) -> Result<i64, RemoteException> {
        Ok(self.long("accesstime", -1)?.unwrap_or(-1))
    }

    /// `fsaction` of CHECKACCESS, `[r-][w-][x-]`.
    pub fn fs_action(&self) -> Result<Option<FsAction>, RemoteException> {
        let Some(symbol) = self.get("fsaction") else {
            return Ok(None);
        };
        let bytes = symbol.as_bytes();
        let well_formed = bytes.len() == 3
            && matches!(bytes[0], b'r' | b'-')
            && matches!(bytes[1], b'w' | b'-')
            && matches!(bytes[2], b'x' | b'-');
        if !well_formed {
            return Err(out_of_domain("fsaction", symbol, FS_ACTION_PATTERN));
        }
        let bits = bytes
            .iter()
            .zip([4u8, 2, 1])
            .filter(|(byte, _)| **byte != b'-')
            .map(|(_, bit)| bit)
            .sum();
        Ok(Some(FsAction(bits)))
    }
}

/// Whether `user` matches [`USER_PATTERN`].
fn is_user_name(user: &str) -> bool {
    let body = user.strip_suffix('$').unwrap_or(user);
    let mut chars = body.chars();
    let first_ok = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_');
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::new(
            pairs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        )
    }

    #[test]
    fn names_are_case_insensitive_and_defaults_apply() {
        let p = params(&[("Offset", "5"), ("OVERWRITE", "TRUE")]);
        assert_eq!(p.offset().unwrap(), 5);
        assert!(p.overwrite().unwrap());
        assert!(p.create_parent().unwrap());
        assert_eq!(p.length().unwrap(), None);
        assert_eq!(p.modification_time().unwrap(), -1);
    }

    #[test]
    fn bad_values_get_hadoops_messages() {
        let error = params(&[("length", "-1")]).length().unwrap_err();
        assert_eq!(
            error.message,
            "Invalid value for webhdfs parameter \"length\": Invalid parameter range: length = -1 < 0"
        );
        let error = params(&[("offset", "x")]).offset().unwrap_err();
        assert!(
            error
                .message
                .contains("Failed to parse \"x\" as a radix-10 long integer.")
        );
        let error = params(&[("permission", "2000")]).permission().unwrap_err();
        assert!(
            error.message.ends_with("permission = 2000 > 1777"),
            "{error}"
        );
        let error = params(&[("permission", "9")]).permission().unwrap_err();
        assert!(error.message.contains("radix-8 short"), "{error}");
        let error = params(&[("recursive", "yes")]).recursive().unwrap_err();
        assert!(error.message.contains("to Boolean"), "{error}");
        let error = params(&[("destination", "a/b")]).destination().unwrap_err();
        assert!(error.message.contains("is not an absolute path"), "{error}");
        let error = params(&[("user.name", "1bad")]).user().unwrap_err();
        assert!(
            error.message.contains("does not belong to the domain"),
            "{error}"
        );
        let error = params(&[("replication", "0")]).replication().unwrap_err();
        assert!(error.message.contains("replication = 0 < 1"), "{error}");
    }

    #[test]
    fn permissions_users_and_actions_parse() {
        let p = params(&[
            ("permission", "1777"),
            ("user.name", "svc$"),
            ("fsaction", "r-x"),
        ]);
        assert_eq!(p.permission().unwrap(), Some(FsPermission::new(0o1777)));
        assert_eq!(p.user().unwrap(), Some("svc$"));
        assert_eq!(p.fs_action().unwrap(), Some(FsAction::READ_EXECUTE));
        assert!(params(&[("fsaction", "rwz")]).fs_action().is_err());
        assert_eq!(params(&[]).acting_user("dr.who").unwrap(), "dr.who");
        let proxied = params(&[("user.name", "ann"), ("doas", "bob")]);
        assert_eq!(
            proxied.acting_user("dr.who").unwrap_err().message,
            "User: ann is not allowed to impersonate bob"
        );
        assert_eq!(
            Params::required(None::<&str>, "destination", "RENAME")
                .unwrap_err()
                .message,
            "Required param destination for op: RENAME is null or empty"
        );
    }
}

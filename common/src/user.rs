//! Who the caller is, under Hadoop's simple authentication.

/// `HADOOP_USER_NAME` if set, else the operating-system user running us.
pub fn current_user() -> String {
    match std::env::var("HADOOP_USER_NAME") {
        Ok(name) if !name.is_empty() => name,
        _ => os_user(),
    }
}

/// The operating-system user of this process (effective uid).
pub fn os_user() -> String {
    // SAFETY: getpwuid_r writes into the buffers we pass and, on success,
    // points `result` at `entry`, whose strings live in `buffer`.
    unsafe {
        let uid = libc::geteuid();
        let mut entry: libc::passwd = std::mem::zeroed();
        let mut buffer = vec![0 as libc::c_char; 4096];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let status = libc::getpwuid_r(
            uid,
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut result,
        );
        if status != 0 || result.is_null() || entry.pw_name.is_null() {
            return format!("uid{uid}");
        }
        std::ffi::CStr::from_ptr(entry.pw_name)
            .to_string_lossy()
            .into_owned()
    }
}

/// The protocol a call came in by, as Hadoop's audit log names it (`proto=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallProtocol {
    /// Tusk's gRPC ClientProtocol or Hadoop IPC: Hadoop calls both `rpc`.
    Rpc,
    /// WebHDFS on the NameNode's HTTP port.
    WebHdfs,
}

impl CallProtocol {
    /// `rpc` or `webhdfs`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rpc => "rpc",
            Self::WebHdfs => "webhdfs",
        }
    }
}

/// Hadoop's CallerContext: what a client says about why it calls (a job id, a
/// query), carried by Hadoop IPC's request header and logged by the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerContext {
    pub context: String,
    pub signature: Vec<u8>,
}

/// Where a call came from, beside who made it: what the NameNode's audit log
/// says of it. Calls the NameNode makes on its own behalf have none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOrigin {
    /// The peer's address; `None` when the transport did not say.
    pub address: Option<std::net::IpAddr>,
    pub protocol: CallProtocol,
    pub caller_context: Option<CallerContext>,
}

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
    // SAFETY: getpwuid returns a pointer into static storage or null; we copy
    // the name out before any other call could overwrite it.
    unsafe {
        let entry = libc::getpwuid(libc::geteuid());
        if entry.is_null() || (*entry).pw_name.is_null() {
            return format!("uid{}", libc::geteuid());
        }
        std::ffi::CStr::from_ptr((*entry).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}

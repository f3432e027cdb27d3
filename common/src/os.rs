//! Thin wrappers over Linux calls the daemons use as hints: writeback of
//! written file ranges, dropping them from the page cache, and the CPU
//! priority of background threads.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

/// Asks the kernel to start writing back `len` bytes of `file` from `from`
/// (`len` 0: to the end) without waiting, so a later fsync has little left
/// to do and other files' fsyncs do not queue behind a large flush. Only a
/// hint: write errors surface at fsync.
pub fn start_writeback(file: &File, from: u64, len: u64) {
    // SAFETY: sync_file_range on an open file descriptor, no pointers.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            from as libc::off64_t,
            len as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

/// Asks the kernel to drop `len` bytes of `file` from `from` (`len` 0: to
/// the end) out of the page cache. Only clean pages go: call it on ranges
/// whose writeback is done or under way. Only a hint.
pub fn drop_from_cache(file: &File, from: u64, len: u64) {
    // SAFETY: posix_fadvise on an open file descriptor, no pointers.
    unsafe {
        libc::posix_fadvise(
            file.as_raw_fd(),
            from as libc::off_t,
            len as libc::off_t,
            libc::POSIX_FADV_DONTNEED,
        );
    }
}

/// Gives the calling thread (not its whole process) the lowest CPU
/// priority, so background work only uses time that request handling leaves:
/// SCHED_IDLE, else nice 19 where that is refused.
pub fn set_thread_idle() -> io::Result<()> {
    // SAFETY: sched_param is plain data; pid 0 is the calling thread.
    let idle = unsafe {
        let param: libc::sched_param = std::mem::zeroed();
        libc::sched_setscheduler(0, libc::SCHED_IDLE, &param)
    };
    if idle == 0 {
        return Ok(());
    }
    // SAFETY: gettid and setpriority take no pointers; PRIO_PROCESS with a
    // thread id changes that one thread on Linux.
    let result = unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19)
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Bytes written before their writeback is started by [`WritebackFile`].
const WRITEBACK_WINDOW: u64 = 8 << 20;

/// A file whose written bytes are sent to the disk every few MiB, for large
/// files written in one go (images, checkpoints): the final fsync then has
/// little left, and the edit log's small fsyncs meanwhile do not wait behind
/// a flush of the whole file.
pub struct WritebackFile {
    file: File,
    written: u64,
}

impl WritebackFile {
    pub fn new(file: File) -> Self {
        Self { file, written: 0 }
    }

    /// The file, for its fsync.
    pub fn file(&self) -> &File {
        &self.file
    }

    pub fn into_inner(self) -> File {
        self.file
    }
}

impl io::Write for WritebackFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.file.write(buf)?;
        let before = self.written;
        self.written += written as u64;
        if before / WRITEBACK_WINDOW != self.written / WRITEBACK_WINDOW {
            let window_end = self.written / WRITEBACK_WINDOW * WRITEBACK_WINDOW;
            start_writeback(&self.file, window_end - WRITEBACK_WINDOW, WRITEBACK_WINDOW);
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

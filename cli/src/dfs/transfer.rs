//! Moving file contents for the copy commands (Hadoop's `CommandWithDestination
//! .copyStreamToTarget`): bytes streamed in 1 MiB pieces from a local file, stdin or a file
//! on `hdfs://` or `webhdfs://` into such a file or a local one, written as `<target>._COPYING_` and renamed into place, with
//! a progress bar on a terminal for large files.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use client::CreateOptions;
use common::conf::keys;
use common::{Configuration, FsPermission, RemoteException};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::fs::{FileSystem, Reader, Writer};
use super::shell::PathItem;

/// Bytes moved per read and write.
pub const BUFFER_SIZE: usize = 1 << 20;
/// What a copy is called until it is complete.
pub const COPYING_SUFFIX: &str = "._COPYING_";
/// Files larger than this get a progress bar (on a terminal).
const PROGRESS_THRESHOLD: u64 = 8 << 20;

/// `<name>._COPYING_`: where a copy to `name` is written before it is renamed.
pub fn copying_name(name: &str) -> String {
    format!("{name}{COPYING_SUFFIX}")
}

/// The local counterpart of [`copying_name`].
pub fn copying_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(COPYING_SUFFIX);
    PathBuf::from(name)
}

/// `'<display>': <reason>` for a failed local file operation, worded like Hadoop's.
pub fn local_error(display: &str, error: &std::io::Error) -> RemoteException {
    match error.kind() {
        std::io::ErrorKind::NotFound => RemoteException::not_found(display),
        std::io::ErrorKind::PermissionDenied => {
            RemoteException::io(format!("'{display}': Permission denied"))
        }
        _ => RemoteException::io(format!("'{display}': {error}")),
    }
}

/// How new DFS files are created: the configured replication and block size, the umask
/// applied, parents created.
pub fn create_options(
    conf: &Configuration,
    fs: &FileSystem,
) -> Result<CreateOptions, RemoteException> {
    let config_error = |error: common::conf::ConfError| RemoteException::io(error.to_string());
    Ok(CreateOptions {
        permission: FsPermission::default_for(false, fs.umask()),
        overwrite: true,
        create_parent: true,
        replication: conf.get_u16(keys::DFS_REPLICATION).map_err(config_error)?,
        block_size: conf
            .get_size_bytes(keys::DFS_BLOCKSIZE)
            .map_err(config_error)?,
    })
}

/// Whether a copy of `total` bytes shows a progress bar.
pub fn shows_progress(total: u64, stderr_is_terminal: bool) -> bool {
    stderr_is_terminal && total > PROGRESS_THRESHOLD
}

/// A progress bar on stderr, or nothing when stderr is not a terminal or the copy is small.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// Starts a bar labelled `label` for `total` bytes (`None`: unknown, no bar).
    pub fn start(label: &str, total: Option<u64>) -> Self {
        let Some(total) =
            total.filter(|&total| shows_progress(total, std::io::stderr().is_terminal()))
        else {
            return Self(None);
        };
        let style = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .map(|style| style.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        let bar = indicatif::ProgressBar::new(total)
            .with_style(style)
            .with_message(label.to_string());
        Self(Some(bar))
    }

    /// No bar at all.
    pub fn none() -> Self {
        Self(None)
    }

    fn advance(&self, bytes: usize) {
        if let Some(bar) = &self.0 {
            bar.inc(bytes as u64);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Where copied bytes come from.
pub enum CopySource {
    /// A local file or stdin, with the name errors show.
    Local {
        input: Box<dyn AsyncRead + Unpin + Send>,
        display: String,
    },
    /// A file on `hdfs://` or `webhdfs://`.
    Dfs(Reader),
}

impl CopySource {
    /// Opens local file `path`, shown as `display` in errors.
    pub async fn open_local(path: &Path, display: &str) -> Result<Self, RemoteException> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|error| local_error(display, &error))?;
        Ok(Self::Local {
            input: Box::new(file),
            display: display.to_string(),
        })
    }

    /// Standard input (the `-` argument).
    pub fn stdin() -> Self {
        Self::Local {
            input: Box::new(tokio::io::stdin()),
            display: "-".to_string(),
        }
    }

    async fn read(&mut self, buffer: &mut [u8]) -> Result<usize, RemoteException> {
        match self {
            Self::Local { input, display } => input
                .read(buffer)
                .await
                .map_err(|error| local_error(display, &error)),
            Self::Dfs(reader) => reader.read(buffer).await,
        }
    }
}

/// Where copied bytes go.
pub enum CopySink {
    /// A local file, with the name errors show.
    Local {
        output: Box<dyn AsyncWrite + Unpin + Send>,
        display: String,
    },
    /// A file on `hdfs://` or `webhdfs://` being written.
    Dfs(Writer),
}

impl CopySink {
    /// Writes all of `data`.
    pub async fn write(&mut self, data: &[u8]) -> Result<(), RemoteException> {
        match self {
            Self::Local { output, display } => output
                .write_all(data)
                .await
                .map_err(|error| local_error(display, &error)),
            Self::Dfs(writer) => writer.write(data).await,
        }
    }

    /// Flushes a local file or closes a DFS file.
    pub async fn finish(self) -> Result<(), RemoteException> {
        match self {
            Self::Local {
                mut output,
                display,
            } => output
                .shutdown()
                .await
                .map_err(|error| local_error(&display, &error)),
            Self::Dfs(writer) => writer.close().await,
        }
    }
}

/// Copies everything left in `source` to `sink`; returns the byte count.
pub async fn pump(
    source: &mut CopySource,
    sink: &mut CopySink,
    progress: &Progress,
) -> Result<u64, RemoteException> {
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut copied = 0u64;
    loop {
        let read = source.read(&mut buffer).await?;
        if read == 0 {
            return Ok(copied);
        }
        sink.write(&buffer[..read]).await?;
        progress.advance(read);
        copied += read as u64;
    }
}

/// Writes `source` to the DFS file `target` (which the caller checked may be replaced): into
/// `target._COPYING_`, renamed over `target` once complete, or with `direct` straight into
/// `target`. A failed copy leaves nothing behind (not even, with `direct`, the old `target`
/// it had begun to replace).
pub async fn write_to_dfs(
    source: &mut CopySource,
    target: &PathItem,
    options: &CreateOptions,
    direct: bool,
    total: Option<u64>,
) -> Result<(), RemoteException> {
    let fs = &target.fs;
    let written = if direct {
        target.path.clone()
    } else {
        copying_name(&target.path)
    };
    // Nothing to clean up when the file cannot even be created.
    let mut sink = CopySink::Dfs(fs.create_writer(&written, options).await?);
    let progress = Progress::start(&target.display, total);
    let copied = async {
        pump(source, &mut sink, &progress).await?;
        sink.finish().await?;
        if !direct {
            fs.rename(&written, &target.path, true, false).await?;
        }
        Ok(())
    }
    .await;
    if copied.is_err() {
        // Best effort, like Hadoop's delete-on-exit of the temporary file.
        let _ = fs.delete(&written, false).await;
    }
    copied
}

/// Writes `source` to local file `target`, shown as `display`: into `target._COPYING_`, then
/// renamed over `target`. A failed copy leaves nothing behind.
pub async fn write_to_local(
    source: &mut CopySource,
    target: &Path,
    display: &str,
    total: Option<u64>,
) -> Result<(), RemoteException> {
    let written = copying_path(target);
    let written_display = copying_name(display);
    let file = tokio::fs::File::create(&written)
        .await
        .map_err(|error| local_error(&written_display, &error))?;
    let mut sink = CopySink::Local {
        output: Box::new(file),
        display: written_display.clone(),
    };
    let progress = Progress::start(display, total);
    let copied = async {
        pump(source, &mut sink, &progress).await?;
        sink.finish().await?;
        tokio::fs::rename(&written, target)
            .await
            .map_err(|error| local_error(display, &error))
    }
    .await;
    if copied.is_err() {
        let _ = tokio::fs::remove_file(&written).await;
    }
    copied
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_temporary_copy() {
        assert_eq!(copying_name("/user/a/f.txt"), "/user/a/f.txt._COPYING_");
        assert_eq!(
            copying_path(Path::new("dir/f")),
            PathBuf::from("dir/f._COPYING_")
        );
    }

    #[test]
    fn shows_progress_only_for_large_files_on_a_terminal() {
        assert!(!shows_progress(PROGRESS_THRESHOLD, true));
        assert!(shows_progress(PROGRESS_THRESHOLD + 1, true));
        assert!(!shows_progress(u64::MAX, false));
    }

    #[test]
    fn words_local_errors_like_hadoop() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(
            local_error("nofile", &missing).message,
            "'nofile': No such file or directory"
        );
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(local_error("f", &denied).message, "'f': Permission denied");
    }

    #[tokio::test]
    async fn copies_local_streams_through_a_temporary_file() {
        let dir = std::env::temp_dir().join(format!("tusk-transfer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("out");
        std::fs::write(&target, b"old").unwrap();
        let data: Vec<u8> = (0..3 * BUFFER_SIZE + 17).map(|i| (i % 251) as u8).collect();
        let mut source = CopySource::Local {
            input: Box::new(std::io::Cursor::new(data.clone())),
            display: "in".to_string(),
        };
        write_to_local(&mut source, &target, "out", None)
            .await
            .unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), data);
        assert!(!copying_path(&target).exists());

        let mut source = CopySource::Local {
            input: Box::new(std::io::Cursor::new(Vec::new())),
            display: "in".to_string(),
        };
        let missing_dir = dir.join("missing").join("out");
        let error = write_to_local(&mut source, &missing_dir, "missing/out", None)
            .await
            .unwrap_err();
        assert_eq!(
            error.message,
            "'missing/out._COPYING_': No such file or directory"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

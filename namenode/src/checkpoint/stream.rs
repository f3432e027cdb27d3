//! Moving image and edit files over HTTP without blocking the runtime: a
//! reader thread turns a file into a (throttled) stream of chunks, and a
//! [`FileSink`] thread writes received chunks into one or more files while
//! computing their MD5, fsyncs them, and removes them if it is dropped
//! before [`FileSink::finish`].

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::os::WritebackFile;
use md5::{Digest, Md5};
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;
use tracing::warn;

const CHUNK_BYTES: usize = 1 << 20;

/// Keeps a transfer under `dfs.image.transfer.bandwidthPerSec` (0 = no limit)
/// by sleeping the transferring thread, as Hadoop's DataTransferThrottler.
pub struct Throttler {
    bytes_per_second: u64,
    start: Instant,
    transferred: u64,
}

impl Throttler {
    pub fn new(bytes_per_second: u64) -> Self {
        Self {
            bytes_per_second,
            start: Instant::now(),
            transferred: 0,
        }
    }

    /// Records `bytes` more and sleeps until they fit the rate.
    pub fn throttle(&mut self, bytes: usize) {
        if self.bytes_per_second == 0 {
            return;
        }
        self.transferred += bytes as u64;
        let due = Duration::from_secs_f64(self.transferred as f64 / self.bytes_per_second as f64);
        if let Some(ahead) = due.checked_sub(self.start.elapsed()) {
            std::thread::sleep(ahead);
        }
    }

    /// Chunk size that lets the throttle act several times a second.
    fn chunk_bytes(&self) -> usize {
        if self.bytes_per_second == 0 {
            return CHUNK_BYTES;
        }
        ((self.bytes_per_second / 8) as usize).clamp(4096, CHUNK_BYTES)
    }
}

/// Streams `file` in chunks from a blocking thread, at most
/// `bytes_per_second` (0 = no limit). A read error ends the stream with it.
pub fn file_chunks(mut file: File, bytes_per_second: u64) -> ReceiverStream<io::Result<Bytes>> {
    let (sender, receiver) = mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let mut throttler = Throttler::new(bytes_per_second);
        let chunk_bytes = throttler.chunk_bytes();
        loop {
            let mut chunk = vec![0u8; chunk_bytes];
            let read = match file.read(&mut chunk) {
                Ok(0) => return,
                Ok(read) => read,
                Err(error) => {
                    let _ = sender.blocking_send(Err(error));
                    return;
                }
            };
            chunk.truncate(read);
            throttler.throttle(read);
            if sender.blocking_send(Ok(Bytes::from(chunk))).is_err() {
                return;
            }
        }
    });
    ReceiverStream::new(receiver)
}

enum SinkMessage {
    Data(Bytes),
    Finish(oneshot::Sender<io::Result<WrittenFile>>),
}

/// What a finished [`FileSink`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenFile {
    /// Lowercase hex MD5 of the bytes.
    pub md5_hex: String,
    pub len: u64,
}

/// Writes a received stream into every one of `paths` (durably on finish).
pub struct FileSink {
    sender: mpsc::Sender<SinkMessage>,
}

impl FileSink {
    /// Creates (truncates) every path and starts the writer thread.
    pub fn create(paths: Vec<PathBuf>) -> io::Result<Self> {
        let mut files = Vec::with_capacity(paths.len());
        for path in &paths {
            files.push(WritebackFile::new(File::create(path)?));
        }
        let (sender, mut receiver) = mpsc::channel::<SinkMessage>(4);
        tokio::task::spawn_blocking(move || {
            let mut md5 = Md5::new();
            let mut len = 0u64;
            let mut failure: Option<io::Error> = None;
            while let Some(message) = receiver.blocking_recv() {
                match message {
                    SinkMessage::Data(bytes) => {
                        if failure.is_some() {
                            continue;
                        }
                        md5.update(&bytes);
                        len += bytes.len() as u64;
                        for file in &mut files {
                            if let Err(error) = file.write_all(&bytes) {
                                failure = Some(error);
                                break;
                            }
                        }
                    }
                    SinkMessage::Finish(reply) => {
                        let result = match failure.take() {
                            Some(error) => Err(error),
                            None => sync_all(&files).map(|()| WrittenFile {
                                md5_hex: crate::fsimage::hex(&md5.clone().finalize()),
                                len,
                            }),
                        };
                        if result.is_err() {
                            remove_all(&paths);
                        }
                        let _ = reply.send(result);
                        return;
                    }
                }
            }
            // The sender went away without finishing: the transfer broke.
            remove_all(&paths);
        });
        Ok(Self { sender })
    }

    /// Queues `bytes` for writing.
    pub async fn write(&self, bytes: Bytes) -> io::Result<()> {
        self.sender
            .send(SinkMessage::Data(bytes))
            .await
            .map_err(|_| io::Error::other("file writer stopped"))
    }

    /// Writes what is queued, fsyncs every file and returns the MD5 and
    /// length. On error the files are removed.
    pub async fn finish(self) -> io::Result<WrittenFile> {
        let (reply, result) = oneshot::channel();
        self.sender
            .send(SinkMessage::Finish(reply))
            .await
            .map_err(|_| io::Error::other("file writer stopped"))?;
        result
            .await
            .map_err(|_| io::Error::other("file writer stopped"))?
    }
}

fn sync_all(files: &[WritebackFile]) -> io::Result<()> {
    for file in files {
        file.file().sync_all()?;
    }
    Ok(())
}

fn remove_all(paths: &[PathBuf]) {
    for path in paths {
        if let Err(error) = fs::remove_file(path)
            && error.kind() != io::ErrorKind::NotFound
        {
            warn!(file = %path.display(), %error, "cannot remove a partial transfer");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_stream::StreamExt;

    #[tokio::test]
    async fn sink_writes_every_copy_and_reports_md5() {
        let dir = tempfile::tempdir().unwrap();
        let paths = vec![dir.path().join("a"), dir.path().join("b")];
        let sink = FileSink::create(paths.clone()).unwrap();
        sink.write(Bytes::from_static(b"hello ")).await.unwrap();
        sink.write(Bytes::from_static(b"world")).await.unwrap();
        let written = sink.finish().await.unwrap();
        assert_eq!(written.len, 11);
        assert_eq!(written.md5_hex, "5eb63bbbe01eeed093cb22bb8f5acdc3");
        for path in &paths {
            assert_eq!(fs::read(path).unwrap(), b"hello world");
        }
    }

    #[tokio::test]
    async fn dropped_sink_removes_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("partial");
        let sink = FileSink::create(vec![path.clone()]).unwrap();
        sink.write(Bytes::from_static(b"half")).await.unwrap();
        drop(sink);
        let deadline = Instant::now() + Duration::from_secs(10);
        while path.exists() {
            assert!(Instant::now() < deadline, "partial file was not removed");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn file_chunks_streams_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data");
        let data: Vec<u8> = (0..3 * CHUNK_BYTES + 17).map(|i| i as u8).collect();
        fs::write(&path, &data).unwrap();
        let mut stream = file_chunks(File::open(&path).unwrap(), 0);
        let mut received = Vec::new();
        while let Some(chunk) = stream.next().await {
            received.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(received, data);
    }
}

//! `-cat`, `-head`, `-tail` and `-checksum`: file contents and checksums on stdout (Hadoop's
//! `Display.Cat`, `Display.Checksum`, `Head` and `Tail`).

use std::io::Write;
use std::time::Duration;

use client::FileChecksum;
use common::RemoteException;

use super::CommandInfo;
use super::fs::{FileSystem, Reader};
use super::options::{CommandFormat, UsageError};
use super::shell::{self, PathItem, Shell};
use super::transfer::BUFFER_SIZE;

/// `-cat`.
pub const CAT: CommandInfo = CommandInfo {
    name: "cat",
    usage: "[-ignoreCrc] <src> ...",
    description: "Fetch all files that match the file pattern <src> and display their content \
on stdout. Checksums are always verified: -ignoreCrc is accepted for compatibility.",
};

/// `-text`.
pub const TEXT: CommandInfo = CommandInfo {
    name: "text",
    usage: "[-ignoreCrc] <src> ...",
    description: "Takes a source file and outputs the file in text format.
The allowed formats are gzip (recognised by its magic bytes or a .gz name), deflate (.deflate, \
zlib-wrapped as Hadoop's DefaultCodec writes it) and bzip2 (.bz2); any other file is shown as \
it is. SequenceFile and Avro containers are not decoded.",
};

/// `-head`.
pub const HEAD: CommandInfo = CommandInfo {
    name: "head",
    usage: "<file>",
    description: "Show the first 1KB of the file.",
};

/// `-tail`.
pub const TAIL: CommandInfo = CommandInfo {
    name: "tail",
    usage: "[-f] <file>",
    description: "Show the last 1KB of the file.
  -f  Shows appended data as the file grows.",
};

/// `-checksum`.
pub const CHECKSUM: CommandInfo = CommandInfo {
    name: "checksum",
    usage: "<src> ...",
    description: "Dump checksum information for files that match the file pattern <src> to \
stdout. Note that this requires a round-trip to a datanode storing each block of the file, \
and thus is not efficient to run on a large number of files. The checksum of a file depends \
on its content, block size and the checksum algorithm and parameters used for creating the \
file.",
};

const CAT_FORMAT: CommandFormat = CommandFormat::new(1, usize::MAX, &["ignoreCrc"]);
const HEAD_FORMAT: CommandFormat = CommandFormat::new(1, 1, &[]);
const TAIL_FORMAT: CommandFormat = CommandFormat::new(1, 1, &["f"]);
const CHECKSUM_FORMAT: CommandFormat = CommandFormat::new(1, usize::MAX, &[]);

/// How much `-head` and `-tail` show.
const SHOWN_BYTES: u64 = 1024;
/// How often `-tail -f` looks for new data.
const FOLLOW_INTERVAL: Duration = Duration::from_secs(1);

/// Whether stdout still takes output.
#[derive(Debug, PartialEq, Eq)]
enum Output {
    Open,
    /// Closed (`| head`): stop quietly, as that is no error of the command.
    Closed,
}

/// The files among `args`: a missing path or a directory is reported.
async fn files(shell: &mut Shell<'_>, args: &[String]) -> Vec<PathItem> {
    let mut files = Vec::new();
    for item in shell.expand_all(args).await {
        match &item.stat {
            None => shell.error(item.not_found()),
            Some(status) if status.is_dir => shell.error(item.error("Is a directory")),
            Some(_) => files.push(item),
        }
    }
    files
}

/// Copies what `reader` has from its position to `out`, at most `limit` bytes.
async fn copy_out(
    reader: &mut Reader,
    out: &mut dyn Write,
    limit: u64,
) -> Result<Output, RemoteException> {
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut left = limit;
    while left > 0 {
        let want = buffer
            .len()
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        let read = reader.read(&mut buffer[..want]).await?;
        if read == 0 {
            break;
        }
        if out.write_all(&buffer[..read]).is_err() {
            return Ok(Output::Closed);
        }
        left -= read as u64;
    }
    match out.flush() {
        Ok(()) => Ok(Output::Open),
        Err(_) => Ok(Output::Closed),
    }
}

/// Runs `-cat`.
pub async fn cat(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    CAT_FORMAT.parse(&mut args)?;
    for item in files(shell, &args).await {
        let copied = match item.fs.open(&item.path).await {
            Ok(mut reader) => copy_out(&mut reader, shell.out, u64::MAX).await,
            Err(error) => Err(error),
        };
        match copied {
            Ok(Output::Open) => {}
            Ok(Output::Closed) => break,
            Err(error) => shell.error(error),
        }
    }
    Ok(shell.exit_code(0))
}

/// How `-text` decodes a file (Hadoop's `Display.Text.getInputStream`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codec {
    Plain,
    Gzip,
    Deflate,
    Bzip2,
}

impl Codec {
    /// Gzip when the file starts with its magic bytes, else by the name's extension; a file
    /// shorter than two bytes is shown as it is.
    fn detect(path: &str, lead: &[u8]) -> Self {
        if lead.len() < 2 {
            Self::Plain
        } else if lead.starts_with(&[0x1f, 0x8b]) || path.ends_with(".gz") {
            Self::Gzip
        } else if path.ends_with(".deflate") {
            Self::Deflate
        } else if path.ends_with(".bz2") {
            Self::Bzip2
        } else {
            Self::Plain
        }
    }
}

/// Standard output that remembers whether a write to it failed (it was closed), so that a
/// decoder's error can be told apart from a closed pipe.
struct Tracked<'a> {
    out: &'a mut dyn Write,
    closed: bool,
}

impl Write for Tracked<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf).inspect_err(|_| self.closed = true)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush().inspect_err(|_| self.closed = true)
    }
}

/// A streaming decoder writing what it decodes to stdout.
enum Decoder<W: Write> {
    Plain(W),
    Gzip(flate2::write::MultiGzDecoder<W>),
    Deflate(flate2::write::ZlibDecoder<W>),
    Bzip2(bzip2::write::BzDecoder<W>),
}

impl<W: Write> Decoder<W> {
    fn new(codec: Codec, out: W) -> Self {
        match codec {
            Codec::Plain => Self::Plain(out),
            Codec::Gzip => Self::Gzip(flate2::write::MultiGzDecoder::new(out)),
            Codec::Deflate => Self::Deflate(flate2::write::ZlibDecoder::new(out)),
            Codec::Bzip2 => Self::Bzip2(bzip2::write::BzDecoder::new(out)),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Self::Plain(out) => out.write_all(data),
            Self::Gzip(decoder) => decoder.write_all(data),
            Self::Deflate(decoder) => decoder.write_all(data),
            Self::Bzip2(decoder) => decoder.write_all(data),
        }
    }

    /// Decodes what is left and flushes; a stream cut short is an error.
    fn finish(self) -> std::io::Result<()> {
        let mut out = match self {
            Self::Plain(out) => out,
            Self::Gzip(decoder) => decoder.finish()?,
            Self::Deflate(decoder) => decoder.finish()?,
            Self::Bzip2(mut decoder) => decoder.finish()?,
        };
        out.flush()
    }
}

/// Copies the file `reader` reads to `out`, decoded as its first bytes or `path` say, a
/// buffer at a time.
async fn text_out(
    reader: &mut Reader,
    path: &str,
    out: &mut dyn Write,
) -> Result<Output, RemoteException> {
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut filled = 0;
    while filled < 2 {
        let read = reader.read(&mut buffer[filled..]).await?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    let codec = Codec::detect(path, &buffer[..filled]);
    let mut tracked = Tracked { out, closed: false };
    let result = decode(reader, codec, &mut buffer, filled, &mut tracked).await;
    match result {
        _ if tracked.closed => Ok(Output::Closed),
        Ok(()) => Ok(Output::Open),
        Err(error) => Err(error),
    }
}

async fn decode(
    reader: &mut Reader,
    codec: Codec,
    buffer: &mut [u8],
    mut filled: usize,
    out: &mut Tracked<'_>,
) -> Result<(), RemoteException> {
    let decode_error = |error: std::io::Error| RemoteException::io(error.to_string());
    let mut decoder = Decoder::new(codec, out);
    while filled > 0 {
        decoder.write_all(&buffer[..filled]).map_err(decode_error)?;
        filled = reader.read(buffer).await?;
    }
    decoder.finish().map_err(decode_error)
}

/// Runs `-text`.
pub async fn text(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    CAT_FORMAT.parse(&mut args)?;
    for item in files(shell, &args).await {
        let copied = match item.fs.open(&item.path).await {
            Ok(mut reader) => text_out(&mut reader, &item.path, shell.out).await,
            Err(error) => Err(error),
        };
        match copied {
            Ok(Output::Open) => {}
            Ok(Output::Closed) => break,
            Err(error) => shell.error(error),
        }
    }
    Ok(shell.exit_code(0))
}

/// Runs `-head`.
pub async fn head(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    HEAD_FORMAT.parse(&mut args)?;
    for item in files(shell, &args).await {
        let copied = match item.fs.open(&item.path).await {
            Ok(mut reader) => copy_out(&mut reader, shell.out, SHOWN_BYTES).await,
            Err(error) => Err(error),
        };
        if let Err(error) = copied {
            shell.error(error);
        }
    }
    Ok(shell.exit_code(0))
}

/// Runs `-tail`.
pub async fn tail(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    let follow = TAIL_FORMAT.parse(&mut args)?.has("f");
    let interval = follow.then_some(FOLLOW_INTERVAL);
    for item in files(shell, &args).await {
        let mut source = DfsTail {
            fs: item.fs.clone(),
            path: item.path.clone(),
        };
        let result = tail_file(&mut source, shell.out, interval, &mut || false).await;
        if let Err(error) = result {
            shell.error(error);
        }
    }
    Ok(shell.exit_code(0))
}

/// A file `-tail` reads, whose length may grow.
trait TailSource {
    /// The current length, `'path': No such file or directory` once the file is gone.
    async fn length(&mut self) -> Result<u64, RemoteException>;
    /// Copies the bytes from `offset` to the end to `out`; returns the offset after them.
    async fn dump_from(
        &mut self,
        offset: u64,
        out: &mut dyn Write,
    ) -> Result<(u64, Output), RemoteException>;
}

/// A file on `hdfs://` or `webhdfs://` to tail.
struct DfsTail {
    fs: FileSystem,
    path: String,
}

impl TailSource for DfsTail {
    async fn length(&mut self) -> Result<u64, RemoteException> {
        match shell::lookup(&self.fs, &self.path).await? {
            Some(status) => Ok(status.length),
            None => Err(RemoteException::not_found(&self.path)),
        }
    }

    async fn dump_from(
        &mut self,
        offset: u64,
        out: &mut dyn Write,
    ) -> Result<(u64, Output), RemoteException> {
        let mut reader = self.fs.open_at(&self.path, offset).await?;
        let output = copy_out(&mut reader, out, u64::MAX).await?;
        Ok((reader.position(), output))
    }
}

/// Hadoop's `Tail.processPath`: the last 1 KiB, then with `follow` every new byte, polling at
/// that interval until `stop` says so, stdout closes or the file goes away.
async fn tail_file(
    source: &mut impl TailSource,
    out: &mut dyn Write,
    follow: Option<Duration>,
    stop: &mut dyn FnMut() -> bool,
) -> Result<(), RemoteException> {
    let length = source.length().await?;
    let (mut offset, mut output) = source
        .dump_from(length.saturating_sub(SHOWN_BYTES), out)
        .await?;
    let Some(interval) = follow else {
        return Ok(());
    };
    while output == Output::Open && !stop() {
        tokio::time::sleep(interval).await;
        let length = source.length().await?;
        if offset > length {
            // Truncated or replaced: follow on from its new end.
            offset = length;
            continue;
        }
        (offset, output) = source.dump_from(offset, out).await?;
    }
    Ok(())
}

/// Runs `-checksum`.
pub async fn checksum(shell: &mut Shell<'_>, mut args: Vec<String>) -> Result<i32, UsageError> {
    CHECKSUM_FORMAT.parse(&mut args)?;
    for item in files(shell, &args).await {
        match item.fs.file_checksum(&item.path).await {
            Ok(checksum) => shell.print(checksum_line(&item.display, &checksum)),
            Err(error) => shell.error(error),
        }
    }
    Ok(shell.exit_code(0))
}

/// `<path>\t<algorithm>\t<hex>`, as Hadoop prints a checksum.
pub fn checksum_line(display: &str, checksum: &FileChecksum) -> String {
    format!("{display}\t{}\t{}", checksum.algorithm(), checksum.hex())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that grows by `growth[i]` bytes before poll `i`.
    struct GrowingFile {
        data: Vec<u8>,
        growth: Vec<Vec<u8>>,
        polls: usize,
    }

    impl TailSource for GrowingFile {
        async fn length(&mut self) -> Result<u64, RemoteException> {
            if let Some(more) = self.growth.get(self.polls) {
                self.data.extend_from_slice(more);
            }
            self.polls += 1;
            Ok(self.data.len() as u64)
        }

        async fn dump_from(
            &mut self,
            offset: u64,
            out: &mut dyn Write,
        ) -> Result<(u64, Output), RemoteException> {
            out.write_all(&self.data[offset as usize..]).unwrap();
            Ok((self.data.len() as u64, Output::Open))
        }
    }

    #[tokio::test]
    async fn tails_the_last_kilobyte() {
        let data: Vec<u8> = (0..3000u32).map(|i| (i % 256) as u8).collect();
        let mut file = GrowingFile {
            data: data.clone(),
            growth: Vec::new(),
            polls: 0,
        };
        let mut out = Vec::new();
        tail_file(&mut file, &mut out, None, &mut || false)
            .await
            .unwrap();
        assert_eq!(out, &data[3000 - 1024..]);

        let mut small = GrowingFile {
            data: b"short".to_vec(),
            growth: Vec::new(),
            polls: 0,
        };
        let mut out = Vec::new();
        tail_file(&mut small, &mut out, None, &mut || false)
            .await
            .unwrap();
        assert_eq!(out, b"short");
    }

    #[tokio::test]
    async fn follows_a_growing_file_until_stopped() {
        let mut file = GrowingFile {
            data: b"start\n".to_vec(),
            growth: vec![Vec::new(), b"one\n".to_vec(), Vec::new(), b"two\n".to_vec()],
            polls: 0,
        };
        let mut out = Vec::new();
        let mut polls_left = 4;
        let mut stop = || {
            polls_left -= 1;
            polls_left < 0
        };
        let interval = Some(Duration::from_millis(1));
        tail_file(&mut file, &mut out, interval, &mut stop)
            .await
            .unwrap();
        assert_eq!(out, b"start\none\ntwo\n");
        assert_eq!(file.polls, 5);
    }

    #[test]
    fn detects_codecs_like_hadoop() {
        assert_eq!(Codec::detect("/a.gz", b"x"), Codec::Plain);
        assert_eq!(Codec::detect("/a.txt", &[0x1f, 0x8b, 8]), Codec::Gzip);
        assert_eq!(Codec::detect("/a.gz", b"xy"), Codec::Gzip);
        assert_eq!(Codec::detect("/a.deflate", b"xy"), Codec::Deflate);
        assert_eq!(Codec::detect("/a.bz2", b"BZh"), Codec::Bzip2);
        assert_eq!(Codec::detect("/a.txt", b"hello"), Codec::Plain);
    }

    #[test]
    fn decoders_stream_what_they_decode() {
        use flate2::Compression;
        let data = b"line one\nline two\n".repeat(100);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(&data).unwrap();
        let gz = gz.finish().unwrap();
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
        zlib.write_all(&data).unwrap();
        let zlib = zlib.finish().unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        bz.write_all(&data).unwrap();
        let bz = bz.finish().unwrap();
        for (codec, encoded) in [
            (Codec::Gzip, &gz),
            (Codec::Deflate, &zlib),
            (Codec::Bzip2, &bz),
            (Codec::Plain, &data),
        ] {
            let mut out = Vec::new();
            let mut decoder = Decoder::new(codec, &mut out);
            for chunk in encoded.chunks(7) {
                decoder.write_all(chunk).unwrap();
            }
            decoder.finish().unwrap();
            assert_eq!(out, data, "{codec:?}");
        }
        let mut decoder = Decoder::new(Codec::Gzip, Vec::new());
        decoder.write_all(&gz[..gz.len() / 2]).unwrap();
        assert!(decoder.finish().is_err(), "a cut stream is an error");
    }

    #[test]
    fn prints_checksums_like_hadoop() {
        // The shape of Hadoop's own output for a one-block file.
        let checksum = FileChecksum {
            crc_type: "CRC32C",
            bytes_per_crc: 512,
            crc_per_block: 0,
            md5: [0xab; 16],
            length: 3,
        };
        assert_eq!(
            checksum_line("/f", &checksum),
            format!(
                "/f\tMD5-of-0MD5-of-512CRC32C\t000002000000000000000000{}",
                "ab".repeat(16)
            )
        );
    }
}

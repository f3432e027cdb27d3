//! CRC32C of a buffer's fixed-size chunks (one per `bytes_per_checksum`
//! bytes, as packets and `.meta` files carry them).
//!
//! One chunk's CRC is a serial chain of `crc32` instructions, each waiting
//! for the previous one (3 cycles of latency, 1 of throughput), so on x86-64
//! with SSE4.2 several consecutive chunks are computed interleaved: their
//! chains are independent and the CPU runs them side by side. On 512-byte
//! chunks that is about twice as fast as the `crc32c` crate chunk after
//! chunk (measured 26-38 against 12-20 GB/s on one core of the benchmark
//! machine). Other CPUs use the crate.

/// Chunks whose CRCs are computed side by side.
#[cfg(target_arch = "x86_64")]
const LANES: usize = 4;

/// Calls `each(index, crc)` with the CRC32C of every chunk of `data`, in
/// order (the last chunk may be partial), until `each` returns false.
/// Returns false if it stopped early.
pub fn for_each_chunk_crc(
    data: &[u8],
    bytes_per_checksum: u32,
    each: &mut dyn FnMut(usize, u32) -> bool,
) -> bool {
    let chunk_len = bytes_per_checksum.max(1) as usize;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("sse4.2") {
        // SAFETY: the CPU supports SSE4.2, checked just above.
        return unsafe { interleaved(data, chunk_len, each) };
    }
    data.chunks(chunk_len)
        .enumerate()
        .all(|(index, chunk)| each(index, crc32c::crc32c(chunk)))
}

/// `for_each_chunk_crc` on x86-64 with SSE4.2: groups of `LANES` whole
/// chunks interleaved, then the rest one by one.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
fn interleaved(data: &[u8], chunk_len: usize, each: &mut dyn FnMut(usize, u32) -> bool) -> bool {
    use std::arch::x86_64::{_mm_crc32_u8, _mm_crc32_u64};

    let words = chunk_len / 8;
    let mut groups = data.chunks_exact(chunk_len * LANES);
    let mut index = 0;
    for group in &mut groups {
        let mut crcs = [u64::from(u32::MAX); LANES];
        let base = group.as_ptr();
        for word in 0..words {
            for (lane, crc) in crcs.iter_mut().enumerate() {
                // SAFETY: lane * chunk_len + word * 8 + 8 <= (lane + 1) *
                // chunk_len <= group.len().
                let value = unsafe {
                    base.add(lane * chunk_len + word * 8)
                        .cast::<u64>()
                        .read_unaligned()
                };
                *crc = _mm_crc32_u64(*crc, value);
            }
        }
        for (lane, crc) in crcs.iter_mut().enumerate() {
            let tail = &group[lane * chunk_len + words * 8..(lane + 1) * chunk_len];
            let mut narrow = *crc as u32;
            for &byte in tail {
                narrow = _mm_crc32_u8(narrow, byte);
            }
            if !each(index, !narrow) {
                return false;
            }
            index += 1;
        }
    }
    for chunk in groups.remainder().chunks(chunk_len) {
        if !each(index, crc32c::crc32c(chunk)) {
            return false;
        }
        index += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crcs(data: &[u8], bytes_per_checksum: u32) -> Vec<u32> {
        let mut out = Vec::new();
        assert!(for_each_chunk_crc(
            data,
            bytes_per_checksum,
            &mut |index, crc| {
                assert_eq!(index, out.len());
                out.push(crc);
                true
            }
        ));
        out
    }

    #[test]
    fn chunk_crcs_match_the_crc32c_crate_for_every_shape() {
        let data: Vec<u8> = (0..70_001u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for bytes_per_checksum in [1, 7, 8, 100, 512, 513, 4096] {
            for len in [0, 1, 511, 512, 2048, 2049, 65_536, 70_001] {
                let data = &data[..len];
                let expected: Vec<u32> = data
                    .chunks(bytes_per_checksum as usize)
                    .map(crc32c::crc32c)
                    .collect();
                assert_eq!(
                    crcs(data, bytes_per_checksum),
                    expected,
                    "{len} bytes, {bytes_per_checksum} per checksum"
                );
            }
        }
    }

    #[test]
    fn iteration_stops_when_asked() {
        let data = vec![7u8; 512 * 9];
        let mut seen = 0;
        let finished = for_each_chunk_crc(&data, 512, &mut |index, _| {
            seen += 1;
            index < 5
        });
        assert!(!finished);
        assert_eq!(seen, 6);
    }
}

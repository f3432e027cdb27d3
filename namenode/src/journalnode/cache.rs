//! Recent edits in memory (Hadoop's JournaledEditsCache), so a standby
//! tailing the in-progress segment gets them by RPC instead of reading files.

use std::collections::VecDeque;

/// Framed records by txid, bounded by `dfs.journalnode.edit-cache-size.bytes`.
pub struct EditsCache {
    capacity: usize,
    size: usize,
    first_txid: u64,
    frames: VecDeque<Vec<u8>>,
}

impl EditsCache {
    /// An empty cache holding at most `capacity` bytes of records.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            size: 0,
            first_txid: 0,
            frames: VecDeque::new(),
        }
    }

    fn next_txid(&self) -> u64 {
        self.first_txid + self.frames.len() as u64
    }

    /// Adds the records of a batch starting at `first_txid`; a batch that
    /// does not follow the cached ones starts the cache over.
    pub fn store(&mut self, first_txid: u64, frames: Vec<&[u8]>) {
        if self.frames.is_empty() || self.next_txid() != first_txid {
            self.frames.clear();
            self.size = 0;
            self.first_txid = first_txid;
        }
        for frame in frames {
            self.size += frame.len();
            self.frames.push_back(frame.to_vec());
        }
        while self.size > self.capacity && self.frames.len() > 1 {
            if let Some(evicted) = self.frames.pop_front() {
                self.size -= evicted.len();
                self.first_txid += 1;
            }
        }
    }

    /// Up to `max_txns` records from `since_txid` on (count and bytes);
    /// `None` when the cache no longer (or does not yet) hold `since_txid`.
    pub fn read(&self, since_txid: u64, max_txns: u32) -> Result<(u32, Vec<u8>), String> {
        if since_txid >= self.next_txid() {
            return Ok((0, Vec::new()));
        }
        if self.frames.is_empty() || since_txid < self.first_txid {
            return Err(format!(
                "Requested txn ID {since_txid} is older than the oldest txn ID available in the cache ({})",
                self.first_txid
            ));
        }
        let skip = (since_txid - self.first_txid) as usize;
        let mut count = 0;
        let mut bytes = Vec::new();
        for frame in self.frames.iter().skip(skip).take(max_txns.max(1) as usize) {
            bytes.extend_from_slice(frame);
            count += 1;
        }
        Ok((count, bytes))
    }

    /// Forgets everything (a new writer, a recovery).
    pub fn clear(&mut self) {
        self.frames.clear();
        self.size = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_from_any_cached_txid_and_evicts_oldest() {
        let mut cache = EditsCache::new(10);
        cache.store(5, vec![b"aaaa", b"bbbb"]);
        cache.store(7, vec![b"cccc"]);
        assert_eq!(cache.read(6, 10).unwrap(), (2, b"bbbbcccc".to_vec()));
        assert!(cache.read(5, 10).is_err());
        assert_eq!(cache.read(8, 10).unwrap(), (0, Vec::new()));
        cache.store(20, vec![b"dd"]);
        assert_eq!(cache.read(20, 1).unwrap(), (1, b"dd".to_vec()));
        assert!(cache.read(7, 1).is_err());
    }
}

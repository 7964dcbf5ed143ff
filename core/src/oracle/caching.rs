//! Ground truth for caching from the requests alone: a key's newest version at any request
//! is the number of writes to it among the requests before — no cache, no database, no
//! timing. Every read the scenario served is judged against it.

use crate::patterns::caching::feed::Feed;

/// The verdict on a run's reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Verdict {
    pub reads: u64,
    /// Reads that returned a version older than the newest written before them.
    pub stale: u64,
    /// Reads that returned a version nobody had written yet (must be 0).
    pub from_the_future: u64,
}

/// Judges `reads` — `(request index, key, version returned)` in request order — against
/// the first `served` requests of `feed`.
pub fn judge(feed: &Feed, served: u64, reads: impl Iterator<Item = (u32, u32, u32)>) -> Verdict {
    let mut j = Judge::new(feed);
    for (index, key, version) in reads {
        j.read(feed, served, index, key, version);
    }
    j.verdict
}

/// `judge` one read at a time, so a page can spread a long run over several tasks: the
/// reads, fed in request order in any number of calls, give the same verdict.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Judge {
    /// Each key's newest version among the requests applied so far.
    newest: Vec<u32>,
    /// The first request not applied yet.
    next: u64,
    pub verdict: Verdict,
}

impl Judge {
    pub fn new(feed: &Feed) -> Self {
        Judge {
            newest: vec![0u32; feed.keys() as usize + 2],
            next: 0,
            verdict: Verdict::default(),
        }
    }

    /// Judges the read of `key` at request `index` that returned `version`.
    pub fn read(&mut self, feed: &Feed, served: u64, index: u32, key: u32, version: u32) {
        // Apply every write before this read.
        while self.next < index as u64 && self.next < served {
            let r = feed.request(self.next);
            if r.write {
                if let Some(n) = self.newest.get_mut(r.key as usize) {
                    *n += 1;
                }
            }
            self.next += 1;
        }
        let want = self.newest.get(key as usize).copied().unwrap_or(0);
        self.verdict.reads += 1;
        if version < want {
            self.verdict.stale += 1;
        } else if version > want {
            self.verdict.from_the_future += 1;
        }
    }
}

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
    let mut newest = vec![0u32; feed.keys() as usize + 2];
    let mut v = Verdict::default();
    let mut next = 0u64;
    for (index, key, version) in reads {
        // Apply every write before this read.
        while next < index as u64 && next < served {
            let r = feed.request(next);
            if r.write {
                if let Some(n) = newest.get_mut(r.key as usize) {
                    *n += 1;
                }
            }
            next += 1;
        }
        let want = newest.get(key as usize).copied().unwrap_or(0);
        v.reads += 1;
        if version < want {
            v.stale += 1;
        } else if version > want {
            v.from_the_future += 1;
        }
    }
    v
}

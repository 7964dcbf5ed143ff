//! The event store: one append-only log of every order's events, each event linked to the
//! previous event of its order (so an order's stream is read without touching the others),
//! optimistic concurrency on append (an expected version), and a snapshot store.
//!
//! The log is the source of truth. Snapshots are a cache of an order's fold at some
//! version: loading starts from the newest snapshot and folds only the events after it.

use crate::orders::domain::OrderId;
use crate::orders::{evolve, OrderState, StoredBody};
use crate::sim::parray::PArray;
use crate::sim::PVec;

/// "No event" / "no snapshot" in the 1-based link fields.
const NONE: u32 = 0;

/// One event in the log. Its position is its index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub order: OrderId,
    /// The order's stream version this event makes (1 for its first event).
    pub version: u32,
    /// 1 + the position of the order's previous event (0: none).
    prev: u32,
    pub at_ms: i64,
    pub body: StoredBody,
}

/// A snapshot: an order's fold up to `version` (the event at `pos` included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub order: OrderId,
    pub version: u32,
    pub pos: u64,
    pub state: OrderState,
    /// 1 + the index of the order's previous snapshot (0: none).
    prev: u32,
}

/// Per order: where its stream ends and its newest snapshot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct StreamHead {
    /// 1 + position of the newest event (0: no events).
    head: u32,
    version: u32,
    /// 1 + index of the newest snapshot (0: none).
    snap: u32,
}

/// An append whose expected version is not the stream's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub expected: u32,
    pub actual: u32,
}

/// An order loaded for a command or a query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub state: OrderState,
    /// Events read from the log.
    pub read: u32,
    /// The snapshot version it started from, if any.
    pub from_snapshot: Option<u32>,
    /// v1 events upcast on the way.
    pub upcasts: u32,
    /// Events that could not be read (none are ever written; counted, never a panic).
    pub unreadable: u32,
}

/// The log and the snapshot store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Store {
    log: PVec<Stored>,
    streams: PArray<StreamHead>,
    snapshots: PVec<Snapshot>,
}

impl Store {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> u64 {
        self.log.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.log.is_empty()
    }

    pub fn event(&self, pos: u64) -> Option<&Stored> {
        self.log.get(pos as usize)
    }

    pub fn snapshot_count(&self) -> usize {
        self.snapshots.len()
    }

    pub fn snapshot(&self, i: usize) -> Option<&Snapshot> {
        self.snapshots.get(i)
    }

    /// The order's stream version (its event count).
    pub fn version(&self, order: OrderId) -> u32 {
        self.streams.get(order as usize).version
    }

    /// The newest snapshot of `order`.
    pub fn latest_snapshot(&self, order: OrderId) -> Option<&Snapshot> {
        let s = self.streams.get(order as usize).snap;
        (s != NONE)
            .then(|| self.snapshots.get(s as usize - 1))
            .flatten()
    }

    /// Every snapshot of `order`, oldest first.
    pub fn snapshots_of(&self, order: OrderId) -> Vec<Snapshot> {
        let mut out = Vec::new();
        let mut s = self.streams.get(order as usize).snap;
        while s != NONE {
            let Some(snap) = self.snapshots.get(s as usize - 1) else {
                break;
            };
            out.push(*snap);
            s = snap.prev;
        }
        out.reverse();
        out
    }

    /// Appends `body` to `order`'s stream if the stream is at `expected`; returns the
    /// event's position.
    pub fn append(
        &mut self,
        order: OrderId,
        expected: u32,
        body: StoredBody,
        at_ms: i64,
    ) -> Result<u64, Conflict> {
        let head = self.streams.get(order as usize);
        if head.version != expected {
            return Err(Conflict {
                expected,
                actual: head.version,
            });
        }
        let pos = self.log.len() as u64;
        let version = head.version + 1;
        self.log.push(Stored {
            order,
            version,
            prev: head.head,
            at_ms,
            body,
        });
        self.streams.update(order as usize, |h| {
            h.head = pos as u32 + 1;
            h.version = version;
        });
        Ok(pos)
    }

    /// Stores `state` (the fold of `order` up to its current version) as a snapshot.
    pub fn write_snapshot(&mut self, order: OrderId, state: OrderState) {
        let head = self.streams.get(order as usize);
        if head.head == NONE {
            return;
        }
        self.snapshots.push(Snapshot {
            order,
            version: head.version,
            pos: head.head as u64 - 1,
            state,
            prev: head.snap,
        });
        let index = self.snapshots.len() as u32;
        self.streams.update(order as usize, |h| h.snap = index);
    }

    /// Positions of `order`'s events after version `after` and at or before `until`,
    /// oldest first, by following the back links from the stream's head.
    fn positions(&self, order: OrderId, after: u32, until: u64) -> Vec<u64> {
        let mut out = Vec::new();
        let mut link = self.streams.get(order as usize).head;
        while link != NONE {
            let pos = link as u64 - 1;
            let Some(e) = self.log.get(pos as usize) else {
                break;
            };
            if e.version <= after {
                break;
            }
            if pos <= until {
                out.push(pos);
            }
            link = e.prev;
        }
        out.reverse();
        out
    }

    /// `order`'s event positions, oldest first.
    pub fn stream(&self, order: OrderId) -> Vec<u64> {
        self.positions(order, 0, u64::MAX)
    }

    fn fold(&self, mut state: OrderState, positions: &[u64], mut loaded: Loaded) -> Loaded {
        for &pos in positions {
            let Some(e) = self.log.get(pos as usize) else {
                continue;
            };
            loaded.read += 1;
            if e.body.schema() == 1 {
                loaded.upcasts += 1;
            }
            match e.body.read() {
                Ok(body) => state = evolve(&state, &body),
                Err(_) => {
                    loaded.unreadable += 1;
                    state.version += 1;
                }
            }
        }
        loaded.state = state;
        loaded
    }

    /// Loads `order`: from its newest snapshot if `use_snapshots`, then its later events.
    pub fn load(&self, order: OrderId, use_snapshots: bool) -> Loaded {
        match self.latest_snapshot(order).filter(|_| use_snapshots) {
            Some(s) => {
                let start = Loaded {
                    from_snapshot: Some(s.version),
                    ..Loaded::default()
                };
                self.fold(s.state, &self.positions(order, s.version, u64::MAX), start)
            }
            None => self.fold(
                OrderState::default(),
                &self.stream(order),
                Loaded::default(),
            ),
        }
    }

    /// Replays `order` from `snapshot` (any of its snapshots) to the stream's head.
    pub fn load_from(&self, snapshot: &Snapshot) -> Loaded {
        let start = Loaded {
            from_snapshot: Some(snapshot.version),
            ..Loaded::default()
        };
        let pos = self.positions(snapshot.order, snapshot.version, u64::MAX);
        self.fold(snapshot.state, &pos, start)
    }

    /// A temporal query: `order` as it was once the event at `pos` was in the log (from
    /// the newest snapshot taken at or before it).
    pub fn load_as_of(&self, order: OrderId, pos: u64) -> Loaded {
        let snap = self
            .snapshots_of(order)
            .into_iter()
            .rev()
            .find(|s| s.pos <= pos);
        match snap {
            Some(s) => {
                let start = Loaded {
                    from_snapshot: Some(s.version),
                    ..Loaded::default()
                };
                self.fold(s.state, &self.positions(order, s.version, pos), start)
            }
            None => self.fold(
                OrderState::default(),
                &self.positions(order, 0, pos),
                Loaded::default(),
            ),
        }
    }

    /// The reference note's way: read every event in the log and keep `order`'s.
    pub fn load_by_scan(&self, order: OrderId) -> Loaded {
        let mut loaded = Loaded::default();
        let mut state = OrderState::default();
        for e in self.log.iter() {
            loaded.read += 1;
            if e.order != order {
                continue;
            }
            if e.body.schema() == 1 {
                loaded.upcasts += 1;
            }
            match e.body.read() {
                Ok(body) => state = evolve(&state, &body),
                Err(_) => {
                    loaded.unreadable += 1;
                    state.version += 1;
                }
            }
        }
        loaded.state = state;
        loaded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::schema::encode_v1;
    use crate::orders::{EventBody, Status};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn an_append_with_a_stale_expected_version_conflicts_and_changes_nothing() {
        let mut s = Store::new();
        s.append(1, 0, StoredBody::V2(EventBody::Created { user: 4 }), 0)
            .unwrap();
        s.append(2, 0, StoredBody::V2(EventBody::Created { user: 5 }), 0)
            .unwrap();
        assert_eq!(
            s.append(1, 2, StoredBody::V2(EventBody::Cancelled), 0),
            Err(Conflict {
                expected: 2,
                actual: 1
            })
        );
        assert_eq!(s.len(), 2);
        assert_eq!(
            s.append(1, 1, StoredBody::V2(EventBody::Cancelled), 0),
            Ok(2)
        );
        assert_eq!(s.stream(1), vec![0, 2]);
        assert_eq!(s.load(1, true).state.status, Status::Cancelled);
    }

    #[test]
    fn snapshots_shorten_a_load_and_v1_events_are_upcast() {
        let mut s = Store::new();
        s.append(7, 0, StoredBody::V2(EventBody::Created { user: 1 }), 0)
            .unwrap();
        for v in 1..10 {
            let e = EventBody::ItemAdded { amount_cents: 100 };
            let body = if v % 3 == 0 {
                StoredBody::V1(encode_v1(&e).into())
            } else {
                StoredBody::V2(e)
            };
            s.append(7, v, body, 0).unwrap();
            if v == 5 {
                let st = s.load(7, false).state;
                s.write_snapshot(7, st);
            }
        }
        let full = s.load(7, false);
        let fast = s.load(7, true);
        assert_eq!(full.state, fast.state);
        assert_eq!((full.read, fast.read), (10, 4));
        assert_eq!(fast.from_snapshot, Some(6));
        assert_eq!(full.upcasts, 3);
        assert_eq!(full.state.total_cents, 900);
        assert_eq!(s.load_by_scan(7).state, full.state);
        let early = s.load_as_of(7, 3);
        assert_eq!((early.state.version, early.state.items), (4, 3));
    }
}

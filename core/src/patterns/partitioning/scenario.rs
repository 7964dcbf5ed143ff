//! The partitioning state machine: one order inserted per step into a table partitioned
//! by hash of the user or by ranges of the order date; rows kept per partition (shared
//! chunks, so checkpoints copy pointers); faults add a partition (moving the rows whose
//! partition changes), send a hot-key burst, or move the calendar into a quarter that has
//! no partition yet.

use std::sync::Arc;

use crate::oracle::partitioning as oracle;
use crate::sim::{Fault, FaultSpec, PVec, ParamError, Preset, Scenario};

use super::feed::{Feed, Mark, Order, HOT_USER};
use super::layout::{interval_of, interval_start, Layout, NoPartition, PartDef};
use super::params::{Grow, PartParams, Scheme};

/// How the last "add a partition" grew the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Growth {
    /// Hash: partition `part` split; its other half is the new partition `new`.
    Split { part: usize, new: usize },
    /// Hash: a new table of `to` partitions replaced the one of `from`.
    Rebuild { from: usize, to: usize },
    /// Range: partition `new` created (taking its rows out of DEFAULT, if any).
    Range { new: usize },
}

/// What adding a partition did to the stored rows, with the oracle's independent count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveReport {
    pub growth: Growth,
    pub before: Vec<PartDef>,
    /// Rows stored when it happened.
    pub rows_total: u64,
    /// Rows the reorganisation had to read (the partitions it re-routed).
    pub rows_read: u64,
    pub moved: u64,
    /// `(from, to, rows)` by old and new partition index.
    pub flows: Vec<(usize, usize, u64)>,
    /// Up to [`MOVED_SAMPLE`] moved rows with their old and new partition.
    pub sample: Vec<(Order, usize, usize)>,
    /// Rows whose partition changed by the oracle's brute force.
    pub truth_moved: u64,
}

/// Moved rows kept for the table.
pub const MOVED_SAMPLE: usize = 1_000;

/// What the last step or fault did.
#[derive(Clone, Debug, PartialEq)]
pub enum Last {
    Start,
    Stored {
        order: Order,
        part: usize,
    },
    Rejected {
        order: Order,
        error: NoPartition,
    },
    Grew(Arc<MoveReport>),
    Burst {
        from: u64,
        len: u64,
        day: u32,
    },
    /// The calendar moved to `day`, the first of an interval; `covered` if a partition
    /// (or DEFAULT) takes it.
    NewPeriod {
        day: u32,
        covered: bool,
    },
}

/// The scenario.
#[derive(Clone, Debug)]
pub struct Partitioning {
    params: PartParams,
    feed: Feed,
    layout: Arc<Layout>,
    /// Every layout in force with the first row it routed (sorted).
    history: Vec<(u64, Arc<Layout>)>,
    stores: Vec<PVec<Order>>,
    rejected: PVec<Order>,
    /// Inserts refused in a row, up to the last step.
    refused_streak: u64,
    inserted: u64,
    /// The latest order date seen.
    max_day: u32,
    /// Partitions the last growth created.
    new_parts: Vec<usize>,
    last: Last,
    last_move: Option<Arc<MoveReport>>,
}

const FAULTS: &[FaultSpec] = &[
    FaultSpec {
        kind: "hot-key-burst",
        label: "Hot-key burst",
        help: "User 1 places a burst of orders on one day (a flash sale, a bot). Every one lands in one partition under either scheme.",
    },
    FaultSpec {
        kind: "add-partition",
        label: "Add a partition",
        help: "Hash: split the biggest partition (or rebuild with one more, per the settings); range: create the next quarter's partition. See which rows move.",
    },
    FaultSpec {
        kind: "new-quarter",
        label: "A new quarter arrives",
        help: "The calendar moves on to a quarter (or month) nobody created a partition for: its inserts fail, or pile up in DEFAULT.",
    },
];

const PRESETS: &[Preset] = &[
    Preset {
        name: "note-bounds",
        label: "The note's quarters: TO ('2024-03-31')",
        description: "The note's bounds stop a day early: the orders of 2024-03-31 are inserts 1,485 to 1,500, and every one of them fails, because no partition holds that day. The preset lands on the last of them.",
        seed: 42,
        params: &[("closed-quarter-bounds", "on")],
        faults: &[],
        step: 1_500,
    },
    Preset {
        name: "indexed-lookup",
        label: "An index on user_id: what partitioning does not buy",
        description: "Range partitions by date and an index on user_id. The query 'orders of user 37' cannot be pruned by date, so every partition is touched, yet each is read through its index: only the user's own rows are read. Set the index to none to see every row of every partition read instead. Partitioning pays for queries and maintenance bounded by its key (dates here), not for lookups an index already serves.",
        seed: 42,
        params: &[("index", "user_id")],
        faults: &[],
        step: 3_000,
    },
    Preset {
        name: "default-catches",
        label: "The note's bounds with a DEFAULT partition",
        description: "The same bounds, plus a DEFAULT partition: the last day of each quarter is kept, in DEFAULT — which every query on those dates must now read too.",
        seed: 42,
        params: &[("closed-quarter-bounds", "on"), ("default", "on")],
        faults: &[],
        step: 3_000,
    },
    Preset {
        name: "new-quarter",
        label: "Q3 arrives with no partition, then one is added",
        description: "At step 2,000 the orders move into 2024-07: no partition takes them and inserts fail until step 2,300, when the Q3 partition is created.",
        seed: 42,
        params: &[],
        faults: &[(2_000, "new-quarter"), (2_300, "add-partition")],
        step: 2_300,
    },
    Preset {
        name: "hash-split",
        label: "Hash partitions: split the biggest",
        description: "Four hash partitions by user; at step 2,000 the biggest is split in two. Only its rows are read and about half of them move; the others stay put.",
        seed: 42,
        params: &[("scheme", "hash")],
        faults: &[(2_000, "add-partition")],
        step: 2_000,
    },
    Preset {
        name: "hash-rebuild",
        label: "Hash partitions: rebuild with N+1",
        description: "The same table rebuilt with five partitions of modulus 5 instead: every row is read and about 4 in 5 move.",
        seed: 42,
        params: &[("scheme", "hash"), ("grow", "rebuild")],
        faults: &[(2_000, "add-partition")],
        step: 2_000,
    },
    Preset {
        name: "hot-user",
        label: "A hot user under hash partitioning",
        description: "Skew 1.5 plus a burst of 1,000 orders from user 1: one hash partition holds far more rows than the others, and splitting cannot separate one user's rows.",
        seed: 7,
        params: &[("scheme", "hash"), ("skew", "1.5"), ("burst", "1000")],
        faults: &[(1_000, "hot-key-burst")],
        step: 3_000,
    },
];

impl Partitioning {
    pub fn params(&self) -> &PartParams {
        &self.params
    }

    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn last(&self) -> &Last {
        &self.last
    }

    pub fn last_move(&self) -> Option<&Arc<MoveReport>> {
        self.last_move.as_ref()
    }

    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    pub fn stores(&self) -> &[PVec<Order>] {
        &self.stores
    }

    pub fn rejected(&self) -> &PVec<Order> {
        &self.rejected
    }

    pub fn new_parts(&self) -> &[usize] {
        &self.new_parts
    }

    pub fn max_day(&self) -> u32 {
        self.max_day
    }

    /// The layouts in force with the first row each routed, as bounds (the oracle's input).
    pub fn history_bounds(&self) -> Vec<(u64, Vec<super::layout::Bound>)> {
        self.history
            .iter()
            .map(|(from, l)| (*from, l.bounds()))
            .collect()
    }

    /// Rows per partition as stored.
    pub fn stored_counts(&self) -> Vec<u64> {
        self.stores.iter().map(|s| s.len() as u64).collect()
    }

    /// The oracle's census of the inserted rows in `rows` only (a slice of `census`).
    pub fn census_rows(&self, rows: std::ops::Range<u64>) -> oracle::Census {
        let rows = rows.start.min(self.inserted)..rows.end.min(self.inserted);
        oracle::census_rows(
            &self.feed,
            rows,
            &self.history_bounds(),
            &self.layout.bounds(),
        )
    }

    /// The oracle's census of the table against what is stored: `(truth, stored counts)`.
    pub fn census(&self) -> (oracle::Census, Vec<u64>) {
        let truth = oracle::census(
            &self.feed,
            self.inserted,
            &self.history_bounds(),
            &self.layout.bounds(),
        );
        (truth, self.stores.iter().map(|s| s.len() as u64).collect())
    }

    fn set_layout(&mut self, layout: Layout) {
        let layout = Arc::new(layout);
        self.history.push((self.inserted, layout.clone()));
        self.layout = layout;
    }

    /// Re-homes the rows of the partitions in `reread` (by old index) under `next`;
    /// the other partitions keep their rows under their (unchanged) names.
    fn reorganise(&mut self, next: Layout, reread: &[usize], growth: Growth) {
        let before: Vec<PartDef> = self.layout.parts().to_vec();
        let mut stores: Vec<PVec<Order>> = vec![PVec::new(); next.parts().len()];
        let mut flows: Vec<(usize, usize, u64)> = Vec::new();
        let mut sample = Vec::new();
        let (mut read, mut moved) = (0u64, 0u64);
        for (old, store) in self.stores.iter().enumerate() {
            if !reread.contains(&old) {
                let same = next.parts().iter().position(|p| p.name == before[old].name);
                if let Some(new) = same {
                    stores[new] = store.clone();
                    continue;
                }
            }
            for o in store.iter() {
                read += 1;
                // A kept row always has a home: partitions are only ever added.
                let Ok(new) = next.route(o.user, o.day) else {
                    continue;
                };
                stores[new].push(*o);
                if next.parts()[new].name != before[old].name {
                    moved += 1;
                    if sample.len() < MOVED_SAMPLE {
                        sample.push((*o, old, new));
                    }
                    match flows.iter_mut().find(|f| f.0 == old && f.1 == new) {
                        Some(f) => f.2 += 1,
                        None => flows.push((old, new, 1)),
                    }
                }
            }
        }
        flows.sort_unstable();
        let truth_moved = oracle::moved(
            self.stores.iter().flat_map(|s| s.iter()),
            &before,
            next.parts(),
        );
        let rows_total = self.stores.iter().map(|s| s.len() as u64).sum();
        self.new_parts = match growth {
            Growth::Split { new, .. } | Growth::Range { new } => vec![new],
            Growth::Rebuild { to, .. } => (0..to).collect(),
        };
        let report = Arc::new(MoveReport {
            growth,
            before,
            rows_total,
            rows_read: read,
            moved,
            flows,
            sample,
            truth_moved,
        });
        self.stores = stores;
        self.set_layout(next);
        self.last_move = Some(report.clone());
        self.last = Last::Grew(report);
    }

    fn add_partition(&mut self, arg: Option<u32>) -> Result<(), String> {
        match self.params.scheme {
            Scheme::Hash => match self.params.grow {
                Grow::Split => {
                    let biggest = (0..self.stores.len())
                        .max_by_key(|&i| (self.stores[i].len(), std::cmp::Reverse(i)))
                        .unwrap_or(0);
                    let part = arg.map_or(biggest, |a| a as usize);
                    let next = self.layout.split(part)?;
                    let new = next.parts().len() - 1;
                    self.reorganise(next, &[part], Growth::Split { part, new });
                }
                Grow::Rebuild => {
                    let from = self.layout.parts().len();
                    let next = self.layout.rebuilt()?;
                    let all: Vec<usize> = (0..from).collect();
                    self.reorganise(next, &all, Growth::Rebuild { from, to: from + 1 });
                }
            },
            Scheme::Range => {
                let next = self
                    .layout
                    .with_next_range(self.params.interval, self.params.closed_bounds)?;
                let default: Vec<usize> = self.layout.default_part().into_iter().collect();
                let new = next
                    .parts()
                    .iter()
                    .position(|p| !self.layout.parts().iter().any(|q| q.name == p.name))
                    .unwrap_or(0);
                self.reorganise(next, &default, Growth::Range { new });
            }
        }
        Ok(())
    }

    /// The calendar jumps to the first interval after every date so far and after the
    /// run's span (the same day under either scheme, so a compare stays aligned).
    fn new_period(&mut self) -> Result<(), String> {
        let interval = self.params.interval;
        let floor = self.max_day.max(self.params.days.saturating_sub(1));
        let day = interval_start(interval, interval_of(interval, floor) + 1);
        let planned = self.feed.planned_day(self.inserted);
        if day > u16::MAX as u32 {
            return Err("the calendar cannot move that far ahead".into());
        }
        if self.inserted >= self.params.rows {
            return Err("every order has been inserted".into());
        }
        self.feed.mark(Mark::Shift {
            from: self.inserted,
            offset: day.saturating_sub(planned),
        });
        let covered = self.layout.route(HOT_USER, day).is_ok();
        self.last = Last::NewPeriod { day, covered };
        Ok(())
    }

    fn burst(&mut self) -> Result<(), String> {
        let left = self.params.rows.saturating_sub(self.inserted);
        if left == 0 {
            return Err("every order has been inserted".into());
        }
        let len = (self.params.burst as u64).min(left);
        let day = self.feed.order(self.inserted).day;
        self.feed.mark(Mark::Burst {
            from: self.inserted,
            len,
            day,
        });
        self.last = Last::Burst {
            from: self.inserted,
            len,
            day,
        };
        Ok(())
    }
}

impl Scenario for Partitioning {
    type Params = PartParams;
    type View = super::view::PartView;
    const SLUG: &'static str = "partitioning";

    fn new(params: &PartParams, seed: u64) -> Result<Self, Vec<ParamError>> {
        let errors = params.validate();
        if !errors.is_empty() {
            return Err(errors);
        }
        let layout = Arc::new(match params.scheme {
            Scheme::Hash => Layout::hash(params.partitions),
            Scheme::Range => Layout::range(
                params.days,
                params.interval,
                params.closed_bounds,
                params.default_partition,
            ),
        });
        Ok(Partitioning {
            feed: Feed::new(seed, params.rows, params.users, params.skew, params.days),
            stores: vec![PVec::new(); layout.parts().len()],
            history: vec![(0, layout.clone())],
            layout,
            rejected: PVec::new(),
            refused_streak: 0,
            inserted: 0,
            max_day: 0,
            new_parts: Vec::new(),
            last: Last::Start,
            last_move: None,
            params: params.clone(),
        })
    }

    fn total_steps(&self) -> u64 {
        self.params.rows
    }

    fn step(&mut self) {
        let order = self.feed.order(self.inserted);
        self.inserted += 1;
        self.max_day = self.max_day.max(order.day);
        self.last = match self.layout.route(order.user, order.day) {
            Ok(part) => {
                if let Some(store) = self.stores.get_mut(part) {
                    store.push(order);
                }
                self.refused_streak = 0;
                Last::Stored { order, part }
            }
            Err(error) => {
                self.refused_streak += 1;
                self.rejected.push(order);
                Last::Rejected { order, error }
            }
        };
    }

    fn apply(&mut self, fault: &Fault) -> Result<(), String> {
        match fault.kind.as_str() {
            "hot-key-burst" => self.burst(),
            "add-partition" => self.add_partition(fault.arg),
            "new-quarter" => self.new_period(),
            other => Err(format!("this page has no fault “{other}”")),
        }
    }

    fn fault_specs() -> &'static [FaultSpec] {
        FAULTS
    }

    fn presets() -> &'static [Preset] {
        PRESETS
    }

    fn notable_means() -> &'static str {
        "a rejected insert, a partition added and the rows it moved, a hot-key burst or a new quarter"
    }

    fn narrate(&self) -> String {
        super::view::narrate(self)
    }

    /// The first of a run of refused inserts (not each one), and every fault.
    fn is_notable(&self) -> bool {
        match self.last {
            Last::Start | Last::Stored { .. } => false,
            Last::Rejected { .. } => self.refused_streak == 1,
            _ => true,
        }
    }

    fn view(&self) -> super::view::PartView {
        super::view::PartView::of(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Params, Timeline};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn preset(name: &str) -> Partitioning {
        let p = PRESETS.iter().find(|p| p.name == name).unwrap();
        let (params, faults) = p.load::<PartParams>();
        let mut t = Timeline::new(Partitioning::new(&params, p.seed).unwrap(), faults);
        t.seek(p.step);
        t.current().clone()
    }

    #[test]
    fn the_notes_bounds_refuse_the_last_day_of_the_quarter() {
        let s = preset("note-bounds");
        let Last::Rejected { order, error } = s.last() else {
            panic!("{:?}", s.last())
        };
        assert_eq!((order.day, error.day), (90, 90), "2024-03-31");
        assert!(s.rejected().iter().all(|o| o.day == 90));
        assert!(super::super::view::narrate(&s).contains("TO ('2024-03-31') excludes"));
        // With DEFAULT the same rows are kept there, and no insert fails.
        let d = preset("default-catches");
        assert_eq!(d.rejected().len(), 0);
        let default = d.layout().default_part().unwrap();
        assert!(d.stores()[default]
            .iter()
            .all(|o| o.day == 90 || o.day == 181));
        assert!(!d.stores()[default].is_empty());
    }

    #[test]
    fn a_new_quarter_fails_until_its_partition_exists() {
        let s = preset("new-quarter");
        let refused = s.rejected().len() as u64;
        assert_eq!(refused, 300, "every insert between the two faults");
        assert!(s.rejected().iter().all(|o| o.day >= 182));
        let Last::Grew(m) = s.last() else {
            panic!("{:?}", s.last())
        };
        assert_eq!(m.moved, 0);
        assert_eq!(s.layout().parts()[2].name, "orders_2024_q3");
        let mut after = s.clone();
        after.step();
        assert!(matches!(after.last(), Last::Stored { part: 2, .. }));
    }

    #[test]
    fn splitting_moves_about_half_of_one_partition_and_rebuilding_most_of_the_table() {
        let s = preset("hash-split");
        let m = s.last_move().unwrap();
        let Growth::Split { part, new } = m.growth else {
            panic!()
        };
        let half = m.rows_read as f64 / 2.0;
        assert!(
            (m.moved as f64 - half).abs() < half * 0.35,
            "{} of {}",
            m.moved,
            m.rows_read
        );
        assert_eq!(m.flows, vec![(part, new, m.moved)]);
        assert_eq!(m.truth_moved, m.moved);
        let r = preset("hash-rebuild");
        let m = r.last_move().unwrap();
        assert_eq!(m.rows_read, m.rows_total);
        let share = m.moved as f64 / m.rows_total as f64;
        assert!((0.65..0.95).contains(&share), "{share}");
        assert_eq!(m.truth_moved, m.moved);
    }

    #[test]
    fn a_burst_fills_one_partition_and_bad_faults_change_nothing() {
        let s = preset("hot-user");
        let sizes: Vec<usize> = s.stores().iter().map(|st| st.len()).collect();
        let mean = sizes.iter().sum::<usize>() as f64 / sizes.len() as f64;
        let hot = s.layout().hash_home(HOT_USER).unwrap();
        assert!(sizes[hot] as f64 > 1.5 * mean, "{sizes:?}");
        let mut t = s.clone();
        assert!(t.apply(&Fault::new("nope")).is_err());
        let mut p = PartParams::default();
        p.set("rows", "10").unwrap();
        let mut done = Partitioning::new(&p, 1).unwrap();
        for _ in 0..10 {
            done.step();
        }
        assert!(done.apply(&Fault::new("hot-key-burst")).is_err());
        assert!(done.apply(&Fault::new("new-quarter")).is_err());
        let mut full = Partitioning::new(
            &PartParams {
                scheme: Scheme::Hash,
                partitions: 32,
                ..PartParams::default()
            },
            1,
        )
        .unwrap();
        // Splitting the same (empty, so "biggest") partition stops at the largest modulus.
        let refused = (0..40).find_map(|_| full.apply(&Fault::new("add-partition")).err());
        assert!(refused.unwrap().contains("modulus 2048"));
        assert_eq!(full.layout().parts().len(), 37);
        let mut rebuilt = Partitioning::new(
            &PartParams {
                scheme: Scheme::Hash,
                partitions: 32,
                grow: Grow::Rebuild,
                ..PartParams::default()
            },
            1,
        )
        .unwrap();
        let refused = (0..40).find_map(|_| rebuilt.apply(&Fault::new("add-partition")).err());
        assert!(refused.unwrap().contains("64 partitions"));
        assert_eq!(rebuilt.layout().parts().len(), 64);
    }
}

#[cfg(test)]
mod preset_text_tests {
    use super::*;
    use crate::format::count;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The steps of the first and last refused insert, walking the preset's run to its
    /// landing step.
    fn refused_span(preset: &Preset) -> Option<(u64, u64)> {
        let (params, _) = preset.load::<PartParams>();
        let mut s = Partitioning::new(&params, preset.seed).ok()?;
        let mut span: Option<(u64, u64)> = None;
        for step in 1..=preset.step {
            s.step();
            if matches!(s.last(), Last::Rejected { .. }) {
                span = Some(span.map_or((step, step), |(a, _)| (a, step)));
            }
        }
        span
    }

    #[test]
    fn the_note_bounds_preset_names_the_steps_its_run_refuses() {
        let preset = PRESETS.iter().find(|p| p.name == "note-bounds").unwrap();
        let (first, last) = refused_span(preset).expect("the note's bounds refuse inserts");
        assert_eq!(
            last, preset.step,
            "the preset lands on the last refused insert"
        );
        for n in [first, last] {
            assert!(
                preset.description.contains(&count(n)),
                "the description should name step {}: {}",
                count(n),
                preset.description
            );
        }
    }
}

//! What the /partitioning page draws: each partition with its bound and size, the hot
//! ones, the last step's story, and pages of a partition's rows and the refused inserts.

use std::sync::Arc;

use crate::calendar::day_text;
use crate::format::{count, money, percent};

use super::feed::{Order, HOT_USER};
use super::layout::{interval_of, Bound, Layout};
use super::params::Scheme;
use super::scenario::{Growth, Last, MoveReport, Partitioning};

/// One partition as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct PartInfo {
    pub name: String,
    /// Its bound as DDL.
    pub bound: String,
    pub rows: u64,
    /// More than 1.5 × the mean partition's rows.
    pub hot: bool,
    /// The last insert went here.
    pub target: bool,
    /// Created by the last "add a partition".
    pub new: bool,
    pub is_default: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PartView {
    pub step: u64,
    pub total: u64,
    pub scheme: Scheme,
    pub parts: Vec<PartInfo>,
    pub stored: u64,
    pub rejected: u64,
    /// Rows of the biggest partition over the mean.
    pub max_over_mean: f64,
    pub last: Last,
    pub last_move: Option<Arc<MoveReport>>,
    /// The last order's date.
    pub day: Option<u32>,
}

/// Partitions at least this many times the mean are hot.
pub const HOT_FACTOR: f64 = 1.5;

impl PartView {
    pub fn of(s: &Partitioning) -> PartView {
        let sizes: Vec<u64> = s.stores().iter().map(|st| st.len() as u64).collect();
        let stored: u64 = sizes.iter().sum();
        let mean = stored as f64 / sizes.len().max(1) as f64;
        let target = match s.last() {
            Last::Stored { part, .. } => Some(*part),
            _ => None,
        };
        let parts = s
            .layout()
            .parts()
            .iter()
            .enumerate()
            .map(|(i, p)| PartInfo {
                name: p.name.clone(),
                bound: p.bound.sql(),
                rows: sizes.get(i).copied().unwrap_or(0),
                hot: stored > 0 && sizes.get(i).copied().unwrap_or(0) as f64 >= HOT_FACTOR * mean,
                target: target == Some(i),
                new: s.new_parts().contains(&i),
                is_default: p.bound == Bound::Default,
            })
            .collect();
        let day = match s.last() {
            Last::Stored { order, .. } | Last::Rejected { order, .. } => Some(order.day),
            _ => None,
        };
        PartView {
            step: s.inserted(),
            total: s.params().rows,
            scheme: s.params().scheme,
            parts,
            stored,
            rejected: s.rejected().len() as u64,
            max_over_mean: if mean > 0.0 {
                sizes.iter().copied().max().unwrap_or(0) as f64 / mean
            } else {
                0.0
            },
            last: s.last().clone(),
            last_move: s.last_move().cloned(),
            day,
        }
    }
}

fn order_text(o: &Order) -> String {
    format!(
        "order {} (user {}, {}, {})",
        o.order_id(),
        o.user,
        day_text(o.day),
        money(o.amount_cents as i64)
    )
}

/// Why a refused day had no partition, in words.
fn why_no_partition(layout: &Layout, day: u32, closed: bool) -> String {
    let last_day = layout.ranges().find(|&(_, to, _)| to == day);
    match (last_day, closed) {
        (Some((_, to, _)), true) => format!(
            " The partition ending TO ('{}') excludes that very day: range upper bounds are exclusive.",
            day_text(to)
        ),
        _ => " No partition's range includes that date (create it ahead of time, or add a DEFAULT partition).".to_string(),
    }
}

/// One sentence for the last step or fault.
pub fn narrate(s: &Partitioning) -> String {
    let layout = s.layout();
    let name = |i: usize| {
        layout
            .parts()
            .get(i)
            .map_or("?".to_string(), |p| p.name.clone())
    };
    match s.last() {
        Last::Start => format!(
            "An empty orders table partitioned by {} into {} partitions: {}.",
            s.params().scheme.label(),
            layout.parts().len(),
            layout
                .parts()
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Last::Stored { order, part } => {
            let bound = layout.parts().get(*part).map(|p| p.bound);
            let how = match bound {
                Some(Bound::Hash { modulus, remainder }) => {
                    format!("hash(user {}) mod {modulus} = {remainder}", order.user)
                }
                Some(Bound::Range { from, to }) => format!(
                    "{} is in [{}, {})",
                    day_text(order.day),
                    day_text(from),
                    day_text(to)
                ),
                _ => "no other partition accepts it".to_string(),
            };
            format!(
                "Inserted {} into {}: {how}. It now holds {} rows.",
                order_text(order),
                name(*part),
                count(s.stores().get(*part).map_or(0, |st| st.len() as u64))
            )
        }
        Last::Rejected { order, error } => format!(
            "INSERT of {} failed: {}.{}",
            order_text(order),
            error.message(),
            why_no_partition(layout, error.day, s.params().closed_bounds)
        ),
        Last::Grew(m) => grew_text(m, layout),
        Last::Burst { len, day, .. } => {
            let home = layout
                .route(HOT_USER, *day)
                .map_or("no partition (they will be refused)".to_string(), name);
            format!(
                "Hot-key burst: the next {} orders come from user {HOT_USER}, all dated {} — every one lands in {home}.",
                count(*len),
                day_text(*day)
            )
        }
        Last::NewPeriod { day, covered } => {
            let noun = s.params().interval.noun();
            let what = match (s.params().scheme, covered, layout.default_part()) {
                (Scheme::Hash, _, _) => {
                    "hash partitions do not look at dates, so nothing changes for them".to_string()
                }
                (_, true, Some(d)) if layout.route(HOT_USER, *day) == Ok(d) => {
                    "no partition covers it, so its orders pile up in DEFAULT".to_string()
                }
                (_, true, _) => "a partition for it already exists".to_string(),
                (_, false, _) => format!(
                    "no partition covers this {noun}, so every insert fails until one is created"
                ),
            };
            format!(
                "The calendar reached {} (the {noun} starting there, #{}): {what}.",
                day_text(*day),
                interval_of(s.params().interval, *day) + 1
            )
        }
    }
}

fn grew_text(m: &MoveReport, layout: &Layout) -> String {
    let name = |i: usize| {
        layout
            .parts()
            .get(i)
            .map_or("?".to_string(), |p| p.name.clone())
    };
    let share = percent(if m.rows_total == 0 {
        0.0
    } else {
        m.moved as f64 / m.rows_total as f64
    });
    match &m.growth {
        Growth::Split { part, new } => format!(
            "Split {} into {} and {} ({}): read its {} rows; {} moved to {} ({share} of the table); no other partition was touched.",
            m.before.get(*part).map_or("?".to_string(), |p| p.name.clone()),
            name(*part),
            name(*new),
            layout.parts().get(*new).map_or(String::new(), |p| p.bound.sql()),
            count(m.rows_read),
            count(m.moved),
            name(*new)
        ),
        Growth::Rebuild { from, to } => format!(
            "Rebuilt the table with {to} hash partitions instead of {from}: read all {} rows; {} of them ({share}) changed partition.",
            count(m.rows_read),
            count(m.moved)
        ),
        Growth::Range { new } => {
            let bound = layout.parts().get(*new).map_or(String::new(), |p| p.bound.sql());
            if layout.default_part().is_some() {
                format!(
                    "Created {} {bound}: DEFAULT held {} rows; {} of them belong to the new range and moved out of DEFAULT (PostgreSQL refuses the CREATE while DEFAULT holds them, so they are moved in the same transaction).",
                    name(*new),
                    count(m.rows_read),
                    count(m.moved)
                )
            } else {
                format!("Created {} {bound}: its orders are accepted from now on; no row moved.", name(*new))
            }
        }
    }
}

/// Up to `n` rows of partition `part` from `start`: order id, user, date, amount.
pub fn part_rows(s: &Partitioning, part: usize, start: usize, n: usize) -> Vec<Vec<String>> {
    s.stores()
        .get(part)
        .map(|st| st.page(start, n))
        .unwrap_or_default()
        .iter()
        .map(|o| {
            vec![
                o.order_id().to_string(),
                o.user.to_string(),
                day_text(o.day),
                money(o.amount_cents as i64),
            ]
        })
        .collect()
}

/// Up to `n` refused inserts from `start`: order id, user, date, error.
pub fn rejected_rows(s: &Partitioning, start: usize, n: usize) -> Vec<Vec<String>> {
    s.rejected()
        .page(start, n)
        .iter()
        .map(|o| {
            vec![
                o.order_id().to_string(),
                o.user.to_string(),
                day_text(o.day),
                "no partition of relation \"orders\" found for row".to_string(),
            ]
        })
        .collect()
}

/// The rows a partition holds, its share and its date and user range, in one sentence.
pub fn part_detail(s: &Partitioning, part: usize) -> String {
    let Some(def) = s.layout().parts().get(part) else {
        return format!("Partition {part} does not exist.");
    };
    let store = &s.stores()[part.min(s.stores().len().saturating_sub(1))];
    let total: u64 = s.stores().iter().map(|st| st.len() as u64).sum();
    let (mut lo, mut hi) = (u32::MAX, 0u32);
    let mut users: Vec<u32> = Vec::new();
    for o in store.iter() {
        lo = lo.min(o.day);
        hi = hi.max(o.day);
        users.push(o.user);
    }
    users.sort_unstable();
    users.dedup();
    let dates = if store.is_empty() {
        "no rows yet".to_string()
    } else {
        format!(
            "orders dated {} to {}, from {} distinct users",
            day_text(lo),
            day_text(hi),
            count(users.len() as u64)
        )
    };
    format!(
        "{} {}: {} rows ({} of the table); {dates}.",
        def.name,
        def.bound.sql(),
        count(store.len() as u64),
        percent(if total == 0 {
            0.0
        } else {
            store.len() as f64 / total as f64
        })
    )
}

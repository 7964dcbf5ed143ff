//! Ground truth for ETL/ELT: the revenue aggregate of one extract, computed from the
//! extract's CSV lines alone. Its own CSV reader, its own amount check and its own
//! de-duplication; it never imports `patterns::etl_elt`, so a bug in the pipelines' shared
//! transform cannot hide here.
//!
//! It folds both rules at once (every valid order; paid orders only), so a rule change
//! never needs the extract again.

use std::collections::BTreeMap;

use crate::sim::parray::{PArray, PBitSet};

/// `(cents, orders)` per key under each rule: `[every valid order, paid only]`.
type Cell = ([i64; 2], [u64; 2]);

/// The answer: key (a category name, or a user id in decimal) → `(cents, orders)`.
pub type Answer = BTreeMap<String, (i64, u64)>;

/// An extract folded line by line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExtractTruth {
    by_user: bool,
    seen: PBitSet,
    /// Category keys (few): name and cell, found by linear search.
    names: Vec<(String, Cell)>,
    /// User keys (many): a shared-chunk array indexed by user id.
    ids: PArray<Cell>,
    max_id: u32,
    /// Lines folded.
    pub lines: u64,
}

/// Splits a CSV line into fields; a field in double quotes may hold commas.
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in line.chars() {
        match (ch, quoted) {
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Cents of a money field written as digits, a point and exactly two digits.
fn cents(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let n = b.len();
    if !(4..=15).contains(&n) || b[n - 3] != b'.' {
        return None;
    }
    let mut v: i64 = 0;
    for (i, &c) in b.iter().enumerate() {
        if i == n - 3 {
            continue;
        }
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Some(v)
}

impl ExtractTruth {
    pub fn new(by_user: bool) -> ExtractTruth {
        ExtractTruth {
            by_user,
            ..ExtractTruth::default()
        }
    }

    /// Folds one line `order_id,user_id,category,amount,status,updated_at`. Within one
    /// extract every copy of an order is identical, so the first copy stands.
    pub fn fold_line(&mut self, line: &str) {
        self.lines += 1;
        let f = fields(line);
        if f.len() != 6 {
            return;
        }
        let Ok(order) = f[0].parse::<u64>() else {
            return;
        };
        if !self.seen.insert(order) {
            return;
        }
        if f[2].is_empty() {
            return;
        }
        let Some(c) = cents(&f[3]) else {
            return;
        };
        let paid = f[4] == "paid";
        let add = |cell: &mut Cell| {
            cell.0[0] += c;
            cell.1[0] += 1;
            if paid {
                cell.0[1] += c;
                cell.1[1] += 1;
            }
        };
        if self.by_user {
            let Ok(user) = f[1].parse::<u32>() else {
                return;
            };
            self.ids.update(user as usize, add);
            self.max_id = self.max_id.max(user);
        } else {
            match self.names.iter_mut().find(|(n, _)| *n == f[2]) {
                Some((_, cell)) => add(cell),
                None => {
                    let mut cell = Cell::default();
                    add(&mut cell);
                    self.names.push((f[2].clone(), cell));
                }
            }
        }
    }

    /// One user's `(cents, orders)` under one rule (zeros if none).
    pub fn user(&self, id: u32, paid_only: bool) -> (i64, u64) {
        let (c, o) = self.ids.get(id as usize);
        let r = paid_only as usize;
        (c[r], o[r])
    }

    /// The largest user id folded.
    pub fn max_user(&self) -> u32 {
        self.max_id
    }

    /// Each category name folded, with its `(cents, orders)` under one rule.
    pub fn categories(&self, paid_only: bool) -> Vec<(&str, i64, u64)> {
        let r = paid_only as usize;
        self.names
            .iter()
            .map(|(n, (c, o))| (n.as_str(), c[r], o[r]))
            .collect()
    }

    /// The aggregate under one rule, only keys with orders.
    pub fn answer(&self, paid_only: bool) -> Answer {
        let r = paid_only as usize;
        let mut out = Answer::new();
        if self.by_user {
            for u in 0..=self.max_id {
                let (c, o) = self.ids.get(u as usize);
                if o[r] > 0 {
                    out.insert(u.to_string(), (c[r], o[r]));
                }
            }
        } else {
            for (n, (c, o)) in &self.names {
                if o[r] > 0 {
                    out.insert(n.clone(), (c[r], o[r]));
                }
            }
        }
        out
    }
}

/// Keys whose `(cents, orders)` differ between two answers (a key missing on one side
/// counts), and the total money difference in cents.
pub fn diff(a: &Answer, b: &Answer) -> (u64, i64) {
    let mut keys = 0;
    let mut money = 0i64;
    for (k, va) in a {
        match b.get(k) {
            Some(vb) if vb == va => {}
            Some(vb) => {
                keys += 1;
                money += (va.0 - vb.0).abs();
            }
            None => {
                keys += 1;
                money += va.0.abs();
            }
        }
    }
    for (k, vb) in b {
        if !a.contains_key(k) {
            keys += 1;
            money += vb.0.abs();
        }
    }
    (keys, money)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn folds_lines_by_hand() {
        let mut t = ExtractTruth::new(false);
        for line in [
            "100001,1,books,10.00,paid,0",
            "100001,1,books,10.00,paid,0",
            "100002,2,books,2.50,cancelled,0",
            "100003,2,,3.00,paid,0",
            "100004,2,games,\"3,00\",paid,0",
            "100005,3,games,,paid,0",
            "100006,3,games,-1.00,paid,0",
            "100007,3,games,7.25,paid,0",
        ] {
            t.fold_line(line);
        }
        let all = t.answer(false);
        assert_eq!(all["books"], (1250, 2));
        assert_eq!(all["games"], (725, 1));
        assert_eq!(t.answer(true)["books"], (1000, 1));
        let mut u = ExtractTruth::new(true);
        u.fold_line("100009,42,music,1.01,paid,0");
        assert_eq!(u.answer(false)["42"], (101, 1));
        assert_eq!(diff(&all, &t.answer(true)), (1, 250));
    }
}

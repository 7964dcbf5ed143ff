//! A seeded stream of order commands: a fixed number of orders in flight, each collecting
//! items, paid for its total and shipped (some cancelled on the way); finished orders are
//! replaced by new ones. A share of commands is deliberately invalid (paying a cancelled
//! order, shipping twice, a wrong amount, an unknown order) — whether a command is valid
//! is decided by the write model, never here.

use crate::sim::Rng;

use super::domain::{Command, OrderId, OrderState, Status};

/// The workload knobs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GenParams {
    /// Orders in flight at once.
    pub open: u32,
    /// Mean items per order.
    pub items: u32,
    /// Share of commands that should be refused.
    pub invalid_share: f64,
    /// Share of orders cancelled instead of shipped.
    pub cancel_share: f64,
    pub users: u32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Slot {
    order: OrderId,
    /// Items to collect before paying.
    items: u32,
    /// Cancel once this many items are in (or, if more than `items`, once paid).
    cancel_after: Option<u32>,
}

/// Finished orders remembered as targets for invalid commands.
const RECENT: usize = 16;

/// The generator's state (cloned with the scenario's checkpoints: small and bounded).
#[derive(Clone, Debug, PartialEq)]
pub struct CommandGen {
    p: GenParams,
    rng: Rng,
    slots: Vec<Slot>,
    next_order: OrderId,
    recent_final: Vec<OrderId>,
}

impl CommandGen {
    pub fn new(p: GenParams, seed: u64) -> Self {
        let mut g = CommandGen {
            p,
            rng: Rng::stream(seed, "orders.commands"),
            slots: Vec::new(),
            next_order: 1,
            recent_final: Vec::new(),
        };
        for _ in 0..p.open.max(1) {
            let s = g.new_slot();
            g.slots.push(s);
        }
        g
    }

    /// The highest order id handed out so far.
    pub fn orders(&self) -> u32 {
        self.next_order - 1
    }

    fn new_slot(&mut self) -> Slot {
        let order = self.next_order;
        self.next_order += 1;
        let mean = self.p.items.max(1) as u64;
        let items = 1 + self.rng.below(2 * mean - 1) as u32;
        let cancel_after = self
            .rng
            .chance(self.p.cancel_share)
            .then(|| self.rng.below(items as u64 + 2) as u32);
        Slot {
            order,
            items,
            cancel_after,
        }
    }

    /// A price for an item, $1.99 to $199.99.
    pub fn amount(&mut self) -> i64 {
        self.rng.range_inclusive(199, 19_999)
    }

    /// The next command, given each order's current state.
    pub fn next(&mut self, state_of: impl Fn(OrderId) -> OrderState) -> (OrderId, Command) {
        if self.rng.chance(self.p.invalid_share) {
            return self.invalid(&state_of);
        }
        self.next_valid(state_of)
    }

    /// The next command of a randomly chosen order in flight (valid for the state given).
    pub fn next_valid(&mut self, state_of: impl Fn(OrderId) -> OrderState) -> (OrderId, Command) {
        let i = self.rng.below(self.slots.len() as u64) as usize;
        self.planned(i, &state_of)
    }

    /// The order in flight a writer would touch next, without moving the generator.
    pub fn in_flight(&self) -> impl Iterator<Item = OrderId> + '_ {
        self.slots.iter().map(|s| s.order)
    }

    /// The next planned command of the order in slot `i`.
    fn planned(
        &mut self,
        i: usize,
        state_of: &impl Fn(OrderId) -> OrderState,
    ) -> (OrderId, Command) {
        let Some(mut slot) = self.slots.get(i).copied() else {
            return (self.next_order, Command::Create { user: 1 });
        };
        let mut state = state_of(slot.order);
        if state.status.is_final() {
            self.remember_final(slot.order);
            slot = self.new_slot();
            self.slots[i] = slot;
            state = state_of(slot.order);
        }
        let cmd = match state.status {
            Status::None => Command::Create {
                user: 1 + self.rng.below(self.p.users.max(1) as u64) as u32,
            },
            Status::Open if slot.cancel_after == Some(state.items) => Command::Cancel,
            Status::Open if state.items < slot.items => Command::AddItem {
                amount_cents: self.amount(),
            },
            Status::Open => Command::Pay {
                amount_cents: state.total_cents,
            },
            Status::Paid if slot.cancel_after.is_some_and(|c| c > slot.items) => Command::Cancel,
            Status::Paid => Command::Ship,
            // Final states were replaced above; a final state here cannot occur.
            Status::Shipped | Status::Cancelled => Command::Ship,
        };
        (slot.order, cmd)
    }

    /// The planned command for `order` if it is in flight.
    pub fn planned_for(
        &mut self,
        order: OrderId,
        state_of: impl Fn(OrderId) -> OrderState,
    ) -> Option<Command> {
        let i = self.slots.iter().position(|s| s.order == order)?;
        let (o, c) = self.planned(i, &state_of);
        (o == order).then_some(c)
    }

    fn remember_final(&mut self, order: OrderId) {
        if self.recent_final.len() == RECENT {
            self.recent_final.remove(0);
        }
        self.recent_final.push(order);
    }

    /// A command that should be refused: the mistakes real clients make.
    fn invalid(&mut self, state_of: &impl Fn(OrderId) -> OrderState) -> (OrderId, Command) {
        let kind = self.rng.below(5);
        let finished = (!self.recent_final.is_empty())
            .then(|| self.recent_final[self.rng.below(self.recent_final.len() as u64) as usize]);
        let open = self.slots[self.rng.below(self.slots.len() as u64) as usize].order;
        match (kind, finished) {
            // Act on a finished order: pay a cancelled one, ship twice, add to a closed one.
            (0, Some(o)) => {
                let s = state_of(o);
                (
                    o,
                    Command::Pay {
                        amount_cents: s.total_cents,
                    },
                )
            }
            (1, Some(o)) => (o, Command::Ship),
            (2, Some(o)) => (
                o,
                Command::AddItem {
                    amount_cents: self.amount(),
                },
            ),
            // Ship before paying, or pay the wrong amount.
            (3, _) => (open, Command::Ship),
            (4, _) => {
                let s = state_of(open);
                (
                    open,
                    Command::Pay {
                        amount_cents: s.total_cents + self.amount(),
                    },
                )
            }
            // An order nobody created.
            _ => (self.next_order + 1_000, Command::Cancel),
        }
    }
}

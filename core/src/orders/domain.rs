//! An order's life as a state machine: a command is checked against the current state
//! ([`decide`]) and either becomes one event or is rejected with a reason; the state is the
//! fold of the events ([`evolve`]).
//!
//! Open → (items added) → Paid → Shipped, or Cancelled from Open or Paid. Payment must
//! match the order's total and needs at least one item.

use crate::format::money;

/// Orders are numbered from 1.
pub type OrderId = u32;

/// Where an order is in its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Status {
    /// No event yet: the order does not exist.
    #[default]
    None,
    Open,
    Paid,
    Shipped,
    Cancelled,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::None => "not created",
            Status::Open => "open",
            Status::Paid => "paid",
            Status::Shipped => "shipped",
            Status::Cancelled => "cancelled",
        }
    }

    /// Shipped or cancelled: nothing more can happen to it.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Shipped | Status::Cancelled)
    }
}

/// An order's state: the fold of its events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrderState {
    pub status: Status,
    pub user: u32,
    /// Items added.
    pub items: u32,
    pub total_cents: i64,
    pub paid_cents: i64,
    /// Events folded (the stream's version).
    pub version: u32,
}

/// What a writer asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Create {
        user: u32,
    },
    /// Add an item (this page's fifth event type).
    AddItem {
        amount_cents: i64,
    },
    Pay {
        amount_cents: i64,
    },
    Ship,
    Cancel,
}

impl Command {
    pub fn label(&self) -> String {
        match self {
            Command::Create { user } => format!("CreateOrder(user {user})"),
            Command::AddItem { amount_cents } => format!("AddItem({})", money(*amount_cents)),
            Command::Pay { amount_cents } => format!("PayOrder({})", money(*amount_cents)),
            Command::Ship => "ShipOrder".to_string(),
            Command::Cancel => "CancelOrder".to_string(),
        }
    }
}

/// An event as the current (v2) schema has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventBody {
    Created { user: u32 },
    ItemAdded { amount_cents: i64 },
    Paid { amount_cents: i64 },
    Shipped,
    Cancelled,
}

impl EventBody {
    pub fn name(&self) -> &'static str {
        match self {
            EventBody::Created { .. } => "OrderCreated",
            EventBody::ItemAdded { .. } => "ItemAdded",
            EventBody::Paid { .. } => "OrderPaid",
            EventBody::Shipped => "OrderShipped",
            EventBody::Cancelled => "OrderCancelled",
        }
    }

    /// The amount it carries, if any.
    pub fn amount_cents(&self) -> Option<i64> {
        match self {
            EventBody::ItemAdded { amount_cents } | EventBody::Paid { amount_cents } => {
                Some(*amount_cents)
            }
            _ => None,
        }
    }
}

/// Why a command was refused. Nothing is appended for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    AlreadyExists,
    NoSuchOrder,
    /// The command needs an open order and the order is in this state.
    NotOpen(Status),
    /// Payment for an order with no items.
    Empty,
    /// The payment does not match the order's total.
    WrongAmount {
        total_cents: i64,
        offered_cents: i64,
    },
    /// Shipping needs a paid order.
    NotPaid(Status),
    /// Cancelling needs an open or paid order.
    CannotCancel(Status),
}

impl Rejection {
    /// One sentence for the log.
    pub fn reason(&self) -> String {
        match self {
            Rejection::AlreadyExists => "the order already exists".into(),
            Rejection::NoSuchOrder => "there is no such order".into(),
            Rejection::NotOpen(s) => format!("the order is {}, not open", s.label()),
            Rejection::Empty => "the order has no items to pay for".into(),
            Rejection::WrongAmount {
                total_cents,
                offered_cents,
            } => format!(
                "the payment of {} does not match the order's total of {}",
                money(*offered_cents),
                money(*total_cents)
            ),
            Rejection::NotPaid(Status::Shipped) => "the order was already shipped".into(),
            Rejection::NotPaid(s) => format!("the order is {}: only a paid order ships", s.label()),
            Rejection::CannotCancel(Status::Shipped) => {
                "the order was already shipped: too late to cancel".into()
            }
            Rejection::CannotCancel(s) => format!("the order is {}: nothing to cancel", s.label()),
        }
    }
}

/// Checks `command` against `state` (the order's fold) and returns the event it becomes.
pub fn decide(state: &OrderState, command: &Command) -> Result<EventBody, Rejection> {
    let s = state.status;
    match *command {
        Command::Create { user } => match s {
            Status::None => Ok(EventBody::Created { user }),
            _ => Err(Rejection::AlreadyExists),
        },
        _ if s == Status::None => Err(Rejection::NoSuchOrder),
        Command::AddItem { amount_cents } => match s {
            Status::Open => Ok(EventBody::ItemAdded { amount_cents }),
            _ => Err(Rejection::NotOpen(s)),
        },
        Command::Pay { amount_cents } => match s {
            Status::Open if state.items == 0 => Err(Rejection::Empty),
            Status::Open if amount_cents != state.total_cents => Err(Rejection::WrongAmount {
                total_cents: state.total_cents,
                offered_cents: amount_cents,
            }),
            Status::Open => Ok(EventBody::Paid { amount_cents }),
            _ => Err(Rejection::NotOpen(s)),
        },
        Command::Ship => match s {
            Status::Paid => Ok(EventBody::Shipped),
            _ => Err(Rejection::NotPaid(s)),
        },
        Command::Cancel => match s {
            Status::Open | Status::Paid => Ok(EventBody::Cancelled),
            _ => Err(Rejection::CannotCancel(s)),
        },
    }
}

/// The state after one more event. Total: an event that does not fit (never appended by
/// [`decide`]) still only moves the version and its own fields.
pub fn evolve(state: &OrderState, event: &EventBody) -> OrderState {
    let mut next = *state;
    next.version += 1;
    match *event {
        EventBody::Created { user } => {
            next.status = Status::Open;
            next.user = user;
        }
        EventBody::ItemAdded { amount_cents } => {
            next.items += 1;
            next.total_cents = next.total_cents.saturating_add(amount_cents);
        }
        EventBody::Paid { amount_cents } => {
            next.status = Status::Paid;
            next.paid_cents = amount_cents;
        }
        EventBody::Shipped => next.status = Status::Shipped,
        EventBody::Cancelled => next.status = Status::Cancelled,
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn fold(events: &[EventBody]) -> OrderState {
        events
            .iter()
            .fold(OrderState::default(), |s, e| evolve(&s, e))
    }

    #[test]
    fn the_notes_invalid_transitions_are_refused_with_a_reason() {
        let cancelled = fold(&[EventBody::Created { user: 1 }, EventBody::Cancelled]);
        let pay = decide(&cancelled, &Command::Pay { amount_cents: 0 }).unwrap_err();
        assert_eq!(pay, Rejection::NotOpen(Status::Cancelled));
        assert!(pay.reason().contains("cancelled"));
        let shipped = fold(&[
            EventBody::Created { user: 1 },
            EventBody::ItemAdded { amount_cents: 250 },
            EventBody::Paid { amount_cents: 250 },
            EventBody::Shipped,
        ]);
        let twice = decide(&shipped, &Command::Ship).unwrap_err();
        assert!(
            twice.reason().contains("already shipped"),
            "{}",
            twice.reason()
        );
        assert_eq!(shipped.version, 4);
        assert_eq!((shipped.items, shipped.total_cents), (1, 250));
    }

    #[test]
    fn payment_must_match_the_total() {
        let open = fold(&[
            EventBody::Created { user: 3 },
            EventBody::ItemAdded { amount_cents: 100 },
            EventBody::ItemAdded { amount_cents: 50 },
        ]);
        assert_eq!(
            decide(&open, &Command::Pay { amount_cents: 100 }),
            Err(Rejection::WrongAmount {
                total_cents: 150,
                offered_cents: 100
            })
        );
        assert_eq!(
            decide(&open, &Command::Pay { amount_cents: 150 }),
            Ok(EventBody::Paid { amount_cents: 150 })
        );
        assert_eq!(
            decide(&OrderState::default(), &Command::Ship),
            Err(Rejection::NoSuchOrder)
        );
    }
}

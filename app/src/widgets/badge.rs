//! Ground-truth badges: correct / wrong by N / pending, against truth so far or final truth.

use leptos::prelude::*;
use pipelab_core::format::money as dollars;

/// What a computed answer is compared against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TruthScope {
    /// Events arrived up to this step.
    SoFar,
    /// The whole input.
    Final,
}

/// A badge's state.
#[derive(Clone, Debug, PartialEq)]
pub enum Truth {
    Correct,
    /// Wrong by `delta` (computed − truth).
    Wrong(i64),
    Pending,
}

/// A difference in cents as money with its sign: `+$771.65`, `-$0.05`.
pub fn signed_money(cents: i64) -> String {
    format!(
        "{}{}",
        if cents < 0 { "-" } else { "+" },
        dollars(cents.saturating_abs())
    )
}

/// `truth-<metric>` (PAGE-CONTRACT.md): says its state in words, not colour alone. On a
/// compare page `side` (`a` / `b`) makes it `a-truth-<metric>`. With `money` the
/// difference (in cents) reads as money; `data-delta` stays the number of cents.
#[component]
pub fn TruthBadge(
    metric: &'static str,
    #[prop(optional)] side: Option<&'static str>,
    #[prop(optional)] money: bool,
    scope: TruthScope,
    #[prop(into)] truth: Signal<Truth>,
) -> impl IntoView {
    let scope_attr = match scope {
        TruthScope::SoFar => "so-far",
        TruthScope::Final => "final",
    };
    let scope_text = match scope {
        TruthScope::SoFar => "vs truth so far",
        TruthScope::Final => "vs final truth",
    };
    view! {
        <span
            class=move || match truth.get() {
                Truth::Correct => "badge badge-correct",
                Truth::Wrong(_) => "badge badge-wrong",
                Truth::Pending => "badge badge-pending",
            }
            data-testid=match side {
                Some(side) => format!("{side}-truth-{metric}"),
                None => format!("truth-{metric}"),
            }
            data-state=move || match truth.get() {
                Truth::Correct => "correct",
                Truth::Wrong(_) => "wrong",
                Truth::Pending => "pending",
            }
            data-delta=move || match truth.get() {
                Truth::Wrong(d) => d.to_string(),
                _ => "0".to_string(),
            }
            data-truth=scope_attr
        >
            {move || match truth.get() {
                Truth::Correct => format!("✓ correct {scope_text}"),
                Truth::Wrong(d) if money => {
                    format!("✗ wrong by {} {scope_text}", signed_money(d))
                }
                Truth::Wrong(d) => format!("✗ wrong by {d:+} {scope_text}"),
                Truth::Pending => format!("… pending ({scope_text})"),
            }}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 22 (newcomer): the CQRS badges said "wrong by +77165" (cents, no unit).
    #[test]
    fn a_money_difference_reads_as_money_with_its_sign() {
        assert_eq!(signed_money(77_165), "+$771.65");
        assert_eq!(signed_money(-5), "-$0.05");
        assert_eq!(signed_money(-123_456_789), "-$1,234,567.89");
    }
}

//! A paged table with CSV export. Big tables are paged, never truncated silently.

use leptos::prelude::*;

use crate::browser;

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The whole table as CSV text.
pub fn to_csv(columns: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = columns
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&r.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// `(start, count)` → that page of rows, for tables that grow with the run.
pub type RowPages = Callback<(usize, usize), Vec<Vec<String>>>;

/// `table-<id>` with `table-<id>-prev`, `-next`, `-page` and `-csv` hooks.
///
/// Rows come either whole (`rows`) or, for tables that grow with the run, on demand:
/// `total` rows of which `fetch((start, count))` returns a page (and the CSV asks for all).
#[component]
pub fn DataTable(
    id: &'static str,
    caption: &'static str,
    columns: &'static [&'static str],
    #[prop(into, optional)] rows: Signal<Vec<Vec<String>>>,
    #[prop(into, optional)] total: Option<Signal<usize>>,
    #[prop(optional)] fetch: Option<RowPages>,
    #[prop(default = 10)] page_size: usize,
    /// Rows to highlight (by index into `rows`).
    #[prop(into, optional)]
    highlight: Signal<Vec<usize>>,
    /// A column whose non-empty cell highlights its row (e.g. "differs").
    #[prop(optional)]
    flag: Option<usize>,
) -> impl IntoView {
    let page = RwSignal::new(0usize);
    let len = move || match total {
        Some(t) if fetch.is_some() => t.get(),
        _ => rows.with(|r| r.len()),
    };
    let slice = move |start: usize, count: usize| -> Vec<Vec<String>> {
        match fetch {
            Some(f) => f.run((start, count)),
            None => rows.with(|r| r.iter().skip(start).take(count).cloned().collect()),
        }
    };
    let pages = move || len().div_ceil(page_size).max(1);
    // Stay on a page that exists when the table shrinks.
    Effect::new(move |_| {
        let p = pages();
        if page.get_untracked() >= p {
            page.set(p - 1);
        }
    });
    // The shown page as a memo: a step that leaves it unchanged (an older page, a table
    // that did not move) rebuilds no rows.
    let rows_shown = Memo::new(move |_| {
        let start = page.get() * page_size;
        (start, highlight.get(), slice(start, page_size))
    });
    let export = move |_| {
        let all = untrack(|| slice(0, len()));
        let csv = to_csv(columns, &all);
        browser::download(&format!("pipelab-{id}.csv"), "text/csv", &csv);
    };
    view! {
        // Focusable and named: on a phone a wide table scrolls sideways under the keyboard too.
        <div class="table-wrap" tabindex="0" role="region" aria-label=caption>
            <table data-testid=format!("table-{id}")>
                <caption>{caption}</caption>
                <thead><tr>{columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {move || {
                        let (start, hl, shown) = rows_shown.get();
                        if shown.is_empty() {
                            return view! { <tr><td colspan=columns.len().to_string() class="empty">"No rows yet."</td></tr> }.into_any();
                        }
                        shown.into_iter().enumerate().map(|(i, row)| {
                            let flagged = flag.is_some_and(|c| row.get(c).is_some_and(|v| !v.is_empty()));
                            view! {
                                <tr class=if hl.contains(&(start + i)) || flagged { "hl" } else { "" }>
                                    {row.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}
                                </tr>
                            }
                        }).collect_view().into_any()
                    }}
                </tbody>
            </table>
            <div class="table-tools">
                <button data-testid=format!("table-{id}-prev") disabled=move || page.get() == 0
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"‹ Prev"</button>
                <span data-testid=format!("table-{id}-page")>
                    {move || format!("Page {} of {} · {} rows", page.get() + 1, pages(), len())}
                </span>
                <button data-testid=format!("table-{id}-next") disabled=move || { page.get() + 1 >= pages() }
                    on:click=move |_| page.update(|p| *p += 1)>"Next ›"</button>
                <button data-testid=format!("table-{id}-csv") on:click=export>"⤓ CSV"</button>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(
            to_csv(&["k", "v"], &[vec!["1".into(), "x,y".into()]]),
            "k,v\n1,\"x,y\"\n"
        );
    }
}

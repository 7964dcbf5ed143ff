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

/// `table-<id>` with `table-<id>-prev`, `-next`, `-page` and `-csv` hooks.
#[component]
pub fn DataTable(
    id: &'static str,
    caption: &'static str,
    columns: &'static [&'static str],
    #[prop(into)] rows: Signal<Vec<Vec<String>>>,
    #[prop(default = 10)] page_size: usize,
    /// Rows to highlight (by index into `rows`).
    #[prop(into, optional)]
    highlight: Signal<Vec<usize>>,
) -> impl IntoView {
    let page = RwSignal::new(0usize);
    let pages = move || rows.with(|r| r.len().div_ceil(page_size).max(1));
    // Stay on a page that exists when the table shrinks.
    Effect::new(move |_| {
        let p = pages();
        if page.get_untracked() >= p {
            page.set(p - 1);
        }
    });
    let export = move |_| {
        let csv = rows.with_untracked(|r| to_csv(columns, r));
        browser::download(&format!("pipelab-{id}.csv"), "text/csv", &csv);
    };
    view! {
        <div class="table-wrap">
            <table data-testid=format!("table-{id}")>
                <caption>{caption}</caption>
                <thead><tr>{columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {move || {
                        let hl = highlight.get();
                        let start = page.get() * page_size;
                        rows.with(|r| {
                            if r.is_empty() {
                                return view! { <tr><td colspan=columns.len().to_string() class="empty">"No rows yet."</td></tr> }.into_any();
                            }
                            r.iter().enumerate().skip(start).take(page_size).map(|(i, row)| {
                                view! {
                                    <tr class=if hl.contains(&i) { "hl" } else { "" }>
                                        {row.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}
                                    </tr>
                                }
                            }).collect_view().into_any()
                        })
                    }}
                </tbody>
            </table>
            <div class="table-tools">
                <button data-testid=format!("table-{id}-prev") disabled=move || page.get() == 0
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"‹ Prev"</button>
                <span data-testid=format!("table-{id}-page")>
                    {move || format!("Page {} of {} · {} rows", page.get() + 1, pages(), rows.with(|r| r.len()))}
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

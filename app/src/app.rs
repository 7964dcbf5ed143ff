//! The router: one route per built page; everything else is not-found (PAGE-CONTRACT.md).

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::browser;
use crate::work::WorkBanner;

use crate::pages::{
    batch_writes::BatchWritesPage, caching::CachingPage, cdc::CdcPage,
    compare_etl_vs_elt::CompareEtlVsEltPage, compare_hash_range::CompareHashRangePage,
    compare_invalidate_wt::CompareInvalidateWtPage, compare_lambda_kappa::CompareLambdaKappaPage,
    compare_modn_ring::CompareModnRingPage, contracts::ContractsPage, cqrs::CqrsPage,
    etl_elt::EtlEltPage, event_sourcing::EventSourcingPage, home::Home, kappa::KappaPage,
    lakehouse::LakehousePage, lambda::LambdaPage, not_found::NotFound, note::NotePage,
    partitioning::PartitioningPage, quiz::QuizPage, sharding::ShardingPage,
};

#[component]
pub fn App() -> impl IntoView {
    crate::work::Work::provide();
    // Printing (and a full-page capture that announces itself the same way) renders the
    // lazy panels that are off screen; afterwards they are lazy again.
    let before = window_event_listener_untyped("beforeprint", |_| browser::set_render_all(true));
    let after = window_event_listener_untyped("afterprint", |_| browser::set_render_all(false));
    on_cleanup(move || {
        before.remove();
        after.remove();
    });
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <nav class="site-nav" aria-label="Site">
                <a href="/" class="brand">"pipelab"</a>
                <span class="tagline">"data-engineering patterns you can run"</span>
            </nav>
            <WorkBanner />
            <UpdateBanner />
            <main id="main">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/sharding") view=ShardingPage />
                    <Route path=path!("/etl-elt") view=EtlEltPage />
                    <Route path=path!("/batch-writes") view=BatchWritesPage />
                    <Route path=path!("/kappa") view=KappaPage />
                    <Route path=path!("/lakehouse") view=LakehousePage />
                    <Route path=path!("/lambda") view=LambdaPage />
                    <Route path=path!("/event-sourcing") view=EventSourcingPage />
                    <Route path=path!("/cqrs") view=CqrsPage />
                    <Route path=path!("/partitioning") view=PartitioningPage />
                    <Route path=path!("/caching") view=CachingPage />
                    <Route path=path!("/cdc") view=CdcPage />
                    <Route path=path!("/contracts") view=ContractsPage />
                    <Route path=path!("/quiz") view=QuizPage />
                    <Route path=path!("/note") view=NotePage />
                    <Route path=path!("/compare/modn-vs-ring") view=CompareModnRingPage />
                    <Route path=path!("/compare/etl-vs-elt") view=CompareEtlVsEltPage />
                    <Route path=path!("/compare/lambda-vs-kappa") view=CompareLambdaKappaPage />
                    <Route path=path!("/compare/hash-vs-range") view=CompareHashRangePage />
                    <Route path=path!("/compare/invalidate-vs-write-through") view=CompareInvalidateWtPage />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"pipelab runs entirely in your browser: no server, no tracking, works offline."</p>
            </footer>
        </Router>
    }
}

/// "A new version is ready — Reload": shown once index.html's service-worker script says a
/// newer build has been installed beside the running one. Reload lets the new worker take
/// over, and the script reloads the page when it has.
#[component]
fn UpdateBanner() -> impl IntoView {
    let ready = RwSignal::new(browser::update_waiting());
    let handle = window_event_listener_untyped("pipelab:update", move |_| ready.set(true));
    on_cleanup(move || handle.remove());
    view! {
        <Show when=move || ready.get()>
            <div class="banner notice update-ready" data-testid="update-ready" role="status">
                <p>"A new version of pipelab is ready. "</p>
                <button type="button" data-testid="update-reload" on:click=|_| browser::dispatch("pipelab:apply-update")>
                    "Reload to use it"
                </button>
            </div>
        </Show>
    }
}

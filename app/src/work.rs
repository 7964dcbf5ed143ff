//! The learner's saved work in the browser: one [`SavedWork`] document in localStorage,
//! shared by every page through context. A stored value that cannot be read is never
//! overwritten behind the learner's back: the app keeps the work done meanwhile under a
//! second key, and a banner offers to download the unreadable data or to discard it.

use leptos::prelude::*;
use pipelab_core::learn::saved::SavedWork;

use crate::browser;

/// The localStorage key (the format version is inside the document).
pub const STORAGE_KEY: &str = "pipelab.work";
/// Where work done while the stored work is unreadable is kept (so a reload loses neither).
pub const STORAGE_KEY_MEANWHILE: &str = "pipelab.work.meanwhile";

#[derive(Clone, Copy)]
pub struct Work {
    pub data: RwSignal<SavedWork>,
    /// The stored text could not be read: `(why, the text)`. While set, nothing is written.
    pub damaged: RwSignal<Option<(String, String)>>,
    /// The last write failed (storage full or disabled), and why.
    pub write_error: RwSignal<Option<String>>,
}

impl Work {
    fn load() -> Work {
        let (data, damaged, write_error) = match browser::storage_get(STORAGE_KEY) {
            Ok(None) => (SavedWork::default(), None, None),
            Ok(Some(text)) => match SavedWork::from_json(&text) {
                Ok(w) => (w, None, None),
                Err(e) => {
                    let meanwhile = browser::storage_get(STORAGE_KEY_MEANWHILE)
                        .ok()
                        .flatten()
                        .and_then(|t| SavedWork::from_json(&t).ok())
                        .unwrap_or_default();
                    (meanwhile, Some((e.0, text)), None)
                }
            },
            Err(why) => (SavedWork::default(), None, Some(why)),
        };
        Work {
            data: RwSignal::new(data),
            damaged: RwSignal::new(damaged),
            write_error: RwSignal::new(write_error),
        }
    }

    /// Loads the stored work once for the whole app.
    pub fn provide() {
        provide_context(Work::load());
    }

    /// The app's work (a fresh, unsaved one outside the app, e.g. in a component test).
    pub fn get() -> Work {
        use_context::<Work>().unwrap_or_else(Work::load)
    }

    /// Changes the work and stores it.
    pub fn update(&self, f: impl FnOnce(&mut SavedWork)) {
        self.data.update(f);
        self.persist();
    }

    fn persist(&self) {
        let key = if self.damaged.with_untracked(Option::is_some) {
            STORAGE_KEY_MEANWHILE
        } else {
            STORAGE_KEY
        };
        let text = self.data.with_untracked(SavedWork::to_json);
        match browser::storage_set(key, &text) {
            Ok(()) => self.write_error.set(None),
            Err(why) => self.write_error.set(Some(why)),
        }
    }

    /// Drops the unreadable stored data and stores the current work in its place.
    pub fn discard_damaged(&self) {
        self.damaged.set(None);
        self.persist();
        browser::storage_remove(STORAGE_KEY_MEANWHILE);
    }

    pub fn download_damaged(&self) {
        if let Some((_, text)) = self.damaged.get_untracked() {
            browser::download("pipelab-work-unreadable.json", "application/json", &text);
        }
    }

    pub fn export(&self) {
        let text = self.data.with_untracked(SavedWork::to_json);
        browser::download("pipelab-work.json", "application/json", &text);
    }
}

/// The banner shown on every page while the stored work cannot be read.
#[component]
pub fn WorkBanner() -> impl IntoView {
    let work = Work::get();
    view! {
        <Show when=move || work.damaged.with(Option::is_some)>
            <div class="banner error work-damaged" data-testid="work-damaged" role="alert">
                <p>
                    <strong>"Your saved work could not be read. "</strong>
                    {move || work.damaged.with(|d| d.as_ref().map(|(why, _)| why.clone()).unwrap_or_default())}
                    " Nothing has been overwritten: until you choose, new progress is kept apart from it."
                </p>
                <button type="button" data-testid="work-damaged-download" on:click=move |_| work.download_damaged()>
                    "Download the unreadable data"
                </button>
                " "
                <button type="button" data-testid="work-damaged-discard" on:click=move |_| work.discard_damaged()>
                    "Discard it and start afresh"
                </button>
            </div>
        </Show>
        <Show when=move || work.write_error.with(Option::is_some)>
            <p class="banner notice" data-testid="work-write-error" role="status">
                {move || work.write_error.get().unwrap_or_default()}
            </p>
        </Show>
    }
}

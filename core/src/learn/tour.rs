//! Guided tours: per pattern, slides bound to a scenario state by a link in the page
//! contract's grammar (`core/data/tours/<slug>.json`, schema in `core/data/README.md`).

use super::fields::Obj;
use crate::json;

pub const MIN_SLIDES: usize = 4;
pub const MAX_SLIDES: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slide {
    pub title: String,
    pub text: String,
    /// `/<slug>?<query>`: the state the slide shows.
    pub link: String,
}

impl Slide {
    /// The query part of the link (without `?`).
    pub fn query(&self) -> &str {
        self.link.split_once('?').map_or("", |(_, q)| q)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tour {
    pub pattern: String,
    pub title: String,
    pub slides: Vec<Slide>,
}

/// Reads a tour file of `pattern`.
pub fn parse(pattern: &str, text: &str) -> Result<Tour, String> {
    let v = json::parse(text).map_err(|e| format!("not JSON: {e}"))?;
    let o = Obj::new(&v, "")?;
    o.only(&["pattern", "title", "slides"])?;
    let p = o.text("pattern", 40)?;
    if p != pattern {
        return Err(format!("pattern: is {p} in the tour of {pattern}"));
    }
    let title = o.text("title", 80)?.to_string();
    let items = o.array("slides", MAX_SLIDES)?;
    if items.len() < MIN_SLIDES {
        return Err(format!(
            "slides: has {}; a tour needs {MIN_SLIDES} to {MAX_SLIDES}",
            items.len()
        ));
    }
    let mut slides = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let s = Obj::new(item, &format!("slides[{i}]"))?;
        s.only(&["title", "text", "link"])?;
        let link = s.text("link", 600)?.to_string();
        let own = format!("/{pattern}?");
        if !link.starts_with(&own) {
            return Err(format!(
                "{}: must be a state of this page ({own}…)",
                s.path("link")
            ));
        }
        slides.push(Slide {
            title: s.text("title", 60)?.to_string(),
            text: s.text("text", 600)?.to_string(),
            link,
        });
    }
    Ok(Tour {
        pattern: pattern.to_string(),
        title,
        slides,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn tour(slides: usize, link: &str) -> String {
        let s: Vec<String> = (0..slides)
            .map(|i| format!(r#"{{"title":"t{i}","text":"x","link":"{link}"}}"#))
            .collect();
        format!(
            r#"{{"pattern":"kappa","title":"T","slides":[{}]}}"#,
            s.join(",")
        )
    }

    #[test]
    fn a_tour_reads_its_slides_and_refuses_foreign_links_and_bad_lengths() {
        let t = parse("kappa", &tour(5, "/kappa?v=1&step=3")).unwrap();
        assert_eq!(t.slides.len(), 5);
        assert_eq!(t.slides[4].query(), "v=1&step=3");
        assert!(parse("kappa", &tour(3, "/kappa?v=1"))
            .unwrap_err()
            .contains("4 to 8"));
        assert!(parse("kappa", &tour(9, "/kappa?v=1"))
            .unwrap_err()
            .starts_with("slides"));
        assert!(parse("kappa", &tour(5, "/lambda?v=1"))
            .unwrap_err()
            .starts_with("slides[0].link"));
        assert!(parse("lambda", &tour(5, "/kappa?v=1"))
            .unwrap_err()
            .starts_with("pattern"));
    }
}

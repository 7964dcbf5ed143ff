//! A panic must not leave a dead page: the hook logs it and shows the `panic` message with
//! a reload link to the scenario's URL. Built with plain DOM calls because the reactive
//! system may be unusable after a panic; text only, never HTML.

use wasm_bindgen::JsCast;

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

fn show(detail: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document
        .query_selector("[data-testid=panic]")
        .ok()
        .flatten()
        .is_some()
    {
        return;
    }
    let Some(body) = document.body() else { return };
    let Ok(root) = document.create_element("div") else {
        return;
    };
    let _ = root.set_attribute("data-testid", "panic");
    let _ = root.set_attribute("role", "alert");
    let _ = root.set_attribute("class", "panic");
    let href = crate::browser::location_href();
    let parts: [(&str, Option<&str>); 4] = [
        (
            "pipelab hit an internal error and stopped. Your scenario is in the link: ",
            None,
        ),
        ("reload", Some(href.as_str())),
        (" to continue from the same state. ", None),
        ("", None),
    ];
    for (text, link) in parts {
        if text.is_empty() {
            continue;
        }
        let node = match link {
            Some(url) => document.create_element("a").ok().inspect(|a| {
                let _ = a.set_attribute("href", url);
            }),
            None => document.create_element("span").ok(),
        };
        if let Some(n) = node {
            n.set_text_content(Some(text));
            let _ = root.append_child(&n);
        }
    }
    if let Ok(url) = document.create_element("code") {
        url.set_text_content(Some(&href));
        let _ = root.append_child(&url);
    }
    if let Ok(d) = document.create_element("details") {
        if let Ok(s) = document.create_element("summary") {
            s.set_text_content(Some("Details"));
            let _ = d.append_child(&s);
        }
        if let Ok(p) = document.create_element("pre") {
            p.set_text_content(Some(detail));
            let _ = d.append_child(&p);
        }
        let _ = root.append_child(&d);
    }
    if let Some(first) = body.first_child() {
        let _ = body.insert_before(&root, Some(&first));
    } else {
        let _ = body.append_child(&root);
    }
    if let Ok(el) = root.dyn_into::<web_sys::HtmlElement>() {
        let _ = el.focus();
    }
}

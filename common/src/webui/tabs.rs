//! Tabs on one page, as Hadoop's `dfshealth.html` has them: every panel is rendered, the
//! one the URL's fragment names (`#tab-datanode`) is shown, the first one when none is.
//! Plain CSS (`:target`), so Hadoop's bookmarks work and no script is needed; the links
//! to the panels (in the page's navigation or anywhere else) are marked as current too.

use maud::{Markup, PreEscaped, html};

/// One panel: its element id (`tab-overview`: lowercase letters, digits and dashes), its
/// heading, and its content.
pub struct Tab {
    pub id: &'static str,
    pub label: &'static str,
    pub content: Markup,
}

/// Whether `id` can go into a CSS selector as it is.
fn plain_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

/// The rules that show the targeted panel (the first without a target) and mark the
/// links to it.
fn rules(ids: &[&str]) -> String {
    let mut css = String::from(
        ".tab-panels>.tab-panel{display:none}\
         .tab-panels>.tab-panel:target,\
         .tab-panels:not(:has(>.tab-panel:target))>.tab-panel:first-child{display:block}",
    );
    for (index, id) in ids.iter().enumerate() {
        let current = "{color:var(--ink);border-bottom-color:var(--accent);font-weight:600}";
        css.push_str(&format!(
            "body:has(#{id}:target) a[href$=\"#{id}\"]{current}"
        ));
        if index == 0 {
            css.push_str(&format!(
                "body:not(:has(.tab-panel:target)) a[href$=\"#{id}\"]{current}"
            ));
        }
    }
    css
}

/// The panels of `tabs`, each a section with its id and a heading.
pub fn tabs(tabs: Vec<Tab>) -> Markup {
    let tabs: Vec<Tab> = tabs.into_iter().filter(|tab| plain_id(tab.id)).collect();
    let ids: Vec<&str> = tabs.iter().map(|tab| tab.id).collect();
    html! {
        style { (PreEscaped(rules(&ids))) }
        div.tab-panels {
            @for tab in tabs {
                section.tab-panel id=(tab.id) {
                    h2 { (tab.label) }
                    (tab.content)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_panel_is_rendered_and_the_first_is_the_default() {
        let page = tabs(vec![
            Tab {
                id: "tab-overview",
                label: "Overview",
                content: html! { p { "<b>" } },
            },
            Tab {
                id: "tab-datanode",
                label: "Datanodes",
                content: html! {},
            },
            Tab {
                id: "bad\"{}",
                label: "Dropped",
                content: html! {},
            },
        ])
        .into_string();
        assert!(
            page.contains(r#"<section class="tab-panel" id="tab-overview">"#),
            "{page}"
        );
        assert!(page.contains(r#"id="tab-datanode""#));
        assert!(page.contains("&lt;b&gt;"));
        assert!(!page.contains("Dropped"), "an id unfit for CSS is left out");
        assert!(page.contains(r##"body:not(:has(.tab-panel:target)) a[href$="#tab-overview"]"##));
        assert!(!page.contains(r##"body:not(:has(.tab-panel:target)) a[href$="#tab-datanode"]"##));
    }
}

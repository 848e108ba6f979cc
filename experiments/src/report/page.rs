//! One self-contained HTML page from a Markdown report: the Markdown rendered (tables included)
//! and every SVG image it shows inlined, so the page opens offline with no other file.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

use crate::error::ExperimentError;

const STYLE: &str = "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;\
line-height:1.4}table{border-collapse:collapse;font-size:13px;margin:1em 0}\
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}\
td:first-child,th:first-child{text-align:left}code{background:#f4f4f4}svg{max-width:100%;height:auto}";

/// Renders `markdown` into a whole HTML page titled `title`. An image `![alt](name.svg)` becomes
/// the SVG markup `figure(name)` gives; any other image, or one it does not have, is an error
/// (the page must not point at files), and so is a link.
pub fn html_page<'a>(
    title: &str,
    markdown: &str,
    figure: impl Fn(&str) -> Option<&'a str>,
) -> Result<String, ExperimentError> {
    let mut events = Vec::new();
    let mut in_image = false;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
                let name = dest_url.as_ref();
                if !name.ends_with(".svg") {
                    return Err(ExperimentError::Report {
                        what: name.to_string(),
                        message: "only SVG images can be inlined".into(),
                    });
                }
                let svg = figure(name).ok_or_else(|| ExperimentError::Report {
                    what: name.to_string(),
                    message: "the report shows it but does not have it".into(),
                })?;
                // Plotters writes no XML prolog, so the file is one `<svg>` element.
                events.push(Event::Html(format!("<figure>{svg}</figure>").into()));
                in_image = true;
            }
            Event::End(TagEnd::Image) => in_image = false,
            Event::Start(Tag::Link { dest_url, .. }) => {
                return Err(ExperimentError::Report {
                    what: dest_url.to_string(),
                    message: "the report links to it: an offline page must not".into(),
                });
            }
            _ if in_image => {} // the alt text, already replaced by the figure
            other => events.push(other),
        }
    }
    let mut body = String::new();
    html::push_html(&mut body, events.into_iter());
    let title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\n\
         <style>{STYLE}</style></head><body>\n{body}</body></html>\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_inlined_and_links_refused() {
        let figures = |name: &str| (name == "a.svg").then_some("<svg id=\"x\"></svg>");
        let page = html_page(
            "T",
            "# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![curves](a.svg)\n",
            figures,
        )
        .unwrap();
        assert!(page.contains("<table>") && page.contains("<svg id=\"x\">"));
        assert!(!page.contains("src=") && !page.contains("href="), "{page}");
        assert!(
            !page.contains(">curves<"),
            "alt text replaced by the figure"
        );
        assert!(html_page("T", "[x](http://example.com)", figures).is_err());
        assert!(html_page("T", "![p](b.png)", figures).is_err());
        assert!(html_page("T", "![p](missing.svg)", figures).is_err());
    }
}

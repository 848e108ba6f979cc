//! Reports from run directories, all written by one writer ([`bundle`]): `compare`'s
//! side-by-side table and curves ([`runs`], [`plot`]), `report`'s arms ([`arms`],
//! [`document`]), the offline page ([`page`]) and the surge analysis of a sweep ([`surge`]).

pub mod arms;
pub mod bundle;
pub mod document;
pub mod page;
pub mod plot;
pub mod runs;
pub mod surge;

pub use plot::{plot_arm_curves, plot_validation_curves};
pub use runs::{RunView, load_run, load_runs};

/// `words` as one shell command line, each word quoted where a shell needs it (the reports'
/// "Regenerate with" line must run as written).
pub fn shell_line(words: &[String]) -> String {
    shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| words.join(" "))
}

/// `text` for Markdown prose (a title): `&`, `<` and `>` as entities, so it shows as written and
/// never becomes HTML in the page.
pub fn markdown_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod quoting_tests {
    use super::*;

    #[test]
    fn command_lines_quote_for_the_shell_and_titles_escape_html() {
        let words: Vec<String> = ["experiments", "report", "runs/a b", "--title", "it's <b>"]
            .map(String::from)
            .to_vec();
        let line = shell_line(&words);
        assert_eq!(shlex::split(&line).unwrap(), words, "{line}");
        assert!(line.starts_with("experiments report "), "{line}");
        assert_eq!(markdown_text("<script>&"), "&lt;script&gt;&amp;");
    }
}

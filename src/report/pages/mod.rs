//! The two kinds of HTML page chokepoint writes, both self-contained (inline CSS and SVG,
//! no network) and printable: the run briefing ([`run`], `report.html` of `chokepoint
//! run`) and the page of an explore command ([`explore`], `report.html` of `sweep`,
//! `size`, `sensitivity` and `exposure`).
//!
//! Both are rendered from minijinja templates embedded in the binary
//! (`src/report/pages/*.html`): `layout.html` is the one page layout (head, CSS, the page
//! check script, reproducibility footer) that `run.html` and `explore.html` extend, and
//! `macros.html` holds the pieces they share (chart figures, strategy swatches,
//! intervals). Every value a template prints is HTML-escaped unless the template marks
//! it `safe`; only inline SVG and sentences whose markup is built in Rust (findings,
//! headlines, the scenario description with its fact links, each escaping its text with
//! [`escape`]) are marked so.
//!
//! Pure: results in, strings out. Depends on [`crate::charts`] (chart specs, colours),
//! [`crate::stats`], [`crate::model`], [`crate::numfmt`] and the explore layer's result
//! types.

pub mod explore;
pub mod recommend;
pub mod run;
pub mod sectors;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Output, State, UndefinedBehavior, Value};
use serde::Serialize;
use std::sync::OnceLock;

/// The embedded templates, by name.
const TEMPLATES: [(&str, &str); 7] = [
    ("layout.html", include_str!("layout.html")),
    ("drivers_section.html", include_str!("drivers_section.html")),
    ("macros.html", include_str!("macros.html")),
    ("run.html", include_str!("run.html")),
    ("explore.html", include_str!("explore.html")),
    ("sources.html", include_str!("sources.html")),
    ("sectors.html", include_str!("sectors.html")),
];

/// Escapes text for HTML element content and attribute values: `&`, `<`, `>`, `"` and
/// `'`. The templates escape with it too (see `render`), so a page escapes one way.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Prints a template value: [`escape`]d in HTML templates unless marked safe, as is
/// otherwise. minijinja's own HTML escaping would also turn `/` into `&#x2f;`, which is
/// legal but would change every path and command line on the pages byte for byte.
fn formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), minijinja::Error> {
    if *state.auto_escape() == AutoEscape::Html && !value.is_safe() {
        let text = value
            .as_str()
            .map_or_else(|| escape(&value.to_string()), escape);
        out.write_str(&text).map_err(minijinja::Error::from)
    } else {
        minijinja::escape_formatter(out, state, value)
    }
}

/// The report's own font, embedded so that a page looks the same on every machine: a
/// subset of the vendored DejaVu Sans, regular and bold, as WOFF2 (made by
/// `scripts/subset-fonts.sh`: Latin, Greek, punctuation, currency and the symbols the
/// pages and charts print; licence in `assets/fonts/LICENSE`).
pub const FONT_REGULAR_WOFF2: &[u8] =
    include_bytes!("../../../assets/fonts/report/DejaVuSans.woff2");
/// The bold face of [`FONT_REGULAR_WOFF2`].
pub const FONT_BOLD_WOFF2: &[u8] =
    include_bytes!("../../../assets/fonts/report/DejaVuSans-Bold.woff2");
/// The CSS family name of the embedded font.
pub const FONT_FAMILY: &str = "Chokepoint Sans";

/// The `@font-face` rules of the embedded font (base64 `data:` URLs), one per line.
pub fn font_css() -> String {
    use base64::Engine as _;
    let face = |weight: u16, bytes: &[u8]| {
        format!(
            "@font-face {{ font-family: \"{FONT_FAMILY}\"; font-style: normal; \
             font-weight: {weight}; src: url(data:font/woff2;base64,{}) format(\"woff2\"); }}\n",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    };
    face(400, FONT_REGULAR_WOFF2) + &face(700, FONT_BOLD_WOFF2)
}

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // A page ends with a newline, as a text file should: keep the layout's last one.
        env.set_syntax(
            SyntaxConfig::builder()
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        env.set_formatter(formatter);
        env.add_global("font_css", Value::from_safe_string(font_css()));
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("embedded template {name} does not parse: {e:#}"));
        }
        env
    })
}

/// Renders the embedded template `name` with `context`.
///
/// # Panics
/// When the template does not render: the templates and the contexts are both part of
/// the binary, and the tests render every page kind, so this is a bug, never bad input.
fn render(name: &str, context: &impl Serialize) -> String {
    env()
        .get_template(name)
        .and_then(|t| t.render(Value::from(Serde(context))))
        .unwrap_or_else(|e| panic!("template {name} does not render: {e:#}"))
}

/// A chart on a page: its file stem, title and SVG document.
#[derive(Serialize)]
struct Figure<'a> {
    name: &'a str,
    title: &'a str,
    svg: &'a str,
}

/// A strategy's colour swatch and label.
#[derive(Serialize)]
struct Swatch {
    color: String,
    label: String,
}

impl Swatch {
    fn new(s: usize, label: &str) -> Swatch {
        Swatch {
            color: crate::charts::strategy_css_color(s),
            label: label.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }

    #[test]
    fn templates_escape_values_one_way_unless_marked_safe() {
        let mut env = Environment::new();
        env.set_formatter(formatter);
        env.add_template("t.html", "{{ a }}|{{ b|safe }}|{{ n }}|{{ none }}")
            .unwrap();
        env.add_template("t.txt", "{{ a }}").unwrap();
        #[derive(Serialize)]
        struct C {
            a: &'static str,
            b: &'static str,
            n: u64,
            none: Option<u64>,
        }
        let c = C {
            a: "x<y> & 'z' \"/\"",
            b: "<b>",
            n: 7,
            none: None,
        };
        let html = env.get_template("t.html").unwrap();
        assert_eq!(
            html.render(Value::from(Serde(&c))).unwrap(),
            "x&lt;y&gt; &amp; &#39;z&#39; &quot;/&quot;|<b>|7|None"
        );
        let txt = env.get_template("t.txt").unwrap();
        assert_eq!(txt.render(Value::from(Serde(&c))).unwrap(), c.a);
    }
}

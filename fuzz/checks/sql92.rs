//! Properties the `sql92` fuzz target asserts: any text either compiles or is refused with a
//! position inside the text, never a panic; a compiled selector evaluates against any properties
//! without panicking, and its answer does not depend on evaluating twice.

use bolide_filter::{Properties, Selector};

struct Fixed<'a>(&'a str);

impl Properties for Fixed<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        match name {
            "a" | "b" => Some(self.0),
            "TAGS" => Some("A"),
            _ => None,
        }
    }
}

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Selector::compile(text) {
        Ok(selector) => {
            for value in ["1", "2.5", "x", "", "true", "-7"] {
                let once = selector.matches(&Fixed(value));
                assert_eq!(once, selector.matches(&Fixed(value)), "deterministic");
            }
        }
        Err(err) => {
            assert!(err.line >= 1 && err.column >= 1, "{err}");
            // The end of a text that ends with a newline is on the line after it.
            let lines = text.matches('\n').count() + 1;
            assert!(err.line <= lines, "line {} of {text:?}", err.line);
        }
    }
}

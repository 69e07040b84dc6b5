//! The selector against RocketMQ's documented and observed behaviour.

use std::collections::HashMap;

use bolide_filter::{Properties, Selector, Value};
use proptest::prelude::*;

struct Map(HashMap<&'static str, &'static str>);

impl Properties for Map {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).copied()
    }
}

fn props(pairs: &[(&'static str, &'static str)]) -> Map {
    Map(pairs.iter().copied().collect())
}

fn check(expression: &str, pairs: &[(&'static str, &'static str)], expected: bool) {
    let selector = Selector::compile(expression).unwrap_or_else(|err| panic!("{expression}: {err}"));
    assert_eq!(selector.matches(&props(pairs)), expected, "{expression} with {pairs:?}");
}

#[test]
fn the_documented_example() {
    let e = "(TAGS is not null and TAGS in ('TagA', 'TagB')) and (a is not null and a between 0 and 3)";
    check(e, &[("TAGS", "TagA"), ("a", "0")], true);
    check(e, &[("TAGS", "TagB"), ("a", "3")], true);
    check(e, &[("TAGS", "TagC"), ("a", "1")], false);
    check(e, &[("TAGS", "TagA"), ("a", "4")], false);
    check(e, &[("TAGS", "TagA")], false);
    check("a BETWEEN 1 AND 3 AND TAGS IN ('A', 'B')", &[("a", "2"), ("TAGS", "B")], true);
}

#[test]
fn comparisons_convert_properties_to_numbers() {
    check("a > 5", &[("a", "7")], true);
    check("a > 5", &[("a", "5")], false);
    check("a >= 5", &[("a", "5")], true);
    check("a < 5.5", &[("a", "5")], true);
    check("a <= -1", &[("a", "-1")], true);
    check("a = 3", &[("a", "3")], true);
    check("a <> 3", &[("a", "4")], true);
    check("a > 1.5", &[("a", "2.25")], true);
    // A property that is not a number fails the evaluation: no match, whatever the operator.
    check("a > 5", &[("a", "seven")], false);
    check("NOT (a > 5)", &[("a", "seven")], false);
    check("a = 3", &[("a", "three")], false);
    // Integers only convert from integer text, as Java's Long.valueOf.
    check("a = 3", &[("a", "3.0")], false);
    check("a = 3.0", &[("a", "3")], true);
}

#[test]
fn strings_compare_as_text_for_equality_and_as_numbers_for_order() {
    check("name = 'bolide'", &[("name", "bolide")], true);
    check("name <> 'bolide'", &[("name", "rocket")], true);
    check("a > b", &[("a", "10"), ("b", "9")], true);
    check("a > b", &[("a", "x"), ("b", "y")], false);
    check("flag = TRUE", &[("flag", "true")], true);
    check("flag = TRUE", &[("flag", "TRUE")], true);
    check("flag = FALSE", &[("flag", "yes")], true);
    check("s = 'it''s'", &[("s", "it's")], true);
}

#[test]
fn missing_properties_are_unknown() {
    check("a > 1", &[], false);
    check("NOT (a > 1)", &[], false);
    check("a > 1 OR b = 'x'", &[("b", "x")], true);
    check("a > 1 AND b = 'x'", &[("b", "x")], false);
    check("a IS NULL", &[], true);
    check("a IS NOT NULL", &[], false);
    check("a IS NULL", &[("a", "")], false);
    check("a IN ('x')", &[], false);
    check("a NOT IN ('x')", &[], false);
    check("a NOT IN ('x')", &[("a", "y")], true);
    check("a NOT BETWEEN 1 AND 3", &[("a", "5")], true);
    check("a NOT BETWEEN 1 AND 3", &[("a", "2")], false);
    check("a NOT BETWEEN 1 AND 3", &[], false);
    let selector = Selector::compile("a > 1").expect("valid");
    assert_eq!(selector.evaluate(&props(&[])), Ok(Value::Null));
}

#[test]
fn contains_and_keywords_in_any_case() {
    check("body CONTAINS 'lid'", &[("body", "bolide")], true);
    check("body NOT CONTAINS 'lid'", &[("body", "rocket")], true);
    check("a between 1 and 2 or b is not null", &[("b", "1")], true);
    check("NOT a IS NULL", &[("a", "1")], false);
    check("-a < 0", &[], false);
    check("TRUE", &[], true);
    check("FALSE OR TRUE", &[], true);
    check("orders = 1", &[("orders", "1")], true);
    check("a > 1 -- trailing comment\n", &[("a", "2")], true);
    check("/* note */ a > 1", &[("a", "2")], true);
    check("a = 10L", &[("a", "10")], true);
    check("a < 1e3", &[("a", "999")], true);
    check("a = .5", &[("a", "0.5")], true);
}

#[test]
fn a_bare_property_is_never_true() {
    check("flag", &[("flag", "true")], false);
    check("NOT flag", &[("flag", "true")], true);
}

fn error(expression: &str) -> bolide_filter::FilterError {
    Selector::compile(expression).expect_err(expression)
}

#[test]
fn refused_like_rocketmq_with_the_position() {
    let err = error("a >> 1");
    assert_eq!((err.line, err.column), (1, 4), "{err}");
    assert!(err.to_string().contains("a >> 1\n     ^"), "{err}");
    let err = error("a BETWEEN 3 AND 1");
    assert!(err.message.contains("must less than or equal"), "{err}");
    assert!(error("a > 'x'").message.contains("cannot be compared"));
    assert!(error("a = NULL").message.contains("IS NULL"));
    assert!(error("1 IN ('a')").message.contains("Expected a property"));
    assert!(error("a IN (1, 2)").message.contains("expected a value"), "{}", error("a IN (1, 2)"));
    assert!(error("1").message.contains("will not result in a boolean"));
    assert!(error("NOT a > 1").message.contains("cannot be compared"));
    assert!(error("TRUE = 1").message.contains("cannot be compared"));
    assert!(error("a = 99999999999999999999").message.contains("64-bit"));
    let err = error("a > 1 AND\n b <");
    assert_eq!(err.line, 2, "{err}");
    assert!(error("").message.starts_with("expected"));
    assert!(error("a IN ()").column > 0);
    assert!(error("a > 1 b").message.contains("expected"));
}

proptest! {
    #[test]
    fn never_panics_on_any_text(text in "\\PC{0,64}") {
        if let Ok(selector) = Selector::compile(&text) {
            let _ = selector.matches(&props(&[("a", "1"), ("TAGS", "A")]));
        }
    }

    #[test]
    fn never_panics_on_selector_shaped_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("a"), Just("b"), Just("TAGS"), Just("1"), Just("2.5"), Just("'x'"), Just("TRUE"), Just("NULL"),
                Just("AND"), Just("OR"), Just("NOT"), Just("="), Just("<>"), Just(">"), Just("<="), Just("BETWEEN"),
                Just("IN"), Just("("), Just(")"), Just(","), Just("IS"), Just("CONTAINS"), Just("-"),
            ],
            0..12,
        ),
        a in "[0-9a-z.]{0,3}",
    ) {
        let text = parts.join(" ");
        if let Ok(selector) = Selector::compile(&text) {
            let a: &'static str = Box::leak(a.into_boxed_str());
            let _ = selector.matches(&props(&[("a", a), ("b", "2"), ("TAGS", "x")]));
        }
    }

    #[test]
    fn between_is_the_closed_range(v in -50i64..50, low in -20i64..20, span in 0i64..20) {
        let high = low + span;
        let selector = Selector::compile(&format!("a BETWEEN {low} AND {high}")).expect("valid");
        let text: &'static str = Box::leak(v.to_string().into_boxed_str());
        prop_assert_eq!(selector.matches(&props(&[("a", text)])), (low..=high).contains(&v));
    }
}

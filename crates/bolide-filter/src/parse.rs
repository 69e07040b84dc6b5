//! From text to a checked [`Expr`]: pest parses the grammar, then the tree is built with the
//! checks RocketMQ's parser makes while building (only numbers are ordered, `NULL` is not compared
//! with `=`, `BETWEEN` bounds in order, `IN` applies to a property, operands of `AND`/`OR`/`NOT`
//! are boolean).

use std::cmp::Ordering;

use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

use crate::eval::compare_constants;
use crate::{CompareOp, Constant, Expr, FilterError};

#[derive(Parser)]
#[grammar = "sql92.pest"]
struct Sql92;

/// A tree-building fault and where it is.
struct Fault<'i> {
    span: pest::Span<'i>,
    message: String,
}

type Built<'i> = Result<Expr, Fault<'i>>;

pub(crate) fn parse(text: &str) -> Result<Expr, FilterError> {
    let mut pairs = Sql92::parse(Rule::selector, text).map_err(|err| syntax_error(text, &err))?;
    let selector = pairs.next().expect("the selector rule");
    let or_expr = selector.into_inner().next().expect("an expression");
    let span = or_expr.as_span();
    build(or_expr).and_then(|expr| as_boolean(expr, span)).map_err(|fault| {
        let (line, column) = fault.span.start_pos().line_col();
        FilterError { line, column, message: fault.message, excerpt: excerpt(text, line, column) }
    })
}

fn syntax_error(text: &str, err: &pest::error::Error<Rule>) -> FilterError {
    let (line, column) = match err.line_col {
        pest::error::LineColLocation::Pos(at) | pest::error::LineColLocation::Span(at, _) => at,
    };
    let message = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let expected: Vec<&str> = positives.iter().filter_map(|rule| describe(*rule)).collect();
            let mut expected: Vec<&str> = expected;
            expected.dedup();
            if expected.is_empty() {
                "unexpected input".to_owned()
            } else {
                format!("expected {}", expected.join(", "))
            }
        }
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    FilterError { line, column, message, excerpt: excerpt(text, line, column) }
}

/// What a rule means to a user, for "expected ..." messages.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::string | Rule::float | Rule::decimal | Rule::kw_true | Rule::kw_false | Rule::kw_null => "a value",
        Rule::identifier => "a property name",
        Rule::unary | Rule::comparison | Rule::equality | Rule::and_expr | Rule::or_expr => "an expression",
        Rule::eq_op | Rule::cmp_op => "an operator",
        Rule::kw_and => "AND",
        Rule::kw_or => "OR",
        Rule::kw_is => "IS",
        Rule::kw_in => "IN",
        Rule::kw_between => "BETWEEN",
        Rule::kw_contains => "CONTAINS",
        Rule::kw_not => "NOT",
        Rule::comparison_tail | Rule::equality_tail => "an operator",
        Rule::EOI => "the end of the expression",
        _ => return None,
    })
}

fn excerpt(text: &str, line: usize, column: usize) -> String {
    let source = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    format!("  {source}\n  {}^", " ".repeat(column.saturating_sub(1)))
}

fn fault<'i>(span: pest::Span<'i>, message: impl Into<String>) -> Fault<'i> {
    Fault { span, message: message.into() }
}

fn build(pair: Pair<'_, Rule>) -> Built<'_> {
    let span = pair.as_span();
    match pair.as_rule() {
        Rule::or_expr | Rule::and_expr => {
            let is_or = pair.as_rule() == Rule::or_expr;
            let mut inner = pair.into_inner().filter(|p| !matches!(p.as_rule(), Rule::kw_or | Rule::kw_and));
            let first = inner.next().expect("operand");
            let mut left_span = first.as_span();
            let mut left = build(first)?;
            for right in inner {
                let right_span = right.as_span();
                let right = build(right)?;
                let (l, r) = (as_boolean(left, left_span)?, as_boolean(right, right_span)?);
                left = if is_or { Expr::Or(Box::new(l), Box::new(r)) } else { Expr::And(Box::new(l), Box::new(r)) };
                left_span = span;
            }
            Ok(left)
        }
        Rule::equality => {
            let mut inner = pair.into_inner();
            let mut left = build(inner.next().expect("operand"))?;
            for tail in inner {
                let mut parts = tail.into_inner();
                let head = parts.next().expect("operator");
                left = match head.as_rule() {
                    Rule::eq_op => {
                        let negated = head.as_str() == "<>";
                        let right_pair = parts.next().expect("right operand");
                        let right_span = right_pair.as_span();
                        let right = build(right_pair)?;
                        let equal = create_equal(left, right, head.as_span(), right_span)?;
                        if negated {
                            Expr::Not(Box::new(equal))
                        } else {
                            equal
                        }
                    }
                    Rule::is_null => Expr::Equal(Box::new(left), Box::new(Expr::Constant(Constant::Null))),
                    Rule::is_not_null => {
                        Expr::Not(Box::new(Expr::Equal(Box::new(left), Box::new(Expr::Constant(Constant::Null)))))
                    }
                    _ => unreachable!("equality operators"),
                };
            }
            Ok(left)
        }
        Rule::comparison => {
            let mut inner = pair.into_inner();
            let first = inner.next().expect("operand");
            let mut left_span = first.as_span();
            let mut left = build(first)?;
            for tail in inner {
                let tail_span = tail.as_span();
                let mut parts = tail.into_inner();
                let op = parts.next().expect("operator");
                left = match op.as_rule() {
                    Rule::cmp_op => {
                        let compare = match op.as_str() {
                            ">" => CompareOp::Greater,
                            ">=" => CompareOp::GreaterEqual,
                            "<" => CompareOp::Less,
                            _ => CompareOp::LessEqual,
                        };
                        let right_pair = parts.next().expect("right operand");
                        let right_span = right_pair.as_span();
                        let right = build(right_pair)?;
                        create_compare(compare, left, right, left_span, right_span)?
                    }
                    Rule::contains | Rule::not_contains => {
                        let negated = op.as_rule() == Rule::not_contains;
                        let needle = op.into_inner().find(|p| p.as_rule() == Rule::string).expect("string");
                        Expr::Contains { operand: Box::new(left), needle: string_value(needle), negated }
                    }
                    Rule::between | Rule::not_between => {
                        let negated = op.as_rule() == Rule::not_between;
                        let mut bounds = op.into_inner().filter(|p| p.as_rule() == Rule::unary);
                        let (low_pair, high_pair) = (bounds.next().expect("low"), bounds.next().expect("high"));
                        let (low_span, high_span) = (low_pair.as_span(), high_pair.as_span());
                        let (low, high) = (build(low_pair)?, build(high_pair)?);
                        create_between(left, low, high, negated, left_span, low_span, high_span, tail_span)?
                    }
                    Rule::in_list | Rule::not_in => {
                        let negated = op.as_rule() == Rule::not_in;
                        let values =
                            op.into_inner().filter(|p| p.as_rule() == Rule::string).map(string_value).collect();
                        match left {
                            Expr::Property(property) => Expr::In { property, values, negated },
                            other => {
                                return Err(fault(
                                    left_span,
                                    format!("Expected a property for In expression, got: {other}"),
                                ))
                            }
                        }
                    }
                    _ => unreachable!("comparison operators"),
                };
                left_span = tail_span;
            }
            Ok(left)
        }
        Rule::unary => {
            let mut inner = pair.into_inner();
            let first = inner.next().expect("operand");
            match first.as_rule() {
                Rule::plus => build(inner.next().expect("operand")),
                Rule::minus => Ok(Expr::Negate(Box::new(build(inner.next().expect("operand"))?))),
                Rule::not => {
                    let operand = inner.next().expect("operand");
                    let operand_span = operand.as_span();
                    Ok(Expr::Not(Box::new(as_boolean(build(operand)?, operand_span)?)))
                }
                _ => build(first),
            }
        }
        Rule::identifier => Ok(Expr::Property(pair.as_str().to_owned())),
        Rule::string => Ok(Expr::Constant(Constant::Str(string_value(pair)))),
        Rule::kw_true => Ok(Expr::Constant(Constant::Bool(true))),
        Rule::kw_false => Ok(Expr::Constant(Constant::Bool(false))),
        Rule::kw_null => Ok(Expr::Constant(Constant::Null)),
        Rule::decimal => {
            let digits = pair.as_str().trim_end_matches(['l', 'L']);
            digits
                .parse::<i64>()
                .map(|v| Expr::Constant(Constant::Long(v)))
                .map_err(|_| fault(span, format!("{} does not fit a 64-bit integer", pair.as_str())))
        }
        Rule::float => pair
            .as_str()
            .parse::<f64>()
            .map(|v| Expr::Constant(Constant::Double(v)))
            .map_err(|_| fault(span, format!("{} is not a number", pair.as_str()))),
        rule => unreachable!("rule {rule:?} is not an expression"),
    }
}

fn string_value(pair: Pair<'_, Rule>) -> String {
    let inner = pair.into_inner().next().map_or("", |p| p.as_str());
    inner.replace("''", "'")
}

/// Whether RocketMQ types the expression as boolean (comparisons, logic, TRUE/FALSE/NULL).
fn is_boolean(expr: &Expr) -> bool {
    !matches!(
        expr,
        Expr::Property(_)
            | Expr::Negate(_)
            | Expr::Constant(Constant::Long(_) | Constant::Double(_) | Constant::Str(_))
    )
}

/// An operand of AND/OR/NOT and the whole selector: boolean expressions as they are, a property
/// through a boolean cast, anything else refused.
fn as_boolean(expr: Expr, span: pest::Span<'_>) -> Built<'_> {
    if is_boolean(&expr) {
        Ok(expr)
    } else if matches!(expr, Expr::Property(_)) {
        Ok(Expr::BoolCast(Box::new(expr)))
    } else {
        Err(fault(span, format!("Expression will not result in a boolean value: {expr}")))
    }
}

fn create_equal<'i>(left: Expr, right: Expr, op_span: pest::Span<'i>, right_span: pest::Span<'i>) -> Built<'i> {
    if matches!(left, Expr::Constant(Constant::Null)) || matches!(right, Expr::Constant(Constant::Null)) {
        let span = if matches!(right, Expr::Constant(Constant::Null)) { right_span } else { op_span };
        return Err(fault(span, "'NULL' cannot be compared with = or <>; use IS NULL or IS NOT NULL"));
    }
    if let (Expr::Constant(l), Expr::Constant(r)) = (&left, &right) {
        if matches!(l, Constant::Bool(_)) && !matches!(r, Constant::Bool(_)) {
            return Err(fault(op_span, format!("'{left}' cannot be compared with '{right}'")));
        }
    }
    Ok(Expr::Equal(Box::new(left), Box::new(right)))
}

/// Only numbers (and properties) may be ordered.
fn check_orderable<'i>(expr: &Expr, span: pest::Span<'i>) -> Result<(), Fault<'i>> {
    match expr {
        Expr::Constant(Constant::Long(_) | Constant::Double(_)) => Ok(()),
        Expr::Constant(_) => Err(fault(span, format!("Value '{expr}' cannot be compared: only numbers are ordered"))),
        e if is_boolean(e) => Err(fault(span, format!("Value '{expr}' cannot be compared: it is a condition"))),
        _ => Ok(()),
    }
}

fn create_compare<'i>(
    op: CompareOp,
    left: Expr,
    right: Expr,
    left_span: pest::Span<'i>,
    right_span: pest::Span<'i>,
) -> Built<'i> {
    check_orderable(&left, left_span)?;
    check_orderable(&right, right_span)?;
    Ok(Expr::Compare(op, Box::new(left), Box::new(right)))
}

#[allow(clippy::too_many_arguments)]
fn create_between<'i>(
    value: Expr,
    low: Expr,
    high: Expr,
    negated: bool,
    value_span: pest::Span<'i>,
    low_span: pest::Span<'i>,
    high_span: pest::Span<'i>,
    span: pest::Span<'i>,
) -> Built<'i> {
    if let (Expr::Constant(l), Expr::Constant(h)) = (&low, &high) {
        if matches!(l, Constant::Null) || matches!(h, Constant::Null) {
            return Err(fault(span, "Illegal values of between, values can not be null!"));
        }
        if let Ok(Ordering::Greater) = compare_constants(l, h) {
            return Err(fault(
                span,
                format!("Illegal values of between, left value({low}) must less than or equal to right value({high})"),
            ));
        }
    }
    if negated {
        let below = create_compare(CompareOp::Less, value.clone(), low, value_span, low_span)?;
        let above = create_compare(CompareOp::Greater, value, high, value_span, high_span)?;
        Ok(Expr::Or(Box::new(below), Box::new(above)))
    } else {
        let from = create_compare(CompareOp::GreaterEqual, value.clone(), low, value_span, low_span)?;
        let to = create_compare(CompareOp::LessEqual, value, high, value_span, high_span)?;
        Ok(Expr::And(Box::new(from), Box::new(to)))
    }
}

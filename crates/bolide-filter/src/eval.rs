//! Evaluation with RocketMQ's semantics (three-valued logic, string-to-number conversion when a
//! property meets a number, failures for values that do not convert).

use std::cmp::Ordering;

use crate::{CompareOp, Constant, EvalError, Expr, Properties};

/// A value during evaluation. Properties are strings; literals keep their type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Unknown: a missing property, or a comparison involving one.
    Null,
    /// A condition's outcome or a TRUE/FALSE literal.
    Bool(bool),
    /// An integer literal.
    Long(i64),
    /// A decimal literal.
    Double(f64),
    /// A property value or a string literal.
    Str(&'a str),
}

type Evaluated<'a> = Result<Value<'a>, EvalError>;

impl Expr {
    pub(crate) fn evaluate<'a>(&'a self, properties: &'a dyn Properties) -> Evaluated<'a> {
        match self {
            Expr::Constant(constant) => Ok(constant_value(constant)),
            Expr::Property(name) => Ok(properties.get(name).map_or(Value::Null, Value::Str)),
            Expr::Negate(operand) => Ok(match operand.evaluate(properties)? {
                Value::Long(v) => Value::Long(v.wrapping_neg()),
                Value::Double(v) => Value::Double(-v),
                _ => Value::Null,
            }),
            Expr::Not(operand) => Ok(match boolean(operand.evaluate(properties)?)? {
                Some(b) => Value::Bool(!b),
                None => Value::Null,
            }),
            Expr::BoolCast(operand) => Ok(match operand.evaluate(properties)? {
                Value::Null => Value::Null,
                Value::Bool(b) => Value::Bool(b),
                _ => Value::Bool(false),
            }),
            Expr::And(left, right) => {
                let l = boolean(left.evaluate(properties)?)?;
                if l == Some(false) {
                    return Ok(Value::Bool(false));
                }
                let r = boolean(right.evaluate(properties)?)?;
                Ok(match (l, r) {
                    (_, Some(false)) => Value::Bool(false),
                    (Some(true), Some(true)) => Value::Bool(true),
                    _ => Value::Null,
                })
            }
            Expr::Or(left, right) => {
                let l = boolean(left.evaluate(properties)?)?;
                if l == Some(true) {
                    return Ok(Value::Bool(true));
                }
                let r = boolean(right.evaluate(properties)?)?;
                Ok(match (l, r) {
                    (_, Some(true)) => Value::Bool(true),
                    (Some(false), Some(false)) => Value::Bool(false),
                    _ => Value::Null,
                })
            }
            Expr::Equal(left, right) => {
                let (l, r) = (left.evaluate(properties)?, right.evaluate(properties)?);
                match (l, r) {
                    (Value::Null, Value::Null) => Ok(Value::Bool(true)),
                    (Value::Null, _) => Ok(Value::Null),
                    (_, Value::Null) => Ok(Value::Bool(false)),
                    _ if l == r => Ok(Value::Bool(true)),
                    _ => Ok(Value::Bool(compare(l, r)? == Ordering::Equal)),
                }
            }
            Expr::Compare(op, left, right) => {
                let l = left.evaluate(properties)?;
                if l == Value::Null {
                    return Ok(Value::Null);
                }
                let r = right.evaluate(properties)?;
                if r == Value::Null {
                    return Ok(Value::Null);
                }
                let order = match (l, r) {
                    // Two strings are ordered only as numbers.
                    (Value::Str(a), Value::Str(b)) => match (parse_double(a), parse_double(b)) {
                        (Some(a), Some(b)) => a.total_cmp(&b),
                        _ => return Err(EvalError(format!("strings {a:?} and {b:?} cannot be ordered"))),
                    },
                    _ => compare(l, r)?,
                };
                Ok(Value::Bool(match op {
                    CompareOp::Greater => order == Ordering::Greater,
                    CompareOp::GreaterEqual => order != Ordering::Less,
                    CompareOp::Less => order == Ordering::Less,
                    CompareOp::LessEqual => order != Ordering::Greater,
                }))
            }
            Expr::In { property, values, negated } => Ok(match properties.get(property) {
                None => Value::Null,
                Some(value) => Value::Bool(values.iter().any(|v| v == value) != *negated),
            }),
            Expr::Contains { operand, needle, negated } => Ok(match operand.evaluate(properties)? {
                Value::Null => Value::Null,
                Value::Str(text) => Value::Bool(text.contains(needle.as_str()) != *negated),
                _ => Value::Bool(false),
            }),
        }
    }
}

fn constant_value(constant: &Constant) -> Value<'_> {
    match constant {
        Constant::Null => Value::Null,
        Constant::Bool(b) => Value::Bool(*b),
        Constant::Long(v) => Value::Long(*v),
        Constant::Double(v) => Value::Double(*v),
        Constant::Str(s) => Value::Str(s),
    }
}

/// A condition's value: `Some(bool)`, `None` for unknown; anything else is a failure.
fn boolean(value: Value<'_>) -> Result<Option<bool>, EvalError> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        other => Err(EvalError(format!("{other:?} is not a condition"))),
    }
}

/// Java's `Double.valueOf`: surrounding whitespace allowed.
fn parse_double(text: &str) -> Option<f64> {
    let text = text.trim();
    let text = text.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(text);
    text.parse().ok()
}

fn parse_long(text: &str) -> Result<i64, EvalError> {
    text.parse().map_err(|_| EvalError(format!("{text:?} is not an integer")))
}

fn parse_double_or_fail(text: &str) -> Result<f64, EvalError> {
    parse_double(text).ok_or_else(|| EvalError(format!("{text:?} is not a number")))
}

/// RocketMQ's ordering of two non-null values of possibly different types: numbers widen, a
/// string meeting a number or a boolean is converted (failing when it does not convert), and
/// other mixes order the left value first.
pub(crate) fn compare(left: Value<'_>, right: Value<'_>) -> Result<Ordering, EvalError> {
    use Value::{Bool, Double, Long, Str};
    Ok(match (left, right) {
        (Bool(a), Bool(b)) => a.cmp(&b),
        (Bool(_), Str(_)) => return Err(EvalError("a boolean cannot be compared with a string".to_owned())),
        (Long(a), Long(b)) => a.cmp(&b),
        (Long(a), Double(b)) => (a as f64).total_cmp(&b),
        (Long(a), Str(b)) => a.cmp(&parse_long(b)?),
        (Double(a), Long(b)) => a.total_cmp(&(b as f64)),
        (Double(a), Double(b)) => a.total_cmp(&b),
        (Double(a), Str(b)) => a.total_cmp(&parse_double_or_fail(b)?),
        (Str(a), Bool(b)) => a.eq_ignore_ascii_case("true").cmp(&b),
        (Str(a), Long(b)) => parse_long(a)?.cmp(&b),
        (Str(a), Double(b)) => parse_double_or_fail(a)?.total_cmp(&b),
        (Str(a), Str(b)) => a.cmp(b),
        _ => Ordering::Less,
    })
}

/// [`compare`] for two literals (BETWEEN bounds at parse time).
pub(crate) fn compare_constants(left: &Constant, right: &Constant) -> Result<Ordering, EvalError> {
    compare(constant_value(left), constant_value(right))
}

//! RocketMQ's SQL92 message selector: what a consumer subscribing with
//! `MessageSelector.bySql("a BETWEEN 1 AND 3 AND TAGS IN ('A', 'B')")` asks the broker to apply.
//!
//! [`Selector::compile`] parses an expression (grammar in `sql92.pest`: comparisons, `BETWEEN`,
//! `IN`, `IS [NOT] NULL`, `CONTAINS`, `AND`/`OR`/`NOT`, string, number and boolean literals,
//! property names) and applies the same checks as RocketMQ's parser, so an expression RocketMQ
//! refuses is refused here too, with the line and column of the fault. [`Selector::matches`]
//! evaluates it against a message's properties (all strings, `TAGS` among them) with RocketMQ's
//! semantics:
//!
//! - three-valued logic: a missing property makes a comparison unknown, `NOT unknown` is unknown,
//!   `unknown AND false` is false, `unknown OR true` is true; a message matches only when the
//!   whole expression is true;
//! - a property is compared with a number by converting the property (`a > 5` with `a = "7"`); a
//!   property that does not convert makes the evaluation fail, and a failed evaluation never
//!   matches;
//! - two strings compare with `>`/`<` only when both are numbers; `=` compares strings as text;
//! - `IN` lists hold strings and apply to a property.
//!
//! ```
//! use bolide_filter::Selector;
//! let selector = Selector::compile("a BETWEEN 1 AND 3 AND TAGS IN ('A', 'B')").unwrap();
//! let props = |name: &str| match name { "a" => Some("2"), "TAGS" => Some("A"), _ => None };
//! assert!(selector.matches(&props));
//! assert!(!selector.matches(&|_: &str| None));
//! ```

mod eval;
mod parse;

use std::fmt;

pub use eval::Value;

/// Where a message's properties come from: a lookup by name.
pub trait Properties {
    /// The value of property `name`.
    fn get(&self, name: &str) -> Option<&str>;
}

impl<F: Fn(&str) -> Option<&'static str>> Properties for F {
    fn get(&self, name: &str) -> Option<&str> {
        self(name)
    }
}

/// A compiled SQL92 selector.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    root: Expr,
    text: String,
}

impl Selector {
    /// Parses and checks `text`.
    ///
    /// # Errors
    /// [`FilterError`] with the position of the fault and what was expected there.
    pub fn compile(text: &str) -> Result<Self, FilterError> {
        Ok(Selector { root: parse::parse(text)?, text: text.to_owned() })
    }

    /// Whether a message with `properties` is selected: the expression evaluates to true.
    pub fn matches(&self, properties: &dyn Properties) -> bool {
        matches!(self.root.evaluate(properties), Ok(Value::Bool(true)))
    }

    /// The expression's value for `properties`: `Ok(Value::Null)` for unknown, `Err` when the
    /// evaluation failed (a property that does not convert to a number, for example).
    ///
    /// # Errors
    /// [`EvalError`] naming the operands that could not be compared.
    pub fn evaluate<'a>(&'a self, properties: &'a dyn Properties) -> Result<Value<'a>, EvalError> {
        self.root.evaluate(properties)
    }

    /// The expression as given.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// An expression that RocketMQ's parser would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid SQL92 expression at line {line}, column {column}: {message}\n{excerpt}")]
pub struct FilterError {
    /// 1-based line of the fault.
    pub line: usize,
    /// 1-based column of the fault.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The faulty line with a caret under the fault.
    pub excerpt: String,
}

/// An evaluation that failed (the message is then not selected).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EvalError(pub String);

/// Comparison operators other than equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
}

/// A literal of the expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Constant {
    Null,
    Bool(bool),
    Long(i64),
    Double(f64),
    Str(String),
}

/// The checked expression tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Constant(Constant),
    Property(String),
    Negate(Box<Expr>),
    Not(Box<Expr>),
    /// A property used where a boolean is expected: true only if its value is a boolean true,
    /// which a string property never is.
    BoolCast(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Equal(Box<Expr>, Box<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    In {
        property: String,
        values: Vec<String>,
        negated: bool,
    },
    Contains {
        operand: Box<Expr>,
        needle: String,
        negated: bool,
    },
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Constant(Constant::Null) => f.write_str("NULL"),
            Expr::Constant(Constant::Bool(b)) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
            Expr::Constant(Constant::Long(v)) => write!(f, "{v}"),
            Expr::Constant(Constant::Double(v)) => write!(f, "{v}"),
            Expr::Constant(Constant::Str(s)) => write!(f, "'{}'", s.replace('\'', "''")),
            Expr::Property(name) => f.write_str(name),
            Expr::Negate(e) => write!(f, "(- {e})"),
            Expr::Not(e) => write!(f, "(NOT {e})"),
            Expr::BoolCast(e) => write!(f, "{e}"),
            Expr::And(l, r) => write!(f, "({l} AND {r})"),
            Expr::Or(l, r) => write!(f, "({l} OR {r})"),
            Expr::Equal(l, r) => write!(f, "({l} = {r})"),
            Expr::Compare(op, l, r) => {
                let symbol = match op {
                    CompareOp::Greater => ">",
                    CompareOp::GreaterEqual => ">=",
                    CompareOp::Less => "<",
                    CompareOp::LessEqual => "<=",
                };
                write!(f, "({l} {symbol} {r})")
            }
            Expr::In { property, values, negated } => {
                let list: Vec<String> = values.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect();
                write!(f, "({property} {}IN ({}))", if *negated { "NOT " } else { "" }, list.join(", "))
            }
            Expr::Contains { operand, needle, negated } => {
                write!(f, "({operand} {}CONTAINS '{}')", if *negated { "NOT " } else { "" }, needle.replace('\'', "''"))
            }
        }
    }
}

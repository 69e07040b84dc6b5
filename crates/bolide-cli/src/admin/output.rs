//! Output: aligned tables as mqadmin prints them, or one JSON document with `--json`.

use serde_json::Value;

/// A table printed with columns padded to their widest cell.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table { headers: headers.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(String::len).collect();
        for row in &self.rows {
            for (at, cell) in row.iter().enumerate() {
                if at < widths.len() {
                    widths[at] = widths[at].max(cell.chars().count());
                }
            }
        }
        let mut out = String::new();
        for line in std::iter::once(&self.headers).chain(&self.rows) {
            let cells: Vec<String> =
                line.iter().enumerate().map(|(at, cell)| format!("{cell:<width$}", width = widths[at])).collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }

    /// The rows as JSON objects keyed by header.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    Value::Object(
                        self.headers.iter().zip(row).map(|(h, c)| (h.clone(), Value::String(c.clone()))).collect(),
                    )
                })
                .collect(),
        )
    }
}

/// What a command prints.
pub enum Output {
    Table(Table),
    /// Text for people, and the same facts as JSON.
    Text(String, Value),
}

impl Output {
    pub fn print(&self, json: bool) {
        match (self, json) {
            (Output::Table(table), false) => print!("{}", table.render()),
            (Output::Table(table), true) => println!("{}", table.to_json()),
            (Output::Text(text, _), false) => println!("{text}"),
            (Output::Text(_, value), true) => println!("{value}"),
        }
    }
}

//! `bolide`: one binary with a subcommand per server or tool.
fn main() {}

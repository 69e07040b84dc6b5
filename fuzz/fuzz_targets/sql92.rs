#![no_main]
//! Fuzz target: the properties asserted are documented in `checks/sql92.rs`.

#[path = "../checks/sql92.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

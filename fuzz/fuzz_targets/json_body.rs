#![no_main]
//! Fuzz target: the properties asserted are documented in `checks/json_body.rs`.

#[path = "../checks/json_body.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

#![no_main]
//! Fuzz target: the properties asserted are documented in `checks/batch_body.rs`.

#[path = "../checks/batch_body.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

#![no_main]
//! Fuzz target: the properties asserted are documented in `checks/frame.rs`.

#[path = "../checks/frame.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

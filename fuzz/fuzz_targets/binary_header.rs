#![no_main]
//! Fuzz target: the properties asserted are documented in `checks/binary_header.rs`.

#[path = "../checks/binary_header.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

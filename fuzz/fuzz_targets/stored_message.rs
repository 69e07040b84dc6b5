#![no_main]
//! Fuzz target: the properties asserted are documented in `checks/stored_message.rs`.

#[path = "../checks/stored_message.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));

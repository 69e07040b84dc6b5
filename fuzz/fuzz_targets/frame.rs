#![no_main]
//! Fuzz target: see `checks::frame` for the properties asserted.

#[path = "../checks.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::frame(data));

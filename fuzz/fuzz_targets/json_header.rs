#![no_main]
//! Fuzz target: see `checks::json_header` for the properties asserted.

#[path = "../checks.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::json_header(data));

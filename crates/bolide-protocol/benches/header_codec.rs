//! Header encode/decode per serialization.
fn main() {}

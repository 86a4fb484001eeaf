//! The `tobira` binary.

fn main() {}

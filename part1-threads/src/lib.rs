//! Part 1.

//! Criterion benchmarks of the PASA router suite live in `benches/benches/`; this library only
//! holds the fixtures they share.

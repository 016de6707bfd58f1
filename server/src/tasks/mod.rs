//! Background loops. Each is `run(…, shutdown)` looping over a `step(…, now)` that tests call
//! directly with a controlled clock.

pub mod retention;
pub mod rum_writer;
pub mod sampler;

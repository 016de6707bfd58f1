//! One module per view (one URL each).

pub mod drift;
pub mod not_found;
pub mod profile;
pub mod quality;
pub mod rum;

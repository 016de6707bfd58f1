//! One module per view.

pub mod profile;

//! Who may change things through the API.
//!
//! - [`tokens`]: API tokens (`csv-analyzer token create --name N`), stored hashed, and the
//!   [`tokens::ApiToken`] extractor that answers 401 JSON without a valid one.
//!
//! Users, roles and sessions come with the incidents issue; they grow from here (an extractor
//! per role, the token row gaining an owner).

pub mod tokens;

pub use tokens::ApiToken;

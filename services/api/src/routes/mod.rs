pub mod api_keys;
pub mod polls;
pub mod tokens;
pub mod votes;

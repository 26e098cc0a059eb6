pub mod voters;
pub mod votes;

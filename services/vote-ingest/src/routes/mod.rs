pub mod form;
pub mod voters;
pub mod votes;

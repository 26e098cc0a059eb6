pub mod challenge;
pub mod form;
pub mod voters;
pub mod votes;

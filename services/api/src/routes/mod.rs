pub mod polls;

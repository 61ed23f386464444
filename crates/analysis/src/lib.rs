//! # tarjuman-analysis: functions over the store
//!
//! Analyses read the store and never change posts. Each area is a module:
//! [`graph`] is the interaction network (export, PageRank, communities,
//! conversation threads); [`coordination`] finds accounts that act in
//! concert (co-retweet, co-tweet, co-similar, co-link, … and clusters).
#![deny(missing_docs)]

pub mod coordination;
pub mod graph;

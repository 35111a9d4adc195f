//! The step bodies, by subject. Each takes the world and the step's arguments and explains a
//! failure as "expected X, found Y"; the vocabulary adds the evidence.

pub mod args;
pub mod directory;
pub mod idp;
pub mod outcome;
pub mod provider;
pub mod rules;
pub mod signin;

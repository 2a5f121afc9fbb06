//! gdgroups keeps the user groups of a GoodData Cloud / GoodData.CN organization equal to a
//! reviewed file.

pub mod apply;
pub mod context;
pub mod desired;
pub mod diagnostic;
pub mod gooddata;
pub mod group;
pub mod live;
pub mod output;
pub mod plan;
pub mod render;
pub mod sandbox;

//! gdgroups keeps the user groups of a GoodData Cloud / GoodData.CN organization equal to a
//! reviewed file.

pub mod apply;
pub mod desired;
pub mod diagnostic;
pub mod gooddata;
pub mod group;
pub mod live;
pub mod plan;
pub mod sandbox;

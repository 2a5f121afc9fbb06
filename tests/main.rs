//! One integration-test binary: the real `gdgroups` against the real sandbox over HTTP.

mod access;
mod access_apply;
mod adopt;
mod bad_files;
mod cli;
mod common;
mod convergence;
mod core_loop;
mod exit_codes;
mod file_schema;
mod layering;
mod library;
mod malformed;
mod manage_order;
mod plan_schema;
mod resilience;
mod review;
mod safety;
mod sandbox;
mod secrets;
mod tls;
mod workflows;

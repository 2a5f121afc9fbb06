//! One integration-test binary: the real `gdgroups` against the real sandbox over HTTP.

mod common;
mod core_loop;
mod exit_codes;
mod malformed;
mod resilience;
mod secrets;

//! HTTP tests of the sandbox.

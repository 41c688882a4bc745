//! Exit codes (Terraform's, plus one for deferred work), in one place the README names.

/// Success; a plan with no changes.
pub const EXIT_OK: i32 = 0;
/// Any error, usage errors included.
pub const EXIT_ERROR: i32 = 1;
/// `plan --detailed-exitcode`: the plan has changes.
pub const EXIT_CHANGES: i32 = 2;
/// `apply --no-wait`: what could be done is done; the rest waits on AWS (a certificate being
/// issued), and the next apply finishes it. The account is not yet what the stack declares.
pub const EXIT_DEFERRED: i32 = 3;

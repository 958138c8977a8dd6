//! TEMPORARY (p3io only).
use std::task::{Context, Poll};
pub(crate) fn poll_proceed(_cx: &mut Context<'_>) -> Poll<()> {
    Poll::Ready(())
}

//! The page parameters a list request sends, checked before it is sent.

use std::num::NonZeroU64;

use super::Pagination;
use crate::error::{Error, Result};

/// `per_page` as every list takes it: 5 to 50 ([`Pagination::MIN_PER_PAGE`] to [`Pagination::MAX_PER_PAGE`]).
pub(crate) fn check_per_page(per_page: u64) -> Result<NonZeroU64> {
    let (min, max) = (Pagination::MIN_PER_PAGE, Pagination::MAX_PER_PAGE);
    match NonZeroU64::new(per_page) {
        Some(checked) if (min..=max).contains(&per_page) => Ok(checked),
        _ => Err(Error::invalid("per_page", format!("must be between {min} and {max}, got {per_page}"))),
    }
}

/// A page number as a request sends it: 1 or more.
pub(crate) fn checked_page(page: u64) -> Result<NonZeroU64> {
    NonZeroU64::new(page).ok_or_else(|| Error::invalid("page", "must be 1 or more, got 0"))
}

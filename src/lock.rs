//! The crate's one way to lock a mutex.

/// Locks `mutex`, carrying on after a panic elsewhere poisoned it: every value the crate guards
/// (call records, the rate-limit gate, the fake's state) stays consistent between statements.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

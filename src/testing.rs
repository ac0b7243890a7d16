//! Test support for the unit tests inside `src/`: instead of `unwrap`, a test says `.must()?`, so
//! a missing value fails the test with the place it was asked for, and the crate keeps no panic
//! site (input must never panic the tool; tests hold to the same rule).

/// What a unit test returns: `Err` says where and why it failed.
pub type TestResult = Result<(), String>;

/// `Option` and `Result` values a test requires.
pub trait Must<T> {
    /// The value, or an error naming the caller's file and line.
    fn must(self) -> Result<T, String>;
}

impl<T> Must<T> for Option<T> {
    #[track_caller]
    fn must(self) -> Result<T, String> {
        let at = std::panic::Location::caller();
        self.ok_or_else(|| format!("{at}: expected a value, found none"))
    }
}

impl<T, E: std::fmt::Debug> Must<T> for Result<T, E> {
    #[track_caller]
    fn must(self) -> Result<T, String> {
        let at = std::panic::Location::caller();
        self.map_err(|e| format!("{at}: {e:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::{Must, TestResult};

    #[test]
    fn must_names_the_place_of_a_missing_value() -> TestResult {
        let none: Option<u8> = None;
        let err = none.must().err().must()?;
        assert!(err.contains("src/testing.rs"), "{err}");
        let failed: Result<u8, &str> = Err("bad record");
        assert!(failed.must().err().must()?.contains("bad record"));
        assert_eq!(Some(3).must()?, 3);
        Ok(())
    }
}

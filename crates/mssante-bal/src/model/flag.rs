//! Yes/no flags whose wire literal varies (`O`/`N`, `true`/`false`, `1`/`0`).

/// Reads a flag literal: `O`, `Oui`, `true`, `1` → `Some(true)`; `N`, `Non`,
/// `false`, `0` → `Some(false)` (case-insensitive); anything else → `None`.
/// An empty value is `None` too: callers decide whether that is allowed.
///
/// ```
/// use mssante_bal::parse_flag;
/// assert_eq!(parse_flag("O"), Some(true));
/// assert_eq!(parse_flag("False"), Some(false));
/// assert_eq!(parse_flag("peut-être"), None);
/// ```
pub fn parse_flag(s: &str) -> Option<bool> {
    const YES: [&str; 5] = ["o", "oui", "true", "1", "y"];
    const NO: [&str; 5] = ["n", "non", "false", "0", "no"];
    if YES.iter().any(|y| s.eq_ignore_ascii_case(y)) {
        Some(true)
    } else if NO.iter().any(|n| s.eq_ignore_ascii_case(n)) {
        Some(false)
    } else {
        None
    }
}

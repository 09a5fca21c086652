//! Priority from impact × urgency, through a configurable matrix (ITIL).

use serde::{Deserialize, Serialize};

/// A three-level scale (impact or urgency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// 1: widespread / immediate.
    High,
    /// 2.
    Medium,
    /// 3: limited / can wait.
    Low,
}

/// Priority 1 (critical) … 5 (planning) for each (impact, urgency).
///
/// ```
/// use mssante_incident::priority::{Level, PriorityMatrix};
/// let m = PriorityMatrix::default();
/// assert_eq!(m.priority(Level::High, Level::High), 1);
/// assert_eq!(m.priority(Level::Medium, Level::High), 2);
/// assert_eq!(m.priority(Level::Low, Level::Low), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityMatrix(pub [[u8; 3]; 3]);

impl Default for PriorityMatrix {
    fn default() -> Self {
        PriorityMatrix([[1, 2, 3], [2, 3, 4], [3, 4, 5]])
    }
}

impl PriorityMatrix {
    /// The priority of an impact and an urgency.
    pub fn priority(&self, impact: Level, urgency: Level) -> u8 {
        self.0[impact as usize][urgency as usize]
    }
}

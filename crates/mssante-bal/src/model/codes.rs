//! Code lists with labels: TRE_R09 (professional category), TRE_R11 (civility of
//! practice), and the frequent TRE_G15 professions.

/// A code and its label.
pub type CodeLabel = (&'static str, &'static str);

/// TRE_R09 "CategorieProfessionnelle". `F` is deprecated since 2026-02-23; `M`
/// reads "Agent public" since 2024-03-29 (formerly "Militaire").
pub const TRE_R09: &[CodeLabel] = &[("C", "Civil"), ("E", "Etudiant"), ("M", "Agent public"), ("F", "Fonctionnaire")];

/// TRE_R11 "CiviliteExercice".
pub const TRE_R11: &[CodeLabel] = &[
    ("DR", "Docteur"),
    ("MC", "Médecin Chef"),
    ("MG", "Médecin Général"),
    ("PC", "Pharmacien Chef"),
    ("PG", "Pharmacien Général"),
    ("PR", "Professeur"),
];

/// The frequent TRE_G15 "Profession" codes (the full list is longer).
pub const TRE_G15_FREQUENT: &[CodeLabel] = &[
    ("10", "Médecin"),
    ("21", "Pharmacien"),
    ("40", "Chirurgien-Dentiste"),
    ("50", "Sage-Femme"),
    ("60", "Infirmier"),
    ("70", "Masseur-Kinésithérapeute"),
    ("80", "Pédicure-Podologue"),
    ("91", "Orthophoniste"),
    ("92", "Orthoptiste"),
];

/// Looks a code up in a list.
///
/// ```
/// use mssante_bal::codes::{label_of, TRE_G15_FREQUENT};
/// assert_eq!(label_of(TRE_G15_FREQUENT, "10"), Some("Médecin"));
/// ```
pub fn label_of(list: &[CodeLabel], code: &str) -> Option<&'static str> {
    list.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_have_unique_codes() {
        for list in [TRE_R09, TRE_R11, TRE_G15_FREQUENT] {
            let mut codes: Vec<_> = list.iter().map(|(c, _)| c).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), list.len());
        }
        assert_eq!(label_of(TRE_R11, "PR"), Some("Professeur"));
        assert_eq!(label_of(TRE_R09, "X"), None);
    }
}

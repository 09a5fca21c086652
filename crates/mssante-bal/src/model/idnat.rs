//! National identification of persons (idNat_PS, TRE_G08) and structures
//! (idNat_Struct, TRE_G07).

use super::ids::{Adeli, Finess, IdError, Rpps, Siren, Siret};
use std::fmt;

macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident { $( $(#[$vdoc:meta])* $variant:ident = $code:literal, $label:literal, $deprecated:literal; )* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )*
        }

        impl $name {
            /// Every code, in terminology order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// Parses the numeric code exactly as written (`"8"`, `"10"`).
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $( $code => Some($name::$variant), )* _ => None }
            }

            /// The numeric code.
            pub const fn code(self) -> &'static str {
                match self { $( $name::$variant => $code, )* }
            }

            /// The terminology label.
            pub const fn label(self) -> &'static str {
                match self { $( $name::$variant => $label, )* }
            }

            /// True when the code is deprecated (parsed, flagged, never rejected).
            pub const fn is_deprecated(self) -> bool {
                match self { $( $name::$variant => $deprecated, )* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_list!(
    /// TRE_G08 "TypeIdentifiantPersonne": the prefix of an idNat_PS.
    PersonIdType {
        /// `0`: N° ADELI.
        Adeli = "0", "N° ADELI", false;
        /// `1`: Id cabinet ADELI / n° de registre.
        CabinetAdeli = "1", "Id cabinet ADELI/N° de registre", false;
        /// `2`: N° DRASS (deprecated 2020-05-29).
        Drass = "2", "N° DRASS", true;
        /// `3`: FINESS / n° de registre.
        Finess = "3", "FINESS/N° de registre", false;
        /// `4`: SIREN / n° de registre.
        Siren = "4", "SIREN/N° de registre", false;
        /// `5`: SIRET / n° de registre.
        Siret = "5", "SIRET/N° de registre", false;
        /// `6`: Id cabinet RPPS / n° de registre.
        CabinetRpps = "6", "Id cabinet RPPS/N° de registre", false;
        /// `8`: N° RPPS.
        Rpps = "8", "N° RPPS", false;
        /// `9`: N° Étudiant (deprecated 2020-05-29).
        Etudiant = "9", "N° Etudiant", true;
        /// `10`: Adresse MSSanté.
        AdresseMss = "10", "Adresse MSSanté", false;
        /// `30`: ROR situation opérationnelle.
        Ror = "30", "ROR situation opérationnelle", false;
    }
);

code_list!(
    /// TRE_G07 "TypeIdentifiantStructure": the prefix of an idNat_Struct.
    StructureIdType {
        /// `0`: Id cabinet ADELI.
        CabinetAdeli = "0", "Id cabinet ADELI", false;
        /// `1`: FINESS (EJ or EG).
        Finess = "1", "FINESS", false;
        /// `2`: SIREN.
        Siren = "2", "SIREN", false;
        /// `3`: SIRET.
        Siret = "3", "SIRET", false;
        /// `4`: Id cabinet RPPS.
        CabinetRpps = "4", "Id cabinet RPPS", false;
        /// `5`: FINESS EJ (deprecated 2016-09-01).
        FinessEj = "5", "FINESS d'entité juridique", true;
        /// `6`: FINESS EG (deprecated 2016-09-01).
        FinessEg = "6", "FINESS d'entité géographique", true;
        /// `40`: ROR national structure id.
        RorStructure = "40", "Identifiant national de structure ROR", false;
        /// `41`: ROR internal EG id.
        RorEg = "41", "Identifiant interne EG ROR", false;
    }
);

impl StructureIdType {
    /// Also accepts a few textual spellings seen in third-party data (`FINESS`,
    /// `SIREN`, `SIRET`), case-insensitively.
    pub fn from_code_or_name(s: &str) -> Option<Self> {
        Self::from_code(s).or_else(|| {
            if s.eq_ignore_ascii_case("finess") {
                Some(StructureIdType::Finess)
            } else if s.eq_ignore_ascii_case("siren") {
                Some(StructureIdType::Siren)
            } else if s.eq_ignore_ascii_case("siret") {
                Some(StructureIdType::Siret)
            } else {
                None
            }
        })
    }
}

/// A person identifier whose type is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonId {
    /// RPPS (type `8`).
    Rpps(Rpps),
    /// ADELI (type `0`).
    Adeli(Adeli),
}

impl PersonId {
    /// Parses `id` according to `kind`. Types other than RPPS and ADELI carry
    /// free-form registry numbers: `Ok(None)` for them (nothing more to check than
    /// non-emptiness).
    pub fn parse(kind: PersonIdType, id: &str) -> Result<Option<Self>, IdError> {
        Ok(match kind {
            PersonIdType::Rpps => Some(PersonId::Rpps(Rpps::parse(id)?)),
            PersonIdType::Adeli => Some(PersonId::Adeli(Adeli::parse(id)?)),
            _ => None,
        })
    }

    /// The identifier as written.
    pub fn as_str(&self) -> &str {
        match self {
            PersonId::Rpps(r) => r.as_str(),
            PersonId::Adeli(a) => a.as_str(),
        }
    }
}

/// A structure identifier whose type is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StructureId {
    /// FINESS (types `1`, `5`, `6`).
    Finess(Finess),
    /// SIREN (type `2`).
    Siren(Siren),
    /// SIRET (type `3`).
    Siret(Siret),
}

impl StructureId {
    /// Parses `id` according to `kind`; `Ok(None)` for types with free-form values
    /// (cabinet and ROR ids).
    pub fn parse(kind: StructureIdType, id: &str) -> Result<Option<Self>, IdError> {
        Ok(match kind {
            StructureIdType::Finess | StructureIdType::FinessEj | StructureIdType::FinessEg => {
                Some(StructureId::Finess(Finess::parse(id)?))
            }
            StructureIdType::Siren => Some(StructureId::Siren(Siren::parse(id)?)),
            StructureIdType::Siret => Some(StructureId::Siret(Siret::parse(id)?)),
            _ => None,
        })
    }

    /// Parses the `Identification Structure` column given its type: either the
    /// prefixed idNat_Struct form (`1` + FINESS) or the bare identifier.
    /// Returns the identifier and whether the prefixed form was used.
    pub fn parse_column(kind: StructureIdType, value: &str) -> Result<(Option<Self>, bool), IdError> {
        if let Some(rest) = value.strip_prefix(kind.code()) {
            match Self::parse(kind, rest) {
                Ok(id) => return Ok((id, true)),
                // The prefixed form has the right shape: its key is what is wrong.
                Err(IdError::CheckDigit) => return Err(IdError::CheckDigit),
                Err(IdError::Shape { .. }) => {}
            }
        }
        Self::parse(kind, value).map(|id| (id, false))
    }

    /// The identifier as written.
    pub fn as_str(&self) -> &str {
        match self {
            StructureId::Finess(v) => v.as_str(),
            StructureId::Siren(v) => v.as_str(),
            StructureId::Siret(v) => v.as_str(),
        }
    }
}

fn registry_ok(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| !c.is_control() && c != '|')
}

/// An idNat_PS: a TRE_G08 type and the identifier it prefixes (`8` + RPPS,
/// `0` + ADELI, …). RPPS and ADELI identifiers are shape-checked; registry numbers
/// of the other types must be non-empty, at most 64 characters, without control
/// characters or `|`.
///
/// Two-digit codes (`10`, `30`) make a bare string ambiguous; [`IdNatPs::parse`]
/// reads `8`/`0` + a valid RPPS/ADELI first, then the two-digit codes, then the
/// one-digit ones. Carry the type separately whenever a source gives it (the
/// extraction does) and use [`IdNatPs::new`].
///
/// ```
/// use mssante_bal::{IdNatPs, PersonIdType};
/// let a = IdNatPs::parse("810000000009").unwrap();
/// assert_eq!(a.kind(), PersonIdType::Rpps);
/// assert_eq!(a.id(), "10000000009");
/// assert_eq!(a.to_string(), "810000000009");
/// assert!(IdNatPs::new(PersonIdType::Rpps, "123").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNatPs {
    kind: PersonIdType,
    id: String,
}

impl IdNatPs {
    /// Builds from a type and an identifier.
    pub fn new(kind: PersonIdType, id: &str) -> Result<Self, IdError> {
        match kind {
            PersonIdType::Rpps | PersonIdType::Adeli => {
                PersonId::parse(kind, id)?;
            }
            _ if !registry_ok(id) => return Err(IdError::Shape { expected: "a registry number (1 to 64 characters)" }),
            _ => {}
        }
        Ok(IdNatPs { kind, id: id.to_owned() })
    }

    /// Reads a bare idNat_PS (see the type's documentation for the ambiguity).
    pub fn parse(s: &str) -> Result<Self, IdError> {
        for kind in [PersonIdType::Rpps, PersonIdType::Adeli] {
            if let Some(rest) = s.strip_prefix(kind.code())
                && let Ok(v) = Self::new(kind, rest)
            {
                return Ok(v);
            }
        }
        let mut kinds: Vec<PersonIdType> = PersonIdType::ALL.to_vec();
        kinds.sort_by_key(|k| std::cmp::Reverse(k.code().len()));
        for kind in kinds {
            if let Some(rest) = s.strip_prefix(kind.code())
                && let Ok(v) = Self::new(kind, rest)
            {
                return Ok(v);
            }
        }
        Err(IdError::Shape { expected: "a TRE_G08 code followed by an identifier" })
    }

    /// The TRE_G08 type.
    pub fn kind(&self) -> PersonIdType {
        self.kind
    }

    /// The identifier without its prefix.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for IdNatPs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.code(), self.id)
    }
}

/// An idNat_Struct: a TRE_G07 type and the identifier it prefixes (`1` + FINESS,
/// `2` + SIREN, `3` + SIRET, …). FINESS, SIREN and SIRET are checked (SIREN/SIRET
/// keys included); other types take a registry number.
///
/// ```
/// use mssante_bal::{IdNatStruct, StructureIdType};
/// let s = IdNatStruct::parse("312345678200010").unwrap();
/// assert_eq!(s.kind(), StructureIdType::Siret);
/// assert_eq!(s.to_string(), "312345678200010");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNatStruct {
    kind: StructureIdType,
    id: String,
}

impl IdNatStruct {
    /// Builds from a type and an identifier.
    pub fn new(kind: StructureIdType, id: &str) -> Result<Self, IdError> {
        if StructureId::parse(kind, id)?.is_none() && !registry_ok(id) {
            return Err(IdError::Shape { expected: "a registry number (1 to 64 characters)" });
        }
        Ok(IdNatStruct { kind, id: id.to_owned() })
    }

    /// Reads a bare idNat_Struct: FINESS, SIREN, SIRET prefixes first, then the
    /// two-digit ROR codes, then the others.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let mut kinds: Vec<StructureIdType> = StructureIdType::ALL.to_vec();
        kinds.sort_by_key(|k| {
            (
                !matches!(k, StructureIdType::Finess | StructureIdType::Siren | StructureIdType::Siret),
                std::cmp::Reverse(k.code().len()),
            )
        });
        let mut key_error = false;
        for kind in kinds {
            if let Some(rest) = s.strip_prefix(kind.code()) {
                match Self::new(kind, rest) {
                    Ok(v) => return Ok(v),
                    Err(IdError::CheckDigit) => key_error = true,
                    Err(_) => {}
                }
            }
        }
        Err(if key_error {
            IdError::CheckDigit
        } else {
            IdError::Shape { expected: "a TRE_G07 code followed by an identifier" }
        })
    }

    /// The TRE_G07 type.
    pub fn kind(&self) -> StructureIdType {
        self.kind
    }

    /// The identifier without its prefix.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for IdNatStruct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.code(), self.id)
    }
}

/// Builds an idNat_PS (`type code` + `id`), e.g. `8` + RPPS.
///
/// ```
/// use mssante_bal::{idnat_ps, PersonIdType};
/// assert_eq!(idnat_ps(PersonIdType::Rpps, "10000000009"), "810000000009");
/// ```
pub fn idnat_ps(kind: PersonIdType, id: &str) -> String {
    let mut s = String::with_capacity(kind.code().len() + id.len());
    s.push_str(kind.code());
    s.push_str(id);
    s
}

/// Checks without allocating that `idnat` is `kind` + `id`.
pub fn idnat_matches(kind_code: &str, id: &str, idnat: &str) -> bool {
    idnat.len() == kind_code.len() + id.len() && idnat.starts_with(kind_code) && idnat.ends_with(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_and_flag_deprecation() {
        for t in PersonIdType::ALL {
            assert_eq!(PersonIdType::from_code(t.code()), Some(*t));
        }
        for t in StructureIdType::ALL {
            assert_eq!(StructureIdType::from_code(t.code()), Some(*t));
        }
        assert!(PersonIdType::Drass.is_deprecated());
        assert!(PersonIdType::Etudiant.is_deprecated());
        assert!(!PersonIdType::Rpps.is_deprecated());
        assert!(StructureIdType::FinessEj.is_deprecated());
        assert_eq!(PersonIdType::from_code("7"), None);
        assert_eq!(StructureIdType::from_code_or_name("Siret"), Some(StructureIdType::Siret));
    }

    #[test]
    fn structure_column_in_both_forms() {
        let (id, prefixed) = StructureId::parse_column(StructureIdType::Finess, "1990000002").unwrap();
        assert!(prefixed);
        assert_eq!(id.unwrap().as_str(), "990000002");
        let (id, prefixed) = StructureId::parse_column(StructureIdType::Finess, "990000002").unwrap();
        assert!(!prefixed);
        assert_eq!(id.unwrap().as_str(), "990000002");
        let (id, _) = StructureId::parse_column(StructureIdType::Siret, "312345678200010").unwrap();
        assert_eq!(id.unwrap().as_str(), "12345678200010");
        assert!(StructureId::parse_column(StructureIdType::Siren, "2123").is_err());
        assert_eq!(StructureId::parse_column(StructureIdType::Siret, "312345678200011"), Err(IdError::CheckDigit));
    }

    #[test]
    fn idnat_types() {
        assert_eq!(IdNatPs::parse("0991000019").unwrap().kind(), PersonIdType::Adeli);
        assert_eq!(IdNatPs::parse("810000000009").unwrap().id(), "10000000009");
        let reg = IdNatPs::parse("3990000002/12").unwrap();
        assert_eq!((reg.kind(), reg.id()), (PersonIdType::Finess, "990000002/12"));
        assert!(IdNatPs::parse("").is_err());
        assert!(IdNatPs::parse("7123").is_err());
        assert_eq!(IdNatStruct::parse("1990000002").unwrap().kind(), StructureIdType::Finess);
        assert_eq!(IdNatStruct::parse("2123456782").unwrap().kind(), StructureIdType::Siren);
        assert_eq!(IdNatStruct::parse("312345678200011"), Err(IdError::CheckDigit));
        assert_eq!(IdNatStruct::parse("40ROR-1").unwrap().kind(), StructureIdType::RorStructure);
        for s in ["1990000002", "2123456782", "312345678200010", "41x"] {
            assert_eq!(IdNatStruct::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn idnat_consistency() {
        assert!(idnat_matches("8", "10000000009", "810000000009"));
        assert!(!idnat_matches("0", "10000000009", "810000000009"));
        assert!(!idnat_matches("8", "10000000009", "8100000000091"));
        assert_eq!(idnat_ps(PersonIdType::Adeli, "991000019"), "0991000019");
    }
}

//! File layouts: which known column sits at which field, resolved from the header.
//!
//! A layout is data. The public extraction ([`Format::Extraction`]) and the
//! project's feed format v1 ([`Format::Feed`]) are two values of [`Format`]; a
//! header is matched against the known [`Column`]s tolerantly (trimmed, case- and
//! accent-insensitive, the ` structure BAL` suffix optional), and unknown columns
//! are kept by name.

use crate::error::Error;

macro_rules! columns {
    ($( $(#[$doc:meta])* $name:ident = $header:literal, )*) => {
        /// A column this crate knows, with its canonical header spelling.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Column {
            $( $(#[$doc])* $name, )*
        }

        impl Column {
            /// Every known column.
            pub const ALL: &'static [Column] = &[$(Column::$name,)*];
            /// Number of known columns.
            pub const COUNT: usize = Column::ALL.len();

            /// The canonical header spelling.
            pub const fn name(self) -> &'static str {
                match self { $( Column::$name => $header, )* }
            }
        }
    };
}

columns! {
    /// `Type de BAL` (TRE_R257).
    BalType = "Type de BAL",
    /// `Adresse BAL`.
    Address = "Adresse BAL",
    /// `Type Identifiant PP` (TRE_G08).
    PersonIdType = "Type Identifiant PP",
    /// `Identifiant PP`.
    PersonId = "Identifiant PP",
    /// `Identification nationale PP` (idNat_PS).
    PersonIdNat = "Identification nationale PP",
    /// `Type identifiant structure` (TRE_G07, value domain unconfirmed).
    StructureIdType = "Type identifiant structure",
    /// `Identification Structure` (value domain unconfirmed).
    StructureId = "Identification Structure",
    /// `Service de rattachement`.
    Service = "Service de rattachement",
    /// `Civilité d'exercice` (TRE_R11).
    Civility = "Civilité d'exercice",
    /// `Nom d'exercice`.
    LastName = "Nom d'exercice",
    /// `Prénom d'exercice`.
    FirstName = "Prénom d'exercice",
    /// `Catégorie profession` (TRE_R09).
    Category = "Catégorie profession",
    /// `Libellé de catégorie profession`.
    CategoryLabel = "Libellé de catégorie profession",
    /// `Code Profession` (TRE_G15).
    Profession = "Code Profession",
    /// `Libellé Profession`.
    ProfessionLabel = "Libellé Profession",
    /// `Code savoir-faire`.
    Specialty = "Code savoir-faire",
    /// `Libellé savoir-faire`.
    SpecialtyLabel = "Libellé savoir-faire",
    /// `Dématérialisation` (literal unconfirmed).
    Dematerialisation = "Dématérialisation",
    /// `Raison Sociale structure BAL`.
    LegalName = "Raison Sociale structure BAL",
    /// `Enseigne commerciale structure BAL`.
    TradeName = "Enseigne commerciale structure BAL",
    /// `L2COMPLEMENTLOCALISATION structure BAL`.
    AddrLine2 = "L2COMPLEMENTLOCALISATION structure BAL",
    /// `L3COMPLEMENTDISTRIBUTION structure BAL`.
    AddrLine3 = "L3COMPLEMENTDISTRIBUTION structure BAL",
    /// `L4NUMEROVOIE structure BAL`.
    StreetNumber = "L4NUMEROVOIE structure BAL",
    /// `L4COMPLEMENTNUMEROVOIE structure BAL`.
    StreetNumberSuffix = "L4COMPLEMENTNUMEROVOIE structure BAL",
    /// `NL4TYPEVOIE structure BAL`.
    StreetType = "NL4TYPEVOIE structure BAL",
    /// `L4LIBELLEVOIE structure BAL`.
    StreetName = "L4LIBELLEVOIE structure BAL",
    /// `L5LIEUDITMENTION structure BAL`.
    Locality = "L5LIEUDITMENTION structure BAL",
    /// `L6LIGNEACHEMINEMENT structure BAL`.
    RoutingLine = "L6LIGNEACHEMINEMENT structure BAL",
    /// `Code postal structure BAL`.
    PostalCode = "Code postal structure BAL",
    /// `Département structure BAL` (value domain unconfirmed).
    Departement = "Département structure BAL",
    /// `Pays structure BAL` (value domain unconfirmed).
    Country = "Pays structure BAL",
    /// `Description` (feed format).
    Description = "Description",
    /// `Responsable` (feed format).
    Responsible = "Responsable",
    /// `Liste rouge` (feed format).
    ListeRouge = "Liste rouge",
    /// `Rang` (feed format): preference order, 1 = preferred.
    Rank = "Rang",
}

/// Folds a header name for tolerant matching: trimmed, lower case, accents
/// removed, typographic apostrophe as `'`, inner whitespace collapsed, and a
/// trailing ` structure bal` removed.
pub fn fold_header(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut space = false;
    for c in name.trim().chars() {
        let c = match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'î' | 'ï' | 'Î' | 'Ï' => 'i',
            'ô' | 'ö' | 'Ô' | 'Ö' => 'o',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            '\u{2019}' | '\u{2018}' | '`' => '\'',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            space = false;
            out.extend(c.to_lowercase());
        }
    }
    if let Some(stripped) = out.strip_suffix(" structure bal") {
        out.truncate(stripped.len());
    }
    out
}

/// Finds the known column a header name designates.
pub fn match_column(name: &str) -> Option<Column> {
    static FOLDED: std::sync::LazyLock<Vec<(String, Column)>> =
        std::sync::LazyLock::new(|| Column::ALL.iter().map(|c| (fold_header(c.name()), *c)).collect());
    if let Some(c) = Column::ALL.iter().find(|c| c.name() == name) {
        return Some(*c); // the exact spelling: no folding needed
    }
    let folded = fold_header(name);
    FOLDED.iter().find(|(f, _)| *f == folded).map(|(_, c)| *c)
}

/// A file format: its canonical columns (in order) and the ones a header must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// The public `Extraction_Correspondance_MSSante` file (31 columns).
    Extraction,
    /// The project's operator feed format v1 (`docs/formats/bal-feed.md`).
    Feed,
}

impl Format {
    /// A short name: `extraction`, `feed`.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Extraction => "extraction",
            Format::Feed => "feed",
        }
    }
}

/// The 31 extraction columns, in file order.
pub const EXTRACTION_COLUMNS: &[Column] = &[
    Column::BalType,
    Column::Address,
    Column::PersonIdType,
    Column::PersonId,
    Column::PersonIdNat,
    Column::StructureIdType,
    Column::StructureId,
    Column::Service,
    Column::Civility,
    Column::LastName,
    Column::FirstName,
    Column::Category,
    Column::CategoryLabel,
    Column::Profession,
    Column::ProfessionLabel,
    Column::Specialty,
    Column::SpecialtyLabel,
    Column::Dematerialisation,
    Column::LegalName,
    Column::TradeName,
    Column::AddrLine2,
    Column::AddrLine3,
    Column::StreetNumber,
    Column::StreetNumberSuffix,
    Column::StreetType,
    Column::StreetName,
    Column::Locality,
    Column::RoutingLine,
    Column::PostalCode,
    Column::Departement,
    Column::Country,
];

/// The feed format v1 columns, in file order.
pub const FEED_COLUMNS: &[Column] = &[
    Column::BalType,
    Column::Address,
    Column::PersonIdType,
    Column::PersonId,
    Column::PersonIdNat,
    Column::StructureIdType,
    Column::StructureId,
    Column::Service,
    Column::Description,
    Column::Responsible,
    Column::Dematerialisation,
    Column::ListeRouge,
    Column::Rank,
];

impl Format {
    /// The canonical columns, in order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Format::Extraction => EXTRACTION_COLUMNS,
            Format::Feed => FEED_COLUMNS,
        }
    }

    /// Columns a header must contain; the others default to empty when absent.
    pub fn required(self) -> &'static [Column] {
        match self {
            Format::Extraction => &EXTRACTION_COLUMNS[..7],
            Format::Feed => &[
                Column::BalType,
                Column::Address,
                Column::PersonIdType,
                Column::PersonId,
                Column::StructureIdType,
                Column::StructureId,
                Column::ListeRouge,
            ],
        }
    }

    /// The canonical header line (no terminator).
    pub fn header(self) -> String {
        self.columns().iter().map(|c| c.name()).collect::<Vec<_>>().join("|")
    }
}

/// What one field of a file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// A known column.
    Known(Column),
    /// A column this crate does not know, kept by position.
    Unknown,
}

/// A resolved layout: the header's fields, their spelling, and where each known
/// column sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    format: Format,
    names: Vec<String>,
    slots: Vec<Slot>,
    index: [Option<u16>; Column::COUNT],
}

impl Layout {
    /// Resolves a header line (without terminator or BOM).
    pub fn from_header(format: Format, header: &str) -> Result<Layout, Error> {
        let mut index = [None; Column::COUNT];
        let mut names = Vec::new();
        let mut slots = Vec::new();
        for (i, name) in header.split('|').enumerate() {
            let slot = match match_column(name) {
                Some(c) => {
                    if let Some(first) = index[c as usize] {
                        return Err(Error::DuplicateColumn {
                            column: c.name(),
                            first: usize::from(first) + 1,
                            second: i + 1,
                        });
                    }
                    index[c as usize] = u16::try_from(i).ok();
                    Slot::Known(c)
                }
                None => Slot::Unknown,
            };
            names.push(name.to_owned());
            slots.push(slot);
        }
        let missing: Vec<&'static str> =
            format.required().iter().filter(|c| index[**c as usize].is_none()).map(|c| c.name()).collect();
        if !missing.is_empty() {
            return Err(Error::MissingColumns { columns: missing });
        }
        Ok(Layout { format, names, slots, index })
    }

    /// The canonical layout of a format.
    pub fn canonical(format: Format) -> Layout {
        let mut index = [None; Column::COUNT];
        for (i, c) in format.columns().iter().enumerate() {
            index[*c as usize] = u16::try_from(i).ok();
        }
        Layout {
            format,
            names: format.columns().iter().map(|c| c.name().to_owned()).collect(),
            slots: format.columns().iter().map(|c| Slot::Known(*c)).collect(),
            index,
        }
    }

    /// The format this layout was resolved for.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Number of fields per line.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Always false: a header has at least one field.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Field index of a known column, if present.
    pub fn index_of(&self, c: Column) -> Option<usize> {
        self.index[c as usize].map(usize::from)
    }

    /// The header spelling of field `i`.
    pub fn name(&self, i: usize) -> Option<&str> {
        self.names.get(i).map(String::as_str)
    }

    /// What field `i` holds.
    pub fn slot(&self, i: usize) -> Option<&Slot> {
        self.slots.get(i)
    }

    /// The header spelling of a known column (canonical name when absent).
    pub fn column_name(&self, c: Column) -> &str {
        self.index_of(c).and_then(|i| self.name(i)).unwrap_or(c.name())
    }

    /// Known columns of the format that the header lacks (they read as empty).
    pub fn missing_optional(&self) -> Vec<Column> {
        self.format.columns().iter().copied().filter(|c| self.index_of(*c).is_none()).collect()
    }

    /// Names of the unknown columns, in order.
    pub fn unknown_columns(&self) -> Vec<&str> {
        self.slots.iter().zip(&self.names).filter(|(s, _)| **s == Slot::Unknown).map(|(_, n)| n.as_str()).collect()
    }

    /// The header line as read (fields joined by `|`).
    pub fn header_line(&self) -> String {
        self.names.join("|")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXACT: &str = "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé de catégorie profession|Code Profession|Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|Enseigne commerciale structure BAL|L2COMPLEMENTLOCALISATION structure BAL|L3COMPLEMENTDISTRIBUTION structure BAL|L4NUMEROVOIE structure BAL|L4COMPLEMENTNUMEROVOIE structure BAL|NL4TYPEVOIE structure BAL|L4LIBELLEVOIE structure BAL|L5LIEUDITMENTION structure BAL|L6LIGNEACHEMINEMENT structure BAL|Code postal structure BAL|Département structure BAL|Pays structure BAL";

    #[test]
    fn exact_31_column_header() {
        assert_eq!(Format::Extraction.header(), EXACT);
        assert_eq!(EXTRACTION_COLUMNS.len(), 31);
        let l = Layout::from_header(Format::Extraction, EXACT).unwrap();
        assert_eq!(l.len(), 31);
        assert!(l.missing_optional().is_empty());
        assert!(l.unknown_columns().is_empty());
        assert_eq!(l, Layout::canonical(Format::Extraction));
    }

    #[test]
    fn tolerant_matching() {
        assert_eq!(match_column("  TYPE DE bal "), Some(Column::BalType));
        assert_eq!(match_column("Civilite d’exercice"), Some(Column::Civility));
        assert_eq!(match_column("Code postal"), Some(Column::PostalCode));
        assert_eq!(match_column("departement structure bal"), Some(Column::Departement));
        assert_eq!(match_column("Couleur"), None);
    }

    #[test]
    fn unknown_kept_missing_reported() {
        let l = Layout::from_header(Format::Extraction, "Adresse BAL|Type de BAL|Extra|Type Identifiant PP|Identifiant PP|Identification nationale PP|Type identifiant structure|Identification Structure").unwrap();
        assert_eq!(l.index_of(Column::Address), Some(0));
        assert_eq!(l.unknown_columns(), vec!["Extra"]);
        assert_eq!(l.missing_optional().len(), 24);
        let err = Layout::from_header(Format::Extraction, "Type de BAL|Foo").unwrap_err();
        assert!(matches!(err, Error::MissingColumns { ref columns } if columns.contains(&"Adresse BAL")));
        let dup = Layout::from_header(Format::Extraction, "Type de BAL|type de bal").unwrap_err();
        assert!(matches!(dup, Error::DuplicateColumn { first: 1, second: 2, .. }));
    }
}

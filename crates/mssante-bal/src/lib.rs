//! # mssante-bal
//!
//! The MSSanté BAL (mailbox) vocabulary and the files around it:
//!
//! * [`model`]: [`BalType`], [`Address`], [`Domain`], identifiers with their check
//!   digits ([`Rpps`], [`Adeli`], [`Finess`], [`Siren`], [`Siret`]), TRE_G08 /
//!   TRE_G07 types, code lists, and the validated [`Bal`] record;
//! * [`reader`] / [`writer`]: streaming, allocation-free reading of the public
//!   extraction `Extraction_Correspondance_MSSante` and of the operator feed
//!   (`docs/formats/bal-feed.md`), byte-exact writing;
//! * [`check`]: whole-file validation with totals that always add up, on one
//!   thread or several; [`issues`]: issues counted by code with examples, the
//!   complete list streamed to an [`issues::IssueSink`];
//! * [`feed`]: the feed file-name pattern; [`diff`]: BALs added, removed and
//!   changed between two extractions;
//! * `archive` (feature `zip`): the extraction as ANS publishes it, a ZIP
//!   read without unpacking it first;
//! * [`liste_blanche`]: the trust-space domain list (XML);
//! * [`generate`]: deterministic synthetic files of any size.
//!
//! Every problem in a record is an [`Issue`] with a [`Position`], a column and a
//! stable [`Code`] (see `docs/error-codes.md`); a bad line never stops reading.
//!
//! ```
//! use mssante_bal::{check::Checker, Format, Rules};
//! let file = format!(
//!     "{}\nPER|prenom.nom@exemple.mssante.fr|8|10000000009|810000000009{}\nORG|bad address||||||{}\n",
//!     Format::Extraction.header(), "|".repeat(26), "|".repeat(24),
//! );
//! let summary = Checker::new(Format::Extraction, Rules::default()).check_reader(file.as_bytes()).unwrap();
//! assert_eq!(summary.records_total(), 2);
//! assert_eq!(summary.records_valid(), 1);
//! assert_eq!(summary.examples[0].position.line, 3);
//! assert_eq!(summary.physical_lines(), 3);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "zip")]
pub mod archive;
mod blocks;
pub mod check;
pub mod diff;
pub mod distinct;
mod dn;
pub mod error;
pub mod feed;
#[cfg(feature = "generate")]
pub mod generate;
pub mod issues;
pub mod layout;
pub mod lines;
pub mod liste_blanche;
pub mod model;
pub mod reader;
pub mod source;
mod spool;
pub mod writer;

pub use error::{Code, Error, Issue, Position, Severity, StableCode};
pub use layout::{Column, Format, Layout};
pub use model::address::{Address, AddressError, Domain};
pub use model::bal::{Bal, BalBuilder, Fields, Person, Rules, Structure, validate};
pub use model::bal_type::BalType;
pub use model::codes;
pub use model::flag::parse_flag;
pub use model::idnat::{
    IdNatPs, IdNatStruct, PersonId, PersonIdType, StructureId, StructureIdType, idnat_matches, idnat_ps,
};
pub use model::ids::{Adeli, Finess, IdError, Rpps, Siren, Siret, luhn_is_valid, luhn_key};
pub use reader::{Item, RawRecord, Reader, ReaderConfig, Terminator};
pub use writer::Writer;

//! The typed BAL record and its rules (`bal-model.md`).

use super::address::{Address, AddressError};
use super::bal_type::BalType;
use super::codes::{TRE_R09, TRE_R11, label_of};
use super::flag::parse_flag;
use super::idnat::{IdNatPs, PersonId, PersonIdType, StructureId, StructureIdType, idnat_matches};
use super::ids::IdError;
use crate::error::{Code, Issue, Position, Severity};
use crate::layout::{Column, Format};
use crate::reader::{RawRecord, Terminator};
use std::borrow::Cow;

/// Maximum lengths (characters) reported for the MOS attributes (unverified, so
/// exceeding them is a warning).
pub const MAX_DESCRIPTION: usize = 75;
/// See [`MAX_DESCRIPTION`].
pub const MAX_RESPONSIBLE: usize = 45;
/// See [`MAX_DESCRIPTION`].
pub const MAX_SERVICE: usize = 90;

/// Validation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rules {
    /// When true, a wrong RPPS, ADELI or FINESS key rejects the record; by default
    /// it is a warning (those rules are reported or assumed, not confirmed). SIREN
    /// and SIRET keys always reject.
    pub strict_check_digits: bool,
}

/// Access to the fields of one record by known column.
pub trait Fields<'a> {
    /// The value of a column; empty when absent.
    fn field(&self, c: Column) -> &'a str;
    /// Whether the layout has the column at all.
    fn has(&self, c: Column) -> bool;
    /// How the column is spelled in the input.
    fn column_name(&self, c: Column) -> &str;
}

impl<'a> Fields<'a> for RawRecord<'a> {
    fn field(&self, c: Column) -> &'a str {
        RawRecord::field(self, c)
    }
    fn has(&self, c: Column) -> bool {
        self.layout().index_of(c).is_some()
    }
    fn column_name(&self, c: Column) -> &str {
        self.layout().column_name(c)
    }
}

/// The person carrying a BAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Person {
    /// TRE_G08 type.
    pub id_type: PersonIdType,
    /// The identifier, typed when its type is RPPS or ADELI.
    pub id: Option<PersonId>,
}

/// The structure carrying a BAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Structure {
    /// TRE_G07 type, when recognised.
    pub id_type: Option<StructureIdType>,
    /// The identifier, typed when its type is FINESS, SIREN or SIRET.
    pub id: Option<StructureId>,
}

/// What validation extracted from a record that has no error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed<'a> {
    /// BAL type.
    pub bal_type: BalType<'a>,
    /// Address.
    pub address: Address<'a>,
    /// Person carrier.
    pub person: Option<Person>,
    /// Structure carrier.
    pub structure: Option<Structure>,
}

struct Ctx<'f, 'a, F: Fields<'a>> {
    f: &'f F,
    pos: Position,
    out: &'f mut Vec<Issue>,
    format: Format,
    errors: bool,
    _a: std::marker::PhantomData<&'a ()>,
}

impl<'a, F: Fields<'a>> Ctx<'_, 'a, F> {
    fn push(&mut self, code: Code, sev: Severity, col: Option<Column>, msg: String) {
        self.errors |= sev == Severity::Error;
        let mut i = Issue { code, severity: sev, position: self.pos, column: None, message: msg };
        if let Some(c) = col {
            i.column = Some(self.f.column_name(c).to_owned());
        }
        self.out.push(i);
    }
    fn error(&mut self, code: Code, col: Column, msg: String) {
        self.push(code, Severity::Error, Some(col), msg);
    }
    fn warn(&mut self, code: Code, col: Column, msg: String) {
        self.push(code, Severity::Warning, Some(col), msg);
    }
    fn key(&mut self, strict: bool, code: Code, col: Column, msg: String) {
        let sev = if strict { Severity::Error } else { Severity::Warning };
        self.push(code, sev, Some(col), msg);
    }
}

fn too_long<'a, F: Fields<'a>>(cx: &mut Ctx<'_, 'a, F>, c: Column, max: usize) {
    let v = cx.f.field(c);
    if v.len() > max {
        let n = v.chars().count();
        if n > max {
            cx.warn(Code::FieldTooLong, c, format!("{n} characters, more than the {max} reported as the maximum"));
        }
    }
}

/// Validates one record. Every problem is appended to `out`; the typed parts are
/// returned when no problem is an error (the record is accepted).
pub fn validate<'a, F: Fields<'a>>(
    f: &F,
    format: Format,
    rules: &Rules,
    pos: Position,
    out: &mut Vec<Issue>,
) -> Option<Typed<'a>> {
    let mut cx = Ctx { f, pos, out, format, errors: false, _a: std::marker::PhantomData };
    let strict = rules.strict_check_digits;

    let bal_type = BalType::parse(f.field(Column::BalType));
    match &bal_type {
        None => cx.error(Code::BalTypeEmpty, Column::BalType, "BAL type is empty".into()),
        Some(BalType::Unknown(t)) => {
            cx.warn(Code::UnknownBalType, Column::BalType, format!("{t:?} is not a TRE_R257 code (PER, ORG, APP, CAB)"))
        }
        Some(_) => {}
    }

    let addr_text = f.field(Column::Address);
    let address = match Address::parse(addr_text) {
        Ok(a) => Some(a),
        Err(AddressError::Empty) => {
            cx.error(Code::AddressEmpty, Column::Address, "address is empty".into());
            None
        }
        Err(e) => {
            let code = if e.is_length() { Code::AddressTooLong } else { Code::AddressSyntax };
            cx.error(code, Column::Address, format!("{addr_text:?}: {e}"));
            None
        }
    };

    let person = validate_person(&mut cx, strict);
    let structure = validate_structure(&mut cx, strict);

    match &bal_type {
        Some(BalType::Per) if person.is_none() => cx.error(
            Code::PersonIdMissing,
            Column::PersonId,
            "a PER BAL needs a person identifier (RPPS or ADELI)".into(),
        ),
        Some(BalType::Cab) => match person {
            None => {
                cx.error(Code::PersonIdMissing, Column::PersonId, "a CAB BAL needs the RPPS of its responsible".into())
            }
            Some(p) if p.id_type != PersonIdType::Rpps => cx.error(
                Code::CabWithoutRpps,
                Column::PersonIdType,
                format!("a CAB BAL needs an RPPS (type 8), not type {}", p.id_type),
            ),
            _ => {}
        },
        Some(t @ (BalType::Org | BalType::App)) if structure.is_none() => cx.error(
            Code::StructureIdMissing,
            Column::StructureId,
            format!("an {} BAL needs a structure identifier", t.code()),
        ),
        _ => {}
    }

    let civ = f.field(Column::Civility);
    if !civ.is_empty() && label_of(TRE_R11, civ).is_none() {
        cx.warn(Code::CivilityUnknown, Column::Civility, format!("{civ:?} is not a TRE_R11 code"));
    }
    let cat = f.field(Column::Category);
    if !cat.is_empty() && label_of(TRE_R09, cat).is_none() {
        cx.warn(Code::CategoryUnknown, Column::Category, format!("{cat:?} is not a TRE_R09 code"));
    }
    let demat = f.field(Column::Dematerialisation);
    if !demat.is_empty() && parse_flag(demat).is_none() {
        cx.warn(Code::FlagUnrecognised, Column::Dematerialisation, format!("{demat:?} is not a yes/no literal"));
    }
    too_long(&mut cx, Column::Service, MAX_SERVICE);
    too_long(&mut cx, Column::Description, MAX_DESCRIPTION);
    too_long(&mut cx, Column::Responsible, MAX_RESPONSIBLE);
    if !f.field(Column::Responsible).is_empty() && matches!(bal_type, Some(BalType::Per | BalType::Cab)) {
        cx.warn(
            Code::ResponsibleNotExpected,
            Column::Responsible,
            "`Responsable` is not filled for PER or CAB BALs".into(),
        );
    }

    if format == Format::Feed {
        let lr = f.field(Column::ListeRouge);
        if !matches!(lr, "O" | "N") {
            cx.error(Code::FieldValueInvalid, Column::ListeRouge, format!("{lr:?}: expected O or N"));
        }
        if !demat.is_empty() && !matches!(demat, "O" | "N") {
            cx.error(Code::FieldValueInvalid, Column::Dematerialisation, format!("{demat:?}: expected O, N or empty"));
        }
        let rank = f.field(Column::Rank);
        let rank_ok =
            rank.bytes().all(|b| b.is_ascii_digit()) && rank.len() <= 4 && rank.parse::<u16>().is_ok_and(|r| r >= 1);
        if !rank.is_empty() && !rank_ok {
            cx.error(
                Code::FieldValueInvalid,
                Column::Rank,
                format!("{rank:?}: expected a whole number from 1 to 9999"),
            );
        }
    }

    if cx.errors {
        return None;
    }
    Some(Typed { bal_type: bal_type?, address: address?, person, structure })
}

fn validate_person<'a, F: Fields<'a>>(cx: &mut Ctx<'_, 'a, F>, strict: bool) -> Option<Person> {
    let (t, id, nat) =
        (cx.f.field(Column::PersonIdType), cx.f.field(Column::PersonId), cx.f.field(Column::PersonIdNat));
    if t.is_empty() && id.is_empty() {
        if !nat.is_empty() {
            cx.error(
                Code::IdNatPsMismatch,
                Column::PersonIdNat,
                "national identification given without type and identifier".into(),
            );
        }
        return None;
    }
    if t.is_empty() {
        cx.error(Code::PersonIdTypeInvalid, Column::PersonIdType, "person identifier given without its type".into());
        return None;
    }
    let Some(kind) = PersonIdType::from_code(t) else {
        cx.error(Code::PersonIdTypeInvalid, Column::PersonIdType, format!("{t:?} is not a TRE_G08 code"));
        return None;
    };
    if kind.is_deprecated() {
        cx.warn(
            Code::DeprecatedIdType,
            Column::PersonIdType,
            format!("person id type {t} ({}) is deprecated", kind.label()),
        );
    } else if !matches!(kind, PersonIdType::Rpps | PersonIdType::Adeli) {
        cx.warn(
            Code::PersonIdTypeUnusual,
            Column::PersonIdType,
            format!("person id type {t} ({}) is unusual for a BAL", kind.label()),
        );
    }
    if id.is_empty() {
        cx.error(Code::PersonIdInvalid, Column::PersonId, format!("identifier missing for type {t}"));
        return None;
    }
    let parsed = match PersonId::parse(kind, id) {
        Ok(p) => p,
        Err(e) => {
            cx.error(Code::PersonIdInvalid, Column::PersonId, format!("{id:?} is not a valid {}: {e}", kind.label()));
            return None;
        }
    };
    match parsed {
        Some(PersonId::Rpps(r)) if !r.key_is_valid() => {
            cx.key(strict, Code::RppsCheckDigit, Column::PersonId, format!("RPPS {id} fails the Luhn key"))
        }
        Some(PersonId::Adeli(a)) if a.key_is_valid() == Some(false) => {
            cx.key(strict, Code::AdeliCheckDigit, Column::PersonId, format!("ADELI {id} fails the Luhn key"))
        }
        _ => {}
    }
    if cx.f.has(Column::PersonIdNat) && !nat.is_empty() && !idnat_matches(t, id, nat) {
        cx.error(Code::IdNatPsMismatch, Column::PersonIdNat, format!("{nat:?} is not type {t} followed by {id}"));
        return None;
    }
    if cx.format == Format::Extraction && nat.is_empty() {
        cx.error(Code::IdNatPsMismatch, Column::PersonIdNat, "national identification is empty".into());
        return None;
    }
    Some(Person { id_type: kind, id: parsed })
}

fn validate_structure<'a, F: Fields<'a>>(cx: &mut Ctx<'_, 'a, F>, strict: bool) -> Option<Structure> {
    let (t, id) = (cx.f.field(Column::StructureIdType), cx.f.field(Column::StructureId));
    if t.is_empty() && id.is_empty() {
        return None;
    }
    if id.is_empty() {
        cx.error(Code::StructureIdInvalid, Column::StructureId, format!("identifier missing for type {t:?}"));
        return None;
    }
    let kind = StructureIdType::from_code_or_name(t);
    let Some(kind) = kind else {
        let msg = if t.is_empty() {
            "structure identifier without a type: kept as written".to_owned()
        } else {
            format!("{t:?} is not a recognised TRE_G07 code: identifier kept as written")
        };
        cx.warn(Code::StructureIdTypeUnknown, Column::StructureIdType, msg);
        return Some(Structure { id_type: None, id: None });
    };
    if kind.is_deprecated() {
        cx.warn(
            Code::DeprecatedIdType,
            Column::StructureIdType,
            format!("structure id type {t} ({}) is deprecated", kind.label()),
        );
    }
    match StructureId::parse_column(kind, id) {
        Ok((parsed, _)) => {
            if let Some(StructureId::Finess(f)) = parsed
                && f.key_is_valid() == Some(false)
            {
                cx.key(strict, Code::FinessCheckDigit, Column::StructureId, format!("FINESS {f} fails the Luhn key"));
            }
            Some(Structure { id_type: Some(kind), id: parsed })
        }
        Err(IdError::CheckDigit) => {
            cx.error(
                Code::SireneCheckDigit,
                Column::StructureId,
                format!("{id:?}: {} check digit is wrong", kind.label()),
            );
            None
        }
        Err(e) => {
            cx.error(
                Code::StructureIdInvalid,
                Column::StructureId,
                format!("{id:?} is not a valid {}: {e}", kind.label()),
            );
            None
        }
    }
}

/// A validated BAL: the values of every known column as written, plus the typed
/// parts. It can only be built through validation ([`Bal::from_record`],
/// [`BalBuilder::build`]), so its typed accessors never fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bal<'a> {
    values: Vec<Cow<'a, str>>,
    extra: Vec<Cow<'a, str>>,
    typed: Typed<'a>,
    terminator: Option<Terminator>,
}

impl<'a> Bal<'a> {
    /// Validates a raw record. On success returns the BAL (borrowing the record)
    /// and its warnings; on failure every issue, errors included.
    pub fn from_record(rec: &RawRecord<'a>, rules: &Rules) -> Result<(Bal<'a>, Vec<Issue>), Vec<Issue>> {
        let mut issues = Vec::new();
        let layout = rec.layout();
        match validate(rec, layout.format(), rules, rec.position, &mut issues) {
            None => Err(issues),
            Some(typed) => {
                let values = Column::ALL.iter().map(|c| Cow::Borrowed(rec.field(*c))).collect();
                let extra = (0..rec.len())
                    .filter(|i| matches!(layout.slot(*i), Some(crate::layout::Slot::Unknown)))
                    .filter_map(|i| rec.get(i).map(Cow::Borrowed))
                    .collect();
                Ok((Bal { values, extra, typed, terminator: Some(rec.terminator) }, issues))
            }
        }
    }

    /// A builder for a BAL of the given type and address, both already
    /// typed (the other columns are set by [`BalBuilder::set`] and validated
    /// at [`BalBuilder::build`]).
    pub fn builder(bal_type: BalType<'_>, address: &Address<'_>) -> BalBuilder {
        BalBuilder::new().set(Column::BalType, bal_type.to_string()).set(Column::Address, address.as_str())
    }

    /// The value of a column as written (empty when absent).
    pub fn field(&self, c: Column) -> &str {
        &self.values[c as usize]
    }

    /// Values of the input's unknown columns, in order.
    pub fn extra(&self) -> &[Cow<'a, str>] {
        &self.extra
    }

    /// The BAL type.
    pub fn bal_type(&self) -> &BalType<'a> {
        &self.typed.bal_type
    }

    /// The address.
    pub fn address(&self) -> &Address<'a> {
        &self.typed.address
    }

    /// The person carrier, if any.
    pub fn person(&self) -> Option<Person> {
        self.typed.person
    }

    /// The structure carrier, if any.
    pub fn structure(&self) -> Option<Structure> {
        self.typed.structure
    }

    /// `Service de rattachement`.
    pub fn service(&self) -> &str {
        self.field(Column::Service)
    }

    /// `Description` (feed format).
    pub fn description(&self) -> &str {
        self.field(Column::Description)
    }

    /// `Responsable` (feed format).
    pub fn responsible(&self) -> &str {
        self.field(Column::Responsible)
    }

    /// The idNat_PS of the person carrier, if any.
    pub fn idnat_ps(&self) -> Option<IdNatPs> {
        let p = self.person()?;
        IdNatPs::new(p.id_type, self.field(Column::PersonId)).ok()
    }

    /// `Liste rouge` (feed format): `Some(true)` when red-listed.
    pub fn liste_rouge(&self) -> Option<bool> {
        parse_flag(self.field(Column::ListeRouge))
    }

    /// `Dématérialisation`, when the literal is recognised.
    pub fn dematerialisation(&self) -> Option<bool> {
        parse_flag(self.field(Column::Dematerialisation))
    }

    /// `Rang` (feed format).
    pub fn rank(&self) -> Option<u16> {
        self.field(Column::Rank).parse().ok()
    }

    /// The terminator the line had in its input, if it was read.
    pub fn terminator(&self) -> Option<Terminator> {
        self.terminator
    }

    /// Copies any borrowed data.
    pub fn into_owned(self) -> Bal<'static> {
        Bal {
            values: self.values.into_iter().map(|v| Cow::Owned(v.into_owned())).collect(),
            extra: self.extra.into_iter().map(|v| Cow::Owned(v.into_owned())).collect(),
            typed: Typed {
                bal_type: self.typed.bal_type.into_owned(),
                address: self.typed.address.into_owned(),
                person: self.typed.person,
                structure: self.typed.structure,
            },
            terminator: self.terminator,
        }
    }
}

/// Builds a [`Bal`] column by column, validated at [`BalBuilder::build`].
///
/// ```
/// use mssante_bal::{Address, Bal, BalType, Column, Format, Rules};
/// let address = Address::parse("secretariat@ch-exemple.mssante.fr").unwrap();
/// let bal = Bal::builder(BalType::Org, &address)
///     .set(Column::StructureIdType, "1")
///     .set(Column::StructureId, "1990000002")
///     .set(Column::ListeRouge, "N")
///     .build(Format::Feed, &Rules::default())
///     .unwrap();
/// assert_eq!(bal.structure().unwrap().id.unwrap().as_str(), "990000002");
/// ```
#[derive(Debug, Clone, Default)]
pub struct BalBuilder {
    values: Vec<String>,
    extra: Vec<String>,
}

struct BuilderFields<'b>(&'b [String]);

impl<'b> Fields<'b> for BuilderFields<'b> {
    fn field(&self, c: Column) -> &'b str {
        &self.0[c as usize]
    }
    fn has(&self, _c: Column) -> bool {
        true
    }
    fn column_name(&self, c: Column) -> &str {
        c.name()
    }
}

impl BalBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        BalBuilder { values: vec![String::new(); Column::COUNT], extra: Vec::new() }
    }

    /// Sets a column.
    pub fn set(mut self, c: Column, value: impl Into<String>) -> Self {
        self.values[c as usize] = value.into();
        self
    }

    /// Sets the values of unknown columns (written after known ones by position).
    pub fn extra(mut self, values: Vec<String>) -> Self {
        self.extra = values;
        self
    }

    /// Validates. A value holding `|`, CR or LF cannot be written and is refused
    /// (`E231`), as is any error of [`validate`].
    pub fn build(self, format: Format, rules: &Rules) -> Result<Bal<'static>, Vec<Issue>> {
        let mut issues = Vec::new();
        for (c, v) in Column::ALL
            .iter()
            .zip(&self.values)
            .map(|(c, v)| (c, v.as_str()))
            .chain(self.extra.iter().map(|v| (&Column::BalType, v.as_str())))
        {
            if v.contains(['|', '\r', '\n']) {
                issues.push(
                    Issue::error(
                        Code::FieldValueInvalid,
                        Position::default(),
                        format!("{v:?} holds a separator or line break"),
                    )
                    .at_column(c.name()),
                );
            }
        }
        let typed = validate(&BuilderFields(&self.values), format, rules, Position::default(), &mut issues);
        match typed {
            Some(t) if !issues.iter().any(Issue::is_error) => {
                let typed = Typed {
                    bal_type: t.bal_type.into_owned(),
                    address: t.address.into_owned(),
                    person: t.person,
                    structure: t.structure,
                };
                Ok(Bal {
                    values: self.values.into_iter().map(Cow::Owned).collect(),
                    extra: self.extra.into_iter().map(Cow::Owned).collect(),
                    typed,
                    terminator: None,
                })
            }
            _ => Err(issues),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pairs: &[(Column, &str)], format: Format) -> Result<Bal<'static>, Vec<Code>> {
        let mut b = BalBuilder::new();
        for (c, v) in pairs {
            b = b.set(*c, *v);
        }
        if format == Format::Feed && !pairs.iter().any(|(c, _)| *c == Column::ListeRouge) {
            b = b.set(Column::ListeRouge, "N");
        }
        b.build(format, &Rules::default()).map_err(|is| is.iter().filter(|i| i.is_error()).map(|i| i.code).collect())
    }

    const PER: &[(Column, &str)] = &[
        (Column::BalType, "PER"),
        (Column::Address, "a@x.mssante.fr"),
        (Column::PersonIdType, "8"),
        (Column::PersonId, "10000000009"),
        (Column::PersonIdNat, "810000000009"),
    ];

    #[test]
    fn per_needs_a_person() {
        assert!(check(PER, Format::Extraction).is_ok());
        assert_eq!(check(&PER[..2], Format::Extraction).unwrap_err(), vec![Code::PersonIdMissing]);
    }

    #[test]
    fn idnat_must_match() {
        let mut v = PER.to_vec();
        v[4] = (Column::PersonIdNat, "010000000009");
        assert_eq!(check(&v, Format::Extraction).unwrap_err(), vec![Code::IdNatPsMismatch, Code::PersonIdMissing]);
    }

    #[test]
    fn rpps_key_is_a_warning_unless_strict() {
        let mut v = PER.to_vec();
        v[3] = (Column::PersonId, "10000000008");
        v[4] = (Column::PersonIdNat, "810000000008");
        assert!(check(&v, Format::Extraction).is_ok());
        let mut b = BalBuilder::new();
        for (c, val) in &v {
            b = b.set(*c, *val);
        }
        let err = b.build(Format::Extraction, &Rules { strict_check_digits: true }).unwrap_err();
        assert!(err.iter().any(|i| i.code == Code::RppsCheckDigit && i.is_error()));
    }

    #[test]
    fn org_needs_structure_and_siret_key_rejects() {
        let org = [(Column::BalType, "ORG"), (Column::Address, "s@x.mssante.fr")];
        assert_eq!(check(&org, Format::Extraction).unwrap_err(), vec![Code::StructureIdMissing]);
        let mut v = org.to_vec();
        v.push((Column::StructureIdType, "3"));
        v.push((Column::StructureId, "12345678200011"));
        assert_eq!(check(&v, Format::Extraction).unwrap_err(), vec![Code::SireneCheckDigit, Code::StructureIdMissing]);
        v[3] = (Column::StructureId, "312345678200010");
        assert!(check(&v, Format::Extraction).is_ok());
    }

    #[test]
    fn cab_needs_rpps() {
        let mut v = PER.to_vec();
        v[0] = (Column::BalType, "CAB");
        assert!(check(&v, Format::Extraction).is_ok());
        v[2] = (Column::PersonIdType, "0");
        v[3] = (Column::PersonId, "991000019");
        v[4] = (Column::PersonIdNat, "0991000019");
        assert_eq!(check(&v, Format::Extraction).unwrap_err(), vec![Code::CabWithoutRpps]);
    }

    #[test]
    fn feed_flags_are_strict() {
        let mut v = PER.to_vec();
        v.push((Column::ListeRouge, "peut-être"));
        assert_eq!(check(&v, Format::Feed).unwrap_err(), vec![Code::FieldValueInvalid]);
        v.pop();
        v.push((Column::Rank, "0"));
        assert_eq!(check(&v, Format::Feed).unwrap_err(), vec![Code::FieldValueInvalid]);
    }

    #[test]
    fn separators_cannot_be_built() {
        let mut v = PER.to_vec();
        v.push((Column::Service, "a|b"));
        assert_eq!(check(&v, Format::Extraction).unwrap_err(), vec![Code::FieldValueInvalid]);
    }
}

//! Deterministic synthetic data shaped like the real files.
//!
//! Same seed, same record count, same crate version → same bytes. Names are
//! invented from syllables, identifiers are synthetic with valid check digits
//! (RPPS `10…`, FINESS and ADELI in département `99`), operators and MTAs are
//! fictitious. The shape follows `extraction-file.md`: about 85 % PER and 15 %
//! ORG, thousands of domains with one very large one (`medecin.mssante.fr`, about
//! 11.6 % of the lines), half of the PER lines without a structure, and a few
//! addresses listed on two lines.
//!
//! ```
//! use mssante_bal::generate::Generator;
//! let mut a = Vec::new();
//! Generator::new(7, 100).write_extraction(&mut a).unwrap();
//! let mut b = Vec::new();
//! Generator::new(7, 100).write_extraction(&mut b).unwrap();
//! assert_eq!(a, b);
//! assert_eq!(a.iter().filter(|&&c| c == b'\n').count(), 101);
//! ```

use crate::layout::Format;
use crate::liste_blanche::{NAMESPACE, escape};
use crate::model::ids::luhn_key;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::io::{self, Write};

const SYL: &[&str] = &[
    "bel", "mon", "ro", "ver", "lu", "sa", "ti", "gar", "nel", "cor", "bri", "dal", "fon", "mar", "pel", "qui", "ran",
    "sol", "tor", "val", "zen", "char", "lor", "mi", "ne", "pa", "ri", "su", "ta", "vi",
];
const FIRST: &[&str] = &[
    "Alcide",
    "Berthe",
    "Cyprien",
    "Delphe",
    "Eulalie",
    "Firmin",
    "Gisele",
    "Hilaire",
    "Ida",
    "Jovin",
    "Lisandre",
    "Maelis",
    "Noemie",
    "Octave",
    "Perrine",
    "Quitterie",
    "Romeo",
    "Sidonie",
    "Tancrede",
    "Ursule",
    "Valere",
    "Zelie",
];
const SERVICES: &[&str] = &[
    "Service de cardiologie",
    "Secrétariat de cardiologie",
    "Urgences",
    "Pôle imagerie",
    "Laboratoire",
    "Pharmacie à usage intérieur",
    "Consultations externes",
    "Service de pédiatrie",
    "Bureau des entrées",
    "Équipe mobile de gériatrie",
];
const PROFESSIONS: &[(&str, &str, u32)] = &[
    ("10", "Médecin", 60),
    ("21", "Pharmacien", 8),
    ("40", "Chirurgien-Dentiste", 6),
    ("50", "Sage-Femme", 4),
    ("60", "Infirmier", 12),
    ("70", "Masseur-Kinésithérapeute", 6),
    ("80", "Pédicure-Podologue", 2),
    ("91", "Orthophoniste", 1),
    ("92", "Orthoptiste", 1),
];
const SPECIALTIES: &[(&str, &str)] = &[
    ("SM54", "Médecine générale"),
    ("SM04", "Cardiologie et maladies vasculaires"),
    ("SM40", "Pédiatrie"),
    ("SM26", "Psychiatrie"),
];
const MAILIZ: &[&str] = &[
    "medecin.mssante.fr",
    "pharmacien.mssante.fr",
    "infirmier.mssante.fr",
    "chirurgien-dentiste.mssante.fr",
    "sage-femme.mssante.fr",
    "masseur-kinesitherapeute.mssante.fr",
    "orthophoniste.mssante.fr",
    "pedicure-podologue.mssante.fr",
    "pro.mssante.fr",
    "social.mssante.fr",
];
const KINDS: &[&str] =
    &["ch", "clinique", "cabinet", "ehpad", "centre", "maison-sante", "labo", "grades", "ght", "sante"];

/// A fictitious operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Identifier used in feed file names.
    pub id: String,
    /// Organisation name (`O=`).
    pub name: String,
    /// MTA certificate DNs (one or two).
    pub dns: Vec<String>,
}

/// A domain and the index of its operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainInfo {
    /// Domain name.
    pub name: String,
    /// Index into [`Generator::operators`].
    pub operator: usize,
}

/// The synthetic generator.
#[derive(Debug, Clone)]
pub struct Generator {
    rng: ChaCha8Rng,
    records: u64,
    domains: Vec<DomainInfo>,
    cumulative: Vec<f64>,
    operators: Vec<Operator>,
    errors_per_million: u32,
    crlf: bool,
    serial: u64,
    name_len: u32,
    day: u32,
    seed: u64,
}

fn word(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n).map(|_| SYL[rng.random_range(0..SYL.len())]).collect()
}

/// A name made of syllables, distinct for each `serial` below 30^`len` (the
/// serial is scrambled by a multiplication that is a bijection modulo 30^len).
fn serial_word(serial: u64, len: u32) -> String {
    let modulus = (SYL.len() as u64).pow(len);
    let mut x = (serial % modulus).wrapping_mul(7919) % modulus;
    let mut s = String::new();
    for _ in 0..len {
        s.push_str(SYL[(x % SYL.len() as u64) as usize]);
        x /= SYL.len() as u64;
    }
    s
}

fn digits(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

fn with_key(body: String) -> String {
    let k = luhn_key(body.as_bytes()).unwrap_or(0);
    format!("{body}{k}")
}

impl Generator {
    /// A generator for `records` records (the universe of domains and operators
    /// scales with it: about one domain per 107 records, at least 20).
    pub fn new(seed: u64, records: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n_domains = usize::try_from((records / 107).max(20)).unwrap_or(usize::MAX).min(50_000);
        let n_ops = (n_domains / 15).clamp(3, 350);
        let mut operators = Vec::with_capacity(n_ops);
        for i in 0..n_ops {
            let name = format!("OPERATEUR {} {}", word(&mut rng, 2).to_uppercase(), i + 1);
            let host = format!("operateur-{}.exemple", i + 1);
            let siret = {
                let siren = with_key(format!("99{}", digits(&mut rng, 6)));
                with_key(format!("{siren}{}", digits(&mut rng, 4)))
            };
            let mtas = if i % 3 == 0 { 2 } else { 1 };
            let dns =
                (1..=mtas).map(|m| format!("CN=mta{m}.{host},OU={siret},O={name},ST=Exemple (99),C=FR")).collect();
            operators.push(Operator { id: format!("OPE-{siret}"), name, dns });
        }
        let mut seen = HashSet::new();
        let mut domains = Vec::with_capacity(n_domains);
        for m in MAILIZ.iter().take(n_domains) {
            seen.insert(m.to_string());
            // The profession domains share the MTAs of one operator, as Mailiz's do.
            domains.push(DomainInfo { name: (*m).to_owned(), operator: 0 });
        }
        while domains.len() < n_domains {
            let kind = KINDS[rng.random_range(0..KINDS.len())];
            let n = 2 + rng.random_range(0..2);
            let w = word(&mut rng, n);
            let mut name = format!("{kind}-{w}.mssante.fr");
            if rng.random_range(0..10) == 0 {
                name = format!("{}.{name}", word(&mut rng, 1));
            }
            if !seen.insert(name.clone()) {
                continue;
            }
            // Operator concentration: operator 1 serves about half the domains.
            let operator = if rng.random_range(0..2) == 0 { 1 % n_ops } else { rng.random_range(0..n_ops) };
            domains.push(DomainInfo { name, operator });
        }
        // Weights: the first domain takes ~11.6 %, the rest follow a Zipf-like law.
        let mut weights: Vec<f64> = (0..n_domains).map(|i| 1.0 / ((i + 1) as f64).powf(0.9)).collect();
        let rest: f64 = weights[1..].iter().sum();
        weights[0] = rest * 0.116 / 0.884;
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        let mut name_len = 4;
        while (SYL.len() as u64).pow(name_len) < records && name_len < 12 {
            name_len += 1;
        }
        Generator {
            rng,
            records,
            domains,
            cumulative,
            operators,
            errors_per_million: 0,
            crlf: false,
            serial: 0,
            name_len,
            day: 0,
            seed,
        }
    }

    /// Makes about `n` records per million invalid (bad address, missing person
    /// id, wrong field count, bad SIRET key), for demonstrations and tests.
    pub fn errors_per_million(mut self, n: u32) -> Self {
        self.errors_per_million = n.min(1_000_000);
        self
    }

    /// The file as published `day` days after day 0: each day about 0.2 % of
    /// the BALs are removed, 0.3 % change their service and 0.3 % are added (at
    /// the end). Day 0 is the base file; the same seed gives related files, so
    /// that `diff` between two days shows a realistic daily change.
    pub fn day(mut self, day: u32) -> Self {
        self.day = day;
        self
    }

    /// Uses CRLF line endings.
    pub fn crlf(mut self, yes: bool) -> Self {
        self.crlf = yes;
        self
    }

    /// The fictitious operators.
    pub fn operators(&self) -> &[Operator] {
        &self.operators
    }

    /// The domains, the large one first.
    pub fn domains(&self) -> &[DomainInfo] {
        &self.domains
    }

    fn pick_domain(&mut self) -> usize {
        let x: f64 = self.rng.random();
        self.cumulative.partition_point(|c| *c < x).min(self.domains.len() - 1)
    }

    fn eol(&self) -> &'static str {
        if self.crlf { "\r\n" } else { "\n" }
    }

    fn person(&mut self) -> (String, String, String, String) {
        let first = FIRST[self.rng.random_range(0..FIRST.len())].to_owned();
        self.serial += 1;
        let last = serial_word(self.serial, self.name_len).to_uppercase();
        if self.rng.random_range(0..20) == 0 {
            let adeli = with_key(format!("99{}", digits(&mut self.rng, 6)));
            (first, last, "0".into(), adeli)
        } else {
            let rpps = with_key(format!("10{}", digits(&mut self.rng, 8)));
            (first, last, "8".into(), rpps)
        }
    }

    fn structure(&mut self) -> (String, String, String) {
        if self.rng.random_range(0..4) == 0 {
            let siren = with_key(format!("99{}", digits(&mut self.rng, 6)));
            let siret = with_key(format!("{siren}{}", digits(&mut self.rng, 4)));
            ("3".into(), format!("3{siret}"), format!("CENTRE {}", word(&mut self.rng, 2).to_uppercase()))
        } else {
            let finess = with_key(format!("99{}", digits(&mut self.rng, 6)));
            ("1".into(), format!("1{finess}"), format!("CENTRE HOSPITALIER {}", word(&mut self.rng, 2).to_uppercase()))
        }
    }

    fn postal(&mut self, legal: &str) -> Vec<String> {
        let town = word(&mut self.rng, 2).to_uppercase();
        let cp = format!("99{}", digits(&mut self.rng, 3));
        let street = ["R", "AV", "BD", "PL"][self.rng.random_range(0..4)];
        vec![
            legal.to_owned(),
            String::new(),
            if self.rng.random_range(0..3) == 0 {
                format!("Bâtiment {}", char::from(b'A' + self.rng.random_range(0..6u8)))
            } else {
                String::new()
            },
            String::new(),
            self.rng.random_range(1..200u32).to_string(),
            String::new(),
            street.into(),
            format!("DES {}", word(&mut self.rng, 2).to_uppercase()),
            String::new(),
            format!("{cp} {town}"),
            cp,
            "99".into(),
            "FRANCE".into(),
        ]
    }

    /// One extraction record (31 fields), `error` making it invalid.
    fn extraction_fields(&mut self, previous: &mut Option<String>) -> Vec<String> {
        let d = self.pick_domain();
        let domain = self.domains[d].name.clone();
        let mut f = vec![String::new(); 31];
        let org = self.rng.random_range(0..100) < 15 && d != 0;
        if org {
            let (st, sid, legal) = self.structure();
            let service = SERVICES[self.rng.random_range(0..SERVICES.len())];
            self.serial += 1;
            let local: String = format!(
                "{}.{}",
                ["secretariat", "accueil", "equipe", "service"][self.rng.random_range(0..4)],
                serial_word(self.serial, self.name_len)
            );
            f[0] = "ORG".into();
            f[1] = format!("{local}@{domain}");
            f[5] = st;
            f[6] = sid;
            f[7] = service.into();
            f[17] = if self.rng.random_range(0..4) == 0 { "N".into() } else { "O".into() };
            let post = self.postal(&legal);
            f[18..].clone_from_slice(&post);
        } else {
            let (first, last, pt, pid) = self.person();
            let mut local = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
            if self.rng.random_range(0..3) == 0 {
                local.push_str(&self.rng.random_range(1..100u32).to_string());
            }
            let (code, label, _) = {
                let total: u32 = PROFESSIONS.iter().map(|p| p.2).sum();
                let mut x = self.rng.random_range(0..total);
                let mut chosen = PROFESSIONS[0];
                for p in PROFESSIONS {
                    if x < p.2 {
                        chosen = *p;
                        break;
                    }
                    x -= p.2;
                }
                chosen
            };
            let reuse = previous.is_some() && self.rng.random_range(0..3000) == 0;
            f[0] = "PER".into();
            f[1] = if reuse { previous.clone().unwrap_or_default() } else { format!("{local}@{domain}") };
            f[2] = pt.clone();
            f[3] = pid.clone();
            f[4] = format!("{pt}{pid}");
            f[8] = if code == "10" && self.rng.random_range(0..10) < 6 { "DR".into() } else { String::new() };
            f[9] = last;
            f[10] = first;
            let student = self.rng.random_range(0..50) == 0;
            f[11] = if student { "E".into() } else { "C".into() };
            f[12] = if student { "Etudiant".into() } else { "Civil".into() };
            f[13] = code.into();
            f[14] = label.into();
            if code == "10" {
                let (s, l) = SPECIALTIES[self.rng.random_range(0..SPECIALTIES.len())];
                f[15] = s.into();
                f[16] = l.into();
            }
            f[17] = if self.rng.random_range(0..5) == 0 { "N".into() } else { "O".into() };
            if reuse || self.rng.random_range(0..2) == 0 {
                let (st, sid, legal) = self.structure();
                f[5] = st;
                f[6] = sid;
                f[7] = SERVICES[self.rng.random_range(0..SERVICES.len())].into();
                let post = self.postal(&legal);
                f[18..].clone_from_slice(&post);
            }
            *previous = Some(f[1].clone());
        }
        if self.errors_per_million > 0 && self.rng.random_range(0..1_000_000) < self.errors_per_million {
            match self.rng.random_range(0..4) {
                0 => f[1] = f[1].replace('@', " at "),
                1 => {
                    f[0] = "PER".into();
                    f[2].clear();
                    f[3].clear();
                    f[4].clear();
                }
                2 => {
                    f.pop();
                }
                _ => {
                    f[0] = "ORG".into();
                    f[5] = "3".into();
                    f[6] = "312345678200011".into();
                }
            }
        }
        f
    }

    /// Writes a whole extraction file (header + records). Returns bytes written.
    pub fn write_extraction<W: Write>(&mut self, w: W) -> io::Result<u64> {
        let mut w = CountingWriter { inner: io::BufWriter::with_capacity(256 * 1024, w), n: 0 };
        let eol = self.eol();
        write!(w, "{}{eol}", Format::Extraction.header())?;
        let mut previous = None;
        // One independent stream per day, one draw per record: day d's decisions
        // are the same in every later file.
        let mut drifts: Vec<ChaCha8Rng> =
            (0..self.day).map(|d| ChaCha8Rng::seed_from_u64(self.seed ^ 0x5eed_da11_0000 ^ u64::from(d))).collect();
        'records: for _ in 0..self.records {
            let mut f = self.extraction_fields(&mut previous);
            for drift in &mut drifts {
                let x = drift.random_range(0..1000);
                if x < 2 {
                    continue 'records;
                } else if x < 5 && f.len() > 7 {
                    f[7] = SERVICES[drift.random_range(0..SERVICES.len())].into();
                }
            }
            write!(w, "{}{eol}", f.join("|"))?;
        }
        let added = self.records * 3 / 1000 * u64::from(self.day);
        for _ in 0..added {
            let f = self.extraction_fields(&mut previous);
            write!(w, "{}{eol}", f.join("|"))?;
        }
        w.inner.flush()?;
        Ok(w.n)
    }

    /// Writes the feed file of one operator (`operator` indexes
    /// [`Generator::operators`]): `records` BALs on its domains. Returns bytes written.
    pub fn write_feed<W: Write>(&mut self, operator: usize, w: W) -> io::Result<u64> {
        let own: Vec<String> = self.domains.iter().filter(|d| d.operator == operator).map(|d| d.name.clone()).collect();
        let own = if own.is_empty() { vec![self.domains[0].name.clone()] } else { own };
        let mut w = CountingWriter { inner: io::BufWriter::with_capacity(256 * 1024, w), n: 0 };
        let eol = self.eol();
        write!(w, "{}{eol}", Format::Feed.header())?;
        let mut used = HashSet::new();
        let mut previous = None;
        let mut written = 0;
        while written < self.records {
            let mut f = self.extraction_fields(&mut previous);
            if f.len() != 31 {
                continue;
            }
            let domain = &own[self.rng.random_range(0..own.len())];
            let local = f[1].rsplit_once('@').map(|(l, _)| l.to_owned()).unwrap_or_default();
            f[1] = format!("{local}@{domain}");
            if !used.insert(f[1].to_lowercase()) {
                continue;
            }
            let org = f[0] == "ORG";
            let description = if org { format!("BAL {}", f[7].to_lowercase()) } else { String::new() };
            let responsible = if org { format!("Responsable {}", word(&mut self.rng, 2)) } else { String::new() };
            let lr = if self.rng.random_range(0..20) == 0 { "O" } else { "N" };
            let out = [
                f[0].as_str(),
                &f[1],
                &f[2],
                &f[3],
                &f[4],
                &f[5],
                &f[6],
                &f[7],
                &description,
                &responsible,
                &f[17],
                lr,
                "1",
            ];
            write!(w, "{}{eol}", out.join("|"))?;
            written += 1;
        }
        w.inner.flush()?;
        Ok(w.n)
    }

    /// Writes a liste blanche with one entry per (domain, operator MTA).
    pub fn write_liste_blanche<W: Write>(&mut self, w: W) -> io::Result<u64> {
        let mut w = CountingWriter { inner: io::BufWriter::new(w), n: 0 };
        writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(w, "<ListeBlancheMSSante xmlns=\"{NAMESPACE}\">")?;
        writeln!(w, "  <DateDeGeneration>2025-03-13T14:54:10Z</DateDeGeneration>")?;
        writeln!(w, "  <ListeDomaines>")?;
        for d in &self.domains {
            let op = &self.operators[d.operator];
            for dn in &op.dns {
                let month = 1 + (d.name.len() % 12);
                writeln!(w, "    <Domaine>")?;
                writeln!(w, "      <Nom>{}</Nom>", escape(&d.name))?;
                writeln!(w, "      <Description>{}</Description>", escape(&format!("Domaine {}", d.name)))?;
                writeln!(w, "      <DNCertificatOperateur>{}</DNCertificatOperateur>", escape(dn))?;
                writeln!(w, "      <ResponsableContact>contact@{}</ResponsableContact>", op.id.to_lowercase())?;
                writeln!(w, "      <SupportContact>support@{}</SupportContact>", op.id.to_lowercase())?;
                writeln!(w, "      <DateMAJ>2024-{month:02}-15</DateMAJ>")?;
                writeln!(w, "    </Domaine>")?;
            }
        }
        writeln!(w, "  </ListeDomaines>")?;
        writeln!(w, "</ListeBlancheMSSante>")?;
        w.inner.flush()?;
        Ok(w.n)
    }
}

struct CountingWriter<W: Write> {
    inner: W,
    n: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

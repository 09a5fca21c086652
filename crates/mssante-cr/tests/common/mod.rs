//! Synthetic feeds for the tests (generated names, valid check digits).
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use mssante_bal::Format;
use mssante_bal::feed::FeedFileName;
use mssante_bal::generate::Generator;
use mssante_bal::liste_blanche::ListeBlanche;
use mssante_cr::deposit::Deposit;
use mssante_cr::store::Store;
use mssante_cr::{Integrator, MemoryStore, OperatorRule, Ownership};
use std::path::Path;

/// A small universe: operators, their liste blanche, and a pool of valid feed
/// lines per operator.
pub struct World {
    pub operators: Vec<String>,
    pub pools: Vec<Vec<String>>,
    pub liste_blanche: Vec<u8>,
}

impl World {
    pub fn new(seed: u64, per_operator: u64, operators: usize) -> World {
        // A universe large enough for every operator to serve a domain of its own.
        let mut g = Generator::new(seed, 6000);
        let mut lb = Vec::new();
        g.write_liste_blanche(&mut lb).unwrap();
        let serving: Vec<usize> =
            (0..g.operators().len()).filter(|i| g.domains().iter().any(|d| d.operator == *i)).take(operators).collect();
        assert_eq!(serving.len(), operators, "not enough operators with domains");
        let ids: Vec<String> = serving.iter().map(|i| g.operators()[*i].id.clone()).collect();
        let mut pools = Vec::new();
        for i in serving {
            let mut buf = Vec::new();
            g.write_feed(i, &mut buf).unwrap();
            let text = String::from_utf8(buf).unwrap();
            pools.push(text.lines().skip(1).take(per_operator as usize + 40).map(str::to_owned).collect());
        }
        World { operators: ids, pools, liste_blanche: lb }
    }

    pub fn ownership(&self) -> Ownership {
        Ownership::from_liste_blanche(&ListeBlanche::parse(&self.liste_blanche).unwrap(), &OperatorRule::default())
    }

    /// The feed of operator `op` on `day`: the first `base` pool lines, minus a
    /// few dropped that day, with a few services changed, plus one pool line
    /// added per day.
    pub fn feed(&self, op: usize, day: u32, base: usize) -> String {
        let pool = &self.pools[op];
        let mut out = Format::Feed.header();
        out.push('\n');
        let d = day as usize;
        for (i, l) in pool.iter().enumerate().take(base) {
            if (i * 7 + d).is_multiple_of(23) {
                continue;
            }
            let mut f: Vec<&str> = l.split('|').collect();
            let service = format!("Service J{day}");
            if (i + d).is_multiple_of(17) {
                f[7] = &service;
            }
            out.push_str(&f.join("|"));
            out.push('\n');
        }
        for l in pool.iter().skip(base).take(d.min(pool.len().saturating_sub(base))) {
            out.push_str(l);
            out.push('\n');
        }
        out
    }
}

/// An instant given in Paris local time.
pub fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Paris.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Data lines of a file.
pub fn data_lines(s: &str) -> u64 {
    s.lines().count() as u64 - 1
}

/// One file of the scenario: operator index, day of December 2020, content.
#[derive(Debug, Clone)]
pub struct File {
    pub op: usize,
    pub at: DateTime<Utc>,
    pub name: String,
    pub content: String,
}

pub fn files(world: &World, days: &[u32]) -> Vec<File> {
    let mut out = Vec::new();
    for &day in days {
        for (op, id) in world.operators.iter().enumerate() {
            let at = paris(2020, 12, day, 17, op as u32);
            out.push(File {
                op,
                at,
                name: FeedFileName::new(id, at).unwrap().to_string(),
                content: world.feed(op, day, 30),
            });
        }
    }
    out
}

pub fn deposit<S: Store>(it: &mut Integrator<S>, world: &World, f: &File) -> (u64, bool) {
    let d = Deposit { file_name: &f.name, content: f.content.as_bytes(), operator: &world.operators[f.op], at: f.at };
    let (seq, r) = it.deposit(&d).unwrap();
    (seq, r.is_accepted())
}

/// Every operator's BALs, as feed bytes.
pub fn directory<S: Store>(store: &S, world: &World) -> Vec<Vec<u8>> {
    world.operators.iter().map(|id| store.load_operator(id).unwrap().to_feed()).collect()
}

/// The same files deposited one after the other, then one run.
pub fn sequential(world: &World, files: &[File], run_at: DateTime<Utc>) -> Vec<Vec<u8>> {
    let mut it = Integrator::new(MemoryStore::new());
    for f in files {
        deposit(&mut it, world, f);
    }
    it.run(run_at).unwrap();
    directory(it.store(), world)
}

pub fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(root).unwrap().display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

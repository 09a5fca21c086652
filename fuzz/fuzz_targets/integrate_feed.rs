//! Arbitrary bytes deposited and integrated over a directory that already
//! holds BALs: no panic, every line and every BAL held before accounted for,
//! a rejected line never deletes the BAL it names, the report round-trips.
#![no_main]
use chrono::{NaiveDate, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use mssante_bal::Format;
use mssante_cr::deposit::{Deposit, DepositPolicy, check_deposit};
use mssante_cr::integrate::{IntegrationPolicy, RunContext, integrate};
use mssante_cr::{IntegrationReport, OperatorBals, Outcome, Ownership};

fuzz_target!(|data: &[u8]| {
    let at = Utc.with_ymd_and_hms(2020, 12, 3, 10, 0, 0).unwrap();
    let header = format!("{}\n", Format::Feed.header());
    let previous = format!(
        "{header}PER|a@ch-x.mssante.fr|8|10000000009||||||||N|\nPER|b@ch-x.mssante.fr|8|10000000009||||||||N|\n"
    );
    let mut own = Ownership::default();
    own.insert("OPE-1", "ch-x.mssante.fr");
    let policy = IntegrationPolicy::default();
    let ctx = RunContext {
        run_at: at,
        closed_through: NaiveDate::from_ymd_opt(2020, 12, 3).unwrap(),
        ownership: Some(&own),
        policy: &policy,
    };
    let mut with_header = header.into_bytes();
    with_header.extend_from_slice(data);
    for input in [data, &with_header[..]] {
        let d = Deposit { file_name: "BALMSS_OPE-1_20201203090000.txt", content: input, operator: "OPE-1", at };
        let deposit = check_deposit(&d, &DepositPolicy { allow_no_records: true, ..DepositPolicy::default() }, |_| None);
        let _ = DepositReport::from_pipe(&deposit.to_pipe()).expect("deposit report parses");
        let mut bals = OperatorBals::from_feed(previous.as_bytes()).unwrap();
        let before = bals.clone();
        let Ok(r) = integrate(&mut bals, input, &deposit, &ctx) else {
            assert_eq!(bals, before);
            continue;
        };
        let t = r.totals();
        assert!(t.adds_up());
        assert_eq!(t.before, 2);
        assert_eq!(t.after, bals.len() as u64);
        for o in r.outcomes.iter().filter(|o| o.outcome == Outcome::Rejected && o.kept_previous) {
            let k = mssante_cr::directory::key_of(&o.address);
            assert_eq!(bals.get(&k), before.get(&k));
        }
        assert_eq!(IntegrationReport::from_pipe(&r.to_pipe()).expect("report parses"), r);
    }
});
use mssante_cr::DepositReport;

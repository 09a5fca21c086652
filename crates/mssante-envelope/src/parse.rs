//! nom grammar of the `MAIL FROM:` and `RCPT TO:` lines (RFC 5321 §4.1.1.2–3,
//! parameters of RFC 3461 and RFC 6531; `SIZE` and `BODY` are accepted and
//! ignored).

use crate::envelope::{Envelope, NOTIFY_BITS, Notify, Recipient, Ret, ReversePath};
use crate::error::Error;
use crate::xtext;
use mssante_bal::Address;
use nom::bytes::complete::{tag_no_case, take_while1};
use nom::character::complete::char;
use nom::combinator::opt;
use nom::multi::many0;
use nom::sequence::preceded;
use nom::{IResult, Parser};

/// A syntax problem at a byte offset of one line.
#[derive(Debug)]
pub(crate) struct LineError {
    byte: usize,
    message: String,
    line: String,
}

impl LineError {
    pub(crate) fn at_line(self, line: usize) -> Error {
        let column = self.line.get(..self.byte).map_or(1, |s| s.chars().count() + 1);
        Error::Syntax { line, column, message: self.message }
    }
}

fn fail(line: &str, rest: &str, message: impl Into<String>) -> LineError {
    LineError { byte: line.len() - rest.len(), message: message.into(), line: line.to_owned() }
}

/// An error pointing at `part`, a sub-slice of `line`.
fn fail_at(line: &str, part: &str, message: impl Into<String>) -> LineError {
    let byte = (part.as_ptr() as usize).saturating_sub(line.as_ptr() as usize).min(line.len());
    LineError { byte, message: message.into(), line: line.to_owned() }
}

/// `<...>` where `>` inside a quoted local part does not close the path.
fn path(i: &str) -> IResult<&str, &str> {
    let (i, _) = char('<').parse(i)?;
    let mut quoted = false;
    let mut escaped = false;
    for (k, c) in i.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '>' if !quoted => return Ok((&i[k + 1..], &i[..k])),
            _ => {}
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Char)))
}

fn param(i: &str) -> IResult<&str, (&str, Option<&str>)> {
    let (i, key) = take_while1(|c: char| c.is_ascii_alphanumeric() || c == '-').parse(i)?;
    let (i, value) = opt(preceded(char('='), take_while1(|c: char| c > ' ' && c != '=' && c != '\u{7f}'))).parse(i)?;
    Ok((i, (key, value)))
}

fn params(i: &str) -> IResult<&str, Vec<(&str, Option<&str>)>> {
    many0(preceded(take_while1(|c| c == ' '), param)).parse(i)
}

fn strip(line: &str) -> &str {
    line.strip_suffix("\r\n").or_else(|| line.strip_suffix('\n')).unwrap_or(line)
}

fn mailbox(line: &str, at: &str, s: &str) -> Result<Address<'static>, LineError> {
    Address::parse(s).map(Address::into_owned).map_err(|e| fail(line, at, format!("{s:?}: {e}")))
}

/// A parameter: its name upper-cased, the name as written (for positions), its value.
type Param<'a> = (String, &'a str, Option<&'a str>);

/// `<verb><path>[ params]`: the text at the path, the path, the parameters
/// (each name at most once).
fn command<'a>(l: &'a str, verb: &str, path_name: &str) -> Result<(&'a str, &'a str, Vec<Param<'a>>), LineError> {
    let (rest, _) = tag_no_case::<_, _, nom::error::Error<&str>>(verb)
        .parse(l)
        .map_err(|_| fail(l, l, format!("expected {verb}")))?;
    let (after, p) = path(rest).map_err(|_| fail(l, rest, format!("expected <{path_name}>")))?;
    let (tail, ps) = params(after).map_err(|_| fail(l, after, "bad parameter"))?;
    if !tail.is_empty() {
        return Err(fail(l, tail, format!("unexpected {tail:?}")));
    }
    let mut out: Vec<Param<'a>> = Vec::with_capacity(ps.len());
    for (k, v) in ps {
        let key = k.to_ascii_uppercase();
        if out.iter().any(|(seen, _, _)| *seen == key) {
            return Err(fail_at(l, k, format!("{key} given twice")));
        }
        out.push((key, k, v));
    }
    Ok((rest, p, out))
}

type MailFrom = (ReversePath, Option<Ret>, Option<String>);

pub(crate) fn mail_from(line: &str) -> Result<MailFrom, LineError> {
    let l = strip(line);
    let (rest, p, ps) = command(l, "MAIL FROM:", "reverse-path")?;
    let reverse = if p.is_empty() { ReversePath::Null } else { ReversePath::Mailbox(mailbox(l, rest, p)?) };
    let (mut ret, mut envid) = (None, None);
    for (key, k, v) in ps {
        match (key.as_str(), v) {
            ("RET", Some(v)) if v.eq_ignore_ascii_case("FULL") => ret = Some(Ret::Full),
            ("RET", Some(v)) if v.eq_ignore_ascii_case("HDRS") => ret = Some(Ret::Hdrs),
            ("ENVID", Some(v)) => {
                let bytes = xtext::decode(v).ok_or_else(|| fail_at(l, k, "ENVID is not xtext"))?;
                envid = Some(String::from_utf8(bytes).map_err(|_| fail_at(l, k, "ENVID is not UTF-8"))?);
            }
            ("SMTPUTF8", None) | ("BODY", Some(_)) => {}
            ("SIZE", Some(v)) if v.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => return Err(fail_at(l, k, format!("unsupported MAIL parameter {k}"))),
        }
    }
    Ok((reverse, ret, envid))
}

pub(crate) fn rcpt_to(line: &str) -> Result<Recipient, LineError> {
    let l = strip(line);
    let (rest, p, ps) = command(l, "RCPT TO:", "forward-path")?;
    let address = mailbox(l, rest, p)?;
    let (mut notify, mut orcpt) = (None, None);
    for (key, k, v) in ps {
        match (key.as_str(), v) {
            ("NOTIFY", Some(v)) if v.eq_ignore_ascii_case("NEVER") => notify = Some(Notify::NEVER),
            ("NOTIFY", Some(v)) => {
                let mut bits = 0u8;
                for word in v.split(',') {
                    let b = NOTIFY_BITS
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(word))
                        .map(|(_, b)| *b)
                        .ok_or_else(|| fail_at(l, k, format!("NOTIFY: unknown {word:?}")))?;
                    if bits & b != 0 {
                        return Err(fail_at(l, k, format!("NOTIFY: {word} twice")));
                    }
                    bits |= b;
                }
                notify = Some(Envelope::from_bits(bits));
            }
            ("ORCPT", Some(v)) => {
                let (kind, x) = v.split_once(';').ok_or_else(|| fail_at(l, k, "ORCPT needs addr-type;xtext"))?;
                if !kind.eq_ignore_ascii_case("rfc822") {
                    return Err(fail_at(l, k, format!("ORCPT type {kind:?} not supported")));
                }
                let bytes = xtext::decode(x).ok_or_else(|| fail_at(l, k, "ORCPT is not xtext"))?;
                orcpt = Some(String::from_utf8(bytes).map_err(|_| fail_at(l, k, "ORCPT is not UTF-8"))?);
            }
            _ => return Err(fail_at(l, k, format!("unsupported RCPT parameter {k}"))),
        }
    }
    Ok(Envelope::raw_recipient(address, notify, orcpt))
}

impl Envelope {
    /// Parses the lines of [`Envelope::lines`] (CRLF optional).
    pub fn parse<S: AsRef<str>>(lines: &[S]) -> Result<Envelope, Error> {
        let (first, rest) = lines.split_first().ok_or(Error::NoRecipient)?;
        let (reverse_path, ret, envid) = mail_from(first.as_ref()).map_err(|e| e.at_line(1))?;
        let recipients = rest
            .iter()
            .enumerate()
            .map(|(i, l)| rcpt_to(l.as_ref()).map_err(|e| e.at_line(i + 2)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut env = Envelope::new(reverse_path, recipients)?;
        env.ret = ret;
        if let Some(id) = envid {
            env = env.envid(id)?;
        }
        Ok(env)
    }
}

//! A small blocking SMTP client (RFC 5321) that sends an [`Envelope`] as
//! written — DSN parameters included when the server advertises `DSN` — and
//! reports every recipient's reply.
//!
//! It runs over any `Read + Write` (a `TcpStream`, or a TLS stream the caller
//! set up with the IGC-Santé roots). It checks the server's `SIZE` and
//! `SMTPUTF8` before sending, and dot-stuffs the message.

use crate::envelope::Envelope;
use crate::error::{Error, Stage};
use crate::retry::{Class, Reply};
use std::io::{BufRead, BufReader, Read, Write};

/// What the server said it supports after `EHLO`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// `DSN` (RFC 3461).
    pub dsn: bool,
    /// `SMTPUTF8` (RFC 6531).
    pub smtputf8: bool,
    /// `8BITMIME`.
    pub eight_bit_mime: bool,
    /// `SIZE` and its limit (0 = no fixed limit), RFC 1870.
    pub size: Option<u64>,
    /// `STARTTLS` (RFC 3207).
    pub starttls: bool,
}

impl Extensions {
    fn parse(lines: &[String]) -> Extensions {
        let mut e = Extensions::default();
        for l in lines.iter().skip(1) {
            let mut words = l.split_whitespace();
            match words.next().map(str::to_ascii_uppercase).as_deref() {
                Some("DSN") => e.dsn = true,
                Some("SMTPUTF8") => e.smtputf8 = true,
                Some("8BITMIME") => e.eight_bit_mime = true,
                Some("STARTTLS") => e.starttls = true,
                Some("SIZE") => e.size = Some(words.next().and_then(|n| n.parse().ok()).unwrap_or(0)),
                _ => {}
            }
        }
        e
    }
}

/// The result of one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Indices (in the envelope) of the recipients accepted.
    pub accepted: Vec<usize>,
    /// Indices of the recipients refused, with the reply.
    pub refused: Vec<(usize, Reply)>,
    /// The reply to the end of data (absent when no recipient was accepted).
    pub data: Option<Reply>,
    /// Whether the DSN parameters were sent (false when the server lacks `DSN`).
    pub dsn_sent: bool,
}

/// An open SMTP session.
#[derive(Debug)]
pub struct Session<S: Read + Write> {
    io: BufReader<S>,
    extensions: Extensions,
}

impl<S: Read + Write> Session<S> {
    /// Reads the greeting and says `EHLO client_name`.
    pub fn open(stream: S, client_name: &str) -> Result<Session<S>, Error> {
        check_ehlo_name(client_name)?;
        let mut s = Session { io: BufReader::new(stream), extensions: Extensions::default() };
        let (greeting, _) = s.reply()?;
        expect(greeting, 220, Stage::Greeting)?;
        s.ehlo(client_name)?;
        Ok(s)
    }

    /// Says `EHLO client_name` on a stream whose greeting was already read:
    /// after a `STARTTLS` handshake, where capabilities from before TLS are
    /// forgotten (RFC 3207 §4.2).
    pub fn resume(stream: S, client_name: &str) -> Result<Session<S>, Error> {
        check_ehlo_name(client_name)?;
        let mut s = Session { io: BufReader::new(stream), extensions: Extensions::default() };
        s.ehlo(client_name)?;
        Ok(s)
    }

    fn ehlo(&mut self, client_name: &str) -> Result<(), Error> {
        let (reply, lines) = self.command(&format!("EHLO {client_name}"))?;
        expect(reply, 250, Stage::Ehlo)?;
        self.extensions = Extensions::parse(&lines);
        Ok(())
    }

    /// Says `STARTTLS` and, on `220`, gives the stream back for the
    /// handshake. Refused when the server did not offer it, and when bytes
    /// follow the `220` before the handshake (they would be read as if they
    /// came over TLS: the STARTTLS command injection of CVE-2011-0411).
    pub fn starttls(mut self) -> Result<S, Error> {
        if !self.extensions.starttls {
            return Err(Error::MissingExtension("STARTTLS"));
        }
        let (reply, _) = self.command("STARTTLS")?;
        expect(reply, 220, Stage::StartTls)?;
        if !self.io.buffer().is_empty() {
            return Err(Error::Value {
                field: "STARTTLS".into(),
                value: format!("{} bytes sent before the handshake", self.io.buffer().len()),
            });
        }
        Ok(self.io.into_inner())
    }

    /// What the server supports.
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// Sends one message: `MAIL FROM`, one `RCPT TO` per recipient, `DATA`.
    /// Refused recipients are reported, not fatal; a refused `MAIL FROM` or
    /// `DATA` is an error (after `RSET`).
    pub fn send(&mut self, envelope: &Envelope, message: &[u8]) -> Result<Delivery, Error> {
        let ext = self.extensions.clone();
        if let Some(limit) = ext.size.filter(|&l| l > 0) {
            let size = message.len() as u64;
            if size > limit {
                return Err(Error::TooLarge { size, limit });
            }
        }
        if envelope.needs_smtputf8() && !ext.smtputf8 {
            return Err(Error::MissingExtension("SMTPUTF8"));
        }
        let dsn_sent = ext.dsn && envelope.has_dsn();
        let stripped;
        let env = if ext.dsn {
            envelope
        } else {
            stripped = envelope.without_dsn();
            &stripped
        };
        let mut lines = env.lines().into_iter();
        let mut mail = lines.next().unwrap_or_default();
        if ext.size.is_some() {
            mail.push_str(&format!(" SIZE={}", message.len()));
        }
        let (reply, _) = self.command(&mail)?;
        if reply.class() != Class::Success {
            self.command("RSET")?;
            return Err(Error::Rejected { stage: Stage::MailFrom, reply });
        }
        let mut accepted = Vec::new();
        let mut refused = Vec::new();
        for (i, rcpt) in lines.enumerate() {
            let (reply, _) = self.command(&rcpt)?;
            if reply.class() == Class::Success {
                accepted.push(i);
            } else {
                refused.push((i, reply));
            }
        }
        if accepted.is_empty() {
            self.command("RSET")?;
            return Ok(Delivery { accepted, refused, data: None, dsn_sent });
        }
        let (reply, _) = self.command("DATA")?;
        if reply.code != 354 {
            self.command("RSET")?;
            return Err(Error::Rejected { stage: Stage::Data, reply });
        }
        let mut body = dot_stuff(message);
        if !body.ends_with(b"\r\n") {
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b".\r\n");
        self.io.get_mut().write_all(&body)?;
        self.io.get_mut().flush()?;
        let (reply, _) = self.reply()?;
        Ok(Delivery { accepted, refused, data: Some(reply), dsn_sent })
    }

    /// Says `QUIT`.
    pub fn quit(mut self) -> Result<(), Error> {
        let (reply, _) = self.command("QUIT")?;
        expect(reply, 221, Stage::Quit)
    }

    fn command(&mut self, line: &str) -> Result<(Reply, Vec<String>), Error> {
        // One write per command: a line and its CRLF written apart are two
        // segments (or two TLS records), which Nagle's algorithm and delayed
        // ACKs turn into a 40 ms stall per command.
        let mut buf = Vec::with_capacity(line.len() + 2);
        buf.extend_from_slice(line.as_bytes());
        buf.extend_from_slice(b"\r\n");
        let w = self.io.get_mut();
        w.write_all(&buf).and_then(|()| w.flush())?;
        self.reply()
    }

    /// Reads a reply, multi-line or not; returns the last line parsed and the
    /// text of every line.
    fn reply(&mut self) -> Result<(Reply, Vec<String>), Error> {
        let mut texts = Vec::new();
        loop {
            let mut line = String::new();
            let n = (&mut self.io).take(4096).read_line(&mut line)?;
            if n == 0 {
                return Err(Error::Closed);
            }
            let line = line.trim_end_matches(['\r', '\n']);
            let reply = Reply::parse(line)?;
            texts.push(line.get(4..).unwrap_or_default().to_owned());
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok((reply, texts));
            }
        }
    }
}

fn check_ehlo_name(client_name: &str) -> Result<(), Error> {
    if client_name.is_empty() || !client_name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::Value { field: "EHLO name".into(), value: client_name.to_owned() });
    }
    Ok(())
}

fn expect(reply: Reply, code: u16, stage: Stage) -> Result<(), Error> {
    if reply.code == code { Ok(()) } else { Err(Error::Rejected { stage, reply }) }
}

/// Doubles a leading `.` on every line (RFC 5321 §4.5.2).
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    let mut at_line_start = true;
    for &b in message {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    out
}

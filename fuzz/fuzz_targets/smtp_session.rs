//! Any bytes as what a server says: the client's reply and EHLO parsing never
//! panics, and when a transaction completes every recipient is either accepted
//! or refused, once.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mssante_envelope::message::{Draft, Mailbox};
use mssante_envelope::smtp::Session;
use std::io::{Cursor, Read, Write};

struct Server<'a> {
    says: Cursor<&'a [u8]>,
}

impl Read for Server<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.says.read(buf)
    }
}

impl Write for Server<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut session) = Session::open(Server { says: Cursor::new(data) }, "client.example.fr") else { return };
    let built = Draft::new(Mailbox::new("a@operateur-exemple.mssante.fr").unwrap(), "s", "t")
        .to(Mailbox::new("b@medecin.mssante.fr").unwrap())
        .cc(Mailbox::new("c@medecin.mssante.fr").unwrap())
        .message_id("x@operateur-exemple.mssante.fr")
        .date(0)
        .build()
        .unwrap();
    if let Ok(d) = session.send(&built.envelope, &built.bytes) {
        let mut seen: Vec<usize> = d.accepted.iter().copied().chain(d.refused.iter().map(|r| r.0)).collect();
        seen.sort_unstable();
        assert_eq!(seen, [0, 1]);
        assert_eq!(d.data.is_some(), !d.accepted.is_empty());
    }
});

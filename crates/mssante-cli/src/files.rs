//! Reading inputs (`-` is stdin everywhere a file is read) and errors that name
//! their file once.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// An error about one input or output: printed once as `FILE: message`, with
/// the stable code of its cause when there is one.
#[derive(Debug)]
pub struct FileError {
    /// The file as given (`-` for stdin).
    pub file: String,
    /// The stable code (`F001`, `D404`, `S702`, `N803`…), when known.
    pub code: Option<&'static str>,
    /// What happened, each cause once.
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file)?;
        if let Some(c) = self.code {
            write!(f, "{c} ")?;
        }
        f.write_str(&self.message)
    }
}

// No `source()`: the message already holds the causes, printed once.
impl std::error::Error for FileError {}

/// The name a path is shown with.
pub fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// True for `-`.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The stable code of an error, from the first cause in its chain that has one.
pub fn code_of(e: &anyhow::Error) -> Option<&'static str> {
    e.chain().find_map(|c| {
        if let Some(e) = c.downcast_ref::<FileError>() {
            e.code
        } else if let Some(e) = c.downcast_ref::<mssante_bal::Error>() {
            Some(e.code().as_str())
        } else if let Some(e) = c.downcast_ref::<mssante_cr::Error>() {
            e.code()
        } else if let Some(e) = c.downcast_ref::<mssante_envelope::Error>() {
            Some(e.code())
        } else if let Some(e) = c.downcast_ref::<mssante_incident::Error>() {
            Some(e.code().as_str())
        } else if let Some(e) = c.downcast_ref::<mssante_incident::parse::ParseError>() {
            Some(e.code.as_str())
        } else if c.downcast_ref::<std::io::Error>().is_some() {
            Some(mssante_bal::Code::Io.as_str())
        } else {
            None
        }
    })
}

/// The causes of an error joined by `: `, each once (a context that already
/// quotes its cause does not repeat it).
pub fn message_of(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let s = c.to_string();
        if parts.last().is_some_and(|p| p.contains(&s)) {
            continue;
        }
        parts.push(s);
    }
    parts.join(": ")
}

/// An error about `path`.
pub fn about(path: &Path, e: impl Into<anyhow::Error>) -> anyhow::Error {
    let e = e.into();
    if e.chain().any(|c| c.is::<FileError>()) {
        return e;
    }
    anyhow::Error::new(FileError { file: shown(path), code: code_of(&e), message: message_of(&e) })
}

/// Opens an input; `-` is stdin.
pub fn open(path: &Path) -> anyhow::Result<Box<dyn Read + Send>> {
    if is_stdin(path) {
        return Ok(Box::new(std::io::stdin()));
    }
    Ok(Box::new(File::open(path).map_err(|e| about(path, e))?))
}

/// The size of an input when it is a file (not stdin).
pub fn size(path: &Path) -> Option<u64> {
    if is_stdin(path) { None } else { std::fs::metadata(path).ok().map(|m| m.len()) }
}

/// Reads a whole input; `-` is stdin.
pub fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut v = Vec::new();
    open(path)?.read_to_end(&mut v).map_err(|e| about(path, e))?;
    Ok(v)
}

/// Reads a whole input as UTF-8 text; `-` is stdin.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    String::from_utf8(read(path)?)
        .map_err(|e| about(path, anyhow::anyhow!("n'est pas du texte UTF-8 (octet {})", e.utf8_error().valid_up_to())))
}

/// Text from an input, safe to print on a terminal: control characters are
/// written as escapes (`\u{1b}`), never sent to the terminal as they are.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect(),
    )
}

/// True when an error is a closed stdout (`mssante … | head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cause_is_said_once() {
        let inner = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory (os error 2)");
        let e = anyhow::Error::new(inner).context("cannot open x: No such file or directory (os error 2)");
        assert_eq!(message_of(&e), "cannot open x: No such file or directory (os error 2)");
        let f = about(Path::new("x.txt"), e);
        assert_eq!(f.to_string(), "x.txt: F001 cannot open x: No such file or directory (os error 2)");
        assert_eq!(f.chain().count(), 1);
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a\u{1b}[31mb\r"), "a\\u{1b}[31mb\\r");
        assert_eq!(printable("élise"), "élise");
    }
}

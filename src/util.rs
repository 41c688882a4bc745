//! Small helpers shared across layers.

use sha2::{Digest, Sha256};

static INVOCATION: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Record the options of this run a command it tells the user to run needs too (stack file,
/// variables, region, endpoint), as ` --stack x.yaml ...`. Set once, by the CLI.
pub fn set_invocation(options: String) {
    let _ = INVOCATION.set(options);
}

/// `idrv5-gw <cmd>` with this run's options: a hint that works when pasted.
pub fn command(cmd: &str) -> String {
    format!(
        "idrv5-gw {cmd}{}",
        INVOCATION.get().map_or("", String::as_str)
    )
}

/// The command that finishes a run, as pasted where it ran: with no terminal to confirm on
/// (a pipeline), approval was given already and the command must carry it; at a terminal
/// the person sees what is left and confirms it.
pub fn rerun(verb: &str) -> String {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        command(verb)
    } else {
        command(&format!("{verb} --auto-approve"))
    }
}

/// A word as a shell reads it back: quoted when it holds anything but plain characters.
pub fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `canonical_json(v)`'s bytes, written out as they are made: a digest of a large value
/// needs neither a sorted copy of it nor the whole string.
pub fn write_canonical(
    v: &serde_json::Value,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    match v {
        serde_json::Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.write_all(b"{")?;
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut *out, k)?;
                out.write_all(b":")?;
                write_canonical(&o[k], out)?;
            }
            out.write_all(b"}")
        }
        serde_json::Value::Array(a) => {
            out.write_all(b"[")?;
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_canonical(x, out)?;
            }
            out.write_all(b"]")
        }
        scalar => Ok(serde_json::to_writer(out, scalar)?),
    }
}

/// A sha256 that bytes are written into.
#[derive(Default)]
pub struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl HashWriter {
    pub fn hex(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// JSON with object keys sorted, so equal values hash equally.
pub fn canonical_json(v: &serde_json::Value) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and serde_json writes UTF-8.
    let _ = write_canonical(v, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

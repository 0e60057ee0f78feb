//! Where passwords and codes come from: a prompt that does not echo, or
//! with `--password-stdin` the lines of standard input in a fixed order
//! (never the command line, where other users and the shell history would
//! see them).

use std::io::BufRead;

use secrecy::SecretString;
use zeroize::Zeroizing;

/// A source of secrets for one command.
pub enum Secrets {
    /// Ask on the terminal.
    Prompt,
    /// Lines read from standard input, taken in order.
    Lines(std::vec::IntoIter<Zeroizing<String>>),
}

impl Secrets {
    /// Reads all of standard input now when `stdin` is set.
    pub fn new(stdin: bool) -> Result<Secrets, String> {
        if !stdin {
            return Ok(Secrets::Prompt);
        }
        let mut lines = Vec::new();
        for line in std::io::stdin().lock().lines() {
            let line = Zeroizing::new(line.map_err(|e| format!("cannot read standard input: {e}"))?);
            lines.push(Zeroizing::new(line.trim_end_matches('\r').to_owned()));
        }
        Ok(Secrets::Lines(lines.into_iter()))
    }

    /// The next secret: `what` names it in the prompt or the error.
    pub fn next(&mut self, what: &str) -> Result<SecretString, String> {
        match self {
            Secrets::Prompt => rpassword::prompt_password(format!("{what}: "))
                .map(SecretString::from)
                .map_err(|e| format!("cannot read the {what} from the terminal ({e}); use --password-stdin")),
            Secrets::Lines(it) => it
                .next()
                .map(|l| SecretString::from(l.to_string()))
                .ok_or_else(|| format!("standard input ended before the {what}")),
        }
    }

    /// A new password, typed twice at a prompt (once from standard input).
    pub fn new_password(&mut self, what: &str) -> Result<SecretString, String> {
        use secrecy::ExposeSecret;
        let first = self.next(what)?;
        if let Secrets::Prompt = self {
            let again = self.next(&format!("{what} again"))?;
            if again.expose_secret() != first.expose_secret() {
                return Err("the two passwords differ".to_owned());
            }
        }
        Ok(first)
    }
}

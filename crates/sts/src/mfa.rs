//! How a role with `mfa_serial` gets its code: the terminal, as the CLI asks, or the program.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use awscred_core::{Error, ErrorKind, Secret};

/// A program's way of answering the MFA prompt: given the prompt text
/// (`Enter MFA code for <serial>: `), the code, or `None` to give up.
pub type MfaCallback = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where an MFA code comes from when a role has `mfa_serial`.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum MfaPrompt {
    /// Ask on the controlling terminal (`/dev/tty`), as the CLI does.
    #[default]
    Terminal,
    /// Ask the program.
    Callback(MfaCallback),
    /// Never ask: a role that needs a code fails with a clear error (unless cached).
    Disabled,
}

impl fmt::Debug for MfaPrompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MfaPrompt::Terminal => "Terminal",
            MfaPrompt::Callback(_) => "Callback",
            MfaPrompt::Disabled => "Disabled",
        })
    }
}

impl MfaPrompt {
    /// Asks for the code of `serial` on behalf of `what` (`role ARN`, named in errors).
    pub(crate) async fn ask(&self, serial: &str, what: &str) -> Result<Secret, Error> {
        let prompt = format!("Enter MFA code for {serial}: ");
        let no_code = |why: &str| {
            Error::new(
                ErrorKind::InvalidConfiguration,
                format!("{what} needs an MFA code (mfa_serial = {serial}) but {why}"),
            )
        };
        match self {
            MfaPrompt::Disabled => Err(no_code("MFA prompting is disabled")),
            MfaPrompt::Callback(callback) => {
                let code =
                    callback(&prompt).ok_or_else(|| no_code("the MFA callback gave no code"))?;
                Ok(Secret::new(code.trim()))
            }
            MfaPrompt::Terminal => ask_terminal(PathBuf::from("/dev/tty"), prompt, no_code).await,
        }
    }
}

async fn ask_terminal(
    tty: PathBuf,
    prompt: String,
    no_code: impl Fn(&str) -> Error,
) -> Result<Secret, Error> {
    // The read blocks until the user answers: keep it off the async runtime's threads.
    let answer = tokio::task::spawn_blocking(move || read_tty(&tty, &prompt))
        .await
        .map_err(|_| no_code("the terminal prompt was interrupted"))?;
    match answer {
        Ok(code) if !code.is_empty() => Ok(Secret::new(code)),
        Ok(_) => Err(no_code("no code was entered")),
        Err(e) => Err(no_code(&format!(
            "there is no terminal to ask on ({e}) and no MFA callback was given"
        ))),
    }
}

fn read_tty(path: &std::path::Path, prompt: &str) -> std::io::Result<String> {
    use std::io::{BufRead, Read, Write};
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    tty.write_all(prompt.as_bytes())?;
    tty.flush()?;
    let mut line = String::new();
    // A code is six digits: a line is read up to 1 KiB, never more.
    std::io::BufReader::new(tty.take(1024)).read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn terminal_prompt_reads_a_line_or_explains_why_it_cannot() {
        let no_code = |why: &str| Error::invalid_config(format!("needs an MFA code but {why}"));
        let dir = std::env::temp_dir().join(format!("awscred-sts-tty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let tty = dir.join("tty");
        // A file stands in for the terminal: the prompt is written over its first bytes and the
        // answer read from after them.
        std::fs::write(&tty, "xxxxxxxxxxxxxxxxxxxxxx123456\n").unwrap();
        let code = ask_terminal(tty.clone(), "Enter MFA code for m: ".into(), no_code)
            .await
            .unwrap();
        assert_eq!(code.expose(), "123456");
        assert_eq!(
            std::fs::read_to_string(&tty).unwrap(),
            "Enter MFA code for m: 123456\n"
        );
        let err = ask_terminal(dir.join("missing"), String::new(), no_code)
            .await
            .unwrap_err();
        assert!(
            err.message().contains("there is no terminal to ask on"),
            "{err}"
        );
        std::fs::write(&tty, "").unwrap();
        let err = ask_terminal(tty, String::new(), no_code).await.unwrap_err();
        assert!(err.message().contains("no code was entered"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

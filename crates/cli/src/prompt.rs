//! The wizards' questions, as the CLI v2's `PTKPrompt` asks them: `TEXT [CURRENT]: `, an empty
//! answer keeping the current value, an answer refused by its validator asked again with the
//! validator's message. Choices from a list are an arrow-key menu on a terminal
//! ([`crate::menu`]) and a numbered list otherwise.
//!
//! Nothing here writes a file: a wizard asks everything first and writes at the end, so Ctrl-C
//! or the end of the input during any question leaves every file as it was.

use std::io::{BufRead, IsTerminal, Read, Write};

use crate::failure::Failure;
pub(crate) use crate::menu::Interrupted;

/// How an interrupted wizard ends: Ctrl-C as the CLI's `KeyboardInterrupt` (a newline and
/// 130), the end of the input as an error.
pub(crate) fn finish(result: Result<(), Stop>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(Stop::Failed(f)) => f.report(),
        Err(Stop::Interrupted(Interrupted::CtrlC)) => {
            println!();
            130
        }
        Err(Stop::Interrupted(Interrupted::EndOfInput)) => Failure::General(
            "the input ended before every question was answered; nothing was written".into(),
        )
        .report(),
        Err(Stop::Interrupted(Interrupted::Io(e))) => {
            Failure::General(format!("could not read the answer: {e}")).report()
        }
    }
}

/// Why a wizard stopped early.
pub(crate) enum Stop {
    /// The command failed.
    Failed(Failure),
    /// A question got no answer.
    Interrupted(Interrupted),
}

impl From<Failure> for Stop {
    fn from(f: Failure) -> Self {
        Stop::Failed(f)
    }
}

impl From<Interrupted> for Stop {
    fn from(i: Interrupted) -> Self {
        Stop::Interrupted(i)
    }
}

/// A failure with this message, exit status 255.
pub(crate) fn general(e: impl std::fmt::Display) -> Stop {
    Stop::Failed(Failure::General(e.to_string()))
}

/// A validator: `Err(message)` refuses the answer (the text the user typed, not yet defaulted).
pub(crate) type Validator<'a> = &'a dyn Fn(&str) -> Result<(), &'static str>;

/// Asks questions on stdin / stdout.
pub(crate) struct Prompter {
    input: Box<dyn BufRead>,
    out: Box<dyn Write>,
    terminal: bool,
}

impl Prompter {
    /// The process's stdin and stdout; menus are interactive when stdin is a terminal.
    pub(crate) fn stdio() -> Prompter {
        let terminal = std::io::stdin().is_terminal();
        Prompter {
            input: Box::new(std::io::stdin().lock()),
            out: Box::new(std::io::stdout()),
            terminal,
        }
    }

    /// Prints `text` as the CLI's `uni_print` does (no newline added) and flushes it.
    pub(crate) fn say(&mut self, text: &str) -> Result<(), Interrupted> {
        self.out.write_all(text.as_bytes())?;
        self.out.flush()?;
        Ok(())
    }

    /// The input, for a question asked elsewhere (`login --remote`'s code).
    pub(crate) fn input(&mut self) -> &mut dyn BufRead {
        &mut *self.input
    }

    /// `yes_no_choice`: asks until the answer is y, yes, n or no (any case).
    pub(crate) fn yes_no(&mut self, question: &str) -> Result<bool, Interrupted> {
        loop {
            self.say(question)?;
            match self.read_line()?.to_lowercase().as_str() {
                "y" | "yes" => return Ok(true),
                "n" | "no" => return Ok(false),
                _ => {}
            }
        }
    }

    /// One line of input without its line ending; `EndOfInput` at the end.
    fn read_line(&mut self) -> Result<String, Interrupted> {
        let mut line = String::new();
        // A line longer than this is not an answer to any of these questions.
        let n = (&mut self.input).take(64 * 1024).read_line(&mut line)?;
        if n == 0 {
            return Err(Interrupted::EndOfInput);
        }
        if !self.terminal {
            // The terminal echoes what was typed; piped input is echoed here so a transcript
            // reads as a conversation.
            self.out
                .write_all(line.trim_end_matches(['\r', '\n']).as_bytes())?;
            self.out.write_all(b"\n")?;
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// `PTKPrompt.get_value`: shows `prompt` (by default `TEXT [CURRENT]: `, `None` for no
    /// current value), and returns the stripped answer, or `current` for an empty one.
    pub(crate) fn get_value(
        &mut self,
        current: Option<&str>,
        text: &str,
        validator: Option<Validator<'_>>,
        prompt: Option<&str>,
    ) -> Result<Option<String>, Interrupted> {
        let default_prompt = format!("{text} [{}]: ", current.unwrap_or("None"));
        let prompt = prompt.unwrap_or(&default_prompt);
        loop {
            self.say(prompt)?;
            let answer = self.read_line()?;
            let answer = answer.trim();
            if let Some(validate) = validator
                && let Err(message) = validate(answer)
            {
                self.say(&format!("{message}\n"))?;
                continue;
            }
            return Ok(if answer.is_empty() {
                current.map(str::to_owned)
            } else {
                Some(answer.to_owned())
            });
        }
    }

    /// One of `items` (at least one): the arrow-key menu on a terminal, else a numbered list
    /// and the number read from the input. Returns the chosen index.
    pub(crate) fn select(&mut self, items: &[String]) -> Result<usize, Interrupted> {
        if self.terminal
            && let Some(choice) = crate::menu::select(&mut *self.input, &mut *self.out, items)?
        {
            return Ok(choice);
        }
        for (i, item) in items.iter().enumerate() {
            self.say(&format!("{:>4}) {item}\n", i + 1))?;
        }
        loop {
            self.say(&format!("Enter a number [1-{}]: ", items.len()))?;
            let answer = self.read_line()?;
            match answer.trim().parse::<usize>() {
                Ok(n) if (1..=items.len()).contains(&n) => return Ok(n - 1),
                _ => self.say(&format!("Not a number between 1 and {}\n", items.len()))?,
            }
        }
    }
}

#[cfg(test)]
impl Prompter {
    /// A prompter reading `input` as piped input and writing to a shared buffer.
    pub(crate) fn scripted(input: &str, out: std::sync::Arc<std::sync::Mutex<Vec<u8>>>) -> Self {
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        Prompter {
            input: Box::new(std::io::Cursor::new(input.as_bytes().to_vec())),
            out: Box::new(Shared(out)),
            terminal: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn run<T>(input: &str, f: impl FnOnce(&mut Prompter) -> T) -> (T, String) {
        let out = Arc::new(Mutex::new(Vec::new()));
        let mut p = Prompter::scripted(input, out.clone());
        let value = f(&mut p);
        let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
        (value, text)
    }

    #[test]
    fn empty_keeps_the_current_value_and_answers_are_stripped() {
        let (v, out) = run("\n  eu-west-1  \n", |p| {
            let a = p
                .get_value(Some("us-east-1"), "SSO region", None, None)
                .unwrap();
            let b = p.get_value(None, "SSO region", None, None).unwrap();
            (a, b)
        });
        assert_eq!(v.0.as_deref(), Some("us-east-1"));
        assert_eq!(v.1.as_deref(), Some("eu-west-1"));
        assert_eq!(
            out,
            "SSO region [us-east-1]: \nSSO region [None]:   eu-west-1  \n"
        );
    }

    #[test]
    fn a_refused_answer_is_asked_again_with_the_message() {
        let required = |v: &str| {
            if v.is_empty() {
                Err("A value is required")
            } else {
                Ok(())
            }
        };
        let (v, out) = run("\nx\n", |p| {
            p.get_value(None, "Name", Some(&required), Some("Name: "))
                .unwrap()
        });
        assert_eq!(v.as_deref(), Some("x"));
        assert_eq!(out, "Name: \nA value is required\nName: x\n");
    }

    #[test]
    fn the_end_of_input_interrupts() {
        let (v, _) = run("", |p| p.get_value(None, "Name", None, None));
        assert!(matches!(v, Err(Interrupted::EndOfInput)));
    }

    #[test]
    fn a_numbered_choice_when_input_is_not_a_terminal() {
        let items = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
        let (v, out) = run("0\nx\n3\n", |p| p.select(&items).unwrap());
        assert_eq!(v, 2);
        assert_eq!(
            out,
            "   1) a\n   2) b\n   3) c\nEnter a number [1-3]: 0\nNot a number between 1 and \
             3\nEnter a number [1-3]: x\nNot a number between 1 and 3\nEnter a number [1-3]: 3\n"
        );
    }
}

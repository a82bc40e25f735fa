//! The arrow-key menu of the CLI v2's wizards (`awscli/customizations/wizard/ui/selectmenu.py`):
//! up to 10 items shown at a time, `>` before the selected one, Up/Down to move (the list
//! scrolls), Enter to choose, Ctrl-C to abandon; the menu is erased once chosen.
//!
//! The terminal is put in raw mode for the duration (restored on every way out, panics
//! included, by a guard); where that is impossible (not Unix, or the terminal refuses) the
//! caller falls back on a numbered list.

use std::io::{BufRead, Write};

/// Why a question got no answer.
#[derive(Debug)]
pub(crate) enum Interrupted {
    /// Ctrl-C (in the menu; elsewhere the terminal sends SIGINT, which ends the process).
    CtrlC,
    /// The input ended before the answer.
    EndOfInput,
    /// The terminal could not be read or written.
    Io(std::io::Error),
}

impl From<std::io::Error> for Interrupted {
    fn from(e: std::io::Error) -> Self {
        Interrupted::Io(e)
    }
}

/// How many items show at a time, as the CLI's `max_height`.
const MAX_HEIGHT: usize = 10;
/// The cursor and the spaces around an item: `"> item  "`.
const CURSOR: &str = ">";

/// A key the menu acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Up,
    Down,
    Enter,
    CtrlC,
    Other,
}

/// Reads one key from raw input: the arrows' escape sequences (`ESC [ A`, `ESC O A`...), Enter
/// (CR or LF), Ctrl-C; anything else is ignored. `None` at the end of the input.
fn read_key(input: &mut dyn BufRead) -> std::io::Result<Option<Key>> {
    let mut byte = [0u8; 1];
    if input.read(&mut byte)? == 0 {
        return Ok(None);
    }
    Ok(Some(match byte[0] {
        b'\r' | b'\n' => Key::Enter,
        3 => Key::CtrlC,
        0x1b => {
            let mut seq = [0u8; 2];
            if input.read(&mut seq[..1])? == 0 || input.read(&mut seq[1..])? == 0 {
                return Ok(None);
            }
            match seq {
                [b'[' | b'O', b'A'] => Key::Up,
                [b'[' | b'O', b'B'] => Key::Down,
                _ => Key::Other,
            }
        }
        _ => Key::Other,
    }))
}

/// What is on screen: the items, the selection and the first item shown.
struct View<'a> {
    items: &'a [String],
    selected: usize,
    top: usize,
    height: usize,
    width: usize,
}

impl View<'_> {
    fn press(&mut self, key: Key) {
        match key {
            Key::Up if self.selected > 0 => self.selected -= 1,
            Key::Down if self.selected + 1 < self.items.len() => self.selected += 1,
            _ => {}
        }
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + self.height {
            self.top = self.selected + 1 - self.height;
        }
    }

    /// The lines shown, trimmed to the terminal's width with `...` as the CLI's `_trim_text`.
    fn lines(&self) -> Vec<String> {
        let room = self.width.saturating_sub(CURSOR.len() + 3).max(4);
        (self.top..self.top + self.height)
            .map(|i| {
                let cursor = if i == self.selected { CURSOR } else { " " };
                let item = &self.items[i];
                let text = if item.chars().count() > room {
                    let kept: String = item.chars().take(room.saturating_sub(3).max(1)).collect();
                    format!("{kept}...")
                } else {
                    item.clone()
                };
                format!("{cursor} {text}")
            })
            .collect()
    }

    /// Draws the menu; `redraw` first moves back over the previous drawing.
    fn draw(&self, out: &mut dyn Write, redraw: bool) -> std::io::Result<()> {
        let mut text = String::new();
        if redraw {
            text.push_str(&format!("\x1b[{}A\r", self.height));
        }
        for line in self.lines() {
            text.push_str("\x1b[2K");
            text.push_str(&line);
            text.push_str("\r\n");
        }
        out.write_all(text.as_bytes())?;
        out.flush()
    }

    /// Erases the menu, as the CLI's `erase_when_done`.
    fn erase(&self, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(format!("\x1b[{}A\r\x1b[J", self.height).as_bytes())?;
        out.flush()
    }
}

/// Runs the menu on the terminal on stdin. `Ok(None)` when the terminal cannot be put in raw
/// mode (the caller asks for a number instead).
pub(crate) fn select(
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    items: &[String],
) -> Result<Option<usize>, Interrupted> {
    let Some(raw) = raw_mode::RawMode::enter() else {
        return Ok(None);
    };
    let mut view = View {
        items,
        selected: 0,
        top: 0,
        height: items.len().min(MAX_HEIGHT),
        width: raw.width(),
    };
    view.draw(out, false)?;
    let outcome = loop {
        match read_key(input)? {
            None => break Err(Interrupted::EndOfInput),
            Some(Key::CtrlC) => break Err(Interrupted::CtrlC),
            Some(Key::Enter) => break Ok(Some(view.selected)),
            Some(key) => {
                view.press(key);
                view.draw(out, true)?;
            }
        }
    };
    view.erase(out)?;
    drop(raw);
    outcome
}

#[cfg(unix)]
mod raw_mode {
    use rustix::termios::{self, OptionalActions, Termios};

    /// The terminal in raw mode until dropped.
    pub(super) struct RawMode {
        saved: Termios,
    }

    impl RawMode {
        pub(super) fn enter() -> Option<RawMode> {
            let stdin = std::io::stdin();
            let saved = termios::tcgetattr(&stdin).ok()?;
            let mut raw = saved.clone();
            raw.make_raw();
            termios::tcsetattr(&stdin, OptionalActions::Now, &raw).ok()?;
            Some(RawMode { saved })
        }

        /// The terminal's width in columns (80 when it does not say).
        pub(super) fn width(&self) -> usize {
            termios::tcgetwinsize(std::io::stdout())
                .ok()
                .map(|w| usize::from(w.ws_col))
                .filter(|w| *w > 0)
                .unwrap_or(80)
        }
    }

    impl Drop for RawMode {
        fn drop(&mut self) {
            let _ = termios::tcsetattr(std::io::stdin(), OptionalActions::Now, &self.saved);
        }
    }
}

#[cfg(not(unix))]
mod raw_mode {
    /// No raw mode here: the numbered list is used.
    pub(super) struct RawMode;

    impl RawMode {
        pub(super) fn enter() -> Option<RawMode> {
            None
        }

        pub(super) fn width(&self) -> usize {
            80
        }
    }

    /// Nothing to restore; the menu still ends its raw mode the same way on every platform.
    impl Drop for RawMode {
        fn drop(&mut self) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_from_their_escape_sequences() {
        let mut input: &[u8] = b"\x1b[A\x1b[B\x1bOB\r\n\x03x\x1b[C";
        let mut keys = Vec::new();
        while let Some(k) = read_key(&mut input).unwrap() {
            keys.push(k);
        }
        use Key::*;
        assert_eq!(keys, [Up, Down, Down, Enter, Enter, CtrlC, Other, Other]);
    }

    #[test]
    fn the_window_scrolls_with_the_selection_and_trims_long_items() {
        let items: Vec<String> = (0..12).map(|i| format!("item {i}")).collect();
        let mut view = View {
            items: &items,
            selected: 0,
            top: 0,
            height: 10,
            width: 80,
        };
        view.press(Key::Up);
        assert_eq!((view.selected, view.top), (0, 0));
        for _ in 0..11 {
            view.press(Key::Down);
        }
        assert_eq!((view.selected, view.top), (11, 2));
        view.press(Key::Down);
        assert_eq!(view.selected, 11);
        let lines = view.lines();
        assert_eq!(lines.len(), 10);
        assert_eq!(lines[0], "  item 2");
        assert_eq!(lines[9], "> item 11");
        for _ in 0..10 {
            view.press(Key::Up);
        }
        assert_eq!((view.selected, view.top), (1, 1));

        let long = vec!["x".repeat(30)];
        let narrow = View {
            items: &long,
            selected: 0,
            top: 0,
            height: 1,
            width: 20,
        };
        assert_eq!(narrow.lines(), [format!("> {}...", "x".repeat(13))]);
    }
}

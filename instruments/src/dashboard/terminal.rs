//! Owning the terminal: raw mode, the alternate screen, the event loop — and giving all of it
//! back, whatever happens.
//!
//! **Invariant**: while [`run`] owns the terminal, the terminal is in raw mode on the alternate
//! screen with the cursor hidden; however `run` ends — `q`, `Esc`, Ctrl-C (raw mode delivers it
//! as a key, not as a signal), the demo's senders going away, an error, or a panic on any
//! thread — the terminal is given back as it was, exactly once. The one flag [`OWNED`] says who
//! owns it; whoever swaps it from `true` to `false` restores the terminal.
//!
//! A panic hook restores the terminal *before* the previous hook prints the message, so the
//! message lands on the normal screen where it can be read. (ratatui's own `init` installs a
//! similar hook, but it does not show the cursor again and cannot tell whether the dashboard
//! still owns the terminal, so this module keeps its own.) After a panic anywhere in the
//! process, the next event makes `run` return an error rather than draw on a terminal it no
//! longer owns.
//!
//! Three threads take part:
//! - the caller's thread sleeps on one channel and redraws once per wake-up, after handling
//!   everything that queued up meanwhile — new data or input, never a frame timer;
//! - `dashboard-input` blocks in crossterm's `event::read` and forwards each terminal event;
//! - `dashboard-fwd` moves the demo's events into that same channel, and says when the
//!   demo's senders are all gone (a std channel cannot tell which sender is which, so the input
//!   thread's sender would otherwise keep it open forever).
//!
//! Neither helper thread is joined. The input thread sleeps in `read` until the next key
//! arrives after `run` returned, finds the channel closed and ends (or ends with the process).
//! A read timeout would let it stop sooner, but would also wake it several times a second and
//! add context switches to the very numbers the dashboard shows for the server's process.

use std::io::{self, IsTerminal, Stdout, stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::mpsc::{self, Receiver, Sender};
use std::{panic, thread};

use anyhow::{Context, bail};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{self, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

use crate::dashboard::{Action, DashboardState, DemoInfo, PartView, UiEvent};

/// `true` while the dashboard owns the terminal (see the module docs).
static OWNED: AtomicBool = AtomicBool::new(false);

/// What wakes the drawing thread.
enum Wake<X> {
    Event(UiEvent<X>),
    /// Every sender the demo held is gone: nothing more will come.
    SourcesGone,
    /// The terminal cannot be read any more (and so no key can quit).
    InputFailed(io::Error),
}

/// Runs the dashboard until the learner quits or the demo's `events` senders are all dropped.
///
/// Each [`UiEvent`] from the demo, and each key or resize from the terminal, leads to a redraw.
/// Key presses that ask for something reach `on_action`; on quit, `on_action(Action::Quit)` is
/// the last call before `run` returns. The terminal is restored in every case (module docs).
pub fn run<X: PartView>(
    info: DemoInfo,
    events: Receiver<UiEvent<X>>,
    mut on_action: impl FnMut(Action),
) -> anyhow::Result<()> {
    let mut screen = Screen::enter().context("could not take over the terminal")?;
    let (wake, woken) = mpsc::channel();
    spawn_input_thread(wake.clone()).context("could not start the input thread")?;
    spawn_forwarder(events, wake).context("could not start the event thread")?;

    let mut state = DashboardState::new(info);
    screen.draw(&state)?;
    // `recv` fails only when both helper threads are gone, which each announces first.
    while let Ok(first) = woken.recv() {
        for wake in std::iter::once(first).chain(woken.try_iter()) {
            match wake {
                Wake::Event(UiEvent::Sample(sample)) => state.push(*sample),
                Wake::Event(UiEvent::Message(text)) => state.message(text),
                Wake::Event(UiEvent::Input(Event::Key(key))) => {
                    if let Some(action) = state.handle_key(key) {
                        let quit = action == Action::Quit;
                        on_action(action);
                        if quit {
                            return Ok(());
                        }
                    }
                }
                // A resize needs nothing but the redraw below; other input is not enabled.
                Wake::Event(UiEvent::Input(_)) => {}
                Wake::SourcesGone => return still_owned(),
                Wake::InputFailed(err) => return Err(err).context("reading the terminal failed"),
            }
        }
        still_owned()?;
        screen.draw(&state)?;
    }
    Ok(())
}

/// Fails, saying what to do `instead`, unless the dashboard has a terminal to draw on (stdout)
/// and to read keys from (stdin). Without one (output piped or redirected, CI, a class's
/// shared runner) it could draw nothing readable and take no key, not even `q`.
pub fn require_terminal(instead: &str) -> anyhow::Result<()> {
    if io::stdin().is_terminal() && stdout().is_terminal() {
        return Ok(());
    }
    bail!("the dashboard needs a terminal (stdin and stdout), and this run has none: {instead}")
}

/// Fails if a panic took the terminal back, so that nothing draws over its message.
fn still_owned() -> anyhow::Result<()> {
    if !OWNED.load(SeqCst) {
        bail!("a panic gave the terminal back (its message is above); the dashboard stopped");
    }
    Ok(())
}

/// The terminal while the dashboard owns it. Dropping it gives the terminal back.
struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    /// Declared last so that it is dropped last, after the terminal has shown the cursor.
    _give_back: GiveBackOnDrop,
}

impl Screen {
    fn enter() -> io::Result<Screen> {
        install_panic_hook();
        if OWNED.swap(true, SeqCst) {
            return Err(io::Error::other("the dashboard already owns the terminal"));
        }
        // From here on, any early return gives the terminal back.
        let give_back = GiveBackOnDrop;
        enable_raw_mode()?;
        execute!(stdout(), EnterAlternateScreen, Hide)?;
        let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        Ok(Screen {
            terminal,
            _give_back: give_back,
        })
    }

    fn draw<X: PartView>(&mut self, state: &DashboardState<X>) -> io::Result<()> {
        self.terminal.draw(|frame| state.render(frame))?;
        Ok(())
    }
}

struct GiveBackOnDrop;

impl Drop for GiveBackOnDrop {
    fn drop(&mut self) {
        if let Err(err) = give_back() {
            eprintln!("could not restore the terminal: {err}");
        }
    }
}

/// Leaves raw mode and the alternate screen and shows the cursor, if the dashboard still owns
/// the terminal; a no-op otherwise, so that it can run from both a panic and a drop.
fn give_back() -> io::Result<()> {
    if !OWNED.swap(false, SeqCst) {
        return Ok(());
    }
    // Try both steps even if the first fails: half a terminal back beats none.
    let raw = disable_raw_mode();
    let screen = execute!(stdout(), LeaveAlternateScreen, Show);
    raw.and(screen)
}

/// Installs, once per process, a panic hook that gives the terminal back before the previous
/// hook prints the panic.
fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            // Best effort: if restoring fails, the panic message still matters more.
            let _ = give_back();
            previous(info);
        }));
    });
}

/// The helper threads' names, as htop and the threads table show them. Linux keeps 15 bytes of
/// a thread's name (`TASK_COMM_LEN` is 16, with the NUL), so both fit whole.
const INPUT_THREAD: &str = "dashboard-input";
const FORWARD_THREAD: &str = "dashboard-fwd";
const THREAD_NAME_MAX: usize = 15;
const _: () = assert!(
    INPUT_THREAD.len() <= THREAD_NAME_MAX && FORWARD_THREAD.len() <= THREAD_NAME_MAX,
    "a helper thread's name would be cut in the threads table"
);

fn spawn_input_thread<X: Send + 'static>(wake: Sender<Wake<X>>) -> io::Result<()> {
    thread::Builder::new()
        .name(INPUT_THREAD.to_string())
        .spawn(move || {
            loop {
                let (message, failed) = match event::read() {
                    Ok(event) => (Wake::Event(UiEvent::Input(event)), false),
                    Err(err) => (Wake::InputFailed(err), true),
                };
                if wake.send(message).is_err() || failed {
                    return;
                }
            }
        })?;
    Ok(())
}

fn spawn_forwarder<X: Send + 'static>(
    events: Receiver<UiEvent<X>>,
    wake: Sender<Wake<X>>,
) -> io::Result<()> {
    thread::Builder::new()
        .name(FORWARD_THREAD.to_string())
        .spawn(move || {
            for event in events {
                if wake.send(Wake::Event(event)).is_err() {
                    return;
                }
            }
            // Fails only if the dashboard has already returned, which is fine.
            let _ = wake.send(Wake::SourcesGone);
        })?;
    Ok(())
}

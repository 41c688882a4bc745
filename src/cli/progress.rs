//! The apply reporter: one line per resource; spinners on a terminal, plain lines otherwise.

use crate::apply::Reporter;
use crate::plan::Change;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

pub struct Progress {
    bars: Option<MultiProgress>,
    running: Mutex<HashMap<String, ProgressBar>>,
    /// Plain output: when each waiting change last printed a line.
    waits: Mutex<HashMap<String, Duration>>,
}

impl Progress {
    pub fn new(fancy: bool) -> Self {
        Self {
            bars: fancy.then(MultiProgress::new),
            running: Mutex::new(HashMap::new()),
            waits: Mutex::new(HashMap::new()),
        }
    }
    pub fn finish(&self) {
        if let Some(m) = &self.bars {
            m.clear().ok();
        }
    }
}

fn label(c: &Change) -> String {
    format!("{:>3} {} {}", c.action.symbol(), c.kind.as_str(), c.name)
}

impl Reporter for Progress {
    fn started(&self, c: &Change) {
        if let Some(m) = &self.bars {
            let bar = m.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(label(c));
            bar.enable_steady_tick(Duration::from_millis(120));
            if let Ok(mut r) = self.running.lock() {
                r.insert(c.id.clone(), bar);
            }
        }
    }
    fn waiting(&self, c: &Change, what: &str, elapsed: Duration, limit: Duration) {
        let text = format!(
            "{}: waiting for {what} ({}s of {}s)",
            label(c),
            elapsed.as_secs(),
            limit.as_secs()
        );
        if self.bars.is_some() {
            if let Some(bar) = self.running.lock().ok().and_then(|r| r.get(&c.id).cloned()) {
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} [{wide_bar}]")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_length(limit.as_secs().max(1));
                bar.set_position(elapsed.as_secs());
                bar.set_message(text);
            }
            return;
        }
        // Plain output (CI logs): the first wait, then a line every 30 seconds.
        let Ok(mut w) = self.waits.lock() else { return };
        let due = w
            .get(&c.id)
            .is_none_or(|last| elapsed >= *last + Duration::from_secs(30));
        if due {
            w.insert(c.id.clone(), elapsed);
            println!("{text}");
        }
    }
    fn finished(&self, c: &Change, outcome: &Result<(), String>, elapsed: Duration) {
        let status = match outcome {
            Ok(()) => "done".to_string(),
            Err(e) => format!("FAILED: {e}"),
        };
        let line = format!("{}  {status} ({:.1}s)", label(c), elapsed.as_secs_f64());
        let bar = self.running.lock().ok().and_then(|mut r| r.remove(&c.id));
        match (&self.bars, bar) {
            (Some(m), Some(bar)) => {
                bar.finish_and_clear();
                m.println(line).ok();
            }
            _ => println!("{line}"),
        }
    }
    fn note(&self, line: &str) {
        match &self.bars {
            Some(m) => {
                m.println(line).ok();
            }
            None => println!("{line}"),
        }
    }
}

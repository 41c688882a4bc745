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
}

impl Progress {
    pub fn new(fancy: bool) -> Self {
        Self {
            bars: fancy.then(MultiProgress::new),
            running: Mutex::new(HashMap::new()),
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
}

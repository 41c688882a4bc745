//! `scripts/quota_proxy.py` in front of a [`Moto`]: AWS's quotas and injected faults
//! (429, 500, 503, connection resets) between the CLI and the emulator.

use super::{repo_root, Moto};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running proxy, stopped (SIGTERM, so it writes its final stats) on drop.
pub struct Proxy {
    pub url: String,
    child: Child,
    stats_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Proxy {
    /// Starts the proxy on a free loopback port in front of `moto`, with extra arguments
    /// (`--fault-rate 0.2 --faults 429,500 --seed 7`, `--fault-after-forward`, `--no-quotas`).
    pub fn start(moto: &Moto, args: &[&str]) -> Proxy {
        Self::start_to(&moto.endpoint(), args)
    }

    /// The same in front of any endpoint (`http://127.0.0.1:PORT`): LocalStack.
    pub fn start_to(upstream: &str, args: &[&str]) -> Proxy {
        let dir = tempfile::tempdir().expect("tempdir");
        let stats_file = dir.path().join("stats.json");
        let log = std::fs::File::create(dir.path().join("proxy.stderr")).expect("proxy log");
        let mut child = Command::new("python3")
            .arg(repo_root().join("scripts/quota_proxy.py"))
            .args(["--listen", "127.0.0.1:0", "--upstream", upstream])
            .arg("--stats-file")
            .arg(&stats_file)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start scripts/quota_proxy.py (needs python3)");
        let stdout = child.stdout.take().expect("proxy stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Keep draining so the proxy never blocks on a full pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        // Ends on an event: the proxy says where it listens, or exits (its stdout closes,
        // the reader ends and the channel disconnects).
        let url = match rx.recv() {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let err =
                    std::fs::read_to_string(dir.path().join("proxy.stderr")).unwrap_or_default();
                panic!("quota_proxy.py did not say where it listens:\n{err}");
            }
        };
        Proxy {
            url,
            child,
            stats_file,
            _dir: dir,
        }
    }

    /// Stops the proxy and returns its final stats (requests, faults by kind, ...).
    pub fn stop(mut self) -> serde_json::Value {
        self.terminate();
        let text = std::fs::read_to_string(&self.stats_file).unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    fn terminate(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pid = self.child.id().to_string();
        // SIGTERM makes it write its final stats and exit: wait for that exit as long as a
        // busy machine may take, but not forever (a proxy that never exits would hang the
        // suite; its stats file is then the last written, at most a second old).
        if Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|s| s.success())
        {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            eprintln!("quota proxy {pid} did not exit within 120 s of SIGTERM: killed");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.terminate();
    }
}

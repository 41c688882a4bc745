//! The optional apply lock (a DynamoDB item per stack, taken with a conditional write): two
//! applies of one stack never run at once, the refused one names the holder, `--lock-wait`
//! outlasts a holder, an expired lease is taken over, a lost answer on the lock write is
//! recognised by its token, and `unlock` frees the lock of a killed apply.

use crate::common;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use common::proxy::Proxy;
use common::stack::*;
use common::{cli, cli_env, command, Moto};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Stdio};

const TABLE: &str = "idrv5-gw-locks";

/// The lock table, and `lock:` in the dev stack of the workspace.
fn with_lock(moto: &Moto, dir: &Path) {
    rt().block_on(async {
        dynamodb(moto)
            .create_table()
            .table_name(TABLE)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("LockID")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("LockID")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .expect("create_table");
    });
    let dev = dir.join(DEV);
    let text = std::fs::read_to_string(&dev).unwrap();
    std::fs::write(&dev, format!("{text}\nlock:\n  dynamodb_table: {TABLE}\n")).unwrap();
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn hold(moto: &Moto, holder: &str, expires: u64) {
    rt().block_on(async {
        dynamodb(moto)
            .put_item()
            .table_name(TABLE)
            .item("LockID", AttributeValue::S("idrv5/dev".into()))
            .item("Holder", AttributeValue::S(holder.into()))
            .item("Since", AttributeValue::N(now().to_string()))
            .item("Expires", AttributeValue::N(expires.to_string()))
            .send()
            .await
            .expect("put_item");
    });
}

/// The holder finishes: its lock item goes.
fn release(moto: &Moto) {
    rt().block_on(async {
        dynamodb(moto)
            .delete_item()
            .table_name(TABLE)
            .key("LockID", AttributeValue::S("idrv5/dev".into()))
            .send()
            .await
            .expect("delete_item");
    });
}

fn lock_item(moto: &Moto) -> Option<String> {
    rt().block_on(async {
        let out = dynamodb(moto)
            .get_item()
            .table_name(TABLE)
            .key("LockID", AttributeValue::S("idrv5/dev".into()))
            .send()
            .await
            .expect("get_item");
        out.item()
            .and_then(|i| i.get("Holder"))
            .and_then(|h| h.as_s().ok())
            .cloned()
    })
}

#[test]
fn a_held_lock_refuses_apply_naming_the_holder_and_lock_wait_outlasts_it() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    with_lock(&moto, &dir);
    hold(&moto, "alice@laptop pid 4242 (apply)", now() + 3600);
    let out = cli(&moto, &dir, &["apply", "--stack", DEV, "--auto-approve"]);
    assert_ne!(out.status, 0);
    assert!(
        out.stderr
            .contains("stack idrv5/dev is locked by alice@laptop pid 4242 (apply)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--lock-wait"), "{}", out.stderr);
    rt().block_on(async {
        assert!(apis_named(&apigw(&moto), "idrv5-dev").await.is_empty());
    });

    // Alice finishes while an apply told to wait is waiting; it proceeds then. The lock is
    // released when the apply says it waits, not after a guessed delay.
    let mut child = command(
        &moto,
        &dir,
        &[
            "apply",
            "--stack",
            DEV,
            "--auto-approve",
            // Only bounds a failure: the wait ends on the release below.
            "--lock-wait",
            "600",
        ],
        &[],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn apply");
    let mut stdout_pipe = child.stdout.take().expect("stdout");
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout_pipe.read_to_string(&mut text);
        text
    });
    let (mut stderr, mut released) = (String::new(), false);
    for line in BufReader::new(child.stderr.take().expect("stderr")).lines() {
        let line = line.expect("read stderr");
        if !released && line.contains("waiting for the lock on idrv5/dev") {
            release(&moto);
            released = true;
        }
        stderr.push_str(&line);
        stderr.push('\n');
    }
    let status = child.wait().expect("wait for apply");
    let stdout = stdout.join().expect("stdout reader");
    assert!(status.success(), "{status}\n{stdout}\n{stderr}");
    assert!(
        released,
        "the apply never said it waits for the lock:\n{stderr}"
    );
    assert_eq!(lock_item(&moto), None, "the lock is released after apply");
}

/// A running apply of the dev stack (it logs at info: `lock held`, `lock renewed`), its
/// stderr lines arriving on a channel.
struct Running {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: String,
}

impl Running {
    fn start(moto: &Moto, dir: &Path, proxy_url: Option<&str>) -> Running {
        let mut env = vec![("RUST_LOG", "idrv5_gw=info")];
        if let Some(url) = proxy_url {
            env.push(("AWS_ENDPOINT_URL", url));
        }
        let mut child = command(
            moto,
            dir,
            &["apply", "--stack", DEV, "--auto-approve"],
            &env,
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn apply");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut r = Running {
            child,
            lines,
            seen: String::new(),
        };
        r.wait_for("lock held", 1);
        r
    }

    /// Reads stderr until `n` lines containing `text` have come (the run ending first fails).
    fn wait_for(&mut self, text: &str, n: usize) {
        let mut count = self.seen.matches(text).count();
        while count < n {
            let Ok(line) = self.lines.recv() else {
                panic!("the apply ended before {n} × `{text}`:\n{}", self.seen);
            };
            count += usize::from(line.contains(text));
            self.seen.push_str(&line);
            self.seen.push('\n');
        }
    }

    /// Waits for the end; its status and everything it wrote on stderr.
    fn finish(mut self) -> (std::process::ExitStatus, String) {
        let status = self.child.wait().expect("wait for apply");
        for line in self.lines.iter() {
            self.seen.push_str(&line);
            self.seen.push('\n');
        }
        (status, self.seen)
    }
}

fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(ok.success(), "kill {sig}");
}

#[test]
fn two_applies_at_once_one_proceeds_and_the_other_is_refused() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    with_lock(&moto, &dir);
    // The first is paused while it holds the lock, so the second meets it whatever the
    // machine's speed; then it goes on.
    let first = Running::start(&moto, &dir, None);
    let pid = first.child.id();
    signal(&first.child, "-STOP");
    let second = cli(&moto, &dir, &["apply", "--stack", DEV, "--auto-approve"]);
    signal(&first.child, "-CONT");
    assert_ne!(second.status, 0, "{}", second.stdout);
    assert!(
        second.stderr.contains("stack idrv5/dev is locked by")
            && second.stderr.contains(&format!("pid {} (apply)", pid)),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("idrv5-gw unlock --stack"),
        "{}",
        second.stderr
    );
    let (status, log) = first.finish();
    assert!(status.success(), "{status}\n{log}");
    rt().block_on(async {
        assert_eq!(apis_named(&apigw(&moto), "idrv5-dev").await.len(), 1);
    });
    assert_eq!(lock_item(&moto), None);
    let again = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

#[test]
fn a_long_apply_renews_its_lease_and_keeps_the_lock() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    with_lock(&moto, &dir);
    let dev = dir.join(DEV);
    let text = std::fs::read_to_string(&dev).unwrap();
    std::fs::write(&dev, format!("{text}  lease_seconds: 3\n")).unwrap();
    // Slow answers stretch the apply over many leases.
    let proxy = Proxy::start(
        &moto,
        &[
            "--no-quotas",
            "--fault-rate",
            "0.5",
            "--faults",
            "slow",
            "--seed",
            "3",
        ],
    );
    let mut first = Running::start(&moto, &dir, Some(&proxy.url));
    // Renewed every second: after four renewals the lease first taken has run out, and only
    // the renewals keep the lock.
    first.wait_for("lock renewed", 4);
    let second = cli(&moto, &dir, &["apply", "--stack", DEV, "--auto-approve"]);
    assert_ne!(
        second.status, 0,
        "the second apply took over a renewed lock: {}",
        second.stdout
    );
    assert!(
        second.stderr.contains("stack idrv5/dev is locked by"),
        "{}",
        second.stderr
    );
    // No need to sit through the rest of the slow apply.
    first.child.kill().expect("kill");
    first.finish();
    let freed = cli(&moto, &dir, &["unlock", "--stack", DEV]);
    assert_eq!(freed.status, 0, "{}", freed.stderr);
    assert_eq!(lock_item(&moto), None);
}

#[test]
fn a_lost_answer_on_the_lock_write_still_holds_the_lock() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    with_lock(&moto, &dir);
    // PutItem is carried out, its answer replaced by a 500: the retry is refused by the
    // item the first attempt wrote, which carries this apply's own token.
    let proxy = Proxy::start(&moto, &["--no-quotas", "--lose", "PutItem"]);
    let out = cli_env(
        &moto,
        &dir,
        &["apply", "--stack", DEV, "--auto-approve"],
        &[("AWS_ENDPOINT_URL", proxy.url.as_str())],
    );
    let stats = proxy.stop();
    assert_eq!(stats["lost_answers"]["PutItem"], 1, "{stats}");
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("Apply complete"), "{}", out.stdout);
    assert_eq!(lock_item(&moto), None, "released at the end");
}

#[test]
fn unlock_frees_the_lock_of_a_killed_apply_and_refuses_a_live_one_without_force() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    with_lock(&moto, &dir);
    let mut run = Running::start(&moto, &dir, None);
    let pid = run.child.id();
    run.child.kill().expect("kill -9");
    run.finish();
    let refused = cli(&moto, &dir, &["apply", "--stack", DEV, "--auto-approve"]);
    assert_ne!(refused.status, 0);
    assert!(
        refused.stderr.contains(&format!("pid {pid} (apply)")),
        "{}",
        refused.stderr
    );
    // Its process is gone from this host: stale, released without --force.
    let freed = cli(&moto, &dir, &["unlock", "--stack", DEV]);
    assert_eq!(freed.status, 0, "{}", freed.stderr);
    assert!(
        freed.stdout.contains(&format!("pid {pid} (apply)"))
            && freed
                .stdout
                .contains(&format!("process {pid} is gone from this host")),
        "{}",
        freed.stdout
    );
    assert_eq!(lock_item(&moto), None);
    let out = cli(&moto, &dir, &["apply", "--stack", DEV, "--auto-approve"]);
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);

    // A lock held elsewhere within its lease looks alive: only --force breaks it.
    hold(&moto, "carol@build-7 pid 99 (apply)", now() + 600);
    let kept = cli(&moto, &dir, &["unlock", "--stack", DEV]);
    assert_ne!(kept.status, 0);
    assert!(kept.stderr.contains("--force"), "{}", kept.stderr);
    assert!(lock_item(&moto).is_some());
    let forced = cli(&moto, &dir, &["unlock", "--stack", DEV, "--force"]);
    assert_eq!(forced.status, 0, "{}", forced.stderr);
    assert!(forced.stdout.contains("carol@build-7"), "{}", forced.stdout);
    assert_eq!(lock_item(&moto), None);
    let nothing = cli(&moto, &dir, &["unlock", "--stack", DEV]);
    assert!(
        nothing.stdout.contains("idrv5/dev is not locked"),
        "{}",
        nothing.stdout
    );
}

#[test]
fn an_expired_lease_is_taken_over() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    with_lock(&moto, &dir);
    hold(&moto, "bob@ci pid 7 (apply)", now() - 10);
    let out = cli(&moto, &dir, &["apply", "--stack", DEV, "--auto-approve"]);
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(lock_item(&moto), None);
}

#[test]
fn a_missing_lock_table_is_named_with_the_command_that_creates_it() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let dev = dir.join(DEV);
    let text = std::fs::read_to_string(&dev).unwrap();
    std::fs::write(&dev, format!("{text}\nlock:\n  dynamodb_table: {TABLE}\n")).unwrap();
    let out = cli(&moto, &dir, &["apply", "--stack", DEV, "--auto-approve"]);
    assert_ne!(out.status, 0);
    assert!(
        out.stderr
            .contains("lock table idrv5-gw-locks does not exist")
            && out.stderr.contains("aws dynamodb create-table"),
        "{}",
        out.stderr
    );
}

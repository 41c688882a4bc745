//! The optional apply lock (a DynamoDB item per stack, taken with a conditional write): two
//! applies of one stack never run at once, the refused one names the holder, `--lock-wait`
//! outlasts a holder, and an expired lease is taken over.

use crate::common;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use common::stack::*;
use common::{cli, command, Moto};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;

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

#[test]
fn two_applies_at_once_one_proceeds_and_the_other_is_refused() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    with_lock(&moto, &dir);
    let spawn = || {
        command(
            &moto,
            &dir,
            &["apply", "--stack", DEV, "--auto-approve"],
            &[],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let ok: Vec<_> = outs.iter().filter(|o| o.status.success()).collect();
    let refused: Vec<_> = outs.iter().filter(|o| !o.status.success()).collect();
    assert_eq!(ok.len(), 1, "exactly one apply proceeds");
    let err = String::from_utf8_lossy(&refused[0].stderr);
    assert!(err.contains("stack idrv5/dev is locked by"), "{err}");
    assert!(err.contains("(apply)"), "{err}");
    rt().block_on(async {
        assert_eq!(apis_named(&apigw(&moto), "idrv5-dev").await.len(), 1);
    });
    assert_eq!(lock_item(&moto), None);
    let again = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
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
